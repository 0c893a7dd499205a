"""A room of people at once, driven through Streamlit's agent API (no browsers): the app against a bare Streamlit app.

Run: python bench/agent_sessions.py [--users 1 10 50] [--claude-users 10] [--chromium] [--soak 300]
                                   [--gc on off freeze] [--app-dir FOLDER[@POLICY] ...]

Starts the app and a bare Streamlit app of the same shape (bench/bare_app: four pages through st.navigation, the
same labels and flow) side by side in this run, each as `streamlit run` with the agent API on, and prints:
- a fresh server's first page (time to the first snapshot of a new session, which runs the first page and imports
  what it needs), a warm first page, the process's memory with that one idle session, and what each of 50 more
  idle sessions adds to it;
- N users at once, each doing the offline flow (use an example, Next, Next, Generate, until "Version 1 is ready"):
  per-user flow time p50/p95, the app process's CPU per session (from /proc/<pid>/stat) and its peak RSS;
- with --claude-users, the same users generating with Claude through the Messages API stand-in
  (tests/fake_anthropic.py, a 20 KB document at 100 tokens/s): CPU per streamed document;
- with --chromium, in headless Chromium on a fresh server of each: the first page (navigation to the first run
  finished), then, after an example and a first version, every step's page switch through the sidebar (Brief →
  Prompt → Generate → Document → Brief; click to the page painted): the first visit, and the median of --repeat
  visits after it, with the browser's main thread busy time (--cpu-slowdown 4 throttles Chromium's CPU, for a
  slower laptop); the apps (the bare one too) take turns switch by switch, so that the machine's other work weighs
  on them alike; then each server's memory after the flow, and its child processes' (the chart-image worker);
- with --soak, a loop of fresh sessions doing the whole offline flow for that many seconds (sessions expire after
  10 s idle), printing the RSS over time: memory must stay bounded.
Each figure of the app is printed next to the bare app's and as a ratio, since this machine's absolute times move
from run to run. A server's start (process start to healthy) is printed too, so that work moved to start-up shows.
Each copy of the app gets a database of its own, brought up to date before its server starts (a restart on an
existing database, the usual case; a first start would also create the tables). --gc runs the app once per
garbage-collection policy (see .streamlit/config.toml); --app-dir runs other copies of the app (older versions, say)
in the same run, against the same bare figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import ROOT, running_app
from tests.fake_anthropic import FakeAnthropic

BARE = ROOT / "bench" / "bare_app"
EXAMPLE = "B2B project-management SaaS"
DOCUMENT_BYTES = 20_000
TOKENS_PER_SECOND = 100
ENGINES = {"offline": "Offline draft (free, instant)", "claude": "Claude (AI, needs an API key)"}  # the radio's labels
# Garbage-collection policies to compare: Streamlit's full collection after every script run on or off, and, with it
# off, the objects of start-up (Streamlit's server and the app's modules) frozen with gc.freeze() before serving.
GC_POLICIES = {
    "on": ["--runner.postScriptGC", "true"],
    "off": ["--runner.postScriptGC", "false"],
    "freeze": ["--runner.postScriptGC", "false"],
    "config": [],  # whatever the app's .streamlit/config.toml decides
}
# `streamlit run`, after importing the app's modules and freezing every object that exists by then.
FROZEN_START = ("import gc, sys; sys.path.insert(0, '.'); import pages.shared, specchain.runs; gc.collect(); "
                "gc.freeze(); from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; main()")


@dataclass
class Server:
    name: str
    url: str
    pid: int
    start_s: float = 0.0  # process start to healthy

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_mb(self, field: str = "VmRSS", pid: int | None = None) -> float:
        for line in Path(f"/proc/{pid or self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise LookupError(field)

    def children_mb(self) -> float:
        """The RSS of the server's child processes (the app's chart-image worker, once started)."""
        children = [int(c) for task in Path(f"/proc/{self.pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
        return sum(self.memory_mb(pid=child) for child in children)


AGENT_FLAGS = ["--server.enableAgentApi", "true", "--server.agentWaitTimeout", "600",
               "--server.agentMaxSessions", "2000", "--server.agentSessionTTL", "10"]


@contextmanager
def serve(name: str, folder: Path, flags: list[str] | None = None, env: dict[str, str] | None = None,
          frozen: bool = False) -> Iterator[Server]:
    """The app in folder started as its README says (`python deploy/serve.py`, which loads the app's modules before
    the server listens, where the copy has it; else `streamlit run app.py`), with the agent API on, on a free loopback
    port."""
    started = time.monotonic()
    launcher = ("-m", "streamlit")
    if frozen:
        launcher = ("-c", FROZEN_START)
    elif (folder / "deploy" / "serve.py").is_file():
        launcher = ("deploy/serve.py",)
    with running_app(env, cwd=folder, flags=[*AGENT_FLAGS, *(flags or [])], launcher=launcher) as app:
        yield Server(name, app.url, app.pid, time.monotonic() - started)


def prepared_database(folder: Path) -> dict[str, str]:
    """A SQLite file of this copy's own (in a temp folder), migrated to its head now, outside the timed start."""
    path = Path(tempfile.mkdtemp(prefix="bench-db-")) / "specchain.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"SPECCHAIN_DB_PATH": str(path)}
    subprocess.run([sys.executable, "-c", "from specchain.store import open_store; open_store().engine.dispose()"],
                   cwd=folder, env=env, check=True, capture_output=True)
    return {"SPECCHAIN_DB_PATH": str(path)}


