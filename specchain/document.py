"""Reading a generated document: its sections, what the template expected, leftover placeholders, questions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from specchain.steps import FENCE, ChainStep, markdown_headings, prose_lines

SECTION_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
# "[App Name]", "[Overview of performance goals…]": a bracketed phrase starting with a capital letter,
# not a link ("[text](url)", "[text][ref]") and not a task-list box ("[ ]", "[x]").
PLACEHOLDER = re.compile(r"\[(?!\s*[xX ]?\s*\])([A-Z][^\[\]\n]{2,120})\](?![\(\[:])")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows exactly as written (a product name in a heading, a quote from the brief)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def normalise_title(title: str) -> str:
    title = re.sub(r"^\s*(?:\d+(?:\.\d+)*[.)]?\s+)", "", title)  # "5. Database Optimization"
    title = re.sub(r"[*_`]", "", title).replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def titles_match(expected: str, found: str) -> bool:
    e, f = normalise_title(expected), normalise_title(found)
    return bool(e) and (e == f or f.startswith((e + " ", e + ":")))


@dataclass(frozen=True)
class Section:
    title: str  # "" for the text before the first "## " heading (the document's title block)
    markdown: str  # the whole section, heading line included


def split_sections(markdown: str) -> list[Section]:
    """Split at the level-2 headings Markdown renders at the top level (see steps.markdown_headings).

    The text before the first one is a section titled "". Sections are cut at whole lines only where a heading
    block starts, so each renders alone as it does in the whole document; the template check counts the same
    headings. The streaming SectionSplitter (used while a document is written) reads lines instead: it agrees on
    every "## Title" line at the margin outside code, which is how models write them, but does not split at a
    "Title\n---" heading or one indented by one to three spaces, and does split at a "## " line inside raw HTML
    or inside a "````" fence that holds a "```" one.
    """
    starts = [(h.line, h.title) for h in markdown_headings(markdown) if h.level == 2 and h.top_level]
    if not starts:
        return [Section("", markdown)] if markdown.strip() else []
    offsets = [0, *(m.end() for m in LINE_BREAK.finditer(markdown))]  # where each line starts, as the parser counts
    cuts = [offsets[line] for line, _ in starts]
    sections = [Section("", markdown[: cuts[0]])] if markdown[: cuts[0]].strip() else []
    ends = [*cuts[1:], len(markdown)]
    sections.extend(Section(title, markdown[cut:end]) for (_, title), cut, end in zip(starts, cuts, ends))
    return sections


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
    """The template's sections and subsections found and missing, counting only headings Markdown renders."""
    headings = [h for h in markdown_headings(markdown) if h.top_level]
    titles = [h.title for h in headings if h.level == 2]
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
    present: dict[str, list[str]] = {}  # expected section -> the subheadings under it in the document
    section: str | None = None
    for h in headings:
        if h.level == 2:
            section = next((e for e in found if titles_match(e, h.title)), None)
            if section is not None:
                present.setdefault(section, [])
        elif h.level >= 3 and section is not None:
            present[section].append(h.title)
    missing_subs: dict[str, list[str]] = {}
    for expected, subs in present.items():
        absent = [s for s in expected_subs.get(expected, []) if not any(titles_match(s, p) for p in subs)]
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
        if not stripped or stripped.startswith(("#", "---")):
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


# A continuation may repeat at most this much of the text before the cut (a few paragraphs or a long table).
MAX_REPEAT_CHARS = 20_000
_HEADING_START = re.compile(r"#{1,6}(?:[ \t\n]|$)")
_GLUED_HEADING_START = re.compile(r"#{2,6}[ \t]")
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)


def join_continuation(first: str, second: str) -> str:
    """Join a document cut off at the output limit (`first`, as stored) with the model's continuation of it.

    The model was sent `first.rstrip()` (call it the visible text) and may resume in four ways: exactly where the
    visible text stops (even mid-word), by rewriting the unfinished last line from its start, by repeating the
    last lines, or by starting the next block, with or without the line breaks the visible text lost. The rule:

    1. Repeated text. If the continuation starts with the visible text from the start of one of its lines (or of
       that line's text, after its indentation) up to its end, followed by white space if the stored text ends in
       white space, that part is a repetition: the join keeps the stored copy. The longest repetition wins.
    2. Otherwise the continuation follows the visible text directly. The white space between them is the longer
       of the stored trailing white space and the continuation's leading white space (the model could not see
       the first, so a line break it drops is restored and one it adds is not doubled).
    3. A "#" heading that starts the continuation on a new line, or glued straight to a visible text ending in
       a word, gets a blank line before it, unless the visible text ends inside a code fence.
    4. A block that is no table row ("Growth multipliers used: …") starting on the line after a table's last row
       gets a blank line before it (GFM would read it as one more row), unless inside a code fence.

    Rule 1 is ambiguous when a line legitimately goes on with the same characters it started with (a cut after
    the first "#" of "## Title", or after "|--------" in a table's "|--------|---------|" row): a rewrite of the
    line and an exact continuation are then the same text. The join reads it as a rewrite, because models resume
    in a new turn by rewriting the line often, while such a cut needs the model to stop inside a run of markup
    it writes as one token ("##", "```", "//"). It is never ambiguous when the stored text ends in white space.
    Rule 3 assumes the document puts a blank line before each heading, as the template does; a heading that
    follows a line directly renders the same either way. Line breaks that neither side has are lost: a model that
    writes the next paragraph, list or table straight after a visible text that ends mid-line in the stored text
    too can't be told from one going on with the same line, so the join keeps it as written.
    """
    if not first.strip():
        return first + second
    visible = first.rstrip()
    stored_gap = first[len(visible):]
    start = _repeat_start(visible, stored_gap, second)
    rest = second if start is None else second[len(visible) - start :]  # what follows the visible text
    body = rest.lstrip()
    gap = _merge_gaps(stored_gap, rest[: len(rest) - len(body)])
    if _HEADING_START.match(body) and not _inside_fence(visible):
        indent = gap[gap.rfind("\n") + 1 :]
        if "\n" in gap and gap.count("\n") < 2 and len(indent.expandtabs(4)) < 4:
            gap = gap[: len(gap) - len(indent)] + "\n" + indent
        elif not gap and _GLUED_HEADING_START.match(body) and not visible.endswith("#"):
            gap = "\n\n"
    elif _ends_table(visible, gap, body):
        gap = gap[: gap.rfind("\n") + 1] + "\n" + gap[gap.rfind("\n") + 1 :]
    return visible + gap + body


