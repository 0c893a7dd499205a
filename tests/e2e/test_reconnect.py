"""A page whose server restarts under it (kill -9, started again on the same port) reconnects by itself, without a
reload, to a new Streamlit session: what the PM types right after is kept and saved, and their first click counts.
(With several processes behind nginx, a page sent to another process reconnects the same way.)"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from specchain.store import Store, open_store
from tests.browser import VIEWPORT, free_port, go_to, open_app, running_app, use_example

CONNECTED = "[data-testid=stApp][data-test-connection-state=CONNECTED]"
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


@contextmanager
def restarted_under_the_page(browser: Browser, before: Callable[[Page], None] = lambda page: None
                             ) -> Iterator[tuple[Page, str, Path]]:
    """A page with an example's brief saved under its link (and whatever `before` does then), whose server is then
    killed (kill -9) and started again on the same port. Yields the page (reconnected by itself, never reloaded),
    the work's token and the database."""
    database = Path(tempfile.mkdtemp(prefix="specchain-reconnect-")) / "work.sqlite3"
    env = {"SPECCHAIN_DB_PATH": str(database)}
    port = free_port()
    page = browser.new_context(viewport=VIEWPORT).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with running_app(env, port) as app:
        open_app(page, app.url)
        use_example(page)
        expect(page).to_have_url(re.compile(r"[?&]w=[A-Za-z0-9_-]{22,}"))
        expect(page.locator(IDLE)).to_be_attached()
        token = re.search(r"[?&]w=([^&]+)", page.url).group(1)
        before(page)
        expect(page.locator(IDLE)).to_be_attached()
        os.kill(app.pid, signal.SIGKILL)  # no goodbye, no cleanup
        expect(page.locator(CONNECTED)).not_to_be_attached(timeout=30_000)  # the page noticed
    with running_app(env, port):  # the server comes back on the same port
        expect(page.locator(CONNECTED)).to_be_attached(timeout=60_000)  # reconnected by itself: no reload
        yield page, token, database
        exceptions = page.locator("[data-testid=stException]").all_inner_texts()
        page.context.close()
    assert not exceptions, f"a Python exception was shown on the page: {exceptions}"
    assert not errors, f"the page's scripts failed: {errors}"


def test_words_typed_right_after_a_reconnection_stay_and_are_saved(browser: Browser) -> None:
    with restarted_under_the_page(browser) as (page, token, database):
        name = page.get_by_label("Product name (required)", exact=True)
        name.fill("Typed after the restart")
        name.press("Tab")  # the field is sent to the new session: its first run
        expect(page.locator(IDLE)).to_be_attached(timeout=30_000)
        load = page.get_by_label("Expected load: users, activity and data", exact=True)
        load.fill("3 users, typed in the second run")
        load.press("Tab")
        expect(page.locator(IDLE)).to_be_attached(timeout=30_000)
        expect(name).to_have_value("Typed after the restart")  # not replaced by the saved "TaskFlow Pro"
        expect(load).to_have_value("3 users, typed in the second run")
        # Saved by the run the last Tab started; the page may still look idle for a moment before that run begins.
        expected = {"app_name": "Typed after the restart", "expected_load": "3 users, typed in the second run"}
        store, deadline = open_store(f"sqlite:///{database}"), time.monotonic() + 30
        while (saved := saved_values(store, token, expected)) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert saved == expected
        page.reload()
        expect(name).to_have_value("Typed after the restart", timeout=30_000)
        expect(load).to_have_value("3 users, typed in the second run")


def saved_values(store: Store, token: str, wanted: dict[str, str]) -> dict[str, str]:
    work = store.load_workspace(token)
    return {key: work.values.get(key, "") for key in wanted} if work is not None else {}


def test_the_first_click_after_a_reconnection_goes_to_the_next_step(browser: Browser) -> None:
    with restarted_under_the_page(browser) as (page, _token, _database):
        page.get_by_role("button", name="Next: check the prompt").click()  # the new session's first run
        expect(page.get_by_role("heading", level=1, name=re.compile("prompt", re.IGNORECASE))).to_be_visible(
            timeout=30_000)
        expect(page).to_have_url(re.compile(r"/prompt\?w="))


def questions_of_an_offline_document(page: Page) -> None:
    go_to(page, "Generate", "Generate the document")
    page.get_by_text("Offline draft", exact=False).first.click()
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()
    expect(page.get_by_text(re.compile(r"Version \d+ is ready"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Open the document").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Your document"))).to_be_visible()
    page.get_by_role("tab", name=re.compile(r"Questions \(\d+\)")).click()


def test_an_answer_typed_right_after_a_reconnection_counts_and_is_saved(browser: Browser) -> None:
    """An answer box saves through its on_change callback: the held-back message runs it too."""
    with restarted_under_the_page(browser, before=questions_of_an_offline_document) as (page, token, database):
        answer = page.get_by_test_id("stTextArea").locator("textarea").first
        answer.fill("Typed after the restart: 9 AM Eastern is the peak")
        answer.press("Tab")
        # Counted (its callback ran), and in view: the open tab stayed open across the reconnection.
        expect(page.get_by_text(re.compile(r"1 of \d+ answered"))).to_be_visible(timeout=30_000)
        store, deadline = open_store(f"sqlite:///{database}"), time.monotonic() + 30
        while not (saved := store.load_workspace(token)) or not saved.answers and time.monotonic() < deadline:
            time.sleep(0.1)  # saved by the run that drew the count, maybe a moment after it was drawn
        assert [a.answer for a in saved.answers] == ["Typed after the restart: 9 AM Eastern is the peak"]
        page.reload()
        page.get_by_role("tab", name=re.compile(r"Questions \(\d+\)")).click()
        expect(page.get_by_test_id("stTextArea").locator("textarea").first).to_have_value(
            "Typed after the restart: 9 AM Eastern is the peak", timeout=30_000)
