"""Alembic's entry point, used only programmatically: engine.migrate() passes an open connection in."""

from __future__ import annotations

from alembic import context

from specchain.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():  # joins the caller's transaction (which holds the migration lock)
    context.run_migrations()
