"""The store's tables (SQLAlchemy Core). Every change here is also a migration under migrations/versions/.

Text a user or a model wrote lives in JSON text (which escapes NUL, refused by PostgreSQL's text type) or, for the
run's growing text, in UTF-8 bytes, so every character round-trips exactly on both engines.
Tokens are stored only as SHA-256 hashes: a copy of the database opens no one's work.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; naive UTC in the database, so SQLite compares them as plain strings."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = MetaData()

workspaces = Table(
    "workspaces", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("step_id", String(100), nullable=False),
    Column("values_json", Text, nullable=False),
    Column("answers_json", Text, nullable=False),
    Column("corrections_json", Text, nullable=False, server_default="{}"),  # fact key → the PM's corrected text
    Column("settings_json", Text, nullable=False),  # EngineSettings: engine, model, lengths; never a key
    Column("viewing_version", Integer),
    Column("revision", Integer, nullable=False),  # +1 on every change: a stale tab's save is refused
    Column("last_outcome_json", Text),  # the last run that wrote nothing (a failure to show), as a RunRecord
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False, index=True),  # last use: idle work is purged by it
)

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("engine", Text, nullable=False),
    Column("model", Text, nullable=False),  # a custom model ID can be any length
    Column("stop_reason", Text, nullable=False),
    Column("cost_usd", Float),
    Column("document_chars", Integer, nullable=False),
    Column("record_json", Text, nullable=False),  # the whole RunRecord
    UniqueConstraint("workspace_id", "number", name="uq_versions_workspace_number"),
)

active_runs = Table(
    "active_runs", metadata,
    Column("id", String(32), primary_key=True),  # random, never reused: a stale worker can't touch a newer run
    # UNIQUE: one run per workspace, enforced by the database whichever process or tab starts it.
    Column("workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("version", Integer, nullable=False),  # the number it expects to become
    Column("state", Text, nullable=False),
    Column("detail", Text, nullable=False),  # the status line ("Claude is busy; trying again in 5 s")
    Column("request_json", Text, nullable=False),  # RunRequest: inputs, prompt, settings (no key), origins
    Column("visible_text", LargeBinary, nullable=False),  # UTF-8; the private planning text is never here
    Column("owner", Text, nullable=False),  # hostname:pid:random of the process running it
    Column("started_at", UTCDateTime, nullable=False),
    Column("first_text_at", UTCDateTime),
    Column("heartbeat_at", UTCDateTime, nullable=False, index=True),
    Column("stop_requested", Boolean, nullable=False),
)

share_links = Table(
    "share_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("generation", Integer, nullable=False),  # a new link after a revoke is a new token
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# The fair queue in front of Claude (specchain/queue.py). Admission is decided under the gate row's lock, strictly
# by seq (first come, first served); a ticket sent back after a 429 or a busy server keeps its seq, so its place.
queue_tickets = Table(
    "queue_tickets", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # the order of arrival
    Column("id", String(32), nullable=False, unique=True),  # random: a stale holder can't touch a newer ticket
    Column("run_id", String(32), index=True),  # the run waiting (None for a request made outside a run)
    Column("owner", Text, nullable=False),  # hostname:pid:random of the process holding it
    Column("state", String(16), nullable=False),  # "waiting" or "running" (admitted, its request in flight)
    Column("input_tokens", Integer, nullable=False),  # reserved: the prompt's estimate
    Column("output_tokens", Integer, nullable=False),  # reserved: max_tokens (the API counts it at the start)
    Column("enqueued_at", UTCDateTime, nullable=False),
    Column("admitted_at", UTCDateTime),
    Column("not_before", UTCDateTime),  # a retry after a busy server waits this long at the head of the queue
    Column("heartbeat_at", UTCDateTime, nullable=False, index=True),
)

queue_gate = Table(
    "queue_gate", metadata,
    Column("id", Integer, primary_key=True),  # one row, id 1: every admission locks it
    # Token buckets (None: full). Each refills at its per-minute limit / 60 per second, up to the limit.
    Column("requests_level", Float),
    Column("input_level", Float),
    Column("output_level", Float),
    Column("refilled_at", UTCDateTime),
    # Limits the API reported in its anthropic-ratelimit-* headers (None until a response said so).
    Column("requests_limit", Integer),
    Column("input_limit", Integer),
    Column("output_limit", Integer),
    Column("paused_until", UTCDateTime),  # a 429 stops every admission until then
    Column("pause_reason", Text),
    Column("avg_request_s", Float),  # how long a request takes (moving average): the wait estimates use it
)
