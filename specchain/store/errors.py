"""What can go wrong with saved work, each as one plain sentence a PM can act on.

Pages catch StoreError and show `message`; what the user typed stays in the page's widgets, and every store call
is one transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)


class StoreError(Exception):
    """A failure of the store, explained for the person in front of the screen."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreFault(StoreError):
    """The database itself failed: read-only, full, unreachable or busy (`kind` says which)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class WorkspaceNotFound(StoreError):
    kind = "not_found"

    def __init__(self) -> None:
        super().__init__("This link doesn't open any saved work. It may have been mistyped or deleted; "
                         "you can start a new document.")


class VersionNotFound(StoreError):
    kind = "not_found"

    def __init__(self, version: int) -> None:
        super().__init__(f"Version {version} isn't in this work any more.")


class StaleWorkspace(StoreError):
    """Another tab changed the work after this one loaded it."""

    kind = "stale"

    def __init__(self) -> None:
        super().__init__("This work was changed in another tab or window. The page now shows the latest; "
                         "please check it and try again.")


class RunInProgress(StoreError):
    kind = "run_in_progress"

    def __init__(self) -> None:
        super().__init__("A document is already being written for this work in another tab. "
                         "Stop it there (or here) or wait for it to finish.")


class RunGone(StoreError):
    """The run's row is no longer there: it was finished, recovered as interrupted, or its work was deleted."""

    kind = "run_gone"

    def __init__(self) -> None:
        super().__init__("This run has already ended.")


_REASONS = {
    "read_only": "the database is read-only",
    "full": "the server's disk is full",
    "unreachable": "the database can't be reached",
    "busy": "the database is too busy",
    "error": "the database reported an error",
}


def fault_message(kind: str, *, writing: bool) -> str:
    reason = _REASONS[kind]
    if writing:
        return (f"Your work couldn't be saved right now: {reason}. What you typed is still on the screen; "
                "try again in a moment, and if it keeps happening tell whoever runs this app.")
    return (f"Your saved work couldn't be opened right now: {reason}. Try again in a moment, and if it keeps "
            "happening tell whoever runs this app.")


def classify(error: BaseException) -> str:
    """Which of the faults in _REASONS a database exception is, from the driver's own error code."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return "busy"
    orig = getattr(error, "orig", None) or error
    if isinstance(orig, sqlite3.Error):
        name = getattr(orig, "sqlite_errorname", "") or ""
        text = str(orig).lower()
        if name.startswith("SQLITE_READONLY") or "readonly" in text:
            return "read_only"
        if name.startswith("SQLITE_FULL") or "disk is full" in text:
            return "full"
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return "busy"
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_PERM", "SQLITE_AUTH")):
            return "unreachable"
        return "error"
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate == "25006":  # read_only_sql_transaction (a read-only replica or database)
        return "read_only"
    if sqlstate.startswith("53"):  # insufficient resources: disk full, out of memory, too many connections
        return "full" if sqlstate == "53100" else "busy"
    if sqlstate.startswith(("08", "57P")) or getattr(error, "connection_invalidated", False):
        return "unreachable"
    if sqlstate in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock not available
        return "busy"
    if not sqlstate and type(orig).__name__ == "OperationalError":  # psycopg: connection refused, DNS, …
        return "unreachable"
    return "error"


def translate(error: BaseException, *, writing: bool) -> StoreFault:
    kind = classify(error)
    if kind == "error":
        log.exception("store failure", exc_info=error)
    else:
        log.warning("store %s: %s", kind, getattr(error, "orig", None) or error)
    return StoreFault(fault_message(kind, writing=writing), kind)
