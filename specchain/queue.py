"""The fair queue in front of Claude: one gate that every Claude request passes, in any process.

First come, first served, with a cap on requests in flight and three token buckets (requests, input tokens and
output tokens per minute, each refilling continuously at its limit / 60 per second). A request reserves what it may
use (the prompt's estimated input tokens and its max_tokens, which the API counts when a request starts) and gives
back the unused part when it ends. The limits come from settings (QueueLimits.from_env) and are corrected by the
API's `anthropic-ratelimit-*` response headers; a 429 pauses the whole gate until its retry-after (capped), and the
request that got it goes back to the head of the queue.

The queue lives in the store (specchain/store/queue.py): admission is decided there, under the gate row's lock, so
it is fair across processes. This module holds the policy (pure functions, unit-tested) and `Gate`, the handle a
process uses:

    gate = Gate(store)                                   # limits from the environment, this process as the owner
    ticket = gate.join(input_tokens=9000, output_tokens=32000, run_id=run_id)
    for place in gate.wait_turn(ticket, cancel):         # yields while waiting: place.people_ahead, place.eta_s
        show(place.describe())                           # "3 people ahead of you · starting in about 40 s"
    if cancel.is_set(): gate.leave(ticket)               # nothing was sent: no request used
    ... send the request; gate.observe(response.headers) ...
    gate.release(ticket, input_tokens=used_in, output_tokens=used_out)    # or gate.throttled(...) after a 429

No Streamlit here, and no SQL: the store does that.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specchain.store.queue import QueueStore

log = logging.getLogger(__name__)

KINDS = ("requests", "input", "output")
# The settings, their environment variables and defaults (Anthropic's Tier 2 limits for Sonnet models; the first
# response's headers replace the per-minute ones unless the operator set them, see QueueLimits.explicit).
ENV = {
    "max_in_flight": ("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", 16),
    "requests_per_minute": ("SPECCHAIN_CLAUDE_RPM", 1000),
    "input_tokens_per_minute": ("SPECCHAIN_CLAUDE_INPUT_TPM", 450_000),
    "output_tokens_per_minute": ("SPECCHAIN_CLAUDE_OUTPUT_TPM", 90_000),
}
MAX_PAUSE_ENV = "SPECCHAIN_CLAUDE_MAX_PAUSE_S"
MAX_PAUSE_S = 60.0  # a 429's retry-after is honoured up to this
STALE_AFTER_S = 90.0  # a ticket whose process has not beaten its heartbeat for this long is dropped
HEARTBEAT_S = 5.0  # how often a process beats the heartbeat of the tickets it holds
DEFAULT_REQUEST_S = 60.0  # how long a request takes, for the wait estimate, until some have been measured
HEADER = "anthropic-ratelimit-{kind}-{field}"
HEADER_KINDS = {"requests": "requests", "input": "input-tokens", "output": "output-tokens"}


# Each bucket and the setting of its limit.
SETTING_OF = {"requests": "requests_per_minute", "input": "input_tokens_per_minute", "output": "output_tokens_per_minute"}


@dataclass(frozen=True)
class QueueLimits:
    max_in_flight: int = 16
    requests_per_minute: int = 1000
    input_tokens_per_minute: int = 450_000
    output_tokens_per_minute: int = 90_000
    max_pause_s: float = MAX_PAUSE_S
    stale_after_s: float = STALE_AFTER_S
    # The per-minute limits the operator set: the API's headers can only lower these (a share of a key used by
    # other apps too); the others are replaced by what the API reports for the key.
    explicit: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> QueueLimits:
        """The limits from SPECCHAIN_CLAUDE_* (unset or empty: the default). Raises ValueError, naming the
        variable, for a value that is not a positive whole number."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        explicit = set()
        for name, (variable, _default) in ENV.items():
            raw = environ.get(variable, "").strip().replace("_", "").replace(",", "")
            if not raw:
                continue
            if not raw.isdigit() or int(raw) < 1:
                raise ValueError(f"{variable} must be a whole number of at least 1 (it is {raw!r}).")
            values[name] = int(raw)
            explicit.add(name)
        pause = environ.get(MAX_PAUSE_ENV, "").strip()
        if pause:
            try:
                values["max_pause_s"] = max(1.0, float(pause))
            except ValueError as error:
                raise ValueError(f"{MAX_PAUSE_ENV} must be a number of seconds (it is {pause!r}).") from error
        return cls(**values, explicit=frozenset(explicit))

    def per_minute(self, learned: Mapping[str, int | None]) -> dict[str, float]:
        """Each bucket's capacity: the setting, replaced (or, when set by the operator, lowered) by the API's."""
        caps = {}
        for kind, name in SETTING_OF.items():
            value, reported = getattr(self, name), learned.get(kind)
            if reported:
                value = min(value, reported) if name in self.explicit else reported
            caps[kind] = float(max(1, value))
        return caps


