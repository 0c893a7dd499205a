"""The data the runs, the store and the pages share: one version of a document. Frozen and serialisable.

Lives below runs.py and the store so that both can import it without importing each other.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings

FINISHED = {"end_turn", "stop_sequence", "edited"}
STOP_REASONS = {
    "end_turn": "Finished",
    "stop_sequence": "Finished",
    "max_tokens": "Reached the maximum length (cut off)",
    "stopped": "Stopped by you",
    "cut": "Connection dropped before the end",
    "error": "Failed",
    "refusal": "Claude declined to answer",
    "interrupted": "Interrupted: the app stopped while it was being written",
    "edited": "Edited by you",
}


class RunRecord(BaseModel):
    """One version of the document: what went in, what came out, and how it went. Serialisable."""

    model_config = ConfigDict(frozen=True)

    version: int
    step_id: str
    inputs: ChainInputs
    prompt: str
    settings: EngineSettings
    document: str  # visible text only: the private planning block is never stored
    input_tokens: int | None = None
    output_tokens: int | None = None
    usage_estimated: bool = False  # a cut stream sends no final usage: the token counts are estimated
    cost_usd: float | None = None
    started_at: datetime
    first_text_s: float | None = None
    total_s: float
    stop_reason: str
    error: str | None = None
    answers_version: int | None = None  # the version whose clarification questions this one answers
    continues_version: int | None = None  # the cut-off version this one continues
    edited_from: int | None = None  # the version this hand-edited one started from

    @property
    def ai_written(self) -> bool:
        return self.settings.engine == "claude"

    @property
    def wrote_document(self) -> bool:
        """False for a run that ended with no visible text: it is reported, but is not a version."""
        return bool(self.document.strip())

    @property
    def finished(self) -> bool:
        return self.stop_reason in FINISHED

    @property
    def no_document_reason(self) -> str:
        """Why a run wrote nothing, and what to do next, in plain words."""
        if self.error:
            return self.error
        if self.stop_reason == "stopped":
            return "You stopped the run before any of the document was written. Generate again when you're ready."
        if self.stop_reason == "max_tokens":
            return (f"Claude used the whole maximum length ({self.settings.max_tokens:,} output tokens) on its "
                    "private planning and wrote none of the document. Raise the maximum length under Claude "
                    "settings, then generate again.")
        if self.stop_reason == "refusal":
            return ("Claude declined to write this document. Check the brief for anything that could be misread, "
                    "then generate again, or use the offline draft.")
        return ("Claude finished without writing any of the document (only its private planning). Generate "
                "again, or try another model or the offline draft.")

    @property
    def can_continue(self) -> bool:
        return self.ai_written and bool(self.document.strip()) and self.stop_reason in {
            "max_tokens", "cut", "stopped", "error", "interrupted"}

    @property
    def stop_label(self) -> str:
        return STOP_REASONS.get(self.stop_reason, self.stop_reason)

    @property
    def title(self) -> str:
        origin = (
            f" from version {self.edited_from}" if self.edited_from
            else f" · continues version {self.continues_version}" if self.continues_version
            else f" · with your answers to version {self.answers_version}" if self.answers_version else ""
        )
        unfinished = "" if self.finished else " · unfinished"
        return f"Version {self.version} · {self.settings.label}{origin}{unfinished} · {self.started_at:%H:%M} UTC"


def edited_version(base: RunRecord, document: str) -> RunRecord:
    """A hand-edited copy of a version: same brief and prompt, the PM's text, marked "edited by you"."""
    return base.model_copy(update={
        "document": document, "settings": replace(base.settings, engine="edited"), "edited_from": base.version,
        "stop_reason": "edited", "error": None, "input_tokens": None, "output_tokens": None, "cost_usd": None,
        "usage_estimated": False, "first_text_s": None, "total_s": 0.0, "started_at": datetime.now(UTC),
        "answers_version": None, "continues_version": None,
    })
