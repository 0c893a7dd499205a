"""Runs in progress (checkpoints, one per workspace), share links, and the last run that wrote nothing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from specchain.store.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("last_outcome_json", sa.Text))
    op.create_table(
        "active_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("request_json", sa.Text, nullable=False),
        sa.Column("visible_text", sa.LargeBinary, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("first_text_at", UTCDateTime),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
        sa.Column("stop_requested", sa.Boolean, nullable=False),
    )
    op.create_index("ix_active_runs_heartbeat_at", "active_runs", ["heartbeat_at"])
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_share_links_workspace_id", "share_links", ["workspace_id"])


def downgrade() -> None:
    op.drop_table("share_links")
    op.drop_table("active_runs")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("last_outcome_json")
