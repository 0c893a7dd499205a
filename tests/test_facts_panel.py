"""The Brief page's "What we read from your brief" panel and the Document page's figures check, walked as a PM would
with Streamlit's AppTest: see a fact and its words, correct it, find the correction in the prompt and the draft,
reload, answer a question, and check a Claude-style document that contradicts the brief."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from pages.shared import run_service
from tests.store_fixtures import make_record
from tests.test_app import all_text, button, generate, load_example, work
from tests.test_saved_work import new_tab


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    return new_tab()


def panel(at: AppTest):  # an AppTest toggle: the panel's content is drawn only while it is on
    matches = [t for t in at.toggle if t.label.startswith("What we read from your brief")]
    assert len(matches) == 1, [t.label for t in at.toggle]
    return matches[0]


def open_panel(at: AppTest) -> None:
    if not panel(at).value:
        panel(at).set_value(True).run()


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def tab_labels(at: AppTest) -> list[str]:
    return [t.label for t in at.tabs]


def test_the_panel_shows_each_fact_with_the_words_it_came_from_and_explains_the_terms(at: AppTest) -> None:
    load_example(at)
    assert not panel(at).value  # nothing needs attention in this brief: it stays out of the way
    open_panel(at)
    assert at.text_input(key="fact_availability").label == "Availability (uptime)"
    assert at.text_input(key="fact_availability").value == "99.95%"
    assert at.text_input(key="fact_users.concurrent").value == "8,000 users"
    assert at.text_input(key="fact_stack.database").value == "PostgreSQL 16"
    assert "**Speed and reliability targets**" in all_text(at)  # grouped by the brief's field they came from
    assert "“99.95% uptime”" in captions(at)  # the words the figure came from
    assert "recovery point objective" in at.text_input(key="fact_rpo").help  # RPO in plain words
    assert "95 out of 100 requests" in at.text_input(key="fact_latency.api.p95").help
    assert "What the offline draft will assume" in all_text(at)


def test_a_correction_reaches_the_prompt_and_the_draft_and_survives_a_reload(at: AppTest) -> None:
    load_example(at)
    open_panel(at)
    at.text_input(key="fact_availability").input("99.99%").run()
    assert not at.exception
    assert "**Corrected by you**; we read “99.95%”" in captions(at)

    at.switch_page("pages/prompt.py").run()
    prompt = at.code[0].value
    assert ("Question: What we read from your brief: Availability (uptime)\n"
            "  Answer: 99.99% (corrected by the PM)") in prompt

    generate(at)
    record = work(at).get(1)
    assert record.inputs.corrections == {"availability": "99.99%"}  # the version keeps its corrections
    assert record.prompt == prompt
    assert "**99.99% availability**" in record.document and "99.95%" not in record.document
    at.switch_page("pages/document.py").run()
    assert ":material/fact_check: Figures check (0)" in tab_labels(at)  # checked against the corrected facts

    token = at.session_state["workspace_token"]
    reloaded = new_tab(token)  # a reload, or the link opened on another computer
    reloaded.switch_page("pages/brief.py").run()
    open_panel(reloaded)
    assert reloaded.text_input(key="fact_availability").value == "99.99%"
    assert "**Corrected by you**" in captions(reloaded)
    button(reloaded, "Undo").click().run()  # back to what the brief says, and saved
    assert reloaded.text_input(key="fact_availability").value == "99.95%"
    assert run_service().store.load_workspace(token).corrections == {}


def test_an_emptied_box_removes_the_fact_and_the_draft_assumes_instead(at: AppTest) -> None:
    load_example(at)
    open_panel(at)
    at.text_input(key="fact_rpo").input("").run()
    assert at.text_input(key="fact_rpo").value == ""
    assert "**Removed by you**" in captions(at)
    at.switch_page("pages/prompt.py").run()
    assert "Data loss allowed after a failure (RPO)\n  Answer: Does not apply" in at.code[0].value


def test_conflicting_or_unread_figures_open_the_panel_and_a_correction_settles_them(at: AppTest) -> None:
    at.text_input(key="field_app_name").input("Acme").run()
    at.text_area(key="field_expected_load").input("8,000 people at the same moment. 42 widgets").run()
    at.text_area(key="field_performance_requirements").input("RTO 1 minute, 99.9% uptime").run()
    assert panel(at).value and panel(at).label == "What we read from your brief · 2 to check"
    warnings = "\n".join(w.value for w in at.warning)
    assert "shorter than a typical automatic database failover" in warnings
    assert "“42 widgets”: what does this figure measure" in warnings
    at.text_input(key="fact_rto").input("30 minutes").run()
    open_panel(at)  # its label (and so the toggle) changed with the count; it opens again for what is left
    assert "database failover" not in "\n".join(w.value for w in at.warning)
    assert panel(at).label == "What we read from your brief · 1 to check"


def test_an_answer_shows_as_answered_and_updates_the_fact(at: AppTest) -> None:
    load_example(at)
    open_panel(at)
    generate(at)
    at.switch_page("pages/document.py").run()
    assert "Recovery time (RTO)" in at.text_area(key="answer_v1_0").label
    at.text_area(key="answer_v1_0").input("30 minutes").run()
    at.switch_page("pages/brief.py").run()
    assert at.text_input(key="fact_rto").value == "30 minutes"
    assert "**From your answers to the document's questions**" in all_text(at)
    assert "Your answer in version 1: “30 minutes”" in captions(at)
    assert "Answered: Recovery time (RTO): 30 minutes (you answered in version 1)" in all_text(at)
    generate(at)  # version 2 uses the answer, and lists the question as answered instead of dropping it
    document = work(at).get(2).document
    assert "Recovery time (RTO): 30 minutes (you answered in version 1)" in document


PLANTED = """# Performance & Scalability: TaskFlow Pro

