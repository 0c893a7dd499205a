"""Workspaces (a PM's brief, answers, corrections and settings) and their versions."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Row, bindparam, delete, func, select, update

from specchain.inputs import Answer, ChainInputs
from specchain.providers import EngineSettings
from specchain.records import RunRecord
from specchain.store.base import (
    StoreBase,
    dump_json,
    guarded,
    new_token,
    now_utc,
    token_hash,
)
from specchain.store.errors import StaleWorkspace, WorkspaceNotFound
from specchain.store.models import RunSnapshot, VersionSummary, WorkspaceState
from specchain.store.tables import active_runs, share_links, versions, workspaces

log = logging.getLogger(__name__)

DEFAULT_KEEP_DAYS = 30
TOUCH_AFTER = timedelta(hours=1)  # "last used" is refreshed at most hourly, so reading a workspace stays a read
_SETTINGS = TypeAdapter(EngineSettings)
_ANSWERS = TypeAdapter(tuple[Answer, ...])
_CORRECTIONS = TypeAdapter(dict[str, str])
_UNSET: Any = object()


def keep_days_from_env() -> int | None:
    """SPECCHAIN_KEEP_DAYS: days an idle workspace is kept (default 30); 0 or "never" keeps work for ever."""
    raw = os.environ.get("SPECCHAIN_KEEP_DAYS", "").strip().lower()
    if not raw:
        return DEFAULT_KEEP_DAYS
    if raw in ("0", "never", "forever"):
        return None
    try:
        days = int(raw)
    except ValueError:
        days = -1
    if days < 0:
        raise ValueError(f"SPECCHAIN_KEEP_DAYS must be a whole number of days, 0 or 'never'; it is {raw!r}.")
    return days


def settings_json(settings: EngineSettings) -> str:
    return json.dumps(dataclasses.asdict(settings))


def load_settings(text: str) -> EngineSettings:
    data = json.loads(text)
    known = {f.name for f in dataclasses.fields(EngineSettings)}
    return _SETTINGS.validate_python({k: v for k, v in data.items() if k in known})


def version_row(workspace_id: int, number: int, record: RunRecord) -> dict[str, Any]:
    record = record.model_copy(update={"version": number})
    return {
        "workspace_id": workspace_id, "number": number, "started_at": record.started_at,
        "engine": record.settings.engine, "model": record.settings.model, "stop_reason": record.stop_reason,
        "cost_usd": record.cost_usd, "document_chars": len(record.document), "record_json": dump_json(record),
    }


def insert_version(connection: Connection, workspace_id: int, record: RunRecord, now: datetime) -> int:
    """File a version under the next free number. The caller holds the workspace's row lock."""
    last = connection.execute(
        select(func.max(versions.c.number)).where(versions.c.workspace_id == workspace_id)).scalar()
    number = (last or 0) + 1
    connection.execute(versions.insert().values(**version_row(workspace_id, number, record)))
    connection.execute(update(workspaces).where(workspaces.c.id == workspace_id).values(
        last_outcome_json=None, updated_at=now, revision=workspaces.c.revision + 1))
    return number


def delete_workspaces(connection: Connection, ids: Any) -> None:
    """Every row of these workspaces, children first (whatever the database's foreign-key settings)."""
    connection.execute(delete(share_links).where(share_links.c.workspace_id.in_(ids)))
    connection.execute(delete(active_runs).where(active_runs.c.workspace_id.in_(ids)))
    connection.execute(delete(versions).where(versions.c.workspace_id.in_(ids)))
    connection.execute(delete(workspaces).where(workspaces.c.id.in_(ids)))


