"""Many people generating at once: server CPU per streaming session, measured.

Run: python bench/sessions.py [--sessions 1 5 10] [--tokens-per-second 100]

Opens N browser sessions (pages in one headless Chromium) on one running app, starts a Claude run in each
against the stand-in, and prints the app process's CPU time while they stream, per session and per second of
streaming, and how long each waited from its last token to its last line on screen. Chromium shares the same
2 cores, so the latencies include its own load; the CPU figure is the app's alone.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import expect, sync_playwright

from bench.streaming import WATCH_LAST_LINE, prepare_claude_run
from tests.browser import VIEWPORT, launch_chromium, open_app, running_app
from tests.fake_anthropic import FakeAnthropic
from tests.long_document import long_document

DOCUMENT_BYTES = 20_000


def measure(sessions: int, tokens_per_second: float) -> dict[str, float]:
    fake = FakeAnthropic(chunk_chars=16, delay_s=4 / tokens_per_second, document_bytes=DOCUMENT_BYTES).start()
    last_line = long_document(DOCUMENT_BYTES).rstrip().splitlines()[-1].split(". ", 1)[-1]
    try:
        with running_app({"ANTHROPIC_BASE_URL": fake.url}) as app, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            pages = []
            for _ in range(sessions):
                page = browser.new_page(viewport=VIEWPORT)
                open_app(page, app.url)
                prepare_claude_run(page)
                page.evaluate(WATCH_LAST_LINE, last_line)
                pages.append(page)
            cpu_before, started = app.cpu_seconds(), time.monotonic()
            for page in pages:
                page.get_by_role("button", name=re.compile(r"Generate version \d")).click()
            finished_at = []
            for page in pages:
                page.wait_for_function("() => window.__lastLineAt > 0", polling=200, timeout=1_800_000)
                finished_at.append(page.evaluate("window.__lastLineAt"))
            wall = time.monotonic() - started
            cpu = app.cpu_seconds() - cpu_before
            for page in pages:
                expect(page.get_by_text(re.compile(r"Version 1 is ready"))).to_be_visible(timeout=60_000)
            browser.close()
    finally:
        fake.stop()
    return {"wall_s": wall, "cpu_s": cpu, "worst_last_line_s": max(finished_at) - fake.last_text_at}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--tokens-per-second", type=float, default=100.0)
    args = parser.parse_args()
    print(f"{DOCUMENT_BYTES // 1000} KB documents streamed at {args.tokens_per_second:g} tokens/s in every session")
    print(f"{'sessions':>9}{'wall':>8}{'app CPU':>10}{'per session':>13}{'CPU % of one core':>19}"
          f"{'last token → last line (the last session)':>44}")
    for sessions in args.sessions:
        r = measure(sessions, args.tokens_per_second)
        print(f"{sessions:>9}{r['wall_s']:>7.0f}s{r['cpu_s']:>9.1f}s{r['cpu_s'] / sessions:>12.2f}s"
              f"{100 * r['cpu_s'] / r['wall_s']:>18.0f}%{r['worst_last_line_s']:>42.2f} s")


if __name__ == "__main__":
    main()
