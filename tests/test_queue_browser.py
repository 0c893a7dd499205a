"""The queue as a PM sees it, in a real browser against the real app: their place while they wait, kept across a
reload, Stop leaving the queue with nothing sent, and an offline draft that never waits."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from specchain.queue import Gate, QueueLimits
from specchain.store import open_store
from tests.browser import (
    VIEWPORT,
    choose_claude,
    go_to,
    open_app,
    running_app,
    screenshot,
    use_example,
)
from tests.fake_anthropic import FakeAnthropic

WAITING = re.compile(r"Waiting for your turn · You're next · starting in about \d+ (s|min)")


def test_the_generate_page_shows_the_place_and_stop_leaves_the_queue(browser: Browser, tmp_path: Path) -> None:
    fake = FakeAnthropic(chunk_chars=24, delay_s=0.004).start()
    database = tmp_path / "work.sqlite3"
    env = {"ANTHROPIC_BASE_URL": fake.url, "SPECCHAIN_DB_PATH": str(database), "SPECCHAIN_CLAUDE_MAX_IN_FLIGHT": "1"}
    try:
        with running_app(env) as app:
            # Someone else's document (this test's process) holds the only place in flight.
            store = open_store(f"sqlite:///{database}")
            gate = Gate(store, QueueLimits(max_in_flight=1))
            holder = gate.join(input_tokens=5_000, output_tokens=32_000)
            assert gate.try_admit(holder) is None
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            open_app(page, app.url)
            use_example(page)
            choose_claude(page)
            page.get_by_role("button", name="Generate version 1").click()
            expect(page.get_by_text(WAITING)).to_be_visible(timeout=30_000)
            expect(page.get_by_text(re.compile(r"Stop leaves the queue: nothing is sent to Claude"))).to_be_visible()
            screenshot(page, "04b-generate-waiting-in-queue")

            page.reload()  # leave and come back: the place is read again
            expect(page.get_by_text(WAITING)).to_be_visible(timeout=30_000)

            # Another person's offline draft does not queue behind anyone.
            other = context.browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[union-attr]
            open_app(other, app.url)
            use_example(other)
            go_to(other, "Generate", "Generate the document")
            other.get_by_role("button", name="Generate version 1").click()
            expect(other.get_by_text("Version 1 is ready.")).to_be_visible(timeout=30_000)
            other.context.close()

            page.get_by_role("button", name="Stop").click()
            expect(page.get_by_text(re.compile(r"You left the queue before your turn came\. Nothing was sent to "
                                               r"Claude, so no request was used and no version was made"))
                   ).to_be_visible(timeout=10_000)
            expect(page.get_by_text("No document was produced.")).to_be_visible()
            expect(page.get_by_role("button", name="Generate version 1")).to_be_visible()  # the number is kept
            assert fake.requests == []  # nothing reached Claude
            gate.release(holder)
            gate.close()
            store.close()
            context.close()
    finally:
        fake.stop()
