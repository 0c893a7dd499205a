"""One title in every download, reading exactly as the product name was typed.

Word and PDF used to show the title twice (their title block, then the document's identical first heading), and a
name with Markdown or HTML in it read four ways: bold in one place, with asterisks in another, tags dropped in a
third. The title is now literal text everywhere, and the document's first heading gives way to the title block.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser

import docx
import pypdf
import pytest
from docx.oxml.ns import qn
from markdown_it import MarkdownIt

from specchain.exports import ExportMeta, to_docx, to_html, to_markdown, to_pdf

# CommonMark as the screen shows it: raw HTML as text.
SCREEN = MarkdownIt("commonmark", {"html": False})

NAMES = ["TaskFlow Pro", "**Task**Flow", "<b>X</b> Cloud", "Task_Flow_", "`Task`Flow", "Ta\\*sk & <Co>", "C++ #1"]


def meta_for(app_name: str) -> ExportMeta:
    return ExportMeta(app_name=app_name, engine_label="Claude · claude-sonnet-5-5",
                      created="2026-11-27 10:00 UTC", version=4)


def document_for(meta: ExportMeta) -> str:
    """What the template asks for and models write: the title as the first heading, the name pasted in as is."""
    return f"# {meta.title}\n\n## Executive Summary\nThe plan.\n\n## Performance Requirements\nTargets.\n"


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.current: str | None = None
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("title", "h1", "h2"):
            self.current = tag
            self.found.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self.current:
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current:
            tag, text = self.found[-1]
            self.found[-1] = (tag, text + data)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("app_name", NAMES)
def test_one_title_with_the_same_literal_text_in_every_format(app_name: str) -> None:
    meta = meta_for(app_name)
    document = document_for(meta)
    title = meta.title
    assert app_name in title

    markdown_html = SCREEN.render(to_markdown(document, meta).decode())
    parser = Headings()
    parser.feed(markdown_html)
    assert [text for tag, text in parser.found if tag == "h1"] == [title]

    parser = Headings()
    parser.feed(to_html(document, meta).decode())
    assert [text for tag, text in parser.found if tag in ("title", "h1")] == [title, title]
    assert [text for tag, text in parser.found if tag == "h2"] == ["Executive Summary", "Performance Requirements"]

    word = docx.Document(io.BytesIO(to_docx(document, meta)))
    assert [p.text for p in word.paragraphs if p.style.name == "Title"] == [title]
    assert [p.text for p in word.paragraphs if p.style.name.startswith("Heading")] == [
        "Executive Summary", "Performance Requirements"]
    assert word.core_properties.title == title
    outline_level = word.styles["Title"].element.pPr.find(qn("w:outlineLvl"))
    assert outline_level is not None and outline_level.get(qn("w:val")) == "0"  # the sections nest under it

    reader = pypdf.PdfReader(io.BytesIO(to_pdf(document, meta)))
    text = words(reader.pages[0].extract_text())
    assert text.count("Performance & Scalability") == 1 and words(title) in text
    assert reader.metadata.title == title
    assert reader.outline[0].title == title  # one bookmark for the title, the sections under it
    assert [item.title for item in reader.outline[1]] == ["Executive Summary", "Performance Requirements"]


def test_a_first_heading_that_is_not_the_title_stays() -> None:
    meta = meta_for("TaskFlow Pro")
    document = "# Capacity plan for 2027\n\n## Executive Summary\nThe plan.\n"
    word = docx.Document(io.BytesIO(to_docx(document, meta)))
    assert [p.text for p in word.paragraphs if p.style.name in ("Title", "Heading 1")] == [
        meta.title, "Capacity plan for 2027"]
    assert to_markdown(document, meta) == document.encode()
    assert "<h1" in to_html(document, meta).decode().split("<main>")[1]


def test_markdown_keeps_a_title_that_already_reads_as_typed() -> None:
    meta = meta_for("TaskFlow Pro")
    document = document_for(meta)
    assert to_markdown(document, meta) == document.encode()  # nothing to escape: the document as written
