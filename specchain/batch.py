"""Many briefs at once: a spreadsheet with one brief per row → a workspace, a run and a document per row.

Reading (CSV as spreadsheets save it, in any of their encodings and separators, or .xlsx), checking every row with
the brief form's own validation, the template to fill in, the runs (a few at a time, each in a workspace of its
own, through the RunService like any run), and the zip of the documents. No Streamlit: pages/batch.py draws it.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import secrets
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Literal

from specchain.document import check_document
from specchain.exports import (
    ExportMeta,
    file_stem,
    to_docx,
    to_html,
    to_markdown,
    to_pdf,
)
from specchain.inputs import ChainInputs, FieldSpec, validation_problems
from specchain.providers import EngineSettings
from specchain.records import RunRecord
from specchain.steps import ChainStep
from specchain.store import StoreError
from specchain.workspace import RunService

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024  # 200 briefs of five full fields are about 6.5 MB of text (UTF-16: twice that)
MAX_ROWS = 200  # briefs per file: a workshop's worth, and a batch that ends in minutes, not hours
MAX_COLUMNS = 60  # columns read per row; anything further right is ignored
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # an .xlsx is a zip: refuse one that unpacks to more (a "zip bomb")
HEADING_ROWS_SEARCHED = 10  # the headings may sit under a title or a note: looked for in the first rows
READ_AT_MOST = MAX_ROWS + HEADING_ROWS_SEARCHED + 1  # rows with text read before a file is known to be too long
EMPTY_ROWS_SCANNED = 1000  # an .xlsx formatted down to row 1,048,576: stop after this many empty rows in a row
IN_FLIGHT = 2  # runs at a time; Claude's own queue (in its provider) keeps every run within the rate limits
FAILURES_TO_HALT = 3  # this many rows in a row failing (a refused key, no network) stops starting new ones

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx (an encrypted container)
ZIP_MAGIC = b"PK\x03\x04"
SEPARATORS = (",", ";", "\t", "|")


class SheetError(ValueError):
    """A file that can't be read as briefs. The message says why, and what to do, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BriefRow:
    """One brief of the file."""

    number: int  # the row's number as the spreadsheet shows it (the headings are usually row 1)
    values: dict[str, str]  # field key → text
    problems: dict[str, str]  # field key → what to change, as the brief form says it; empty when ready

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def name(self) -> str:
        return " ".join(self.values.get("app_name", "").split())


@dataclass(frozen=True)
class BriefSheet:
    rows: tuple[BriefRow, ...]
    notes: tuple[str, ...] = ()  # what was read differently from how it was written (ignored columns, sheets)

    @property
    def ready(self) -> tuple[BriefRow, ...]:
        return tuple(row for row in self.rows if row.ready)

    @property
    def with_problems(self) -> tuple[BriefRow, ...]:
        return tuple(row for row in self.rows if not row.ready)


# ── reading a file ───────────────────────────────────────────────────────────────────────────────────────────
def read_briefs(data: bytes, file_name: str, fields: Sequence[FieldSpec]) -> BriefSheet:
    """The briefs of an uploaded CSV or .xlsx file, each checked. Raises SheetError for a file that can't be used.

    The content decides how the file is read, not its name: a workbook renamed .csv is read as a workbook."""
    if not data.strip():
        raise SheetError("The file is empty. Fill in the template (one brief per row) and upload it again.")
    if len(data) > MAX_FILE_BYTES:
        raise SheetError(f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                         f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files, or shorten long cells.")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if data.startswith(OLE_MAGIC):
        raise SheetError(
            "This file is password-protected, or saved in the old Excel format (.xls), and can't be read. In Excel, "
            "remove the password (File → Info → Protect Workbook) and save it as an Excel Workbook (.xlsx) or as "
            "CSV, then upload it again.")
    if data.startswith(ZIP_MAGIC):
        table, notes = _xlsx_table(data, fields)
        return _briefs(table, fields, notes)
    if extension not in ("xlsx", "xlsm", "xls"):
        return _briefs(_text_table(data, fields), fields, [])
    try:  # some systems export CSV or tab-separated text under an Excel name
        return _briefs(_text_table(data, fields), fields, [])
    except SheetError:
        raise SheetError("This file doesn't look like an Excel workbook: it may be damaged, or another kind of file "
                         "renamed. Open it in Excel and save it again as .xlsx (or CSV), then upload it.") from None


Table = list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)