@dataclass(frozen=True)
class TooLarge:
    """A request that can never start: it needs more of a bucket (tokens, "input" or "output") than a whole
    minute's limit. source says who set that limit: "key" (the API's headers) or "settings" (the operator)."""

    kind: str
    need: int
    limit: int
    source: str


def known_limits(limits: QueueLimits, learned: Mapping[str, int | None]) -> dict[str, tuple[int, str]]:
    """The per-minute limits actually known, with who set them: the API's (from its headers) or the operator's.
    The built-in defaults are only a guess, so they are left out: a request is never refused on a guess."""
    caps = limits.per_minute(learned)
    known = {}
    for kind in KINDS:
        reported = learned.get(kind)
        if reported and caps[kind] >= reported:
            known[kind] = (int(caps[kind]), "key")
        elif SETTING_OF[kind] in limits.explicit:
            known[kind] = (int(caps[kind]), "settings")
    return known


def too_large(input_tokens: int, output_tokens: int, known: Mapping[str, tuple[int, str]]) -> TooLarge | None:
    """Whether a request can never start under the known limits. The buckets hold a minute's limit at most, so a
    request needing exactly the limit fits (once the bucket is full); one token more never does."""
    for kind, need in (("output", output_tokens), ("input", input_tokens)):
        if kind in known and need > known[kind][0]:
            return TooLarge(kind, need, *known[kind])
    return None


def needs(input_tokens: int, output_tokens: int, caps: Mapping[str, float]) -> dict[str, float]:
    """What a request reserves from each bucket. More than a bucket holds is capped at its size: such a request
    waits for a full bucket instead of for ever."""
    return {"requests": min(1.0, caps["requests"]), "input": min(float(input_tokens), caps["input"]),
            "output": min(float(output_tokens), caps["output"])}


def refill(levels: Mapping[str, float | None], caps: Mapping[str, float], elapsed_s: float) -> dict[str, float]:
    """Bucket levels after elapsed_s seconds (None: a full bucket, as at the very start)."""
    return {kind: caps[kind] if levels.get(kind) is None else
            min(caps[kind], float(levels[kind]) + caps[kind] / 60.0 * max(0.0, elapsed_s))  # type: ignore[arg-type]
            for kind in KINDS}


def seconds_until(level: float, need: float, cap: float) -> float:
    return 0.0 if level >= need else (need - level) / (cap / 60.0)


@dataclass(frozen=True)
class Waiting:
    """A ticket in the queue, as the estimate needs it."""

    input_tokens: int
    output_tokens: int
    not_before_s: float = 0.0  # seconds from now before which it may not start (a retry's backoff)


def estimate_starts(*, levels: Mapping[str, float], caps: Mapping[str, float], max_in_flight: int,
                    running_for_s: list[float], avg_request_s: float, pause_s: float,
                    waiting: list[Waiting]) -> list[float]:
    """Seconds from now until each waiting ticket (in queue order) should start.

    A simulation of the gate: each ticket starts when the one ahead has started, a slot is free (a running
    request is expected to take avg_request_s in all, at least one more second), the gate is not paused, and every
    bucket, refilling, holds what it needs."""
    ends = sorted(max(1.0, avg_request_s - ran) for ran in running_for_s)
    ends = ends[max(0, len(ends) - max_in_flight):]  # over the cap (lowered meanwhile): the last ones bind
    slots = [0.0] * max(0, max_in_flight - len(ends)) + ends
    heapq.heapify(slots)
    level, at = dict(levels), 0.0
    previous = max(0.0, pause_s)
    starts = []
    for ticket in waiting:
        need = needs(ticket.input_tokens, ticket.output_tokens, caps)
        start = max(previous, heapq.heappop(slots) if slots else 0.0, ticket.not_before_s)
        level = refill(level, caps, start - at)
        at = start
        wait = max(seconds_until(level[k], need[k], caps[k]) for k in KINDS)
        if wait:
            start += wait
            level = refill(level, caps, wait)
            at = start
        level = {k: level[k] - need[k] for k in KINDS}
        heapq.heappush(slots, start + avg_request_s)
        starts.append(start)
        previous = start
    return starts


