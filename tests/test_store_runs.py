"""Runs in progress: one per workspace, checkpoints, Stop from anywhere, and recovery when the owner dies.

Every test runs on SQLite and on a real PostgreSQL server; "another process" is a second Store on the same
database, or a real process killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta

import pytest

from specchain.store import (
    RunGone,
    RunInProgress,
    Store,
    open_store,
    owner_is_dead,
    process_owner,
)
from specchain.store.base import now_utc
from tests.store_fixtures import STEP, make_record, make_request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_one_run_per_workspace_whichever_process_starts_it(store: Store, store_url: str) -> None:
    token = store.create_workspace(STEP)
    run = store.start_run(token, make_request(), owner="host-a:1:aa")
    assert run.version == 1
    other_process = open_store(store_url)
    try:
        with pytest.raises(RunInProgress) as busy:
            other_process.start_run(token, make_request(), owner="host-b:2:bb")
        assert "already being written" in busy.value.message and "Stop" in busy.value.message
        snapshot = other_process.active_run(token)
        assert snapshot is not None and snapshot.run_id == run.run_id and snapshot.owner == "host-a:1:aa"
        assert snapshot.request == make_request()
        assert other_process.request_stop(token) is True  # a tab served by another process presses Stop
    finally:
        other_process.close()
    assert store.checkpoint(run.run_id, "# Acme\n", "writing") is True
    assert store.stop_requested(run.run_id) is True
    assert store.finish_run(run.run_id, make_record("# Acme\n", stop_reason="stopped")) == 1
    second = store.start_run(token, make_request(answers=1))
    assert second.version == 2


def test_tabs_pressing_generate_at_the_same_moment_start_one_run(store: Store) -> None:
    token = store.create_workspace(STEP)
    started, refused, errors = [], [], []
    barrier = threading.Barrier(8)

    def press() -> None:
        try:
            barrier.wait()
            started.append(store.start_run(token, make_request()))
        except RunInProgress:
            refused.append(1)
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(started) == 1 and len(refused) == 7


def test_checkpoints_are_followed_from_another_tab(store: Store) -> None:
    token = store.create_workspace(STEP)
    run = store.start_run(token, make_request())
    state = store.load_workspace(token)
    assert state.active_run is not None and state.active_run.text is None  # the light view has no text
    assert state.active_run.state == "starting" and state.active_run.version == 1
    assert store.heartbeat(run.run_id, "planning", "Analysing your requirements…") is False
    snap = store.active_run(token)
    assert (snap.state, snap.detail, snap.text) == ("planning", "Analysing your requirements…", "")
    text = ""
    for i in range(5):
        text += f"## Section {i}\n\n" + "words " * 2000
        assert store.checkpoint(run.run_id, text, "writing", f"Writing {i + 1} of 17") is False
    snap = store.active_run(token)
    assert snap.text == text and snap.detail == "Writing 5 of 17" and snap.heartbeat_age_s < 60
    assert not snap.stop_requested


def test_finishing_files_the_version_and_ends_the_run_in_one_step(store: Store) -> None:
    token = store.create_workspace(STEP)
    run = store.start_run(token, make_request())
    store.checkpoint(run.run_id, "# Acme\n", "writing")
    assert store.finish_run(run.run_id, make_record("# Acme\n\nAll of it.\n")) == 1
    assert store.active_run(token) is None
    assert store.get_version(token, 1).document == "# Acme\n\nAll of it.\n"
    with pytest.raises(RunGone):
        store.checkpoint(run.run_id, "more", "writing")  # a worker that lost its run stops
    with pytest.raises(RunGone):
        store.finish_run(run.run_id, make_record())
    with pytest.raises(RunGone):
        store.heartbeat(run.run_id)
    with pytest.raises(RunGone):
        store.stop_requested(run.run_id)
    assert [r.version for r in store.list_versions(token)] == [1]


def test_a_run_that_wrote_nothing_is_no_version_but_its_outcome_is_kept(store: Store) -> None:
    token = store.create_workspace(STEP)
    run = store.start_run(token, make_request())
    failed = make_record("", stop_reason="error").model_copy(update={"error": "Your key was refused."})
    assert store.finish_run(run.run_id, failed) is None
    state = store.load_workspace(token)
    assert state.versions == () and state.active_run is None
    assert state.last_outcome is not None and state.last_outcome.error == "Your key was refused."
    run = store.start_run(token, make_request())
    assert run.version == 1  # no number was used up
    assert store.finish_run(run.run_id, make_record("# Acme\n")) == 1
    assert store.load_workspace(token).last_outcome is None


def test_a_version_edited_during_a_run_keeps_its_number(store: Store) -> None:
    token = store.create_workspace(STEP)
    store.add_version(token, make_record("# v1\n"))
    run = store.start_run(token, make_request())
    assert run.version == 2
    assert store.add_version(token, make_record("# v1, edited by you\n")) == 2
    assert store.finish_run(run.run_id, make_record("# v3\n")) == 3
    assert store.get_version(token, 3).version == 3


def test_runs_whose_owner_died_become_interrupted_versions(store: Store) -> None:
    with_text, without_text, alive = (store.create_workspace(STEP) for _ in range(3))
    dead = "host-x:123:dead"
    r1 = store.start_run(with_text, make_request(answers=1), owner=dead)
    store.checkpoint(r1.run_id, "# Acme\n\n## Executive Summary\nHalf a sen", "writing")
    store.start_run(without_text, make_request(), owner=dead)
    r3 = store.start_run(alive, make_request(), owner="host-x:456:alive")
    store.checkpoint(r3.run_id, "# Alive\n", "writing")

    recovered = store.recover_interrupted(is_dead=lambda owner: owner == dead)
    assert sorted(r.version for r in recovered if r.version) == [1] and len(recovered) == 2
    version = store.get_version(with_text, 1)
    assert version.stop_reason == "interrupted" and version.document.endswith("Half a sen")
    assert version.answers_version == 1 and version.settings.engine == "claude" and version.error
    assert version.first_text_s is not None and 0 <= version.first_text_s <= version.total_s
    assert version.cost_usd is None  # nothing was charged twice: the store never calls a model
    assert store.active_run(with_text) is None
    empty = store.load_workspace(without_text)
    assert empty.versions == () and empty.active_run is None and empty.last_outcome.stop_reason == "interrupted"
    assert store.active_run(alive).text == "# Alive\n"  # a live run is left alone
    assert store.recover_interrupted(is_dead=lambda owner: owner == dead) == []

    # A run whose heartbeat stopped a minute ago is taken by any process, whoever owned it.
    later = now_utc() + timedelta(seconds=61)
    recovered = store.recover_interrupted(now=later, is_dead=lambda owner: False)
    assert [r.version for r in recovered] == [1]
    assert store.get_version(alive, 1).document == "# Alive\n"


def test_an_interrupted_continuation_keeps_the_whole_document(store: Store) -> None:
    token = store.create_workspace(STEP)
    store.add_version(token, make_record("# Acme\n\n## One\nFirst part, cut mid-", stop_reason="max_tokens"))
    run = store.start_run(token, make_request(continues=1))
    store.checkpoint(run.run_id, "First part, cut mid-sentence.\n\n## Two\nMore", "writing")
    store.recover_interrupted(now=now_utc() + timedelta(minutes=5))
    version = store.get_version(token, 2)
    assert version.continues_version == 1 and version.stop_reason == "interrupted"
    assert version.document.startswith("# Acme\n\n## One\n") and version.document.endswith("## Two\nMore")
    assert version.document.count("First part") == 1


def test_generate_over_a_dead_run_files_it_and_starts(store: Store) -> None:
    token = store.create_workspace(STEP)
    old = store.start_run(token, make_request(), owner="elsewhere:1:x")
    store.checkpoint(old.run_id, "# Old text\n", "writing")
    with pytest.raises(RunInProgress):
        store.start_run(token, make_request())
    new = store.start_run(token, make_request(), stale_after_s=0.0)  # its heartbeat is older than that
    assert new.version == 2
    assert store.get_version(token, 1).stop_reason == "interrupted"


def test_two_processes_recovering_at_once_file_each_run_once(store: Store, store_url: str) -> None:
    tokens = [store.create_workspace(STEP) for _ in range(12)]
    for token in tokens:
        run = store.start_run(token, make_request(), owner="gone:1:x")
        store.checkpoint(run.run_id, f"# Text of {token[:6]}\n", "writing")
    others = [open_store(store_url) for _ in range(3)]
    results: list = []
    errors: list = []
    barrier = threading.Barrier(4)

    def recover(s: Store) -> None:
        try:
            barrier.wait()
            results.extend(s.recover_interrupted(is_dead=lambda owner: owner == "gone:1:x"))
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=recover, args=(s,)) for s in [store, *others]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in others:
        s.close()
    assert errors == []
    assert len(results) == 12 and len({r.run_id for r in results}) == 12
    for token in tokens:
        assert [v.version for v in store.list_versions(token)] == [1]


def test_fifty_workers_checkpointing_at_once(store: Store) -> None:
    tokens = [store.create_workspace(STEP) for _ in range(50)]
    runs = [store.start_run(token, make_request()) for token in tokens]
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    def work(i: int) -> None:
        try:
            barrier.wait()
            text = ""
            for n in range(6):
                text += f"## Part {n} of run {i}\n" + "x" * 20_000
                store.checkpoint(runs[i].run_id, text, "writing")
            store.finish_run(runs[i].run_id, make_record(text))
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i, token in enumerate(tokens):
        assert store.get_version(token, 1).document.startswith(f"## Part 0 of run {i}\n")


def test_owner_is_dead_knows_this_hosts_processes() -> None:
    host = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert owner_is_dead(f"{host}:{child.pid}:abcd") is False
    finally:
        child.kill()
        child.wait()
    assert owner_is_dead(f"{host}:{child.pid}:abcd") is True
    assert owner_is_dead(process_owner()) is False
    assert owner_is_dead(f"{host}:{os.getpid()}:0ld0ld") is True  # this pid's earlier life (a restarted container)
    assert owner_is_dead(f"another-host:{child.pid}:abcd") is False  # unknown: left to the heartbeat
    assert owner_is_dead("garbage") is False


WORKER = textwrap.dedent("""
    import sys, time
    from specchain.store import open_store
    from tests.store_fixtures import make_request
    store = open_store(sys.argv[1])
    run = store.start_run(sys.argv[2], make_request())
    store.checkpoint(run.run_id, "# Written before the crash\\n\\nSome text", "writing")
    print("checkpointed", flush=True)
    time.sleep(120)
""")


def test_kill_9_mid_run_then_start_up_files_the_text_so_far(store: Store, store_url: str) -> None:
    token = store.create_workspace(STEP)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, store_url, token], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert worker.stdout.readline().strip() == "checkpointed"
        assert store.recover_interrupted() == []  # alive and beating: left alone
        with pytest.raises(RunInProgress):
            store.start_run(token, make_request())
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    recovered = store.recover_interrupted()  # what the app does on start-up: no waiting for the heartbeat to age
    assert len(recovered) == 1
    version = store.get_version(token, 1)
    assert version.stop_reason == "interrupted"
    assert version.document == "# Written before the crash\n\nSome text"
    assert store.start_run(token, make_request(continues=1)).version == 2  # Continue writing can start
