"""Runs through the fair queue end to end: the real anthropic SDK over HTTP to the stand-in (with the API's
per-minute limits, headers and 429s), runs on worker threads, the store on SQLite and on a real PostgreSQL shared
by two RunServices (two app processes)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings
from specchain.runs import LEFT_THE_QUEUE, RunJob
from specchain.steps import ChainStep
from specchain.store import open_store
from specchain.workspace import RunService, Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import FakeAnthropic, RateLimits, inputs_from_prompt
from tests.postgres import PostgresServer

SONNET = EngineSettings(engine="claude", model="claude-sonnet-5-5")
BASE = example_inputs()[0][1]


def product(number: int) -> ChainInputs:
    return BASE.model_copy(update={"values": {**BASE.values, "app_name": f"Product {number}"}})


def arrivals(fake: FakeAnthropic) -> list[str]:
    """The product names of the requests the API received, in order of arrival."""
    return [inputs_from_prompt(r["body"]["messages"][0]["content"]).values["app_name"] for r in fake.requests]


@pytest.fixture
def service(new_service: Callable[[], RunService]) -> RunService:
    return new_service()


def start(service: RunService, step: ChainStep, number: int, settings: EngineSettings = SONNET) -> tuple[Workspace, RunJob]:
    workspace = Workspace(service=service)
    return workspace, workspace.start(step, product(number), settings, api_key="k")


def wait_until(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_runs_take_turns_in_order_of_arrival(monkeypatch: pytest.MonkeyPatch, fake_api: FakeAnthropic,
                                             step: ChainStep, new_service: Callable[[], RunService]) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "1")
    service = new_service()
    fake_api.delay_s, fake_api.chunk_chars = 0.005, 500  # each run writes for a moment
    holder = service.gate.join(input_tokens=1, output_tokens=1)  # someone else's request, in flight
    assert service.gate.try_admit(holder) is None
    runs = [start(service, step, number) for number in range(5)]
    wait_until(lambda: runs[-1][1].progress().state == "queued")
    place = runs[-1][1].progress().queue
    assert place is not None and place.people_ahead == 4 and place.reason == "in_flight"
    assert place.describe().startswith("4 people ahead of you · starting in about")
    service.gate.release(holder)
    for _, job in runs:
        assert job.wait(60)
    assert arrivals(fake_api) == [f"Product {n}" for n in range(5)]
    assert fake_api.max_in_flight == 1
    assert all(w.latest().stop_reason == "end_turn" for w, _ in runs)
    assert service.gate.view().waiting == () and service.gate.view().running == ()


def test_the_cap_on_requests_in_flight_holds(monkeypatch: pytest.MonkeyPatch, fake_api: FakeAnthropic,
                                            step: ChainStep, new_service: Callable[[], RunService]) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "2")
    service = new_service()
    fake_api.delay_s, fake_api.chunk_chars = 0.005, 500
    runs = [start(service, step, number) for number in range(6)]
    for _, job in runs:
        assert job.wait(60)
    assert fake_api.max_in_flight == 2  # two at once, never more
    assert all(w.latest().stop_reason == "end_turn" for w, _ in runs)


def test_limits_learned_from_the_headers_keep_the_api_from_refusing(
    fake_api: FakeAnthropic, step: ChainStep, service: RunService
) -> None:
    """The API allows 10,000 output tokens a minute; the app's settings say far more. After the first answer's
    headers the queue knows better: eleven runs of 1,000 tokens each, and not one 429."""
    fake_api.rate_limits = RateLimits(output_tokens=10_000)
    short = EngineSettings(engine="claude", model="claude-sonnet-5-5", max_tokens=1000)
    first_workspace, first = start(service, step, 0, short)
    assert first.wait(30)
    assert service.gate.view().caps["output"] == 10_000
    runs = [start(service, step, number, short) for number in range(1, 11)]
    reasons = set()
    while not all(job.done for _, job in runs):
        reasons |= {job.progress().queue.reason for _, job in runs if job.progress().queue}
        time.sleep(0.02)
    assert fake_api.rate_limited == 0
    records = [w.last_run() for w, _ in [(first_workspace, first), *runs]]
    assert all(r.stop_reason == "max_tokens" and r.error is None for r in records)
    assert "output" in reasons  # someone waited for the output tokens to come back


def test_one_429_pauses_everyone_and_nobody_fails(monkeypatch: pytest.MonkeyPatch, fake_api: FakeAnthropic,
                                                 step: ChainStep, new_service: Callable[[], RunService]) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "1")  # one at a time: arrivals show the order of turns
    service = new_service()
    fake_api.scenarios = ["429"]  # the first request is refused with retry-after: 1
    first_workspace, first = start(service, step, 0)
    wait_until(lambda: bool(first.progress().notice))
    notice = first.progress().notice
    assert notice == ("Claude has had too many requests from this key for now; your request keeps its place at the "
                      "front of the line.")
    refused_at = fake_api.requests[0]["at"]
    later = [start(service, step, number) for number in (1, 2)]
    wait_until(lambda: all(job.progress().state == "queued" for _, job in later))
    reasons = {job.progress().queue.reason for _, job in later}
    assert reasons == {"paused"}
    for _, job in [(first_workspace, first), *later]:
        assert job.wait(60)
    assert arrivals(fake_api) == ["Product 0", "Product 0", "Product 1", "Product 2"]  # it kept the head
    assert all(r["at"] - refused_at >= 0.9 for r in fake_api.requests[1:])  # nobody went during the pause
    records = [w.last_run() for w, _ in [(first_workspace, first), *later]]
    assert all(r.stop_reason == "end_turn" and r.error is None for r in records)


def test_leaving_the_queue_sends_nothing_and_makes_no_version(monkeypatch: pytest.MonkeyPatch,
                                                              fake_api: FakeAnthropic, step: ChainStep,
                                                              new_service: Callable[[], RunService]) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "1")
    service = new_service()
    fake_api.delay_s = 0.01  # the first run writes for a while
    writing_workspace, writing = start(service, step, 0)
    wait_until(lambda: writing.progress().state in ("planning", "writing"))  # its turn came (a cold SDK takes a while)
    waiting_workspace, waiting = start(service, step, 1)
    wait_until(lambda: waiting.progress().state == "queued")
    assert waiting.progress().queue.describe().startswith("You're next"), waiting.progress().queue.describe()
    stopped_at = time.monotonic()
    waiting_workspace.request_stop()
    assert waiting.wait(10) and time.monotonic() - stopped_at < 5  # not after the 20 s the first run writes
    record = waiting_workspace.last_run()
    assert record.stop_reason == "stopped" and record.error == LEFT_THE_QUEUE and not record.wrote_document
    assert waiting_workspace.versions == []  # no version, and its number is not used up
    assert "no request was used" in record.no_document_reason
    writing_workspace.stop()
    assert arrivals(fake_api) == ["Product 0"]  # nothing of the cancelled run was sent
    assert service.gate.view().waiting == ()


def test_offline_drafts_never_wait(monkeypatch: pytest.MonkeyPatch, step: ChainStep, new_service: Callable[[], RunService]) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "1")
    service = new_service()
    holder = service.gate.join(input_tokens=1, output_tokens=1)
    assert service.gate.try_admit(holder) is None  # the only slot is taken, for as long as this test runs
    workspace, job = start(service, step, 0, EngineSettings(engine="offline"))
    assert job.wait(10)
    assert workspace.latest().stop_reason == "end_turn" and workspace.latest().wrote_document
    service.gate.release(holder)


def test_two_app_processes_share_one_fair_queue_on_postgresql(
    pg_server: PostgresServer, fake_api: FakeAnthropic, step: ChainStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "1")
    name = f"queue_{os.getpid()}_{time.monotonic_ns()}"
    url = pg_server.create_database(name)
    services = [RunService(open_store(url), background=False) for _ in range(2)]
    try:
        fake_api.delay_s, fake_api.chunk_chars = 0.005, 500
        runs = []
        for number in range(6):  # started alternately through process A and process B
            runs.append(start(services[number % 2], step, number))
        # Process B reads the place of a run process A writes, from the store (as after a reload on B).
        last_of_a = runs[4]
        wait_until(lambda: last_of_a[1].progress().state == "queued")
        services[0].checkpoint_all()
        followed = services[1].follow(last_of_a[0].token)
        assert followed is not None and not isinstance(followed, RunJob)  # B follows it through the store
        seen = followed.progress()
        assert seen.state == "queued" and seen.queue is not None and seen.queue.people_ahead >= 1
        for _, job in runs:
            assert job.wait(60)
        assert arrivals(fake_api) == [f"Product {n}" for n in range(6)]
        assert all(w.latest().stop_reason == "end_turn" for w, _ in runs)
    finally:
        for service in services:
            service.close()
            service.store.close()
        pg_server.drop_database(name)


def test_stop_from_another_process_takes_a_run_out_of_the_queue(
    monkeypatch: pytest.MonkeyPatch, step: ChainStep, fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "1")
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    writer, other = RunService(open_store(url), background=False), RunService(open_store(url), background=False)
    try:
        holder = writer.gate.join(input_tokens=1, output_tokens=1)
        assert writer.gate.try_admit(holder) is None
        workspace, job = start(writer, step, 0)
        wait_until(lambda: job.progress().state == "queued")
        writer.checkpoint_all()
        other.request_stop(workspace.token)  # Stop pressed on a page served by the other process
        # The writer's checkpoints (every second in the app, a heartbeat within 2 s) pass it on.
        wait_until(lambda: writer.checkpoint_all() or job.done, timeout=10)
        assert workspace.last_run().error == LEFT_THE_QUEUE and fake_api.requests == []
        writer.gate.release(holder)
    finally:
        for service in (writer, other):
            service.close()
            service.store.close()