@dataclass(frozen=True)
class Place:
    """Where a waiting request stands: how many wait ahead of it, about when it starts, and why it waits."""

    people_ahead: int
    eta_s: float
    reason: str = "queue"  # "paused" (a 429), "in_flight", "requests", "input", "output", "retry", "queue"

    def waiting(self) -> str:
        """"Waiting for your turn · 3 people ahead of you · starting in about 40 s": the line every page shows."""
        return f"Waiting for your turn · {self.describe()}"

    def describe(self) -> str:
        """"3 people ahead of you · starting in about 40 s"."""
        ahead = ("You're next" if self.people_ahead == 0 else
                 "1 person ahead of you" if self.people_ahead == 1 else f"{self.people_ahead} people ahead of you")
        return f"{ahead} · starting {about(self.eta_s)}"

    def why(self) -> str:
        """Why anyone waits, in plain words."""
        if self.reason == "paused":
            return ("Claude asked this app to slow down (too many requests this minute), so everyone waits a "
                    "moment; nobody loses their place.")
        if self.reason == "retry":
            return ("After a try that did not go through, a request waits a few seconds before going again; it keeps "
                    "its place.")
        return ("Claude takes only so many requests a minute for this app, so requests take turns, first come, "
                "first served.")


def about(seconds: float) -> str:
    """"in about 40 s", "in about 3 min", "in a moment": rounded, so the words do not change every second."""
    if seconds < 3:
        return "in a moment"
    if seconds < 60:
        return f"in about {5 * math.ceil(seconds / 5):.0f} s"
    return f"in about {math.ceil(seconds / 60):.0f} min"


@dataclass(frozen=True)
class RateLimitReport:
    """What one response's anthropic-ratelimit-* headers said: per bucket, its limit and what remains."""

    limits: dict[str, int] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | Any) -> RateLimitReport:
        limits, remaining = {}, {}
        for kind, name in HEADER_KINDS.items():
            for target, suffix in ((limits, "limit"), (remaining, "remaining")):
                raw = headers.get(HEADER.format(kind=name, field=suffix)) if headers is not None else None
                with contextlib.suppress(TypeError, ValueError):
                    if raw is not None:
                        target[kind] = max(0, int(float(raw)))
        return cls(limits, remaining)

    def __bool__(self) -> bool:
        return bool(self.limits or self.remaining)


def retry_after_s(headers: Mapping[str, str] | Any, default: float) -> float:
    """A response's retry-after in seconds (an HTTP date is not used by the API: the default then)."""
    raw = headers.get("retry-after") if headers is not None else None
    with contextlib.suppress(TypeError, ValueError):
        if raw is not None:
            return max(0.0, float(raw))
    return default


@dataclass(frozen=True)
class Ticket:
    id: str
    run_id: str | None
    input_tokens: int
    output_tokens: int


class TicketGone(Exception):
    """The ticket is not in the queue any more (its holder was taken for dead): join again."""


@dataclass(frozen=True)
class QueueView:
    """The whole queue at one moment, for tests, benchmarks and an operator's glance."""

    waiting: tuple[str, ...]  # ticket ids in queue order
    running: tuple[str, ...]
    levels: dict[str, float]
    caps: dict[str, float]
    paused_for_s: float
    reserved: dict[str, float]  # by running tickets: input and output tokens
    known: dict[str, tuple[int, str]] = field(default_factory=dict)  # see known_limits


