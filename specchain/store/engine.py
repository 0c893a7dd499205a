"""Where the store lives and how to talk to it: the database URL, the engine, and migrations on start-up.

SQLite (the default, one file) is set up for many threads of one or more processes: WAL (readers never wait for
the writer), a busy timeout, and write transactions that take the write lock at once (BEGIN IMMEDIATE). Without
that last part a transaction that reads and then writes fails with "database is locked" whenever another writer
got in between, busy timeout or not. PostgreSQL (`DATABASE_URL`) is the store for several app processes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = ROOT / "data" / "specchain.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_S = 30.0
READ = {"specchain_read": True}  # execution option: a read-only transaction (a plain, deferred BEGIN on SQLite)
_MIGRATION_LOCK = 0x5EC0C4A1  # PostgreSQL advisory lock key: one process migrates at a time


def database_url(url: str | None = None) -> str:
    """The URL given, else DATABASE_URL, else the SQLite file at SPECCHAIN_DB_PATH (default data/specchain.sqlite3)."""
    url = url or os.environ.get("DATABASE_URL", "").strip()
    if not url:
        path = Path(os.environ.get("SPECCHAIN_DB_PATH", "").strip() or DEFAULT_DB_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    # postgres:// and postgresql:// (as hosting providers write them) mean the psycopg 3 driver we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                               pool_size=8, max_overflow=24, pool_timeout=BUSY_TIMEOUT_S, hide_parameters=True)
        _set_up_sqlite(engine)
        return engine
    # hide_parameters: a failing statement's values (a brief, a document) never go into an error message or log.
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 40,
                               "pool_timeout": BUSY_TIMEOUT_S, "hide_parameters": True}
    if parsed.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": 5, "application_name": "specchain"}
    return create_engine(url, **options)


def _set_up_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, instead of the sqlite3 module's late BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across app crashes, fast commits
            with contextlib.suppress(sqlite3.OperationalError):  # a read-only file can't switch; reads still work
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get("specchain_read", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def alembic_config() -> Config:
    # Alembic (and Mako) load only when the schema must change: they cost 0.8 s at start-up.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema's revision, read with plain SQL (alembic_version), or None for an empty database."""
    with engine.connect() as connection:
        connection.execution_options(**READ)
        with connection.begin():
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """The newest migration's revision, from the files' names ("0003_….py" → "0003"): no Alembic import needed.
    tests/test_store_faults.py checks that it is Alembic's own head."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic). Safe when several processes start at once."""
    if revision == "head" and current_revision(engine) == head_revision():
        return  # up to date: no write lock taken, so a read-only database still opens for reading
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:  # BEGIN IMMEDIATE on SQLite: one migrator at a time
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
