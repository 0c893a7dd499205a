"""What reading a document proposes for the brief: for each field, the proposed text and the passages it came from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Passage(BaseModel):
    """Words quoted from the document, and where they are."""

    model_config = ConfigDict(frozen=True)

    quote: str
    location: str  # "page 3", "paragraph 12", "table 1, row 2"


class FieldProposal(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str  # a field key of the step ("expected_load")
    text: str  # "" when the document says nothing we could use for this field
    passages: tuple[Passage, ...] = ()
    note: str = ""  # why it is empty, or what was left out


class Proposal(BaseModel):
    """The five fields as read from one document. Nothing here is in the brief until the PM confirms it."""

    model_config = ConfigDict(frozen=True)

    document: str  # the document's name, "Pasted text" for pasted text
    engine: Literal["offline", "claude"]
    model: str = ""  # the Claude model that read it
    fields: tuple[FieldProposal, ...]
    notes: tuple[str, ...] = ()  # about the reading as a whole (a lying extension, pages without text)
    input_tokens: int = 0  # what Claude's reading counted (and costs); 0 for the offline reader
    output_tokens: int = 0

    @property
    def label(self) -> str:
        return (f"Read by Claude ({self.model})" if self.engine == "claude"
                else "Read by the offline reader (not AI-written)")

    def get(self, field: str) -> FieldProposal | None:
        return next((f for f in self.fields if f.field == field), None)

    @property
    def filled(self) -> list[FieldProposal]:
        return [f for f in self.fields if f.text.strip()]
