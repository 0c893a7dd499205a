"""Where the app's time goes in one of bench/room.py's figures: py-spy samples the app process while it is driven.

Run: python bench/room_profile.py first-page|switches|offline-room|claude [--users 50] [--top 30] [--bare]

Starts a fresh app server (or the bare app, --bare) with the agent API on, attaches `py-spy record` (pip install
py-spy; root, or ptrace allowed) to it, drives it, and prints the functions that were on the stack in the most
samples (inclusive), the app's own code and the libraries apart, and the frames that were running (self):
- first-page: a fresh server's first page (one agent session), what "first page, fresh server" measures;
- switches: after an offline version exists, the pages switched in turn, 5 rounds (Document, Brief, Prompt,
  Generate), the server's half of every step's page switch;
- offline-room: --users people doing the offline flow at once;
- claude: --users people (1 by default here) generating with Claude through the stand-in (bench/room_standin.py,
  20 KB at 100 tokens/s), sampled from the Generate press to "Version 1 is ready", after one warm-up run (the SDK's
  import is not counted): the app's CPU per streamed document.
Samples are taken 250 times a second, only while a thread runs (py-spy's default: idle threads are not sampled).
"""

from __future__ import annotations

import argparse
import collections
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.agent_sessions import BARE, Agent, flow, generate, open_on_generate, serve
from bench.room import LIMIT_ENV, WIDE_OPEN, stand_in
from specchain.store import open_store
from tests.browser import ROOT

PAGES = ["document", "", "prompt", "generate"]  # url paths: the first page (Brief) is ""


def drive(action: str, url: str, users: int) -> None:
    if action == "first-page":
        Agent(url).call()
    elif action == "switches":
        user = open_on_generate(url)
        generate(user)
        for _ in range(5):
            for page in PAGES:
                user.call(page=page)
    elif action == "claude":
        users = [open_on_generate(url) for _ in range(max(1, users))]
        threads = [threading.Thread(target=generate, args=(user, "claude")) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elif action == "offline-room":
        threads = [threading.Thread(target=flow, args=(url,)) for _ in range(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def report(raw: Path, top: int) -> None:
    """py-spy's raw (collapsed) stacks: 'frame;frame;… count' per line, the outermost frame first."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [f.split(" (")[0] + " (" + f.split(" (", 1)[1].split(":")[0].replace(str(ROOT) + "/", "")
                  if " (" in f else f for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    print(f"{total} samples of running threads ({total / 250:.1f} s of CPU-side time)")

    def show(title: str, counter: collections.Counter[str], keep: object) -> None:
        print(f"\n{title}")
        rows = [(frame, n) for frame, n in counter.most_common() if keep(frame)][:top]  # type: ignore[operator]
        for frame, n in rows:
            print(f"{100 * n / max(1, total):6.1f}%  {frame}")

    ours = ("app.py", "pages/", "specchain/")
    show("the app's own code (inclusive)", inclusive, lambda f: any(f"({p}" in f for p in ours))
    show("everything (inclusive)", inclusive, lambda f: "threading.py" not in f and "<module>" not in f)
    show("imports (inclusive: a module's top level, with what it imports)", inclusive, lambda f: "<module>" in f)
    show("running (self)", own, lambda f: True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["first-page", "switches", "offline-room", "claude"])
    parser.add_argument("--users", type=int, help="people at once (offline-room: 50, claude: 1)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--bare", action="store_true", help="profile the bare Streamlit app instead")
    args = parser.parse_args()
    args.users = args.users or (1 if args.action == "claude" else 50)
    raw = Path(tempfile.mkdtemp(prefix="room-profile-")) / "stacks.txt"
    with tempfile.TemporaryDirectory() as data:
        open_store(f"sqlite:///{data}/profile.sqlite3").close()  # made in advance, as on a server restarted
        env = {"SPECCHAIN_DB_PATH": f"{data}/profile.sqlite3"}
        if args.action != "claude":
            profile(args, raw, env)
        else:
            with stand_in(Path(data)) as claude:
                env |= {"ANTHROPIC_BASE_URL": claude.url, "ANTHROPIC_API_KEY": "bench-key"}
                env |= {name: str(value) for name, value in zip(LIMIT_ENV.values(), WIDE_OPEN.values(), strict=True)}
                profile(args, raw, env, warm_up=True)
    report(raw, args.top)
    print(f"\nstacks: {raw} (speedscope or flamegraph.pl read it)")


def profile(args: argparse.Namespace, raw: Path, env: dict[str, str], warm_up: bool = False) -> None:
    with serve("bare" if args.bare else "app", BARE if args.bare else ROOT, env=env) as server:
        if warm_up:
            drive(args.action, server.url, 1)
        spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--rate", "250", "--format", "raw",
                                "--output", str(raw), "--nonblocking"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        time.sleep(1.5)  # py-spy attaches and starts sampling
        started = time.monotonic()
        drive(args.action, server.url, args.users)
        print(f"{args.action}: {time.monotonic() - started:.2f} s")
        spy.send_signal(signal.SIGINT)
        _, errors = spy.communicate(timeout=60)
        if not raw.exists():
            raise RuntimeError(f"py-spy wrote nothing: {errors.decode()[-2000:]}")


if __name__ == "__main__":
    main()
