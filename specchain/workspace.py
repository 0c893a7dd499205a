"""A workspace's work as the pages see it: saved in the store, written by runs that outlive any tab.

RunService is one per process: it starts runs on worker threads, saves each run's visible text and a heartbeat at
least every two seconds, passes on Stop pressed in any tab or process, and files the runs of a process that died as
"interrupted" versions. Workspace is a light view of one workspace (one link) for one page run.

A page follows a run of this process through the live RunJob (no polling); a run owned by another process (a
second app process behind a load balancer) through its checkpoints in the store (StoredRun).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from specchain.document import Section, SectionSplitter, section_progress
from specchain.inputs import ChainInputs
from specchain.providers import (
    EngineSettings,
    Event,
    Finished,
    GenerationRequest,
    LazyFactory,
    Provider,
    ProviderRegistry,
    default_registry,
    input_estimate,
)
from specchain.queue import Gate, Queued, QueueLimits, Ticket
from specchain.records import RunRecord
from specchain.runs import Progress, RunJob
from specchain.steps import ChainStep, load_step
from specchain.store import (
    RunGone,
    RunRequest,
    RunSnapshot,
    Store,
    StoreError,
    VersionSummary,
    WorkspaceState,
    open_store,
    process_owner,
)

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0  # text saved when it changed, at most this often; a heartbeat at least every HEARTBEAT_S
HEARTBEAT_S = 2.0
# Another process's dead runs are filed within this (same machine) or a minute and a half (stale after 60 s + this).
# SPECCHAIN_RECOVER_EVERY_S changes it (the several-processes browser test uses 2 s).
RECOVER_EVERY_S = float(os.environ.get("SPECCHAIN_RECOVER_EVERY_S", "").strip() or 30.0)
PURGE_EVERY_S = 24 * 3600.0  # idle work older than SPECCHAIN_KEEP_DAYS is deleted at start-up and daily
FOLLOW_POLL_S = 1.0  # a run of another process is read from the store this often


class RunService:
    """The runs of this process, and their link to the store."""

    def __init__(self, store: Store, registry: ProviderRegistry | None = None, *, background: bool = True) -> None:
        self.store = store
        self.owner = process_owner()
        self._registry = registry or default_registry()
        self._jobs: dict[str, RunJob] = {}
        self._saved: dict[str, tuple[int, float]] = {}  # run id → (change number saved, when)
        self._lock = threading.Lock()
        self._closed = threading.Event()
        # The fair queue every Claude request of this process waits at (shared with every process of the store).
        try:
            limits = QueueLimits.from_env()
        except ValueError as error:
            log.warning("%s Using the default queue limits.", error)
            limits = QueueLimits()
        self.gate = Gate(store, limits, owner=self.owner)
        if background:  # the first page need not wait for the start-up chores
            threading.Thread(target=self._tend, name="run-checkpoints", daemon=True).start()
        else:
            self._start_up()

    def _start_up(self) -> None:
        # Runs of a process that died (this host's, or any with a stale heartbeat) become interrupted versions.
        self._recover()
        self._purge()

    # ── starting and stopping ────────────────────────────────────────────────────────────────────────────────
    def start(
        self, token: str, step: ChainStep, inputs: ChainInputs, settings: EngineSettings, *, api_key: str = "",
        key_source: str = "session", answers_version: int | None = None, continues: RunRecord | None = None,
    ) -> RunJob:
        """Start a run; raises RunInProgress when the workspace already has one (in any tab or process)."""
        if continues is not None:
            prompt, inputs, settings = continues.prompt, continues.inputs, continues.settings
        else:
            prompt = step.render(inputs).text
        request = GenerationRequest(step_id=step.id, inputs=inputs, prompt=prompt, settings=settings,
                                    continue_from=continues.document if continues else "")
        options = {"api_key": api_key, "key_source": key_source} if settings.engine == "claude" else {}
        lazy = self._registry.lazy(settings.engine)
        provider: Provider | None = None
        if lazy is None:  # a factory with nothing to load: made now (a test's, or one that imports nothing)
            provider = self._registry.create(settings.engine, **options)
        started = self.store.start_run(token, RunRequest(
            step_id=step.id, inputs=inputs, prompt=prompt, settings=settings, answers_version=answers_version,
            continues_version=continues.version if continues else None), self.owner)
        if lazy is not None:
            # First come, first served from the press: the run takes its place in the queue now, and its engine is
            # made on the run's own thread (the SDK's first import takes a second or more, during which the page
            # already shows the run waiting or connecting, and later presses queue behind it).
            ticket = self.gate.join(input_tokens=input_estimate(request), output_tokens=settings.max_tokens,
                                    run_id=started.run_id) if lazy.queued else None
            provider = MadeOnItsThread(lambda: self._registry.create(settings.engine, **options), lazy,
                                       self.gate, request, started.run_id, ticket)
        elif (use_gate := getattr(provider, "use_gate", None)) is not None:  # Claude: every request waits its turn
            use_gate(self.gate, request, started.run_id)
        assert provider is not None
        job = RunJob(step, request, provider, started.version, answers_version=answers_version,
                     continues=continues, run_id=started.run_id)
        with self._lock:
            self._jobs[started.run_id] = job
            self._saved[started.run_id] = (-1, 0.0)
        job.start(lambda record: self._file(job, record))
        return job

    def warm(self, engine: str) -> None:
        """Load the engine's code in the background (the SDK: a second or more) if not loaded yet: a PM who chose
        Claude is about to press Generate, and their run (and the room's) need not wait for it."""
        self._registry.warm(engine)

    def _file(self, job: RunJob, record: RunRecord) -> None:
        try:
            self.store.finish_run(job.run_id, record)
        except RunGone:
            log.info("run %s ended elsewhere (its work was deleted, or it was filed as interrupted)", job.run_id)
        except StoreError:
            log.exception("run %s could not be saved", job.run_id)
            job.save_error = ("This version could not be saved, so it will be gone after a reload: download it "
                              "now. The database could not be written (full or read-only?); tell whoever runs "
                              "Spec Chain Studio.")
        finally:
            with self._lock:
                self._jobs.pop(job.run_id, None)
                self._saved.pop(job.run_id, None)

    def request_stop(self, token: str) -> None:
        """Stop the workspace's run, whichever process writes it (this one at once; another within seconds)."""
        snapshot = self.store.active_run(token)
        job = self._jobs.get(snapshot.run_id) if snapshot else None
        if job is not None:
            job.request_stop()
        elif snapshot is not None:
            self.store.request_stop(token)

    def follow(self, token: str, snapshot: RunSnapshot | None = None) -> RunJob | StoredRun | None:
        """The workspace's run in progress: the live job if this process writes it, else its saved checkpoints.

        snapshot: the run as a workspace's state lists it, to save a read when this process writes it."""
        snapshot = snapshot or self.store.active_run(token)
        if snapshot is None:
            return None
        job = self._jobs.get(snapshot.run_id)
        if job is not None:
            return job
        if snapshot.request is None:  # a light snapshot: read the run's request and text
            snapshot = self.store.active_run(token)
            if snapshot is None:
                return None
        return StoredRun(self.store, token, snapshot, self.gate)

    # ── saving in the background ─────────────────────────────────────────────────────────────────────────────
    def _tend(self) -> None:
        self._start_up()
        recovered_at = purged_at = time.monotonic()
        while not self._closed.wait(CHECKPOINT_EVERY_S):
            self.checkpoint_all()
            if time.monotonic() - recovered_at >= RECOVER_EVERY_S:
                recovered_at = time.monotonic()
                self._recover()
            if time.monotonic() - purged_at >= PURGE_EVERY_S:
                purged_at = time.monotonic()
                self._purge()

    def checkpoint_all(self) -> None:
        """Save each live run's text when it changed, and a heartbeat at least every HEARTBEAT_S; pass on Stop."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if job.done:
                continue
            changes, text, state, detail = job.checkpoint()
            saved, saved_at = self._saved.get(job.run_id, (-1, 0.0))
            try:
                if changes != saved:
                    stop = self.store.checkpoint(job.run_id, text, state, detail)
                elif time.monotonic() - saved_at >= HEARTBEAT_S:
                    stop = self.store.heartbeat(job.run_id, state, detail)
                else:
                    continue
            except RunGone:  # its work was deleted, or another process filed it: nobody is reading any more
                job.request_stop()
                continue
            except StoreError:
                log.warning("checkpoint of run %s failed; retrying in a second", job.run_id, exc_info=True)
                continue
            with self._lock:
                if job.run_id in self._saved:
                    self._saved[job.run_id] = (changes, time.monotonic())
            if stop:
                job.request_stop()

    def _recover(self) -> None:
        try:
            for run in self.store.recover_interrupted():
                log.info("run %s of a stopped process filed as version %s", run.run_id, run.version)
        except StoreError:
            log.warning("could not look for interrupted runs", exc_info=True)

    def _purge(self) -> None:
        try:
            if removed := self.store.purge_idle():
                log.info("deleted %d workspaces idle for longer than the keeping period", removed)
        except (StoreError, ValueError):  # ValueError: a SPECCHAIN_KEEP_DAYS that is not a number
            log.warning("could not delete idle work", exc_info=True)

    def close(self) -> None:
        self._closed.set()
        self.gate.close()


class MadeOnItsThread:
    """A run's engine, made when the run's worker thread first streams from it, not on the page's thread.

    Its place in the queue (ticket) was taken at the press. While the engine's module loads (the SDK's first
    import), the run shows its place when people are ahead of it, else "Connecting…"; Stop meanwhile leaves the
    queue."""

    def __init__(self, make: Callable[[], Provider], lazy: LazyFactory, gate: Gate, request: GenerationRequest,
                 run_id: str, ticket: Ticket | None) -> None:
        self.name = request.settings.engine
        self.writes_private_block = lazy.writes_private_block
        self._loaded = lazy.loaded
        self._make, self._gate, self._request, self._run_id, self._ticket = make, gate, request, run_id, ticket
        self._provider: Provider | None = None
        self._stopped = False
        self._lock = threading.Lock()

    def stream(self, request: GenerationRequest, cancel: threading.Event) -> Iterator[Event | Queued]:
        ticket = self._ticket
        try:
            # Loading the engine takes a while (the SDK's first import): meanwhile say where the run stands.
            if ticket is not None and not self._loaded and (place := self._gate.place_of(self._run_id)) and \
                    place.people_ahead:
                yield Queued(place)
            provider = self._make()
            if ticket is not None:
                provider.use_gate(self._gate, self._request, self._run_id, ticket=ticket)  # type: ignore[attr-defined]
        except BaseException:
            if ticket is not None:  # never sent: give the place back
                self._gate.leave(ticket)
            raise
        with self._lock:
            self._provider = provider
            stopped = self._stopped
        if stopped:
            provider.stop()
        if cancel.is_set() and ticket is None:
            yield Finished("stopped")
            return
        yield from provider.stream(request, cancel)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            provider = self._provider
        if provider is not None:
            provider.stop()
        self._gate.wake()


class StoredRun:
    """A run written by another process, followed through its checkpoints. Same reading interface as RunJob."""

    def __init__(self, store: Store, token: str, snapshot: RunSnapshot, gate: Gate | None = None) -> None:
        self._store = store
        self._gate = gate
        self._place = gate.place_of(snapshot.run_id) if gate and snapshot.state == "queued" else None
        self._token = token
        self._snapshot = snapshot
        self._earlier = ""
        request = snapshot.request
        if request is not None and request.continues_version is not None:
            earlier = store.get_version(token, request.continues_version)
            self._earlier = earlier.document if earlier else ""
        self._record: RunRecord | None = None
        self._changes = 0
        self._read_at = time.monotonic()

    @property
    def run_id(self) -> str:
        return self._snapshot.run_id

    @property
    def version(self) -> int:
        return self._snapshot.version

    @property
    def request(self) -> RunRequest:
        assert self._snapshot.request is not None
        return self._snapshot.request

    @property
    def stopping(self) -> bool:
        return self._snapshot.stop_requested and self._record is None

    @property
    def done(self) -> bool:
        return self._record is not None

    def request_stop(self) -> None:
        self._store.request_stop(self._token)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = time.monotonic() + (timeout or 0)
        while not self.done and time.monotonic() < deadline:
            self.wait_for_change(self._changes, min(FOLLOW_POLL_S, max(0.0, deadline - time.monotonic())))
        return self.done

    def wait_for_change(self, seen: int, timeout: float) -> int:
        if seen == self._changes:
            time.sleep(max(0.0, min(timeout, self._read_at + FOLLOW_POLL_S - time.monotonic())))
        if time.monotonic() - self._read_at >= FOLLOW_POLL_S and self._record is None:
            self._refresh()
        return self._changes

    def _refresh(self) -> None:
        self._read_at = time.monotonic()
        snapshot = self._store.active_run(self._token)
        if snapshot is None or snapshot.run_id != self._snapshot.run_id:
            state = self._store.load_workspace(self._token)
            filed = [v for v in state.versions if v.version >= self._snapshot.version] if state else []
            self._record = (self._store.get_version(self._token, filed[0].version) if filed
                            else state.last_outcome if state else None) or _gone_record(self._snapshot)
            self._changes += 1
            return
        place = self._gate.place_of(snapshot.run_id) if self._gate and snapshot.state == "queued" else None
        if (snapshot.text, snapshot.state, snapshot.stop_requested, place) != (
                self._snapshot.text, self._snapshot.state, self._snapshot.stop_requested, self._place):
            self._changes += 1
        self._place = place
        self._snapshot = snapshot.model_copy(update={"request": snapshot.request or self._snapshot.request})

    def progress(self) -> Progress:
        if self._record is not None:
            text = self._record.document
        else:
            new = self._snapshot.text or ""
            text = self._earlier + new if self._earlier and new else self._earlier or new
        splitter = SectionSplitter()
        splitter.feed(text)
        if self._record is not None:
            splitter.finish()
        sections = tuple(splitter.completed)
        current = splitter.current if self._record is None else Section("", "")
        titles = [s.title for s in sections if s.title] + ([current.title] if current.title else [])
        steps = load_step(self.request.step_id).sections if self._snapshot.request else []
        state = "finished" if self._record else "writing" if self._snapshot.text else (
            "planning" if self._snapshot.state in ("planning", "writing") else
            "queued" if self._snapshot.state == "queued" else "connecting")
        return Progress(
            state=state,  # type: ignore[arg-type]
            stopping=self.stopping,
            elapsed_s=(datetime.now(UTC) - self._snapshot.started_at).total_seconds(),
            sections=sections, current=current, position=section_progress(titles, steps),
            notice=None, record=self._record, queue=self._place if state == "queued" else None,
        )


def _gone_record(snapshot: RunSnapshot) -> RunRecord:
    """A run that ended while we watched, whose result is no longer there (its work was deleted)."""
    request = snapshot.request
    assert request is not None
    return RunRecord(version=snapshot.version, step_id=request.step_id, inputs=request.inputs, prompt=request.prompt,
                     settings=request.settings, document="", started_at=snapshot.started_at, total_s=0.0,
                     stop_reason="error", error="This run ended and its result is no longer here.")


class Workspace:
    """One workspace (one link): its saved state, versions and run, for one page run or one test.

    Workspace() with no store makes a throw-away SQLite store and a workspace in it: for tests and scripts.
    """

    def __init__(self, registry: ProviderRegistry | None = None, *, service: RunService | None = None,
                 token: str | None = None, step_id: str = "performance_scalability") -> None:
        if service is None:
            folder = Path(tempfile.mkdtemp(prefix="specchain-workspace-"))
            service = RunService(open_store(f"sqlite:///{folder / 'work.sqlite3'}"), registry)
        self.service = service
        self.store = service.store
        self.token = token or self.store.create_workspace(step_id)
        self._state: WorkspaceState | None = None

    def state(self, *, fresh: bool = False) -> WorkspaceState:
        """The saved workspace (no documents): read once per page run unless fresh is asked for."""
        if self._state is None or fresh:
            state = self.store.load_workspace(self.token)
            if state is None:
                raise RunGone()
            self._state = state
        return self._state

    def remember(self, state: WorkspaceState) -> None:
        """Use a state just read elsewhere in this page run (saves a read)."""
        self._state = state

    @property
    def summaries(self) -> tuple[VersionSummary, ...]:
        return self.state(fresh=True).versions

    @property
    def versions(self) -> list[RunRecord]:
        return self.store.list_versions(self.token)

    def get(self, version: int) -> RunRecord | None:
        return self.store.get_version(self.token, version)

    def latest(self) -> RunRecord | None:
        summaries = self.summaries
        return self.get(summaries[-1].version) if summaries else None

    def last_run(self) -> RunRecord | None:
        """How the most recent run ended: a version, or an attempt that wrote nothing (not a version)."""
        state = self.state(fresh=True)
        if state.last_outcome is not None:
            return state.last_outcome
        return self.get(state.versions[-1].version) if state.versions else None

    @property
    def job(self) -> RunJob | StoredRun | None:
        return self.service.follow(self.token)

    @property
    def running(self) -> bool:
        return self.store.active_run(self.token) is not None

    def start(
        self, step: ChainStep, inputs: ChainInputs, settings: EngineSettings, *, api_key: str = "",
        key_source: str = "session", answers_version: int | None = None, continues: RunRecord | None = None,
    ) -> RunJob:
        """Start a run. Raises RunInProgress (a RuntimeError's sibling: a StoreError) when one is going."""
        return self.service.start(self.token, step, inputs, settings, api_key=api_key, key_source=key_source,
                                  answers_version=answers_version, continues=continues)

    def request_stop(self) -> None:
        self.service.request_stop(self.token)

    def stop(self) -> None:
        """Stop and wait until the run is filed."""
        job = self.job
        self.request_stop()
        if job is not None:
            job.wait(5)
