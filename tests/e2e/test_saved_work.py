"""Nothing a PM makes is lost, with real processes: a reload mid-run re-attaches; a server killed with kill -9
mid-run leaves an "interrupted" version that Continue finishes; a closed tab's link brings the work back."""

from __future__ import annotations

import os
import re
import signal
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from playwright.sync_api import Browser, Page, expect

from specchain.store import open_store
from tests.browser import (
    VIEWPORT,
    choose_claude,
    free_port,
    open_app,
    running_app,
    use_example,
)
from tests.fake_anthropic import FakeAnthropic

EMPTY = SimpleNamespace(text="")


def generate_with_claude(page: Page) -> None:
    choose_claude(page)
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()


def test_a_reload_mid_run_reattaches_and_the_run_is_not_started_twice(
    page: Page, app_url: str, api: FakeAnthropic
) -> None:
    api.delay_s, api.chunk_chars = 0.01, 12
    open_app(page, app_url)
    use_example(page)
    generate_with_claude(page)
    expect(page.get_by_text(re.compile(r"Writing 3 of 17"))).to_be_visible(timeout=60_000)
    assert "w=" in page.url  # the address carries the work's link
    page.reload()  # F5
    expect(page.get_by_text(re.compile(r"Writing (\d+) of 17"))).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", level=2, name="Executive Summary")).to_be_attached()  # what was written
    expect(page.get_by_text(re.compile(r"Writing (1[0-7]) of 17"))).to_be_visible(timeout=90_000)  # still growing
    expect(page.get_by_text(re.compile(r"Version 1 is ready\."))).to_be_visible(timeout=90_000)
    assert len([r for r in api.requests if r["path"].startswith("/v1/messages")]) == 1


def test_a_closed_tab_comes_back_with_its_link(browser: Browser, app_url: str) -> None:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    open_app(page, app_url)
    use_example(page)
    name = page.get_by_label("Product name (required)", exact=True)
    name.fill("Café Zürich 東京")
    name.press("Enter")
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    link = page.get_by_test_id("stCode").first.inner_text().strip()
    assert re.search(r"\?w=[A-Za-z0-9_-]{22,}$", link), link
    page.context.close()  # the tab (the whole browser) is closed
    other = browser.new_context(viewport=VIEWPORT).new_page()  # another browser, another day
    other.goto(link)
    expect(other.get_by_label("Product name (required)", exact=True)).to_have_value("Café Zürich 東京", timeout=30_000)
    other.context.close()


def test_a_killed_server_leaves_an_interrupted_version_that_continue_finishes(
    browser: Browser, stand_in: FakeAnthropic, api: FakeAnthropic
) -> None:
    api.delay_s, api.chunk_chars = 0.01, 12
    database = Path(tempfile.mkdtemp(prefix="specchain-kill-")) / "work.sqlite3"
    env = {"ANTHROPIC_BASE_URL": stand_in.url, "SPECCHAIN_DB_PATH": str(database)}
    port = free_port()
    page = browser.new_context(viewport=VIEWPORT).new_page()
    with running_app(env, port) as app:
        open_app(page, app.url)
        use_example(page)
        generate_with_claude(page)
        expect(page.get_by_text(re.compile(r"Writing 4 of 17"))).to_be_visible(timeout=60_000)
        token = re.search(r"[?&]w=([^&]+)", page.url).group(1)
        store = open_store(f"sqlite:///{database}")
        deadline = time.monotonic() + 10  # the worker saves what it wrote at least every 2 s
        while "## Performance Requirements" not in ((store.active_run(token) or EMPTY).text or ""):
            assert time.monotonic() < deadline, "the run's text was not saved"
            time.sleep(0.1)
        saved = store.active_run(token).text
        os.kill(app.pid, signal.SIGKILL)  # the server dies mid-run: no goodbye, no cleanup
        link = page.url
    with running_app(env, port):  # the server comes back (a restart or a redeploy)
        page.goto(link)  # the user reloads
        expect(page.get_by_text("The app stopped while this version was being written")).to_be_visible(
            timeout=30_000)
        interrupted = store.get_version(token, 1)
        assert interrupted.stop_reason == "interrupted" and interrupted.document.startswith(saved)
        links = page.get_by_test_id("stSidebarNavLink")  # the app's own four steps, not a list of its files
        expect(links).to_have_text([re.compile(r"1 · Brief"), re.compile(r"2 · Prompt"),
                                    re.compile(r"3 · Generate"), re.compile(r"4 · Document")])
        key = page.locator("input[type=password]")  # a typed key is never saved: the user gives it again
        key.fill("sk-ant-e2e-test-key")
        key.press("Enter")
        requests_before = len(api.requests)
        page.get_by_role("button", name="Continue writing").click()
        expect(page.get_by_text(re.compile(r"Version 2 is ready\."))).to_be_visible(timeout=90_000)
        assert len(api.requests) == requests_before + 1  # nothing is charged twice without a click
        page.get_by_role("button", name="Open the document").click()
        expect(page.get_by_role("tab", name=re.compile(r"Template check \(17.17\)"))).to_be_visible()
    page.context.close()


def test_an_example_picked_is_saved_at_once(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    expect(page).to_have_url(re.compile(r"[?&]w=[A-Za-z0-9_-]{22,}"))  # the link is in the address at once
    page.reload()
    expect(page.get_by_label("Product name (required)", exact=True)).to_have_value("TaskFlow Pro", timeout=30_000)