class Agent:
    """One simulated user: a session of the agent API."""

    def __init__(self, url: str) -> None:
        self.url = url + "/_stcore/agent/interact"
        self.session: str | None = None
        self.snapshot: dict[str, Any] = {}

    def call(self, **body: Any) -> dict[str, Any]:
        if self.session:
            body["session_id"] = self.session
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=900) as answer:
                self.snapshot = json.load(answer)
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{error.code}: {error.read()[:500]!r}") from None
        self.session = self.snapshot["session_id"]
        return self.snapshot

    def key(self, label: str) -> str:
        for action in self.snapshot.get("actions", []):
            if action.get("label") == label:
                return str(action["key"])
        raise LookupError(f"no {label!r} on page {self.snapshot.get('page')}")

    def shows(self, text: str) -> bool:
        return text in json.dumps(self.snapshot, ensure_ascii=False)

    def press(self, label: str, **widget_state: Any) -> None:
        self.call(trigger={"key": self.key(label)}, **({"widget_state": widget_state} if widget_state else {}))


def open_on_generate(url: str, fields: dict[str, str] | None = None) -> Agent:
    """A new user: open the app, start from an example (then type `fields`, label → text), Next, Next."""
    user = Agent(url)
    user.call()
    user.call(widget_state={user.key("Example brief"): EXAMPLE})
    user.press("Use this example")
    if fields:
        user.call(widget_state={user.key(label): text for label, text in fields.items()})
    user.press("Next: check the prompt")
    user.press("Next: generate the document")
    if user.snapshot["page"]["url_path"] != "generate":
        raise RuntimeError(f"not on Generate: {user.snapshot['page']}")
    return user


def generate(user: Agent, engine: str = "offline") -> None:
    """Press Generate on the Generate page and ask again until "Version 1 is ready" (a RuntimeError if not)."""
    user.press("Generate version 1", engine=ENGINES[engine])
    for _ in range(20):  # after the run the page redraws itself at the browser's request: ask, as a browser does
        if user.shows("Version 1 is ready"):
            return
        user.call()
    raise RuntimeError("the run did not finish: " + json.dumps(user.snapshot)[:2000])


def flow(url: str, engine: str = "offline") -> float:
    """Open the app, start from an example, Next, Next, Generate; until "Version 1 is ready". Seconds taken."""
    started = time.monotonic()
    generate(open_on_generate(url), engine)
    return time.monotonic() - started


