"""The fair queue's storage: tickets in order of arrival and the gate row with its token buckets.

Every decision is one short transaction that locks the gate row first (SELECT … FOR UPDATE on PostgreSQL; SQLite has
one writer, this process's write lock and BEGIN IMMEDIATE), so admissions are strictly in order of arrival whichever
process asks. A waiter that finds the gate row locked by another process's admission pass skips it (SKIP LOCKED)
and reads its place instead: that pass admits it if its turn has come.

Every write is "expendable" (PostgreSQL need not wait for the disk): the queue is coordination, not work; a commit
lost in a database crash only changes who goes next, and a holder whose ticket vanished joins again.

A ticket is dropped when its holder is gone: a process of this host that no longer exists, a heartbeat older than
limits.stale_after_s, or a run that is no longer in progress (RunService filed it as interrupted).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from specchain import queue as policy
from specchain.queue import (
    Place,
    QueueLimits,
    QueueView,
    RateLimitReport,
    Ticket,
    TicketGone,
    Waiting,
)
from specchain.store.base import StoreBase, guarded, now_utc
from specchain.store.checkpoints import owner_is_dead, plain
from specchain.store.tables import active_runs, queue_gate, queue_tickets

LEVEL_COLUMNS = {"requests": "requests_level", "input": "input_level", "output": "output_level"}
LIMIT_COLUMNS = {"requests": "requests_limit", "input": "input_limit", "output": "output_limit"}


class _Gate:
    """The gate row, refilled to now, as the transaction changes it."""

    def __init__(self, row: Row[Any], limits: QueueLimits, now: datetime) -> None:
        # A transaction that waited for the lock took its time before another saved a later one: never go back in
        # time, or the refill since that later time would be counted twice (and the API refuse what we admit).
        now = max(now, row.refilled_at) if row.refilled_at else now
        self.now = now
        self.limits = limits
        self.learned = {kind: getattr(row, column) for kind, column in LIMIT_COLUMNS.items()}
        self.caps = limits.per_minute(self.learned)
        stored = {kind: getattr(row, column) for kind, column in LEVEL_COLUMNS.items()}
        elapsed = (now - row.refilled_at).total_seconds() if row.refilled_at else 0.0
        self.levels = policy.refill(stored, self.caps, elapsed)
        self.paused_until: datetime | None = row.paused_until if row.paused_until and row.paused_until > now else None
        self.pause_reason = row.pause_reason or ""
        self.avg_request_s = row.avg_request_s or policy.DEFAULT_REQUEST_S

    def give_back(self, kind: str, amount: float) -> None:
        self.levels[kind] = min(self.caps[kind], self.levels[kind] + max(0.0, amount))

    def save(self, connection: Connection) -> None:
        values: dict[str, Any] = {column: self.levels[kind] for kind, column in LEVEL_COLUMNS.items()}
        values.update({column: self.learned[kind] for kind, column in LIMIT_COLUMNS.items()})
        connection.execute(update(queue_gate).where(queue_gate.c.id == 1).values(
            **values, refilled_at=self.now, paused_until=self.paused_until,
            pause_reason=self.pause_reason if self.paused_until else None, avg_request_s=self.avg_request_s))

    def pause_s(self) -> float:
        return max(0.0, (self.paused_until - self.now).total_seconds()) if self.paused_until else 0.0


class QueueStore(StoreBase):
    @guarded(writing=True)
    def queue_join(self, ticket: Ticket, owner: str) -> None:
        now = now_utc()
        with self._write(expendable=True) as connection:
            connection.execute(queue_tickets.insert().values(
                id=ticket.id, run_id=ticket.run_id, owner=owner, state="waiting", input_tokens=ticket.input_tokens,
                output_tokens=ticket.output_tokens, enqueued_at=now, admitted_at=None, not_before=None,
                heartbeat_at=now))

    @guarded(writing=True)
    def queue_admit(self, ticket_id: str, limits: QueueLimits, *, now: datetime | None = None) -> Place | None:
        """Admit whoever's turn it is (in order, as far as the limits allow); None when ticket_id is now in flight,
        else its place. Raises TicketGone when the ticket was dropped."""
        now = now or now_utc()
        with self._write(expendable=True) as connection:
            row = _lock_gate(connection, skip_locked=True)
            if row is None:  # another process is admitting right now: it admits us if it is our turn
                own = connection.execute(select(queue_tickets).where(queue_tickets.c.id == ticket_id)).first()
                if own is None:
                    raise TicketGone()
                if own.state == "running":
                    return None
                connection.execute(update(queue_tickets).where(queue_tickets.c.id == ticket_id)
                                   .values(heartbeat_at=now))
                return _place_of(connection, own, limits, now)
            gate = _Gate(row, limits, now)
            tickets = _live_tickets(connection, gate)
            admitted = _admit(connection, gate, tickets)
            gate.save(connection)
            own = next((t for t in tickets if t.id == ticket_id), None)
            if own is None:
                raise TicketGone()
            if own.state == "running" or own.id in admitted:
                return None
            connection.execute(update(queue_tickets).where(queue_tickets.c.id == ticket_id).values(heartbeat_at=now))
            return _place(gate, [t for t in tickets if t.state == "running" or t.id in admitted],
                          [t for t in tickets if t.state == "waiting" and t.id not in admitted], own)

    @guarded(writing=True)
    def queue_release(self, ticket_id: str, limits: QueueLimits, input_used: int | None, output_used: int | None,
                      duration_s: float | None, *, returns_request: bool = False) -> None:
        """The ticket's request ended (or it left the queue): give back what it reserved and did not use."""
        now = now_utc()
        with self._write(expendable=True) as connection:
            gate = _Gate(_lock_gate(connection), limits, now)
            ticket = connection.execute(select(queue_tickets).where(queue_tickets.c.id == ticket_id)).first()
            if ticket is None:
                return
            if ticket.state == "running":
                if input_used is not None:
                    gate.give_back("input", ticket.input_tokens - input_used)
                if output_used is not None:
                    gate.give_back("output", ticket.output_tokens - output_used)
                if returns_request:
                    gate.give_back("requests", 1)
                if duration_s is not None and duration_s > 0:  # a moving average, for the wait estimates
                    gate.avg_request_s = 0.7 * gate.avg_request_s + 0.3 * duration_s
            connection.execute(delete(queue_tickets).where(queue_tickets.c.id == ticket_id))
            gate.save(connection)

    @guarded(writing=True)
    def queue_requeue(self, ticket_id: str, limits: QueueLimits, *, pause_s: float, retry_in_s: float,
                      reason: str = "rate_limit") -> None:
        """Put an admitted ticket back at its place (the head: it keeps its seq), its tokens given back, since the
        request was not served. pause_s > 0 (a 429) pauses every admission for that long."""
        now = now_utc()
        with self._write(expendable=True) as connection:
            gate = _Gate(_lock_gate(connection), limits, now)
            ticket = connection.execute(select(queue_tickets).where(queue_tickets.c.id == ticket_id)).first()
            if ticket is None:
                raise TicketGone()
            if ticket.state == "running":
                gate.give_back("input", ticket.input_tokens)
                gate.give_back("output", ticket.output_tokens)
            if pause_s > 0:
                until = now + timedelta(seconds=pause_s)
                gate.paused_until = max(gate.paused_until or until, until)
                gate.pause_reason = plain(reason)
            connection.execute(update(queue_tickets).where(queue_tickets.c.id == ticket_id).values(
                state="waiting", admitted_at=None, heartbeat_at=now,
                not_before=now + timedelta(seconds=retry_in_s) if retry_in_s > 0 else None))
            gate.save(connection)

    @guarded(writing=True)
    def queue_observe(self, report: RateLimitReport, limits: QueueLimits) -> None:
        """Take the API's word for the limits and for what remains of them (other users of the key count too)."""
        now = now_utc()
        with self._write(expendable=True) as connection:
            gate = _Gate(_lock_gate(connection), limits, now)
            for kind, limit in report.limits.items():
                gate.learned[kind] = limit or None
            gate.caps = limits.per_minute(gate.learned)
            for kind in policy.KINDS:
                gate.levels[kind] = min(gate.levels[kind], gate.caps[kind])
                if kind in report.remaining:
                    gate.levels[kind] = min(gate.levels[kind], float(report.remaining[kind]))
            gate.save(connection)

    @guarded(writing=True)
    def queue_heartbeat(self, ticket_ids: Sequence[str]) -> list[str]:
        """Beat the tickets' heartbeat; returns those still in the queue."""
        with self._write(expendable=True) as connection:
            return list(connection.execute(update(queue_tickets).where(queue_tickets.c.id.in_(list(ticket_ids)))
                                           .values(heartbeat_at=now_utc()).returning(queue_tickets.c.id)).scalars())

    @guarded(writing=False)
    def queue_place(self, run_id: str, limits: QueueLimits) -> Place | None:
        """A run's place while it waits (None when it is not waiting): read-only, from any process."""
        now = now_utc()
        with self._read() as connection:
            own = connection.execute(select(queue_tickets).where(queue_tickets.c.run_id == run_id)
                                     .order_by(queue_tickets.c.seq.desc()).limit(1)).first()
            if own is None or own.state != "waiting":
                return None
            return _place_of(connection, own, limits, now)

    @guarded(writing=False)
    def queue_view(self, limits: QueueLimits) -> QueueView:
        now = now_utc()
        with self._read() as connection:
            gate = _Gate(connection.execute(select(queue_gate).where(queue_gate.c.id == 1)).one(), limits, now)
            tickets = connection.execute(select(queue_tickets).order_by(queue_tickets.c.seq)).all()
        running = [t for t in tickets if t.state == "running"]
        return QueueView(
            waiting=tuple(t.id for t in tickets if t.state == "waiting"), running=tuple(t.id for t in running),
            levels=gate.levels, caps=gate.caps, paused_for_s=gate.pause_s(),
            reserved={"input": float(sum(t.input_tokens for t in running)),
                      "output": float(sum(t.output_tokens for t in running))},
            known=policy.known_limits(limits, gate.learned))


