"""Faults and safety of the store: migrations of older databases, read-only and full databases, an unreachable
server, and what never reaches the database file (API keys, the private planning text, tokens in clear).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text

from specchain.private import PrivateBlockFilter
from specchain.providers import EngineSettings, GenerationRequest, Text
from specchain.providers.claude import ClaudeProvider
from specchain.store import StoreFault, open_store
from specchain.store.base import new_token, now_utc
from specchain.store.engine import current_revision, make_engine, migrate
from specchain.store.tables import metadata, workspaces
from tests.fake_anthropic import PLANNING_MARKER, FakeAnthropic
from tests.postgres import PostgresServer, free_port
from tests.store_fixtures import STEP, make_inputs, make_record, make_request


def test_a_database_from_the_first_schema_is_migrated_on_start_and_keeps_its_rows(store_url: str) -> None:
    engine = make_engine(store_url)
    migrate(engine, "0001")  # the database as the first release left it
    token = new_token()
    now = now_utc()
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO workspaces (token_hash, step_id, values_json, answers_json, settings_json, revision, "
            "created_at, updated_at) VALUES (:h, :s, :v, '[]', '{\"engine\": \"offline\"}', 1, :now, :now)"),
            {"h": hashlib.sha256(token.encode()).hexdigest(), "s": STEP, "v": '{"app_name": "From 0001"}',
             "now": now.replace(tzinfo=None)})
    engine.dispose()

    store = open_store(store_url)  # start-up migrates to the newest schema
    try:
        assert current_revision(store.engine) == "0004"
        state = store.load_workspace(token)
        assert state is not None and state.values == {"app_name": "From 0001"} and state.last_outcome is None
        run = store.start_run(token, make_request())  # the new tables work on the old row
        assert store.finish_run(run.run_id, make_record()) == 1
    finally:
        store.close()


def test_the_migrations_build_exactly_the_tables_the_code_uses(store_url: str) -> None:
    store = open_store(store_url)
    try:
        with store.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        store.close()
    assert differences == []


def test_processes_starting_at_once_migrate_once(store_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            barrier.wait()
            open_store(store_url).close()
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_sqlite_uses_wal_and_write_transactions_take_the_write_lock_at_once(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "locks.sqlite3"
    store = open_store(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with store._read() as connection:  # a reader holds no write lock: others can write meanwhile
            connection.execute(text("SELECT count(*) FROM workspaces")).scalar()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        with store._write() as connection:  # a writer holds it from BEGIN, before its first read
            connection.execute(text("SELECT count(*) FROM workspaces")).scalar()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        store.close()


def test_no_api_key_planning_text_or_token_ever_reaches_the_database_file(tmp_path: Path) -> None:
    """A real Claude run through the SDK against the local Messages API: key in, planning block in the stream."""
    key = "sk-ant-api03-" + "K3yN3v3rOnD1sk" * 4
    path = tmp_path / "work.sqlite3"
    store = open_store(f"sqlite:///{path}")
    fake = FakeAnthropic(chunk_chars=23).start()
    try:
        token = store.create_workspace(STEP, values=dict(make_inputs().values))
        settings = EngineSettings(engine="claude", model="claude-sonnet-5-5")
        store.save_settings(token, settings)
        request = make_request(settings=settings)
        run = store.start_run(token, request)
        provider = ClaudeProvider(api_key=key, base_url=fake.url)
        private = PrivateBlockFilter("performance_planning")
        visible = ""
        generation = GenerationRequest(step_id=STEP, inputs=request.inputs, prompt=request.prompt, settings=settings)
        for event_ in provider.stream(generation, threading.Event()):
            if isinstance(event_, Text):
                visible += private.feed(event_.text)
                store.checkpoint(run.run_id, visible, "writing")
        visible += private.finish()
        assert private.private_chars > 0 and len(visible) > 5000  # the stream really had a planning block
        number = store.finish_run(run.run_id, make_record(visible))
        share = store.create_share(token, number)
        second = store.start_run(token, request)  # and one left in progress, as a crash would leave it
        store.checkpoint(second.run_id, visible[:3000], "writing")
    finally:
        fake.stop()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("work.sqlite3"))
    store.close()
    raw += path.read_bytes()
    assert visible[:2000].encode() in raw  # the document is there (so the search below can find things)
    for secret in (key, "K3yN3v3rOnD1sk", PLANNING_MARKER, "performance_planning", token, share):
        assert secret.encode() not in raw, secret


def test_postgres_data_files_hold_no_key_or_planning_text(pg_server: PostgresServer) -> None:
    url = pg_server.create_database("secrets_check")
    store = open_store(url)
    try:
        token = store.create_workspace(STEP)
        run = store.start_run(token, make_request())
        store.checkpoint(run.run_id, "# Visible document text VISIBLE-4c1e\n", "writing")
        store.finish_run(run.run_id, make_record("# Visible document text VISIBLE-4c1e\n"))
    finally:
        store.close()
    pg_server.psql("CHECKPOINT")
    raw = b"".join(p.read_bytes() for p in pg_server.data_dir.rglob("*") if p.is_file())
    pg_server.drop_database("secrets_check")
    assert b"VISIBLE-4c1e" in raw
    assert token.encode() not in raw and PLANNING_MARKER.encode() not in raw


def _read_only_url(store_url: str, pg_server: PostgresServer | None) -> str:
    if store_url.startswith("sqlite"):
        return "sqlite:///file:" + store_url.removeprefix("sqlite:///") + "?mode=ro&uri=true"
    database = store_url.rsplit("/", 1)[1]
    assert pg_server is not None
    pg_server.psql(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
    return store_url


def test_a_read_only_database_says_so_plainly_and_changes_nothing(
        store_url: str, request: pytest.FixtureRequest) -> None:
    writable = open_store(store_url)
    token = writable.create_workspace(STEP, values={"app_name": "Acme"})
    writable.add_version(token, make_record())
    writable.close()
    pg = request.getfixturevalue("pg_server") if store_url.startswith("postgresql") else None
    store = open_store(_read_only_url(store_url, pg))
    try:
        assert store.load_workspace(token).values == {"app_name": "Acme"}  # reading still works
        for attempt in (lambda: store.save_brief(token, {"app_name": "Typed by the PM"}),
                        lambda: store.create_workspace(STEP),
                        lambda: store.start_run(token, make_request()),
                        lambda: store.add_version(token, make_record())):
            with pytest.raises(StoreFault) as failed:
                attempt()
            assert failed.value.kind == "read_only"
            assert failed.value.message.startswith("Your work couldn't be saved right now: the database is read-only.")
            assert "still on the screen" in failed.value.message
        assert store.load_workspace(token).values == {"app_name": "Acme"}
        assert len(store.list_versions(token)) == 1
    finally:
        store.close()


def test_an_immutable_sqlite_file_is_read_only_even_for_root(tmp_path: Path) -> None:
    path = tmp_path / "immutable.sqlite3"
    store = open_store(f"sqlite:///{path}")
    token = store.create_workspace(STEP, values={"app_name": "Acme"})
    store.close()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
        pytest.skip("this filesystem has no immutable attribute (the ?mode=ro test covers read-only files)")
    try:
        store = open_store(f"sqlite:///{path}")
        assert store.load_workspace(token).values == {"app_name": "Acme"}
        with pytest.raises(StoreFault) as failed:
            store.save_brief(token, {"app_name": "Typed"})
        assert failed.value.kind == "read_only"
        store.close()
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_full_disk_says_so_and_leaves_nothing_half_written(tmp_path: Path) -> None:
    """SQLite's max_page_count makes the file unable to grow: the real SQLITE_FULL error of a full disk."""
    path = tmp_path / "full.sqlite3"
    store = open_store(f"sqlite:///{path}")
    token = store.create_workspace(STEP, values={"app_name": "Acme"})
    run = store.start_run(token, make_request())
    store.checkpoint(run.run_id, "# Acme\n\nShort so far", "writing")

    @event.listens_for(store.engine, "connect")
    def fill_the_disk(dbapi_connection, _record) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()  # new connections, each with no room to grow
    big = "A long section. " * 40_000
    attempts = [
        lambda: store.save_brief(token, {"app_name": "Acme", "expected_load": big}),
        lambda: store.finish_run(run.run_id, make_record("# Acme\n\n" + big)),
        lambda: store.add_version(token, make_record(big)),
    ]
    for attempt in attempts:
        with pytest.raises(StoreFault) as failed:
            attempt()
        assert failed.value.kind == "full"
        assert failed.value.message.startswith("Your work couldn't be saved right now: the server's disk is full.")
    state = store.load_workspace(token)
    assert state.values == {"app_name": "Acme"} and state.versions == ()
    assert store.active_run(token).text == "# Acme\n\nShort so far"  # finish_run changed nothing at all

    event.remove(store.engine, "connect", fill_the_disk)
    store.engine.dispose()  # room again: the same calls now succeed
    assert store.finish_run(run.run_id, make_record("# Acme\n\n" + big)) == 1
    store.close()


