"""Nothing a PM makes is lost: the pages with the store, walked with AppTest (a new AppTest is a new browser tab).

Process-level faults (a killed server, a reload in Chromium) are in tests/e2e/test_saved_work.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages.shared import run_service
from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings
from specchain.steps import load_step
from specchain.store import open_store
from specchain.workspace import Workspace
from tests.fake_anthropic import FakeAnthropic

SONNET = EngineSettings(engine="claude", model="claude-sonnet-5-5")
from tests.test_app import (
    APP,
    all_text,
    arrived,
    button,
    generate,
    load_example,
    use_claude,
    work,
)


def new_tab(token: str | None = None, share: str | None = None) -> AppTest:
    """A fresh browser tab on the app's address, with ?w=<token> (or ?s=<share>)."""
    tab = AppTest.from_file(APP, default_timeout=30)
    if token:
        tab.query_params["w"] = token
    if share:
        tab.query_params["s"] = share
    tab.run()
    assert not tab.exception, tab.exception
    return tab


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    return new_tab()


def test_a_reload_brings_back_the_brief_answers_versions_and_the_version_viewed(at: AppTest) -> None:
    load_example(at)
    at.text_input(key="field_app_name").input("Acme Tasks").run()
    generate(at)
    at.switch_page("pages/document.py").run()
    at.text_area(key="answer_v1_0").input("Peak is 9 AM Eastern").run()
    generate(at)  # version 2
    at.switch_page("pages/document.py").run()
    at.selectbox(key="viewing_version").select(1).run()
    token = at.session_state["workspace_token"]
    assert len(token) >= 22  # ≥ 128 bits of randomness, URL-safe

    tab = new_tab(token)  # F5, a new tab, another browser or device with the link
    assert tab.text_input(key="field_app_name").value == "Acme Tasks"
    assert tab.session_state["viewing_version"] == 1
    assert [a.answer for a in tab.session_state["answers"]] == ["Peak is 9 AM Eastern"]
    tab.switch_page("pages/document.py").run()
    assert tab.selectbox(key="viewing_version").value == 1
    assert tab.selectbox(key="viewing_version").options == ["1", "2"] or len(work(tab).summaries) == 2
    tab.selectbox(key="viewing_version").select(1).run()
    assert tab.text_area(key="answer_v1_0").value == "Peak is 9 AM Eastern"


@pytest.mark.parametrize("token", ["not-a-token", "' OR 1=1 --", "x" * 10_000, "ünïcödé-🙂", "%00"])
def test_a_link_that_opens_nothing_says_so_and_offers_a_fresh_start(token: str) -> None:
    tab = new_tab(token)
    assert tab.title[0].value == "This link doesn't open any saved work"
    assert not tab.text_input  # no form, no other work revealed
    button(tab, "Start a new document").click().run()
    assert tab.title[0].value == "1 · Describe your product"


def test_a_deleted_work_link_opens_nothing(at: AppTest) -> None:
    load_example(at)
    token = at.session_state["workspace_token"]
    assert run_service().store.delete_workspace(token)
    assert new_tab(token).title[0].value == "This link doesn't open any saved work"


def test_two_tabs_on_one_link_stay_in_step(at: AppTest) -> None:
    load_example(at)
    token = at.session_state["workspace_token"]
    other = new_tab(token)
    at.text_input(key="field_app_name").input("Renamed in tab A").run()
    # Tab B, stale, changes another field: both changes are kept.
    other.text_area(key="field_growth_projections").input("Double every year").run()
    saved = run_service().store.load_workspace(token)
    assert saved.values["app_name"] == "Renamed in tab A"
    assert saved.values["growth_projections"] == "Double every year"
    assert other.text_input(key="field_app_name").value == "Renamed in tab A"
    # Tab B presses Generate: the version is written from the latest brief, tab A's name included.
    generate(other)
    assert work(other).latest().inputs.values["app_name"] == "Renamed in tab A"


def test_a_stale_tab_pressing_generate_follows_the_run_already_going(at: AppTest, fake_api: FakeAnthropic) -> None:
    load_example(at)
    use_claude(at, "sk-ant-test")
    token = at.session_state["workspace_token"]
    other = new_tab(token)
    use_claude(other, "sk-ant-test")  # tab B shows "Generate version 1"
    fake_api.delay_s = 0.002
    # Tab A (or another server process) starts a run.
    job = Workspace(service=run_service(), token=token).start(
        load_step(), ChainInputs(values=run_service().store.load_workspace(token).values), SONNET, api_key="k")
    button(other, "Generate version 1").click().run()  # B's click finds the run and follows it instead
    assert any("already being written for this work" in w.value for w in other.warning)
    assert job.wait(30)
    other.run()
    assert len(fake_api.requests) == 1 and [s.version for s in work(other).summaries] == [1]
    assert any("Version 1 is ready" in s.value for s in other.success)


