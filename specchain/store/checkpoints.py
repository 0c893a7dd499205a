"""Runs in progress: one per workspace (a UNIQUE column), checkpointed by their worker, followed from any process,
and filed as "interrupted" versions when the process that owned them is gone.
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, delete, func, select, update
from sqlalchemy import exc as sa_exc

from specchain.document import join_continuation
from specchain.records import RunRecord
from specchain.store.base import (
    decode_text,
    dump_json,
    encode_text,
    guarded,
    now_utc,
    scrub,
    token_hash,
)
from specchain.store.errors import RunGone, RunInProgress, WorkspaceNotFound
from specchain.store.models import RecoveredRun, RunRequest, RunSnapshot, StartedRun
from specchain.store.tables import UTCDateTime, active_runs, versions, workspaces
from specchain.store.workspaces import WorkspaceStore, insert_version, snapshot

STALE_AFTER_S = 60.0
INTERRUPTED_MESSAGE = ("The app stopped while this version was being written. What was written so far is kept: "
                       "press Continue writing to finish it.")
NOTHING_WRITTEN_MESSAGE = "The app stopped before this run wrote anything. Press Generate to try again."


@functools.cache
def _owner_for(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{secrets.token_hex(4)}"


def plain(text: str) -> str:
    """A status line as PostgreSQL's text type takes it (no NUL, no lone surrogate)."""
    return scrub(text.replace("\x00", ""))


def process_owner() -> str:
    """This process's name as a run owner: hostname:pid:random (a new process with a reused pid differs)."""
    return _owner_for(os.getpid())


def owner_is_dead(owner: str) -> bool:
    """True when the owner was a process of this host that is gone. Other hosts' runs go by heartbeat only."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return owner != process_owner()  # an earlier life of this process id (e.g. a restarted container)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# Built once: it runs every 2 s for every run in progress. first_text_at keeps the first time any text was saved.
_CHECKPOINT = (
    update(active_runs).where(active_runs.c.id == bindparam("run_id"))
    .values(visible_text=bindparam("text"), state=bindparam("state"), detail=bindparam("detail"),
            heartbeat_at=bindparam("now", type_=UTCDateTime()),
            first_text_at=func.coalesce(active_runs.c.first_text_at, bindparam("text_at", type_=UTCDateTime())))
    .returning(active_runs.c.stop_requested)
)


class RunStore(WorkspaceStore):
    @guarded(writing=True)
    def start_run(self, token: str, request: RunRequest, owner: str | None = None, *,
                  stale_after_s: float = STALE_AFTER_S) -> StartedRun:
        """Register a run; raises RunInProgress when the workspace already has a live one (in any tab/process).

        A run whose heartbeat stopped more than stale_after_s ago is filed as interrupted first.
        """
        now = now_utc()
        run_id = secrets.token_hex(16)
        try:
            with self._write() as connection:
                row = self._workspace(connection, token, lock=True)
                if row is None:
                    raise WorkspaceNotFound()
                current = connection.execute(select(active_runs).where(active_runs.c.workspace_id == row.id)).first()
                if current is not None:
                    if current.heartbeat_at >= now - timedelta(seconds=stale_after_s):
                        raise RunInProgress()
                    _file_run(connection, current, now)
                last = connection.execute(select(versions.c.number).where(versions.c.workspace_id == row.id)
                                          .order_by(versions.c.number.desc()).limit(1)).scalar()
                version = (last or 0) + 1
                connection.execute(active_runs.insert().values(
                    id=run_id, workspace_id=row.id, version=version, state="starting", detail="",
                    request_json=dump_json(request), visible_text=b"", owner=owner or process_owner(),
                    started_at=now, first_text_at=None, heartbeat_at=now, stop_requested=False))
        except sa_exc.IntegrityError as error:  # another process registered one between our read and insert
            raise RunInProgress() from error
        return StartedRun(run_id, version)

    @guarded(writing=True)
    def checkpoint(self, run_id: str, visible_text: str, state: str, detail: str = "") -> bool:
        """Save the visible text so far and beat the heartbeat. Returns True when Stop was requested.

        Raises RunGone when the run was ended elsewhere (recovered, or its work deleted): the worker stops.
        """
        now = now_utc()
        with self._write(expendable=True) as connection:
            stop = connection.execute(_CHECKPOINT, {
                "run_id": run_id, "text": encode_text(visible_text), "state": plain(state), "detail": plain(detail),
                "now": now, "text_at": now if visible_text else None}).scalar()
        if stop is None:
            raise RunGone()
        return bool(stop)

    @guarded(writing=True)
    def heartbeat(self, run_id: str, state: str | None = None, detail: str | None = None) -> bool:
        """Beat the heartbeat without sending the text (e.g. while Claude plans). Returns stop_requested."""
        changes: dict[str, Any] = {"heartbeat_at": now_utc()}
        if state is not None:
            changes["state"] = plain(state)
        if detail is not None:
            changes["detail"] = plain(detail)
        with self._write(expendable=True) as connection:
            stop = connection.execute(update(active_runs).where(active_runs.c.id == run_id).values(**changes)
                                      .returning(active_runs.c.stop_requested)).scalar()
        if stop is None:
            raise RunGone()
        return bool(stop)

    @guarded(writing=False)
    def stop_requested(self, run_id: str) -> bool:
        with self._read() as connection:
            stop = connection.execute(select(active_runs.c.stop_requested).where(active_runs.c.id == run_id)).scalar()
        if stop is None:
            raise RunGone()
        return bool(stop)

    @guarded(writing=True)
    def request_stop(self, token: str) -> bool:
        """Ask the workspace's run to stop, whichever process runs it. False when nothing is running."""
        digest = token_hash(token)
        if digest is None:
            return False
        with self._write() as connection:
            workspace_id = select(workspaces.c.id).where(workspaces.c.token_hash == digest).scalar_subquery()
            done = connection.execute(update(active_runs).where(active_runs.c.workspace_id == workspace_id)
                                      .values(stop_requested=True))
        return done.rowcount > 0

    @guarded(writing=False)
    def active_run(self, token: str) -> RunSnapshot | None:
        """The workspace's run in progress with its text so far, for a page following it from anywhere."""
        now = now_utc()
        with self._read() as connection:
            row = self._workspace(connection, token)
            if row is None:
                return None
            run = connection.execute(select(active_runs).where(active_runs.c.workspace_id == row.id)).first()
        if run is None:
            return None
        return snapshot(run, now, text=decode_text(run.visible_text),
                        request=RunRequest.model_validate_json(run.request_json))

    @guarded(writing=True)
    def finish_run(self, run_id: str, record: RunRecord) -> int | None:
        """End the run: file its record as the next version, in the same transaction as deleting the run.

        A record with no text is not a version: it becomes the workspace's last_outcome, and None is returned.
        Raises RunGone when the run was already ended elsewhere (e.g. recovered as interrupted).
        """
        now = now_utc()
        with self._write() as connection:
            workspace_id = self._lock_run_workspace(connection, run_id)
            gone = connection.execute(delete(active_runs).where(active_runs.c.id == run_id)).rowcount == 0
            if workspace_id is None or gone:
                raise RunGone()
            if record.document.strip():
                return insert_version(connection, workspace_id, record, now)
            connection.execute(update(workspaces).where(workspaces.c.id == workspace_id).values(
                last_outcome_json=dump_json(record), updated_at=now))
            return None

    @guarded(writing=True)
    def recover_interrupted(self, *, stale_after_s: float = STALE_AFTER_S, now: datetime | None = None,
                            is_dead: Callable[[str], bool] = owner_is_dead) -> list[RecoveredRun]:
        """File runs whose owner is gone as "interrupted" versions with their text so far.

        A run is taken when is_dead(owner) (by default: a process of this host that no longer exists) or its
        heartbeat is older than stale_after_s. Call at start-up and then every ~30 s. Two processes recovering
        at once file each run once: the run's row is deleted in the same transaction that files it.
        """
        now = now or now_utc()
        cutoff = now - timedelta(seconds=stale_after_s)
        with self._read() as connection:
            candidates = connection.execute(
                select(active_runs.c.id, active_runs.c.owner, active_runs.c.heartbeat_at)).all()
        recovered: list[RecoveredRun] = []
        for run_id, owner, heartbeat_at in candidates:
            dead = is_dead(owner)
            if not dead and heartbeat_at >= cutoff:
                continue
            with self._write() as connection:
                workspace_id = self._lock_run_workspace(connection, run_id)
                if workspace_id is None:
                    continue
                still_gone = active_runs.c.owner == owner if dead else active_runs.c.heartbeat_at < cutoff
                run = connection.execute(delete(active_runs).where(and_(active_runs.c.id == run_id, still_gone))
                                         .returning(*active_runs.c)).first()
                if run is None:  # another process filed it, or it came back to life
                    continue
                recovered.append(RecoveredRun(run_id, workspace_id, _file_deleted_run(connection, run, now)))
        return recovered

    @staticmethod
    def _lock_run_workspace(connection: Connection, run_id: str) -> int | None:
        """Lock the run's workspace row first (the order every writer uses: workspace, then run)."""
        workspace_id = connection.execute(
            select(active_runs.c.workspace_id).where(active_runs.c.id == run_id)).scalar()
        if workspace_id is not None:
            connection.execute(select(workspaces.c.id).where(workspaces.c.id == workspace_id).with_for_update())
        return workspace_id


