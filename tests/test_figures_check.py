"""The figures check: a document's availability, latency, concurrency, RPO/RTO, growth, platform and database
against the brief, each mismatch quoted with the brief's own words."""

from __future__ import annotations

import pytest

from specchain.drafting import draft_document
from specchain.facts.check import check_figures
from specchain.facts.read import read_facts
from specchain.inputs import ChainInputs
from tests.conftest import example_inputs

TASKFLOW = example_inputs()[0][1]

# A document written the way Claude writes them, consistent with the TaskFlow Pro brief.
CONSISTENT = """# Performance & Scalability: TaskFlow Pro

## Executive Summary
TaskFlow Pro serves **8,000 concurrent users** at peak today and must reach 5x today's traffic within 3 years. Targets:
API responses under 150 ms at the 95th percentile, **99.95% uptime** (about 22 minutes of downtime a month).
The platform stays on AWS with PostgreSQL 16 (Amazon RDS), Redis and Elasticsearch.

## Performance Requirements

### Response Time Targets
| Operation | Target | 95th Percentile | 99th Percentile |
|-----------|--------|-----------------|-----------------|
| Page Load | < 2s | < 3s | < 4.5s |
| API Response | < 80ms | < 150ms | < 400ms |
| Search Query | < 300ms | < 500ms | < 900ms |
| Report Generation | < 10s | < 15s | < 25s |

### Throughput Requirements
| Metric | Current | 6 Months | 1 Year | 3 Years |
|--------|---------|----------|--------|---------|
| Concurrent Users | 8,000 | 11,000 | 16,000 | 40,000 |

### Availability Targets
- **Uptime SLA**: 99.95% (21.9 minutes downtime/month)
- **RTO**: 15 minutes
- **RPO**: 5 minutes

## Architecture for Scale
Two availability zones in us-east-1, a warm standby in us-west-2. The p95 of API requests stays within 150 ms
when one zone is lost.

## Disaster Recovery
```yaml
Database Backups:
  - Point-in-time recovery meets the RPO of 5 minutes
```

## Clarification Requests or Feedback
1. Would Azure or MySQL ever be an option? Is 99.9% enough for the EU region?
"""


def mismatches(document: str, inputs: ChainInputs = TASKFLOW) -> list[str]:
    return [m.message for m in check_figures(document, read_facts(inputs.values, inputs.answers))]


def test_a_consistent_claude_style_document_has_no_mismatch() -> None:
    assert mismatches(CONSISTENT) == []


PLANTED = [
    ("**99.95% uptime**", "**99.9% uptime**", "The document says 99.9%; your brief says 99.95% (“99.95% uptime”)."),
    ("| API Response | < 80ms | < 150ms |", "| API Response | < 80ms | < 300ms |",
     ("The document says 300 ms (API Response, p95); your brief says 150 ms "
      "(“API responses under 150 ms at the 95th percentile”).")),
    ("under 150 ms at the 95th percentile", "under 250 ms at the 95th percentile",
     "The document says 250 ms at the 95th percentile; your brief says 150 ms"),
    ("| Search Query | < 300ms |", "| Search Query | < 500ms |",
     "The document says 500 ms (Search Query, target); your brief says 300 ms"),
    ("| Concurrent Users | 8,000 |", "| Concurrent Users | 1,000 |",
     "The document says 1,000 concurrent users today; your brief says 8,000 concurrent users"),
    ("serves **8,000 concurrent users** at peak today", "serves **800 concurrent users** at peak today",
     "The document says 800 concurrent users; your brief says 8,000 concurrent users"),
    ("- **RPO**: 5 minutes", "- **RPO**: 15 minutes",
     "The document says RPO 15 minutes; your brief says RPO 5 minutes (“at most 5 minutes of lost data"),
    ("5x today's traffic within 3 years", "10x today's traffic within 3 years",
     "The document says 10x in 3 years; your brief says 5x (“5 times today's traffic within 3 years”)."),
    ("The platform stays on AWS with PostgreSQL 16 (Amazon RDS)", "The platform moves to Azure with MySQL",
     "The document says Azure; your brief says AWS"),
    ("The platform stays on AWS with PostgreSQL 16 (Amazon RDS)", "The platform stays on AWS with MySQL 8",
     "The document says MySQL; your brief says PostgreSQL 16"),
]


