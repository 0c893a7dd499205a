"""Downloads: one entry point per format, each taking the Markdown and its metadata and returning bytes.

to_markdown, to_html (standalone, styled, sanitized), to_docx (Word) and to_pdf. Model output is untrusted:
- HTML: raw HTML goes through an allow-list sanitizer (nh3, the Rust ammonia library): no script or style, no
  event handlers, no javascript: or data: links.
- Word and PDF: pandoc (bundled in the pypandoc-binary wheel) reads the Markdown with raw attributes, YAML
  metadata and math off, runs sandboxed (no file or network access), and a filter drops raw HTML, images and
  non-web links. The PDF is typeset by the typst wheel with its embedded fonts only, rooted in an empty folder.
Word and PDF take a few hundred milliseconds, so they are cached per document version and built on request.
"""

from __future__ import annotations

import functools
import html
import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docx
import markdown as md
import nh3
import pypandoc
import typst
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt

EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc"]
TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "input", "span", "div",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align", "style"},
    "td": {"align", "style"},
    "code": {"class"},
    "input": {"type", "checked", "disabled"},
    "li": {"class"},
    "ul": {"class"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
}
TASK = re.compile(r"<li>(?:<p>)?\[([ xX])\]\s")
STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; line-height: 1.55;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; color: #1f2328; background: #fff; }
header.meta { color: #59636e; border-bottom: 1px solid #d1d9e0; margin-bottom: 1.5rem; padding-bottom: .75rem; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: 1rem; background: #fff8c5; color: #6a5300;
         font-size: .85rem; font-weight: 600; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3rem; }
