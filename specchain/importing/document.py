"""What a document gives the brief: its text in blocks, each with a place a person can find it again."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cached_property

from pydantic import BaseModel, ConfigDict


class Block(BaseModel):
    """One paragraph, heading, list item or table row, as it reads in the document."""

    model_config = ConfigDict(frozen=True)

    text: str
    location: str  # for people: "page 3", "paragraph 12", "table 2, row 4", "line 40"
    heading: bool = False  # a title or heading: a hint for the product name
    # Text read from lines (text, Markdown): where each source line starts in `text`, and its number, so a sentence
    # can say the very line(s) it is on, not just where its paragraph starts.
    lines: tuple[tuple[int, int], ...] = ()

    @cached_property
    def _offsets(self) -> list[int]:
        return [offset for offset, _ in self.lines]  # ascending

    def where(self, start: int, end: int) -> str:
        """The location of text[start:end]: "paragraph 2 (line 4)" or "(lines 4–5)"; the block's own without lines."""
        offsets = self._offsets
        last = bisect_left(offsets, end) - 1  # the last line that starts before the text ends
        if last < 0:
            return self.location
        first = max(0, bisect_right(offsets, start) - 1)  # the line the text starts on
        return line_location(self.location.partition(" (")[0], self.lines[first][1], self.lines[last][1])


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


def line_location(place: str, first: int, last: int) -> str:
    return f"{place} (line {first})" if first == last else f"{place} (lines {first}–{last})"


def squeeze(text: str) -> str:
    """White space as a reader sees it: runs of spaces and tabs become one space, ends trimmed."""
    return re.sub(r"[ \t\u00a0\u2000-\u200b\u3000]+", " ", text).strip()
