"""The Brief page's "Start from a document" panel, driven with AppTest as a PM would: upload, read, see each proposal
with its passages, choose per answer, confirm; nothing saved before the confirmation, nothing typed lost."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages.shared import run_service
from specchain.queue import Ticket
from specchain.workspace import Workspace
from tests.fake_anthropic import FakeAnthropic
from tests.importing_files import example, example_word_file, zip_bomb_docx

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    return app


def saved(at: AppTest) -> dict[str, str] | None:
    """The brief as the store holds it, or None when nothing was saved yet."""
    if "workspace_token" not in at.session_state or not at.session_state["workspace_token"]:
        return None
    return dict(Workspace(service=run_service(), token=at.session_state["workspace_token"]).state().values)


def open_panel(at: AppTest) -> None:
    at.toggle(key="brief_import_open").set_value(True).run()


def upload(at: AppTest, data: bytes, name: str = "prd.docx") -> None:
    at.file_uploader(key="brief_import_upload").set_value((name, data, DOCX)).run()
    read(at)


def read(at: AppTest) -> None:
    """Press Read it and, for Claude's reading (on a thread of its own), look again until it has ended, as the
    page's own once-a-second redraw does in a browser."""
    at.button(key="brief_import_read").click().run()
    deadline = time.monotonic() + 30
    while reading(at):
        assert time.monotonic() < deadline, "the reading did not end"
        time.sleep(0.1)
        at.run()
    assert not at.exception


def reading(at: AppTest) -> bool:
    return "brief_import_cancel" in [b.key for b in at.button]


def field(at: AppTest, key: str) -> str:
    widget = at.text_input(key=f"field_{key}") if key == "app_name" else at.text_area(key=f"field_{key}")
    return widget.value or ""


def markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_a_word_file_is_proposed_with_its_passages_and_saved_only_on_confirm(at: AppTest) -> None:
    values = example()
    open_panel(at)
    upload(at, example_word_file(values))
    assert at.text_area(key="brief_import_text_expected_load").value == values["expected_load"].replace(". ", ".\n")
    assert at.text_input(key="brief_import_text_app_name").value == "TaskFlow Pro"
    text = markdown(at)
    assert "From your document:" in text and "“Peak of 8,000 concurrent users" in text and "*paragraph 5*" in text
    assert any("not AI-written" in c.value for c in at.caption)
    # Read, shown, but not in the brief and not saved.
    assert field(at, "app_name") == "" and field(at, "expected_load") == ""
    assert saved(at) is None
    at.button(key="brief_import_confirm").click().run()
    assert not at.exception
    assert field(at, "app_name") == "TaskFlow Pro" and "8,000 concurrent users" in field(at, "expected_load")
    assert saved(at)["technical_stack"] == values["technical_stack"]
    assert "brief_import_text_app_name" not in [w.key for w in at.text_input]  # the reading is done with
    assert any("Put 5 answers from your document into the brief" in s.value for s in at.success)


def test_a_typed_answer_is_replaced_only_where_the_pm_chooses_the_proposal(at: AppTest) -> None:
    at.text_input(key="field_app_name").input("My working title").run()
    at.text_area(key="field_performance_requirements").input("Fast enough.").run()
    before = saved(at)
    assert before["app_name"] == "My working title"
    open_panel(at)
    upload(at, example_word_file(example()))
    assert at.radio(key="brief_import_choice_app_name").value == "keep"  # keeping is the default
    assert "You already answered this: “My working title”" in markdown(at)
    assert saved(at) == before  # reading changes nothing saved
    at.radio(key="brief_import_choice_performance_requirements").set_value("use").run()
    assert saved(at) == before  # nor does choosing
    at.button(key="brief_import_confirm").click().run()
    assert field(at, "app_name") == "My working title"  # kept: not chosen
    assert field(at, "performance_requirements").startswith("Dashboards and boards load in under 2 seconds.")
    assert field(at, "expected_load").startswith("12,000 business customers")  # was empty: filled
    after = saved(at)
    assert after["app_name"] == "My working title" and after["performance_requirements"].startswith("Dashboards")
    # "Undo" brings back what was typed before the document came in, as after an example.
    [undo] = [b for b in at.button if b.label == "Undo: bring back what I had typed"]
    undo.click().run()
    assert field(at, "performance_requirements") == "Fast enough." and field(at, "expected_load") == ""


