"""A room of fifty pressing Generate (issue 11's benchmark): the app against a bare Streamlit app, in one run.

Run: python bench/room.py [--users 50] [--fresh 3] [--repeat 3] [--skip chromium offline claude queue deploy]
                          [--rpm 50 --input-tpm 30000 --output-tpm 90000 --app-limits --max-in-flight N]
                          [--spacing 1.0 --budget 180 --fifo-tolerance 0.25] [--tokens-per-second 100] [--keep]

Simulated people are sessions of Streamlit's agent API (bench/agent_sessions.py's Agent: the real app, its real
pages and buttons, no browsers); the page switches and the first paint are measured in headless Chromium. Claude is
the Messages API stand-in (tests/fake_anthropic.py, in a process of its own: bench/room_standin.py), writing a 20 KB
document at 100 tokens/s and logging the order requests reach it. Every ratio is against a figure of the same run:
the bare Streamlit app of the same shape (bench/bare_app) or one user alone. Each app server gets a database of its
own, made before it starts. Sections:

- chromium: a fresh server of each (--fresh times, alternating), fresh browser: the first page (navigation to its
  first run finished and painted) and the server's memory with that one idle browser session; then every step's
  page switch (Generate → Document → Brief → Prompt → Generate, once an offline version exists; click to the new
  page drawn and painted, median of --repeat rounds per server) and the browser's main-thread busy time per switch.
- offline: a fresh server of each; the first page through the agent API, the memory after it, and --users people
  doing the whole offline flow at once: flow time, the app's CPU per session, peak RSS, and how much of a core each
  app process used (/proc/<pid>/stat; every core of the machine, whoever used it, beside it).
- claude: no limit binds (the stand-in enforces none, the app's gate is set wide open): one user alone, then --users
  pressing Generate at the same moment, then one alone again (warm): each one's generation time (press → "Version 1
  is ready"), the app's CPU per streamed 20 KB document.
- queue: the stand-in enforces a small organisation's per-minute limits (--rpm, --input-tpm, --output-tpm, max_tokens
  counted when a request starts; the app's gate learns them from its rate-limit headers unless --app-limits);
  person n arrives at (n - 1) × --spacing s, fills their own brief and presses Generate; the room runs until
  --budget s after the last arrival. Each person ends with a document, still waiting with a clear place (their run's
  state and status line, read from the store every second), or failed. FIFO: the order of pressing against the
  order the requests reached the stand-in, and where the order changed (the app's join to the queue, the gate's
  admission, the way to the stand-in), from the queue's tickets in the store. Wait: press → request at the
  stand-in, p50 / p95 (people still waiting at the end count with the time they had waited: a lower bound).
- deploy: the offline and queue rooms again with one app process per core behind nginx (deploy/launch.py's
  Cluster), sharing a PostgreSQL started here; every process's CPU and peak RSS.

The table at the end has one row per figure: the app, the baseline, the ratio, the target, and whether it is met.
This machine is shared and noisy: the load average is printed beside every section. bench/room_profile.py shows where
the app's time goes in a figure (py-spy).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.agent_sessions import (
    AGENT_FLAGS,
    BARE,
    DOCUMENT_BYTES,
    ENGINES,
    EXAMPLE,
    SWITCH,
    TOKENS_PER_SECOND,
    Agent,
    Server,
    busy_s,
    crowd,
    first_page,
    open_on_generate,
    serve,
)
from tests.browser import ROOT, VIEWPORT, free_port

CORES = os.cpu_count() or 1
RATE = [TOKENS_PER_SECOND]  # --tokens-per-second: how fast the stand-in writes
CLOCK = os.sysconf("SC_CLK_TCK")
NAME_LABEL = "Product name (required)"  # the Brief page's field each simulated person types their own name into
NAME = "Room user {:02d}"
NAME_NUMBER = re.compile(r"Room user (\d+)")
# The page switches, in the order a person goes through the steps: (link, the new page's title, its last element).
STEPS = [("Document", "Your document", "h1"), ("Brief", "Describe your product", "textarea"),
         ("Prompt", "Check the prompt", "[data-testid=stCode]"), ("Generate", "Generate the document", "h1")]
# The app's fair queue reads its limits from these (see specchain's queue); "wide open" means no limit binds.
LIMIT_ENV = {"rpm": "SPECCHAIN_CLAUDE_RPM", "input_tpm": "SPECCHAIN_CLAUDE_INPUT_TPM",
             "output_tpm": "SPECCHAIN_CLAUDE_OUTPUT_TPM", "max_in_flight": "SPECCHAIN_CLAUDE_MAX_IN_FLIGHT"}
WIDE_OPEN = {"rpm": 100_000, "input_tpm": 1_000_000_000, "output_tpm": 1_000_000_000, "max_in_flight": 10_000}


# ── Processes and their CPU, from /proc ──────────────────────────────────────────────────────────────────────────
def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK


def tree_cpu_s(pid: int) -> float:
    """CPU of a process and of its children, those still running and those that have ended (cutime, cstime): a
    PostgreSQL server's backends, nginx's workers."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(v) for v in fields[11:15]) / CLOCK
    return own + sum(tree_cpu_s(child) for child in children(pid))


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(v) for v in task.read_text().split()]
    return found


def proc_memory_mb(pid: int, field_name: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field_name)


def machine_busy() -> list[tuple[int, int]]:
    """(busy, total) clock ticks of every core so far, from /proc/stat."""
    cores = []
    for line in Path("/proc/stat").read_text().splitlines():
        if re.match(r"cpu\d+ ", line):
            ticks = [int(v) for v in line.split()[1:]]
            idle = ticks[3] + ticks[4]  # idle + iowait
            cores.append((sum(ticks) - idle, sum(ticks)))
    return cores