class Gate:
    """This process's handle on the shared queue. Thread-safe; one per process and store (RunService owns it)."""

    def __init__(self, store: QueueStore, limits: QueueLimits | None = None, owner: str | None = None) -> None:
        from specchain.store.checkpoints import process_owner

        self.store = store
        self.limits = limits or QueueLimits.from_env()
        self.owner = owner or process_owner()
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Condition()
        self._beating = False

    # ── joining and waiting ──────────────────────────────────────────────────────────────────────────────────
    def join(self, *, input_tokens: int, output_tokens: int, run_id: str | None = None) -> Ticket:
        """Take a ticket at the back of the queue, reserving input_tokens (an estimate) and output_tokens."""
        ticket = Ticket(secrets.token_hex(16), run_id or None, max(0, input_tokens), max(0, output_tokens))
        self.store.queue_join(ticket, self.owner)
        with self._lock:
            self._held.add(ticket.id)
        self._keep_beating()
        return ticket

    def try_admit(self, ticket: Ticket) -> Place | None:
        """One look: None when it is this ticket's turn (it is now in flight), else its place."""
        try:
            return self.store.queue_admit(ticket.id, self.limits)
        except TicketGone:
            log.warning("queue ticket %s was dropped as stale; joining again", ticket.id)
            self.store.queue_join(ticket, self.owner)
            return self.store.queue_admit(ticket.id, self.limits)

    def wait_turn(self, ticket: Ticket, cancel: threading.Event) -> Iterator[Place]:
        """Yield the ticket's place while it waits; return when it is admitted or cancel is set (check cancel)."""
        while not cancel.is_set():
            place = self.try_admit(ticket)
            if place is None:
                return
            yield place
            # Look again soon, and the sooner the nearer the turn: every look is a transaction, and with 50 waiting
            # the back of the queue need not ask every second. The head also looks at once when a request of this
            # process ends; other processes' ends are seen by polling. Stop wakes every waiter (cancel is set).
            interval = min(2.0, max(0.25, place.eta_s / 4)) if place.people_ahead else min(0.5, max(0.1, place.eta_s))
            deadline = time.monotonic() + interval
            with self._wake:
                while not cancel.is_set() and (left := deadline - time.monotonic()) > 0:
                    if self._wake.wait(left) and place.people_ahead <= 2:
                        break

    def wake(self) -> None:
        """Wake this process's waiters (a request ended, or a Stop wants an answer now)."""
        with self._wake:
            self._wake.notify_all()

    # ── while in flight, and after ───────────────────────────────────────────────────────────────────────────
    def observe(self, headers: Mapping[str, str] | Any) -> None:
        """Correct the limits and buckets from a response's anthropic-ratelimit-* headers."""
        report = RateLimitReport.from_headers(headers)
        if report:
            self.store.queue_observe(report, self.limits)

    def release(self, ticket: Ticket, *, input_tokens: int | None = None, output_tokens: int | None = None,
                duration_s: float | None = None) -> None:
        """The request ended: give back what it reserved and did not use (None: used all it reserved)."""
        self.store.queue_release(ticket.id, self.limits, input_tokens, output_tokens, duration_s)
        self._forget(ticket)

    def leave(self, ticket: Ticket) -> None:
        """Leave the queue without sending anything (cancelled while waiting): no request, no tokens used."""
        self.store.queue_release(ticket.id, self.limits, 0, 0, None, returns_request=True)
        self._forget(ticket)

    def throttled(self, ticket: Ticket, retry_after: float, headers: Mapping[str, str] | Any = None) -> float:
        """A 429: pause the whole gate for retry_after (at most limits.max_pause_s) and put the ticket back at the
        head of the queue. Returns the pause."""
        if headers is not None:
            self.observe(headers)
        pause = max(1.0, min(retry_after, self.limits.max_pause_s))
        self._requeue(ticket, pause_s=pause, retry_in_s=0.0)
        return pause

    def retry_later(self, ticket: Ticket, wait_s: float) -> None:
        """A busy server or a network failure: back to the head of the queue, starting no sooner than wait_s."""
        self._requeue(ticket, pause_s=0.0, retry_in_s=max(0.0, wait_s))

    def _requeue(self, ticket: Ticket, *, pause_s: float, retry_in_s: float) -> None:
        try:
            self.store.queue_requeue(ticket.id, self.limits, pause_s=pause_s, retry_in_s=retry_in_s)
        except TicketGone:  # taken for dead meanwhile (a long stall): it joins again, at the back
            self.store.queue_join(ticket, self.owner)
            self.store.queue_requeue(ticket.id, self.limits, pause_s=pause_s, retry_in_s=retry_in_s)

    def place_of(self, run_id: str) -> Place | None:
        """A run's place in the queue, read from the store (from any process); None when it is not waiting."""
        return self.store.queue_place(run_id, self.limits)

    def view(self) -> QueueView:
        return self.store.queue_view(self.limits)

    def too_large(self, ticket: Ticket) -> TooLarge | None:
        """Whether the ticket's request can never start: it needs more than a known per-minute limit (learned
        from the API's headers, or set by the operator). Such a request must not wait: it would wait for ever."""
        return too_large(ticket.input_tokens, ticket.output_tokens, self.view().known)

    def close(self) -> None:
        """Stop beating the heartbeat of this process's tickets (the process is shutting down, or a test ends):
        tickets still held are dropped by the others once stale."""
        with self._lock:
            self._held.clear()
        self.wake()

    # ── heartbeat ────────────────────────────────────────────────────────────────────────────────────────────
    def _forget(self, ticket: Ticket) -> None:
        with self._lock:
            self._held.discard(ticket.id)
        self.wake()

    def _keep_beating(self) -> None:
        with self._lock:
            if self._beating:
                return
            self._beating = True
        threading.Thread(target=self._beat, name="queue-heartbeat", daemon=True).start()

    def _beat(self) -> None:
        """While this process holds tickets, tell the store it is alive: a dead process's tickets are dropped."""
        failing = False
        while True:
            time.sleep(HEARTBEAT_S)
            with self._lock:
                held = sorted(self._held)
                if not held:
                    self._beating = False
                    return
            try:
                present = self.store.queue_heartbeat(held)
            except Exception:
                if not failing:  # once per outage, not every few seconds
                    log.warning("queue heartbeat failed", exc_info=True)
                failing = True
                continue
            failing = False
            with self._lock:  # tickets no longer in the queue (dropped, or their store emptied) need no heartbeat
                self._held -= set(held) - set(present)


