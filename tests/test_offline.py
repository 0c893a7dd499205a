"""The offline drafting engine writes a complete document from the brief alone, deterministically."""

from __future__ import annotations

import itertools
import re

import pytest

from specchain.document import check_document, clarification_items
from specchain.drafting import draft_document
from specchain.inputs import Answer, ChainInputs
from specchain.steps import ChainStep
from tests.conftest import example_inputs

EXAMPLES = example_inputs()


@pytest.mark.parametrize(("name", "inputs"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_every_section_present_and_no_placeholder_left(step: ChainStep, name: str, inputs: ChainInputs) -> None:
    document = draft_document(inputs)
    check = check_document(document, step)
    assert check.missing == [], name
    assert check.placeholders == []
    assert document.startswith(f"# Performance & Scalability: {inputs.values['app_name']}\n")
    assert clarification_items(document, step.clarification_section)
    assert draft_document(inputs) == document  # deterministic


def test_the_brief_s_own_names_figures_and_stack_appear(step: ChainStep) -> None:
    _name, inputs = EXAMPLES[0]  # B2B SaaS: 8,000 concurrent, 99.95%, Node/PostgreSQL/Redis on AWS
    document = draft_document(inputs)
    for expected in ("TaskFlow Pro", "8,000", "99.95%", "PostgreSQL", "Redis", "CloudFront", "Elasticsearch",
                     "< 150ms", "| Concurrent Users | 8,000 |", "21.9 minutes"):
        assert expected in document, expected
    marketplace = draft_document(EXAMPLES[1][1])
    for expected in ("LocalLoop Marketplace", "Cloud CDN", "MySQL", "innodb_buffer_pool_size", "```python",
                     "RabbitMQ", "25,000", "Mobile apps"):
        assert expected in marketplace, expected
    health = draft_document(EXAMPLES[2][1])
    for expected in ("CareBridge Health Data Hub", "HIPAA", "Azure Front Door", "Kafka", "```java", "99.99%", "AKS"):
        assert expected in health, expected


def test_architecture_diagram_lines_stay_aligned() -> None:
    document = draft_document(EXAMPLES[0][1])
    diagram = document.split("### System Architecture\n```\n")[1].split("```")[0]
    lines = diagram.splitlines()
    assert "┌" in diagram and "▼" in diagram and "└" in diagram
    # every downward arrow sits under a vertical line or junction of the line above
    for above, line in itertools.pairwise(lines):
        for column, char in enumerate(line):
            if char == "▼":
                assert above[column] in "│┬┼", (above, line)


def test_a_bare_brief_still_gives_a_whole_document_that_asks_for_what_is_missing(step: ChainStep) -> None:
    document = draft_document(ChainInputs(values={"app_name": "Tiny"}))
    assert check_document(document, step).complete
    questions = clarification_items(document, step.clarification_section)
    assert any("same moment" in q for q in questions)  # concurrency was assumed, so it is asked
    assert "Assumptions" in document


def test_answers_are_used_and_their_questions_not_asked_again(step: ChainStep) -> None:
    first = draft_document(ChainInputs(values={"app_name": "Tiny"}))
    question = next(q for q in clarification_items(first, step.clarification_section) if "cloud provider" in q)
    second = draft_document(ChainInputs(
        values={"app_name": "Tiny"},
        answers=(Answer(version=1, question=question, answer="We are on Google Cloud with 3,000 concurrent users"),),
    ))
    assert question not in clarification_items(second, step.clarification_section)
    assert "Cloud CDN" in second and "| Concurrent Users | 3,000 |" in second
    assert "What changed since the previous version" in second and "We are on Google Cloud" in second


# ---- issue 10: every figure comes from the facts and never contradicts the brief ---------------------------------
ISSUE_BRIEF = ChainInputs(values={
    "app_name": "Stadtwerk Portal",
    "expected_load": "8.000 gleichzeitig zur Spitze, 1.500 Bestellungen pro Tag, 3,5 Mio. registrierte Nutzer.",
    "performance_requirements": "500 ms for 95% of calls. 99,95 % uptime. RPO 1 min, RTO 30 min. "
                                "The database allows max_connections 300.",
    "technical_stack": "Java (Spring Boot) on OpenShift on-premises, no public cloud (GDPR). Oracle 19c, Bull for "
                       "background jobs, Redis.",
    "growth_projections": "Traffic doubles in 2 years.",
})


def section(document: str, title: str) -> str:
    return document.split(f"## {title}\n")[1].split("\n## ")[0]


def test_the_offline_draft_keeps_the_brief_s_platform_database_queue_and_percentiles(step: ChainStep) -> None:
    document = draft_document(ISSUE_BRIEF)
    assert check_document(document, step).complete
    for absent in ("AWS", "us-east-1", "us-west-2", "CloudFront", "SQS", "PostgreSQL", "Azure", "Google Cloud"):
        assert absent not in document, absent
    for present in ("Oracle 19c", "Bull", "OpenShift", "99.95%", "| Concurrent Users | 8,000 |", "GDPR"):
        assert present in document, present
    assert "| API Response | < 250ms *(derived)* | < 500ms | < 1s *(derived)* |" in document  # p95 as stated
    assert "p(95)<500" in document and "p95 latency > 500ms" in document
    requirements = section(document, "Performance Requirements")
    assert "- **RTO**: 30 minutes" in requirements and "- **RPO**: 1 minute" in requirements
    assert "processes: 300" in document  # Oracle's connection limit, as stated
    assert "assumed" not in section(document, "Executive Summary").split("**Assumptions**")[0].lower()


def test_recovery_steps_fit_in_the_rto_and_pools_fit_the_connection_limit() -> None:
    document = draft_document(ISSUE_BRIEF)
    targets = document.split("Time Targets (")[1].split("```")[0]
    minutes = [float(m) for m in re.findall(r"< ([\d.]+) minutes?", targets)]
    assert sum(minutes[:-1]) <= minutes[-1] == 30
    pool = re.search(r"Connection pooling: .*?(\d+) connections across all instances.*?limit of (\d+)", document)
    pooler = re.search(r"pooler holds (\d+) server connections \(max_connections (\d+)", document)
    used, limit = (pool or pooler).groups()  # type: ignore[union-attr]
    assert int(used) <= int(limit) == 300


def test_a_range_stays_a_range_and_the_year_three_target_is_the_brief_s() -> None:
    document = draft_document(ChainInputs(values={
        "app_name": "Ranges", "expected_load": "50–250 concurrent users now, 1,000–5,000 in year 3"}))
    assert "| Concurrent Users | 50–250 |" in document
    row = next(line for line in document.splitlines() if line.startswith("| Concurrent Users |"))
    assert row.rstrip().endswith("| 1,000–5,000 |")


def test_answering_the_database_question_replaces_the_assumption_and_stays_visible(step: ChainStep) -> None:
    first = draft_document(ChainInputs(values={"app_name": "Tiny"}))
    assert "PostgreSQL) is assumed" in first
    question = next(q for q in clarification_items(first, step.clarification_section) if q.startswith("Database:"))
    inputs = ChainInputs(values={"app_name": "Tiny"},
                         answers=(Answer(version=1, question=question, answer="Oracle 19c"),))
    second = draft_document(inputs)
    assert "PostgreSQL" not in second and "Oracle 19c" in second
    items = clarification_items(second, step.clarification_section)
    assert question not in items
    assert "Database: Oracle 19c (you answered in version 1)" in items  # shown as answered, and answerable again
    third = draft_document(ChainInputs(values={"app_name": "Tiny"}, answers=(
        *inputs.answers, Answer(version=2, question="Database: Oracle 19c (you answered in version 1)",
                                answer="SQL Server"))))
    assert "SQL Server" in third and "Oracle" not in third.split("## Clarification")[0]


def test_figures_the_brief_gives_without_meaning_are_asked_about(step: ChainStep) -> None:
    document = draft_document(ChainInputs(values={"app_name": "Odd", "expected_load": "8,000 concurrent users; 40 wombats"}))
    questions = clarification_items(document, step.clarification_section)
    assert any("“40 wombats”" in q for q in questions)
    assert "1,000 people using the product at the same moment" not in document  # concurrency was read, not assumed


def test_the_brief_s_conflicts_are_reported_and_asked(step: ChainStep) -> None:
    document = draft_document(ChainInputs(values={
        "app_name": "Clash", "performance_requirements": "RTO 5 minutes, failover within 10 minutes"}))
    assert "Targets in the brief that conflict" in document
    assert any("shorter than the failover time" in q for q in clarification_items(document, step.clarification_section))


def test_a_target_said_twice_is_written_once_and_a_stated_count_is_kept_exactly() -> None:
    _name, inputs = EXAMPLES[0]
    values = dict(inputs.values)
    values["performance_requirements"] = ("Antwortzeit der API unter 500 ms (95. Perzentil). "
                                          "Bestellungen werden in unter 500 ms bestätigt. Verfügbarkeit 99,9 %.")
    values["expected_load"] = "777 users at once at peak"
    document = draft_document(inputs.model_copy(update={"values": values}))
    assert "API responses under **500ms** at the 95th percentile; and" in document
    assert "responses under **500ms**;" not in document.replace("API responses under **500ms**", "")
    assert re.search(r"^\| API Response \|", document, re.MULTILINE)
    assert not re.search(r"^\| Response \|", document, re.MULTILINE)
    assert "**777 concurrent users**" in document and "| Concurrent Users | 777 |" in document
    assert "780 concurrent" not in document and "780 virtual users" not in document
    assert "777 virtual users (today's peak)" in document


def test_a_distinct_unnamed_target_keeps_its_own_row() -> None:
    _name, inputs = EXAMPLES[0]
    values = dict(inputs.values)
    values["performance_requirements"] = "API p95 under 300 ms. Bestellungen werden in unter 800 ms bestätigt."
    document = draft_document(inputs.model_copy(update={"values": values}))
    assert re.search(r"^\| Response \| < 800ms \|", document, re.MULTILINE)