def _lock_gate(connection: Connection, *, skip_locked: bool = False) -> Row[Any] | None:
    query = select(queue_gate).where(queue_gate.c.id == 1)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=skip_locked)
    return connection.execute(query).first() if skip_locked else connection.execute(query).one()


def _live_tickets(connection: Connection, gate: _Gate) -> list[Row[Any]]:
    """Every ticket in order, after dropping those whose holder is gone."""
    tickets = connection.execute(select(queue_tickets).order_by(queue_tickets.c.seq)).all()
    run_ids = {t.run_id for t in tickets if t.run_id}
    live_runs = set(connection.execute(select(active_runs.c.id).where(active_runs.c.id.in_(run_ids))).scalars()
                    ) if run_ids else set()
    stale = gate.now - timedelta(seconds=gate.limits.stale_after_s)
    dead_owner: dict[str, bool] = {}
    dropped = []
    for ticket in tickets:
        if ticket.owner not in dead_owner:
            dead_owner[ticket.owner] = owner_is_dead(ticket.owner)
        if dead_owner[ticket.owner] or ticket.heartbeat_at < stale or (ticket.run_id and ticket.run_id not in live_runs):
            dropped.append(ticket.id)  # a running one's reservation stays spent: the buckets refill it
    if dropped:
        connection.execute(delete(queue_tickets).where(queue_tickets.c.id.in_(dropped)))
    return [t for t in tickets if t.id not in set(dropped)]


