"""Comparing two versions of a document: sections matched, changes marked, and the marks never break the Markdown.

The marked Markdown is checked with markdown-it (CommonMark + tables, as the screen renders): the same blocks as the
unmarked text, the same HTML once the directives are replaced by their text, and the same emphasis, code and links
when each directive's label is read on its own, as Streamlit's directive parser reads it.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from specchain.compare import (
    CODE_NOTE,
    MAX_LABEL_CHARS,
    SectionChange,
    compare_documents,
)
from specchain.document import split_sections
from specchain.drafting import draft_document
from specchain.inputs import ChainInputs
from tests.conftest import example_inputs
from tests.long_document import long_document

MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")
DIRECTIVE_START = re.compile(r":(green|red)-background\[")
NOTE_LINE = re.compile(r"^[ \t>]*(?:" + "|".join(re.escape(n) for n in CODE_NOTE.values()) + r")$")


# ---- Reading marked Markdown as the screen does ----------------------------------------------------------------


def directives(marked: str) -> list[tuple[str, int, int, str]]:
    """(colour, start, end, label) of each directive, reading the label as the directive parser does; fails if a
    directive is not closed on its own line."""
    found = []
    position = 0
    while match := DIRECTIVE_START.search(marked, position):
        index, depth = match.end(), 0
        while True:
            assert index < len(marked) and marked[index] != "\n", f"unclosed directive at {marked[match.start():][:80]!r}"
            char = marked[index]
            if char == "\\" and index + 1 < len(marked) and marked[index + 1] in "[\\]":
                index += 2
                continue
            if char == "[":
                depth += 1
            elif char == "]":
                if depth == 0:
                    break
                depth -= 1
            index += 1
        label = marked[match.end() : index]
        assert label.strip(), "empty directive"
        assert len(label) < 1000, "label too long for the directive parser"
        assert marked[index + 1 : index + 2] != "{", "a '{' after a directive would be read as its attributes"
        assert marked[match.start() - 1 : match.start()] != ":", "a directive can't follow ':'"
        found.append((match.group(1), match.start(), index + 1, label))
        position = index + 1
    return found


def without_notes(marked: str) -> str:
    return "\n".join(line for line in marked.split("\n") if not NOTE_LINE.match(line))


def unmarked(marked: str) -> str:
    """The marked text with each directive replaced by its label and the code notes removed."""
    text = without_notes(marked)
    out, position = [], 0
    for _, start, end, label in directives(text):
        out.append(text[position:start] + label)
        position = end
    return "".join(out) + text[position:]


def block_structure(markdown: str) -> list[tuple[str, str, str]]:
    """Headings, tables (every row and cell), lists and items, code blocks with their text, quotes, rules."""
    return [
        (t.type, t.tag, t.content if t.type in ("fence", "code_block", "html_block") else "")
        for t in MD.parse(markdown)
        if t.type not in ("paragraph_open", "paragraph_close", "inline")
    ]


def inline_structure_raw(markdown: str) -> Counter[str]:
    return Counter(
        child.type
        for token in MD.parse(markdown)
        if token.type == "inline"
        for child in token.children or []
        if child.type not in ("text", "softbreak")
    )


def inline_structure_marked(marked: str) -> Counter[str]:
    """Emphasis, code and links as Streamlit's parser sees them: each label parsed on its own, the text around it
    seeing punctuation where the directive was."""
    text = without_notes(marked)
    outside, position, counts = [], 0, Counter[str]()
    for _, start, end, label in directives(text):
        outside.append(text[position:start] + ":Z.")
        position = end
        for token in MD.parseInline(label):
            counts.update(c.type for c in token.children or [] if c.type not in ("text", "softbreak"))
    counts.update(inline_structure_raw("".join(outside) + text[position:]))
    return counts


def assert_renders_like_unmarked(change: SectionChange) -> None:
    for raw, marked in ((change.old_markdown, change.old_marked), (change.new_markdown, change.new_marked)):
        assert block_structure(marked) == block_structure(raw)
        assert MD.render(unmarked(marked)) == MD.render(raw)
        assert inline_structure_marked(marked) == inline_structure_raw(raw)


def marked_words(marked: str, colour: str) -> list[str]:
    return [label for c, _, _, label in directives(marked) if c == colour]


# ---- Documents ------------------------------------------------------------------------------------------------


@functools.cache
def drafted(index: int) -> str:
    return draft_document(example_inputs()[index][1])


def by_title(changes: list[SectionChange]) -> dict[str, SectionChange]:
    return {c.title: c for c in changes}


# ---- Behaviour ------------------------------------------------------------------------------------------------


def test_identical_documents_are_all_unchanged() -> None:
    doc = drafted(0)
    changes = compare_documents(doc, doc)
    assert [c.title for c in changes] == [s.title for s in split_sections(doc)]
    assert {c.status for c in changes} == {"unchanged"}
    assert all(c.old_marked == c.old_markdown and c.new_marked == c.new_markdown for c in changes)
    assert sum(c.words_added + c.words_removed for c in changes) == 0


def test_white_space_alone_is_no_change() -> None:
    doc = drafted(1)
    respaced = "\n".join(
        line.replace("| ", "|  ") + "  " if line.startswith("|") else line + (" " if line else "")
        for line in doc.split("\n")
    ).replace("\n\n", "\n\n\n")
    assert {c.status for c in compare_documents(doc, respaced)} == {"unchanged"}


def test_a_changed_number_in_a_table_cell_is_marked_and_the_table_stays_a_table() -> None:
    old = "## Capacity\n\n| Metric | Now | Later |\n|---|---:|---|\n| Users | 8,000 | 40,000 |\n| Requests | 2,000 | 9 |\n"
    new = old.replace("| 8,000 |", "| 9,500 |")
    (change,) = compare_documents(old, new)
    assert change.status == "changed" and (change.words_added, change.words_removed) == (1, 1)
    assert "| Users | :green-background[9,500] | 40,000 |" in change.new_marked
    assert "| Users | :red-background[8,000] | 40,000 |" in change.old_marked
    assert_renders_like_unmarked(change)
    assert sum(t.type == "td_open" for t in MD.parse(change.new_marked)) == 6


def test_a_changed_document_marks_only_what_changed() -> None:
    old = drafted(0)
    new = old.replace("8,000 concurrent users", "9,500 concurrent users", 1)
    changes = compare_documents(old, new)
    changed = [c for c in changes if c.status != "unchanged"]
    assert [c.title for c in changed] == ["Executive Summary"]
    assert marked_words(changed[0].new_marked, "green") == ["9,500"]
    assert marked_words(changed[0].old_marked, "red") == ["8,000"]
    assert "**:green-background[9,500] concurrent users**" in changed[0].new_marked  # bold kept, marks inside it
    assert all(c.new_marked == c.new_markdown for c in changes if c.status == "unchanged")


def test_added_removed_and_moved_sections() -> None:
    old = "# Doc\n\n## Alpha\nA text.\n\n## Beta\nB text.\n\n## Gamma\nG text.\n\n## Delta\nD text.\n"
    new = "# Doc\n\n## Gamma\nG text.\n\n## Alpha\nA text.\n\n## Delta\nD text, longer.\n\n## Epsilon\nNew **bold** one.\n"
    changes = compare_documents(old, new)
    assert [(c.title, c.status, c.moved) for c in changes] == [
        ("", "unchanged", False),
        ("Gamma", "unchanged", True),
        ("Alpha", "unchanged", False),
        ("Beta", "removed", False),  # where it was: after Alpha
        ("Delta", "changed", False),
        ("Epsilon", "added", False),
    ]
    added, removed = changes[-1], changes[3]
    assert added.old_markdown == "" and added.new_marked.startswith("## :green-background[Epsilon]\n")
    assert ":green-background[New **bold** one.]" in added.new_marked  # one directive for a whole line
    assert (added.words_added, added.words_removed) == (4, 0)
    assert removed.new_markdown == "" and ":red-background[B text.]" in removed.old_marked
    assert removed.words_removed == 3
    assert marked_words(changes[4].new_marked, "green") == [", longer"] or ":green-background[" in changes[4].new_marked
    for change in changes:
        assert_renders_like_unmarked(change)


def test_sections_match_by_normalised_title() -> None:
    old = "## 5. Database Optimization\nSame.\n\n## Clarification Requests\n1. Peak?\n"
    new = "## Database Optimization\nSame.\n\n## Clarification Requests or Feedback\n1. Peak?\n"
    assert [(c.title, c.status) for c in compare_documents(old, new)] == [
        ("Database Optimization", "changed"),  # the heading line itself changed
        ("Clarification Requests or Feedback", "changed"),
    ]


@pytest.mark.parametrize(
    ("old_word", "new_word", "expected"),
    [
        ("ready", "ready]", r":green-background[ready\]]"),
        ("ready", "[ready", r":green-background[\[ready]"),
        ("ready", "[x]", r":green-background[\[x\]]"),
        ("ready", "C:\\temp\\", r":green-background[C:\\temp\\]"),  # literal backslashes doubled
        ("ready", "\\*ready\\*", r":green-background[\*ready\*]"),  # escapes kept as they are
        ("ready", "**ready**", ":green-background[**ready**]"),
        ("ready", "**ready** now", ":green-background[**ready** now]"),
        ("ready", "*ready*,", ":green-background[*ready*,]"),  # a run changed from end to end, emphasis inside
        # A lone "*" between a letter and a comma: the letter next to it stays outside, or the "*" could open emphasis.
        ("ready", "ready*,", ":green-background[read]y*:green-background[,]"),
        ("ready", "`a]b`", "`a]b`"),  # a code span the label can't hold stays outside, unmarked
        ("ready", "`a[0]`", ":green-background[`a[0]`]"),
        ("ready", "[docs](https://example.com/a_b)", ":green-background[[docs](https://example.com/a_b)]"),
    ],
)
def test_markdown_inside_changed_words(old_word: str, new_word: str, expected: str) -> None:
    old = f"## Notes\n\nThe service is {old_word} for launch and tested.\n"
    (change,) = compare_documents(old, old.replace(old_word, new_word))
    assert expected in change.new_marked
    assert_renders_like_unmarked(change)


def test_intraword_emphasis_keeps_its_meaning() -> None:
    old = "## Notes\n\nThe un**believ**able result and foo**bar**.\n"
    new = "## Notes\n\nThe un**believ**ably result and foo**baz**.\n"
    (change,) = compare_documents(old, new)
    assert_renders_like_unmarked(change)
    assert ":green-background[" in change.new_marked


def test_pipes_in_table_cells_stay_outside_the_marks() -> None:
    old = "## T\n\n| Signal | Rule |\n|---|---|\n| Queue | depth \\| age |\n| CPU | > 65% |\n"
    new = old.replace("depth \\| age", "depth \\| age of oldest").replace("> 65%", "> 70% for 3 min")
    (change,) = compare_documents(old, new)
    assert "| Queue | depth \\| age :green-background[of oldest] |" in change.new_marked
    assert "| CPU | > :green-background[70% for 3 min] |" in change.new_marked
    assert_renders_like_unmarked(change)


def test_an_added_table_row_is_marked_cell_by_cell() -> None:
    old = "## T\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"
    new = "## T\n\n| A | B |\n|---|---|\n| 1 | 2 |\n| three | **4** |\n"
    (change,) = compare_documents(old, new)
    assert "| :green-background[three] | :green-background[**4**] |" in change.new_marked
    assert_renders_like_unmarked(change)


def test_a_change_inside_a_code_block_gets_a_note_and_the_code_is_left_alone() -> None:
    old = "## Config\n\nScaling rules:\n```yaml\nmin_instances: 4\nmax_instances: 40\n```\n\n1. Apply:\n   ```sh\n   kubectl apply\n   ```\n"
    new = old.replace("max_instances: 40", "max_instances: 60").replace("kubectl apply", "kubectl apply -f x")
    (change,) = compare_documents(old, new)
    assert "Scaling rules:\n\n*(code changed)*\n```yaml\nmin_instances: 4\nmax_instances: 60\n```" in change.new_marked
    assert "1. Apply:\n   *(code changed)*\n   ```sh\n   kubectl apply -f x\n   ```" in change.new_marked
    assert "max_instances: 40\n" in change.old_marked and "background" not in change.old_marked
    assert (change.words_added, change.words_removed) == (3, 1)  # "60", "-f", "x"; "40"
    assert_renders_like_unmarked(change)


def test_an_added_code_block_and_one_after_a_table() -> None:
    old = "## C\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"
    new = old + "```sql\nSELECT 1;\n```\n"
    (change,) = compare_documents(old, new)
    assert "| 1 | 2 |\n\n*(code added)*\n```sql\nSELECT 1;\n```" in change.new_marked
    assert_renders_like_unmarked(change)


@pytest.mark.parametrize(
    ("old", "new", "added", "removed"),
    [
        (
            "## Überblick\n\nDie Größe der Datenbank wächst um 150 GB pro Monat.\n",
            "## Überblick\n\nDie Größe der Datenbank wächst um 300 GB pro Woche.\n",
            ["300", "Woche."],
            ["150", "Monat."],
        ),
        (
            "## 概要\n\n毎秒2000リクエストを処理する。\n",
            "## 概要\n\n毎秒5000リクエストを処理できる。\n",
            ["5000", "できる"],
            ["2000", "する"],
        ),
    ],
)
def test_text_in_other_languages(old: str, new: str, added: list[str], removed: list[str]) -> None:
    (change,) = compare_documents(old, new)
    assert marked_words(change.new_marked, "green") == added
    assert marked_words(change.old_marked, "red") == removed
    assert_renders_like_unmarked(change)


def test_a_long_added_paragraph_is_split_into_labels_the_parser_accepts() -> None:
    paragraph = " ".join(f"word{i}" for i in range(600))
    (change,) = compare_documents("## A\n\nShort.\n", f"## A\n\nShort.\n\n{paragraph}\n")
    labels = marked_words(change.new_marked, "green")
    assert len(labels) > 1 and all(len(label) <= MAX_LABEL_CHARS for label in labels)
    assert change.words_added == 600
    assert_renders_like_unmarked(change)


def test_prefixes_stay_outside_the_marks() -> None:
    old = "## P\n\n- [ ] Review alerts\n> Quoted note\n### Old heading ###\n1. First step\n"
    new = "## P\n\n- [ ] Review dashboards\n> Quoted remark\n### New heading ###\n1. First stage\n"
    (change,) = compare_documents(old, new)
    for line in (
        "- [ ] Review :green-background[dashboards]",
        "> Quoted :green-background[remark]",
        "### :green-background[New] heading ###",
        "1. First :green-background[stage]",
    ):
        assert line in change.new_marked
    assert_renders_like_unmarked(change)


# ---- Random edits of real documents ------------------------------------------------------------------------------

NASTY_WORDS = [
    "]", "[", "[x]", "[App Name]", "\\", "a\\", "C:\\temp", "**bold**", "*", "**", "_", "snake_case", "_under_",
    "|", "\\|", "`code`", "`a]`", "`x\\`", "Größe", "Straße", "毎秒", "リクエスト", "処理する。", "ready:", "{a}",
    "(b)", "~~gone~~", "<br>", "<https://example.com>", "[link](https://example.com)", "![img](a.png)", "9,999",
    "&amp;", "\\*", "*(derived)*", "**9,500**", "#", "-", "1.", ">", ":red[x]", "word\\]",
]
NASTY_LINES = [
    "- a new item", "  - nested **item**", "1. numbered", "| a | b |", "|---|---|", "```", "```yaml", "~~~",
    "### New sub-heading", "> quoted", "", "---", "Plain *new* paragraph with [x] and a \\ backslash",
    "日本語の新しい行です。", "Ein neuer Absatz über Größe.", "    indented", "<div>",
]

word = st.one_of(st.sampled_from(NASTY_WORDS), st.text(alphabet="ab1 *_[]\\|`:(){}~<>#-", min_size=1, max_size=6))
edit = st.tuples(
    st.sampled_from(["replace_word", "insert_word", "delete_word", "delete_line", "insert_line", "copy_line"]),
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.one_of(word, st.sampled_from(NASTY_LINES)),
)


def apply_edit(doc: str, kind: str, where: float, second: float, payload: str) -> str:
    lines = doc.split("\n")
    index = int(where * len(lines))
    words = lines[index].split(" ")
    at = int(second * len(words))
    if kind == "replace_word":
        words[at] = payload
    elif kind == "insert_word":
        words.insert(at, payload)
    elif kind == "delete_word":
        del words[at]
    elif kind == "delete_line":
        del lines[index]
        return "\n".join(lines)
    elif kind == "insert_line":
        lines.insert(index, payload)
        return "\n".join(lines)
    else:
        lines.insert(index, lines[int(second * len(lines))])
        return "\n".join(lines)
    lines[index] = " ".join(words)
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2), st.lists(edit, min_size=1, max_size=6), st.booleans())
@example(0, [("insert_word", 0.03125, 0.0, "<br>")], False)  # "<br> | API | …": still a table row, not its end
def test_random_edits_keep_the_markdown_intact(document: int, edits: list, swap: bool) -> None:
    old = drafted(document)
    new = old
    for kind, where, second, payload in edits:
        new = apply_edit(new, kind, where, second, payload)
    if swap:
        old, new = new, old
    changes = compare_documents(old, new)
    assert "".join(c.new_markdown for c in changes) == "".join(s.markdown for s in split_sections(new))
    assert "".join(c.old_markdown for c in changes) != "" or not old.strip()
    for change in changes:
        assert_renders_like_unmarked(change)
        if change.status == "unchanged":
            assert change.new_marked == change.new_markdown


def test_old_sections_are_all_kept_in_place() -> None:
    old = drafted(2)
    new = "\n".join(line for line in old.split("\n") if not line.startswith("## Load Balancing"))
    changes = compare_documents(old, new)
    # Load Balancing's text joined the section before it; nothing of the old document is lost.
    assert sorted(c.old_markdown for c in changes if c.old_markdown) == sorted(s.markdown for s in split_sections(old))
    assert [c.title for c in changes if c.status == "removed"] == ["Load Balancing"]


def test_changes_in_every_section_of_two_60_kb_documents() -> None:
    old = long_document(60 * 1024)
    new = re.sub(r"\b(\d)(\d\d) ms\b", lambda m: f"{int(m.group(1)) + 1}{m.group(2)} ms", old)
    new = new.replace("Dashboards for tier", "Dashboards and alerts for tier").replace("min_instances", "minimum")
    changes = compare_documents(old, new)
    assert sum(c.status == "changed" for c in changes) >= 15
    for change in changes:
        assert_renders_like_unmarked(change)


def test_inputs_with_a_changed_brief_give_marked_figures() -> None:
    base = example_inputs()[0][1]
    values = dict(base.values)
    values["expected_load"] = values["expected_load"].replace("8,000", "9,500")
    old, new = draft_document(base), draft_document(ChainInputs(values=values))
    changes = by_title(compare_documents(old, new))
    assert "9,500" in marked_words(changes["Executive Summary"].new_marked, "green")
    assert any("9,500" in label for label in marked_words(changes["Performance Requirements"].new_marked, "green"))
    for change in changes.values():
        assert_renders_like_unmarked(change)
