"""A page that reconnects to a new session (its server restarted, or nginx sent it to another process) sends, with
its first message, the values of widgets the new session never drew, and maybe a click. Walked with AppTest: a new
AppTest whose first run carries another tab's widget states is that reconnected page. The real thing, with a server
killed and started again under a browser, is tests/e2e/test_reconnect.py."""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from pages.shared import HELD_BACK, run_service
from tests.test_app import APP, TITLES, load_example


def reconnected(message: WidgetStates, token: str) -> AppTest:
    """The page at its address (?w=…), in a new session whose first run gets the browser's message."""
    page = AppTest.from_file(APP, default_timeout=30)
    page.query_params["w"] = token
    page._run(message)  # AppTest's own way in for a run's widget states: what a browser sends with a rerun
    assert not page.exception, page.exception
    return page


def without_clicks(message: WidgetStates) -> WidgetStates:
    """The page's next message: the same values; a click is sent once only."""
    return WidgetStates(widgets=[w for w in message.widgets if w.WhichOneof("value") != "trigger_value"])


def timer_fires(page: AppTest) -> None:
    """What the page's timer does a moment after the first run has ended (run_again_once_drawn, a fragment, which
    AppTest can't run): mark the page drawn and run the app again, with nothing new from the browser."""
    page.session_state[HELD_BACK]["drawn"] = True
    page._run(WidgetStates())
    assert not page.exception, page.exception
    assert HELD_BACK not in page.session_state


def saved_name(token: str) -> str:
    state = run_service().store.load_workspace(token)
    assert state is not None
    return state.values["app_name"]


@pytest.fixture
def tab(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    tab = AppTest.from_file(APP, default_timeout=30)
    tab.run()
    load_example(tab)
    return tab


def test_typed_words_and_a_click_sent_to_a_new_session_are_kept_saved_and_acted_on(tab: AppTest) -> None:
    token = tab.session_state["workspace_token"]
    tab.text_input(key="field_app_name").input("Typed after the restart")
    tab.button(key="brief_next").click()
    message = tab._tree.get_widget_states()  # what the page sends: every value, and the click

    page = reconnected(message, token)
    # The first run only learns the page: the click waits, nothing is saved (the values can't be read yet), and the
    # saved brief is not written over what the page shows.
    assert page.title[0].value == TITLES["brief"]
    assert saved_name(token) == "TaskFlow Pro"

    timer_fires(page)
    assert page.title[0].value == TITLES["prompt"]  # the click went to the next step: its callback ran, once
    assert saved_name(token) == "Typed after the restart"  # and the words were saved as any edit is


def test_a_value_the_page_shows_wins_over_the_saved_one_and_the_rest_comes_from_the_saved_work(tab: AppTest) -> None:
    token = tab.session_state["workspace_token"]
    tab.text_input(key="field_app_name").input("Renamed").run()  # saved
    tab.text_area(key="field_expected_load").input("Typed while the server was down")
    message = tab._tree.get_widget_states()

    page = reconnected(message, token)
    # The first run does not tell the page to put the saved words back in place of what it shows (set_value).
    fields = [*page.text_input, *page.text_area]
    assert fields and not [f.key for f in fields if f.proto.set_value]
    timer_fires(page)
    assert page.text_input(key="field_app_name").value == "Renamed"
    assert page.text_area(key="field_expected_load").value == "Typed while the server was down"
    saved = run_service().store.load_workspace(token)
    assert saved is not None and saved.values["expected_load"] == "Typed while the server was down"
    assert saved.values["app_name"] == "Renamed"
    assert saved.values["technical_stack"].startswith("React")  # untouched fields stay as saved


def test_a_first_load_with_nothing_sent_opens_the_saved_work_at_once(tab: AppTest) -> None:
    token = tab.session_state["workspace_token"]
    page = reconnected(WidgetStates(), token)  # a new tab, or a reload: the page has no widgets yet
    assert page.text_input(key="field_app_name").value == "TaskFlow Pro"
    assert HELD_BACK not in page.session_state


def test_a_message_sent_before_the_page_was_drawn_whole_is_newer_and_the_click_still_counts(tab: AppTest) -> None:
    token = tab.session_state["workspace_token"]
    tab.text_input(key="field_app_name").input("First words")
    tab.button(key="brief_next").click()
    first = tab._tree.get_widget_states()
    tab.text_input(key="field_app_name").input("Second words")
    second = without_clicks(tab._tree.get_widget_states())

    page = reconnected(first, token)
    page._run(second)  # the PM typed again before the timer: a first run again, with the newer words
    assert not page.exception, page.exception
    assert page.title[0].value == TITLES["brief"] and saved_name(token) == "TaskFlow Pro"
    timer_fires(page)
    assert page.title[0].value == TITLES["prompt"]
    assert saved_name(token) == "Second words"
