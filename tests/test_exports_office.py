"""Word and PDF downloads are faithful to the document: outline, tables, code, diagram, title block; and safe."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pypdf
import pytest
from docx.oxml.ns import qn
from docx.shared import Emu
from markdown_it import MarkdownIt

from specchain.drafting import draft_document
from specchain.exports import (
    ExportMeta,
    to_docx,
    to_html,
    to_markdown,
    to_pdf,
)
from specchain.steps import markdown_headings, prose_lines
from specchain.word_style import column_widths
from tests.conftest import example_inputs
from tests.long_document import long_document
from tests.test_exports import active_parts

DIAGRAM_CHARS = "┌─┐│└┘▼"
MONOSPACE = {"Consolas", "Courier New", "DejaVu Sans Mono", "Liberation Mono", "Menlo"}
DOCUMENTS = [pytest.param(draft_document(inputs), id=name) for name, inputs in example_inputs()] + [
    pytest.param(long_document(), id="long-model-style"),
]
META = ExportMeta(app_name="TaskFlow Pro", engine_label="Claude · claude-sonnet-5-5",
                  created="2026-11-27 10:00 UTC", version=2)


INLINE = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


def plain(markdown_text: str) -> str:
    """Inline Markdown as a reader sees it (CommonMark): no emphasis, code or link marks; escaped pipes as pipes."""
    tokens = INLINE.parseInline(markdown_text.replace("\\|", "|"))
    return "".join(child.content for token in tokens for child in token.children or []
                   if child.type in ("text", "code_inline")).strip()


def markdown_tables(markdown_text: str) -> list[list[list[str]]]:
    """Each pipe table as rows of cell text (separator row left out)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*prose_lines(markdown_text), ""]:
        if line.startswith("|"):
            if not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+\s*", line):
                current.append([plain(cell) for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
        elif current:
            tables.append(current)
            current = []
    return tables


def words(text: str) -> str:
    return " ".join(text.split())


def body_headings(document: str) -> list[tuple[int, str]]:
    """The document's headings as Word and PDF show them: a first H1 repeating the title is the title block."""
    headings = [(h.level, plain(h.title)) for h in markdown_headings(document)]
    if headings and headings[0] == (1, META.title):
        headings = headings[1:]
    return headings


@pytest.mark.parametrize("document", DOCUMENTS)
def test_word_keeps_headings_tables_and_the_diagram_in_monospace(document: str) -> None:
    word = docx.Document(io.BytesIO(to_docx(document, META)))

    headings = [(int(p.style.name.split()[-1]), p.text) for p in word.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == body_headings(document)

    page = word.sections[0]
    text_width = Emu(page.page_width - page.left_margin - page.right_margin).twips
    expected_tables = markdown_tables(document)
    assert len(word.tables) == len(expected_tables) > 0
    for table, expected in zip(word.tables, expected_tables):
        assert [[cell.text for cell in row.cells] for row in table.rows] == expected
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert borders is not None and borders.find(qn("w:insideV")).get(qn("w:val")) == "single"
        widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(widths) == text_width and min(widths) >= 900  # full width; no column crushed

    diagram_runs = [run for p in word.paragraphs for run in p.runs if "┌" in run.text]
    assert diagram_runs and all(effective_font(run) in MONOSPACE for run in diagram_runs)
    all_code = "".join(run.text for p in word.paragraphs if p.style.name == "Source Code" for run in p.runs)
    assert all(char in all_code for char in DIAGRAM_CHARS)

    title_block = {p.style.name: p.text for p in word.paragraphs[:3]}
    assert title_block == {"Title": "Performance & Scalability: TaskFlow Pro",
                           "Subtitle": "Claude · claude-sonnet-5-5 · Version 2", "Date": "2026-11-27 10:00 UTC"}
    tasks = [(box, plain(text)) for box, text in re.findall(r"^\s*[-*] \[([ xX])\] (.+)$", document, re.MULTILINE)]
    assert task_boxes(word) == [("☐" if box == " " else "☒", text) for box, text in tasks]


def task_boxes(word: docx.document.Document) -> list[tuple[str, str]]:
    """List items drawn with a check box as their bullet (how pandoc writes task lists), with their text."""
    numbering = word.part.numbering_part.element
    abstract_of = {num.get(qn("w:numId")): num.find(qn("w:abstractNumId")).get(qn("w:val"))
                   for num in numbering.findall(qn("w:num"))}
    bullet_of = {}
    for abstract in numbering.findall(qn("w:abstractNum")):
        first_level = abstract.find(qn("w:lvl"))
        bullet_of[abstract.get(qn("w:abstractNumId"))] = first_level.find(qn("w:lvlText")).get(qn("w:val"))
    boxes = []
    for paragraph in word.paragraphs:
        number = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        if number is not None:
            bullet = bullet_of[abstract_of[number.numId.val and str(number.numId.val)]]
            if bullet in "☐☒":
                boxes.append((bullet, paragraph.text))
    return boxes


def effective_font(run: docx.text.run.Run) -> str | None:
    """The font Word uses for the run's box-drawing characters: its own, else its character style's chain."""
    style = run.style
    if run.font.name:
        return run.font.name
    while style is not None:
        fonts = style.element.rPr.rFonts if style.element.rPr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            assert fonts.get(qn("w:eastAsia")) == fonts.get(qn("w:ascii"))
            return fonts.get(qn("w:ascii"))
        style = style.base_style
    return None


@pytest.mark.parametrize("document", DOCUMENTS)
def test_pdf_has_a_bookmark_per_heading_and_all_the_text(document: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(document, META)))
    headings = [title for _, title in body_headings(document)]
    assert flatten(reader.outline) == [META.title, *headings]  # the title block's title, the sections under it
    assert reader.metadata.title == "Performance & Scalability: TaskFlow Pro"

    text = words("\n".join(page.extract_text() for page in reader.pages))
    squeezed = "".join(text.split())
    for heading in headings:
        assert words(heading) in text
    for table in markdown_tables(document):
        for row in table:
            for cell in row:
                # A cell wrapped over lines reads interleaved with its neighbours, and a word may wrap at a
                # slash ("M/" "M/1"): check word by word, spaces and line breaks left out.
                assert all(word in squeezed for word in cell.split()), cell
    assert all(char in text for char in DIAGRAM_CHARS)
    assert "TaskFlow Pro" in text and "2026-11-27 10:00 UTC" in text and "Claude · claude-sonnet-5-5" in text


def flatten(outline: list) -> list[str]:
    titles: list[str] = []
    for item in outline:
        titles.extend(flatten(item) if isinstance(item, list) else [item.title])
    return titles


HOSTILE = """# Quarterly plan
<script>alert('stolen')</script>

<img src=x onerror="alert('img')"> <a href="javascript:alert('a')" onclick="steal()">click me</a>

[js link](javascript:alert('md')) [file link](file:///etc/passwd) [relative](../../etc/passwd) [ok](https://example.com)

![secret](/etc/passwd) ![tracker](https://evil.example/pixel.png)

```{=typst}
#read("/etc/passwd")
```

```{=openxml}
<w:p><w:r><w:t>INJECTED-OPENXML</w:t></w:r></w:p>
```

```{=latex}
\\input{/etc/passwd}
```

Inline raw: `#read("/etc/hostname")`{=typst} and <iframe src="file:///etc/passwd"></iframe>

$#read("/etc/passwd")$ costs $5 to $10

---
title: "INJECTED-YAML"
header-includes: "<script>alert('yaml')</script>"
---

- [ ] still a task
"""
PASSWD_LINE = re.compile(rb"root:[^:\n]*:0:0")


def test_hostile_document_exports_with_nothing_active_or_included() -> None:
    markdown_bytes = to_markdown(HOSTILE)
    assert markdown_bytes.decode() == HOSTILE.rstrip() + "\n"  # the .md is the document as written

    page = to_html(HOSTILE, META).decode()
    assert active_parts(page.split("</head>")[1]) == []

    word_file = to_docx(HOSTILE, META)
    with zipfile.ZipFile(io.BytesIO(word_file)) as package:
        assert not [name for name in package.namelist() if name.startswith("word/media")]
        xml = b"".join(package.read(name) for name in package.namelist() if name.endswith((".xml", ".rels")))
        targets = [target for name in package.namelist() if name.endswith(".rels")
                   for target in re.findall(rb'Target="([^"]*)"[^>]*TargetMode="External"', package.read(name))]
    assert set(targets) == {b"https://example.com"}  # the one web link; no javascript:, file: or relative path
    for bad in (b"evil.example", b"INJECTED-OPENXML</w:t></w:r></w:p>", b"<script"):
        assert bad.lower() not in xml.lower(), bad
    assert not PASSWD_LINE.search(xml)
    word = docx.Document(io.BytesIO(word_file))
    assert word.core_properties.title == word.paragraphs[0].text == META.title  # YAML in the text sets nothing
    word_text = "\n".join(p.text for p in word.paragraphs)
    assert "click me" in word_text and "costs $5 to $10" in word_text
    assert "<script>alert('stolen')</script>" in word_text  # shown as the text it is, as on screen
    assert task_boxes(word) == [("☐", "still a task")]

    pdf = to_pdf(HOSTILE, META)
    assert not PASSWD_LINE.search(pdf)
    for bad in (b"/JavaScript", b"/JS", b"/Launch", b"javascript:", b"file:", b"evil.example"):
        assert bad not in pdf, bad
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == META.title
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    assert not PASSWD_LINE.search(pdf_text.encode())
    assert "<script>alert('stolen')</script>" in pdf_text and "click me" in pdf_text and "$5 to $10" in pdf_text


def test_title_block_text_is_never_markup() -> None:
    meta = ExportMeta(app_name='#read("/etc/passwd") *Acme* <b>', engine_label="Offline draft (not AI-written)",
                      created="2026-11-27 10:00 UTC", version=1)
    pdf = to_pdf("# T\n\nBody.\n", meta)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert words('#read("/etc/passwd") *Acme* <b>') in words(text) and not PASSWD_LINE.search(pdf)
    word = docx.Document(io.BytesIO(to_docx("# T\n\nBody.\n", meta)))
    assert word.paragraphs[0].text == 'Performance & Scalability: #read("/etc/passwd") *Acme* <b>'


def test_column_widths_follow_content_and_fill_the_width() -> None:
    rows = [["Metric", "Target", "Notes"], ["p95", "150 ms", "Measured at the load balancer, every minute"]]
    widths = column_widths(rows, 9000)
    assert sum(widths) == 9000 and widths[2] > widths[0] and min(widths) >= 900
    assert column_widths([], 9000) == []


@pytest.mark.parametrize("cut_at", ["in a paragraph", "in a code block", "in a table"])
def test_an_unfinished_version_says_so_at_its_end_in_every_format(cut_at: str) -> None:
    """A reader of the file, who may never open the app, learns the rest was never written; a cut inside a code
    block or a table does not swallow the note."""
    document = draft_document(example_inputs()[0][1])
    marker = {"in a paragraph": "## ", "in a code block": "```", "in a table": "| "}[cut_at]
    cut = document[:document.index(marker, len(document) // 3) + len(marker) + 12]
    meta = ExportMeta(app_name="TaskFlow Pro", engine_label="Claude · claude-sonnet-5-5",
                      created="2026-11-27 10:00 UTC", version=2, unfinished="Stopped by you")
    note = "Unfinished. This version stops here (stopped by you); the rest of the document was not written."
    markdown = to_markdown(cut, meta).decode()
    assert markdown.rstrip().endswith(f"> **Unfinished.** {note.removeprefix('Unfinished. ')}")
    assert note in re.sub(r"<[^>]+>", "", to_html(cut, meta).decode())
    assert note in "\n".join(p.text for p in docx.Document(io.BytesIO(to_docx(cut, meta))).paragraphs)
    pdf_text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(to_pdf(cut, meta))).pages)
    assert "This version stops here (stopped by you)" in " ".join(pdf_text.split())
    finished = ExportMeta(app_name="TaskFlow Pro", engine_label="Claude", created="", version=2)
    assert "Unfinished" not in to_markdown(document, finished).decode()


def test_a_version_cut_inside_a_tilde_code_block_is_closed_with_its_own_fence() -> None:
    meta = ExportMeta(app_name="TaskFlow Pro", engine_label="Claude", created="", version=2,
                      unfinished="Connection dropped before the end")
    html_text = to_html("## Scaling\n\n~~~yaml\nreplicas: 3", meta).decode()
    assert "<blockquote>" in html_text and "This version stops here (connection dropped before the end)" in html_text