def load() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Fleet:
    """The app as people reach it: one URL, one or more app processes behind it (and nginx, if any)."""

    name: str
    url: str
    pids: list[int]
    others: dict[str, int] = field(default_factory=dict)  # e.g. {"nginx": its master}: shown, not counted as app

    def cpu_s(self) -> float:
        return sum(proc_cpu_s(pid) for pid in self.pids)

    def memory_mb(self, field_name: str = "VmRSS") -> float:  # crowd() reads the peak: the largest process's
        return max(proc_memory_mb(pid, field_name) for pid in self.pids)

    def peaks_mb(self) -> list[float]:
        return [proc_memory_mb(pid, "VmHWM") for pid in self.pids]


class CoreWatch:
    """How much of a core each process used between start() and stop(), and every core of the machine (all load)."""

    def __init__(self, fleet: Fleet) -> None:
        self.processes = {f"app {i + 1}": pid for i, pid in enumerate(fleet.pids)}
        self.processes |= fleet.others
        self.app = [f"app {i + 1}" for i in range(len(fleet.pids))]

    def start(self) -> CoreWatch:
        self._cpu = {name: self._read(pid) for name, pid in self.processes.items()}
        self._machine, self._wall = machine_busy(), time.monotonic()
        return self

    @staticmethod
    def _read(pid: int) -> float:
        return tree_cpu_s(pid)  # with its children: a pandoc the app started, PostgreSQL's backends

    def stop(self) -> CoreWatch:
        self.wall = time.monotonic() - self._wall
        self.share = {name: (self._read(pid) - self._cpu[name]) / self.wall for name, pid in self.processes.items()}
        after = machine_busy()
        self.machine = [(b1 - b0) / max(1, t1 - t0) for (b0, t0), (b1, t1) in zip(self._machine, after, strict=True)]
        return self

    @property
    def app_cores(self) -> float:
        return sum(self.share[name] for name in self.app)

    @property
    def all_cores(self) -> float:
        """The app's processes and what serves them (nginx, PostgreSQL)."""
        return sum(self.share.values())

    def text(self) -> str:
        each = " + ".join(f"{100 * self.share[n]:.0f}%" for n in self.app)
        others = "".join(f", {n} {100 * s:.0f}%" for n, s in self.share.items() if n not in self.app)
        cores = " / ".join(f"{100 * b:.0f}%" for b in self.machine)
        return f"app {each} of a core{others}; machine's cores busy {cores} (all load)"


# ── The stand-in, in a process of its own ────────────────────────────────────────────────────────────────────────
@dataclass
class StandIn:
    url: str
    pid: int
    log: Path

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


@contextmanager
def stand_in(folder: Path, limits: dict[str, int] | None = None) -> Iterator[StandIn]:
    port = free_port()
    log = folder / f"standin-{port}.jsonl"
    command = [sys.executable, "-m", "bench.room_standin", "--port", str(port), "--log", str(log),
               "--document-bytes", str(DOCUMENT_BYTES), "--chunk-chars", "16",
               "--delay", str(16 / 4 / RATE[0])]  # 4 tokens a delta
    command += [arg for name, value in (limits or {}).items() for arg in (f"--{name.replace('_', '-')}", str(value))]
    errors = (folder / f"standin-{port}.err").open("w")
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "listening" not in line:
            raise RuntimeError(f"the stand-in did not start: {line}{(folder / f'standin-{port}.err').read_text()}")
        yield StandIn(f"http://127.0.0.1:{port}", process.pid, log)
    finally:
        process.terminate()
        process.wait(10)
        errors.close()