def _decode(data: bytes) -> str:
    """Text as spreadsheets save it: UTF-8 (with or without Excel's BOM), UTF-16 ("Unicode text"), or, from older
    Windows Excel, the Windows-1252 code page."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise SheetError("Part of the file can't be read as text (it may be damaged). Save it again as "
                                 "CSV UTF-8 and upload it again.") from error
    sample = data[:4000]
    if sample.count(0) > len(sample) // 4:  # UTF-16 without its mark: every other byte of Latin text is zero
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _clean(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _text_table(data: bytes, fields: Sequence[FieldSpec]) -> Table:
    text = _decode(data)
    if "\x00" in text:
        raise SheetError("This file isn't a spreadsheet saved as CSV (it holds binary data). Upload a .csv or .xlsx "
                         "file; the template shows the layout.")
    # The separator is the one that finds the most field names in the headings (Excel in Germany or France saves
    # with semicolons; "Unicode text" uses tabs).
    lines = [line for line in text.splitlines()[:HEADING_ROWS_SEARCHED * 10] if line.strip()][:HEADING_ROWS_SEARCHED]
    names = _field_names(fields)

    def recognised(separator: str) -> tuple[int, int]:
        found = (0, 0)
        for line in lines:
            try:
                row = next(csv.reader([line], delimiter=separator), [])
            except csv.Error:  # a cell longer than the csv module takes: said when the file is read below
                continue
            found = max(found, (sum(_canonical(cell) in names for cell in row), len(row)))
        return found

    separator = max(SEPARATORS, key=recognised)
    table: Table = []
    filled = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=separator), start=1):
            table.append((number, [_clean(cell) for cell in cells[:MAX_COLUMNS]]))
            filled += any(table[-1][1])
            if filled > READ_AT_MOST:
                break  # over the limit already: _briefs says so
    except csv.Error as error:
        raise SheetError(f"Row {len(table) + 1} of the file can't be read ({error}). A cell may be longer than "
                         "the app accepts, or a quote mark may be missing its pair. Check that row, save again "
                         "and upload.") from error
    return table


def _cell_text(value: Any, number_format: str = "General") -> str:
    """A spreadsheet cell as the PM sees it: 20000 not 20000.0, 99.9% not 0.999, dates without a midnight."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if "%" in number_format:
            value = value * 100
            return f"{round(value, 10):g}%"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    return _clean(str(value))


