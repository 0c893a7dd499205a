"""Word and PDF keep every word of the text, read back from the files, and make a table wherever the screen does.

Models write inline HTML (<b>, <br>, a stray <script>, <span>) into their Markdown. The screen (st.markdown) shows
such markup as the literal text it is; Word and PDF used to drop it and, when a line began with a block-level tag,
the whole line with it. A <br> in a table cell glued two words together.
"""

from __future__ import annotations

import io

import docx
import pypdf

from specchain.exports import ExportMeta, to_docx, to_pdf

META = ExportMeta(app_name="TaskFlow Pro", engine_label="Claude · claude-sonnet-5-5",
                  created="2026-11-27 10:00 UTC", version=1)
DOCUMENT = """# Performance & Scalability: TaskFlow Pro

## Caching Strategy
<b>Note:</b> the cache is warmed before every launch.
A <span style="color:red">highlighted</span> sentence stays whole.
<script>alert(1)</script> Everything after the script tag stays on the page.
<div>A block of raw HTML keeps its words.</div>

Line one<br>line two of the same paragraph.

| Tier | Notes |
|------|-------|
| Web | first line<br>second line |
| Cache | Redis<br/>cluster |

Launch targets:
| Metric | Target |
|--------|--------|
| p95 latency | 150 ms |
"""
SENTENCES = [
    "<b>Note:</b> the cache is warmed before every launch.",
    'A <span style="color:red">highlighted</span> sentence stays whole.',
    "<script>alert(1)</script> Everything after the script tag stays on the page.",
    "<div>A block of raw HTML keeps its words.</div>",
    "Launch targets:",
]


def words(text: str) -> str:
    return " ".join(text.split())


def test_word_keeps_every_word_and_shows_markup_as_text() -> None:
    word = docx.Document(io.BytesIO(to_docx(DOCUMENT, META)))
    text = words("\n".join(p.text for p in word.paragraphs))
    for sentence in SENTENCES:
        assert sentence in text
    line_break = next(p for p in word.paragraphs if p.text.startswith("Line one"))
    assert line_break.text == "Line one\nline two of the same paragraph."

    assert len(word.tables) == 2  # the table right after "Launch targets:" is a table, as on screen
    cells = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    assert ["Web", "first line\nsecond line"] in cells and ["Cache", "Redis\ncluster"] in cells
    assert ["p95 latency", "150 ms"] in cells


def test_pdf_keeps_every_word_and_shows_markup_as_text() -> None:
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(DOCUMENT, META)))
    raw_text = "\n".join(page.extract_text() for page in reader.pages)
    text = words(raw_text)
    for sentence in SENTENCES:
        assert sentence in text
    assert "first line second line" in text and "Redis cluster" in text  # broken, not glued
    assert "p95 latency 150 ms" in text and "|" not in raw_text  # a table, not a paragraph of pipes