def crowd(server: Server, users: int, engine: str = "offline") -> dict[str, float]:
    """users flows at once; per-user times, CPU per session, peak RSS."""
    times: list[float] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(users)

    def one() -> None:
        gate.wait()
        try:
            times.append(flow(server.url, engine))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(users)]
    cpu = server.cpu_s()
    wall = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - wall
    if errors:
        raise RuntimeError(f"{len(errors)} of {users} users failed on {server.name}: {errors[0]}")
    times.sort()
    return {"p50": statistics.median(times), "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "cpu": (server.cpu_s() - cpu) / users, "wall": wall, "peak": server.memory_mb("VmHWM"),
            "rss": server.memory_mb()}


def first_page(server: Server) -> dict[str, float]:
    """A fresh server's first page, a warm one, and the process's memory with one idle session."""
    started = time.monotonic()
    Agent(server.url).call()
    cold = time.monotonic() - started
    started = time.monotonic()
    Agent(server.url).call()
    warm = time.monotonic() - started
    rss = server.memory_mb()
    for _ in range(MORE_SESSIONS):  # what each further session costs (sessions expire 10 s after their last call)
        Agent(server.url).call()
    return {"cold": cold, "warm": warm, "rss": rss, "per_session": (server.memory_mb() - rss) / MORE_SESSIONS}


MORE_SESSIONS = 50


def soak(server: Server, seconds: float, concurrency: int) -> list[tuple[float, int, float]]:
    """Fresh sessions doing the offline flow in a loop for `seconds`; (time, flows done, RSS MB) every 15 s."""
    done = [0]
    stop = time.monotonic() + seconds
    errors: list[BaseException] = []

    def loop() -> None:
        while time.monotonic() < stop and not errors:
            try:
                flow(server.url)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            done[0] += 1

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    samples, started = [], time.monotonic()
    while time.monotonic() < stop:
        samples.append((time.monotonic() - started, done[0], server.memory_mb()))
        time.sleep(min(15.0, max(0.0, stop - time.monotonic())))  # the sampling interval
    for thread in threads:
        thread.join()
    samples.append((time.monotonic() - started, done[0], server.memory_mb()))
    if errors:
        raise RuntimeError(f"soak failed: {errors[0]}")
    return samples


# Click a sidebar link and time until the new page's title and its last element are drawn and painted (two animation
# frames after they appear), in the page's own clock: no polling from Python in the measured time.
SWITCH = """async ([link, title, last]) => {
  const main = document.querySelector('[data-testid=stMain]');
  const drawn = () => [...document.querySelectorAll('h1')].some(h => h.textContent.includes(title))
    && (last.startsWith('text=') ? main.innerText.includes(last.slice(5)) : main.querySelector(last) !== null)
    && document.querySelector('[data-testid=stApp][data-test-script-state=notRunning]') !== null;
  const started = performance.now();
  [...document.querySelectorAll('[data-testid=stSidebarNavLink]')].find(a => a.textContent.includes(link)).click();
  await new Promise(resolve => { const look = () => drawn() ? resolve() : setTimeout(look, 5); setTimeout(look, 30); });
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  return (performance.now() - started) / 1000;
}"""
# Every step's page, in the flow's order: (sidebar link, title, what is drawn last). The same for the bare app.
STEPS = [
    ("Prompt", "Check the prompt", "[data-testid=stCode]"),
    ("Generate", "Generate the document", "text=Clarification Requests or Feedback"),
    ("Document", "Your document", "text=Clarification Requests or Feedback"),
    ("Brief", "Describe your product", "textarea"),
]
SWITCHES = [f"{a} → {b[0]}" for a, b in zip(["Brief", *[s[0] for s in STEPS]], STEPS, strict=False)]


SLOWDOWN = 1.0  # --cpu-slowdown
REPEAT = 5  # --repeat


