"""The store's workspaces, versions and share links, each test on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from specchain.inputs import Answer
from specchain.providers import EngineSettings
from specchain.store import (
    StaleWorkspace,
    Store,
    VersionNotFound,
    WorkspaceNotFound,
    keep_days_from_env,
    open_store,
)
from specchain.store.base import new_token, now_utc
from specchain.store.tables import active_runs, share_links, versions, workspaces
from tests.store_fixtures import STEP, make_record, make_request

HOSTILE = {
    "app_name": "Robert'); DROP TABLE workspaces;-- \" OR 1=1 /* */",
    "expected_load": "\x00 NUL at the start, in the \x00 middle and at the end \x00",
    "performance_requirements": "中文 · العربية \u200fRTL\u200f · emoji 👩🏽‍💻🚀 · e\u0301 · \u202eevil\u202c · 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "technical_stack": "line\r\nbreaks\ttabs \\ backslashes $1 %s {{ jinja }} </user_data>",
    "growth_projections": "long " * 200_000,  # 1 MB
}


def test_a_workspace_keeps_everything_the_pm_made_across_a_restart(store_url: str) -> None:
    store = open_store(store_url)
    token = store.create_workspace(STEP)
    assert len(token) >= 43  # 256 random bits
    store.save_brief(token, {"app_name": "Acme", "expected_load": "2k users"})
    store.save_answers(token, (Answer(version=1, question="Region?", answer="EU"),))
    store.save_settings(token, EngineSettings(engine="claude", model="claude-opus-5-5", max_tokens=16000))
    store.add_version(token, make_record("# Acme v1\n"))
    store.save_viewing(token, 1)
    store.close()

    reopened = open_store(store_url)  # a server restart: a new engine, the same database
    state = reopened.load_workspace(token)
    reopened.close()
    assert state is not None
    assert state.values == {"app_name": "Acme", "expected_load": "2k users"}
    assert state.answers == (Answer(version=1, question="Region?", answer="EU"),)
    assert state.settings == EngineSettings(engine="claude", model="claude-opus-5-5", max_tokens=16000)
    assert state.viewing_version == 1
    assert [v.version for v in state.versions] == [1]
    assert state.active_run is None and state.last_outcome is None


def test_each_save_changes_only_its_field_and_a_stale_tab_is_refused(store: Store) -> None:
    token = store.create_workspace(STEP, values={"app_name": "Acme"})
    first = store.load_workspace(token)
    assert first is not None and first.revision == 1
    revision = store.save_settings(token, EngineSettings(engine="claude", model="m"), expected_revision=1)
    assert revision == 2
    after = store.load_workspace(token)
    assert after is not None and after.values == {"app_name": "Acme"} and after.settings.model == "m"
    with pytest.raises(StaleWorkspace) as stale:  # a tab still showing revision 1
        store.save_brief(token, {"app_name": "Old tab"}, expected_revision=1)
    assert "another tab" in stale.value.message
    assert store.load_workspace(token).values == {"app_name": "Acme"}
    store.save_viewing(token, None)
    assert store.load_workspace(token).viewing_version is None


def test_tokens_that_open_nothing_return_none_and_reveal_nothing(store: Store) -> None:
    token = store.create_workspace(STEP, values={"app_name": "Secret product"})
    store.add_version(token, make_record())
    share = store.create_share(token, 1)
    forged = [
        new_token(), token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper(), token + "x", token[:-1],
        "' OR '1'='1", "'; DROP TABLE workspaces; --", "x" * 10_000, "é" * 43, "😀" * 43, "\x00" * 43, "",
        " " + token[1:], share, None, 42, b"bytes", ["list"],
    ]
    for junk in forged:
        assert store.load_workspace(junk) is None
        assert store.list_versions(junk) == []  # type: ignore[arg-type]
        assert store.get_version(junk, 1) is None  # type: ignore[arg-type]
        assert store.active_run(junk) is None  # type: ignore[arg-type]
        assert store.request_stop(junk) is False  # type: ignore[arg-type]
        assert store.open_share(junk if junk != share else token) is None
        with pytest.raises(WorkspaceNotFound) as missing:
            store.save_brief(junk, {"app_name": "x"})  # type: ignore[arg-type]
        assert "doesn't open any saved work" in missing.value.message
    assert store.load_workspace(token).values == {"app_name": "Secret product"}  # nothing was changed or dropped


def test_hostile_and_huge_text_round_trips_exactly(store: Store) -> None:
    token = store.create_workspace(STEP)
    store.save_brief(token, HOSTILE)
    state = store.load_workspace(token)
    assert state is not None and state.values == HOSTILE
    record = make_record("# " + "\n".join(HOSTILE.values()), inputs=make_record().inputs.model_copy(
        update={"values": HOSTILE}))
    number = store.add_version(token, record)
    assert store.get_version(token, number) == record.model_copy(update={"version": number})
    run = store.start_run(token, make_request())
    text = "".join(HOSTILE.values())
    store.checkpoint(run.run_id, text, "writing", "Claude says: \x00 '; DROP TABLE active_runs; --")
    assert store.active_run(token).text == text
    assert store.active_run(token).detail == "Claude says:  '; DROP TABLE active_runs; --"  # a status line
    custom = EngineSettings(engine="claude", model="my-local-model:" + "q" * 500)  # "Other model ID", any length
    store.save_settings(token, custom)
    assert store.load_workspace(token).settings == custom
    long_model = record.model_copy(update={"settings": custom})
    assert store.get_version(token, store.add_version(token, long_model)).settings == custom
    assert store.load_workspace(token).values == HOSTILE  # and the tables are all still there


def test_lone_surrogates_from_a_model_are_stored_not_fatal(store: Store) -> None:
    token = store.create_workspace(STEP)
    store.save_brief(token, {"app_name": "a\ud800b"})
    assert store.load_workspace(token).values == {"app_name": "a\ufffdb"}
    number = store.add_version(token, make_record("text \udc00 end"))
    assert store.get_version(token, number).document == "text \ufffd end"
    run = store.start_run(token, make_request())
    store.checkpoint(run.run_id, "x\ud83dy", "writing")
    assert store.active_run(token).text == "x\ud83dy"
    assert store.finish_run(run.run_id, make_record("x\ud83dy")) == 2


def test_versions_are_numbered_in_order_and_listed_with_engine_time_cost_outcome(store: Store) -> None:
    token = store.create_workspace(STEP)
    records = [make_record(f"# Version {i}\n" + "x" * i, stop_reason=reason, cost=cost)
               for i, (reason, cost) in enumerate([("end_turn", 0.1), ("max_tokens", None), ("stopped", 0.3)], 1)]
    assert [store.add_version(token, r) for r in records] == [1, 2, 3]
    listed = store.list_versions(token)
    assert listed == [r.model_copy(update={"version": i}) for i, r in enumerate(records, 1)]
    assert store.get_version(token, 2).stop_reason == "max_tokens"
    assert store.get_version(token, 4) is None
    state = store.load_workspace(token)
    assert [(v.version, v.engine, v.model, v.stop_reason, v.cost_usd, v.document_chars) for v in state.versions] == [
        (i, "claude", "claude-sonnet-5-5", r.stop_reason, r.cost_usd, len(r.document)) for i, r in enumerate(records, 1)]
    assert state.versions[0].started_at == records[0].started_at


def test_versions_added_at_once_get_distinct_numbers(store: Store) -> None:
    token = store.create_workspace(STEP)
    numbers: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(12)

    def add(i: int) -> None:
        try:
            barrier.wait()
            numbers.append(store.add_version(token, make_record(f"# edited by tab {i}\n")))
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 13))
    assert [r.version for r in store.list_versions(token)] == list(range(1, 13))


def _rows(store: Store, table, workspace_id: int) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)
                                  .where(table.c.workspace_id == workspace_id)).scalar()


def test_delete_workspace_really_deletes_every_row(store: Store) -> None:
    token = store.create_workspace(STEP, values={"app_name": "Acme"})
    keep = store.create_workspace(STEP, values={"app_name": "Someone else's"})
    for t in (token, keep):
        store.add_version(t, make_record())
        store.add_version(t, make_record())
        store.create_share(t, 1)
        store.start_run(t, make_request())
    with store.engine.connect() as connection:
        workspace_id = connection.execute(select(workspaces.c.id).order_by(workspaces.c.id)).scalars().first()
    share = store.share_link(token, 1)
    assert store.delete_workspace(token) is True
    assert store.load_workspace(token) is None and store.open_share(share) is None
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(workspaces)
                                  .where(workspaces.c.id == workspace_id)).scalar() == 0
    for table in (versions, active_runs, share_links):
        assert _rows(store, table, workspace_id) == 0
    assert store.delete_workspace(token) is False
    other = store.load_workspace(keep)
    assert other is not None and len(other.versions) == 2 and other.active_run is not None


def _age(store: Store, token: str, days: float) -> None:
    from specchain.store.base import token_hash

    with store.engine.begin() as connection:
        connection.execute(update(workspaces).where(workspaces.c.token_hash == token_hash(token))
                           .values(updated_at=now_utc() - timedelta(days=days)))


def test_idle_work_is_purged_after_the_kept_days_and_used_work_is_not(store: Store) -> None:
    idle, recent, running = (store.create_workspace(STEP) for _ in range(3))
    store.add_version(idle, make_record())
    store.create_share(idle, 1)
    store.start_run(running, make_request())
    _age(store, idle, 31)
    _age(store, recent, 29)
    _age(store, running, 45)  # a run in progress is someone working: never purged under them
    assert store.purge_idle(None) == 0  # keep for ever
    assert store.purge_idle(30) == 1
    assert store.load_workspace(idle) is None
    assert store.load_workspace(recent) is not None and store.load_workspace(running) is not None
    assert store.purge_idle(30) == 0


def test_opening_idle_work_counts_as_using_it(store: Store) -> None:
    token = store.create_workspace(STEP)
    _age(store, token, 20)
    before = store.load_workspace(token).updated_at  # refreshes "last used"
    assert now_utc() - before > timedelta(days=19)
    assert now_utc() - store.load_workspace(token).updated_at < timedelta(minutes=1)
    _age(store, token, 31)
    assert store.purge_idle(30) == 1


def test_keep_days_comes_from_the_operator_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECCHAIN_KEEP_DAYS", raising=False)
    assert keep_days_from_env() == 30
    for raw, days in [("7", 7), (" 90 ", 90), ("0", None), ("never", None)]:
        monkeypatch.setenv("SPECCHAIN_KEEP_DAYS", raw)
        assert keep_days_from_env() == days
    for raw in ("-1", "a week", "1.5"):
        monkeypatch.setenv("SPECCHAIN_KEEP_DAYS", raw)
        with pytest.raises(ValueError, match="SPECCHAIN_KEEP_DAYS"):
            keep_days_from_env()


def test_a_share_link_opens_one_version_read_only_and_can_be_turned_off(store: Store) -> None:
    token = store.create_workspace(STEP)
    store.add_version(token, make_record("# First\n"))
    store.add_version(token, make_record("# Second\n"))
    link = store.create_share(token, 2)
    assert link != token and len(link) == 43
    assert store.create_share(token, 2) == link == store.share_link(token, 2)  # one link per version
    assert store.share_link(token, 1) is None
    shared = store.open_share(link)
    assert shared is not None
    record, app_name = shared
    assert record.document == "# Second\n" and record.version == 2 and app_name == "Acme Tasks"
    assert store.load_workspace(link) is None  # a share link never opens the workspace itself
    with pytest.raises(VersionNotFound):
        store.create_share(token, 3)

    assert store.disable_share(token, 2) is True
    assert store.open_share(link) is None and store.share_link(token, 2) is None
    assert store.disable_share(token, 2) is False
    again = store.create_share(token, 2)
    assert again != link  # a leaked link stays dead
    assert store.open_share(link) is None and store.open_share(again).record.version == 2
    other = store.create_workspace(STEP)
    assert store.share_link(other, 2) is None and store.disable_share(other, 2) is False