def _ends_table(visible: str, gap: str, body: str) -> bool:
    """Whether a block that is no table row follows a table's last row with a single line break (GFM would read
    the paragraph as one more row of the table: rule 4 keeps a blank line between them)."""
    if gap.count("\n") != 1 or not body or body.startswith("|") or _inside_fence(visible):
        return False
    return visible[visible.rfind("\n") + 1 :].lstrip(" \t").startswith("|")


def _repeat_start(visible: str, stored_gap: str, second: str) -> int | None:
    """Where the longest repetition of the visible text's last lines starts, if the continuation begins with one.

    A repetition starts at the start of a line, or after its indentation (a model may drop that), and runs to the
    end of the visible text; what follows it in the continuation must fit the stored text: white space (or
    nothing) if the stored text ended in white space.
    """
    last_line = visible.rfind("\n") + 1
    tail = "\n" + visible[last_line:]
    candidates: list[int] = []  # longest first
    # A repetition of several lines ends with the visible text's last line, whole: find it in the continuation.
    end = second.rfind(tail, 0, MAX_REPEAT_CHARS)
    while end >= 0:
        start = len(visible) - (end + len(tail))
        if 0 <= start < last_line and not visible[visible.rfind("\n", 0, start) + 1 : start].strip(" \t"):
            candidates.append(start)
        end = second.rfind(tail, 0, end + len(tail) - 1) if end else -1
    last_text = len(visible) - len(visible[last_line:].lstrip(" \t"))
    candidates.extend((last_line, last_text) if last_text > last_line else (last_line,))
    for start in candidates:
        size = len(visible) - start
        if not second.startswith(visible[start : start + 64]) or not second.startswith(visible[start:]):
            continue
        if not stored_gap or len(second) == size or second[size].isspace():
            return start
    return None


def _merge_gaps(stored: str, model: str) -> str:
    """The white space between the visible text and the continuation: the stored one, or the model's if longer."""
    if model.startswith(stored):
        return model
    if stored.startswith(model):
        return stored
    if "\n" not in stored:  # trailing spaces of the last line, then the model's line breaks
        return stored + model.lstrip(" \t")
    stored_cut, model_cut = stored.rfind("\n") + 1, model.rfind("\n") + 1
    stored_lines, stored_indent = stored[:stored_cut], stored[stored_cut:]
    model_lines, model_indent = model[:model_cut], model[model_cut:]
    if model_lines.startswith(stored_lines):
        lines = model_lines
    elif stored_lines.startswith(model_lines):
        lines = stored_lines
    else:
        lines = stored_lines + "\n" * max(0, model_lines.count("\n") - stored_lines.count("\n"))
    indent = stored_indent if stored_indent.startswith(model_indent) else model_indent
    return lines + indent


def _inside_fence(markdown: str) -> bool:
    return bool(open_fence(markdown))


def open_fence(markdown: str) -> str:
    """The fence ("```" or "~~~") of a code block markdown ends inside, to close it with; "" when it ends outside."""
    fences = _FENCE_LINE.findall(markdown)
    return fences[-1].strip() if len(fences) % 2 else ""


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


# "- [ ] item", "1. [x] item", "> - [X] item": a GFM task-list item (the box is followed by a space or the line's end).
TASK_ITEM = re.compile(r"^((?:[ \t]*>)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[([ xX])\](?=[ \t]|$)", re.MULTILINE)
TASK_BOXES = {" ": "☐", "x": "☑", "X": "☑"}


def for_screen(markdown: str) -> str:
    """The document as the screen shows it: each task-list box drawn as a character (☐ to do, ☑ done).

    Streamlit's Markdown draws a task list as disabled check boxes with no label, which a screen reader announces
    as an unlabelled check box (WCAG 2.1, 1.3.1 and 4.1.2); "ballot box" and "ballot box with check" are read out
    and show the same thing. Text inside code fences is left as it is. Downloads keep real task lists.
    """
    if "[" not in markdown:
        return markdown
    lines = markdown.splitlines(keepends=True)
    in_fence = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            lines[index] = TASK_ITEM.sub(lambda m: m.group(1) + TASK_BOXES[m.group(2)], line)
    return "".join(lines)
