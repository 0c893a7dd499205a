"""Turn an uploaded file (or pasted text) into blocks of text, or one plain sentence saying why it can't be read.

The file's real type is decided by its bytes, never by its name: a Word document named ".pdf" is read as the Word
document it is, with a note saying so; a file of a kind we don't read (a picture, a spreadsheet, an old .doc) is
named for what it is. Every limit is checked before the work it protects: the size before anything is read, a
.docx's declared member sizes before anything is decompressed, the page count before any page is read. Either the
whole document is read or nothing is: no half-imported text.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from pathlib import PurePath

from specchain.importing.document import (
    Block,
    DocumentProblem,
    ImportedDocument,
    line_location,
    squeeze,
)

MAX_BYTES = 10 * 1024 * 1024  # an upload; a 200-page PDF with text is usually 1-5 MB
MAX_PAGES = 200
MAX_CHARS = 300_000  # about 100 pages of dense text, about 75,000 tokens: a reading Claude does in one request
# A .docx is a zip: these bound what opening one may cost, read from its directory before anything is decompressed.
MAX_UNZIPPED_BYTES = 150 * 1024 * 1024
MAX_MEMBERS = 5_000
MAX_RATIO = 200  # uncompressed / compressed; Word's XML compresses about 5-30 times, a zip bomb thousands of times
RATIO_CHECKED_FROM = 1024 * 1024  # small members may compress well (a run of spaces) without harm

READ_KINDS = ("md", "txt", "docx", "pdf")
KIND_NAMES = {"docx": "Word document", "pdf": "PDF", "md": "Markdown file", "txt": "text file"}
EXTENSIONS = {".md": "md", ".markdown": "md", ".txt": "txt", ".text": "txt", ".docx": "docx", ".pdf": "pdf"}
SAVE_AS = "Save it as .docx, PDF, Markdown or plain text, or copy its text into “Paste text”."


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def read_file(data: bytes, filename: str) -> ImportedDocument:
    """The document in `data`, read as what its bytes say it is. Raises DocumentProblem in plain words."""
    name = PurePath(filename or "document").name
    if len(data) > MAX_BYTES:
        raise DocumentProblem(
            f"“{name}” is {_megabytes(len(data))}; the limit is {_megabytes(MAX_BYTES)}. Upload the part that "
            "describes the product (for example a PDF of those chapters only), or paste its text.")
    if not data.strip():
        raise DocumentProblem(f"“{name}” is empty: there is nothing in it to read. Check that you picked the right "
                              "file, or paste the text instead.")
    kind = sniff(data)
    claimed = EXTENSIONS.get(PurePath(name).suffix.lower())
    notes: list[str] = []
    if kind in READ_KINDS and claimed and claimed != kind and {kind, claimed} != {"md", "txt"}:
        notes.append(f"“{name}” is named like a {KIND_NAMES[claimed]} but is a {KIND_NAMES[kind]}; we read it as "
                     f"the {KIND_NAMES[kind]} it is.")
    if kind == "docx":
        document = read_docx(data, name)
    elif kind == "pdf":
        document = read_pdf(data, name)
    elif kind in ("md", "txt"):
        text, note = decode_text(data, name)
        if note:
            notes.append(note)
        kind = "md" if claimed == "md" or _looks_like_markdown(text) else "txt"  # notes.txt written in Markdown
        document = read_text(text, name, markdown=kind == "md")
    else:
        raise DocumentProblem(_unsupported(kind, name))
    document = document.model_copy(update={"notes": (*notes, *document.notes)})
    return check_size(document)


def read_pasted(text: str) -> ImportedDocument:
    """Text pasted into the page: Markdown or plain text, read like a file."""
    if not text.strip():
        raise DocumentProblem("There is no text to read yet: paste your document's text into the box first.")
    return check_size(read_text(text, "Pasted text", markdown=_looks_like_markdown(text)))


def check_size(document: ImportedDocument) -> ImportedDocument:
    if not any(b.text.strip() for b in document.blocks):
        raise DocumentProblem(f"“{document.name}” has no text in it. Check that you picked the right file, or "
                              "paste the text instead.")
    if document.characters > MAX_CHARS:
        raise DocumentProblem(
            f"“{document.name}” has {document.characters:,} characters of text; we read up to {MAX_CHARS:,} (about "
            "100 pages). Upload the part that describes the product, or paste the relevant sections.")
    return document


# ---- what the bytes are -------------------------------------------------------------------------------------------
def sniff(data: bytes) -> str:
    """"pdf", "docx", "md"/"txt" (text of some encoding; which of the two is decided later), or the name of a kind
    we recognise but don't read."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE container: an old .doc/.xls, or a password-protected Office file (its contents are encrypted).
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "encrypted-office"
        return "ole"
    for magic, kind in ((b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"), (b"GIF8", "image"), (b"II*\x00", "image"),
                        (b"MM\x00*", "image"), (b"{\\rtf", "rtf"), (b"Rar!", "archive"), (b"7z\xbc\xaf", "archive"),
                        (b"\x1f\x8b", "archive"), (b"BZh", "archive")):
        if head.startswith(magic):
            return kind
    if head[8:12] == b"WEBP" or head[4:12] in (b"ftypheic", b"ftypavif"):
        return "image"
    return "txt" if _text_like(data) else "binary"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "broken-zip"
    if "word/document.xml" in names:
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    if "content.xml" in names:
        return "odf"
    return "zip"


def _text_like(data: bytes) -> bool:
    sample = data[:65536]
    if sample.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                          codecs.BOM_UTF32_BE)):
        return True
    if _utf16_without_bom(sample):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls <= len(sample) * 0.01


