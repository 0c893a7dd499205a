"""Reading a generated document: its sections, what the template expected, leftover placeholders, questions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from specchain.steps import FENCE, ChainStep, markdown_headings, prose_lines

SECTION_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
# "[App Name]", "[Overview of performance goals…]": a bracketed phrase starting with a capital letter,
# not a link ("[text](url)", "[text][ref]") and not a task-list box ("[ ]", "[x]").
PLACEHOLDER = re.compile(r"\[(?!\s*[xX ]?\s*\])([A-Z][^\[\]\n]{2,120})\](?![\(\[:])")
LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")


def normalise_title(title: str) -> str:
    title = re.sub(r"^\s*(?:\d+(?:\.\d+)*[.)]?\s+)", "", title)  # "5. Database Optimization"
    title = re.sub(r"[*_`]", "", title).replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def titles_match(expected: str, found: str) -> bool:
    e, f = normalise_title(expected), normalise_title(found)
    return bool(e) and (e == f or f.startswith(e + " ") or f.startswith(e + ":"))


@dataclass(frozen=True)
class Section:
    title: str  # "" for the text before the first "## " heading (the document's title block)
    markdown: str  # the whole section, heading line included


def split_sections(markdown: str) -> list[Section]:
    """Split at level-2 headings that are outside code fences."""
    splitter = SectionSplitter()
    splitter.feed(markdown)
    return splitter.finish()


class SectionSplitter:
    """Incremental version of split_sections for a stream: each character is examined once."""

    def __init__(self) -> None:
        self.completed: list[Section] = []
        self._lines: list[str] = []  # complete lines of the current section
        self._partial: list[str] = []  # pieces of the current, unfinished line (joined once it ends)
        self._title = ""
        self._in_fence = False

    def feed(self, text: str) -> None:
        if "\n" not in text:
            self._partial.append(text)  # a long line in small chunks is copied once, not once per chunk
            return
        parts = ("".join(self._partial) + text).split("\n")
        self._partial = [parts.pop()]
        for line in parts:
            self._take_line(line + "\n")

    def _take_line(self, line: str) -> None:
        if FENCE.match(line):
            self._in_fence = not self._in_fence
        elif not self._in_fence and (m := SECTION_HEADING.match(line.rstrip("\n"))):
            self._close_current()
            self._title = m.group(1)
        self._lines.append(line)

    def _close_current(self) -> None:
        body = "".join(self._lines)
        if body.strip():
            self.completed.append(Section(self._title, body))
        self._lines = []

    @property
    def current(self) -> Section:
        return Section(self._title, "".join(self._lines) + "".join(self._partial))

    def finish(self) -> list[Section]:
        if partial := "".join(self._partial):
            self._take_line(partial)
        self._partial = []
        self._close_current()
        return self.completed


@dataclass(frozen=True)
class DocumentCheck:
    found: list[str]
    missing: list[str]
    placeholders: list[str]
    missing_subsections: dict[str, list[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.placeholders


def check_document(markdown: str, step: ChainStep) -> DocumentCheck:
    sections = split_sections(markdown)
    titles = [s.title for s in sections if s.title]
    found = [e for e in step.sections if any(titles_match(e, t) for t in titles)]
    missing = [e for e in step.sections if e not in found]
    # Subsections the template asks for (###), per section that is present.
    expected_subs: dict[str, list[str]] = {}
    current = ""
    for h in step.headings:
        if h.level == 2:
            current = h.title
        elif h.level == 3 and current:
            expected_subs.setdefault(current, []).append(h.title)
    missing_subs: dict[str, list[str]] = {}
    for section in sections:
        expected = next((e for e in found if titles_match(e, section.title)), None)
        if expected is None:
            continue
        present = [h.title for h in markdown_headings(section.markdown) if h.level >= 3]
        absent = [s for s in expected_subs.get(expected, []) if not any(titles_match(s, p) for p in present)]
        if absent:
            missing_subs[expected] = absent
    return DocumentCheck(found, missing, find_placeholders(markdown), missing_subs)


def find_placeholders(markdown: str) -> list[str]:
    """Template placeholders the document still contains, outside code blocks."""
    found = [
        f"[{m.group(1)}]"
        for line in prose_lines(markdown)
        for m in PLACEHOLDER.finditer(re.sub(r"`[^`]*`", "", line))  # not inside `inline code` either
    ]
    return list(dict.fromkeys(found))


def section_progress(titles_so_far: list[str], expected: list[str]) -> tuple[int, str] | None:
    """(position, title) of the newest expected section that has started, for "Writing 5 of 17: …"."""
    for title in reversed(titles_so_far):
        for index, e in enumerate(expected):
            if titles_match(e, title):
                return index + 1, e
    return None


def clarification_items(markdown: str, section_title: str) -> list[str]:
    """The questions and suggestions of the clarification section, one string each, Markdown emphasis removed.

    Models write these as bullet or numbered lists (sometimes under ### sub-headings, sometimes with nested
    detail bullets) or as plain paragraphs; each top-level item or paragraph becomes one question.
    """
    section = next((s for s in split_sections(markdown) if titles_match(section_title, s.title)), None)
    if section is None:
        return []
    items: list[str] = []
    current: list[str] = []
    base_indent: int | None = None

    def flush() -> None:
        text = _plain(" ".join(current))
        # "Answers to these questions will help:" introduces the list; it is not a question itself.
        if text and not _is_placeholder_only(text) and not text.endswith(":"):
            items.append(text)
        current.clear()

    for line in section.markdown.splitlines()[1:]:
        stripped = line.strip()
        item = LIST_ITEM.match(line)
        if not stripped or stripped.startswith("#") or stripped.startswith("---"):
            if current and (not stripped or base_indent is None):
                flush()
            continue
        if item and (base_indent is None or len(item.group(1)) <= base_indent):
            flush()
            base_indent = len(item.group(1))
            current.append(item.group(2))
        elif item:  # nested detail under the current item
            current.append(item.group(2))
        else:
            if base_indent is not None and not current:
                base_indent = None  # a paragraph after a list
            current.append(stripped)
    flush()
    return items


def _plain(text: str) -> str:
    text = re.sub(r"\*\*|__|`", "", text)
    text = re.sub(r"(?<!\w)[*_](\S[^*_]*?)[*_](?!\w)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*\[[ xX]\]\s*", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _is_placeholder_only(text: str) -> bool:
    return bool(re.fullmatch(r"\[[^\]]*\]", text))


def join_continuation(first: str, second: str) -> str:
    """Join a document cut off at the output limit with the model's continuation of it.

    The model is asked to go on exactly where it stopped, but may restart the unfinished line or repeat the last
    few lines. Overlap is removed so that no line is repeated and none is lost.
    """
    if not first:
        return second
    second = second.lstrip("\n") if first.endswith("\n") else second
    # 1. The continuation repeats the last lines (possibly starting with the unfinished one, rewritten whole).
    first_lines = first.split("\n")
    head_lines = first_lines[:-1] if first.endswith("\n") else first_lines
    second_lines = second.split("\n")
    for count in range(min(len(head_lines), len(second_lines), 40), 0, -1):
        tail = head_lines[-count:]
        lead = second_lines[:count]
        whole_lines = [a.rstrip() == b.rstrip() for a, b in zip(tail[:-1], lead[:-1])]
        last_ok = tail[-1].rstrip() == lead[-1].rstrip() or (
            not first.endswith("\n") and lead[-1].startswith(tail[-1]) and tail[-1].strip() != ""
        )
        # A lone fence or blank line repeats by chance; only overlap with real words counts.
        if all(whole_lines) and last_ok and len(re.sub(r"\W", "", "".join(tail))) >= 6:
            kept = first_lines[: len(head_lines) - count]
            prefix = "\n".join(kept) + ("\n" if kept else "")
            return prefix + second
    # 2. The continuation repeats the end of the unfinished line, or the tail of the text, characters-wise.
    for size in range(min(len(first), len(second), 400), 7, -1):
        if first.endswith(second[:size]):
            return first + second[size:]
    # 3. A clean continuation: mid-line, or on a new line.
    return first + second


def split_blocks(markdown: str) -> tuple[list[str], str]:
    """Finished Markdown blocks (paragraphs, tables, lists, code blocks), and the unfinished rest.

    A block ends at a blank line followed by a line that starts at the margin, outside a code fence: cutting there
    never changes how the text renders (an indented line may continue a list item, so it is never cut from it).
    Streamed text is shown block by block, each block sent to the browser once: linear in the document's size.
    """
    blocks: list[str] = []
    start, position, in_fence, after_blank = 0, 0, False, False
    for line in markdown.splitlines(keepends=True):
        if after_blank and not in_fence and line[:1] not in (" ", "\t", "\r", "\n"):
            if block := markdown[start:position].strip():
                blocks.append(block)
            start = position
        if FENCE.match(line):
            in_fence = not in_fence
        after_blank = not line.strip() and line.endswith("\n")
        position += len(line)
    return blocks, markdown[start:]


def stream_pieces(markdown: str, *, finished: bool, min_chars: int = 1000) -> list[str]:
    """A section as pieces of whole blocks, each at least `min_chars` long but the last of a finished section.

    The cuts depend only on the text before them, so the pieces of a text still streaming are the first pieces
    of the finished text: each is sent to the browser once, and a redraw of the finished page sends the very same
    pieces, which the browser already holds (Streamlit re-sends elements of 1 KB or more as short references).
    Pieces of about 1 KB keep the number of messages, and so their fixed overhead, low.
    """
    blocks, rest = split_blocks(markdown)
    if finished and rest.strip():
        blocks.append(rest.strip())
    pieces: list[str] = []
    group: list[str] = []
    for block in blocks:
        group.append(block)
        if sum(map(len, group)) >= min_chars:
            pieces.append("\n\n".join(group))
            group = []
    if finished and group:
        pieces.append("\n\n".join(group))
    return pieces
