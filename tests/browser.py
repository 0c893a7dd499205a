"""The real app in a real browser: start `streamlit run` on a free port and drive Debian's Chromium with Playwright.

Shared by the end-to-end tests (tests/e2e) and the streaming benchmark (bench/streaming.py). Nothing here sleeps
for a fixed time: it waits for the app's health endpoint, then for the page's own connection and script state.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying Google's hosts, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}  # a workshop projector
SCREENSHOTS = ROOT / "docs" / "screenshots"
EXAMPLE = "B2B project-management SaaS"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningApp:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the app's process has used so far (user + system), from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_app(env: dict[str, str] | None = None, port: int | None = None, script: str = "app.py", *,
                cwd: Path = ROOT, flags: Sequence[str] = (),
                launcher: Sequence[str] = ("-m", "streamlit")) -> Iterator[RunningApp]:
    """`streamlit run app.py` (or another script, in another folder, with more flags) on a free loopback port. The
    log goes to a temp file, shown if it fails to start. launcher: how Python starts Streamlit (a benchmark may
    start it through its own code)."""
    port = port or free_port()
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)  # noqa: SIM115
    app_env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"} | (env or {})
    command = [sys.executable, *launcher, "run", script, "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", *flags]
    process = subprocess.Popen(command, cwd=cwd, env=app_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, process, Path(log.name))
        yield RunningApp(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling interval, not a wait for an effect
    raise RuntimeError(f"streamlit did not answer within {timeout_s} s:\n{log.read_text()[-3000:]}")


def launch_chromium(playwright: Playwright) -> Browser:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_app(page: Page, url: str, path: str = "") -> None:
    """Load the app and wait until it is connected, a page title is drawn and the first script run has finished."""
    page.goto(f"{url}/{path}")
    expect(page.locator("[data-testid=stApp][data-test-connection-state=CONNECTED]")).to_be_attached(timeout=30_000)
    expect(page.locator("h1").first).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached(timeout=30_000)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# ── Steps a person takes, shared by the browser tests and the benchmarks ─────────────────────────────────────────
def use_example(page: Page, name: str = EXAMPLE) -> None:
    page.get_by_role("combobox", name="Example brief").click()
    page.get_by_role("option", name=re.compile(re.escape(name))).click()
    page.get_by_role("button", name="Use this example").click()
    expect(page.get_by_label("Product name (required)", exact=True)).not_to_have_value("")


def go_to(page: Page, step: str, heading: str) -> None:
    page.get_by_role("link", name=re.compile(rf"· {step}$")).click()
    expect(page.get_by_role("heading", level=1, name=re.compile(heading))).to_be_visible()


def choose_claude(page: Page, screenshot_name: str | None = None) -> None:
    """On the Generate page, choose Claude and type a key, ready to press Generate."""
    go_to(page, "Generate", "Generate the document")
    page.get_by_text("Claude (AI, needs an API key)").click()
    key = page.locator("input[type=password]")
    expect(key).to_be_in_viewport()  # with no key yet, the settings open where the key goes
    if screenshot_name:
        expect(page.get_by_text("Maximum length (output tokens)")).to_be_visible()
        screenshot(page, screenshot_name)
    key.fill("sk-ant-e2e-test-key")
    key.press("Enter")
    # The key's rerun has finished (a click during it can be lost), and Generate is there to press.
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    expect(page.get_by_role("button", name=re.compile(r"Generate version \d"))).to_be_enabled()