def test_an_unreachable_server_is_explained_in_plain_words() -> None:
    with pytest.raises(StoreFault) as failed:
        open_store(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing_listens_here")
    assert failed.value.kind == "unreachable"
    assert "the database can't be reached" in failed.value.message
    with pytest.raises(StoreFault) as no_file:
        open_store("sqlite:////nonexistent-folder/work.sqlite3")
    assert no_file.value.kind == "unreachable" and "Your saved work couldn't be opened" in no_file.value.message


def test_a_server_that_goes_away_mid_session_is_explained_in_plain_words(pg_server: PostgresServer) -> None:
    with PostgresServer.start() as server:
        store = open_store(server.create_database("going_away"))
        token = store.create_workspace(STEP)
        server.stop()
        with pytest.raises(StoreFault) as failed:
            store.save_brief(token, {"app_name": "Typed while the server was down"})
        assert failed.value.kind == "unreachable"
        assert failed.value.message.startswith(
            "Your work couldn't be saved right now: the database can't be reached.")
        with pytest.raises(StoreFault) as failed_read:
            store.load_workspace(token)
        assert failed_read.value.message.startswith("Your saved work couldn't be opened right now")
        store.close()


def test_the_default_database_is_a_git_ignored_file_and_database_url_wins(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from specchain.store.engine import DEFAULT_DB_PATH, ROOT, database_url

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SPECCHAIN_DB_PATH", raising=False)
    assert database_url() == f"sqlite:///{DEFAULT_DB_PATH}"
    assert DEFAULT_DB_PATH.parent == ROOT / "data"
    assert "/data/" in (ROOT / ".gitignore").read_text().splitlines(), "the default database must be git-ignored"
    monkeypatch.setenv("SPECCHAIN_DB_PATH", str(tmp_path / "elsewhere.sqlite3"))
    assert database_url() == f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/specchain")
    assert database_url() == "postgresql+psycopg://u:p@db:5432/specchain"
    assert database_url("sqlite:///given.sqlite3") == "sqlite:///given.sqlite3"
    assert workspaces.name == "workspaces"
