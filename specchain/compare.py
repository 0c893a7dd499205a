"""Comparing two versions of a document section by section, with added and removed text marked for display.

The marked Markdown uses Streamlit's colour directives, `:red-background[…]` for removed text (in the old version)
and `:green-background[…]` for added text (in the new one), and must render exactly as the unmarked text does
apart from the colour. So the marks never touch Markdown's own syntax:

- Lines are compared first (difflib), then words inside each pair of similar changed lines.
- A line's prefix (indentation, `>`, list markers, task boxes, `#`) stays outside the directives; table rows are
  marked cell by cell, so the pipes stay outside too; delimiter rows, thematic breaks, HTML lines are never marked.
- Fenced code can't hold directives: a changed code block is left as it is and gets a plain note line before its
  opening fence ("*(code changed)*", "*(code added)*", "*(code removed)*").
- A line (or table cell) changed from end to end is one directive; otherwise only the changed words are wrapped, and
  emphasis markers, unsafe code spans and the like stay outside, with no character next to an emphasis marker
  changing class (letter or punctuation: that decides what the marker opens or closes).
- Inside a directive `[`, `]` and stray backslashes are escaped, a directive never spans lines and stays well below
  the label size the parser accepts. White space alone never counts as a change.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from specchain.document import Section, normalise_title, split_sections, titles_match

Status = Literal["unchanged", "changed", "added", "removed"]
ADDED, REMOVED = "green", "red"
CODE_NOTE = {"changed": "*(code changed)*", "added": "*(code added)*", "removed": "*(code removed)*"}
MAX_LABEL_CHARS = 900  # the directive parser gives up on labels of about 1,000 characters
PAIR_SIMILARITY = 0.5  # changed lines sharing at least this share of words are compared word by word
MAX_PAIRING_CELLS = 10_000  # above this, a replaced block is paired line by line instead of optimally


@dataclass(frozen=True)
class SectionChange:
    title: str  # the new version's title ("" for the text before the first "## " heading)
    status: Status
    old_markdown: str  # "" for an added section
    new_markdown: str  # "" for a removed section
    old_marked: str  # the old text with removed words in :red-background[…]
    new_marked: str  # the new text with added words in :green-background[…]
    words_added: int
    words_removed: int
    moved: bool = False  # present in both versions, but placed elsewhere relative to the other sections


def compare_documents(old: str, new: str) -> list[SectionChange]:
    """The sections of both versions, matched by title, in the new order; removed ones where they were."""
    old_sections, new_sections = split_sections(old), split_sections(new)
    matches = _match_sections(old_sections, new_sections)  # new index -> old index
    moved = _moved(matches, len(new_sections))
    removed_after: dict[int, list[int]] = {}  # old index of the preceding matched section (-1: start) -> removed
    matched_old = set(matches.values())
    anchor = -1
    for index in range(len(old_sections)):
        if index in matched_old:
            anchor = index
        else:
            removed_after.setdefault(anchor, []).append(index)

    changes = [_removed(old_sections[i]) for i in removed_after.get(-1, [])]
    for index, section in enumerate(new_sections):
        if index not in matches:
            changes.append(_added(section))
            continue
        old_index = matches[index]
        changes.append(_compare_section(old_sections[old_index], section, index in moved))
        changes.extend(_removed(old_sections[i]) for i in removed_after.get(old_index, []))
    return changes


def _match_sections(old: list[Section], new: list[Section]) -> dict[int, int]:
    by_title: dict[str, list[int]] = {}
    for index, section in enumerate(old):
        by_title.setdefault(normalise_title(section.title), []).append(index)
    matches: dict[int, int] = {}
    for index, section in enumerate(new):
        candidates = by_title.get(normalise_title(section.title))
        if candidates:
            matches[index] = candidates.pop(0)
    # "Clarification Requests" against "Clarification Requests or Feedback": a title that starts the other one.
    unmatched_old = [i for i in range(len(old)) if i not in set(matches.values())]
    for index, section in enumerate(new):
        if index in matches:
            continue
        for old_index in unmatched_old:
            if titles_match(old[old_index].title, section.title) or titles_match(section.title, old[old_index].title):
                matches[index] = old_index
                unmatched_old.remove(old_index)
                break
    return matches


def _moved(matches: dict[int, int], count: int) -> set[int]:
    """New indices of matched sections outside the longest run that kept its relative order."""
    order = [(new, matches[new]) for new in range(count) if new in matches]
    if not order:
        return set()
    # Longest increasing subsequence of old indices (O(n^2) is plenty for a few dozen sections).
    best = [1] * len(order)
    back = [-1] * len(order)
    for i in range(len(order)):
        for j in range(i):
            if order[j][1] < order[i][1] and best[j] + 1 >= best[i]:  # ties: the later one, so a section moved up is the one marked
                best[i], back[i] = best[j] + 1, j
    keep: set[int] = set()
    i = max(range(len(order)), key=best.__getitem__)
    while i >= 0:
        keep.add(order[i][0])
        i = back[i]
    return {new for new, _ in order if new not in keep}


def _added(section: Section) -> SectionChange:
    lines = section.markdown.split("\n")
    marked, count = _mark_all(lines, ADDED, "added")
    return SectionChange(section.title, "added", "", section.markdown, "", marked, count, 0)


def _removed(section: Section) -> SectionChange:
    lines = section.markdown.split("\n")
    marked, count = _mark_all(lines, REMOVED, "removed")
    return SectionChange(section.title, "removed", section.markdown, "", marked, "", 0, count)


def _mark_all(lines: list[str], colour: str, note: str) -> tuple[str, int]:
    kinds, fences = _line_kinds(lines)
    marked: dict[int, str] = {}
    count = 0
    for index, line in enumerate(lines):
        text, words = _mark_whole(line, kinds[index], colour)
        marked[index] = text
        count += words
    notes = {start: note for start in set(fences.values())}
    return _assemble(lines, kinds, fences, marked, notes), count


def _compare_section(old: Section, new: Section, moved: bool) -> SectionChange:
    old_lines, new_lines = old.markdown.split("\n"), new.markdown.split("\n")
    old_keys, new_keys = [_key(line) for line in old_lines], [_key(line) for line in new_lines]
    if [k for k in old_keys if k] == [k for k in new_keys if k]:
        return SectionChange(
            new.title, "unchanged", old.markdown, new.markdown, old.markdown, new.markdown, 0, 0, moved
        )
    old_kinds, old_fences = _line_kinds(old_lines)
    new_kinds, new_fences = _line_kinds(new_lines)
    old_marked: dict[int, str] = {}
    new_marked: dict[int, str] = {}
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = _pair_lines(old_keys, old_kinds, range(i1, i2), new_keys, new_kinds, range(j1, j2))
        paired_old = {i for i, _ in pairs}
        paired_new = {j for _, j in pairs}
        for i, j in pairs:
            old_text, new_text, plus, minus = _mark_pair(old_lines[i], old_kinds[i], new_lines[j], new_kinds[j])
            old_marked[i], new_marked[j] = old_text, new_text
            added, removed = added + plus, removed + minus
        for i in range(i1, i2):
            if i not in paired_old:
                old_marked[i], words = _mark_whole(old_lines[i], old_kinds[i], REMOVED)
                removed += words
        for j in range(j1, j2):
            if j not in paired_new:
                new_marked[j], words = _mark_whole(new_lines[j], new_kinds[j], ADDED)
                added += words
    old_notes = _code_notes(old_fences, old_marked, old_lines, "removed")
    new_notes = _code_notes(new_fences, new_marked, new_lines, "added")
    return SectionChange(
        new.title,
        "changed",
        old.markdown,
        new.markdown,
        _assemble(old_lines, old_kinds, old_fences, old_marked, old_notes),
        _assemble(new_lines, new_kinds, new_fences, new_marked, new_notes),
        added,
        removed,
        moved,
    )


def _key(line: str) -> str:
    """What a line says, white space aside (also around table pipes)."""
    return re.sub(r" ?\| ?", "|", " ".join(line.split()))


# ---- Lines: what kind each is ----------------------------------------------------------------------------------

_CONTAINER = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*")  # indentation and block-quote markers
_FENCE = re.compile(r"(`{3,}|~{3,})")
_MARKUP_LINE = re.compile(
    r"(?:(?:([-*_])[ \t]*(?:\1[ \t]*){2,}|=+[ \t]*|-+[ \t]*)$"  # thematic break, setext underline
    r"|\[[^\]]+\]:[ \t])"  # link reference definition
)
_DELIMITER_ROW = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
# What ends a table: a line that starts another block (or is indented as code); of HTML, only the start of an HTML
# block that may interrupt a paragraph (_HTML_BLOCK): "<br> | a | b |" is still a row.
_ENDS_TABLE = re.compile(
    r"(?:#{1,6}(?:[ \t]|$)|>|`{3,}|~{3,}|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)"
    r"|([-*_])[ \t]*(?:\1[ \t]*){2,}$)"
)


def _line_kinds(lines: list[str]) -> tuple[list[str], dict[int, int]]:
    """Each line's kind, and for lines of fenced code their opening fence line.

    Kinds: "code" (fenced code, fences included), "table" (a table's header and body rows), "markup" (never
    marked: delimiter rows, thematic breaks, setext underlines, HTML blocks, indented code, link definitions),
    "blank" and "text".
    """
    kinds: list[str] = []
    fences: dict[int, int] = {}
    fence: tuple[str, int, int] | None = None  # character, length, opening line
    in_table = in_html = in_indented_code = in_list = False
    table_indent = list_content = 0
    for index, line in enumerate(lines):
        container = _container_end(line)
        body = line[container:]
        indent = _indent(line)
        quoted = ">" in line[:container]
        after_paragraph = bool(kinds) and kinds[-1] == "text" and not _HEADING.match(lines[index - 1])
        if fence is not None:
            kinds.append("code")
            fences[index] = fence[2]
            close = _FENCE.match(body)
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= fence[1]:
                fence = None if not body[close.end():].strip() else fence
            continue
        if not body.strip():
            kinds.append("blank")
            in_table = in_html = False
            continue
        if in_html or (in_indented_code and indent >= 4):
            kinds.append("markup")
            continue
        in_indented_code = False
        if indent == 0 and not _LIST_ITEM.match(body) and (not after_paragraph or _HEADING.match(body)):
            in_list = False
        opening = _FENCE.match(body)
        if opening and not (opening.group(1)[0] == "`" and "`" in body[opening.end():]) and (indent < 4 or in_list):
            fence = (opening.group(1)[0], len(opening.group(1)), index)
            kinds.append("code")
            fences[index] = index
            in_table = False
            in_list = in_list and indent > 0
        elif in_table and not _ENDS_TABLE.match(body) and not _HTML_BLOCK.match(body) and indent < table_indent + 4:
            kinds.append("table")
        elif indent >= (list_content if in_list else 0) + 4 and not quoted and not after_paragraph:
            kinds.append("markup")  # indented code
            in_indented_code, in_table = True, False
        elif index and kinds[-1] == "table" and not in_table and _DELIMITER_ROW.match(body):
            kinds.append("markup")  # the delimiter row under a header
            in_table = True
        elif _is_table_header(body, lines[index + 1] if index + 1 < len(lines) else ""):
            kinds.append("table")
            table_indent = indent
            in_table = False  # the delimiter row comes next
        elif indent < 4 and (_HTML_BLOCK.match(body) or (_HTML_LINE.match(body) and not after_paragraph)):
            kinds.append("markup")
            in_html, in_table = True, False
        else:
            kinds.append("markup" if _MARKUP_LINE.match(body) else "text")
            in_table = False
            if item := _LIST_ITEM.match(body):
                in_list, list_content = True, indent + len(item.group().rstrip()) + 1
    return kinds, fences


_HEADING = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*#{1,6}(?:[ \t]|$)")
_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt"
    "|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main"
    "|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead"
    "|title|tr|track|ul|script|pre|style|textarea"
)
# HTML blocks (CommonMark's kinds 1 to 6, which may interrupt a paragraph; kind 7, a tag alone, which may not).
_HTML_BLOCK = re.compile(rf"<(?:/?(?:{_BLOCK_TAGS})(?:[ \t>]|/>|$)|!--|\?|![A-Za-z]|!\[CDATA\[)", re.IGNORECASE)
_HTML_LINE = re.compile(r"(?:<[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[^<>]*?)?/?>|</[A-Za-z][A-Za-z0-9-]*[ \t]*>)[ \t]*$")


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def _container_end(line: str) -> int:
    return _CONTAINER.match(line).end()  # type: ignore[union-attr]


def _is_table_header(body: str, next_line: str) -> bool:
    below = next_line[_container_end(next_line):]
    if "|" not in body or "|" not in below or not _DELIMITER_ROW.match(below):
        return False
    return len(_cells(body.strip())) == len(_cells(below.strip()))


def _cells(row: str) -> list[str]:
    """A table row's cells (outer pipes dropped), split at pipes that aren't escaped."""
    cells = _split_pipes(row)
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _split_pipes(text: str) -> list[str]:
    if "|" not in text:
        return [text]
    parts, start = [], 0
    for match in _PIPE_OR_ESCAPE.finditer(text):
        if match.group() == "|":
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


_PIPE_OR_ESCAPE = re.compile(r"\\.|\|")


# ---- Tokens: the words of a line, and the Markdown between them ---------------------------------------------

SPACE, SEP, TEXT, ATOM, DELIM = "space", "sep", "text", "atom", "delim"
LABEL = "label"  # Markdown already made ready for a label
_INLINE = re.compile(
    r"(?P<space>[ \t\r]+)"
    r"|(?P<code>(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<atom>!?\[(?:[^\[\]\\]|\\.)*\]\((?:[^()\s\\]|\\.)*(?:[ \t]+\"[^\"]*\")?\)"  # inline link or image
    r"|<(?:[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*|/?[A-Za-z][A-Za-z0-9\-]*(?:\s[^<>]*)?/?)>)"  # autolink, tag
    r"|(?P<delim>\*+|~+|_+)"
    r"|(?P<text>\\[!-/:-@\[-`{-~]|[^ \t\r`*_~\\<!\[]+|`+|.)"
)
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
# Languages written without spaces are compared in smaller units: each ideograph, each run of kana.
_UNITS = re.compile(rf"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[\u3040-\u309f]+|[\u30a0-\u30ff\uff66-\uff9f]+|[^{_CJK}]+")
_SIMILARITY_UNITS = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass
class _Token:
    kind: str
    text: str
    wrap: bool = False  # inside a directive


def _tokens(content: str, table: bool) -> list[_Token]:
    if not table:
        return _inline_tokens(content)
    tokens: list[_Token] = []
    for index, cell in enumerate(_split_pipes(content)):
        if index:
            tokens.append(_Token(SEP, "|"))
        tokens.extend(_inline_tokens(cell))
    return tokens


def _inline_tokens(content: str) -> list[_Token]:
    pieces: list[_Token] = []
    for match in _INLINE.finditer(content):
        kind = match.lastgroup if match.lastgroup != "ticks" else "code"
        text = match.group()
        if kind == "code":
            kind = ATOM
        elif kind == DELIM:
            before = content[match.start() - 1] if match.start() else " "
            after = content[match.end()] if match.end() < len(content) else " "
            if (text[0] == "_" and before.isalnum() and after.isalnum()) or (before.isspace() and after.isspace()):
                kind = TEXT  # snake_case, or "2 * 3": not emphasis
        if kind == TEXT and pieces and pieces[-1].kind == TEXT:
            pieces[-1].text += text
        else:
            pieces.append(_Token(kind, text))
    tokens: list[_Token] = []
    for piece in pieces:
        if piece.kind == TEXT:
            tokens.extend(_Token(TEXT, unit) for unit in _UNITS.findall(piece.text))
        else:
            tokens.append(piece)
    return tokens


def _is_word(token: _Token) -> bool:
    return token.kind == ATOM or (token.kind == TEXT and any(c.isalnum() for c in token.text))


def _split_line(line: str, kind: str) -> tuple[str, str, str, bool]:
    """(prefix, content, suffix, is_table): only the content is ever marked."""
    if kind == "table":
        start = _container_end(line)
        content = line[start:].rstrip()
        return line[:start], content, line[start + len(content):], True
    start = _prefix_end(line)
    content = line[start:].rstrip()
    end = start + len(content)
    if "#" in line[:start] and (closing := re.search(r"[ \t]+#+$", content)):
        end -= len(content) - closing.start()  # "## Title ##"
    trailing = len(content[: end - start]) - len(content[: end - start].rstrip("\\"))
    if trailing % 2:
        end -= 1  # a backslash line break stays a line break
    return line[:start], line[start:end], line[end:], False


_PREFIX = re.compile(
    r"[ \t]*(?:(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*)*"  # quotes and list markers, even nested
    r"(?:\[[ xX]\](?:[ \t]+|$))?"  # a task box
    r"(?:#{1,6}(?:[ \t]+|$))?"
)


def _prefix_end(line: str) -> int:
    return _PREFIX.match(line).end()  # type: ignore[union-attr]


# ---- Marking --------------------------------------------------------------------------------------------------


def _mark_whole(line: str, kind: str, colour: str) -> tuple[str, int]:
    """A whole added or removed line: (marked line, words)."""
    if kind == "code":
        return line, len(line.split())
    if kind not in ("text", "table"):
        return line, 0
    prefix, content, suffix, table = _split_line(line, kind)
    tokens = _tokens(content, table)
    for token in tokens:
        token.wrap = token.kind != SPACE
    return prefix + _render(tokens, colour) + suffix, sum(map(_is_word, tokens))


def _mark_pair(old: str, old_kind: str, new: str, new_kind: str) -> tuple[str, str, int, int]:
    """A changed line and its counterpart: (old marked, new marked, words added, words removed)."""
    if old_kind == "code" or new_kind == "code":
        a, b = old.split(), new.split()
        plus = minus = 0
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag != "equal":
                minus, plus = minus + i2 - i1, plus + j2 - j1
        return old, new, plus, minus
    old_prefix, old_content, old_suffix, old_table = _split_line(old, old_kind)
    new_prefix, new_content, new_suffix, new_table = _split_line(new, new_kind)
    a, b = _tokens(old_content, old_table), _tokens(new_content, new_table)
    a_solid = [t for t in a if t.kind != SPACE]
    b_solid = [t for t in b if t.kind != SPACE]
    if old_prefix.split() != new_prefix.split():  # "- item" became "1. item", "###" became "##": all of it changed
        for token in a_solid + b_solid:
            token.wrap = True
    else:
        matcher = difflib.SequenceMatcher(None, [t.text for t in a_solid], [t.text for t in b_solid], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                for token in a_solid[i1:i2]:
                    token.wrap = True
                for token in b_solid[j1:j2]:
                    token.wrap = True
    plus = sum(1 for t in b_solid if t.wrap and _is_word(t))
    minus = sum(1 for t in a_solid if t.wrap and _is_word(t))
    return (
        old_prefix + _render(a, REMOVED) + old_suffix,
        new_prefix + _render(b, ADDED) + new_suffix,
        plus,
        minus,
    )


def _render(tokens: list[_Token], colour: str) -> str:
    """The content with its changed tokens (those with `wrap` set) inside directives, cell by cell."""
    out: list[str] = []
    start = 0
    for index in range(len(tokens) + 1):
        if index == len(tokens) or tokens[index].kind == SEP:
            out.append(_render_segment(tokens[start:index], colour))
            if index < len(tokens):
                out.append(tokens[index].text)
            start = index + 1
    return "".join(out)


def _render_segment(tokens: list[_Token], colour: str) -> str:
    solid = [i for i, t in enumerate(tokens) if t.kind != SPACE]
    if not any(tokens[i].wrap for i in solid):
        return "".join(t.text for t in tokens)
    first, last = solid[0], solid[-1]
    if all(tokens[i].wrap for i in solid) and _whole_is_safe(tokens[first : last + 1]):
        label = "".join(_inside(t) for t in tokens[first : last + 1])
        if len(label) <= MAX_LABEL_CHARS:
            return (
                "".join(t.text for t in tokens[:first])
                + _directive(colour, label)
                + "".join(t.text for t in tokens[last + 1 :])
            )
    tokens = _settle(tokens)
    out: list[str] = []
    index = 0
    while index < len(tokens):
        if not tokens[index].wrap:
            out.append(tokens[index].text)
            index += 1
            continue
        last = index  # the group runs over wrapped tokens and the spaces between them
        while last + 1 < len(tokens) and (tokens[last + 1].wrap or tokens[last + 1].kind == SPACE):
            last += 1
        while tokens[last].kind == SPACE:
            last -= 1
        out.extend(_directives(colour, tokens[index : last + 1]))
        index = last + 1
    return "".join(out)


def _merge_whole_runs(tokens: list[_Token]) -> list[_Token]:
    """A run between spaces changed from end to end, emphasis included ("*ready*,"), becomes one piece of label."""
    out: list[_Token] = []
    start = 0
    for index in range(len(tokens) + 1):
        if index == len(tokens) or tokens[index].kind in (SPACE, SEP):
            run = tokens[start:index]
            if any(t.kind == DELIM for t in run) and all(t.wrap for t in run) and _whole_is_safe(run):
                label = "".join(_inside(t) for t in run)
                if len(label) <= MAX_LABEL_CHARS // 2:
                    run = [_Token(LABEL, label, True)]
            out.extend(run)
            if index < len(tokens):
                out.append(tokens[index])
            start = index + 1
    return out


def _whole_is_safe(tokens: list[_Token]) -> bool:
    """Whether these tokens can sit in one directive: balanced emphasis markers, code spans the label can hold."""
    if any(t.kind == ATOM and not _label_safe(t.text) for t in tokens):
        return False
    open_runs: list[str] = []  # each marker run must be closed by the same run, innermost first
    for token in tokens:
        if token.kind == DELIM:
            if open_runs and open_runs[-1] == token.text:
                open_runs.pop()
            else:
                open_runs.append(token.text)
    return not open_runs


def _wrappable(token: _Token) -> bool:
    if len(token.text) > MAX_LABEL_CHARS // 2:
        return False
    return token.kind in (TEXT, LABEL) or (token.kind == ATOM and _label_safe(token.text))


def _settle(tokens: list[_Token]) -> list[_Token]:
    """Adjust which tokens are wrapped so the directives change nothing else.

    Only words and code spans or links the label can hold are wrapped, never emphasis markers (a run of text between
    spaces whose markers changed has all its words wrapped, so the change shows). A directive puts punctuation (":"
    and "]") next to the text it wraps, and whether "*" or "_" opens or closes emphasis depends on whether its
    neighbours are letters or punctuation: so a marker between two letters gets both sides wrapped or neither, and
    a letter next to a marker whose other side is punctuation stays outside. A directive can't follow ":" or a lone
    "\\" (nor be followed by "{", read as attributes, or "(", read as a link by other parsers): such a neighbouring
    character goes inside.
    """
    tokens = [_Token(t.kind, t.text, t.wrap) for t in tokens]
    start = 0
    for index in range(len(tokens) + 1):
        if index == len(tokens) or tokens[index].kind in (SPACE, SEP):
            run = tokens[start:index]
            if any(t.kind == DELIM and t.wrap for t in run):
                for token in run:
                    token.wrap = True
            start = index + 1
    tokens = _merge_whole_runs(tokens)
    for token in tokens:
        token.wrap = token.wrap and _wrappable(token)
    changed = True
    while changed:
        changed = False
        for index, token in enumerate(tokens):
            if token.kind == DELIM and 0 < index < len(tokens) - 1:
                before, after = tokens[index - 1], tokens[index + 1]
                if before.kind not in (SPACE, SEP) and after.kind not in (SPACE, SEP):
                    left, right = _char_class(before.text[-1]), _char_class(after.text[0])
                    if left == right == "other" and before.wrap != after.wrap:
                        both = _wrappable(before) and _wrappable(after)
                        before.wrap = after.wrap = both
                        changed = True
                        break
                    if left == "other" and before.wrap and right != "other":
                        tokens[index - 1 : index] = _peel(before, at_end=True)
                        changed = True
                        break
                    if right == "other" and after.wrap and left != "other":
                        tokens[index + 1 : index + 2] = _peel(after, at_end=False)
                        changed = True
                        break
            if index + 1 < len(tokens):
                following = tokens[index + 1]
                if following.wrap and not token.wrap and token.kind == TEXT and _ends_badly(token.text):
                    tokens[index : index + 1] = _unpeel(token, at_end=True)
                    changed = True
                    break
                if token.wrap and not following.wrap and following.kind == TEXT and following.text[0] in "{(":
                    tokens[index + 1 : index + 2] = _unpeel(following, at_end=False)
                    changed = True
                    break
    return tokens


def _ends_badly(text: str) -> bool:
    """Ends in an unescaped ":" or a lone backslash: either would spoil a directive right after it."""
    if text.endswith("\\"):
        return (len(text) - len(text.rstrip("\\"))) % 2 == 1
    if text.endswith(":"):
        body = text[:-1]
        return (len(body) - len(body.rstrip("\\"))) % 2 == 0
    return False


def _peel(token: _Token, at_end: bool) -> list[_Token]:
    """The token, wrapped, without its last (or first) character, which stays outside."""
    if len(token.text) == 1:
        return [_Token(token.kind, token.text, False)]
    if at_end:
        return [_Token(token.kind, token.text[:-1], True), _Token(token.kind, token.text[-1], False)]
    return [_Token(token.kind, token.text[0], False), _Token(token.kind, token.text[1:], True)]


def _unpeel(token: _Token, at_end: bool) -> list[_Token]:
    """The token, unwrapped, but its last (or first) character goes inside the directive next to it."""
    if len(token.text) == 1:
        return [_Token(token.kind, token.text, True)]
    if at_end:
        return [_Token(token.kind, token.text[:-1], False), _Token(token.kind, token.text[-1], True)]
    return [_Token(token.kind, token.text[0], True), _Token(token.kind, token.text[1:], False)]


def _char_class(char: str) -> str:
    if char.isspace():
        return "space"
    return "punct" if unicodedata.category(char)[0] in "PS" else "other"


def _directives(colour: str, group: list[_Token]) -> list[str]:
    """One directive for the group, or several if its label would be too long for the parser."""
    out: list[str] = []
    label = ""
    for token in group:
        piece = _inside(token)
        if label and len(label) + len(piece) > MAX_LABEL_CHARS:
            out.append(_directive(colour, label))
            label = ""
        if token.kind == SPACE and not label:
            out.append(piece)
        else:
            label += piece
    if label:
        out.append(_directive(colour, label))
    return out


def _directive(colour: str, label: str) -> str:
    return f":{colour}-background[{label}]"


def _inside(token: _Token) -> str:
    return _escape(token.text) if token.kind == TEXT else token.text


def _escape(text: str) -> str:
    """Text for a directive's label: brackets escaped, a backslash that escapes nothing doubled."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            if index + 1 < len(text) and text[index + 1] in _ASCII_PUNCTUATION:
                out.append(text[index : index + 2])
                index += 2
                continue
            out.append("\\\\")
        elif char in "[]":
            out.append("\\" + char)
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _label_safe(text: str) -> bool:
    """Whether raw Markdown (a code span, a link) can sit in a directive's label as it is: the label parser reads
    "\\[", "\\]" and "\\\\" as escapes, nests balanced brackets, and ends at the first unbalanced "]"."""
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            if index + 1 == len(text):
                return False
            if text[index + 1] in "[\\]":
                index += 2
                continue
        elif char == "[":
            depth += 1
            if depth > 32:
                return False
        elif char == "]":
            if depth == 0:
                return False
            depth -= 1
        index += 1
    return depth == 0