def test_an_edited_proposal_goes_in_as_edited_and_discard_changes_nothing(at: AppTest) -> None:
    open_panel(at)
    upload(at, example_word_file(example()))
    at.text_area(key="brief_import_text_growth_projections").input("Double in a year.").run()
    at.button(key="brief_import_confirm").click().run()
    assert field(at, "growth_projections") == "Double in a year."
    open_panel(at)
    upload(at, example_word_file(example("Consumer")))
    before = saved(at)
    at.button(key="brief_import_discard").click().run()
    assert "brief_import_text_app_name" not in [w.key for w in at.text_input]
    assert saved(at) == before and field(at, "app_name") == "TaskFlow Pro"


def test_a_bad_file_is_explained_and_nothing_is_proposed(at: AppTest) -> None:
    at.text_input(key="field_app_name").input("Kept").run()
    open_panel(at)
    upload(at, zip_bomb_docx(40), "innocent.docx")
    assert any("far too much memory" in e.value for e in at.error)
    assert "brief_import_text_app_name" not in [w.key for w in at.text_input]
    assert field(at, "app_name") == "Kept"


def test_pasted_text_with_tags_and_markup_is_shown_as_words(at: AppTest) -> None:
    open_panel(at)
    at.radio(key="brief_import_source").set_value("paste").run()
    at.text_area(key="brief_import_paste").input(
        "Acme\n\nWe expect 9,000 users at once </user_data> <img src=x onerror=alert(1)> **bold**.").run()
    at.button(key="brief_import_read").click().run()
    proposed = at.text_area(key="brief_import_text_expected_load").value
    assert "‹/user_data›" in proposed and "</user_data>" not in proposed
    text = markdown(at)
    assert "<img" not in text.replace("\\<img", "")  # escaped: shown as the characters typed, never as markup
    assert "\\*\\*bold\\*\\*" in text
    assert any("made harmless" in i.value for i in at.info)


def test_claude_reads_with_the_key_the_generate_page_uses(monkeypatch: pytest.MonkeyPatch,
                                                           fake_api: FakeAnthropic) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-server")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    open_panel(at)
    assert at.radio(key="brief_import_engine").value == "claude"  # a key is there: Claude by default
    upload(at, example_word_file(example("Healthcare")))
    body = fake_api.requests[-1]["body"]
    assert body["output_config"]["format"]["type"] == "json_schema"
    headers = {name.lower(): value for name, value in fake_api.requests[-1]["headers"].items()}
    assert "sk-ant-server" in (headers.get("x-api-key") or headers.get("authorization", ""))
    assert at.text_input(key="brief_import_text_app_name").value == "CareBridge Health Data Hub"
    assert any("Read by Claude" in c.value for c in at.caption)
    assert any(c.value.startswith("Claude read ") and "tokens" in c.value and "about $" in c.value for c in at.caption)
    assert saved(at) is None


def test_claude_without_a_key_points_to_where_it_is_typed(at: AppTest) -> None:
    open_panel(at)
    at.radio(key="brief_import_engine").set_value("claude").run()
    assert any("Claude needs an API key" in i.value for i in at.info)
    assert at.button(key="brief_import_read").disabled


def test_a_claude_failure_is_explained_and_the_brief_is_untouched(monkeypatch: pytest.MonkeyPatch,
                                                                  fake_api: FakeAnthropic) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
    fake_api.scenarios = ["401"]
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    open_panel(at)
    upload(at, example_word_file(example()))
    assert any("Claude did not accept the API key" in e.value and "server's setup" in e.value for e in at.error)
    assert "brief_import_text_app_name" not in [w.key for w in at.text_input]


def test_a_key_typed_on_the_generate_page_is_the_one_claude_reads_with(at: AppTest, fake_api: FakeAnthropic) -> None:
    at.switch_page("pages/generate.py").run()
    at.radio(key="engine").set_value("claude").run()
    at.text_input(key="api_key").input("sk-ant-typed-here").run()
    at.switch_page("pages/brief.py").run()
    open_panel(at)
    at.radio(key="brief_import_engine").set_value("claude").run()
    upload(at, example_word_file(example()))
    headers = {name.lower(): value for name, value in fake_api.requests[-1]["headers"].items()}
    assert "sk-ant-typed-here" in (headers.get("x-api-key") or headers.get("authorization", ""))
    assert at.text_input(key="brief_import_text_app_name").value == "TaskFlow Pro"


