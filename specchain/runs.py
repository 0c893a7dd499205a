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
from specchain.document import (
    Section,
    SectionSplitter,
    join_continuation,
    section_progress,
)
from specchain.private import PrivateBlockFilter
from specchain.providers import (
    Finished,
    GenerationError,
    GenerationRequest,
    Notice,
    Provider,
    Started,
    Text,
    Usage,
)
from specchain.queue import Place, Queued
from specchain.records import RunRecord
from specchain.steps import ChainStep

log = logging.getLogger(__name__)

LEFT_THE_QUEUE = ("You left the queue before your turn came. Nothing was sent to Claude, so no request was used and "
                  "no version was made. Generate again when you're ready.")


@dataclass(frozen=True)
class Progress:
    """A consistent snapshot of a running job, cheap to take ten times a second."""

    # "queued": waiting for its turn at the fair queue (specchain/queue.py); queue says where it stands
    state: Literal["queued", "connecting", "planning", "writing", "finished"]
    stopping: bool  # Stop was pressed; the run is closing its connection and keeping what was written
    elapsed_s: float
    sections: tuple[Section, ...]  # finished sections, in order
    current: Section  # the section being written
    position: tuple[int, str] | None  # (5, "Database Optimization") of the expected sections
    notice: str | None
    record: RunRecord | None  # set once finished
    queue: Place | None = None  # while queued: people ahead, the estimated wait, why


class RunJob:
    def __init__(
        self, step: ChainStep, request: GenerationRequest, provider: Provider, version: int, *,
        answers_version: int | None = None, continues: RunRecord | None = None, run_id: str = "",
    ) -> None:
        self.run_id = run_id  # the store's id of this run ("" when not saved)
        self.save_error: str | None = None  # set when the finished version could not be saved
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
        self._filter = (PrivateBlockFilter(step.private_tag, strip_leading=continues is None)
                        if provider.writes_private_block else None)
        self._splitter = SectionSplitter()
        self._new_text: list[str] = []
        self._started_answering = False
        self._notice: str | None = None
        self._place: Place | None = None  # its place in the queue while it waits for its turn
        self._sent = False  # its turn came at least once: a request went to the model
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
        grace = threading.Timer(grace_s, lambda: self._finish("stopped", self._stopped_message()))
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
            state: Literal["queued", "connecting", "planning", "writing", "finished"]
            if self._record is not None:
                state = "finished"
            elif self._place is not None and not self._new_text:
                state = "queued"
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
                queue=self._place if state == "queued" else None,
            )

    def checkpoint(self) -> tuple[int, str, str, str]:
        """(change number, the new visible text so far, state, the section being written), for saving the run."""
        progress = self.progress()
        with self._lock:
            text = "".join(self._new_text)
            changes = self._changes
        detail = progress.position[1] if progress.position else ""
        if progress.queue is not None:
            detail = progress.queue.describe()
        return changes, text, progress.state, detail

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
                elif isinstance(event, Queued):
                    with self._lock:
                        # Viewers are told when the words change, not at every new estimate (several a second).
                        old, new = self._place, event.place
                        changed = (old is None) != (new is None) or bool(
                            old and new and (old.describe(), old.reason) != (new.describe(), new.reason))
                        self._place = new
                        self._sent = self._sent or new is None
                        if changed:
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
            stop_reason, error = "stopped", self._stopped_message()
        if stop_reason == "cut" and error is None:
            with self._lock:
                wrote = any(part.strip() for part in self._new_text)
            error = ("The connection ended before Claude finished. What was written so far is kept: "
                     "press Continue to finish it." if wrote else
                     "The connection ended before Claude wrote any of the document. Generate again to retry.")
        if self._filter is not None:
            self._show(self._filter.finish())
        self._finish(stop_reason, error)

    def _stopped_message(self) -> str | None:
        """Stopped while waiting for its turn: say plainly that nothing was sent or used."""
        with self._lock:
            return LEFT_THE_QUEUE if self._place is not None and not self._sent else None

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