def browser_times(fresh_servers: dict[str, Any]) -> dict[str, dict[str, float]]:
    """In headless Chromium, each app on a server of its own: the first page of the fresh server (navigation start
    to the first run finished); then, after an example was used and version 1 generated offline, every step's switch
    through the sidebar (Brief → Prompt → Generate → Document → Brief): the first visit, then the median of REPEAT
    more rounds. The apps take turns switch by switch, so that the machine's other work weighs on them alike."""
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import VIEWPORT, launch_chromium, open_app

    with ExitStack() as stack:
        playwright = stack.enter_context(sync_playwright())
        browser = launch_chromium(playwright)
        pages, figures, servers = {}, {}, {}
        for name, fresh_server in fresh_servers.items():  # one at a time: each first page on an idle machine
            server = servers[name] = stack.enter_context(fresh_server)
            page = pages[name] = browser.new_context(viewport=VIEWPORT).new_page()
            started = time.monotonic()
            open_app(page, server.url)
            figures[name] = {"first": time.monotonic() - started}
            idle = page.locator("[data-testid=stApp][data-test-script-state=notRunning]")
            page.get_by_role("combobox", name="Example brief").click()
            page.get_by_role("option", name=EXAMPLE).click()
            page.get_by_role("button", name="Use this example").click()
            expect(idle).to_be_attached()
            page.get_by_test_id("stSidebarNavLink").filter(has_text="Generate").click()
            page.get_by_text(ENGINES["offline"]).click()  # the offline draft: the same document in both apps
            expect(idle).to_be_attached()
            page.get_by_role("button", name="Generate version 1").click()
            expect(page.get_by_text("Version 1 is ready")).to_be_visible(timeout=60_000)
            expect(idle).to_be_attached()
            page.evaluate(SWITCH, STEPS[-1])  # back to the Brief page: the rounds start there
        cdps = {}
        for name, page in pages.items():
            cdp = cdps[name] = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})  # a workshop laptop is slower than this
        switches = {name: {switch: [] for switch in SWITCHES} for name in pages}
        busy = {name: {switch: [] for switch in SWITCHES} for name in pages}
        for _ in range(1 + REPEAT):  # the first round is each page's first visit (its JavaScript loads once)
            for switch, target in zip(SWITCHES, STEPS, strict=True):
                for name, page in pages.items():
                    before = busy_s(cdps[name])
                    switches[name][switch].append(page.evaluate(SWITCH, list(target)))
                    page.wait_for_timeout(1000)  # the main thread's work that follows the paint is counted too
                    busy[name][switch].append(busy_s(cdps[name]) - before)
        browser.close()
        time.sleep(10)  # the chart images the Document page asked for are drawn in the background
        for name, server in servers.items():
            figures[name] |= {"rss_after": server.memory_mb(), "children_after": server.children_mb()}
            figures[name] |= {f"{switch} first": times[0] for switch, times in switches[name].items()}
            figures[name] |= {f"{switch} first busy": times[0] for switch, times in busy[name].items()}
            figures[name] |= {switch: statistics.median(times[1:]) for switch, times in switches[name].items()}
            figures[name] |= {f"{switch} busy": statistics.median(times[1:]) for switch, times in busy[name].items()}
    return figures


def busy_s(cdp: Any) -> float:
    """The page's main thread busy time so far (Chrome's TaskDuration)."""
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "TaskDuration")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="*", default=[1, 10, 50])
    parser.add_argument("--claude-users", type=int, nargs="*", default=[])
    parser.add_argument("--soak", type=float, default=0, help="seconds of the soak loop (0: none)")
    parser.add_argument("--soak-users", type=int, default=10)
    parser.add_argument("--gc", nargs="+", default=["config"], choices=list(GC_POLICIES))
    parser.add_argument("--chromium", action="store_true", help="also time the first page and Brief → Prompt in Chromium")
    parser.add_argument("--cpu-slowdown", type=float, default=1.0,
                        help="Chromium's CPU throttling for the page switches (4: a laptop four times slower)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of page switches in Chromium (median)")
    parser.add_argument("--app-dir", nargs="+", default=[str(ROOT)],
                        help="the app's folder (default: this checkout); several compare versions in one run; "
                        "FOLDER@POLICY runs that folder with that --gc policy only")
    args = parser.parse_args()
    global SLOWDOWN, REPEAT
    SLOWDOWN, REPEAT = args.cpu_slowdown, args.repeat

    fake = FakeAnthropic(chunk_chars=16, delay_s=16 / 4 / TOKENS_PER_SECOND, document_bytes=DOCUMENT_BYTES).start()
    claude_env = {"ANTHROPIC_BASE_URL": fake.url, "ANTHROPIC_API_KEY": "bench-key"}
    try:
        with serve("bare", BARE) as bare:
            runs = [(Path(d.split("@")[0]), p) for d in args.app_dir
                    for p in ([d.split("@")[1]] if "@" in d else args.gc)]
            databases = [prepared_database(folder) for folder, _ in runs]

            def start(index: int) -> Any:
                (folder, policy), database = runs[index], databases[index]
                return serve("app", folder, GC_POLICIES[policy], claude_env | database, frozen=policy == "freeze")

            browser = browser_times({"bare": serve("bare", BARE)} | {str(i): start(i) for i in range(len(runs))}
                                    ) if args.chromium else {}
            bare_first = first_page(bare) | browser.get("bare", {}) | {"start": bare.start_s}
            bare_crowds = {users: crowd(bare, users) for users in args.users}
            for index, (folder, policy) in enumerate(runs):
                with start(index) as app:
                    print(f"\n== {folder} · garbage collection: {policy} ==", flush=True)
                    report(app, bare_first, bare_crowds, args, browser.get(str(index), {}))
    finally:
        fake.stop()


