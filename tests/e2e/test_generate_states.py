"""The Generate page is honest at every moment of a run, in a real browser: while a new version waits in the queue,
connects, writes or stops, nothing of the previous state (the last run's figures, its "Generate version N" button,
its document) stays on screen, greyed; when the run ends, they come back, for the new run.

Streamlit keeps what the previous script run drew, marked stale (greyed), until the new run replaces it or ends; the
page's script runs for as long as it follows the run. So each check below looks at what is visible, stale or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from specchain.queue import Gate, QueueLimits
from specchain.store import open_store
from tests.browser import VIEWPORT, choose_claude, open_app, running_app, use_example
from tests.fake_anthropic import FakeAnthropic

GENERATE = re.compile(r"Generate version \d")
WAITING = re.compile(r"Waiting for your turn · You're next")
# Watches the page at every change, not only when the test looks: whenever a run is shown (its Stop button is
# visible), nothing of the page after a run may be visible, greyed or not, and the caption may not say "Writing"
# while the status says the run waits for its turn. Counts the changes it saw with a run shown, and any breach.
WATCH = """() => {
    window.__following = 0; window.__dishonest = [];
    const shown = element => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden";
    const check = () => {
        const main = document.querySelector("[data-testid=stMain]");
        if (!main) return;
        const buttons = [...main.querySelectorAll("button")].filter(shown).map(b => b.innerText.trim());
        if (!buttons.some(label => label.endsWith("Stop"))) return;
        window.__following += 1;
        const after = buttons.filter(label => /Generate version \\d|Open the document|Continue writing/.test(label));
        const metrics = [...main.querySelectorAll("[data-testid=stMetric]")].filter(shown).length;
        const text = main.innerText;
        const caption = /Waiting for your turn ·/.test(text) && /Writing version \\d/.test(text);
        if (after.length || metrics || caption) window.__dishonest.push({after, metrics, caption, text: text.slice(0, 400)});
    };
    new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                        attributes: true});
}"""


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic(chunk_chars=24, delay_s=0.0).start()
    yield fake
    fake.delay_s = 0.0
    fake.stop()


def shows_nothing_of_the_last_state(page: Page, caption: re.Pattern[str]) -> None:
    """During a run: its status and caption, the Stop button, and nothing left from the page as it was before."""
    area = page.get_by_test_id("stMain")
    expect(area.get_by_text(caption)).to_be_visible()
    expect(area.get_by_role("button", name="Stop")).to_be_visible()
    # Checked for what is visible: an element Streamlit keeps from the previous draw is in the page, greyed.
    expect(area.get_by_role("button", name=GENERATE).filter(visible=True)).to_have_count(0)
    expect(area.get_by_role("button", name="Open the document").filter(visible=True)).to_have_count(0)
    expect(area.get_by_test_id("stMetric").filter(visible=True)).to_have_count(0)
    expect(area.get_by_text(re.compile(r"^Version \d+ (is ready|is unfinished)")).filter(visible=True)).to_have_count(0)
    expect(page.locator("[data-stale=true]").filter(visible=True)).to_have_count(0)


def shows_the_end(page: Page, outcome: str | re.Pattern[str], next_version: int) -> None:
    """After a run: how it ended, its figures and the next step, all of this run, and nothing greyed."""
    area = page.get_by_test_id("stMain")
    expect(area.get_by_text(outcome)).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached(timeout=10_000)
    expect(area.get_by_role("button", name=f"Generate version {next_version}")).to_be_visible()
    expect(area.get_by_role("button", name="Stop")).to_have_count(0)
    expect(area.get_by_text(re.compile(r"^(Writing|Waiting for your turn)"))).to_have_count(0)
    expect(page.locator("[data-stale=true]").filter(visible=True)).to_have_count(0)


def test_the_generate_page_shows_only_the_run_in_progress(browser: Browser, fake: FakeAnthropic,
                                                          tmp_path: Path) -> None:
    database = tmp_path / "work.sqlite3"
    env = {"ANTHROPIC_BASE_URL": fake.url, "SPECCHAIN_DB_PATH": str(database), "SPECCHAIN_CLAUDE_MAX_IN_FLIGHT": "1"}
    with running_app(env) as app:
        store = open_store(f"sqlite:///{database}")
        gate = Gate(store, QueueLimits(max_in_flight=1))
        context = browser.new_context(viewport=VIEWPORT)
        errors: list[str] = []
        try:
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            open_app(page, app.url)
            use_example(page)
            choose_claude(page)
            page.get_by_role("button", name="Generate version 1").click()
            shows_the_end(page, "Version 1 is ready.", next_version=2)
            expect(page.get_by_test_id("stMetric")).to_have_count(5)
            page.evaluate(WATCH)

            # Someone else's document holds the only place in flight: version 2 waits for its turn.
            holder = gate.join(input_tokens=5_000, output_tokens=32_000)
            assert gate.try_admit(holder) is None
            fake.delay_s, fake.chunk_chars = 0.05, 8  # then writes slowly: minutes, unless stopped
            page.get_by_role("button", name="Generate version 2").click()
            expect(page.get_by_text(WAITING)).to_be_visible(timeout=30_000)
            shows_nothing_of_the_last_state(page, re.compile(r"^Waiting for your turn to write version 2"))
            expect(page.get_by_text(re.compile(r"^Writing version"))).to_have_count(0)

            gate.release(holder)  # its turn comes: it writes
            expect(page.get_by_text(re.compile(r"Writing \d+ of 17"))).to_be_visible(timeout=30_000)
            shows_nothing_of_the_last_state(page, re.compile(r"^Writing version 2 with"))
            expect(page.get_by_test_id("stMain").get_by_text(WAITING)).to_have_count(0)

            page.get_by_role("button", name="Stop").click()
            shows_the_end(page, re.compile(r"Version 2 is unfinished \(stopped by you\)"), next_version=3)
            expect(page.get_by_test_id("stMetric")).to_have_count(5)
            expect(page.get_by_role("button", name="Continue writing")).to_be_visible()

            # A request that is never answered: the page says it is connecting, and only that.
            fake.scenarios = ["silent"]
            page.get_by_role("button", name="Generate version 3").click()
            expect(page.get_by_text("Connecting…")).to_be_visible(timeout=30_000)
            shows_nothing_of_the_last_state(page, re.compile(r"^Writing version 3 with"))
            expect(page.get_by_role("button", name="Continue writing").filter(visible=True)).to_have_count(0)
            page.get_by_role("button", name="Stop").click()
            shows_the_end(page, "No document was produced.", next_version=3)  # the number is not used up
            expect(page.get_by_test_id("stMetric")).to_have_count(5)
            assert page.evaluate("window.__following") > 10  # the watch saw the runs (and is still installed)
            assert page.evaluate("window.__dishonest") == []
            assert not page.get_by_test_id("stException").all_inner_texts()
            assert not errors, f"errors in the browser: {errors}"
        finally:
            context.close()
            gate.close()
            store.close()