def _utf16_without_bom(sample: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" for text with a zero byte beside nearly every Latin letter, else None."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


def _unsupported(kind: str, name: str) -> str:
    return {
        "encrypted-office": f"“{name}” is protected with a password, so we can't read it. Open it in Word, remove "
                            "the password (File → Info → Protect Document), save, and upload it again.",
        "ole": f"“{name}” is in the old Word or Excel format (.doc/.xls), which we don't read. In Word, choose "
               "File → Save As → Word Document (.docx), then upload that.",
        "broken-zip": f"“{name}” looks like a Word document but is damaged (it may have been cut short while "
                      "downloading). Open it in Word and save it again, or export it as PDF.",
        "xlsx": f"“{name}” is a spreadsheet; we read documents. {SAVE_AS}",
        "pptx": f"“{name}” is a presentation; we read documents. {SAVE_AS}",
        "odf": f"“{name}” is an OpenDocument file, which we don't read. {SAVE_AS}",
        "zip": f"“{name}” is a zip archive, not a document. Unpack it and upload the document inside.",
        "archive": f"“{name}” is a compressed archive, not a document. Unpack it and upload the document inside.",
        "image": f"“{name}” is a picture: we can't read text in images. {SAVE_AS}",
        "rtf": f"“{name}” is a Rich Text (.rtf) file, which we don't read. {SAVE_AS}",
    }.get(kind, f"“{name}” isn't a document we can read (it isn't text, Word or PDF, or it is damaged). {SAVE_AS}")


# ---- text and Markdown --------------------------------------------------------------------------------------------
def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """(text, note): UTF-8 with or without its mark, UTF-16/32 with a byte-order mark (or UTF-16 without one), else
    the most likely legacy encoding, with a note saying which so a wrong guess can be spotted."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decode(data, encoding, name), ""
    if encoding := _utf16_without_bom(data[:65536]):
        return _decode(data, encoding, name), ""
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only for the rare file that isn't UTF-8

    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        encoding, text = "cp1252", data.decode("cp1252", errors="replace")
    try:
        if encoding != "cp1252" and data.decode("cp1252") == text:
            encoding = "cp1252"  # the same letters either way: name the usual one ("Western European")
    except UnicodeDecodeError:
        pass
    return text, (f"“{name}” isn't in UTF-8; we read it as {_encoding_name(encoding)}. If some letters look wrong, "
                  "save it as UTF-8 and upload it again.")


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentProblem(f"“{name}” is damaged: its text can't be read as {encoding.upper()} "
                              f"(at byte {exc.start:,}). Save it again as UTF-8 and upload it again.") from exc


def _encoding_name(encoding: str) -> str:
    names = {"cp1252": "Western European (Windows-1252)", "latin_1": "Western European (ISO-8859-1)",
             "iso8859_15": "Western European (ISO-8859-15)", "shift_jis": "Japanese (Shift-JIS)",
             "cp932": "Japanese (Shift-JIS)", "euc_jp": "Japanese (EUC-JP)", "gb18030": "Chinese (GB18030)",
             "gb2312": "Chinese (GB2312)", "big5": "Chinese (Big5)", "euc_kr": "Korean (EUC-KR)",
             "cp1251": "Cyrillic (Windows-1251)", "cp1250": "Central European (Windows-1250)"}
    return names.get(encoding.lower().replace("-", "_"), encoding)


MARKDOWN_HINT = re.compile(r"^(?:#{1,6}\s|\s*[-*+]\s|\s*\d+[.)]\s|\|.*\|\s*$|```)", re.MULTILINE)


def _looks_like_markdown(text: str) -> bool:
    return len(MARKDOWN_HINT.findall(text[:20000])) >= 2


def read_text(text: str, name: str, *, markdown: bool) -> ImportedDocument:
    """Paragraphs split at blank lines; Markdown headings, list items and table rows each a block of their own.
    A line break inside a paragraph (text wrapped by hand) is a space; each block keeps the lines it came from.
    HTML in the text (a page's source pasted) is read as the words a browser shows: see html_lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    kind = "md" if markdown else "txt"
    html = html_lines(text)
    numbered = html or list(enumerate(text.split("\n"), 1))
    guess_headings = not markdown and html is None  # HTML marks its headings (given as "# "), as Markdown does
    blocks: list[Block] = []
    title = ""
    paragraph: list[tuple[int, str]] = []
    in_fence = False

    def add(pieces: list[tuple[int, str]], heading: bool = False, breaks: frozenset[int] = frozenset()) -> None:
        """breaks: the pieces that start a line of their own (kept as a line break, which ends a sentence)."""
        words, lines = "", []
        for index, (number, piece) in enumerate(pieces):
            piece = squeeze(piece)
            if piece:
                glued = words and CJK_EDGE.match(words[-1]) and CJK_EDGE.match(piece[0])  # no spaces in CJK
                words += ("\n" if index in breaks else "" if glued else " ") if words else ""
                lines.append((len(words), number))
                words += piece
        if words:
            place = f"paragraph {len(blocks) + 1}"
            blocks.append(Block(text=words, location=line_location(place, lines[0][1], lines[-1][1]),
                                heading=heading or (guess_headings and looks_like_heading(words)), lines=tuple(lines)))

    def flush() -> None:
        if paragraph:
            # In HTML a line break in the source is a space on the screen: only the text's own lines are kept.
            add(paragraph, breaks=line_breaks([line for _, line in paragraph]) if html is None else frozenset())
            paragraph.clear()

    for index, (number, line) in enumerate(numbered):
        stripped = line.strip()
        if markdown and re.match(r"^\s*(```|~~~)", line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            continue  # code in a document is not the product's description
        heading = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line) if not guess_headings else None
        if heading:
            flush()
            words = _strip_inline_markdown(heading.group(2)) if markdown else squeeze(heading.group(2))
            add([(number, words)], heading=True)
            if words and not title and len(heading.group(1)) == 1:
                title = words
            continue
        if not stripped or (markdown and re.fullmatch(r"[-=*_|:\s]{3,}", stripped)):
            flush()  # a blank line, a rule, a table's separator row or a setext underline
            continue
        item = re.match(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$", line) if markdown else None
        row = markdown and stripped.startswith("|") and stripped.endswith("|")
        if item or row:
            flush()
            words = (" · ".join(c.strip() for c in stripped.strip("|").split("|") if c.strip()) if row
                     else item.group(1) if item else stripped)
            add([(number, _strip_inline_markdown(words))])
            continue
        after_blank = index == 0 or not numbered[index - 1][1].strip()  # a run of short lines is a list, not headings
        if guess_headings and not paragraph and after_blank and looks_like_heading(stripped) \
                and index + 1 < len(numbered) and numbered[index + 1][1].strip():
            add([(number, stripped)], heading=True)  # "Technology" on its own line, its paragraph right under it
            continue
        paragraph.append((number, _strip_inline_markdown(line) if markdown else line))
    flush()
    return ImportedDocument(name=name, kind=KIND_NAMES[kind], blocks=tuple(blocks), title=title)


# HTML elements: only these are read as markup; anything else in angle brackets ("<user_data>", "< 200 ms") stays
# text, so the prompt's own tags are still found and neutralised (specchain.importing.neutralise).
HTML_BLOCKS = {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
               "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head",
               "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
               "td", "tfoot", "th", "thead", "tr", "ul"}
HTML_INLINE = {"a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img",
               "input", "ins", "kbd", "label", "mark", "meta", "link", "q", "s", "samp", "small", "span", "strong",
               "sub", "sup", "time", "tt", "u", "var", "wbr", "button", "center", "picture", "source", "video",
               "audio", "iframe", "embed", "object", "svg", "canvas", "base", "col", "colgroup", "area", "map"}
HTML_HIDDEN = {"script", "style", "template", "noscript", "title", "textarea", "select", "option"}  # not shown as text
HTML_TAG = re.compile(rf"</?(?:{'|'.join(sorted(HTML_BLOCKS | HTML_INLINE | HTML_HIDDEN | {'br'}))})\b[^<>]*>",
                      re.IGNORECASE)


def html_lines(text: str) -> list[tuple[int, str]] | None:
    """The text as a browser would show it, as (source line number, words) lines; None when it has no HTML.
    Tags go, their words stay (a script's or style's do not); a block element (<p>, <h1>, <li>, <tr>…) is a
    paragraph of its own, <br> a line break; entities ("&amp;") are read; a heading's words start with Markdown's
    "# ", "## "… so read_text knows it for one. Nothing is ever run."""
    if not HTML_TAG.search(text):
        return None
    from html.parser import HTMLParser

    lines: list[tuple[int, str]] = []
    current: list[str] = []  # the line being built, and the source line it started on
    start = [1]
    heading = [""]  # the "## " a heading's first words still need

    class Reader(HTMLParser):
        hidden = 0

        def end_line(self, blank: bool = False) -> None:
            if "".join(current).strip():
                lines.append((start[0], "".join(current)))
            current.clear()
            if blank and lines and lines[-1][1]:
                lines.append((self.getpos()[0], ""))
            start[0] = self.getpos()[0]

        def literal(self, words: str) -> None:
            if not self.hidden:
                if not "".join(current).strip():
                    start[0] = self.getpos()[0]
                    if heading[0] and words.strip():
                        current.append(heading[0])
                        heading[0] = ""
                current.append(words)

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in HTML_HIDDEN:
                self.hidden += 1
            elif tag in HTML_BLOCKS:
                self.end_line(blank=True)
                heading[0] = "#" * int(tag[1]) + " " if re.fullmatch(r"h[1-6]", tag) else ""
            elif tag == "br":
                self.end_line()
            elif tag not in HTML_INLINE:
                self.literal(self.get_starttag_text() or "")  # not HTML: kept as written

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in HTML_BLOCKS or tag == "br":
                self.end_line(blank=tag != "br")
            elif tag not in HTML_INLINE and tag not in HTML_HIDDEN:
                self.literal(self.get_starttag_text() or "")

        def handle_endtag(self, tag: str) -> None:
            if tag in HTML_HIDDEN:
                self.hidden = max(0, self.hidden - 1)
            elif tag in HTML_BLOCKS:
                self.end_line(blank=True)
                heading[0] = ""
            elif tag not in HTML_INLINE and tag != "br":
                self.literal(f"</{tag}>")

        def handle_data(self, data: str) -> None:
            if self.hidden:
                return
            first, *rest = data.split("\n")
            self.literal(first)
            line = self.getpos()[0]
            for offset, part in enumerate(rest, 1):  # a line break in the source: the next line of the text
                if "".join(current).strip():
                    lines.append((start[0], "".join(current)))
                elif not lines or lines[-1][1]:
                    lines.append((line + offset - 1, ""))  # an empty source line: a paragraph ends
                current.clear()
                self.literal(part)
                start[0] = line + offset

    reader = Reader(convert_charrefs=True)
    reader.feed(text)
    reader.close()
    reader.end_line()
    return lines


def _strip_inline_markdown(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images: their description
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links: their words
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return squeeze(text)


# ---- Word ---------------------------------------------------------------------------------------------------------
def check_zip(data: bytes, name: str) -> None:
    """Refuse a zip that would cost too much to open, from its directory alone: nothing is decompressed here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentProblem(_unsupported("broken-zip", name)) from exc
    bomb = DocumentProblem(
        f"“{name}” is built in a way that would take far too much memory to open (it unpacks to much more than "
        "any real document), so we didn't open it. If it is a genuine document, open it in Word, save it as a new "
        "file or export it as PDF, and upload that.")
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise bomb
    for member in members:
        if member.file_size > RATIO_CHECKED_FROM and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise bomb
        if member.flag_bits & 0x1:
            raise DocumentProblem(_unsupported("encrypted-office", name))


def _check_xml(data: bytes, name: str) -> None:
    """Word never writes a DOCTYPE; one in a .docx can only be there to declare entities (the "billion laughs")."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                if _declares_entities(archive, member):
                    raise DocumentProblem(
                        f"“{name}” contains something a Word document never does (an XML entity declaration), so we "
                        "didn't open it. Open it in Word, save it as a new file, and upload that.")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:  # RuntimeError: encrypted member
        raise DocumentProblem(_unsupported("broken-zip", name)) from exc


ROOT_ELEMENT = re.compile(rb"<[A-Z_]")  # matched in upper case


def _declares_entities(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether an XML part has a DOCTYPE, which can only come before its root element: the part is read up to there
    (comments may pad the prolog, so not just its first bytes), UTF-16 parts as well."""
    tail = b""  # the end of the previous chunk, so a marker cut in two is still seen
    with archive.open(member) as part:
        while chunk := part.read(65536):
            text = (tail + chunk.replace(b"\x00", b"")).upper()  # UTF-16 XML: its markup's ASCII, without zeros
            if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
                return True
            if ROOT_ELEMENT.search(text):
                return False
            tail = text[-16:]
    return False


def read_docx(data: bytes, name: str) -> ImportedDocument:
    """Paragraphs and tables in the order they appear; a table row is one block, its cells joined by " · "."""
    check_zip(data, name)
    _check_xml(data, name)
    import docx  # python-docx: imported when a Word file arrives, not with the app
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        # Paragraph.style looks the default style up among all styles for every paragraph (most of the time of
        # a long document); the style's id, mapped to its name once, says the same.
        style_names = {style.style_id: style.name or "" for style in document.styles}
        blocks: list[Block] = []
        paragraphs = tables = 0
        title = ""
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = squeeze(item.text)
                if not text:
                    continue
                paragraphs += 1
                style = style_names.get(item._p.style or "", "")  # _p.style: the paragraph's style id, or None
                heading = style == "Title" or style.startswith("Heading")
                if heading and not title and (style == "Title" or style == "Heading 1"):
                    title = text
                blocks.append(Block(text=text, location=f"paragraph {paragraphs}", heading=heading))
            elif isinstance(item, Table):
                tables += 1
                for number, row in enumerate(item.rows, 1):
                    cells: list[str] = []
                    for cell in row.cells:
                        words = squeeze(" ".join(p.text for p in cell.paragraphs))
                        if words and (not cells or cells[-1] != words):  # a merged cell repeats itself
                            cells.append(words)
                    if cells:
                        blocks.append(Block(text=" · ".join(cells), location=f"table {tables}, row {number}"))
        core_title = squeeze(document.core_properties.title or "")
    except DocumentProblem:
        raise
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… for a damaged file
        raise DocumentProblem(f"“{name}” looks like a Word document but can't be opened: it may be damaged. Open "
                              "it in Word and save it again, or export it as PDF.") from exc
    return ImportedDocument(name=name, kind=KIND_NAMES["docx"], blocks=tuple(blocks), title=title or core_title)


# ---- PDF ----------------------------------------------------------------------------------------------------------
def read_pdf(data: bytes, name: str) -> ImportedDocument:
    from pypdf import PdfReader  # imported when a PDF arrives, not with the app
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # restrictions only ("no copying"): readable with an empty password
            # An unsupported cipher, or a damaged encryption dictionary: either way it stays locked.
            except (PyPdfError, DependencyError, ValueError, KeyError, NotImplementedError):
                opened = 0
            if not opened:
                raise DocumentProblem(f"“{name}” is protected with a password, so we can't read it. Open it, save "
                                      "or print it as a new PDF without a password, and upload that; or paste its "
                                      "text.")
        pages = len(reader.pages)
        if pages > MAX_PAGES:
            raise DocumentProblem(f"“{name}” has {pages:,} pages; we read up to {MAX_PAGES}. Upload the chapters "
                                  "that describe the product (most PDF viewers can print chosen pages to a new PDF).")
        blocks: list[Block] = []
        empty_pages: list[int] = []
        characters = 0
        for number, page in enumerate(reader.pages, 1):
            text = page.extract_text() or ""
            characters += len(text)
            if characters > MAX_CHARS * 2:  # stop early: check_size explains the limit with the real count
                raise DocumentProblem(f"“{name}” has more than {MAX_CHARS:,} characters of text; we read up to "
                                      f"{MAX_CHARS:,} (about 100 pages). Upload the part that describes the "
                                      "product, or paste the relevant sections.")
            paragraphs = pdf_paragraphs(text)
            if not paragraphs:
                empty_pages.append(number)
            blocks += [Block(text=p, location=f"page {number}", heading=looks_like_heading(p)) for p in paragraphs]
        title = squeeze(str((reader.metadata or {}).get("/Title") or ""))
    except DocumentProblem:
        raise
    except LimitReachedError as exc:  # a stream that would unpack past pypdf's limit (75 MB): a PDF bomb
        raise DocumentProblem(f"“{name}” is built in a way that would take far too much memory to open, so we "
                              "stopped reading it. If it is a genuine document, print it to a new PDF and upload "
                              "that, or paste its text.") from exc
    except Exception as exc:  # pypdf raises PdfReadError, but also ValueError, KeyError… for a damaged file
        raise DocumentProblem(f"“{name}” looks like a PDF but can't be opened: it may be damaged or cut short. "
                              "Download or export it again, or paste its text.") from exc
    if not blocks:
        raise DocumentProblem(
            f"“{name}” has no text we can read: its pages are pictures (a scan or a photo of paper, for example). "
            "Export the original as PDF from Word or Google Docs, run it through a text-recognition (OCR) tool, "
            "or paste the text.")
    notes: tuple[str, ...] = ()
    if empty_pages:
        shown = ", ".join(map(str, empty_pages[:10])) + (" …" if len(empty_pages) > 10 else "")
        plural = "s" if len(empty_pages) > 1 else ""
        notes = ((f"Page{plural} {shown} of “{name}” had no text we could read (pictures or scans); anything written "
                 "there was not read."), )
    return ImportedDocument(name=name, kind=KIND_NAMES["pdf"], blocks=tuple(blocks), title=title, notes=notes)


WRAPPED = 0.7  # a line that reaches this share of its paragraph's widest line was wrapped, not ended
SHORTEST_WRAP = 40  # columns: nobody wraps prose narrower; a paragraph of shorter lines is a list without bullets


def columns(text: str) -> int:
    """How wide a line looks in a plain-text editor: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in squeeze(text))


def line_breaks(lines: list[str]) -> frozenset[int]:
    """Which lines of a paragraph (no blank line between them) start a line of their own rather than continue the
    one before: prose wrapped by hand runs each line to (nearly) the paragraph's width, and a sentence going on
    starts in lower case; a short line ends its line, so a block of short lines ("Backend in Go" / "Hosted on AWS")
    is a list written without bullets, an item per line."""
    widths = [columns(line) for line in lines]
    width = max(widths, default=0)
    wrapped = width >= SHORTEST_WRAP
    return frozenset(index for index in range(1, len(lines))
                     if not (wrapped and widths[index - 1] >= WRAPPED * width) and not lines[index].lstrip()[:1].islower())


def looks_like_heading(text: str) -> bool:
    """A short line with no sentence end, in text that marks no headings (plain text, PDF): "3. Technology"."""
    return columns(text) <= 80 and len(text.split()) <= 10 and not re.search(r"[.!?:;,。！？、]$", text) \
        and re.search(r"[^\W\d_]", text) is not None


END_OF_SENTENCE = re.compile(r"[.!?:;。！？：；]$")
CJK_EDGE = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")


def pdf_paragraphs(text: str) -> list[str]:
    """A PDF page's lines made into paragraphs: a line that runs to (nearly) the full width and doesn't end a
    sentence wraps on to the next; short lines (headings, list items, table rows) stay on their own."""
    lines = [squeeze(line) for line in text.replace("\r", "\n").split("\n")]
    width = max((len(line) for line in lines), default=0)
    out: list[str] = []
    current = ""
    last_length = 0
    for line in lines:
        if not line:
            out.append(current)
            current, last_length = "", 0
            continue
        bullet = re.match(r"^(?:[-•*–]|\d+[.)])\s", line)
        if current and not bullet and last_length >= 0.7 * width and not END_OF_SENTENCE.search(current):
            hyphenated = current.endswith("-") and line[:1].islower()
            glued = hyphenated or (CJK_EDGE.match(current[-1]) and CJK_EDGE.match(line[0]))  # no spaces in CJK
            current = (current[:-1] if hyphenated else current) + ("" if glued else " ") + line
        else:
            out.append(current)
            current = line
        last_length = len(line)
    out.append(current)
    return [p for p in (squeeze(p) for p in out) if p]