# ── Agent sessions keep cookies, as a browser does (nginx's affinity cookie keeps a person on one process) ──────
class ThreadCookies(urllib.request.HTTPCookieProcessor):
    """One cookie jar per thread: each simulated person is a thread of its own."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    @property  # type: ignore[override]
    def cookiejar(self) -> CookieJar:
        if not hasattr(self._local, "jar"):
            self._local.jar = CookieJar()
        return self._local.jar

    @cookiejar.setter
    def cookiejar(self, _jar: CookieJar) -> None:  # set once by the base class; each thread makes its own
        pass


urllib.request.install_opener(urllib.request.build_opener(ThreadCookies()))


# ── Servers ──────────────────────────────────────────────────────────────────────────────────────────────────────
def app_env(folder: Path, claude: StandIn | None = None, limits: dict[str, int] | None = None,
            database_url: str | None = None) -> dict[str, str]:
    """The app's settings: a database of its own (its schema made now: a server restarted on an existing database
    does not migrate on its first page), Claude's address, the gate's limits."""
    from specchain.store import open_store

    env = {"SPECCHAIN_DB_PATH": str(folder / f"room-{time.monotonic_ns()}.sqlite3")}
    if database_url:
        env["DATABASE_URL"] = database_url
    open_store(database_url or f"sqlite:///{env['SPECCHAIN_DB_PATH']}").close()
    if claude:
        env |= {"ANTHROPIC_BASE_URL": claude.url, "ANTHROPIC_API_KEY": "bench-key"}
    for name, value in (limits or {}).items():
        env[LIMIT_ENV[name]] = str(value)
    return env


@contextmanager
def single(name: str, folder: Path, env: dict[str, str] | None = None) -> Iterator[Fleet]:
    """One `streamlit run` of the app (or of the bare app, for name "bare")."""
    with serve(name, BARE if name == "bare" else ROOT, env=env) as server:
        yield Fleet(name, server.url, [server.pid])


# ── Chromium: the first paint and every step's page switch ───────────────────────────────────────────────────────
def chromium(fresh: AbstractContextManager[Fleet], repeat: int) -> dict[str, Any]:
    """On a fresh server, in a fresh browser: the first page; then, with a version written offline, every step's
    page switch `repeat` times (seconds) and the browser's main-thread busy time after each (CDP TaskDuration)."""
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import launch_chromium, open_app

    idle = "[data-testid=stApp][data-test-script-state=notRunning]"
    with fresh as fleet, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport=VIEWPORT)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        server_cpu = fleet.cpu_s()
        started = time.monotonic()
        open_app(page, fleet.url)
        first = time.monotonic() - started
        # Where the first page's time went: the server's CPU, the browser's main thread, the scripts it fetched.
        server_cpu = fleet.cpu_s() - server_cpu
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        scripts = page.evaluate("() => performance.getEntriesByType('resource').filter(e => /[.]js$/.test(e.name))"
                                ".reduce((sum, e) => [sum[0] + 1, sum[1] + (e.encodedBodySize || 0)], [0, 0])")
        breakdown = {"server CPU": server_cpu, "browser busy": metrics.get("TaskDuration", 0.0),
                     "  of which script": metrics.get("ScriptDuration", 0.0), "scripts fetched": scripts[0],
                     "script KB": scripts[1] / 1000}
        page.wait_for_timeout(2000)  # idle: what the session holds once its first page is drawn
        idle_mb = sum(proc_memory_mb(pid) for pid in fleet.pids)
        page.get_by_role("combobox", name="Example brief").click()
        page.get_by_role("option", name=EXAMPLE).click()
        page.get_by_role("button", name="Use this example").click()
        expect(page.locator(idle)).to_be_attached()
        for link, title, last in STEPS[2:]:  # Brief → Prompt → Generate, untimed: the first visit of each
            page.evaluate(SWITCH, [link, title, last])
        page.get_by_text(ENGINES["offline"]).click()
        expect(page.locator(idle)).to_be_attached()
        page.get_by_role("button", name=re.compile(r"Generate version 1")).click()
        expect(page.get_by_text(re.compile(r"Version 1 is ready"))).to_be_visible(timeout=120_000)
        expect(page.locator(idle)).to_be_attached()
        switches: dict[str, list[float]] = {}
        busy: dict[str, list[float]] = {}
        here = "Generate"
        for _ in range(repeat):
            for link, title, last in STEPS:
                name = f"{here} → {link}"
                before = busy_s(cdp)
                switches.setdefault(name, []).append(page.evaluate(SWITCH, [link, title, last]))
                page.wait_for_timeout(1000)  # the browser's work after the paint, if any, is counted too
                busy.setdefault(name, []).append(busy_s(cdp) - before)
                here = link
        browser.close()
    return {"first": first, "idle_mb": idle_mb, "switches": switches, "busy": busy, "breakdown": breakdown}


def chromium_rounds(folder: Path, fresh: int, repeat: int) -> dict[str, dict[str, Any]]:
    """Alternating bare and app, each on `fresh` fresh servers: medians of the first paint and of every switch."""
    samples: dict[str, dict[str, Any]] = {"bare": {}, "app": {}}
    for _ in range(fresh):
        for name in ("bare", "app"):
            result = chromium(single(name, folder, app_env(folder)), repeat)
            into = samples[name]
            into.setdefault("first", []).append(result["first"])
            into.setdefault("idle_mb", []).append(result["idle_mb"])
            for key, value in result["breakdown"].items():
                into.setdefault("breakdown", {}).setdefault(key, []).append(value)
            for key in ("switches", "busy"):
                for switch, values in result[key].items():
                    into.setdefault(key, {}).setdefault(switch, []).extend(values)
    return {name: {"first": statistics.median(s["first"]), "firsts": s["first"],
                   "idle_mb": statistics.median(s["idle_mb"]), "idle_mbs": s["idle_mb"],
                   "breakdown": {k: statistics.median(v) for k, v in s["breakdown"].items()},
                   "switches": {k: statistics.median(v) for k, v in s["switches"].items()},
                   "busy": {k: statistics.median(v) for k, v in s["busy"].items()}}
            for name, s in samples.items()}


# ── A room of people pressing Generate ───────────────────────────────────────────────────────────────────────────
@dataclass
class Person:
    number: int
    pressed: float = 0.0  # time.time() when the Generate request left
    ended: float = 0.0
    outcome: str = "not started"  # document, cut off, failed, error, waiting (at the end of the budget)
    detail: str = ""


READY, NO_DOCUMENT = "Version 1 is ready", "No document was produced"
PLACE = re.compile(r"\d+ (people|person) ahead|You're next")  # a place in the queue, as the status line says it


def outcome_of(user: Agent) -> tuple[str, str]:
    if user.shows(READY):
        return "document", ""
    text = json.dumps(user.snapshot, ensure_ascii=False)
    if NO_DOCUMENT in text:
        reason = re.search(r"No document was produced\.\*\* ([^\"]{0,160})", text)
        return "failed", reason.group(1) if reason else ""
    if "cut off" in text or "unfinished" in text:
        return "cut off", ""
    return "unclear", text[:300]


def press_generate(user: Agent, person: Person) -> None:
    person.pressed = time.time()
    user.press("Generate version 1", engine=ENGINES["claude"])
    deadline = time.monotonic() + 900
    # An agent's call returns when the run ends, or after a while with the run's progress (its place in the queue):
    # ask again, as a person's page would keep following it, until the run has ended.
    while time.monotonic() < deadline and not (user.shows(READY) or user.shows(NO_DOCUMENT)):
        user.call()
    person.ended = time.time()
    person.outcome, person.detail = outcome_of(user)


