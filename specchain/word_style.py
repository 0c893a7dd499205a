"""Word's finishing touches, after pandoc: A4 pages, bordered full-width tables with columns sized by their text, a
shaded header row, monospace code in all four of Word's font slots, and the title at the top of the outline.

A module of its own so that python-docx is imported only when a Word file is first made, not with the app.
"""

from __future__ import annotations

import io

import docx
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Emu, Pt

MONO_FONT = "Consolas"  # Word's and LibreOffice's usual monospace font; has the box-drawing glyphs
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21), Cm(29.7), Cm(2)  # A4, as the PDF
BORDER_COLOR, HEADER_FILL = "9AA4AF", "EEF1F4"


def style_word(raw: bytes) -> bytes:
    """Pandoc's .docx, finished."""
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
    # The title as the outline's top level, as in the PDF's bookmarks: Word's navigation pane nests the sections
    # under it.
    title = styles["Title"].element.get_or_add_pPr()
    for old in title.findall(qn("w:outlineLvl")):
        title.remove(old)
    title.insert_element_before(_element("w:outlineLvl", {"w:val": "0"}),
                                "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


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


def _order_table_properties(properties: BaseOxmlElement) -> None:
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


def _shade(properties: BaseOxmlElement, fill: str) -> None:
    for old in properties.findall(qn("w:shd")):
        properties.remove(old)
    shading = _element("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill})
    properties.insert_element_before(shading, *_AFTER_SHADING)


def _element(tag: str, attributes: dict[str, str] | None = None) -> BaseOxmlElement:
    element = OxmlElement(tag)
    for name, value in (attributes or {}).items():
        element.set(qn(name), value)
    return element
