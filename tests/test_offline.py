"""The offline drafting engine writes a complete document from the brief alone, deterministically."""

from __future__ import annotations

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
    name, inputs = EXAMPLES[0]  # B2B SaaS: 8,000 concurrent, 99.95%, Node/PostgreSQL/Redis on AWS
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
    for above, line in zip(lines, lines[1:]):
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
