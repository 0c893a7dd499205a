"""The HTML download has the structure the screen shows, on Markdown as models write it.

The screen is Streamlit's st.markdown: react-markdown with remark-gfm, i.e. CommonMark plus GitHub's tables,
strikethrough, task lists and bare links, with raw HTML shown as text. Each case below gives the block structure
that CommonMark/GFM gives it, written by hand from the spec, and checked against Streamlit 1.67's own rendering
in headless Chromium (which adds only a hover anchor link to each heading). The old renderer (Python-Markdown) got
most of them wrong: run-on paragraphs instead of lists, flat lists instead of nested ones, a paragraph of pipes
instead of a table, `start` dropped, literal tildes, no links, raw HTML rendered instead of shown.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from specchain.drafting import draft_document
from specchain.exports import render_html_fragment
from tests.conftest import example_inputs

# Elements that make the structure a reader sees; text, emphasis and table sections (thead/tbody) are left out.
STRUCTURE_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "tr", "th", "td", "pre",
                  "blockquote", "del", "s", "a", "code", "input", "br", "hr"}
VOID = {"input", "br", "hr"}


class Outline(HTMLParser):
    """'p ul(li li(ul(li)))': the structure tags, nested; ol shows a start other than 1; s and del are "del"."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[list[str]] = [[]]
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in STRUCTURE_TAGS:
            return
        name = "del" if tag == "s" else tag
        start = dict(attrs).get("start")
        if tag == "ol" and start not in (None, "1"):
            name += f"[{start}]"
        if tag in VOID:
            self.stack[-1].append(name)
            return
        self.names.append(name)
        self.stack.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag not in STRUCTURE_TAGS or tag in VOID:
            return
        children = self.stack.pop()
        name = self.names.pop()
        self.stack[-1].append(f"{name}({' '.join(children)})" if children else name)


def outline(html: str) -> str:
    parser = Outline()
    parser.feed(html)
    return " ".join(parser.stack[0])


def text_of(html: str, tag: str) -> list[str]:
    """The text inside each <tag>, entities decoded."""
    found: list[str] = []

    class Collect(HTMLParser):
        depth = 0

        def handle_starttag(self, name: str, attrs: list[tuple[str, str | None]]) -> None:
            if name == tag:
                self.depth += 1
                found.append("")

        def handle_endtag(self, name: str) -> None:
            if name == tag:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if self.depth:
                found[-1] += data

    Collect(convert_charrefs=True).feed(html)
    return found


# The offline draft's Executive Summary for the first example brief, as the issue saw it (a list right after a
# line of text, twice); test_the_offline_drafts_lists_are_lists checks today's draft too.
EXECUTIVE_SUMMARY = (Path(__file__).parent / "data" / "executive_summary.md").read_text(encoding="utf-8")


def executive_summary() -> str:
    """Today's offline draft's Executive Summary (the first example brief)."""
    document = draft_document(example_inputs()[0][1])
    return "## Executive Summary" + document.split("## Executive Summary")[1].split("\n## ")[0]


CORPUS = [
    ("list right after a line of text",
     "Key strategies, in order:\n- Cache first\n- Scale out\n",
     "p ul(li li)"),
    ("numbered list right after a line of text",
     "Steps:\n1. Measure\n2. Fix\n",
     "p ol(li li)"),
    ("bullets nested by two spaces",
     "- Web tier\n  - Stateless servers\n  - Auto scaling\n- Data tier\n",
     "ul(li(ul(li li)) li)"),
    ("bullets inside a numbered item, indented by three spaces",
     "1. **Cache first**:\n   - CloudFront\n   - Redis\n2. **Database**\n",
     "ol(li(ul(li li)) li)"),
    ("a table right after a line of text",
     "Targets:\n| Metric | Target |\n|---|---|\n| p95 | 150 ms |\n",
     "p table(tr(th th) tr(td td))"),
    ("strikethrough",
     "The budget is ~~$5,000~~ $7,000 a month.\n",
     "p(del)"),
    ("bare links",
     "Dashboards: https://grafana.example.com/d/api and www.example.org/status.\n",
     "p(a a)"),
    ("a list numbered with 1)",
     "1) Measure\n2) Fix\n",
     "ol(li li)"),
    ("a numbered list that starts at 3",
     "Earlier steps are above.\n\n3. Shard\n4. Archive\n",
     "p ol[3](li li)"),
    ("the offline draft's Executive Summary",
     EXECUTIVE_SUMMARY,
     "h2 p p p ol(li li li li li) p p ul(li)"),
    ("raw HTML shows as text, as on screen",
     "Use <b>bold</b> sparingly.\n",
     "p"),
    ("an escaped pipe inside code in a table",
     "| Command | Meaning |\n|---|---|\n| `grep a \\| wc -l` | count |\n",
     "table(tr(th th) tr(td(code) td))"),
    ("a heading right after a paragraph, code right after a heading",
     "Intro text\n## Caching\n```yaml\nttl: 60\n```\n",
     "p h2 pre(code)"),
    ("task lists",
     "- [ ] Load test\n- [x] Dashboards\n",
     "ul(li(input) li(input))"),
    # The one deliberate difference: the screen shows "<br>" as text; the downloads break the line there.
    ("a <br> in a table cell breaks the line",
     "| Tier | Notes |\n|---|---|\n| Web | first line<br>second line |\n",
     "table(tr(th th) tr(td td(br)))"),
]


@pytest.mark.parametrize(("markdown_text", "expected"), [pytest.param(md, expected, id=name)
                                                         for name, md, expected in CORPUS])
def test_html_download_has_the_structure_the_screen_shows(markdown_text: str, expected: str) -> None:
    assert outline(render_html_fragment(markdown_text)) == expected


def test_the_offline_drafts_lists_are_lists() -> None:
    for summary in (EXECUTIVE_SUMMARY, executive_summary()):
        items = [line for line in summary.splitlines() if re.match(r"(\d+\.|-) ", line)]
        rendered = text_of(render_html_fragment(summary), "li")
        assert len(rendered) == len(items) >= 5
        assert rendered[0].startswith("Cache first: serve repeated reads")


def test_the_texts_that_the_screen_shows_literally() -> None:
    assert text_of(render_html_fragment("Use <b>bold</b> sparingly.\n"), "p") == ["Use <b>bold</b> sparingly."]
    cell_code = text_of(render_html_fragment(CORPUS[11][1]), "code")
    assert cell_code == ["grep a | wc -l"]
    starts = render_html_fragment(CORPUS[8][1])
    assert '<ol start="3">' in starts  # the sanitizer keeps the list's first number
    links = render_html_fragment(CORPUS[6][1])
    assert 'href="https://grafana.example.com/d/api"' in links and 'href="http://www.example.org/status"' in links