@dataclass
class StoreWatch:
    """Every second, the store's active runs: whose (the app name in the run's request), state and status line."""

    database_url: str
    seen: dict[int, list[tuple[float, str, str]]] = field(default_factory=dict)  # person → (t, state, detail)
    errors: list[str] = field(default_factory=list)
    runs: dict[str, int] = field(default_factory=dict)  # run id → person
    # person → the fair queue's ticket: seq (the order the app joined it to the queue), enqueued_at, admitted_at
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> StoreWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        from sqlalchemy import create_engine, text

        from specchain.store.engine import database_url

        engine = create_engine(database_url(self.database_url))
        try:
            while not self._stop.wait(1.0):
                try:
                    with engine.connect() as connection:
                        rows = connection.execute(text("SELECT id, state, detail, request_json FROM active_runs")).all()
                        tickets = self._tickets(connection)
                except Exception as error:  # noqa: BLE001 - no table yet, a busy database: noted, tried again
                    self.errors.append(str(error)[:200])
                    continue
                now = time.time()
                for run_id, state, detail, request_json in rows:
                    number = NAME_NUMBER.search(request_json or "")
                    if number:
                        self.runs[run_id] = int(number.group(1))
                        history = self.seen.setdefault(int(number.group(1)), [])
                        if not history or history[-1][1:] != (state, detail):
                            history.append((now, state, detail))
                for seq, run_id, enqueued_at, admitted_at in tickets:
                    if run_id in self.runs:
                        ticket = self.tickets.setdefault(self.runs[run_id],
                                                         {"seq": seq, "enqueued_at": epoch(enqueued_at)})
                        if admitted_at and "admitted_at" not in ticket:
                            ticket["admitted_at"] = epoch(admitted_at)
        finally:
            engine.dispose()

    @staticmethod
    def _tickets(connection: Any) -> list[Any]:
        """The fair queue's tickets (specchain/store/queue.py), if this version of the app has them."""
        from sqlalchemy import inspect, text

        if not inspect(connection).has_table("queue_tickets"):
            return []
        return list(connection.execute(text("SELECT seq, run_id, enqueued_at, admitted_at FROM queue_tickets")).all())

    def last(self, number: int) -> tuple[str, str] | None:
        history = self.seen.get(number)
        return history[-1][1:] if history else None


