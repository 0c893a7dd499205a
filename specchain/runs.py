"""Runs: each generation is a job on its own thread that ends as an immutable version record.

The page never drives the stream. A worker thread reads the provider's events and appends to the job; the page
polls job.progress(). Switching pages, a dropped websocket or a rerun therefore cannot stop or lose a generation;
only stop() does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from specchain.catalog import load_catalog
from specchain.document import Section, SectionSplitter, join_continuation, section_progress
from specchain.inputs import ChainInputs
from specchain.private import PrivateBlockFilter
from specchain.providers import (
    EngineSettings,
    Finished,
    GenerationError,
    GenerationRequest,
    Notice,
    Provider,
    ProviderRegistry,
    Started,
    Text,
    Usage,
    default_registry,
)
from specchain.records import RunRecord
from specchain.steps import ChainStep

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """A consistent snapshot of a running job, cheap to take ten times a second."""

    state: Literal["connecting", "planning", "writing", "finished"]
    stopping: bool  # Stop was pressed; the run is closing its connection and keeping what was written
    elapsed_s: float
    sections: tuple[Section, ...]  # finished sections, in order
    current: Section  # the section being written
    position: tuple[int, str] | None  # (5, "Database Optimization") of the expected sections
    notice: str | None
    record: RunRecord | None  # set once finished


class RunJob:
    def __init__(
        self, step: ChainStep, request: GenerationRequest, provider: Provider, version: int, *,
        answers_version: int | None = None, continues: RunRecord | None = None,
    ) -> None:
        self.step = step
        self.request = request
        self.provider = provider
        self.version = version
        self.answers_version = answers_version
        self.continues = continues
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # notified on anything a viewer would see change
        self._changes = 0
        # Only a model's text can hold its private plan; the app's own text (the offline draft) is never filtered.
        self._filter = PrivateBlockFilter(step.private_tag) if provider.writes_private_block else None
        self._splitter = SectionSplitter()
        self._new_text: list[str] = []
        self._started_answering = False
        self._notice: str | None = None
        self._record: RunRecord | None = None
        self._started = time.monotonic()
        self._started_at = datetime.now(UTC)
        self._first_text_s: float | None = None
        self._finished = threading.Event()
        self._usage: Usage | None = None
        self._filed = False  # the version has been filed (by the worker, or by stop() for a stuck worker)
        self._thread = threading.Thread(target=self._run, name=f"run-v{version}", daemon=True)
        if continues is not None:
            self._splitter.feed(continues.document)

    def start(self, on_finish: Callable[[RunRecord], None]) -> None:
        self._on_finish = on_finish
        self._thread.start()

    def request_stop(self, grace_s: float = 2.0) -> None:
        """Stop now, without waiting: the connection is closed at once and what was written is kept.

        A worker stuck in a network call (a server that never answers) may not notice, so after a short grace the
        version is filed without it; its late events are ignored."""
        with self._lock:
            if self._cancel.is_set() or self._filed:
                return
            self._cancel.set()
            self._notify()  # a page following the run shows "Stopping…" at once
        self.provider.stop()
        grace = threading.Timer(grace_s, lambda: self._finish("stopped", None))
        grace.daemon = True
        grace.start()

    def stop(self, grace_s: float = 2.0) -> None:
        """Stop and wait until the run is filed (at most the grace and a moment)."""
        self.request_stop(grace_s)
        self._finished.wait(grace_s + 1)

    @property
    def stopping(self) -> bool:
        return self._cancel.is_set() and not self.done

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """Block until something visible changed since change number `seen` (or the timeout); return the latest
        change number. Lets a page follow the run as it happens, without polling."""
        with self._changed:
            self._changed.wait_for(lambda: self._changes != seen, timeout)
            return self._changes

    def _notify(self) -> None:  # caller holds the lock
        self._changes += 1
        self._changed.notify_all()

    def progress(self) -> Progress:
        with self._lock:
            sections = tuple(self._splitter.completed)
            current = self._splitter.current
            titles = [s.title for s in sections if s.title] + ([current.title] if current.title else [])
            state: Literal["connecting", "planning", "writing", "finished"]
            if self._record is not None:
                state = "finished"
            elif self._new_text:
                state = "writing"
            elif self._started_answering or (self._filter is not None and self._filter.private_chars):
                state = "planning"  # accepted and thinking, or writing its private plan: nothing to show yet
            else:
                state = "connecting"
            return Progress(
                state=state,
                stopping=self._cancel.is_set() and self._record is None,
                elapsed_s=time.monotonic() - self._started,
                sections=sections,
                current=current,
                position=section_progress(titles, self.step.sections),
                notice=self._notice,
                record=self._record,
            )

    def _show(self, visible: str) -> None:
        if not visible:
            return
        with self._lock:
            if self._filed:
                return
            if self._first_text_s is None:
                self._first_text_s = time.monotonic() - self._started
            self._new_text.append(visible)
            self._splitter.feed(visible)
            self._notice = None
            self._notify()

    def _run(self) -> None:
        stop_reason, error = "cut", None
        try:
            for event in self.provider.stream(self.request, self._cancel):
                if isinstance(event, Text):
                    self._show(self._filter.feed(event.text) if self._filter else event.text)
                elif isinstance(event, Started):
                    with self._lock:
                        self._started_answering = True
                        self._notify()
                elif isinstance(event, Usage):
                    with self._lock:
                        self._usage = event
                elif isinstance(event, Notice):
                    with self._lock:
                        self._notice = event.message
                        self._notify()
                elif isinstance(event, Finished):
                    stop_reason = event.stop_reason
        except GenerationError as exc:
            stop_reason, error = ("cut" if exc.kind == "cut" else "error"), exc.message
        except Exception:  # a bug, not a user error: keep the text, say so plainly, log the details
            log.exception("generation v%s failed", self.version)
            stop_reason = "error"
            error = "Something went wrong inside Spec Chain Studio. What was written so far is kept; please try again."
        if self._cancel.is_set():
            stop_reason, error = "stopped", None
        if stop_reason == "cut" and error is None:
            with self._lock:
                wrote = any(part.strip() for part in self._new_text)
            error = ("The connection ended before Claude finished. What was written so far is kept: "
                     "press Continue to finish it." if wrote else
                     "The connection ended before Claude wrote any of the document. Generate again to retry.")
        if self._filter is not None:
            self._show(self._filter.finish())
        self._finish(stop_reason, error)

    def _finish(self, stop_reason: str, error: str | None) -> None:
        with self._lock:
            if self._filed:
                return
            self._filed = True
            new_text = "".join(self._new_text)
            usage = self._usage
        wrote = bool(new_text.strip())
        # A run that wrote nothing is an attempt, not a version: its record keeps no document.
        if not wrote:
            document = ""
        elif self.continues:
            document = join_continuation(self.continues.document, new_text)
        else:
            document = new_text
        settings = self.request.settings
        cost = None
        if usage is not None and settings.engine == "claude":
            model = load_catalog().get(settings.model)
            cost = model.cost(usage.input_tokens, usage.output_tokens) if model else None
        record = RunRecord(
            version=self.version,
            step_id=self.step.id,
            inputs=self.request.inputs,
            prompt=self.request.prompt,
            settings=settings,
            document=document,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
            usage_estimated=bool(usage and usage.estimated),
            cost_usd=cost,
            started_at=self._started_at,
            first_text_s=self._first_text_s,
            total_s=time.monotonic() - self._started,
            stop_reason=stop_reason,
            error=error,
            answers_version=self.answers_version,
            continues_version=self.continues.version if self.continues else None,
        )
        log.info("run v%s %s: %s, %d chars, %.1fs", record.version, settings.engine, stop_reason,
                 len(document), record.total_s)
        with self._lock:
            # The splitter shows the final, joined document from now on.
            self._splitter = SectionSplitter()
            self._splitter.feed(document)
            self._splitter.finish()
            self._record = record
            self._notify()
        try:
            self._on_finish(record)
        finally:
            self._finished.set()


class Workspace:
    """One browser session's runs: the versions, at most one job in progress, and the outcome of the last run
    if it wrote nothing (an attempt that is not a version: no number, no download). Thread-safe."""

    def __init__(self, registry: ProviderRegistry | None = None) -> None:
        self._registry = registry or default_registry()
        self._versions: list[RunRecord] = []
        self._failed_attempt: RunRecord | None = None
        self._job: RunJob | None = None
        self._lock = threading.Lock()

    @property
    def versions(self) -> list[RunRecord]:
        with self._lock:
            return list(self._versions)

    @property
    def job(self) -> RunJob | None:
        return self._job

    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.done

    def get(self, version: int) -> RunRecord | None:
        return next((r for r in self.versions if r.version == version), None)

    def latest(self) -> RunRecord | None:
        versions = self.versions
        return versions[-1] if versions else None

    def last_run(self) -> RunRecord | None:
        """How the most recent run ended: a version, or an attempt that wrote nothing."""
        with self._lock:
            return self._failed_attempt or (self._versions[-1] if self._versions else None)

    def start(
        self, step: ChainStep, inputs: ChainInputs, settings: EngineSettings, *, api_key: str = "",
        key_source: str = "session", answers_version: int | None = None, continues: RunRecord | None = None,
    ) -> RunJob:
        with self._lock:
            if self._job is not None and not self._job.done:
                raise RuntimeError("a run is already in progress")
            version = len(self._versions) + 1
            if continues is not None:
                prompt = continues.prompt
                inputs, settings = continues.inputs, continues.settings
            else:
                prompt = step.render(inputs).text
            request = GenerationRequest(
                step_id=step.id, inputs=inputs, prompt=prompt, settings=settings,
                continue_from=continues.document if continues else "",
            )
            options = {"api_key": api_key, "key_source": key_source} if settings.engine == "claude" else {}
            provider = self._registry.create(settings.engine, **options)
            job = RunJob(step, request, provider, version, answers_version=answers_version, continues=continues)
            self._job = job
        job.start(self._add)
        return job

    def stop(self) -> None:
        if self._job is not None:
            self._job.stop()

    def request_stop(self) -> None:
        if self._job is not None:
            self._job.request_stop()

    def _add(self, record: RunRecord) -> None:
        with self._lock:
            if record.wrote_document:
                self._versions.append(record)
                self._failed_attempt = None
            else:
                self._failed_attempt = record
