"""Saved work: workspaces, versions, runs in progress and share links, in SQLite or PostgreSQL. No Streamlit here.

    store = open_store()            # DATABASE_URL, else the SQLite file at SPECCHAIN_DB_PATH / data/specchain.sqlite3
    store.recover_interrupted()     # at start-up: file the runs of a process that died as "interrupted" versions
    store.purge_idle()              # at start-up: delete work idle for SPECCHAIN_KEEP_DAYS (default 30)
"""

from __future__ import annotations

from specchain.store.checkpoints import STALE_AFTER_S, owner_is_dead, process_owner
from specchain.store.engine import database_url, make_engine, migrate
from specchain.store.errors import (
    RunGone,
    RunInProgress,
    StaleWorkspace,
    StoreError,
    StoreFault,
    VersionNotFound,
    WorkspaceNotFound,
    translate,
)
from specchain.store.models import (
    RecoveredRun,
    RunRequest,
    RunSnapshot,
    SharedVersion,
    StartedRun,
    VersionSummary,
    WorkspaceState,
)
from specchain.store.shares import Store
from specchain.store.workspaces import DEFAULT_KEEP_DAYS, keep_days_from_env


def open_store(url: str | None = None) -> Store:
    """Connect (url, else DATABASE_URL, else the default SQLite file) and bring the schema up to date.

    Raises StoreFault with a plain sentence when the database can't be reached or opened.
    """
    engine = make_engine(database_url(url))
    try:
        migrate(engine)
    except StoreError:
        engine.dispose()
        raise
    except Exception as error:
        engine.dispose()
        raise translate(error, writing=False) from error
    return Store(engine)


__all__ = [
    "DEFAULT_KEEP_DAYS", "STALE_AFTER_S", "RecoveredRun", "RunGone", "RunInProgress", "RunRequest", "RunSnapshot",
    "SharedVersion", "StaleWorkspace", "StartedRun", "Store", "StoreError", "StoreFault", "VersionNotFound",
    "VersionSummary", "WorkspaceNotFound", "WorkspaceState", "keep_days_from_env", "open_store", "owner_is_dead",
    "process_owner",
]
