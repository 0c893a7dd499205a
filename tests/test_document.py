"""Reading documents: sections against the template, leftover placeholders, questions, joining continuations."""

from __future__ import annotations

import pytest

from specchain.document import (
    SectionSplitter,
    check_document,
    clarification_items,
    find_placeholders,
    join_continuation,
    section_progress,
    split_sections,
)
from specchain.drafting import draft_document
from specchain.steps import ChainStep
from tests.conftest import example_inputs
from tests.long_document import long_document

DOC = """# Performance & Scalability: Acme

## Executive Summary
Fast.

## 5. Database Optimization
```yaml
## not a heading inside code
  # Connection pooling
```

## Caching Strategy (Redis)
Cache.
"""


def test_split_sections_ignores_headings_inside_code() -> None:
    sections = split_sections(DOC)
    assert [s.title for s in sections] == ["", "Executive Summary", "5. Database Optimization", "Caching Strategy (Redis)"]
    assert "".join(s.markdown for s in sections) == DOC


def test_streaming_splitter_matches_whole_text_under_any_chunking() -> None:
    for size in (1, 3, 7, 50):
        splitter = SectionSplitter()
        for start in range(0, len(DOC), size):
            splitter.feed(DOC[start : start + size])
        assert splitter.finish() == split_sections(DOC)


def test_check_finds_renamed_numbered_sections_and_reports_missing_ones(step: ChainStep) -> None:
    check = check_document(DOC, step)
    assert check.found == ["Executive Summary", "Caching Strategy", "Database Optimization"]
    assert "Clarification Requests or Feedback" in check.missing and len(check.missing) == 14
    assert not check.complete


def test_the_template_itself_is_complete_except_for_its_placeholders(step: ChainStep) -> None:
    template = step.source.split('<performance_template markdown="true">')[1].split("</performance_template>")[0]
    check = check_document(template, step)
    assert check.missing == [] and check.missing_subsections == {}
    assert check.placeholders == [
        "[App Name]",
        "[Overview of performance goals, scalability approach, and key optimization strategies]",
        "[Any questions, clarifications or architectural considerations]",
    ]


def test_placeholders_ignore_links_task_boxes_and_code() -> None:
    text = "- [ ] Load testing\n- [x] Done\nSee [Docs](https://x) and [ref][1].\n```js\nconst a = [Users];\n```\n`[Inline]`"
    assert find_placeholders(text) == []
    assert find_placeholders("Owner: [TEAM NAME] and [Describe the rollback plan]") == [
        "[TEAM NAME]", "[Describe the rollback plan]"]


def test_section_progress_names_the_newest_section(step: ChainStep) -> None:
    assert section_progress(["", "Executive Summary", "Database Optimization"], step.sections) == (5, "Database Optimization")
    assert section_progress(["Intro only"], step.sections) is None


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "1. **Peak hours:** When is your busiest hour?\n2. What is the data retention policy?\n",
            ["Peak hours: When is your busiest hour?", "What is the data retention policy?"],
        ),
        (
            "### Questions\n- Which regions?\n  - e.g. EU only\n\n### Suggestions\n* Consider a CDN.\n",
            ["Which regions? e.g. EU only", "Consider a CDN."],
        ),
        (
            "Answers to these will help:\n\nIs there a budget cap?\n\nDo you need offline mode?\n",
            ["Is there a budget cap?", "Do you need offline mode?"],
        ),
        ("[Any questions, clarifications or architectural considerations]\n", []),
    ],
)
def test_clarification_items_in_the_shapes_models_write(step: ChainStep, section: str, expected: list[str]) -> None:
    doc = "# T\n\n## Executive Summary\nx\n\n## Clarification Requests or Feedback\n" + section
    assert clarification_items(doc, step.clarification_section) == expected


def test_no_clarification_section_means_no_questions(step: ChainStep) -> None:
    assert clarification_items("## Executive Summary\nx", step.clarification_section) == []


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("a line\nb line\nhalf li", "ne of text\nc\n", "a line\nb line\nhalf line of text\nc\n"),  # clean mid-line
        ("a line\nb line\nhalf li", "half line of text\nc\n", "a line\nb line\nhalf line of text\nc\n"),  # restarts line
        ("one two\nthree four\n", "three four\nfive six\n", "one two\nthree four\nfive six\n"),  # repeats a line
        ("x\n## Caching Strategy\nCache rules here", "Cache rules here and more\n", "x\n## Caching Strategy\nCache rules here and more\n"),
        ("intro\n```\n", "```yaml\na: 1\n```\n", "intro\n```\n```yaml\na: 1\n```\n"),  # a lone fence is not overlap
        ("", "whole\n", "whole\n"),
        ("end of a sentence", " and the next words", "end of a sentence and the next words"),
    ],
)
def test_join_continuation_without_repeated_or_missing_lines(first: str, second: str, joined: str) -> None:
    assert join_continuation(first, second) == joined


# The template check and the page's sections count a heading only where Markdown renders one.
GLUED = "## Load Balancing\nRound robin.\n\nThe tests run nightly.## Performance Testing\n### Load Testing Strategy\n"


@pytest.mark.parametrize(
    "text",
    [
        GLUED,
        "## Load Balancing\nRound robin.\n\n    ## Performance Testing\n",  # an indented code block
        "## Load Balancing\n```markdown\n## Performance Testing\n```\n",  # a fenced code block
        "## Load Balancing\nRound robin.\n\n##Performance Testing\n",  # no space: not a heading in CommonMark
        "## Load Balancing\n<div>\n## Performance Testing\n</div>\n",  # raw HTML
        "## Load Balancing\n````markdown\n```\n## Performance Testing\n```\n````\n",  # a fence inside a fence
    ],
)
def test_a_heading_that_does_not_render_is_reported_missing(step: ChainStep, text: str) -> None:
    check = check_document(text, step)
    assert "Load Balancing" in check.found
    assert "Performance Testing" in check.missing
    assert [s.title for s in split_sections(text)] == ["Load Balancing"]  # the Document page's sections agree


def test_headings_that_render_count_however_they_are_written(step: ChainStep) -> None:
    text = ("## Load Balancing\nRound robin.\n## Performance Testing ##\n### Load Testing Strategy\nk6\n\n"
            "   ## Cost Optimization\n\nCost Monitoring\n---\n")
    check = check_document(text, step)
    assert check.found == ["Load Balancing", "Performance Testing", "Cost Optimization"]
    assert check.missing_subsections["Performance Testing"] == ["Performance Test Script"]
    assert [s.title for s in split_sections(text)] == [
        "Load Balancing", "Performance Testing", "Cost Optimization", "Cost Monitoring"]
    assert "".join(s.markdown for s in split_sections(text)) == text


def test_a_heading_inside_a_list_item_is_not_a_section(step: ChainStep) -> None:
    text = "## Load Balancing\n- Round robin\n\n  ## Performance Testing\n"
    assert "Performance Testing" in check_document(text, step).missing
    assert [s.title for s in split_sections(text)] == ["Load Balancing"]


@pytest.mark.parametrize("document", [*(draft_document(i) for _, i in example_inputs()), long_document()],
                         ids=["draft 1", "draft 2", "draft 3", "long"])
def test_streaming_splitter_and_page_sections_agree_on_real_documents(step: ChainStep, document: str) -> None:
    splitter = SectionSplitter()
    for start in range(0, len(document), 97):
        splitter.feed(document[start:start + 97])
    assert splitter.finish() == split_sections(document)
    assert check_document(document, step).complete