def _file_run(connection: Connection, run: Row[Any], now: datetime) -> int | None:
    connection.execute(delete(active_runs).where(active_runs.c.id == run.id))
    return _file_deleted_run(connection, run, now)


def _file_deleted_run(connection: Connection, run: Row[Any], now: datetime) -> int | None:
    """The record of a run whose process is gone: its text so far, marked interrupted."""
    request = RunRequest.model_validate_json(run.request_json)
    text = decode_text(run.visible_text)
    document = text
    if text.strip() and request.continues_version is not None:
        earlier = connection.execute(select(versions.c.record_json).where(
            versions.c.workspace_id == run.workspace_id, versions.c.number == request.continues_version)).scalar()
        if earlier is not None:
            document = join_continuation(RunRecord.model_validate_json(earlier).document, text)
    record = RunRecord(
        version=run.version, step_id=request.step_id, inputs=request.inputs, prompt=request.prompt,
        settings=request.settings, document=document if text.strip() else "",
        started_at=run.started_at,
        first_text_s=(run.first_text_at - run.started_at).total_seconds() if run.first_text_at else None,
        total_s=max(0.0, (run.heartbeat_at - run.started_at).total_seconds()),
        stop_reason="interrupted", error=INTERRUPTED_MESSAGE,
        answers_version=request.answers_version, continues_version=request.continues_version,
    )
    if text.strip():
        return insert_version(connection, run.workspace_id, record, now)
    connection.execute(update(workspaces).where(workspaces.c.id == run.workspace_id).values(
        last_outcome_json=dump_json(record.model_copy(update={"error": NOTHING_WRITTEN_MESSAGE})), updated_at=now))
    return None

