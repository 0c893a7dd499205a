"""The fair queue in front of Claude: tickets in order of arrival, and the one gate row with its token buckets.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from specchain.store.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_tickets",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("run_id", sa.String(32)),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("enqueued_at", UTCDateTime, nullable=False),
        sa.Column("admitted_at", UTCDateTime),
        sa.Column("not_before", UTCDateTime),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_queue_tickets_run_id", "queue_tickets", ["run_id"])
    op.create_index("ix_queue_tickets_heartbeat_at", "queue_tickets", ["heartbeat_at"])
    gate = op.create_table(
        "queue_gate",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("requests_level", sa.Float),
        sa.Column("input_level", sa.Float),
        sa.Column("output_level", sa.Float),
        sa.Column("refilled_at", UTCDateTime),
        sa.Column("requests_limit", sa.Integer),
        sa.Column("input_limit", sa.Integer),
        sa.Column("output_limit", sa.Integer),
        sa.Column("paused_until", UTCDateTime),
        sa.Column("pause_reason", sa.Text),
        sa.Column("avg_request_s", sa.Float),
    )
    op.bulk_insert(gate, [{"id": 1}])  # the row every admission locks: it exists before any process starts


def downgrade() -> None:
    op.drop_table("queue_gate")
    op.drop_table("queue_tickets")