class Turn:
    """One Claude request's way through the gate, retries included, from its ticket to its end: the rules every
    caller follows (the generation's provider, the brief importer), kept in one place.

        turn = Turn(gate, gate.join(input_tokens=estimate, output_tokens=max_tokens))
        for place in turn.wait(cancel): show(place)    # returns when admitted; cancelled: it left, turn.left
        ... send; turn.observe(response.headers) ...
        wait = turn.failed(rate_limited=..., wait_s=backoff, headers=...)   # a retryable failure: back to the head
        turn.end(input_tokens=used_in, output_tokens=used_out)               # always, in a finally
    """

    def __init__(self, gate: Gate, ticket: Ticket) -> None:
        self.gate, self.ticket = gate, ticket
        self.left = False  # left the queue while waiting: nothing was sent this turn
        self._sent_at: float | None = None
        self._ended = False

    def wait(self, cancel: threading.Event) -> Iterator[Place]:
        """Yield the place while waiting. Cancel set: leave the queue (no request used, nothing sent)."""
        yield from self.gate.wait_turn(self.ticket, cancel)
        if cancel.is_set():
            self.gate.leave(self.ticket)
            self.left = self._ended = True
        else:
            self._sent_at = time.monotonic()

    def observe(self, headers: Mapping[str, str] | Any) -> None:
        self.gate.observe(headers)

    def failed(self, *, rate_limited: bool, wait_s: float, headers: Mapping[str, str] | Any = None) -> float:
        """The request was refused or failed and goes again: back to the head of the queue. A 429 pauses everyone
        until its retry-after (the wait happens in the queue). Returns the wait."""
        if rate_limited:
            return self.gate.throttled(self.ticket, retry_after_s(headers, wait_s), headers)
        self.gate.retry_later(self.ticket, wait_s)
        return wait_s

    def end(self, *, input_tokens: int | None = 0, output_tokens: int | None = 0) -> None:
        """The request is over: give back what it reserved and did not use. 0 and 0: the server never started a
        message (a refusal, a connection cut before it), so nothing was used; None: unknown, count all reserved."""
        if self._ended:
            return
        self._ended = True
        measured = input_tokens != 0 or output_tokens != 0  # a request served: its duration counts for estimates
        duration = time.monotonic() - self._sent_at if measured and self._sent_at is not None else None
        try:
            self.gate.release(self.ticket, input_tokens=input_tokens, output_tokens=output_tokens, duration_s=duration)
        except Exception:  # the request's outcome matters more; the ticket is dropped once stale
            log.warning("could not give the queue ticket back", exc_info=True)


@dataclass(frozen=True)
class Queued:
    """A provider event: the request waits for its turn at place; None once its turn has come and it is sent."""

    place: Place | None
