"""Continue after a cut at the output limit: the joined text is the whole document, wherever the cut falls.

The model is sent the text so far without its trailing white space (the "visible" text) and resumes in one of four
ways: (a) exactly after it, even mid-word; (b) rewriting the unfinished last line; (c) repeating the last lines;
(d) starting the next block, with the blank line before it, a single line break, or (before a heading, when the
stored text already ends in a blank line, or after a table's last row and its line break) none at all. Each way is
tried at every cut position of real documents: the offline drafts of the three example briefs and the long
model-style document.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specchain.document import join_continuation
from specchain.drafting import draft_document
from specchain.providers import EngineSettings
from specchain.steps import ChainStep, markdown_headings
from specchain.workspace import Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import PLANNING, FakeAnthropic
from tests.long_document import long_document

DOCUMENTS = [draft_document(inputs) for _, inputs in example_inputs()] + [long_document()]


@functools.cache
def heading_starts(document: str) -> frozenset[int]:
    """Offsets of the lines where Markdown renders a heading (so "# comment" in a code block is not one)."""
    offsets = [0]
    for line in document.split("\n"):
        offsets.append(offsets[-1] + len(line) + 1)
    return frozenset(offsets[h.line] for h in markdown_headings(document))


def line_start(text: str, lines_back: int) -> int:
    """Where the `lines_back`-th last line of `text` starts (1: the last line)."""
    start = len(text)
    for _ in range(lines_back):
        if start == 0:
            break
        start = text.rfind("\n", 0, max(start - 1, 0)) + 1
    return start


def resumes(document: str, cut: int, lines_back: int) -> Iterator[tuple[str, str, str]]:
    """(way, stored text, continuation) for every way a model may resume after a cut at `cut`."""
    first = document[:cut]
    visible = first.rstrip()
    yield "a exact", first, document[len(visible):]
    yield "b line", first, document[line_start(visible, 1):]
    yield "c lines", first, document[line_start(visible, lines_back):]
    rest = document[len(visible):]
    block_at = len(document) - len(rest.lstrip())
    if document.count("\n", len(visible), block_at) == 2 and block_at < len(document):  # a blank line, then a block
        block = document[document.rfind("\n", 0, block_at) + 1:]  # from its line's start: keeps its indentation
        yield "d blank line", first, "\n\n" + block
        if block_at in heading_starts(document) or first[len(visible):].count("\n") == 2 \
                or after_table_row(first, block):
            yield "d line break", first, "\n" + block
            yield "d directly", first, block


def after_table_row(first: str, block: str) -> bool:
    """A cut between the two line breaks after a table, before a block that is no table row: the join keeps the
    blank line (GFM would read the block glued to the table as one more row), so the model may drop it."""
    visible = first.rstrip()
    last_line = visible[visible.rfind("\n") + 1:]
    return first[len(visible):] == "\n" and last_line.lstrip(" \t").startswith("|") \
        and not block.lstrip(" \t").startswith("|")


def rewrite_reading(first: str, continuation: str) -> str | None:
    """The join's documented reading of an exact continuation that starts with the unfinished line's own text.

    A cut right after the first "#" of "## Title" gives the continuation "# Title": the same text a model sends
    when it rewrites a line "# Title" from its start. The join reads it as a rewrite (see its docstring).
    """
    visible = first.rstrip()
    if first != visible:
        return None  # trailing white space tells the two apart
    line = visible.rfind("\n") + 1
    for start in (line, len(visible) - len(visible[line:].lstrip())):  # the line, or its text after indentation
        if continuation.startswith(visible[start:]):
            return visible[:start] + continuation
    return None


def check_join(document: str, cut: int, lines_back: int) -> tuple[int, int]:
    """(joins checked, ambiguous ones) at one cut; fails with the case if a join is not the whole document."""
    checked = ambiguous = 0
    for way, first, continuation in resumes(document, cut, lines_back):
        expected = document
        if way == "a exact" and (reading := rewrite_reading(first, continuation)) is not None:
            expected, ambiguous = reading, ambiguous + 1
        joined = join_continuation(first, continuation)
        assert joined == expected, (way, cut, first[-60:], continuation[:60], joined[len(first) - 60:][:150])
        checked += 1
    return checked, ambiguous


def test_every_cut_of_real_documents_joins_back_to_the_whole_document() -> None:
    checked = ambiguous = cuts = 0
    for document in DOCUMENTS:
        for cut in range(1, len(document) + 1):
            c, a = check_join(document, cut, lines_back=2 + cut % 5)
            checked, ambiguous, cuts = checked + c, ambiguous + a, cuts + 1
    print(f"{cuts} cut positions, {checked} joins, {ambiguous} read as a rewrite")
    assert cuts > 100_000 and checked > 3 * cuts
    # Only cuts inside a line's leading run of markup ("#|# Title", "`|``yaml", "|--------||---------|") are
    # ambiguous: about one cut in 200.
    assert ambiguous < cuts / 150


@settings(max_examples=400, deadline=None)
@given(document=st.sampled_from(DOCUMENTS), data=st.data(), lines_back=st.integers(1, 12))
def test_any_cut_and_any_repeat_length(document: str, data: st.DataObject, lines_back: int) -> None:
    check_join(document, data.draw(st.integers(1, len(document))), lines_back)


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        # The unfinished line rewritten after a cut after a space: the seen "k6 k6 baseline…".
        ("Run the load test:\nk6 ", "k6 baseline at 2x peak\n", "Run the load test:\nk6 baseline at 2x peak\n"),
        ("Run the load test:\nk6", "k6 baseline at 2x peak\n", "Run the load test:\nk6 baseline at 2x peak\n"),
        # A heading started directly after the visible text: on its own line, after a blank line.
        ("Cache rules.", "## Performance Testing\n", "Cache rules.\n\n## Performance Testing\n"),
        ("Cache rules.\n", "## Performance Testing\n", "Cache rules.\n\n## Performance Testing\n"),
        ("Cache rules.\n", "\n## Performance Testing\n", "Cache rules.\n\n## Performance Testing\n"),
        # The stored blank line stays; the model's own one is not doubled.
        ("Cache rules.\n\n", "## Performance Testing\n", "Cache rules.\n\n## Performance Testing\n"),
        ("Cache rules.\n\n", "\n\n## Performance Testing\n", "Cache rules.\n\n## Performance Testing\n"),
        ("Cache rules.\n\n", "Next paragraph.\n", "Cache rules.\n\nNext paragraph.\n"),
        # A table row goes on the next line, not after a blank line.
        ("| a | 1 |\n", "| b | 2 |\n", "| a | 1 |\n| b | 2 |\n"),
        # A paragraph after a table's last row gets a blank line, or GFM reads it as one more row.
        ("| a | 1 |\n", "Growth multipliers used: 2x\n", "| a | 1 |\n\nGrowth multipliers used: 2x\n"),
        ("| a | 1 |\n", "\nGrowth multipliers used: 2x\n", "| a | 1 |\n\nGrowth multipliers used: 2x\n"),
        ("| a | 1 |", "\nGrowth multipliers used: 2x\n", "| a | 1 |\n\nGrowth multipliers used: 2x\n"),
        ("| a | 1 |\n\n", "Growth multipliers used: 2x\n", "| a | 1 |\n\nGrowth multipliers used: 2x\n"),
        ("```\n| a | 1 |\n", "text\n", "```\n| a | 1 |\ntext\n"),  # inside a code block: as written
        # Inside a code block a "# comment" is not a heading.
        ("```yaml\nkey: 1\n", "# comment\n", "```yaml\nkey: 1\n# comment\n"),
        # "C#" and "##" mid-line go on the same line.
        ("Written in C", "# and Go.\n", "Written in C# and Go.\n"),
        ("Tier 1 #", "## 2\n", "Tier 1 ### 2\n"),
        # A trailing space the model could not see is kept.
        ("end of a sentence ", "and the next words", "end of a sentence and the next words"),
    ],
)
def test_joins_the_model_cannot_see_whole(first: str, second: str, joined: str) -> None:
    assert join_continuation(first, second) == joined


# Cuts around a blank line before a heading, inside a run of markup, mid-word, and just before white space (a
# space, a table row's line break, a paragraph break). "block" drops the line breaks before the next block, which
# only a heading, or a block after a table, can show (see join_continuation), so it is not tried before a table
# row or before a paragraph that follows a paragraph.
CUTS = [("\n\n## Caching Strategy", 0), ("\n\n## Caching Strategy", 1), ("\n\n## Caching Strategy", 2),
        ("|---------|", 4), ("000 concurrent", 4), ("000 concurrent", 3), ("\n| API Response", 0),
        ("\n\nThe scalability approach", 0), ("\n\nGrowth multipliers used", 1)]
# "block" at the blank line after a table (the last cut) drops both line breaks: the join must restore them.
RESUMES = [(resume, *cut) for resume in ("line", "exact", "lines", "block") for cut in CUTS
           if resume != "block" or cut not in CUTS[6:8]]

@pytest.mark.parametrize(("resume", "marker", "offset"), RESUMES)
def test_continue_through_the_sdk_gives_the_whole_document(
    step: ChainStep, fake_api: FakeAnthropic, resume: str, marker: str, offset: int
) -> None:
    """The real Continue path: the cut version as stored, the SDK, the stand-in resuming its way, runs.py's join.
    A continuation's leading white space (" concurrent", "\n\n## …") reaches the join: only a document's start
    is trimmed by the private-block filter."""
    inputs = example_inputs()[0][1]
    document = draft_document(inputs)
    cut = len(PLANNING) + document.index(marker) + offset
    fake_api.scenarios, fake_api.resume = ["max_tokens"], resume
    fake_api.cut_fraction = (cut + 0.5) / len(PLANNING + document)
    workspace = Workspace()
    settings = EngineSettings(engine="claude", model="claude-sonnet-5-5")
    assert workspace.start(step, inputs, settings, api_key="k").wait(60)
    cut_run = workspace.last_run()
    assert cut_run is not None and cut_run.stop_reason == "max_tokens"
    assert cut_run.document == document[: cut - len(PLANNING)]
    assert workspace.start(step, inputs, settings, api_key="k", continues=cut_run).wait(60)
    whole = workspace.last_run()
    assert whole is not None and whole.document == document
