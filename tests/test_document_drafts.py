"""The Document page keeps what the PM is working on: buttons answer the first click, edit drafts survive a version
or page switch, and a new version does not pull the page away from the one being read."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from pages.shared import run_service
from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings
from specchain.steps import load_step
from specchain.workspace import Workspace
from tests.test_app import all_text, at, button, generate, load_example, work  # noqa: F401  (at: a fixture)


def open_document(at: AppTest) -> None:  # noqa: F811  (a fixture's name)
    at.switch_page("pages/document.py").run()
    assert not at.exception


def test_run_again_with_nothing_typed_says_what_to_do_instead_of_being_greyed_out(at: AppTest) -> None:  # noqa: F811
    load_example(at)
    generate(at)
    open_document(at)
    run_again = button(at, "Run again with these answers")
    assert not run_again.disabled  # greyed out, the click that also brings the typed text would be swallowed
    run_again.click().run()
    assert "Answer at least one question first" in all_text(at)
    assert [r.version for r in work(at).versions] == [1]


def test_typing_then_one_click_runs_again(at: AppTest) -> None:  # noqa: F811
    load_example(at)
    generate(at)
    open_document(at)
    # The text and the click arrive in the same rerun, as a browser sends them when the box has not lost focus yet.
    at.text_area(key="answer_v1_0").set_value("9 AM Eastern, 12,000 people at once")
    button(at, "Run again with these answers").click().run()
    assert not at.exception
    assert work(at).running or len(work(at).versions) == 2


def test_save_with_no_change_says_so_and_one_click_saves_a_typed_change(at: AppTest) -> None:  # noqa: F811
    load_example(at)
    generate(at)
    open_document(at)
    save = button(at, "Save as a new version")
    assert not save.disabled
    save.click().run()
    assert "Nothing to save yet" in all_text(at)
    assert [r.version for r in work(at).versions] == [1]
    original = at.text_area(key="edit_v1_0").value
    at.text_area(key="edit_v1_0").set_value(original + "\nMy own sentence.\n")
    button(at, "Save as a new version").click().run()
    assert [r.version for r in work(at).versions] == [1, 2]
    assert "My own sentence." in work(at).get(2).document
    assert at.selectbox(key="viewing_version").value == 2  # the page opens the version just saved
    assert "Version 2 is ready" not in all_text(at)
    at.selectbox(key="viewing_version").select(1).run()
    assert "No changes yet." in all_text(at)  # the saved draft is not offered again on the version it came from


def test_an_edit_draft_survives_a_page_switch_and_a_version_switch(at: AppTest) -> None:  # noqa: F811
    load_example(at)
    generate(at)
    generate(at)
    open_document(at)
    assert at.selectbox(key="viewing_version").value == 2
    original = at.text_area(key="edit_v2_0").value
    at.text_area(key="edit_v2_0").input(original + "\nDraft words.\n").run()
    assert "1 section(s) changed." in all_text(at)

    at.switch_page("pages/brief.py").run()
    open_document(at)
    assert at.text_area(key="edit_v2_0").value.endswith("Draft words.\n")
    assert "1 section(s) changed." in all_text(at)

    at.selectbox(key="viewing_version").select(1).run()
    assert "No changes yet." in all_text(at)
    at.selectbox(key="viewing_version").select(2).run()
    assert at.text_area(key="edit_v2_0").value.endswith("Draft words.\n")
    assert "1 section(s) changed." in all_text(at)


def test_a_new_version_does_not_pull_the_page_away_from_an_older_one(at: AppTest) -> None:  # noqa: F811
    load_example(at)
    generate(at)
    generate(at)
    open_document(at)
    at.selectbox(key="viewing_version").select(1).run()
    # A third version is written (by another tab, or the PM's own run) while version 1's questions are on screen.
    at.text_area(key="answer_v1_0").input("An answer being typed").run()
    token = at.session_state["workspace_token"]
    job = Workspace(service=run_service(), token=token).start(
        load_step(), ChainInputs(values=run_service().store.load_workspace(token).values), EngineSettings())
    assert job.wait(30)
    at.run()
    assert at.selectbox(key="viewing_version").value == 1
    assert at.text_area(key="answer_v1_0").value == "An answer being typed"
    assert "Version 3 is ready" in all_text(at)
    button(at, "Open version 3").click().run()
    assert at.selectbox(key="viewing_version").value == 3
    assert "Version 3 is ready" not in all_text(at)
    assert run_service().store.load_workspace(token).viewing_version == 3  # a reload opens it too


def test_arriving_from_another_page_opens_the_newest_version(at: AppTest) -> None:  # noqa: F811
    load_example(at)
    generate(at)
    open_document(at)
    generate(at)  # the PM went to Generate and made version 2, then comes back by the sidebar
    open_document(at)
    assert at.selectbox(key="viewing_version").value == 2
    assert "is ready. You stay on this version" not in all_text(at)
