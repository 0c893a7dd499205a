"""Runs that survive their tab: saved every two seconds, followed and stopped from another process, never twice.

Two RunService objects on one database stand for two app processes (the second never writes this run itself).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings
from specchain.steps import ChainStep
from specchain.store import RunInProgress, open_store
from specchain.workspace import RunService, StoredRun, Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import PLANNING_MARKER, FakeAnthropic

INPUTS: ChainInputs = example_inputs()[0][1]
SONNET = EngineSettings(engine="claude", model="claude-sonnet-5-5")


@pytest.fixture
def two_processes(tmp_path: Path) -> tuple[RunService, RunService]:
    url = f"sqlite:///{tmp_path / 'work.sqlite3'}"
    first, second = RunService(open_store(url)), RunService(open_store(url))
    yield first, second
    first.close()
    second.close()


def test_the_text_and_a_heartbeat_are_saved_at_least_every_two_seconds(
    step: ChainStep, fake_api: FakeAnthropic, two_processes: tuple[RunService, RunService]
) -> None:
    writer, _ = two_processes
    fake_api.delay_s, fake_api.chunk_chars = 0.01, 25  # about 15 s of writing
    work = Workspace(service=writer)
    job = work.start(step, INPUTS, SONNET, api_key="k")
    lengths, ages = [], []
    deadline = time.monotonic() + 60
    while not job.done and time.monotonic() < deadline:
        if (snapshot := writer.store.active_run(work.token)) is not None:
            lengths.append(len(snapshot.text or ""))
            ages.append(snapshot.heartbeat_age_s)
            assert PLANNING_MARKER not in (snapshot.text or "")  # never the private plan
        time.sleep(0.25)
    assert job.wait(60)
    assert max(ages) <= 2.5, f"a heartbeat was {max(ages):.1f} s old"
    assert lengths == sorted(lengths) and lengths[-1] > 1000  # the saved text grows as it is written
    assert writer.store.active_run(work.token) is None and work.latest().finished


def test_another_process_follows_the_run_and_its_stop_is_obeyed(
    step: ChainStep, fake_api: FakeAnthropic, two_processes: tuple[RunService, RunService]
) -> None:
    writer, reader = two_processes
    fake_api.delay_s, fake_api.chunk_chars = 0.02, 8  # minutes of writing left
    token = Workspace(service=writer).token
    job = Workspace(service=writer, token=token).start(step, INPUTS, SONNET, api_key="k")
    other_tab = Workspace(service=reader, token=token)
    followed = other_tab.job
    assert isinstance(followed, StoredRun) and followed.version == 1
    seen, sections = followed.wait_for_change(-1, 0.1), 0
    deadline = time.monotonic() + 30
    while sections < 3:  # the other process sees the sections appear, from the saved text
        assert time.monotonic() < deadline
        seen = followed.wait_for_change(seen, 0.5)
        sections = len(followed.progress().sections)
    with pytest.raises(RunInProgress):  # and can't start a second run
        other_tab.start(step, INPUTS, SONNET, api_key="k")
    pressed = time.monotonic()
    other_tab.request_stop()
    assert job.wait(10) and time.monotonic() - pressed < 5  # passed on at the writer's next checkpoint
    assert followed.wait(10) and followed.progress().record.stop_reason == "stopped"
    assert [s.version for s in other_tab.summaries] == [1]
    assert len(fake_api.requests) == 1
