"""A page rerun with the store, against the same rerun before the store. Run: python bench/page_rerun.py [--reruns N]

The design before the store (the commit before this work, checked out into a temporary git worktree) and today's,
each in its own process with Streamlit's AppTest, the same steps: pick an example, then N reruns of typing into the
product name (each one saved to the store today), and N reruns of the Document page with one offline version (each
one reading the saved work). Today's runs on SQLite (a temporary file) and on PostgreSQL (a throw-away server from
tests/postgres.py, when Debian's postgresql is installed). Medians and ratios against the baseline of the same run.
AppTest reruns only the page, not app.py (its pages-directory quirk: see README), for both designs alike.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "bfbe9b0"  # the last commit before the store

PROBE = r"""
import json, statistics, sys, time
root = sys.argv[1]; reruns = int(sys.argv[2])
sys.path.insert(0, root)
from streamlit.testing.v1 import AppTest

def button(at, label):
    return next(b for b in at.button if b.label == label)

at = AppTest.from_file(root + "/app.py", default_timeout=120)
at.run()
at.selectbox[0].select("B2B project-management SaaS").run()
button(at, "Use this example").click().run()
typing = []
for i in range(reruns + 3):
    started = time.perf_counter()
    at.text_input(key="field_app_name").input(f"TaskFlow {i}").run()
    typing.append(time.perf_counter() - started)
at.switch_page("pages/generate.py").run()
button(at, "Generate version 1").click().run()
at.switch_page("pages/document.py").run()
document = []
for _ in range(reruns + 3):
    started = time.perf_counter()
    at.run()
    document.append(time.perf_counter() - started)
assert not at.exception, at.exception
print(json.dumps({"typing": statistics.median(typing[3:]), "document": statistics.median(document[3:])}))
"""


def measure(root: Path, reruns: int, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(root), str(reruns)], cwd=root, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=1200, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def worktree(commit: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="specchain-before-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False,
                       capture_output=True)


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    sys.path.insert(0, str(ROOT))
    from tests.postgres import PostgresServer, find_bin_dir

    if find_bin_dir() is None:
        yield None
        return
    with PostgresServer.start() as server:
        yield server.create_database("bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reruns", type=int, default=30)
    args = parser.parse_args()
    sqlite = {"SPECCHAIN_DB_PATH": str(Path(tempfile.mkdtemp()) / "bench.sqlite3"), "DATABASE_URL": ""}
    with worktree(BEFORE) as before_root, postgres() as pg_url:
        rows = [("before the store (session memory)", measure(before_root, args.reruns, {}))]
        rows.append(("with the store, SQLite", measure(ROOT, args.reruns, sqlite)))
        if pg_url:
            rows.append(("with the store, PostgreSQL", measure(ROOT, args.reruns, {"DATABASE_URL": pg_url})))
        rows.append(("before the store, again", measure(before_root, args.reruns, {})))
    baseline = {k: statistics.mean([rows[0][1][k], rows[-1][1][k]]) for k in ("typing", "document")}
    print(f"median of {args.reruns} reruns each (AppTest, this machine, same run)\n")
    print(f"{'design':40} {'type a field (saved)':>22} {'ratio':>6} {'Document page rerun':>21} {'ratio':>6}")
    for name, figures in rows:
        print(f"{name:40} {figures['typing'] * 1000:19.1f} ms {figures['typing'] / baseline['typing']:6.2f}"
              f" {figures['document'] * 1000:18.1f} ms {figures['document'] / baseline['document']:6.2f}")


if __name__ == "__main__":
    main()
