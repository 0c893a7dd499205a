"""The fair queue's policy (pure, fast) and its store on SQLite and a real PostgreSQL: order, caps, buckets, 429
pauses, leaving, and the tickets of a process that died."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from specchain.queue import (
    Gate,
    Place,
    QueueLimits,
    RateLimitReport,
    TooLarge,
    Waiting,
    estimate_starts,
    known_limits,
    refill,
    too_large,
)
from specchain.store import Store, open_store, process_owner
from specchain.store.base import now_utc

ROOMY = {"requests": 1000.0, "input": 1e6, "output": 1e6}


# ── policy ────────────────────────────────────────────────────────────────────────────────────────────────────
def test_the_wait_is_estimated_from_running_requests_and_buckets() -> None:
    # Two slots, both taken 10 s into a 60 s request: the next two start when they end, the third 60 s later.
    starts = estimate_starts(levels=ROOMY, caps=ROOMY, max_in_flight=2, running_for_s=[10.0, 10.0],
                             avg_request_s=60.0, pause_s=0.0, waiting=[Waiting(10, 10)] * 3)
    assert starts == pytest.approx([50.0, 50.0, 110.0])
    # An empty output bucket of 60,000 a minute refills 1,000 a second: 30,000 tokens take 30 s, the next 30 more.
    caps = {"requests": 1000.0, "input": 1e6, "output": 60_000.0}
    starts = estimate_starts(levels={**caps, "output": 0.0}, caps=caps, max_in_flight=10, running_for_s=[],
                             avg_request_s=60.0, pause_s=0.0, waiting=[Waiting(10, 30_000)] * 2)
    assert starts == pytest.approx([30.0, 60.0])
    # A 429's pause comes first; a request larger than a whole bucket waits for a full bucket, not for ever.
    starts = estimate_starts(levels={**caps, "output": 0.0}, caps=caps, max_in_flight=10, running_for_s=[],
                             avg_request_s=60.0, pause_s=12.0, waiting=[Waiting(10, 10**9)])
    assert starts == pytest.approx([60.0])


def test_buckets_refill_at_their_limit_per_minute_up_to_the_limit() -> None:
    caps = {"requests": 60.0, "input": 600.0, "output": 6000.0}
    assert refill({"requests": 0.0, "input": 0.0, "output": None}, caps, 10) == {
        "requests": 10.0, "input": 100.0, "output": 6000.0}
    assert refill({"requests": 59.0, "input": 0.0, "output": 0.0}, caps, 3600)["requests"] == 60.0


def test_the_place_reads_as_plain_words() -> None:
    assert Place(3, 38.0).describe() == "3 people ahead of you · starting in about 40 s"
    assert Place(1, 61.0).describe() == "1 person ahead of you · starting in about 2 min"
    assert Place(0, 1.0).describe() == "You're next · starting in a moment"
    assert "everyone waits" in Place(0, 5, reason="paused").why()


def test_limits_come_from_the_environment_and_the_api_corrects_them() -> None:
    assert QueueLimits.from_env({}) == QueueLimits()
    limits = QueueLimits.from_env({"SPECCHAIN_CLAUDE_MAX_IN_FLIGHT": "4", "SPECCHAIN_CLAUDE_OUTPUT_TPM": "80,000",
                                   "SPECCHAIN_CLAUDE_MAX_PAUSE_S": "30"})
    assert (limits.max_in_flight, limits.output_tokens_per_minute, limits.max_pause_s) == (4, 80_000, 30.0)
    with pytest.raises(ValueError, match="SPECCHAIN_CLAUDE_RPM"):
        QueueLimits.from_env({"SPECCHAIN_CLAUDE_RPM": "lots"})
    # The API's figures replace the defaults, up or down; a limit the operator set is only ever lowered.
    caps = limits.per_minute({"requests": 4000, "input": 20_000, "output": 400_000})
    assert caps == {"requests": 4000.0, "input": 20_000.0, "output": 80_000.0}


def test_rate_limit_headers_are_read() -> None:
    report = RateLimitReport.from_headers({
        "anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-output-tokens-limit": "8000", "anthropic-ratelimit-output-tokens-remaining": "0",
        "anthropic-ratelimit-input-tokens-reset": "2026-11-28T20:00:00Z", "content-type": "text/event-stream"})
    assert report.limits == {"requests": 50, "output": 8000}
    assert report.remaining == {"requests": 49, "output": 0}
    assert not RateLimitReport.from_headers({"content-type": "application/json"})


# ── the store: SQLite and PostgreSQL ──────────────────────────────────────────────────────────────────────────
_gates: list[Gate] = []


@pytest.fixture(autouse=True)
def _close_gates() -> Iterator[None]:
    yield
    while _gates:  # tickets left held on purpose need no heartbeat once their database is gone
        _gates.pop().close()


def gate(store: Store, owner: str = "", **limits: object) -> Gate:
    opened = Gate(store, QueueLimits(**limits), owner=owner or process_owner())  # type: ignore[arg-type]
    _gates.append(opened)
    return opened


@pytest.mark.parametrize("cap", [1, 3])
def test_first_come_first_served_under_contention_with_the_cap_respected(store: Store, cap: int) -> None:
    queue = gate(store, max_in_flight=cap)
    tickets = [queue.join(input_tokens=100, output_tokens=100) for _ in range(12)]
    order = list(queue.view().waiting)
    assert order == [t.id for t in tickets]
    admitted: list[str] = []
    in_flight, most = [0], [0]
    lock = threading.Lock()
    never = threading.Event()

    def wait_and_hold(index: int) -> None:
        ticket = tickets[index]
        for _ in queue.wait_turn(ticket, never):
            pass
        with lock:
            admitted.append(ticket.id)
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.03)
        with lock:
            in_flight[0] -= 1
        queue.release(ticket, input_tokens=50, output_tokens=50)

    threads = [threading.Thread(target=wait_and_hold, args=(i,)) for i in reversed(range(12))]  # asked in reverse
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if cap == 1:  # one at a time, so the order each sees its turn is the order of the turns
        assert admitted == order  # turns in order of arrival, whoever asked first
    assert sorted(admitted) == sorted(order) and most[0] <= cap
    assert queue.view().waiting == () and queue.view().running == ()


def test_two_processes_sharing_a_store_take_turns_in_order(store_url: str) -> None:
    """Two stores (two connection pools, two owners), as two app processes have: one queue between them."""
    stores = [open_store(store_url), open_store(store_url)]
    try:
        gates = [gate(s, owner=f"app-host-{i}:{1000 + i}:proc", max_in_flight=1)
                 for i, s in enumerate(stores)]
        tickets = [(gates[i % 2], gates[i % 2].join(input_tokens=10, output_tokens=10)) for i in range(8)]
        admitted: list[str] = []
        lock = threading.Lock()

        def take_turn(queue: Gate, ticket: object) -> None:
            for _ in queue.wait_turn(ticket, threading.Event()):  # type: ignore[arg-type]
                pass
            with lock:
                admitted.append(ticket.id)  # type: ignore[attr-defined]
            time.sleep(0.02)
            queue.release(ticket, input_tokens=10, output_tokens=10)  # type: ignore[arg-type]

        threads = [threading.Thread(target=take_turn, args=pair) for pair in reversed(tickets)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert admitted == [t.id for _, t in tickets]
    finally:
        for s in stores:
            s.close()


def test_unused_reservations_are_given_back(store: Store) -> None:
    queue = gate(store, output_tokens_per_minute=10_000)
    first = queue.join(input_tokens=100, output_tokens=8_000)
    assert queue.try_admit(first) is None
    second = queue.join(input_tokens=100, output_tokens=8_000)
    place = queue.try_admit(second)
    assert place is not None and place.reason == "output" and place.people_ahead == 0
    assert 30 < place.eta_s < 45  # 6,000 more tokens at 10,000 a minute
    queue.release(first, input_tokens=100, output_tokens=1_000)  # wrote 1,000 of the 8,000 it reserved
    assert queue.try_admit(second) is None


def test_the_api_headers_lower_the_limits(store: Store) -> None:
    queue = gate(store)
    first = queue.join(input_tokens=100, output_tokens=1_000)
    assert queue.try_admit(first) is None
    queue.observe({"anthropic-ratelimit-output-tokens-limit": "6000",
                   "anthropic-ratelimit-output-tokens-remaining": "500"})
    view = queue.view()
    assert view.caps["output"] == 6000 and view.levels["output"] < 600
    second = queue.join(input_tokens=100, output_tokens=1_000)
    place = queue.try_admit(second)
    assert place is not None and place.reason == "output" and 4 < place.eta_s < 8  # 500 more at 100 a second


def test_a_429_pauses_everyone_and_its_request_keeps_the_head(store: Store) -> None:
    queue = gate(store)
    first = queue.join(input_tokens=100, output_tokens=100)
    assert queue.try_admit(first) is None
    second = queue.join(input_tokens=100, output_tokens=100)
    pause = queue.throttled(first, 600.0, {"retry-after": "600"})
    assert pause == 60.0  # capped
    view = queue.view()
    assert view.waiting == (first.id, second.id) and view.running == ()  # back at the head, not the back
    assert 55 < view.paused_for_s <= 60
    place = queue.try_admit(second)
    assert place is not None and place.reason == "paused" and place.people_ahead == 1 and place.eta_s > 55
    assert "nobody loses their place" in place.why()


def test_a_429_pause_ends_by_itself(store: Store) -> None:
    queue = gate(store)
    first = queue.join(input_tokens=100, output_tokens=100)
    assert queue.try_admit(first) is None
    queue.throttled(first, 1.0)
    assert queue.try_admit(first) is not None
    time.sleep(1.05)
    assert queue.try_admit(first) is None


def test_leaving_while_waiting_uses_no_request(store: Store) -> None:
    queue = gate(store, max_in_flight=1, requests_per_minute=10)
    holder = queue.join(input_tokens=1, output_tokens=1)
    assert queue.try_admit(holder) is None
    waiting = queue.join(input_tokens=1, output_tokens=1)
    cancel = threading.Event()
    places = queue.wait_turn(waiting, cancel)
    assert next(places).people_ahead == 0
    cancel.set()
    assert list(places) == []  # the wait ends at once
    before = queue.view().levels["requests"]
    queue.leave(waiting)
    view = queue.view()
    assert waiting.id not in view.waiting and view.levels["requests"] >= before  # its request was not taken


def test_a_ticket_whose_holder_went_silent_is_dropped(store: Store) -> None:
    elsewhere = gate(store, owner="another-host:4242:abcd", max_in_flight=1)  # another machine: heartbeat only
    stuck = elsewhere.join(input_tokens=1, output_tokens=1)
    assert elsewhere.try_admit(stuck) is None
    queue = gate(store, max_in_flight=1)
    mine = queue.join(input_tokens=1, output_tokens=1)
    assert queue.try_admit(mine) is not None  # the slot is taken, and its holder is alive so far
    assert store.queue_admit(mine.id, queue.limits, now=now_utc() + timedelta(seconds=60)) is not None
    # 90 s without a heartbeat: the holder is taken for dead (this ticket was beaten by its own look just now).
    store.queue_heartbeat([mine.id])
    later = now_utc() + timedelta(seconds=91)
    with store._write() as connection:  # keep this ticket's own heartbeat fresh at that time
        from specchain.store.tables import queue_tickets

        connection.execute(queue_tickets.update().where(queue_tickets.c.id == mine.id).values(heartbeat_at=later))
    assert store.queue_admit(mine.id, queue.limits, now=later) is None
    assert stuck.id not in queue.view().running


KILLED_HOLDER = """
import sys, time, threading
from specchain.queue import Gate, QueueLimits
from specchain.store import open_store
gate = Gate(open_store(sys.argv[1]), QueueLimits(max_in_flight=1))
ticket = gate.join(input_tokens=1, output_tokens=1)
for _ in gate.wait_turn(ticket, threading.Event()):
    pass