## Executive Summary

- **Uptime SLA**: 99.9% (43 minutes downtime/month)

## Database Optimization

We run MySQL 8 on AWS, tuned for 8,000 people at the same moment.
"""


def test_the_figures_check_lists_a_planted_mismatch_in_a_claude_version_and_none_for_the_offline_draft(
    at: AppTest,
) -> None:
    load_example(at)
    open_panel(at)
    generate(at)
    at.switch_page("pages/document.py").run()
    assert ":material/fact_check: Figures check (0)" in tab_labels(at)
    assert "The document's figures agree with your brief" in all_text(at)

    token = at.session_state["workspace_token"]
    inputs = work(at).get(1).inputs
    number = run_service().store.add_version(token, make_record(PLANTED, inputs=inputs))  # written "by Claude"
    at.run()  # written while the PM is on this page: announced, and opened with its button
    at.button(key="document_open_newest").click().run()
    assert at.selectbox(key="viewing_version").value == number
    assert ":material/fact_check: Figures check (2)" in tab_labels(at)
    text = all_text(at)
    assert "2 figures in the document contradict your brief" in text
    assert "The document says 99.9%; your brief says 99.95% (“99.95% uptime”)." in text
    assert "The document says MySQL; your brief says PostgreSQL 16" in text
    assert "Uptime SLA" in text  # where the document says it

    share = run_service().store.create_share(token, number)
    reader = new_tab(share=share)  # the read-only link shows the same check
    assert ":material/fact_check: Figures check" in tab_labels(reader)
    assert "The document says 99.9%; your brief says 99.95%" in all_text(reader)


def test_the_figures_check_uses_the_corrections_a_version_was_written_with(at: AppTest) -> None:
    load_example(at)
    open_panel(at)
    at.text_input(key="fact_availability").input("99.9%").run()  # the PM says the brief's 99.95% was wrong
    generate(at)
    token = at.session_state["workspace_token"]
    number = run_service().store.add_version(token, make_record(PLANTED, inputs=work(at).get(1).inputs))
    at.switch_page("pages/document.py").run()
    assert at.selectbox(key="viewing_version").value == number
    assert ":material/fact_check: Figures check (1)" in tab_labels(at)  # only the database is left
    assert "99.95%" not in all_text(at)


def test_a_brief_with_no_figures_is_never_said_to_agree(at: AppTest) -> None:
    at.text_input(key="field_app_name").input("さくら").run()
    at.text_area(key="field_expected_load").input("Lots of people, mostly in the evening").run()
    generate(at)
    at.switch_page("pages/document.py").run()
    assert any("Nothing could be checked" in i.value for i in at.info)
    assert not any("agree with your brief" in s.value for s in at.success)