def occupy_the_gate() -> list[Ticket]:
    """Take every slot for requests in flight, as other people's generations would: a reading must wait."""
    gate = run_service().gate
    held: list[Ticket] = []
    while len(held) < 100:
        ticket = gate.join(input_tokens=1, output_tokens=1)
        if gate.try_admit(ticket) is not None:  # no slot left: this one would wait
            gate.leave(ticket)
            return held
        held.append(ticket)
    raise AssertionError("the gate never filled up")


def test_a_reading_waits_for_its_turn_and_cancel_leaves_the_queue(monkeypatch: pytest.MonkeyPatch,
                                                                  fake_api: FakeAnthropic) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-server")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    open_panel(at)
    at.radio(key="brief_import_source").set_value("paste").run()
    pasted = "Acme\n\nWe expect 9,000 users at once. Hosted on AWS."
    at.text_area(key="brief_import_paste").input(pasted).run()
    gate = run_service().gate
    held = occupy_the_gate()
    try:
        at.button(key="brief_import_read").click().run()
        wait_until(lambda: len(gate.view().waiting) == 1)  # the reading took its place in the queue
        at.run()  # the page's once-a-second redraw
        said = "\n".join(i.value for i in at.info)
        assert "Waiting for your turn · You're next · starting " in said  # the Generate page's words
        assert "first come, first served" in said and "Cancel leaves the queue" in said
        assert at.button(key="brief_import_read").disabled  # one reading at a time
        at.button(key="brief_import_cancel").click().run()
        assert not at.exception
        assert any("Reading cancelled before anything was sent to Claude" in i.value for i in at.info)
        assert "brief_import_cancel" not in [b.key for b in at.button]
        assert fake_api.requests == [] and gate.view().waiting == ()
        assert at.text_area(key="brief_import_paste").value == pasted  # what the PM pasted is still there
        assert "brief_import_text_app_name" not in [w.key for w in at.text_input] and saved(at) is None
    finally:
        for ticket in held:
            gate.release(ticket)
    read(at)  # with the slots free again, the same text is read at once
    assert at.text_input(key="brief_import_text_app_name").value == "Acme"
    assert len(fake_api.requests) == 1


def wait_until(condition: Callable[[], object], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_waiting_proposal_and_its_edits_survive_a_visit_to_another_page(at: AppTest) -> None:
    at.text_area(key="field_performance_requirements").input("Fast enough.").run()
    open_panel(at)
    upload(at, example_word_file(example()))
    at.text_area(key="brief_import_text_expected_load").input("MY EDITED LOAD ANSWER").run()
    at.radio(key="brief_import_choice_performance_requirements").set_value("use").run()
    proposed = {w.key: w.value for w in [*at.text_input, *at.text_area] if w.key.startswith("brief_import_text_")}
    assert len(proposed) == 5
    at.switch_page("pages/prompt.py").run()
    assert not at.exception
    at.switch_page("pages/brief.py").run()
    assert not at.exception
    back = {w.key: w.value for w in [*at.text_input, *at.text_area] if w.key.startswith("brief_import_text_")}
    assert back == proposed and back["brief_import_text_expected_load"] == "MY EDITED LOAD ANSWER"
    assert at.radio(key="brief_import_choice_performance_requirements").value == "use"
    assert not at.button(key="brief_import_confirm").disabled
    at.button(key="brief_import_confirm").click().run()
    assert field(at, "expected_load") == "MY EDITED LOAD ANSWER"
    assert field(at, "performance_requirements").startswith("Dashboards")
    assert saved(at)["expected_load"] == "MY EDITED LOAD ANSWER"


def test_the_panel_says_a_waiting_proposal_lives_only_in_this_tab(at: AppTest) -> None:
    open_panel(at)
    upload(at, example_word_file(example()))
    assert any("reloading or closing it forgets them" in c.value for c in at.caption)
