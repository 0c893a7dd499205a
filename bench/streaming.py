"""Streaming in the browser, measured: a long document from the stand-in API, through the running app, into
headless Chromium. Prints, for a 60 KB document and for one twice that size:

- bytes the app sent over its websocket while the document was written (counted by a loopback proxy between the
  browser and the app, so nothing depends on the browser's own network reporting), against the document's size;
- the browser main thread's busy time while the document streams (Chrome DevTools Performance.getMetrics:
  TaskDuration, ScriptDuration). The bench itself stays off the page's main thread while it waits: it watches with
  a MutationObserver that reads only added nodes (a Playwright text locator polled during the stream searched the
  whole page each time and tripled the busy time it was measuring);
- the time from the last token leaving the stand-in to the document's last line being visible in the page.

Run: python bench/streaming.py [--sizes 60000 120000] [--tokens-per-second 100]
Targets on a 2-core machine: websocket bytes under 3x the document, last line within 0.5 s, linear growth.
Needs Debian's chromium (apt-get install -y chromium).
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, expect, sync_playwright

from tests.browser import VIEWPORT, choose_claude, free_port, launch_chromium, open_app, running_app, use_example
from tests.fake_anthropic import FakeAnthropic
from tests.long_document import long_document

CHARS_PER_TOKEN = 4
CHUNK_TOKENS = 4  # the real API sends a few tokens per text delta


class CountingProxy:
    """A loopback TCP proxy that counts the bytes the app sends on its websocket (/_stcore/stream)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.websocket_bytes = 0
        self._history: list[tuple[float, int]] = []  # (time.time(), total so far) after each read
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self._listener.accept()
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            first = client.recv(65536)
            is_websocket = b"/_stcore/stream" in first.split(b"\r\n", 1)[0]
            upstream.sendall(first)
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, is_websocket), daemon=True).start()

    def bytes_at(self, moment: float) -> int:
        """Bytes counted up to a moment: splits the stream's own cost from the final redraw's."""
        with self._lock:
            return max((total for at, total in self._history if at <= moment), default=0)

    def _pump(self, source: socket.socket, target: socket.socket, count: bool) -> None:
        try:
            while data := source.recv(65536):
                if count:
                    with self._lock:
                        self.websocket_bytes += len(data)
                        self._history.append((time.time(), self.websocket_bytes))
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# Looks only at what each mutation adds (new nodes, changed text nodes), never at a whole container's text: the
# watcher must not add work of its own that grows with the page.
WATCH_LAST_LINE = """marker => {
    window.__lastLineAt = 0;
    const seen = node => node && node.textContent && node.textContent.includes(marker);
    new MutationObserver(mutations => {
        if (window.__lastLineAt) return;
        for (const m of mutations) {
            const hit = m.type === 'characterData' ? seen(m.target) : [...m.addedNodes].some(seen);
            if (hit) { window.__lastLineAt = Date.now() / 1000; return; }
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def measure(size: int, tokens_per_second: float, app_env: dict[str, str] | None = None) -> dict[str, float]:
    chunk_chars = CHUNK_TOKENS * CHARS_PER_TOKEN
    delay = CHUNK_TOKENS / tokens_per_second
    fake = FakeAnthropic(chunk_chars=chunk_chars, delay_s=delay, document_bytes=size).start()
    document = long_document(size, app_name="TaskFlow Pro")
    last_line = document.rstrip().splitlines()[-1].split(". ", 1)[-1]
    try:
        with running_app({"ANTHROPIC_BASE_URL": fake.url} | (app_env or {})) as app, sync_playwright() as playwright:
            proxy = CountingProxy(int(app.url.rsplit(":", 1)[1]))
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport=VIEWPORT)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            open_app(page, f"http://127.0.0.1:{proxy.port}")
            prepare_claude_run(page)
            page.evaluate(WATCH_LAST_LINE, last_line)
            before = metrics(cdp)
            bytes_before = proxy.websocket_bytes
            page.get_by_role("button", name=re.compile(r"Generate version \d")).click()
            # A cheap wait: a text locator would search the whole page again and again, on the page's main thread.
            page.wait_for_function("() => window.__lastLineAt > 0", polling=100, timeout=3_600_000)
            after = metrics(cdp)
            expect(page.get_by_text(re.compile(r"Version 1 is ready"))).to_be_visible(timeout=30_000)
            during = proxy.bytes_at(fake.last_text_at) - bytes_before
            visible_at = page.evaluate("window.__lastLineAt")
            sent = proxy.websocket_bytes - bytes_before
            browser.close()
    finally:
        fake.stop()
    return {
        "document_kb": len(document.encode()) / 1024,
        "stream_s": len(document) / CHARS_PER_TOKEN / tokens_per_second,
        "websocket_kb": sent / 1024,
        "during_stream_kb": during / 1024,
        "ratio": sent / len(document.encode()),
        "busy_s": after["TaskDuration"] - before["TaskDuration"],
        "script_s": after["ScriptDuration"] - before["ScriptDuration"],
        "layout_s": after["LayoutDuration"] - before["LayoutDuration"],
        "style_s": after["RecalcStyleDuration"] - before["RecalcStyleDuration"],
        "last_line_s": visible_at - fake.last_text_at if visible_at else float("nan"),
    }


def prepare_claude_run(page: Page) -> None:
    use_example(page)
    choose_claude(page)


def metrics(cdp: object) -> dict[str, float]:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60_000, 120_000], help="document sizes in bytes")
    parser.add_argument("--tokens-per-second", type=float, default=100.0, help="the stand-in's writing speed")
    args = parser.parse_args()
    print(f"Streaming through the app into headless Chromium at {args.tokens_per_second:g} tokens/s "
          f"({CHUNK_TOKENS} tokens per text delta)")
    print(f"{'document':>10}{'stream':>9}{'websocket':>12}{'× doc':>7}{'(final redraw)':>16}"
          f"{'main thread busy':>18}{'(script)':>10}{'last token → last line visible':>32}")
    for size in args.sizes:
        r = measure(size, args.tokens_per_second)
        print(f"{r['document_kb']:>8.1f}KB{r['stream_s']:>8.0f}s{r['websocket_kb']:>10.0f}KB{r['ratio']:>7.2f}"
              f"{r['websocket_kb'] - r['during_stream_kb']:>14.0f}KB"
              f"{r['busy_s']:>16.1f} s{r['script_s']:>8.1f} s{r['last_line_s']:>30.2f} s")


if __name__ == "__main__":
    main()
