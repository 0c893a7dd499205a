"""Several app processes behind nginx, sharing PostgreSQL, for real: deploy/launch.py starts two `streamlit run`
processes and nginx (deploy/nginx.conf.j2) in front of them, on loopback, against a PostgreSQL server the test starts.

- A Claude run is started through nginx; the process writing it is killed with kill -9; the user's reload lands on
  the other process, which finds the work under the same link, files the run as an interrupted version with its text,
  and Continue finishes it there; the downloads are made by the process the browser is on now.
- Browsers are spread over the processes by the affinity cookie, and each stays on its own process across reloads.
- The launcher's command line: one cookie secret for all (a 0600 file outside the project), a killed process is
  started again, and Ctrl-C stops nginx and every process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from deploy.launch import COOKIE, ROOT, Cluster
from specchain.store import Store, open_store
from tests.browser import VIEWPORT, choose_claude, free_port, open_app, use_example
from tests.fake_anthropic import FakeAnthropic
from tests.postgres import PostgresServer

EMPTY = SimpleNamespace(text="")
RECOVER_EVERY_S = "2"  # the surviving process looks for a dead process's runs this often (default 30 s)


@pytest.fixture
def database(pg_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"several_{os.getpid()}_{request.node.name[5:35]}".lower()
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def cluster(database: str, stand_in: FakeAnthropic, tmp_path: Path) -> Iterator[Cluster]:
    env = {"ANTHROPIC_BASE_URL": stand_in.url, "SPECCHAIN_RECOVER_EVERY_S": RECOVER_EVERY_S}
    env["ANTHROPIC_API_KEY"] = ""  # the key is typed on the page, as in the other browser tests
    with Cluster(database, ports=[free_port(), free_port()], port=free_port(), host="127.0.0.1",
                 secret="test-cookie-secret", run_dir=tmp_path / "run", env=env,
                 streamlit_flags=["--browser.gatherUsageStats", "false"]) as running:
        yield running


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    opened = open_store(database)
    yield opened
    opened.close()


def process_of(context: BrowserContext) -> str:
    """The process nginx keeps this browser on: its affinity cookie (p1, p2)."""
    values = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
    assert len(values) == 1, f"one affinity cookie expected, found {context.cookies()}"
    return values[0]


def new_page(browser: Browser) -> Page:
    page = browser.new_context(viewport=VIEWPORT, accept_downloads=True).new_page()
    page.on("pageerror", lambda error: SCRIPT_ERRORS.setdefault(id(page), []).append(str(error)))
    return page


SCRIPT_ERRORS: dict[int, list[str]] = {}


def no_error_shown(page: Page) -> None:
    """No Python exception on the page and no error in its scripts (the websocket's own reconnecting is no error)."""
    exceptions = page.locator("[data-testid=stException]").all_inner_texts()
    assert not exceptions, f"a Python exception was shown on the page: {exceptions}"
    errors = SCRIPT_ERRORS.pop(id(page), [])
    assert not errors, f"the page's scripts failed: {errors}"


def test_a_run_outlives_its_process_the_reload_lands_on_the_other_which_continues_it(
    browser: Browser, cluster: Cluster, store: Store, api: FakeAnthropic
) -> None:
    api.delay_s, api.chunk_chars = 0.01, 12
    page = new_page(browser)
    bystander = new_page(browser)  # someone else in the room, on the other process
    neighbour = new_page(browser)  # and someone on the same process, who will not reload
    for each in (page, bystander, neighbour):
        open_app(each, cluster.url)
    first, other = process_of(page.context), process_of(bystander.context)
    assert {first, other} == {"p1", "p2"}, "two newcomers go to the two processes in turn"
    assert process_of(neighbour.context) == first
    use_example(neighbour)
    neighbours_work = re.search(r"[?&]w=([^&]+)", neighbour.url).group(1)

    use_example(page)
    choose_claude(page)
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()
    expect(page.get_by_text(re.compile(r"Writing 4 of 17"))).to_be_visible(timeout=60_000)
    token = re.search(r"[?&]w=([^&]+)", page.url).group(1)
    run = store.active_run(token)
    assert run is not None and int(run.owner.split(":")[1]) == cluster.process(first).pid  # its process writes it
    deadline = time.monotonic() + 10  # the worker saves what it wrote at least every 2 s
    while "## Performance Requirements" not in ((store.active_run(token) or EMPTY).text or ""):
        assert time.monotonic() < deadline, "the run's text was not saved"
        time.sleep(0.1)
    saved = store.active_run(token).text
    link = page.url

    # kill -9 mid-run: no goodbye, no cleanup. Without a reload, the neighbour's page opens a new websocket by
    # itself, which nginx sends to the live process; the cookie follows.
    with neighbour.expect_websocket(timeout=30_000):
        cluster.kill(first)
    requests_seen = len(cluster.access_log.read_text().splitlines())
    expect(neighbour.locator("[data-testid=stApp][data-test-connection-state=CONNECTED]")).to_be_attached(
        timeout=30_000)
    assert process_of(neighbour.context) == other
    page.reload()  # the user presses F5
    expect(page.get_by_text("The app stopped while this version was being written")).to_be_visible(timeout=60_000)
    assert process_of(page.context) == other, "the browser was sent to the live process, and the cookie follows it"
    assert page.url == link  # the same link: the work is found through the shared database
    interrupted = store.get_version(token, 1)
    assert interrupted.stop_reason == "interrupted" and interrupted.document.startswith(saved)
    expect(page.get_by_test_id("stSidebarNavLink")).to_have_text(
        [re.compile(r"1 · Brief"), re.compile(r"2 · Prompt"), re.compile(r"3 · Generate"), re.compile(r"4 · Document")])

    key = page.locator("input[type=password]")  # a typed key is never saved: the user gives it again
    key.fill("sk-ant-e2e-test-key")
    key.press("Enter")
    api.delay_s = 0.002
    requests_before = len(api.requests)
    page.get_by_role("button", name="Continue writing").click()
    expect(page.get_by_text(re.compile(r"Version 2 is ready\."))).to_be_visible(timeout=90_000)
    assert len(api.requests) == requests_before + 1  # nothing is sent to Claude twice without a click
    finished = store.get_version(token, 2)
    assert finished.document.startswith(saved) and "## Clarification Requests or Feedback" in finished.document
    assert store.active_run(token) is None

    # The downloads are made by the process the browser is on now (they live in that process's memory).
    page.get_by_role("button", name="Open the document").click()
    expect(page.get_by_role("tab", name=re.compile(r"Template check \(17.17\)"))).to_be_visible()
    page.get_by_role("tab", name=re.compile("Download")).click()
    files = {}
    for label in ("Markdown (.md)", "Word (.docx)"):  # Word is made on the click (a deferred download)
        with page.expect_download() as download_info:
            page.get_by_role("button", name=label).click()
        files[download_info.value.suggested_filename] = download_info.value.path().read_bytes()
    assert sorted(files) == ["taskflow-pro-performance-scalability-v2.docx",
                             "taskflow-pro-performance-scalability-v2.md"]
    assert "## Clarification Requests or Feedback" in files["taskflow-pro-performance-scalability-v2.md"].decode()
    assert files["taskflow-pro-performance-scalability-v2.docx"].startswith(b"PK")  # a Word (zip) file
    since_the_kill = cluster.access_log.read_text().splitlines()[requests_seen:]
    media = [line for line in since_the_kill if '"GET /media/' in line]
    assert media and all(f"upstream={cluster.process(other).address} " in line for line in media), media

    # The neighbour's reload finds its brief on the live process.
    neighbour.reload()
    expect(neighbour.get_by_label("Product name (required)", exact=True)).to_have_value("TaskFlow Pro",
                                                                                      timeout=30_000)
    assert re.search(r"[?&]w=([^&]+)", neighbour.url).group(1) == neighbours_work
    assert process_of(neighbour.context) == other
    # The bystander never noticed: still on its process, its page still answering.
    bystander.reload()
    expect(bystander.locator("[data-testid=stApp][data-test-connection-state=CONNECTED]")).to_be_attached(
        timeout=30_000)
    assert process_of(bystander.context) == other
    for each in (page, bystander, neighbour):
        no_error_shown(each)
        each.context.close()


def test_browsers_are_spread_over_the_processes_and_each_stays_on_its_own(
    browser: Browser, cluster: Cluster
) -> None:
    pages = [new_page(browser) for _ in range(4)]
    for page in pages:
        open_app(page, cluster.url)
    seen = [process_of(page.context) for page in pages]
    assert sorted(seen) == ["p1", "p1", "p2", "p2"], f"four newcomers over two processes: {seen}"
    for _ in range(3):
        for page in pages:
            page.reload()
            expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached(
                timeout=30_000)
            expect(page.locator("h1").first).to_be_visible()
    assert [process_of(page.context) for page in pages] == seen  # nobody was moved
    for page in pages:
        no_error_shown(page)
        page.context.close()
    # nginx's log: every request of a browser with a cookie (the page, its scripts, its websocket) went to its
    # process, and each process served its browsers' websockets.
    log = cluster.access_log.read_text().splitlines()
    for name in ("p1", "p2"):
        mine = [line for line in log if f"cookie={COOKIE}:{name} " in line]
        assert mine and all(f"upstream={cluster.process(name).address} " in line for line in mine), mine
        assert sum('"GET /_stcore/stream' in line for line in mine) >= 3 * 2  # each reload opened a websocket


def test_the_launcher_shares_one_secret_restarts_a_dead_process_and_stops_everything_on_ctrl_c(
    database: str, tmp_path: Path
) -> None:
    first_port = consecutive_free_ports(2)
    port, secret_file = free_port(), tmp_path / "secrets" / "cookie-secret"
    launcher = subprocess.Popen(
        [sys.executable, "deploy/launch.py", "--processes", "2", "--first-port", str(first_port), "--port",
         str(port), "--host", "127.0.0.1", "--database-url", database, "--cookie-secret-file", str(secret_file),
         "--run-dir", str(tmp_path / "run")],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "SPECCHAIN_COOKIE_SECRET"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = read_until(launcher, "Ctrl-C stops everything")
        pids = [listener(p) for p in (first_port, first_port + 1)]
        assert all(pids), output
        assert secret_file.stat().st_mode & 0o777 == 0o600 and len(secret_file.read_text().strip()) >= 32
        secrets = {environ(pid).get("STREAMLIT_SERVER_COOKIE_SECRET") for pid in pids}
        assert secrets == {secret_file.read_text().strip()}  # the same secret in both, from the file
        assert all(environ(pid).get("DATABASE_URL") == database for pid in pids)
        assert str(secret_file.read_text().strip()) not in " ".join(cmdline(pid) for pid in pids)  # not in `ps`

        os.kill(pids[0], signal.SIGKILL)
        read_until(launcher, "starting it again")
        deadline = time.monotonic() + 60
        while not (restarted := listener(first_port)) or restarted == pids[0]:
            assert time.monotonic() < deadline, "the killed process was not started again"
            time.sleep(0.2)
        nginx = int((tmp_path / "run" / "nginx.pid").read_text())

        launcher.send_signal(signal.SIGINT)  # Ctrl-C
        assert launcher.wait(30) == 0
        for pid in (restarted, pids[1], nginx):
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text(), pid
        assert not listener(first_port) and not listener(first_port + 1) and not listener(port)
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            launcher.wait(30)


# ── helpers for the launcher test ────────────────────────────────────────────────────────────────────────────────
def consecutive_free_ports(count: int) -> int:
    for _ in range(50):
        first = free_port()
        if first + count < 65536 and all(not listener(first + i) for i in range(count)):
            return first
    raise AssertionError("no consecutive free ports")


def read_until(process: subprocess.Popen[str], text: str, timeout_s: float = 120) -> str:
    """The launcher's output up to the line containing text."""
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"the launcher never said {text!r}:\n{''.join(seen)}")


def listener(port: int) -> int | None:
    """The pid listening on this loopback TCP port, if any (from /proc: no tools needed)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").split("=", 1) for item in raw if b"=" in item)


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
