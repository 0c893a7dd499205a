"""The PM's corrections of what was read from the brief are saved with the workspace (migration 0003), travel
with each version, and an older database is upgraded without losing a row. SQLite and a real PostgreSQL server."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from specchain.inputs import Answer, ChainInputs
from specchain.store import Store, open_store
from specchain.store.base import new_token, now_utc
from specchain.store.engine import current_revision, make_engine, migrate
from tests.store_fixtures import STEP, make_record
from tests.test_store import HOSTILE

CORRECTIONS = {"availability": "99.95%", "stack.database": "Oracle 19c", "rpo": ""}


def test_corrections_are_saved_with_the_workspace_and_survive_a_restart(store_url: str) -> None:
    store = open_store(store_url)
    token = store.create_workspace(STEP, values={"app_name": "Acme"})
    assert store.load_workspace(token).corrections == {}  # a new workspace has none
    store.save_answers(token, (Answer(version=1, question="Region?", answer="EU"),))
    store.save_corrections(token, CORRECTIONS)
    store.close()

    reopened = open_store(store_url)  # a server restart
    try:
        state = reopened.load_workspace(token)
        assert state is not None
        assert state.corrections == CORRECTIONS  # "" (a fact removed) is kept, not dropped
        assert state.answers == (Answer(version=1, question="Region?", answer="EU"),)  # the other parts untouched
        assert state.values == {"app_name": "Acme"}
        reopened.save_brief(token, {"app_name": "Acme 2"})  # saving another part leaves the corrections alone
        assert reopened.load_workspace(token).corrections == CORRECTIONS
        reopened.save_corrections(token, {})  # every correction undone
        assert reopened.load_workspace(token).corrections == {}
    finally:
        reopened.close()


def test_hostile_correction_text_round_trips_and_travels_with_a_version(store: Store) -> None:
    token = store.create_workspace(STEP)
    hostile = {f"key.{name}": value for name, value in HOSTILE.items()}
    store.save_corrections(token, hostile)
    assert store.load_workspace(token).corrections == hostile
    inputs = ChainInputs(values={"app_name": "Acme"}, corrections=CORRECTIONS)
    number = store.add_version(token, make_record(inputs=inputs))
    assert store.get_version(token, number).inputs.corrections == CORRECTIONS


def test_a_database_at_0002_with_rows_is_upgraded_to_0003_and_keeps_them(store_url: str) -> None:
    engine = make_engine(store_url)
    migrate(engine, "0002")  # the database as the previous release left it
    token = new_token()
    now = now_utc().replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO workspaces (token_hash, step_id, values_json, answers_json, settings_json, revision, "
            "created_at, updated_at) VALUES (:h, :s, :v, :a, '{\"engine\": \"offline\"}', 4, :now, :now)"),
            {"h": hashlib.sha256(token.encode()).hexdigest(), "s": STEP, "v": '{"app_name": "From 0002"}',
             "a": '[{"version": 1, "question": "Region?", "answer": "EU"}]', "now": now})
        workspace_id = connection.execute(text("SELECT id FROM workspaces")).scalar()
        connection.execute(text(
            "INSERT INTO versions (workspace_id, number, started_at, engine, model, stop_reason, document_chars, "
            "record_json) VALUES (:w, 1, :now, 'claude', 'm', 'end_turn', 10, :r)"),
            {"w": workspace_id, "now": now, "r": make_record("# From 0002\n").model_dump_json()})
    engine.dispose()

    store = open_store(store_url)  # start-up migrates to the newest schema
    try:
        assert current_revision(store.engine) == "0004"
        state = store.load_workspace(token)
        assert state is not None
        assert state.values == {"app_name": "From 0002"} and state.revision == 4
        assert state.answers == (Answer(version=1, question="Region?", answer="EU"),)
        assert state.corrections == {}  # the new column's default, on a row that existed before it
        old = store.get_version(token, 1)  # a version saved before corrections existed still opens
        assert old is not None and old.document == "# From 0002\n" and old.inputs.corrections == {}
        store.save_corrections(token, CORRECTIONS)  # and the upgraded row takes corrections
        assert store.load_workspace(token).corrections == CORRECTIONS
    finally:
        store.close()