@pytest.mark.parametrize(("original", "planted", "expected"), PLANTED, ids=[p[2][:40] for p in PLANTED])
def test_planted_contradictions_are_found_and_quoted(original: str, planted: str, expected: str) -> None:
    assert original in CONSISTENT
    found = mismatches(CONSISTENT.replace(original, planted))
    assert any(message.startswith(expected) for message in found), found


def test_rto_and_on_premises_and_a_database_assumed_against_the_brief() -> None:
    brief = ChainInputs(values={
        "app_name": "Stadtwerk Portal",
        "performance_requirements": "500 ms for 95% of calls. 99,95 % uptime. RPO 1 min, RTO 30 min.",
        "technical_stack": "Java on OpenShift on-premises, no public cloud (GDPR). Oracle 19c, Bull for jobs.",
    })
    document = """## Executive Summary
Hosted on AWS (us-east-1, us-west-2). PostgreSQL is assumed as the database. Uptime 99.95%.

## Disaster Recovery
- RTO: 1 minute
- RPO: 1 minute
- API p95 under 1000 ms
"""
    found = mismatches(document, brief)
    topics = [m.topic for m in check_figures(document, read_facts(brief.values))]
    assert "The document says RTO 1 minute; your brief says RTO 30 minutes (“RPO 1 min, RTO 30 min”)." in found
    assert any(m.startswith("The document says AWS, us-east-1, us-west-2; your brief says on-premises, no public "
                            "cloud") for m in found)
    assert any(m.startswith("The document says PostgreSQL; your brief says Oracle 19c") for m in found)
    assert any(m.startswith("The document says 1 s at the 95th percentile; your brief says 500 ms") for m in found)
    assert "rpo" not in topics and "availability" not in topics  # those agree with the brief


def test_regions_outside_the_brief_s_geography() -> None:
    brief = ChainInputs(values={"app_name": "A", "technical_stack": "AWS, data must stay in the EU"})
    assert mismatches("We deploy to eu-central-1 with a standby in eu-west-1.", brief) == []
    assert any("region us-east-1 (US)" in m for m in mismatches("Primary region: us-east-1.", brief))
    users_only = ChainInputs(values={"app_name": "A", "expected_load": "8,000 concurrent users in US time zones",
                                     "technical_stack": "AWS"})
    assert mismatches("An EU region (eu-west-1) opens in year two.", users_only) == []  # users' place, not a rule


def test_a_figure_repeated_is_reported_once_where_it_first_appears() -> None:
    document = CONSISTENT.replace("**99.95% uptime**", "**99.9% uptime**").replace("99.95% (21.9", "99.9% (43.8")
    found = [m for m in check_figures(document, read_facts(TASKFLOW.values)) if m.topic == "availability"]
    assert len(found) == 1 and "**99.9% uptime**" in found[0].document_words


def test_the_clarification_section_may_quote_alternatives() -> None:
    document = CONSISTENT.split("## Clarification")[0] + "## Clarification Requests or Feedback\n1. Azure? 99.9%?\n"
    assert mismatches(document) == []


@pytest.mark.parametrize(("name", "inputs"), example_inputs(), ids=[n for n, _ in example_inputs()])
def test_the_offline_drafts_of_the_example_briefs_pass_the_check(name: str, inputs: ChainInputs) -> None:
    assert mismatches(draft_document(inputs), inputs) == []


def test_only_the_topics_the_brief_states_count_as_checked() -> None:
    from specchain.facts.check import TOPIC_LABELS, checked_topics, unchecked_topics

    full = read_facts(TASKFLOW.values)
    assert {"availability", "latency", "concurrency", "database"} <= set(checked_topics(full))
    empty = read_facts({"app_name": "Acme", "expected_load": "quite a lot", "performance_requirements": "fast"})
    assert checked_topics(empty) == ()
    assert check_figures(CONSISTENT, empty) == []  # nothing to compare is not "agrees with your brief"
    assert unchecked_topics(empty) == tuple(TOPIC_LABELS)
    japanese = read_facts({"app_name": "Acme", "performance_requirements": "稼働率99.95%。"})
    assert checked_topics(japanese) == ("availability",)
    assert set(checked_topics(japanese)) | set(unchecked_topics(japanese)) == set(TOPIC_LABELS)


def test_a_mismatch_is_only_ever_reported_for_a_checked_topic() -> None:
    from specchain.facts.check import checked_topics

    brief = read_facts({"app_name": "Acme", "performance_requirements": "99.9% uptime"})
    found = check_figures(CONSISTENT, brief)
    topics = {m.topic for m in found}
    assert topics == {"availability"} and topics <= set(checked_topics(brief))
