"""What a document gives the brief: its text in blocks, each with a place a person can find it again."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict


class Block(BaseModel):
    """One paragraph, heading, list item or table row, as it reads in the document."""

    model_config = ConfigDict(frozen=True)

    text: str
    location: str  # for people: "page 3", "paragraph 12", "table 2, row 4", "line 40"
    heading: bool = False  # a title or heading: a hint for the product name


class ImportedDocument(BaseModel):
    """A document read into text: nothing else of the file is kept (no bytes, no markup, no macros)."""

    model_config = ConfigDict(frozen=True)

    name: str  # the file's name, or "Pasted text"
    kind: str  # for people: "Word document", "PDF", "Markdown file", "text file"
    blocks: tuple[Block, ...]
    title: str = ""  # the document's own title (Word or PDF properties, the first Markdown heading), if any
    notes: tuple[str, ...] = ()  # what a person should know about the reading ("read as a PDF although named .docx")

    @property
    def characters(self) -> int:
        return sum(len(b.text) for b in self.blocks)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


class DocumentProblem(Exception):
    """A file that can't be used, explained in plain words with what to do next."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def squeeze(text: str) -> str:
    """White space as a reader sees it: runs of spaces and tabs become one space, ends trimmed."""
    return re.sub(r"[ \t\u00a0\u2000-\u200b\u3000]+", " ", text).strip()