def report(app: Server, bare_first: dict[str, float], bare_crowds: dict[int, dict[str, float]],
           args: argparse.Namespace, app_browser: dict[str, float]) -> None:
    app_first = first_page(app) | app_browser | {"start": app.start_s}
    print(f"{'':34}{'app':>10}{'bare':>10}{'ratio':>9}")
    rows: list[tuple[str, str, str]] = [
        ("server start (to healthy)", "start", "s"), ("first page, fresh server", "cold", "s"),
        ("first page, warm", "warm", "s"), ("memory with one idle session", "rss", "MB"),
        (f"  each of {MORE_SESSIONS} more idle sessions", "per_session", "MB")]
    if args.chromium:
        rows += [("Chromium: first page, fresh server", "first", "s")]
        rows += [("memory after the Chromium flow", "rss_after", "MB"),
                 ("  + its child processes", "children_after", "MB")]
        for name in SWITCHES:
            rows += [(f"Chromium: {name}, first", f"{name} first", "s"), ("  browser main thread busy",
                      f"{name} first busy", "s"), (f"Chromium: {name}, again", name, "s"),
                     ("  browser main thread busy", f"{name} busy", "s")]
    for label, key, unit in rows:
        print(f"{label:34}{app_first[key]:>9.2f}{unit[0]}{bare_first[key]:>9.2f}{unit[0]}"
              f"{ratio(app_first[key], bare_first[key]):>9}")
    print("\noffline flow (example, Next, Next, Generate) · app / bare / ratio")
    print(f"{'users':>6}{'p50 s':>22}{'p95 s':>22}{'CPU s per session':>26}{'peak RSS MB':>24}")
    for users in args.users:
        a, b = crowd(app, users), bare_crowds[users]
        cells = "".join(f"{a[k]:>8.2f}{b[k]:>7.2f}{ratio(a[k], b[k]):>7}" for k in ("p50", "p95", "cpu"))
        print(f"{users:>6}{cells}{a['peak']:>9.0f}{b['peak']:>7.0f}{ratio(a['peak'], b['peak']):>8}", flush=True)
    for users in args.claude_users:
        c = crowd(app, users, engine="claude")
        print(f"\nClaude flow, {users} users at once, {DOCUMENT_BYTES // 1000} KB at {TOKENS_PER_SECOND} tokens/s from "
              f"the stand-in: p50 {c['p50']:.1f} s, p95 {c['p95']:.1f} s, app CPU {c['cpu']:.2f} s per session, "
              f"{100 * c['cpu'] * users / c['wall']:.0f}% of one core, peak RSS {c['peak']:.0f} MB", flush=True)
    if args.soak:
        print(f"\nsoak: {args.soak_users} users looping the offline flow in fresh sessions for {args.soak:.0f} s "
              "(idle sessions expire after 10 s)")
        print(f"{'t s':>6}{'flows':>8}{'RSS MB':>9}")
        for t, flows, rss in soak(app, args.soak, args.soak_users):
            print(f"{t:>6.0f}{flows:>8}{rss:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