class WorkspaceStore(StoreBase):
    # Workspaces ---------------------------------------------------------------------------------------------

    @guarded(writing=True)
    def create_workspace(self, step_id: str, *, values: dict[str, str] | None = None,
                         settings: EngineSettings | None = None) -> str:
        """A new, empty workspace; returns its token (shown once, in the link; only its hash is stored)."""
        token = new_token()
        inputs = ChainInputs(values=values or {})
        now = now_utc()
        with self._write() as connection:
            connection.execute(workspaces.insert().values(
                token_hash=token_hash(token), step_id=step_id, values_json=dump_json(inputs.values),
                answers_json="[]", corrections_json="{}", settings_json=settings_json(settings or EngineSettings()),
                viewing_version=None, revision=1, created_at=now, updated_at=now))
        return token

    @guarded(writing=False)
    def load_workspace(self, token: object) -> WorkspaceState | None:
        """The workspace, or None for any token that opens nothing (unknown, deleted, forged or malformed)."""
        digest = token_hash(token)
        if digest is None:
            return None
        now = now_utc()
        with self._read() as connection:  # two queries, built once (this runs on every page rerun)
            row = connection.execute(_LOAD_WORKSPACE, {"token_hash": digest}).first()
            if row is None:
                return None
            summaries = connection.execute(_LOAD_SUMMARIES, {"workspace_id": row.id}).all()
        if now - row.updated_at > TOUCH_AFTER:
            self._touch(row.id, now)
        assert isinstance(token, str)
        return WorkspaceState(
            token=token, step_id=row.step_id, values=json.loads(row.values_json),
            answers=_ANSWERS.validate_json(row.answers_json),
            corrections=_CORRECTIONS.validate_json(row.corrections_json), settings=load_settings(row.settings_json),
            viewing_version=row.viewing_version, revision=row.revision,
            # Typed columns of our own rows: built without re-validation (20 versions, every rerun).
            versions=tuple(VersionSummary.model_construct(
                version=s.number, started_at=s.started_at, engine=s.engine, model=s.model,
                stop_reason=s.stop_reason, cost_usd=s.cost_usd, document_chars=s.document_chars) for s in summaries),
            active_run=_run_snapshot(row, now) if row.run_id is not None else None,
            last_outcome=RunRecord.model_validate_json(row.last_outcome_json) if row.last_outcome_json else None,
            created_at=row.created_at, updated_at=row.updated_at,
        )

    def _touch(self, workspace_id: int, now: datetime) -> None:
        try:
            with self._write() as connection:
                connection.execute(update(workspaces).where(workspaces.c.id == workspace_id).values(updated_at=now))
        except Exception as error:  # noqa: BLE001 - reading must work on a read-only database too
            log.warning("could not refresh a workspace's last use: %s", error)

    @guarded(writing=True)
    def save_workspace(
        self, token: str, *, values: dict[str, str] | None = None, answers: tuple[Answer, ...] | None = None,
        corrections: dict[str, str] | None = None, settings: EngineSettings | None = None,
        viewing_version: int | None = _UNSET,
        expected_revision: int | None = None,
    ) -> int:
        """Change any of the fields given (one transaction); returns the new revision.

        With expected_revision, a save from a tab that loaded an older revision raises StaleWorkspace.
        """
        changes: dict[str, Any] = {}
        if values is not None or answers is not None or corrections is not None:
            inputs = ChainInputs(values=values or {}, answers=tuple(answers or ()),
                                 corrections=corrections or {})  # type-checks all three
            if values is not None:
                changes["values_json"] = dump_json(inputs.values)
            if answers is not None:
                changes["answers_json"] = dump_json([a.model_dump() for a in inputs.answers])
            if corrections is not None:
                changes["corrections_json"] = dump_json(inputs.corrections)
        if settings is not None:
            changes["settings_json"] = settings_json(settings)
        if viewing_version is not _UNSET:
            changes["viewing_version"] = viewing_version
        digest = token_hash(token)
        if digest is None:
            raise WorkspaceNotFound()
        query = update(workspaces).where(workspaces.c.token_hash == digest)
        if expected_revision is not None:
            query = query.where(workspaces.c.revision == expected_revision)
        with self._write() as connection:  # one statement: the row's lock is held for the update alone
            revision = connection.execute(query.values(
                **changes, revision=workspaces.c.revision + 1, updated_at=now_utc())
                .returning(workspaces.c.revision)).scalar()
            if revision is None:
                exists = connection.execute(select(workspaces.c.id).where(workspaces.c.token_hash == digest)).first()
                raise StaleWorkspace() if exists else WorkspaceNotFound()
        return revision

    def save_brief(self, token: str, values: dict[str, str], **kw: Any) -> int:
        return self.save_workspace(token, values=values, **kw)

    def save_answers(self, token: str, answers: tuple[Answer, ...], **kw: Any) -> int:
        return self.save_workspace(token, answers=answers, **kw)

    def save_corrections(self, token: str, corrections: dict[str, str], **kw: Any) -> int:
        return self.save_workspace(token, corrections=corrections, **kw)

    def save_settings(self, token: str, settings: EngineSettings, **kw: Any) -> int:
        return self.save_workspace(token, settings=settings, **kw)

    def save_viewing(self, token: str, version: int | None, **kw: Any) -> int:
        return self.save_workspace(token, viewing_version=version, **kw)

    @guarded(writing=True)
    def delete_workspace(self, token: str) -> bool:
        """Delete the workspace and every row that belongs to it (versions, run, share links)."""
        with self._write() as connection:
            row = self._workspace(connection, token, lock=True)
            if row is None:
                return False
            delete_workspaces(connection, [row.id])
        return True

    @guarded(writing=True)
    def purge_idle(self, keep_days: int | None = _UNSET, *, now: datetime | None = None) -> int:
        """Delete workspaces unused for keep_days (default: SPECCHAIN_KEEP_DAYS, 30); returns how many."""
        days = keep_days_from_env() if keep_days is _UNSET else keep_days
        if days is None:
            return 0
        cutoff = (now or now_utc()) - timedelta(days=days)
        with self._write() as connection:
            running = select(active_runs.c.workspace_id)
            ids = connection.execute(select(workspaces.c.id).where(
                workspaces.c.updated_at < cutoff, workspaces.c.id.not_in(running))).scalars().all()
            for start in range(0, len(ids), 500):
                delete_workspaces(connection, ids[start:start + 500])
        if ids:
            log.info("deleted %d workspaces idle for more than %d days", len(ids), days)
        return len(ids)

    # Versions -----------------------------------------------------------------------------------------------

    @guarded(writing=False)
    def list_versions(self, token: str) -> list[RunRecord]:
        with self._read() as connection:
            row = self._workspace(connection, token)
            if row is None:
                return []
            texts = connection.execute(select(versions.c.record_json).where(versions.c.workspace_id == row.id)
                                       .order_by(versions.c.number)).scalars().all()
        return [RunRecord.model_validate_json(text) for text in texts]

    @guarded(writing=False)
    def get_version(self, token: str, version: int) -> RunRecord | None:
        with self._read() as connection:
            row = self._workspace(connection, token)
            if row is None:
                return None
            text = connection.execute(select(versions.c.record_json).where(
                versions.c.workspace_id == row.id, versions.c.number == version)).scalar()
        return RunRecord.model_validate_json(text) if text is not None else None

    @guarded(writing=True)
    def add_version(self, token: str, record: RunRecord) -> int:
        """File a finished record (e.g. a version "edited by you") under the next number, which is returned."""
        with self._write() as connection:
            row = self._workspace(connection, token, lock=True)
            if row is None:
                raise WorkspaceNotFound()
            return insert_version(connection, row.id, record, now_utc())