# ---- Pairing changed lines, code notes, assembling -------------------------------------------------------------


def _family(kind: str) -> str | None:
    return kind if kind in ("code", "table", "text") else None


def _pair_lines(
    old_keys: list[str], old_kinds: list[str], old_range: range,
    new_keys: list[str], new_kinds: list[str], new_range: range,
) -> list[tuple[int, int]]:
    """Similar lines of a replaced block, in order: the pairing with the most similarity (dynamic programming)."""
    olds = [i for i in old_range if _family(old_kinds[i])]
    news = [j for j in new_range if _family(new_kinds[j])]
    if not olds or not news:
        return []
    old_units = [Counter(_SIMILARITY_UNITS.findall(old_keys[i])) for i in olds]
    new_units = [Counter(_SIMILARITY_UNITS.findall(new_keys[j])) for j in news]

    def similarity(a: int, b: int) -> float:
        if _family(old_kinds[olds[a]]) != _family(new_kinds[news[b]]):
            return 0.0
        x, y = old_units[a], new_units[b]
        total = sum(x.values()) + sum(y.values())
        words = 2 * sum((x & y).values()) / total if total else float(old_keys[olds[a]] == new_keys[news[b]])
        if old_kinds[olds[a]] != "table":
            return words
        # Rows of a table: also the share of cells that are the same ("| CPU | > 65% |" and "| CPU | > 70% |").
        x_cells, y_cells = _cells(old_keys[olds[a]]), _cells(new_keys[news[b]])
        same = sum((Counter(x_cells) & Counter(y_cells)).values())
        return max(words, 2 * same / (len(x_cells) + len(y_cells) or 1))

    n, m = len(olds), len(news)
    if n * m > MAX_PAIRING_CELLS:
        return [(olds[k], news[k]) for k in range(min(n, m)) if similarity(k, k) >= PAIR_SIMILARITY]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            s = similarity(a, b)
            best = max(score[a + 1][b], score[a][b + 1])
            if s >= PAIR_SIMILARITY:
                best = max(best, s + score[a + 1][b + 1])
            score[a][b] = best
    pairs: list[tuple[int, int]] = []
    a = b = 0
    while a < n and b < m:
        s = similarity(a, b)
        if s >= PAIR_SIMILARITY and score[a][b] == s + score[a + 1][b + 1]:
            pairs.append((olds[a], news[b]))
            a, b = a + 1, b + 1
        elif score[a][b] == score[a + 1][b]:
            a += 1
        else:
            b += 1
    return pairs


def _code_notes(fences: dict[int, int], marked: dict[int, str], lines: list[str], whole: str) -> dict[int, str]:
    """Opening fence line -> note, for each code block with a changed line ("added"/"removed" if all changed)."""
    blocks: dict[int, list[int]] = {}
    for index, start in fences.items():
        blocks.setdefault(start, []).append(index)
    notes: dict[int, str] = {}
    for start, members in blocks.items():
        changed = [i in marked for i in members]
        if all(changed):
            notes[start] = whole
        elif any(changed):
            notes[start] = "changed"
    return notes


def _assemble(
    lines: list[str], kinds: list[str], fences: dict[int, int], marked: dict[int, str], notes: dict[int, str]
) -> str:
    out: list[str] = []
    for index, line in enumerate(lines):
        if index in notes:
            container = line[: _container_end(line)]
            previous = index - 1
            # A note after a table row would join the table, and at the margin it reads better as its own
            # paragraph; in a list item it stays in the item (a blank line would make the list loose).
            if previous >= 0 and kinds[previous] != "blank" and (kinds[previous] in ("table", "markup") or not container):
                out.append(container.rstrip())
            out.append(container + CODE_NOTE[notes[index]])
        out.append(marked.get(index, line))
    return "\n".join(out)
