"""What the store hands back: frozen pydantic snapshots, never live rows."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from specchain.inputs import Answer, ChainInputs
from specchain.providers import EngineSettings
from specchain.records import RunRecord


class VersionSummary(BaseModel):
    """One line of the version list (engine, time, cost, outcome), read without the document itself."""

    model_config = ConfigDict(frozen=True)

    version: int
    started_at: datetime
    engine: str
    model: str
    stop_reason: str
    cost_usd: float | None
    document_chars: int


class RunRequest(BaseModel):
    """What a run was asked to do: enough to follow it from another process and to file it if its owner dies."""

    model_config = ConfigDict(frozen=True)

    step_id: str
    inputs: ChainInputs
    prompt: str
    settings: EngineSettings  # engine, model, lengths: there is no key in it
    answers_version: int | None = None
    continues_version: int | None = None


class RunSnapshot(BaseModel):
    """A run in progress as another tab or process sees it."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    version: int  # the number it expects to become
    state: str
    detail: str
    owner: str
    started_at: datetime
    heartbeat_at: datetime
    heartbeat_age_s: float
    stop_requested: bool
    text: str | None = None  # the visible text so far; None in load_workspace (kept light), set by active_run
    request: RunRequest | None = None  # set by active_run


class WorkspaceState(BaseModel):
    """A saved workspace as a page needs it on every rerun: cheap to load (no documents, no run text)."""

    model_config = ConfigDict(frozen=True)

    token: str
    step_id: str
    values: dict[str, str]
    answers: tuple[Answer, ...]
    corrections: dict[str, str] = {}  # fact key → the PM's corrected text ("" clears the fact)
    settings: EngineSettings
    viewing_version: int | None
    revision: int  # pass back as expected_revision to refuse a save from a stale tab
    versions: tuple[VersionSummary, ...]
    active_run: RunSnapshot | None
    last_outcome: RunRecord | None  # the last run that wrote nothing (e.g. failed at once), to explain it
    created_at: datetime
    updated_at: datetime


class StartedRun(NamedTuple):
    run_id: str
    version: int


class RecoveredRun(NamedTuple):
    run_id: str
    workspace_id: int
    version: int | None  # the interrupted version filed, or None when the run had written nothing


class SharedVersion(NamedTuple):
    record: RunRecord
    app_name: str