def _admit(connection: Connection, gate: _Gate, tickets: list[Row[Any]]) -> set[str]:
    """Admit waiting tickets from the head, in order, while the limits allow; the first that can't go blocks the
    rest (first come, first served: a small request never overtakes a large one)."""
    in_flight = sum(1 for t in tickets if t.state == "running")
    admitted = []
    for ticket in tickets:
        if ticket.state != "waiting":
            continue
        if gate.paused_until or (ticket.not_before and ticket.not_before > gate.now):
            break
        if in_flight >= gate.limits.max_in_flight:
            break
        need = policy.needs(ticket.input_tokens, ticket.output_tokens, gate.caps)
        if any(gate.levels[kind] < need[kind] for kind in policy.KINDS):
            break
        for kind in policy.KINDS:
            gate.levels[kind] -= need[kind]
        in_flight += 1
        admitted.append(ticket.id)
    if admitted:
        connection.execute(update(queue_tickets).where(queue_tickets.c.id.in_(admitted)).values(
            state="running", admitted_at=gate.now, not_before=None))
    return set(admitted)


def _place(gate: _Gate, running: list[Row[Any]], waiting: list[Row[Any]], own: Row[Any]) -> Place:
    """own's place, from the running tickets and the waiting ones in order. A just-admitted ticket's admitted_at is
    the pass's time."""
    waiting = [t for t in waiting if t.seq <= own.seq]
    starts = policy.estimate_starts(
        levels=gate.levels, caps=gate.caps, max_in_flight=gate.limits.max_in_flight,
        running_for_s=[(gate.now - t.admitted_at).total_seconds() if t.admitted_at else 0.0 for t in running],
        avg_request_s=gate.avg_request_s, pause_s=gate.pause_s(),
        waiting=[Waiting(t.input_tokens, t.output_tokens,
                         max(0.0, (t.not_before - gate.now).total_seconds()) if t.not_before else 0.0)
                 for t in waiting])
    return Place(people_ahead=len(waiting) - 1, eta_s=starts[-1] if starts else 0.0,
                 reason=_reason(gate, running, waiting[0] if waiting else own))


def _reason(gate: _Gate, running: list[Row[Any]], head: Row[Any]) -> str:
    if gate.paused_until:
        return "paused"
    if head.not_before and head.not_before > gate.now:
        return "retry"
    if len(running) >= gate.limits.max_in_flight:
        return "in_flight"
    need = policy.needs(head.input_tokens, head.output_tokens, gate.caps)
    return next((kind for kind in policy.KINDS if gate.levels[kind] < need[kind]), "queue")


def _place_of(connection: Connection, own: Row[Any], limits: QueueLimits, now: datetime) -> Place:
    gate = _Gate(connection.execute(select(queue_gate).where(queue_gate.c.id == 1)).one(), limits, now)
    tickets = connection.execute(select(queue_tickets).where(
        (queue_tickets.c.state == "running") | (queue_tickets.c.seq <= own.seq)).order_by(queue_tickets.c.seq)).all()
    return _place(gate, [t for t in tickets if t.state == "running"], [t for t in tickets if t.state == "waiting"],
                  own)
