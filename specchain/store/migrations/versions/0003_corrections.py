"""The PM's corrections of what was read from the brief (fact key → corrected text), saved with the workspace.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing workspaces have no corrections: the server default fills their rows with an empty JSON object.
    op.add_column("workspaces", sa.Column("corrections_json", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("corrections_json")