def _xlsx_table(data: bytes, fields: Sequence[FieldSpec]) -> tuple[Table, list[str]]:
    """The first sheet whose headings name a field (else the first sheet), read without running anything:
    formulas give the values Excel saved with them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, OSError) as error:
        raise SheetError("This file is damaged and can't be opened (it may not have finished uploading or "
                         "saving). Open it in Excel, save it again, and upload it.") from error
    if "xl/workbook.xml" not in names:
        raise SheetError("This file isn't an Excel workbook (it may be a Word file, or a LibreOffice .ods "
                         "spreadsheet). Save the spreadsheet as Excel Workbook (.xlsx) or CSV and upload it.")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise SheetError("This workbook is far larger inside than the briefs it can hold, so it wasn't opened. "
                         "Copy the briefs into the template and upload that.")
    import openpyxl  # loaded on first use: most sessions never upload a workbook

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises anything from KeyError to its own exceptions on a broken file
        log.info("unreadable workbook: %r", error)
        raise SheetError("This workbook is damaged or uses features that can't be read. Open it in Excel, save "
                         "it again as Excel Workbook (.xlsx) or CSV, and upload it.") from error
    try:
        sheets = [sheet for sheet in book.worksheets if hasattr(sheet, "iter_rows")]
        if not sheets:
            raise SheetError("This workbook has no sheet with cells. Put the briefs on the first sheet.")
        field_names = _field_names(fields)
        chosen = sheets[0]
        for sheet in sheets:
            first = next((cells for _, cells in _sheet_rows(sheet) if any(cells)), [])
            if any(_canonical(cell) in field_names for cell in first):
                chosen = sheet
                break
        notes = []
        if len(sheets) > 1:
            others = ", ".join(f"“{sheet.title}”" for sheet in sheets if sheet is not chosen)
            notes.append(f"The briefs were read from the sheet “{chosen.title}”; the other sheets ({others}) were "
                         "not read.")
        table: Table = []
        empty = filled = 0
        for number, cells in _sheet_rows(chosen):
            empty = 0 if any(cells) else empty + 1
            if empty > EMPTY_ROWS_SCANNED:
                break
            table.append((number, cells))
            filled += empty == 0
            if filled > READ_AT_MOST:
                break  # over the limit already: _briefs says so
        return table, notes
    except SheetError:
        raise
    except Exception as error:
        log.info("unreadable sheet: %r", error)
        raise SheetError("Part of this workbook can't be read (it may be damaged). Open it in Excel, save it again "
                         "as .xlsx or CSV, and upload it.") from error
    finally:
        book.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    for row in sheet.iter_rows(max_col=MAX_COLUMNS):
        cells = [cell for cell in row if getattr(cell, "column", None) is not None]
        if not cells:
            continue
        number = cells[0].row
        texts = [""] * max(cell.column for cell in cells)
        for cell in cells:
            texts[cell.column - 1] = _cell_text(cell.value, getattr(cell, "number_format", None) or "General")
        yield number, texts


# ── headings and rows ────────────────────────────────────────────────────────────────────────────────────────
def _canonical(heading: str) -> str:
    """"Product name (required)", "PRODUCT_NAME", " product name: " → "productname"."""
    text = re.sub(r"\([^)]*\)", " ", unicodedata.normalize("NFKC", heading))
    return "".join(char for char in text.casefold() if char.isalnum())


def _field_names(fields: Sequence[FieldSpec]) -> dict[str, str]:
    """Every way a heading may name a field (its id, its label, its label's words before a colon) → field key."""
    names: dict[str, str] = {}
    for spec in fields:
        for name in (spec.key, spec.label, spec.label.split(":")[0]):
            names.setdefault(_canonical(name), spec.key)
    return names


def column_letter(index: int) -> str:
    """0 → "A", 26 → "AA": how a spreadsheet names its columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _briefs(table: Table, fields: Sequence[FieldSpec], notes: list[str]) -> BriefSheet:
    rows = [(number, cells) for number, cells in table if any(cells)]
    if not rows:
        raise SheetError("The file has no briefs in it. Fill in the template (one brief per row) and upload it.")
    names = _field_names(fields)
    # The headings are the first row naming a question (a title or a note may sit above them), else the first row.
    first = next((index for index, (_, cells) in enumerate(rows[:HEADING_ROWS_SEARCHED])
                  if any(_canonical(cell) in names for cell in cells)), 0)
    rows = rows[first:]
    heading_row, headings = rows[0]
    labels = {spec.key: spec.label for spec in fields}
    columns: dict[int, str] = {}
    for index, heading in enumerate(headings):
        key = names.get(_canonical(heading))
        if not heading:
            if any(index < len(cells) and cells[index] for _, cells in rows[1:]):
                notes.append(f"Column {column_letter(index)} has no heading, so it was not read.")
        elif key is None:
            notes.append(f"Column {column_letter(index)} (“{heading}”) isn't one of the brief's questions, so it "
                         "was not read.")
        elif key in columns.values():
            notes.append(f"Column {column_letter(index)} (“{heading}”) repeats “{labels[key]}”: only the first "
                         "such column was read.")
        else:
            columns[index] = key
    expected = ", ".join(f"“{spec.label}”" for spec in fields)
    if not columns:
        raise SheetError(f"The first row of the file (row {heading_row}) should name the columns: {expected}. "
                         "None of them was found. Download the template to see the layout.")
    missing = [spec for spec in fields if spec.required and spec.key not in columns.values()]
    if missing:
        raise SheetError(f"There is no “{missing[0].label}” column, and every brief needs one. Add that column "
                         f"(the headings are {expected}) and upload the file again.")
    briefs = rows[1:]
    if not briefs:
        raise SheetError("The file has the headings but no briefs under them. Add one brief per row and upload it.")
    if len(briefs) > MAX_ROWS:
        raise SheetError(f"The file has more than {MAX_ROWS} briefs; at most {MAX_ROWS} can be made at once. "
                         f"Split it into files of {MAX_ROWS} rows or fewer and upload them one after another.")
    specs = list(fields)
    checked = []
    for number, cells in briefs:
        values = {spec.key: "" for spec in fields}
        for index, key in columns.items():
            if index < len(cells):
                values[key] = cells[index]
        if not any(values.values()):
            continue  # only unread columns filled in: nothing of a brief
        checked.append(BriefRow(number=number, values=values, problems=validation_problems(specs, values)))
    if not checked:
        raise SheetError("None of the rows has anything under the brief's headings. Fill in at least the "
                         f"“{labels.get('app_name', specs[0].label)}” column and upload the file again.")
    return BriefSheet(rows=tuple(checked), notes=tuple(notes))


def problem_lines(row: BriefRow, fields: Sequence[FieldSpec]) -> list[str]:
    """A row's problems in the order of the form's questions."""
    return [row.problems[spec.key] for spec in fields if spec.key in row.problems]


# ── the template ─────────────────────────────────────────────────────────────────────────────────────────────
def template_rows(step: ChainStep) -> tuple[list[str], list[str]]:
    """The headings (the questions' labels) and one example brief."""
    example = step.examples[0].values if step.examples else {}
    return [spec.label for spec in step.fields], [example.get(spec.key, "") for spec in step.fields]


def template_csv(step: ChainStep) -> bytes:
    """UTF-8 with Excel's byte-order mark, so Excel shows accents and non-Latin names as they are."""
    headings, example = template_rows(step)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerow(example)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(step: ChainStep) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    headings, example = template_rows(step)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Briefs"
    sheet.append(headings)
    sheet.append(example)
    for index, spec in enumerate(step.fields):
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = 24 if spec.lines == 1 else 48
        sheet[f"{letter}1"].font = Font(bold=True)
        for cell in (sheet[f"{letter}1"], sheet[f"{letter}2"]):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cost_range(rows: Sequence[BriefRow], step: ChainStep, settings: EngineSettings) -> tuple[float, float] | None:
    """What Claude would cost for these briefs at list prices (each prompt plus a typical document), or None when
    the model has no listed price (a local server)."""
    from specchain.catalog import cost_range as one
    from specchain.catalog import load_catalog

    model = load_catalog().info(settings.model)
    if not model.input_per_mtok:
        return None
    ranges = [one(model, step.render(ChainInputs(values=dict(row.values))).text, settings.max_tokens) for row in rows]
    return sum(low for low, _ in ranges), sum(high for _, high in ranges)


# ── the documents as a zip ───────────────────────────────────────────────────────────────────────────────────
Format = Literal["markdown", "html", "docx", "pdf"]
FORMATS: dict[str, tuple[str, str]] = {  # format → (what the PM reads, file extension)
    "markdown": ("Markdown (.md)", "md"),
    "html": ("Web page (.html)", "html"),
    "docx": ("Word (.docx)", "docx"),
    "pdf": ("PDF (.pdf)", "pdf"),
}


def export_meta(record: RunRecord, step: ChainStep, *, charts: bool = True) -> ExportMeta:
    """The same title block and charts as the Document page's downloads (Markdown has no charts)."""
    from specchain.facts import capacity, read_facts
    from specchain.facts.charts import chart_set

    inputs = record.inputs
    facts = read_facts(inputs.values, inputs.answers, inputs.corrections) if charts else None
    return ExportMeta(app_name=step.neutralised(inputs).values.get("app_name", ""),
                      engine_label=record.settings.label, created=f"{record.started_at:%Y-%m-%d %H:%M} UTC",
                      version=record.version, charts=chart_set(facts, capacity(facts)) if facts else None,
                      unfinished="" if record.finished else record.stop_label)


def file_names(records: Sequence[RunRecord], step: ChainStep, extension: str) -> list[str]:
    """One file name per document, from its product name in any script; an unfinished one says so; two products
    of the same name (or names that differ only in case or punctuation) get "-2", "-3"."""
    taken: set[str] = set()
    names = []
    for record in records:
        app_name = step.neutralised(record.inputs).values.get("app_name", "")
        stem = file_stem(app_name, f"v{record.version}") + ("" if record.finished else "-unfinished")
        name, copy = f"{stem}.{extension}", 1
        while name.casefold() in taken:
            copy += 1
            name = f"{stem}-{copy}.{extension}"
        taken.add(name.casefold())
        names.append(name)
    return names


def document_bytes(record: RunRecord, step: ChainStep, fmt: str) -> bytes:
    if fmt == "markdown":
        return to_markdown(record.document, export_meta(record, step, charts=False))
    convert = {"html": to_html, "docx": to_docx, "pdf": to_pdf}[fmt]
    return convert(record.document, export_meta(record, step))


class ZipBuild:
    """A zip made on a thread of its own, a document at a time, so that a page can show how far it is: Word and
    PDF take about a second per document (most of it drawing the capacity charts), 200 of them a few minutes.

    A document that can't be converted is left out and named in `failed`; the rest are still zipped."""

    def __init__(self, records: Sequence[RunRecord], step: ChainStep, fmt: str) -> None:
        self.format = fmt
        self.total = sum(record.wrote_document for record in records)
        self.failed: list[str] = []  # file names left out, each with why
        self.result: bytes | None = None
        self._records = list(records)
        self._step = step
        self._made = 0
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._changed = threading.Condition()
        threading.Thread(target=self._build, name=f"zip-{fmt}", daemon=True).start()

    @property
    def made(self) -> int:
        return self._made

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self._made != seen or self.done, timeout)
            return self._made

    def _build(self) -> None:
        from specchain.exports import ExportError

        try:
            with_text = [record for record in self._records if record.wrote_document]
            out = io.BytesIO()
            compression = zipfile.ZIP_STORED if self.format in ("docx", "pdf") else zipfile.ZIP_DEFLATED
            with zipfile.ZipFile(out, "w", compression) as archive:
                names = file_names(with_text, self._step, FORMATS[self.format][1])
                for name, record in zip(names, with_text, strict=True):
                    if self._cancel.is_set():
                        return
                    try:
                        archive.writestr(name, document_bytes(record, self._step, self.format))
                    except ExportError as error:
                        self.failed.append(f"{name}: {error}")
                    with self._changed:
                        self._made += 1
                        self._changed.notify_all()
            self.result = out.getvalue()
        except Exception:  # a bug: say so rather than leave the page waiting
            log.exception("zip of %s documents failed", self.format)
            self.failed.append("The zip could not be made: something went wrong inside Spec Chain Studio.")
        finally:
            with self._changed:
                self._done.set()
                self._changed.notify_all()


def zip_documents(records: Sequence[RunRecord], step: ChainStep, fmt: str) -> bytes:
    """Every document that has text, in one format, in one zip (names in UTF-8, as every unzip tool reads them)."""
    build = ZipBuild(records, step, fmt)
    build.wait()
    if build.result is None:
        raise RuntimeError("; ".join(build.failed))
    return build.result


# ── many runs ────────────────────────────────────────────────────────────────────────────────────────────────
RowState = Literal["waiting", "queued", "writing", "done", "unfinished", "failed", "not_started"]
STATE_LABELS: dict[str, str] = {
    "waiting": "Waiting",
    "queued": "Waiting for its turn",  # started, but in Claude's queue: nothing sent yet
    "writing": "In progress",
    "done": "Done",
    "unfinished": "Unfinished",
    "failed": "No document",
    "not_started": "Not started",
}


@dataclass(frozen=True)
class RowStatus:
    row: BriefRow
    state: RowState = "waiting"
    detail: str = "Waiting for its turn"
    fraction: float = 0.0  # of this row's document, 0 to 1
    token: str | None = None  # its workspace: the link's token
    record: RunRecord | None = None  # how its run ended

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def ended(self) -> bool:
        return self.state in ("done", "unfinished", "failed", "not_started")

    @property
    def wrote(self) -> bool:
        """Whether this row has a document (finished or not) to read and download."""
        return self.state in ("done", "unfinished")

    @property
    def opens(self) -> str:
        """The page its link opens: its document once it has one; the Generate page (which says why) when its run
        wrote nothing; its brief when it never ran."""
        if self.wrote:
            return "document"
        return "generate" if self.record is not None and self.state == "failed" else ""


def written_records(statuses: Sequence[RowStatus]) -> list[RunRecord]:
    """The versions the rows wrote, in the file's order (finished and unfinished; attempts that wrote nothing not)."""
    return [s.record for s in statuses if s.record is not None and s.record.wrote_document]


def count_written(statuses: Sequence[RowStatus]) -> int:
    return sum(status.wrote for status in statuses)


def tally(statuses: Sequence[RowStatus]) -> str:
    """"2 of 25 documents written · 1 of them unfinished · 3 with no document · 19 not started": what the rows came
    to, counting documents, never rows merely handled."""
    count = {state: sum(s.state == state for s in statuses) for state in STATE_LABELS}
    written, total = count_written(statuses), len(statuses)
    parts = [f"{written} of {total} document{'s' if total != 1 else ''} written"]
    if count["unfinished"]:
        parts.append(f"{count['unfinished']} of them unfinished (kept as written)")
    parts += [f"{count[state]} {words}" for state, words in (("queued", "waiting for their turn"),
              ("writing", "being written"), ("failed", "with no document"), ("not_started", "not started"))
              if count[state]]
    return " · ".join(parts)


SummaryKind = Literal["success", "warning", "nothing"]


def summary(statuses: Sequence[RowStatus], *, stopped: bool) -> tuple[SummaryKind, str]:
    """How a batch ended, for the results' heading line: a success only when every row has its finished document."""
    written = count_written(statuses)
    if statuses and all(s.state == "done" for s in statuses):
        kind: SummaryKind = "success"
    else:
        kind = "warning" if written else "nothing"
    opening = "Stopped" if stopped and kind != "success" else "Finished"
    return kind, f"{opening}: {tally(statuses)}."


class BatchRun:
    """The rows' runs, a few at a time, on a thread of their own: the page only reads statuses() and asks to stop.

    Every row first gets a workspace of its own with its brief saved (so each has a link even if it never runs),
    then its run is started through the RunService like any other run, so it is saved as it goes, filed as a
    version, and (for Claude) queued by the provider within the rate limits."""

    def __init__(self, service: RunService, step: ChainStep, rows: Sequence[BriefRow], settings: EngineSettings, *,
                 api_key: str = "", key_source: str = "session", in_flight: int = IN_FLIGHT) -> None:
        self.service = service
        self.step = step
        self.settings = settings
        self._api_key = api_key
        self._key_source = key_source
        self._in_flight = max(1, in_flight)
        self._statuses = [RowStatus(row=row) for row in rows]
        self._jobs: dict[int, Any] = {}  # row index → its RunJob while it runs
        self._running = 0
        self._failures_in_a_row = 0
        self._stop = threading.Event()
        self.halted: str | None = None  # why no more rows were started, when it wasn't Stop
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._changes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._dispatch, name="batch", daemon=True)

    def start(self) -> BatchRun:
        self._thread.start()
        return self

    # ── what the page reads ──────────────────────────────────────────────────────────────────────────────────
    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() and not self.done

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """Block until a row started or ended since change number `seen` (or the timeout)."""
        with self._changed:
            self._changed.wait_for(lambda: self._changes != seen, timeout)
            return self._changes

    def statuses(self) -> tuple[RowStatus, ...]:
        """Every row as it is now; a row being written with its section and share of the document."""
        with self._lock:
            statuses = list(self._statuses)
            jobs = dict(self._jobs)
        for index, job in jobs.items():
            if statuses[index].state == "writing":
                statuses[index] = self._writing(statuses[index], job)
        return tuple(statuses)

    def overall(self, statuses: Sequence[RowStatus] | None = None) -> float:
        """How much of the batch's documents is written (0 to 1): a row with no document counts nothing, so a batch
        that wrote nothing never shows a full bar."""
        statuses = statuses if statuses is not None else self.statuses()
        if not statuses:
            return 1.0
        return sum(1.0 if status.wrote else 0.0 if status.ended else status.fraction
                   for status in statuses) / len(statuses)

    def records(self) -> list[RunRecord]:
        """The versions written, in the file's order (finished and unfinished; attempts that wrote nothing not)."""
        return written_records(self.statuses())

    def _writing(self, status: RowStatus, job: Any) -> RowStatus:
        progress = job.progress()
        total = len(self.step.sections) or 1
        place = getattr(progress, "queue", None)  # its place at Claude's fair queue while it waits for its turn
        if progress.stopping:
            detail = "Leaving the queue…" if progress.state == "queued" else "Stopping… keeping what was written"
        elif progress.state == "queued":  # nothing sent yet: it waits its turn, first come first served
            detail = f"{place.describe()} (Claude takes requests in turn)" if place else "Waiting for Claude…"
            return replace(status, state="queued", detail=detail, fraction=0.0)
        elif progress.notice:
            detail = progress.notice
        elif progress.state == "connecting":
            detail = "Connecting…"
        elif progress.state == "planning":
            detail = "Analysing the requirements…"
        elif progress.position:
            number, title = progress.position
            detail = f"Writing {number} of {total}: {title}"
        else:
            detail = "Writing…"
        fraction = (progress.position[0] - 0.5) / total if progress.position else 0.02
        return replace(status, detail=detail, fraction=min(max(fraction, 0.0), 0.99))

    # ── stopping ─────────────────────────────────────────────────────────────────────────────────────────────
    def request_stop(self) -> None:
        """Start no more rows, and stop the ones being written (each keeps what it wrote). Returns at once."""
        with self._changed:
            if self._stop.is_set():
                return
            self._stop.set()
            jobs = list(self._jobs.values())
            self._not_started("Not started: you pressed Stop.")
        for job in jobs:
            job.request_stop()

    def _not_started(self, reason: str) -> None:  # caller holds the lock
        for index, status in enumerate(self._statuses):
            if status.state == "waiting":
                saved = " Its brief is saved under its link." if status.token else ""
                self._statuses[index] = replace(status, state="not_started", detail=reason + saved)
        self._notify()

    def _notify(self) -> None:  # caller holds the lock
        self._changes += 1
        self._changed.notify_all()

    # ── the thread ───────────────────────────────────────────────────────────────────────────────────────────
    def _dispatch(self) -> None:
        try:
            for index in range(len(self._statuses)):  # every row's workspace first: each has a link at once
                if self._stop.is_set():
                    break
                self._create_workspace(index)
            for index in range(len(self._statuses)):
                with self._changed:
                    self._changed.wait_for(lambda: self._stop.is_set() or self._running < self._in_flight)
                    if self._stop.is_set():
                        break
                    if self._statuses[index].state != "waiting":
                        continue
                    self._running += 1
                self._start_row(index)
            with self._changed:
                self._changed.wait_for(lambda: self._running == 0)
        except Exception:  # a bug: say so on every row that didn't get its turn, keep what was written
            log.exception("batch dispatcher failed")
            with self._changed:
                self.halted = "Something went wrong inside Spec Chain Studio; the rows not started yet were left."
        finally:
            with self._changed:
                self._not_started("Not started.")
                self._done.set()
                self._notify()

    def _create_workspace(self, index: int) -> None:
        status = self._statuses[index]
        try:
            token = self.service.store.create_workspace(self.step.id, values=dict(status.row.values),
                                                        settings=self.settings)
        except StoreError as error:
            self._end(index, replace(status, state="failed", detail=error.message), counted=False)
            return
        with self._changed:
            self._statuses[index] = replace(self._statuses[index], token=token)
            self._notify()

    def _start_row(self, index: int) -> None:
        status = self._statuses[index]
        assert status.token is not None
        try:
            job = self.service.start(status.token, self.step, ChainInputs(values=dict(status.row.values)),
                                     self.settings, api_key=self._api_key, key_source=self._key_source)
        except StoreError as error:
            self._end(index, replace(status, state="failed", detail=error.message))
            return
        except Exception:
            log.exception("row %s could not start", status.row.number)
            self._end(index, replace(status, state="failed", detail="Something went wrong inside Spec Chain "
                                     "Studio, so this brief was not written. Open its link to try it alone."))
            return
        with self._changed:
            self._jobs[index] = job
            self._statuses[index] = replace(status, state="writing", detail="Starting…")
            stop = self._stop.is_set()
            self._notify()
        if stop:
            job.request_stop()
        threading.Thread(target=self._follow, args=(index, job), name=f"batch-row-{status.row.number}",
                         daemon=True).start()

    def _follow(self, index: int, job: Any) -> None:
        job.wait()  # set once the version is filed in the store
        record: RunRecord | None = job.progress().record
        status = self._statuses[index]
        if record is None:
            ended = replace(status, state="failed", detail="This run ended without a result.")
        elif record.finished:
            ended = replace(status, state="done", detail=f"Version {record.version} is ready", fraction=1.0,
                            record=record)
        elif not record.wrote_document and self._stop.is_set() and self.halted is None:
            ended = replace(status, state="not_started", record=record,
                            detail="Stopped before any of it was written. Its brief is saved under its link.")
        elif record.wrote_document:
            # Its bar stays where it stopped, as it was drawn while it was written (some text: never an empty bar).
            found = len(check_document(record.document, self.step).found)
            written = (found - 0.5) / (len(self.step.sections) or 1) if found else 0.02
            ended = replace(status, state="unfinished", record=record, fraction=min(max(written, 0.02), 0.99),
                            detail=f"Version {record.version} is unfinished ({record.stop_label.lower()}); what "
                            "was written is kept")
        else:
            ended = replace(status, state="failed", record=record, detail=record.no_document_reason)
        self._end(index, ended)

    def _end(self, index: int, status: RowStatus, *, counted: bool = True) -> None:
        with self._changed:
            self._statuses[index] = status
            self._jobs.pop(index, None)
            if counted:
                self._running -= 1
            stopped_by_user = self._stop.is_set()
            if status.state == "failed" and not stopped_by_user:
                self._failures_in_a_row += 1
            elif status.state in ("done", "unfinished"):
                self._failures_in_a_row = 0
            left = any(s.state == "waiting" for s in self._statuses)  # with none left, there is nothing to halt
            if self._failures_in_a_row >= FAILURES_TO_HALT and not self._stop.is_set() and left:
                self.halted = (f"{FAILURES_TO_HALT} briefs in a row produced no document, so the rest were not "
                               f"started. The last one said: {status.detail}")
                self._stop.set()
                self._not_started("Not started (see the message above).")
            self._notify()