h2 { margin-top: 2rem; }
table { border-collapse: collapse; display: block; overflow-x: auto; margin: 1rem 0; }
th, td { border: 1px solid #d1d9e0; padding: .4rem .8rem; text-align: left; }
th { background: #f6f8fa; }
pre { background: #f6f8fa; padding: 1rem; overflow-x: auto; border-radius: 6px; line-height: 1.3; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
li.task-list-item { list-style: none; margin-left: -1.3rem; }
li.task-list-item input { margin-right: .45rem; }
@media (prefers-color-scheme: dark) {
  body { background: #0d1117; color: #e6edf3; }
  th, pre { background: #161b22; }
  th, td, h1, h2, header.meta { border-color: #30363d; }
  header.meta { color: #9198a1; }
}
@media print { body { max-width: none; } pre, table { page-break-inside: avoid; } }
"""


@dataclass(frozen=True)
class ExportMeta:
    app_name: str  # "TaskFlow Pro"
    engine_label: str  # "Claude · claude-sonnet-5-5" or "Offline draft (not AI-written)"
    created: str  # "2026-11-27 14:05 UTC"
    version: int

    @property
    def title(self) -> str:
        return f"Performance & Scalability: {self.app_name.strip() or 'Untitled product'}"


class ExportError(RuntimeError):
    """A conversion failed; the message is for the user."""


def file_stem(app_name: str, part: str) -> str:
    """"TaskFlow Pro", "v2" → "taskflow-pro-performance-scalability-v2": safe on every file system."""
    slug = re.sub(r"[^a-z0-9]+", "-", app_name.lower()).strip("-")[:60] or "document"
    return f"{slug}-performance-scalability-{part}"


def to_markdown(document: str) -> bytes:
    return (document.rstrip() + "\n").encode("utf-8")


@functools.lru_cache(maxsize=64)
def render_html_fragment(document: str) -> str:
    """The document body as safe HTML: GitHub-style tables, task lists and fenced code, nothing active."""
    body = md.markdown(document, extensions=EXTENSIONS, output_format="html")
    body = TASK.sub(_checkbox, body)
    return nh3.clean(
        body,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def _checkbox(match: re.Match[str]) -> str:
    checked = " checked" if match.group(1) in "xX" else ""
    return f'<li class="task-list-item"><input type="checkbox" disabled{checked}> '


def to_html(document: str, meta: ExportMeta) -> bytes:
    title = html.escape(meta.title)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src https: data:">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<header class="meta">Version {meta.version} · {html.escape(meta.created)} · {_engine_badge(meta.engine_label)}</header>
<main>
{render_html_fragment(document)}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


def _engine_badge(label: str) -> str:
    text = html.escape(label)
    return f'<span class="badge">{text}</span>' if "offline" in label.lower() else text


# ── Word and PDF, through pandoc ─────────────────────────────────────────────────────────────────────────────
EXPORT_DATA = Path(__file__).parent / "data" / "export"
# GitHub Markdown as the screen shows it, minus what lets a document reach outside itself or change meaning:
# YAML metadata blocks (could set pandoc variables), $…$ maths (prices like "$5 to $10" must stay text).
PANDOC_READER = "gfm-yaml_metadata_block-tex_math_dollars-tex_math_gfm-raw_attribute"
CONVERT_TIMEOUT_S = 60
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MONO_FONT = "Consolas"  # Word's and LibreOffice's usual monospace font; has the box-drawing glyphs
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21), Cm(29.7), Cm(2)  # A4, as the PDF
BORDER_COLOR, HEADER_FILL = "9AA4AF", "EEF1F4"


def _pandoc(document: str, to: str, *options: str) -> bytes:
    command = [
        pypandoc.get_pandoc_path(), "--from", PANDOC_READER, "--to", to, "--sandbox",
        "--lua-filter", str(EXPORT_DATA / "untrusted.lua"), *options, "--output", "-",
    ]
    try:
        done = subprocess.run(command, input=document.encode("utf-8"), capture_output=True,
                              timeout=CONVERT_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        raise ExportError("Making the file took too long. Try again, or download Markdown or HTML.") from error
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[:300]
        raise ExportError(f"The document could not be converted ({detail}). Markdown and HTML still work.")
    return done.stdout


@functools.lru_cache(maxsize=16)
def to_docx(document: str, meta: ExportMeta) -> bytes:
    """A Word document: heading styles (Word's navigation pane), bordered tables, monospace code blocks."""
    raw = _pandoc(document, "docx", "--metadata", f"title={meta.title}",
                  "--metadata", f"subtitle={meta.engine_label} · Version {meta.version}",
                  "--metadata", f"date={meta.created}")
    word = docx.Document(io.BytesIO(raw))
    _style_page_and_code(word)
    for table in word.tables:
        _style_table(table, Emu(PAGE_WIDTH - 2 * MARGIN).twips)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _style_page_and_code(word: docx.document.Document) -> None:
    for section in word.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    styles = word.styles
    verbatim = styles["Verbatim Char"]
    verbatim.font.size = Pt(9)
    # All four font slots: Word draws box-drawing characters with the East Asian font unless told otherwise.
    fonts = verbatim.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), MONO_FONT)
    code = styles["Source Code"].paragraph_format
    code.space_before, code.space_after, code.line_spacing = Pt(0), Pt(8), 1.0
    _shade(styles["Source Code"].element.get_or_add_pPr(), "F6F8FA")


def _style_table(table: docx.table.Table, text_width: int) -> None:
    """Borders, a shaded bold header row, full text width, columns sized to their content."""
    properties = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblBorders", "w:tblLayout", "w:tblCellMar"):
        for old in properties.findall(qn(tag)):
            properties.remove(old)
    properties.append(_element("w:tblW", {"w:type": "dxa", "w:w": str(text_width)}))
    borders = _element("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_element(f"w:{edge}", {"w:val": "single", "w:sz": "4", "w:space": "0",
                                               "w:color": BORDER_COLOR}))
    properties.append(borders)
    properties.append(_element("w:tblLayout", {"w:type": "fixed"}))
    margins = _element("w:tblCellMar")
    for edge, size in (("top", 50), ("left", 100), ("bottom", 50), ("right", 100)):
        margins.append(_element(f"w:{edge}", {"w:w": str(size), "w:type": "dxa"}))
    properties.append(margins)
    _order_table_properties(properties)

    rows = [[cell.text for cell in row.cells] for row in table.rows]
    widths = column_widths(rows, text_width)
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(width))
    for index, row in enumerate(table.rows):
        for cell, width in zip(row.cells, widths, strict=True):
            cell_properties = cell._tc.get_or_add_tcPr()
            for old in cell_properties.findall(qn("w:tcW")):
                cell_properties.remove(old)
            cell_properties.insert(0, _element("w:tcW", {"w:w": str(width), "w:type": "dxa"}))
            if index == 0:
                _shade(cell_properties, HEADER_FILL)
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.bold = True


def column_widths(rows: list[list[str]], total: int) -> list[int]:
    """Share the width by how much text each column holds, so no column is crushed to a letter a line."""
    columns = max((len(row) for row in rows), default=0)
    if not columns:
        return []
    weights = []
    for index in range(columns):
        cells = [row[index] for row in rows if index < len(row)]
        longest_word = max((len(word) for cell in cells for word in cell.split()), default=1)
        longest_cell = max((len(cell) for cell in cells), default=1)
        weights.append(max(longest_word + 2, min(longest_cell, 48), 6))
    floor = min(total // columns, 900)  # 900 twips ≈ 1.6 cm: room for a short word or a number
    spare = total - floor * columns
    widths = [floor + spare * weight // sum(weights) for weight in weights]
    widths[-1] += total - sum(widths)
    return widths


_TABLE_PROPERTY_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                         "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
                         "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"]


def _order_table_properties(properties: docx.oxml.xmlchemy.BaseOxmlElement) -> None:
    """Word rejects a file whose table properties are out of the schema's order."""
    rank = {qn(f"w:{name}"): position for position, name in enumerate(_TABLE_PROPERTY_ORDER)}
    children = sorted(properties, key=lambda child: rank.get(child.tag, len(rank)))
    for child in children:
        properties.append(child)


# What may follow w:shd in a paragraph's and a cell's properties: Word rejects elements out of schema order.
_AFTER_SHADING = (
    "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange", "w:noWrap", "w:tcMar", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers",
    "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
)


def _shade(properties: docx.oxml.xmlchemy.BaseOxmlElement, fill: str) -> None:
    for old in properties.findall(qn("w:shd")):
        properties.remove(old)
    shading = _element("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill})
    properties.insert_element_before(shading, *_AFTER_SHADING)


def _element(tag: str, attributes: dict[str, str] | None = None) -> docx.oxml.xmlchemy.BaseOxmlElement:
    element = OxmlElement(tag)
    for name, value in (attributes or {}).items():
        element.set(qn(name), value)
    return element


@functools.lru_cache(maxsize=16)
def to_pdf(document: str, meta: ExportMeta) -> bytes:
    """A PDF with one bookmark per heading, typeset by Typst with its embedded fonts."""
    body = _pandoc(document, "typst").decode("utf-8")
    source = (EXPORT_DATA / "page.typ").read_text(encoding="utf-8") + body
    inputs = {"title": meta.title, "app": meta.app_name.strip() or "Untitled product",
              "engine": meta.engine_label, "created": meta.created, "version": str(meta.version)}
    # An empty root: Typst can read no file at all, whatever the source says.
    with tempfile.TemporaryDirectory(prefix="specchain-pdf-") as root:
        try:
            return typst.compile(  # type: ignore[call-overload]  # stubs want root typed as the input (bytes)
                source.encode("utf-8"), root=root, format="pdf", sys_inputs=inputs,
                ignore_system_fonts=True)
        except typst.TypstError as error:
            raise ExportError(f"The PDF could not be typeset ({str(error)[:300]}). Word, Markdown and HTML "
                              "still work.") from error
