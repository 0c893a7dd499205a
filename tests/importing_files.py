"""Real documents for the import tests, built the way people make them: Word files with python-docx, PDFs compiled
by Typst (text, and pictures of text with no text layer) and rewritten by pypdf (encrypted, many pages)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import docx
import typst
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

from tests.conftest import example_inputs

HEADINGS = {"expected_load": "Usage and load", "performance_requirements": "Performance and reliability",
            "technical_stack": "Technology", "growth_projections": "Growth outlook"}


def example(name_start: str = "B2B") -> dict[str, str]:
    return next(inputs.values for name, inputs in example_inputs() if name.startswith(name_start))


def word_file(title: str, sections: list[tuple[str, str]], table: list[tuple[str, str]] | None = None,
              table_after: int = 1) -> bytes:
    """A .docx: a Title, then per section a Heading 1 and its paragraph; a two-column table after section
    `table_after` (so document order can be checked)."""
    document = docx.Document()
    document.add_paragraph(title, style="Title")
    for index, (heading, text) in enumerate(sections, 1):
        document.add_heading(heading, level=1)
        document.add_paragraph(text)
        if table and index == table_after:
            grid = document.add_table(rows=0, cols=2)
            for left, right in table:
                cells = grid.add_row().cells
                cells[0].text, cells[1].text = left, right
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def example_word_file(values: dict[str, str], title_suffix: str = " — Product Requirements Document") -> bytes:
    return word_file(values["app_name"] + title_suffix,
                     [(HEADINGS[key], values[key]) for key in HEADINGS])


def typst_pdf(source: str, files: dict[str, bytes] | None = None) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        for name, data in (files or {}).items():
            (Path(folder) / name).write_bytes(data)
        main = Path(folder) / "main.typ"
        main.write_text(source, encoding="utf-8")
        return typst.compile(str(main), format="pdf")


def _typst_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("#", "\\#").replace("*", "\\*").replace("_", "\\_") \
        .replace("$", "\\$").replace("@", "\\@").replace("<", "\\<").replace(">", "\\>")


def example_pdf(values: dict[str, str]) -> bytes:
    """Two pages of ordinary prose, wrapped by Typst across several lines each."""
    body = [f'#set document(title: "{values["app_name"]}: technical specification")', "#set page(width: 15cm)",
            f"= {_typst_text(values['app_name'])}"]
    for index, key in enumerate(HEADINGS):
        if index == 2:
            body.append("#pagebreak()")
        body += [f"== {HEADINGS[key]}", _typst_text(values[key]), ""]
    return typst_pdf("\n".join(body) + "\n")


def scanned_pdf() -> bytes:
    """A "scan": a page that is only a picture of text, with no text layer."""
    picture = Image.new("RGB", (900, 300), "white")
    ImageDraw.Draw(picture).text((30, 30), "Peak of 8,000 concurrent users on weekday mornings.", fill="black")
    data = io.BytesIO()
    picture.save(data, format="PNG")
    return typst_pdf('#image("scan.png", width: 100%)\n', {"scan.png": data.getvalue()})


def encrypted_pdf(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb_docx(unpacked_mb: int = 40) -> bytes:
    """A .docx-shaped zip whose document.xml unpacks to `unpacked_mb` MB of nothing (about 1000 times its size)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (unpacked_mb * 1024 * 1024) + b"</w:document>")
    return out.getvalue()


def entity_docx(base: bytes, padding: int = 0) -> bytes:
    """A real .docx whose document.xml declares entities (the "billion laughs" shape), after a comment of `padding`
    characters (a DOCTYPE may come after comments)."""
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/document.xml":
                comment = b"<!--" + b"x" * padding + b"-->" if padding else b""
                data = data.replace(b"?>", b"?>" + comment + b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
                                    b'<!ENTITY b "&a;&a;&a;&a;">]>', 1)
            archive.writestr(member, data)
    return out.getvalue()


def pdf_bomb(unpacked_mb: int = 100) -> bytes:
    """A one-page PDF whose text stream unpacks to `unpacked_mb` MB (about 1000 times its size)."""
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = StreamObject()
    stream.set_data(b"BT /F1 12 Tf 10 10 Td (" + b"a " * (unpacked_mb * 512 * 1024) + b") Tj ET")
    stream = stream.flate_encode(level=9)
    page[NameObject("/Contents")] = writer._add_object(stream)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