print("admitted", flush=True)
time.sleep(600)
"""


def test_a_killed_process_does_not_block_the_queue(store_url: str, store: Store) -> None:
    holder = subprocess.Popen([sys.executable, "-c", KILLED_HOLDER, store_url], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "admitted"
        queue = gate(store, max_in_flight=1)
        mine = queue.join(input_tokens=1, output_tokens=1)
        assert queue.try_admit(mine) is not None  # the other process holds the only slot
        holder.kill()  # kill -9: no chance to give anything back
        holder.wait(10)
        assert queue.try_admit(mine) is None  # its ticket was dropped at once: its process is gone
    finally:
        holder.kill()
        holder.wait(10)


def test_a_ticket_goes_with_its_run_when_the_run_is_filed_elsewhere(store: Store) -> None:
    """RunService files the run of a dead process as interrupted; the run's ticket then holds nobody up."""
    from tests.store_fixtures import make_record, make_request

    token = store.create_workspace("performance_scalability")
    run = store.start_run(token, make_request())
    elsewhere = gate(store, owner="another-host:4242:abcd", max_in_flight=1)
    stuck = elsewhere.join(input_tokens=1, output_tokens=1, run_id=run.run_id)
    assert elsewhere.try_admit(stuck) is None
    queue = gate(store, max_in_flight=1)
    mine = queue.join(input_tokens=1, output_tokens=1)
    assert queue.try_admit(mine) is not None
    store.finish_run(run.run_id, make_record())  # filed (here by hand; recover_interrupted does the same)
    assert queue.try_admit(mine) is None


def test_a_request_over_a_known_minute_limit_never_fits_and_one_at_it_does() -> None:
    learned = {"requests": 50, "input": 30_000, "output": 8000}
    known = known_limits(QueueLimits(), learned)
    assert too_large(30_000, 8000, known) is None  # exactly at the limit: fits once the bucket is full
    assert too_large(1000, 8001, known) == TooLarge("output", 8001, 8000, "key")
    assert too_large(30_001, 100, known) == TooLarge("input", 30_001, 30_000, "key")
    # The built-in defaults are a guess, never a reason to refuse; an operator's setting is known.
    assert known_limits(QueueLimits(), {}) == {}
    operator = QueueLimits.from_env({"SPECCHAIN_CLAUDE_OUTPUT_TPM": "4000"})
    assert too_large(10, 32_000, known_limits(operator, {})) == TooLarge("output", 32_000, 4000, "settings")
    assert known_limits(operator, {"output": 2000})["output"] == (2000, "key")  # the API's is lower: the key's
