"""Store latency and concurrency on SQLite and PostgreSQL. Run: python bench/store.py [--quick]

For each engine (SQLite: a file in a temporary folder, WAL; PostgreSQL: a throw-away server with its default,
durable settings, started by tests/postgres.py):
- the operations a page does: load a workspace with 20 versions, save a field, append a checkpoint (the whole
  visible text, 20 KB and 60 KB), median and p95;
- 50 worker threads checkpointing at once (each growing its text to 60 KB, as a run does): throughput, p95 and
  errors, against the demand of 50 runs checkpointing every 2 s.
Baselines measured in the same run: the same operation on an in-memory dict (what a tab's session state costs), and a
rerun of the app's first page with Streamlit's AppTest (what a page rerun costs before the store), measured just
before each engine's figures: the ratios estimate a rerun that also loads the workspace (every rerun) and one that
also saves a field (a rerun after an edit). The lead's wired-in pages are the real test of that target.
"""

from __future__ import annotations

import argparse
import copy
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from specchain.store import Store, open_store
from tests.postgres import PostgresServer
from tests.store_fixtures import STEP, make_record, make_request

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = 20
DOCUMENT = ("## A section of the document\n\n" + "Words of a model-written paragraph. " * 30 + "\n\n") * 35  # ~40 KB
THREADS = 50


def timings_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def page_app():  # an AppTest, or None when the app cannot run here
    """The app's first page under Streamlit's AppTest (no browser), as it is before the store is wired in."""
    try:
        from streamlit.testing.v1 import AppTest

        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        app.run()
        return app
    except Exception as error:  # noqa: BLE001 - a baseline, not the subject: say why it's missing
        print(f"(page rerun baseline unavailable: {error})")
        return None


def rerun_ms(app, runs: int) -> float:
    """Median time of a rerun of the app's first page, measured just before an engine's figures (same conditions)."""
    return timings_ms(app.run, runs)[0]


def dict_baselines(runs: int) -> dict[str, float]:
    """The same operations on a dict, as session state holds the work today."""
    state = {"values": {"app_name": "Acme"}, "versions": [make_record(DOCUMENT) for _ in range(VERSIONS)], "run": ""}
    text20, text60 = "x" * 20_000, "x" * 60_000
    return {
        "load": timings_ms(lambda: copy.copy(state), runs)[0],
        "save": timings_ms(lambda: state["values"].update(expected_load="2,000 users"), runs)[0],
        "cp20": timings_ms(lambda: state.__setitem__("run", text20), runs)[0],
        "cp60": timings_ms(lambda: state.__setitem__("run", text60), runs)[0],
    }


def latency(store: Store, runs: int) -> dict[str, tuple[float, float]]:
    token = store.create_workspace(STEP, values={"app_name": "Acme", "expected_load": "2,000 users at 9 am"})
    for _ in range(VERSIONS):
        store.add_version(token, make_record(DOCUMENT))
    run = store.start_run(token, make_request())
    text20, text60 = DOCUMENT[:20_000], (DOCUMENT * 2)[:60_000]
    values = {"app_name": "Acme", "expected_load": "2,000 users at 9 am, " * 40}
    return {
        "load": timings_ms(lambda: store.load_workspace(token), runs),
        "save": timings_ms(lambda: store.save_brief(token, values), runs),
        "cp20": timings_ms(lambda: store.checkpoint(run.run_id, text20, "writing"), runs),
        "cp60": timings_ms(lambda: store.checkpoint(run.run_id, text60, "writing"), runs),
        "version": timings_ms(lambda: store.get_version(token, VERSIONS), runs),
    }


def concurrent(store: Store, per_thread: int) -> tuple[float, float, float, int]:
    """(checkpoints/s, MB/s, p95 ms, errors) for THREADS workers checkpointing as fast as they can."""
    tokens = [store.create_workspace(STEP) for _ in range(THREADS)]
    runs = [store.start_run(token, make_request()) for token in tokens]
    barrier = threading.Barrier(THREADS + 1)
    latencies: list[float] = []
    errors: list[BaseException] = []
    written = [0]
    lock = threading.Lock()

    def work(i: int) -> None:
        barrier.wait()
        for n in range(1, per_thread + 1):
            text = (DOCUMENT * 2)[: 60_000 * n // per_thread]  # grows to 60 KB, as a run's text does
            start = time.perf_counter()
            try:
                store.checkpoint(runs[i].run_id, text, "writing")
            except BaseException as error:  # noqa: BLE001 - counted
                with lock:
                    errors.append(error)
                continue
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)
                written[0] += len(text)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    if errors:
        print(f"  first error: {errors[0]!r}")
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else float("nan")
    return len(latencies) / elapsed, written[0] / elapsed / 1e6, p95, len(errors)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # AppTest turns on INFO logging; migrations are noise here
    runs, per_thread = (30, 10) if args.quick else (200, 40)

    app = page_app()
    base = dict_baselines(runs)
    results: dict[str, tuple] = {}

    def measure(store: Store) -> tuple:
        rerun = rerun_ms(app, 15 if args.quick else 40) if app is not None else None
        return latency(store, runs), concurrent(store, per_thread), rerun

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/bench.sqlite3")
        results["SQLite (WAL, file)"] = measure(store)
        store.close()
    with PostgresServer.start(durable=True) as server:
        store = open_store(server.create_database("bench"))
        results[f"PostgreSQL {server.psql('SHOW server_version').split()[0]} (local, fsync on)"] = measure(store)
        store.close()

    labels = {"load": f"load a workspace with {VERSIONS} versions", "save": "save a field (the brief)",
              "cp20": "append a checkpoint, 20 KB text", "cp60": "append a checkpoint, 60 KB text",
              "version": "open one version (40 KB document)"}
    print(f"\nStore latency, median / p95 ms ({runs} runs each); × = ratio to the same operation on an in-memory dict")
    for engine, (lat, (rate, mbps, p95, errors), rerun) in results.items():
        print(f"\n{engine}")
        for key, label in labels.items():
            median, p95_op = lat[key]
            ratio = f"  × {median / base[key]:,.0f} vs dict ({base[key] * 1000:.2f} µs)" if key in base else ""
            print(f"  {label:<40} {median:7.2f} / {p95_op:7.2f}{ratio}")
        if rerun is not None:
            load, save = lat["load"][0], lat["save"][0]
            print(f"  a page rerun (AppTest, first page, before the store: {rerun:.1f} ms) that also loads the "
                  f"workspace: {(rerun + load) / rerun:.2f}×; that also saves a field: {(rerun + load + save) / rerun:.2f}× "
                  "(target ≤ 1.2×)")
        demand = THREADS / 2.0  # 50 runs, one checkpoint every 2 s each
        print(f"  {THREADS} threads checkpointing at once (text growing to 60 KB): {rate:,.0f} checkpoints/s "
              f"({mbps:.1f} MB/s), p95 {p95:.1f} ms, errors {errors}; "
              f"{rate / demand:.0f}× the {demand:.0f}/s that 50 runs need")


if __name__ == "__main__":
    main()
