"""Workspaces (the brief, answers, settings) and their versions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from specchain.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("step_id", sa.String(100), nullable=False),
        sa.Column("values_json", sa.Text, nullable=False),
        sa.Column("answers_json", sa.Text, nullable=False),
        sa.Column("settings_json", sa.Text, nullable=False),
        sa.Column("viewing_version", sa.Integer),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_workspaces_updated_at", "workspaces", ["updated_at"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("engine", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("stop_reason", sa.Text, nullable=False),
        sa.Column("cost_usd", sa.Float),
        sa.Column("document_chars", sa.Integer, nullable=False),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.UniqueConstraint("workspace_id", "number", name="uq_versions_workspace_number"),
    )


def downgrade() -> None:
    op.drop_table("versions")
    op.drop_index("ix_workspaces_updated_at", "workspaces")
    op.drop_table("workspaces")