def test_two_tabs_pressing_generate_at_the_same_moment_both_follow_the_one_run(
    at: AppTest, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other tab's run starts between this page reading the work and its own start: this tab follows that run
    (with its Stop), instead of a warning beside a Generate button that can't work."""
    load_example(at)
    use_claude(at, "sk-ant-test")
    token = at.session_state["workspace_token"]
    fake_api.delay_s = 0.002
    started: list[object] = []
    original = Workspace.start

    def the_other_tab_first(self: Workspace, *args: object, **kwargs: object) -> object:
        if not started:  # the other tab's press lands first
            started.append(original(Workspace(service=run_service(), token=token), *args, **kwargs))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "start", the_other_tab_first)
    button(at, "Generate version 1").click().run()
    assert any("already being written for this work" in w.value for w in at.warning)
    assert at.button(key="generate_stop") is not None and not at.exception
    assert started[0].wait(30)  # type: ignore[attr-defined]
    at.run()
    assert len(fake_api.requests) == 1 and [s.version for s in work(at).summaries] == [1]


def test_edit_a_section_by_hand_makes_a_new_version(at: AppTest) -> None:
    load_example(at)
    generate(at)
    at.switch_page("pages/document.py").run()
    at.selectbox(key="edit_section_v1").select(1).run()  # the first "##" section
    original = at.text_area(key="edit_v1_1").value
    at.text_area(key="edit_v1_1").input(original + "\nA sentence I wrote myself.\n").run()
    button(at, "Save as a new version").click().run()
    latest = work(at).latest()
    assert latest.version == 2 and latest.settings.label == "Edited by you" and latest.edited_from == 1
    assert "A sentence I wrote myself." in latest.document
    assert "A sentence I wrote myself." not in work(at).get(1).document  # the original stays as it was
    assert "Edited by you" in all_text(at)


def test_use_this_versions_brief_puts_it_back_in_the_form(at: AppTest) -> None:
    load_example(at)
    generate(at)
    at.switch_page("pages/brief.py").run()
    at.text_input(key="field_app_name").input("Something else").run()
    at.switch_page("pages/document.py").run()
    button(at, "Use this version's brief").click().run()
    arrived(at, "brief")
    assert at.text_input(key="field_app_name").value == "TaskFlow Pro"
    assert any("brief version 1 was written from" in s.value for s in at.success)


def test_a_share_link_opens_one_version_read_only_and_can_be_turned_off(at: AppTest) -> None:
    load_example(at)
    generate(at)
    at.switch_page("pages/document.py").run()
    button(at, "Create a read-only link").click().run()
    token = at.session_state["workspace_token"]
    share = run_service().store.share_link(token, 1)
    assert share and share != token
    reader = new_tab(share=share)
    assert reader.title[0].value == "Performance & Scalability: TaskFlow Pro"
    assert "# Performance & Scalability: TaskFlow Pro" in all_text(reader)
    assert not reader.text_input and not reader.text_area  # nothing to change
    assert "Run again with these answers" not in [b.label for b in reader.button]
    button(at, "Turn this link off").click().run()
    assert new_tab(share=share).title[0].value == "This link doesn't open any document"


def test_when_the_database_cannot_be_written_what_was_typed_stays(
    at: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "work.sqlite3"
    open_store(f"sqlite:///{database}").close()  # an up-to-date database, opened read-only by the app
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{database}?mode=ro&uri=true")
    run_service.clear()
    try:
        tab = new_tab()
        tab.text_input(key="field_app_name").input("My product").run()
        tab.run()
        assert tab.text_input(key="field_app_name").value == "My product"
        assert any("couldn't be saved" in w.value or "could not be saved" in w.value for w in tab.warning)
    finally:
        run_service.clear()


def test_compare_two_versions_marks_what_changed_and_folds_the_rest(at: AppTest) -> None:
    load_example(at)
    generate(at)
    at.switch_page("pages/brief.py").run()
    at.text_input(key="field_app_name").input("Acme Tasks").run()
    generate(at)  # version 2: a new name, everything else the same
    at.switch_page("pages/document.py").run()
    at.toggle(key="comparing").set_value(True).run()
    text = all_text(at)
    assert ":green-background[Acme" in text and ":red-background[TaskFlow" in text
    assert any("unchanged sections (folded)" in e.label for e in at.expander) or "differ" in text
    assert "sections differ" in text


def test_a_second_tab_on_work_deleted_elsewhere_says_so_and_saves_nothing(at: AppTest) -> None:
    load_example(at)
    token = at.session_state["workspace_token"]
    other = new_tab(token)
    assert run_service().store.delete_workspace(token)  # "Delete this work" in the first tab
    other.text_input(key="field_app_name").input("Typed after the delete").run()
    assert not other.exception
    assert other.title[0].value == "This link doesn't open any saved work"
    assert run_service().store.load_workspace(token) is None  # nothing was re-created behind the user's back