# A reload (a new browser session) finds its batch again through the page's address (?batch=…): runs live in this
# process, so the batches do too. The id is unguessable, like a work link: it opens every row's link.
KEEP_BATCHES = 20  # each holds its documents (about 30 KB each) until forgotten
_batches: dict[str, BatchRun] = {}
_batches_lock = threading.Lock()


def remember(run: BatchRun) -> str:
    """Keep a batch findable by a new id; the oldest finished ones are forgotten beyond KEEP_BATCHES."""
    batch_id = secrets.token_urlsafe(24)
    with _batches_lock:
        _batches[batch_id] = run
        for old in [key for key, kept in _batches.items() if kept.done][: max(0, len(_batches) - KEEP_BATCHES)]:
            del _batches[old]
    return batch_id


def find(batch_id: str) -> BatchRun | None:
    with _batches_lock:
        return _batches.get(batch_id)


def links_csv(statuses: Iterable[RowStatus], link: Any) -> bytes:
    """The list of results with each row's link, to keep (Excel-friendly UTF-8). link: (token, page) → address,
    the page being the one the row's link opens (RowStatus.opens)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row", "Product name", "Result", "Details", "Link to its work"])
    for status in statuses:
        writer.writerow([status.row.number, status.row.name, status.label, status.detail,
                         link(status.token, status.opens) if status.token else ""])
    return out.getvalue().encode("utf-8-sig")