_RUN_COLUMNS = ("id", "version", "state", "detail", "owner", "started_at", "heartbeat_at", "stop_requested")
_LOAD_WORKSPACE = (
    select(workspaces, *[active_runs.c[name].label(f"run_{name}") for name in _RUN_COLUMNS])
    .select_from(workspaces.outerjoin(active_runs, active_runs.c.workspace_id == workspaces.c.id))
    .where(workspaces.c.token_hash == bindparam("token_hash"))
)
_LOAD_SUMMARIES = (
    select(versions.c.number, versions.c.started_at, versions.c.engine, versions.c.model, versions.c.stop_reason,
           versions.c.cost_usd, versions.c.document_chars)
    .where(versions.c.workspace_id == bindparam("workspace_id")).order_by(versions.c.number)
)


def _run_snapshot(row: Row[Any], now: datetime) -> RunSnapshot:
    return RunSnapshot(
        run_id=row.run_id, version=row.run_version, state=row.run_state, detail=row.run_detail,
        owner=row.run_owner, started_at=row.run_started_at, heartbeat_at=row.run_heartbeat_at,
        heartbeat_age_s=max(0.0, (now - row.run_heartbeat_at).total_seconds()),
        stop_requested=row.run_stop_requested,
    )


def snapshot(run: Row[Any], now: datetime, *, text: str | None = None, request: Any = None) -> RunSnapshot:
    return RunSnapshot(
        run_id=run.id, version=run.version, state=run.state, detail=run.detail, owner=run.owner,
        started_at=run.started_at, heartbeat_at=run.heartbeat_at,
        heartbeat_age_s=max(0.0, (now - run.heartbeat_at).total_seconds()), stop_requested=run.stop_requested,
        text=text, request=request,
    )