def room(fleet: Fleet, users: int, spacing: float, budget: float,
         store_url: str | None = None) -> tuple[list[Person], CoreWatch, StoreWatch | None]:
    """`users` people, each filling a brief (their own product name), going to Generate and pressing it.

    spacing 0: all fill their brief first, then press Generate at the same moment. Otherwise person n arrives at
    (n - 1) × spacing seconds, fills the brief and presses (the order of pressing is what it turns out to be: each
    press's time is recorded). Returns when all have ended or `budget` seconds after the last arrival, whichever
    comes first; whoever is still waiting then is noted as "waiting", with the store's last word on their run."""
    people = [Person(i + 1) for i in range(users)]
    start_at = [0.0 if spacing == 0 else time.time() + 0.5]

    def set_start() -> None:
        start_at[0] = time.time() + 0.5

    gate = threading.Barrier(users, action=set_start) if spacing == 0 else None

    def one(person: Person) -> None:
        if gate is None:
            time.sleep(max(0.0, start_at[0] + (person.number - 1) * spacing - time.time()))
        try:
            user = open_on_generate(fleet.url, {NAME_LABEL: NAME.format(person.number)})
        except BaseException as error:  # noqa: BLE001 - reported in the outcome
            person.outcome, person.detail = "error", f"before Generate: {error}"[:300]
            if gate is not None:
                gate.wait()
            return
        if gate is not None:  # everyone is on the Generate page: press at the same moment
            gate.wait()
            time.sleep(max(0.0, start_at[0] - time.time()))
        try:
            press_generate(user, person)
        except BaseException as error:  # noqa: BLE001 - reported in the outcome
            if person.outcome == "not started":
                person.ended, person.outcome, person.detail = time.time(), "error", str(error)[:300]

    watch = StoreWatch(store_url).start() if store_url else None
    threads = [threading.Thread(target=one, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    while not start_at[0]:  # everyone is on the Generate page
        if not any(t.is_alive() for t in threads):
            break
        time.sleep(0.05)  # polling for the barrier's action, not a wait for an effect
    cores = CoreWatch(fleet)
    time.sleep(max(0.0, start_at[0] - time.time()))
    cores.start()
    deadline = start_at[0] + (users - 1) * spacing + budget
    for thread in threads:
        thread.join(max(0.0, deadline - time.time()))
    cores.stop()
    if watch:
        watch.stop()
    for person in people:  # frozen now: the server goes away after this, and their requests with it
        if person.outcome == "not started":
            person.outcome = "waiting" if person.pressed else "not started"
            last = watch.last(person.number) if watch else None
            person.detail = f"{last[0]}: {last[1]}" if last else "not in the store's active runs"
    return [Person(**vars(p)) for p in people], cores, watch


def epoch(value: Any) -> float:
    """A time read from the store with plain SQL (a datetime, or ISO text on SQLite), naive meaning UTC."""
    from datetime import UTC, datetime

    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def out_of_order(before: list[int], after: list[int]) -> int:
    """Pairs of people whose relative order differs between two orderings (of those in both)."""
    rank = {n: i for i, n in enumerate(after)}
    common = [n for n in before if n in rank]
    return sum(1 for i, a in enumerate(common) for b in common[i + 1:] if rank[a] > rank[b])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def generation_times(people: list[Person]) -> list[float]:
    return [p.ended - p.pressed for p in people if p.outcome == "document"]


def fifo(people: list[Person], events: list[dict[str, Any]], tolerance_s: float = 0.0) -> dict[str, Any]:
    """Press order against the order of each person's first request at the stand-in; waits, and the 429s.

    A pair is out of order when the one who pressed more than tolerance_s later had their request sent more than
    tolerance_s before the other's (two clicks or two admissions within a moment of each other race, in threads of
    their own), or when the later one's was sent and the earlier one's not at all."""
    first: dict[int, dict[str, Any]] = {}
    statuses: dict[int, int] = {}
    for event in events:
        if event["kind"] == "arrival":
            number = NAME_NUMBER.search(event.get("app_name", ""))
            if number and int(number.group(1)) not in first:
                first[int(number.group(1))] = event
        elif event["kind"] == "status":
            statuses[event["status"]] = statuses.get(event["status"], 0) + 1
    pressed = sorted((p for p in people if p.pressed), key=lambda p: p.pressed)
    arrived = [p for p in pressed if p.number in first]
    order = sorted(arrived, key=lambda p: first[p.number]["n"])
    inversions = sum(1 for i, a in enumerate(arrived) for b in arrived[i + 1:]
                     if first[a.number]["t"] - first[b.number]["t"] > tolerance_s
                     and b.pressed - a.pressed > tolerance_s)
    strict = sum(1 for i, a in enumerate(arrived) for b in arrived[i + 1:]
                 if first[a.number]["n"] > first[b.number]["n"])
    # Someone not yet at the stand-in while a later presser was: out of order too (each such pair once).
    skipped = sum(1 for i, a in enumerate(pressed) if a.number not in first
                  for b in pressed[i + 1:] if b.number in first)
    end = max((p.ended for p in people if p.ended), default=time.time())
    waits = [first[p.number]["t"] - p.pressed if p.number in first else end - p.pressed for p in pressed]
    return {"arrived": len(arrived), "pressed": len(pressed), "pairs": len(pressed) * (len(pressed) - 1) // 2,
            "inversions": inversions + skipped, "strict": strict + skipped, "order": [p.number for p in order],
            "waits": waits, "input_tokens": max((e.get("input_tokens", 0) for e in events), default=0),
            "censored": len(pressed) - len(arrived), "statuses": statuses}


# ── The table ────────────────────────────────────────────────────────────────────────────────────────────────────
@dataclass
class Row:
    figure: str
    app: str
    base: str = "–"
    ratio: str = "–"
    target: str = "–"
    met: str = ""


ROWS: list[Row] = []


def add(figure: str, app: float | str, base: float | str | None = None, *, unit: str = "s", limit: float | None = None,
        target: str = "", higher_ok: bool = False) -> None:
    """A row; with a numeric base and limit, the ratio app / base is checked against limit (≤, or ≥ if higher_ok)."""
    def cell(value: float | str | None) -> str:
        if value is None:
            return "–"
        return value if isinstance(value, str) else f"{value:,.2f} {unit}".strip()

    ratio = met = ""
    if isinstance(app, float | int) and isinstance(base, float | int) and base:
        ratio = f"{app / base:.2f}×"
        if limit is not None:
            met = "yes" if (app / base >= limit if higher_ok else app / base <= limit) else "NO"
    ROWS.append(Row(figure, cell(app), cell(base), ratio or "–", target or (f"≤ {limit}×" if limit else "–"), met))
    print(f"  {figure}: {cell(app)} (baseline {cell(base)}) {ratio} {met}", flush=True)


def checked(figure: str, app: str, base: str, target: str, ok: bool | None) -> None:
    ROWS.append(Row(figure, app, base, "–", target, "" if ok is None else ("yes" if ok else "NO")))
    print(f"  {figure}: {app} (baseline {base}) {'' if ok is None else ('met' if ok else 'NOT MET')}", flush=True)


def print_table() -> None:
    headers = ("figure", "app", "bare / baseline", "ratio", "target", "met?")
    cells = [headers, *[(r.figure, r.app, r.base, r.ratio, r.target, r.met) for r in ROWS]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(headers))]
    print("\n| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


# ── Sections ─────────────────────────────────────────────────────────────────────────────────────────────────────
def section(title: str) -> None:
    print(f"\n== {title} · {time.strftime('%H:%M:%S', time.gmtime())} UTC · {load()} ==", flush=True)


def chromium_section(folder: Path, args: argparse.Namespace) -> None:
    section(f"Chromium: first page on a fresh server, every step's page switch ({args.fresh} fresh servers each, "
            f"{args.repeat} rounds)")
    result = chromium_rounds(folder, args.fresh, args.repeat)
    app, bare = result["app"], result["bare"]
    print(f"  first pages: app {' '.join(f'{v:.2f}' for v in app['firsts'])} s, "
          f"bare {' '.join(f'{v:.2f}' for v in bare['firsts'])} s")
    add("Chromium: first page, fresh server", app["first"], bare["first"], limit=1.3)
    for key, value in app["breakdown"].items():
        add(f"  first page: {key}", value, bare["breakdown"][key], unit="" if "scripts" in key else
            "KB" if "KB" in key else "s")
    print(f"  memory with one idle browser session: app {' '.join(f'{v:.0f}' for v in app['idle_mbs'])} MB, "
          f"bare {' '.join(f'{v:.0f}' for v in bare['idle_mbs'])} MB")
    add("memory, one idle browser session (fresh server)", app["idle_mb"], bare["idle_mb"], unit="MB", limit=1.3)
    for switch in app["switches"]:
        add(f"Chromium: {switch}", app["switches"][switch], bare["switches"][switch], limit=1.5)
    for switch in app["busy"]:
        add(f"  browser busy after {switch}", app["busy"][switch], bare["busy"][switch])


def offline_section(folder: Path, args: argparse.Namespace, app_fleet: Callable[[], AbstractContextManager[Fleet]],
                    label: str, bare_figures: dict[str, Any] | None) -> dict[str, Any]:
    """First page and idle memory, then `users` doing the offline flow at once, on a fresh server of the app, and of
    the bare app unless its figures are given (measured earlier in the same run)."""
    figures: dict[str, Any] = {}
    for name in (["bare"] if bare_figures is None else []) + ["app"]:
        with app_fleet() if name == "app" else single("bare", folder, app_env(folder)) as fleet:
            first = first_page(Server(name, fleet.url, fleet.pids[0]))
            cores = CoreWatch(fleet).start()
            flows = crowd(fleet, args.users)  # type: ignore[arg-type]
            cores.stop()
            figures[name] = flows | first | {"cores": cores, "peaks": fleet.peaks_mb()}  # first's rss: idle
            print(f"  {name}{label}: {args.users} offline flows at once: p50 {flows['p50']:.1f} s, "
                  f"CPU {flows['cpu']:.2f} s/session; {cores.text()}", flush=True)
    bare = bare_figures or figures["bare"]
    app = figures["app"]
    if bare_figures is None:
        add("agent API: first page, fresh server", app["cold"], bare["cold"])
        add("agent API: first page, warm", app["warm"], bare["warm"])
        add("memory, first page: 2 idle agent sessions (fresh)", app["rss"], bare["rss"], unit="MB", limit=1.3)
    add(f"{args.users} offline flows at once{label}: each (p50)", app["p50"], bare["p50"])
    add(f"{args.users} offline flows at once{label}: each (p95)", app["p95"], bare["p95"])
    add(f"  app CPU per offline session{label}", app["cpu"], bare["cpu"])
    peaks = " / ".join(f"{p:.0f}" for p in app["peaks"])
    add(f"  peak RSS per process{label}", f"{peaks} MB", f"{max(bare['peaks']):.0f} MB")
    cores: CoreWatch = app["cores"]
    ok = cores.all_cores >= 0.75 * CORES
    checked(f"every core used ({args.users} offline flows{label})",
            f"{cores.all_cores:.2f} of {CORES} cores ({cores.text()})",
            f"bare {bare['cores'].app_cores:.2f}", f"≥ {0.75 * CORES:.1f} cores (75% of each)", ok)
    return bare


def claude_section(folder: Path, args: argparse.Namespace) -> None:
    section(f"Claude, no limit binding: 1 user, {args.users} at once, 1 again ({DOCUMENT_BYTES // 1000} KB at "
            f"{RATE[0]:g} tokens/s)")
    with stand_in(folder) as claude, single("app", folder, app_env(folder, claude, WIDE_OPEN)) as fleet:
        alone_cold, _, _ = room(fleet, 1, 0, 600)
        crowd_people, cores, _ = room(fleet, args.users, 0, 600)
        alone, cores_alone, _ = room(fleet, 1, 0, 600)
        peaks = fleet.peaks_mb()
        events = claude.events()
    for people, name in ((alone_cold, "1 user, first on a fresh server"), (crowd_people, f"{args.users} users"),
                         (alone, "1 user, warm")):
        counts = {o: sum(p.outcome == o for p in people) for o in {p.outcome for p in people}}
        print(f"  {name}: {counts}; times {' '.join(f'{t:.1f}' for t in sorted(generation_times(people))[:3])}…")
        for p in people:
            if p.outcome != "document":
                print(f"    user {p.number}: {p.outcome} {p.detail}")
    statuses = fifo(crowd_people, events)["statuses"]
    single_s = statistics.median(generation_times(alone) or [float("nan")])
    crowd_times = generation_times(crowd_people)
    failed = args.users - len(crowd_times)
    add(f"Claude, {args.users} at once, no limit: generation (p50)", statistics.median(crowd_times or [float("nan")]),
        single_s, limit=1.2, target="≤ 1.2× one user")
    add(f"Claude, {args.users} at once, no limit: generation (p95)", percentile(crowd_times, 0.95), single_s,
        limit=1.2, target="≤ 1.2× one user")
    add("  one user alone, first on a fresh server", statistics.median(generation_times(alone_cold) or [0.0]),
        single_s)
    checked(f"Claude, {args.users} at once, no limit: documents", f"{len(crowd_times)} of {args.users}", "–",
            "all, none failed", failed == 0)
    per_doc = cores.app_cores * cores.wall / args.users
    alone_doc = cores_alone.app_cores * cores_alone.wall
    add(f"app CPU per streamed {DOCUMENT_BYTES // 1000} KB document ({args.users} at once)", per_doc, 1.0, limit=1.0, target="≤ 1 s")
    add(f"app CPU per streamed {DOCUMENT_BYTES // 1000} KB document (one alone, warm)", alone_doc, 1.0, limit=1.0, target="≤ 1 s")
    checked(f"  cores during the {args.users} streams", cores.text(), "–", "–", None)
    checked("  peak RSS, app process", f"{max(peaks):.0f} MB", "–", "–", None)
    checked("  stand-in answers", json.dumps(statuses), "–", "–", None)


def queue_section(folder: Path, args: argparse.Namespace, fleet: Fleet, claude: StandIn, store_url: str,
                  label: str) -> None:
    people, cores, watch = room(fleet, args.users, args.spacing, args.budget, store_url)
    events = claude.events()
    peaks = fleet.peaks_mb()
    order = fifo(people, events, args.fifo_tolerance)
    counts = {o: sum(p.outcome == o for p in people) for o in {p.outcome for p in people}}
    waiting = [p for p in people if p.outcome == "waiting"]
    placed = [p for p in waiting if p.detail.startswith("queued") and PLACE.search(p.detail)]
    writing = [p for p in waiting if p.detail.startswith(("writing", "planning", "connecting"))]
    failed = [p for p in people if p.outcome not in ("document", "waiting")]
    print(f"  outcomes{label}: {counts}; stand-in answers {order['statuses']}; "
          f"a request's prompt ≈ {order['input_tokens']:,} input tokens")
    for p in failed[:10]:
        print(f"    user {p.number}: {p.outcome} {p.detail}")
    for p in waiting[:5]:
        print(f"    user {p.number} still waiting at the end: {p.detail}")
    details = sorted({d for history in (watch.seen.values() if watch else []) for _, _, d in history if d})
    print(f"  status lines seen in the store ({len(details)} distinct), e.g.: {details[:6]}")
    if watch and len(watch.errors) > 1:  # the first read may come before the app has made its tables
        print(f"  store reads that failed: {len(watch.errors)}, e.g. {watch.errors[0]}")
    print(f"  first arrivals at the stand-in, by person: {order['order']}")
    where = ""
    if watch and watch.tickets:
        by_press = [p.number for p in sorted((p for p in people if p.pressed), key=lambda p: p.pressed)]
        joined = sorted(watch.tickets, key=lambda n: watch.tickets[n]["seq"])
        admitted = sorted((n for n in watch.tickets if watch.tickets[n].get("admitted_at")),
                          key=lambda n: (watch.tickets[n]["admitted_at"], watch.tickets[n]["seq"]))
        where = (f"press → join the queue {out_of_order(by_press, joined)}, join → admitted "
                 f"{out_of_order(joined, admitted)}, admitted → at the stand-in {out_of_order(admitted, order['order'])}")
        print(f"  pairs out of order, step by step: {where} ({len(watch.tickets)} tickets seen)")
        print(f"  joined: {joined}")
        slow = sorted((watch.tickets[n]["enqueued_at"] - people[n - 1].pressed, n) for n in watch.tickets)
        if slow:
            print(f"  press → ticket in the queue: median {statistics.median(s for s, _ in slow):.1f} s, "
                  f"slowest {slow[-1][0]:.1f} s (person {slow[-1][1]})")
    documents = counts.get("document", 0)
    statuses = ", ".join(f"{n}× {code}" for code, n in sorted(order["statuses"].items()))
    record = folder / f"queue-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}.json"  # --keep: kept
    record.write_text(json.dumps({"people": [vars(p) for p in people], "order": order,
                                  "tickets": watch.tickets if watch else {},
                                  "seen": watch.seen if watch else {}}, indent=1, default=str))
    checked(f"queue{label}: outcomes after {args.budget:.0f} s",
            f"{documents} documents, {len(placed)} waiting with a place, {len(writing)} being written, "
            f"{len(failed)} failed; stand-in answered {statuses}", f"{args.users} pressed",
            "0 failed; every waiting one shown a place",
            not failed and len(placed) + len(writing) == len(waiting))
    checked(f"queue{label}: FIFO (press order vs arrival at the stand-in)",
            f"{order['inversions']} of {order['pairs']} pairs out of order (both > {args.fifo_tolerance:g} s) "
            f"({order['strict']} counting ties)", f"{order['arrived']} of {order['pressed']} sent", "0",
            order["inversions"] == 0)
    if where:
        checked(f"  queue{label}: where the order changed (pairs)", where, "–", "–", None)
    bound = " (≥: some still waiting)" if order["censored"] else ""
    checked(f"queue{label}: wait, press → request sent (p50 / p95)",
            f"{percentile(order['waits'], 0.5):.1f} / {percentile(order['waits'], 0.95):.1f} s{bound}", "–", "–", None)
    times = generation_times(people)
    if times:
        checked(f"queue{label}: press → document (p50 / p95)",
                f"{percentile(times, 0.5):.1f} / {percentile(times, 0.95):.1f} s", "–", "–", None)
    checked(f"queue{label}: app CPU per session, peak RSS per process",
            f"{cores.app_cores * cores.wall / args.users:.2f} s; {' / '.join(f'{p:.0f}' for p in peaks)} MB",
            "–", "–", None)
    checked(f"  cores during the queue{label}", cores.text(), "–", "–", None)


def org_limits(args: argparse.Namespace) -> dict[str, int]:
    """The organisation's per-minute limits, which the stand-in enforces."""
    return {"rpm": args.rpm, "input_tpm": args.input_tpm, "output_tpm": args.output_tpm}


def app_limits(args: argparse.Namespace) -> dict[str, int]:
    """What the app's gate is told (SPECCHAIN_CLAUDE_*): by default nothing, so that it learns the limits from the
    API's headers as a deployment whose operator set nothing does; --app-limits tells it the organisation's."""
    limits = org_limits(args) if args.app_limits else {}
    if args.max_in_flight:
        limits["max_in_flight"] = args.max_in_flight
    return limits


def single_queue(folder: Path, args: argparse.Namespace) -> None:
    section(f"queue, 1 process: {args.users} arrive {args.spacing:g} s apart, fill a brief, press Generate; the organisation's limits "
            f"{org_limits(args)}; the app's gate told {app_limits(args) or 'nothing'}")
    with stand_in(folder, org_limits(args)) as claude:
        env = app_env(folder, claude, app_limits(args))
        with single("app", folder, env) as fleet:
            queue_section(folder, args, fleet, claude, f"sqlite:///{env['SPECCHAIN_DB_PATH']}", " (1 process)")


# ── Several processes behind nginx (deploy/) ─────────────────────────────────────────────────────────────────────
@contextmanager
def deployed(folder: Path, processes: int, env: dict[str, str], postgres: int = 0) -> Iterator[Fleet]:
    """deploy/launch.py's Cluster: `processes` app processes with the agent API on, nginx in front, on free ports."""
    from deploy.launch import Cluster

    flags = [*AGENT_FLAGS, "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    run_dir = Path(tempfile.mkdtemp(prefix="deploy-", dir=folder))
    with Cluster(env.get("DATABASE_URL"), ports=[free_port() for _ in range(processes)], port=free_port(),
                 host="127.0.0.1", secret="room-benchmark-secret", run_dir=run_dir, env=env,
                 streamlit_flags=flags) as cluster:
        apps = [process.pid for process in cluster.processes]
        print(f"  deployed: {len(apps)} app processes and nginx at {cluster.url}", flush=True)
        yield Fleet(f"app ×{len(apps)}", cluster.url, apps,
                    {"nginx": cluster.nginx_pid or 0} | ({"postgres": postgres} if postgres else {}))


def deploy_section(folder: Path, args: argparse.Namespace, bare: dict[str, Any] | None) -> None:
    if not (ROOT / "deploy" / "launch.py").exists():
        print("\n== deploy: skipped: there is no deploy/launch.py (the launcher) in this checkout ==")
        ROWS.append(Row(f"one process per core behind nginx ({CORES})", "not run: no deploy/ yet", met="–"))
        return
    from tests.postgres import PostgresServer

    section(f"deploy: 1 process, then {CORES} behind nginx, on one PostgreSQL (fsync on)")
    with PostgresServer.start(durable=True) as postgres:
        postmaster = int((postgres.data_dir / "postmaster.pid").read_text().split()[0])

        @contextmanager
        def one_process() -> Iterator[Fleet]:
            with single("app", folder, app_env(folder, database_url=postgres.create_database("room_1"))) as fleet:
                fleet.others["postgres"] = postmaster
                yield fleet

        offline_section(folder, args, one_process, " (1 process, PostgreSQL)", bare)
        offline_section(folder, args, lambda: deployed(
            folder, CORES, app_env(folder, database_url=postgres.create_database("room_n")), postmaster),
            f" ({CORES} processes, nginx, PostgreSQL)", bare)
        if "queue" in args.skip:
            return
        queue_url = postgres.create_database("room_queue")
        with stand_in(folder, org_limits(args)) as claude:
            env = app_env(folder, claude, app_limits(args), queue_url)
            with deployed(folder, CORES, env, postmaster) as fleet:
                queue_section(folder, args, fleet, claude, queue_url, f" ({CORES} processes, nginx, PostgreSQL)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--fresh", type=int, default=3, help="fresh servers of each app for the Chromium figures")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of page switches per fresh server")
    parser.add_argument("--skip", nargs="*", default=[], choices=["chromium", "offline", "claude", "queue", "deploy"])
    parser.add_argument("--rpm", type=int, default=50, help="the organisation's requests per minute")
    parser.add_argument("--input-tpm", type=int, default=30_000, help="the organisation's input tokens per minute")
    parser.add_argument("--output-tpm", type=int, default=90_000,
                        help="the organisation's output tokens per minute (max_tokens counted when a request starts)")
    parser.add_argument("--app-limits", action="store_true", help="also tell the app's gate the organisation's "
                        "limits (default: it learns them from the stand-in's rate-limit headers)")
    parser.add_argument("--max-in-flight", type=int, default=0, help="the app's cap on requests in flight (0: unset)")
    parser.add_argument("--fifo-tolerance", type=float, default=0.25,
                        help="seconds within which two requests sent together count as a tie, not out of order")
    parser.add_argument("--spacing", type=float, default=1.0,
                        help="seconds between two people's arrival in the queue room (each fills a brief and presses)")
    parser.add_argument("--budget", type=float, default=180, help="seconds the queue runs after the last press")
    parser.add_argument("--tokens-per-second", type=float, default=TOKENS_PER_SECOND,
                        help="the stand-in's writing speed (the figures are for 100; faster: a quick check)")
    parser.add_argument("--keep", action="store_true", help="keep the folder of logs (the stand-in's, deploy's)")
    args = parser.parse_args()
    RATE[0] = args.tokens_per_second
    print(f"bench/room.py · {CORES} cores · started {time.strftime('%H:%M:%S', time.gmtime())} UTC · {load()}")
    bare: dict[str, Any] | None = None
    with contextlib.nullcontext(tempfile.mkdtemp(prefix="room-")) if args.keep \
            else tempfile.TemporaryDirectory(prefix="room-") as tmp:
        folder = Path(tmp)
        if args.keep:
            print(f"logs in {folder}")
        if "chromium" not in args.skip:
            chromium_section(folder, args)
        if "offline" not in args.skip:
            section(f"agent API: first page, idle memory, {args.users} offline flows at once (1 process)")
            bare = offline_section(folder, args, lambda: single("app", folder, app_env(folder)), " (1 process)", None)
        if "claude" not in args.skip:
            claude_section(folder, args)
        if "queue" not in args.skip:
            single_queue(folder, args)
        if "deploy" not in args.skip:
            deploy_section(folder, args, bare)
    print(f"\nfinished {time.strftime('%H:%M:%S', time.gmtime())} UTC · {load()}")
    print_table()


if __name__ == "__main__":
    main()
