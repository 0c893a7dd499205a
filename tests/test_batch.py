"""Many briefs at once, the core: reading CSV and .xlsx files as spreadsheets save them, checking every row, the
template, the runs (offline and Claude through the stand-in), Stop, and the zip of the documents."""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from datetime import date

import docx
import openpyxl
import pytest

from specchain import batch
from specchain.batch import BatchRun, BriefRow, SheetError, read_briefs
from specchain.drafting import draft_document
from specchain.exports import ExportMeta, to_markdown
from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings
from specchain.steps import load_step
from specchain.workspace import RunService, Workspace
from tests.fake_anthropic import FakeAnthropic

STEP = load_step()
FIELDS = STEP.fields
LABELS = [spec.label for spec in FIELDS]
OFFLINE = EngineSettings(engine="offline")
SONNET = EngineSettings(engine="claude", model="claude-sonnet-5-5")


def csv_bytes(rows: list[list[str]], *, separator: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=separator).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def names(sheet: batch.BriefSheet) -> list[tuple[int, str]]:
    return [(row.number, row.name) for row in sheet.rows]


def sheet_error(data: bytes, file_name: str = "briefs.csv") -> str:
    with pytest.raises(SheetError) as caught:
        read_briefs(data, file_name, FIELDS)
    return caught.value.message


# ── CSV as spreadsheets save it ──────────────────────────────────────────────────────────────────────────────
BRIEFS = [LABELS, ["Café Zürich", "2,000 guests a day", "", "Django; PostgreSQL", ""],
          ["タスク管理", "1万 users", "99.9% uptime", "", "3x in a year"]]


@pytest.mark.parametrize(("encoding", "separator"), [
    ("utf-8", ","), ("utf-8-sig", ","),  # Excel's "CSV UTF-8" starts with a byte-order mark
    ("utf-16", "\t"),  # Excel's "Unicode Text": UTF-16 with a mark, tab-separated
    ("utf-8-sig", ";"),  # Excel where the decimal comma is used (Germany, France): semicolons
    ("utf-16-le", ","),  # UTF-16 without a mark
])
def test_csv_in_every_encoding_and_separator_excel_saves(encoding: str, separator: str) -> None:
    sheet = read_briefs(csv_bytes(BRIEFS, separator=separator, encoding=encoding), "briefs.csv", FIELDS)
    assert names(sheet) == [(2, "Café Zürich"), (3, "タスク管理")]
    assert sheet.rows[0].values["technical_stack"] == "Django; PostgreSQL"
    assert sheet.rows[1].values["expected_load"] == "1万 users" and sheet.notes == ()


def test_csv_from_old_windows_excel_in_its_code_page() -> None:
    data = csv_bytes([LABELS, ["Café Zürich – Süd", "2.000 Gäste", "", "", ""]], separator=";", encoding="cp1252")
    assert names(read_briefs(data, "briefs.csv", FIELDS)) == [(2, "Café Zürich – Süd")]


def test_quoted_newlines_stay_in_their_cell_and_rows_are_numbered_as_the_spreadsheet_shows_them() -> None:
    data = (b'Product name,Expected load\r\n"Acme","line one\r\nline two\r\n\r\nline four"\r\n\r\n,\r\n'
            b'"Beta ""quoted""",x\r\n')
    sheet = read_briefs(data, "briefs.csv", FIELDS)
    # Excel shows a cell with line breaks as one row; blank rows still take a number.
    assert names(sheet) == [(2, "Acme"), (5, 'Beta "quoted"')]
    assert sheet.rows[0].values["expected_load"] == "line one\nline two\n\nline four"


def test_headings_by_label_or_id_in_any_case_and_spacing() -> None:
    data = csv_bytes([[" APP_NAME ", "expected load", "Speed and Reliability Targets:", "technical_stack",
                       "Product name (required)", "Notes"], ["Acme", "5k users", "2 s", "Go", "Again", "n/a"]])
    sheet = read_briefs(data, "briefs.csv", FIELDS)
    assert sheet.rows[0].values == {"app_name": "Acme", "expected_load": "5k users",
                                    "performance_requirements": "2 s", "technical_stack": "Go",
                                    "growth_projections": ""}
    assert sheet.notes == (("Column E (“Product name (required)”) repeats “Product name”: only the first such "
                            "column was read."),
                           "Column F (“Notes”) isn't one of the brief's questions, so it was not read.")


def test_a_column_with_data_but_no_heading_is_noted() -> None:
    sheet = read_briefs(csv_bytes([["Product name", ""], ["Acme", "stray"]]), "b.csv", FIELDS)
    assert sheet.notes == ("Column B has no heading, so it was not read.",)


def test_the_headings_may_be_below_empty_rows() -> None:
    sheet = read_briefs(b"\r\n,,\r\nProduct name\r\nAcme\r\n", "b.csv", FIELDS)
    assert names(sheet) == [(4, "Acme")]


@pytest.mark.parametrize(("data", "says"), [
    (b"", "The file is empty"),
    (b"  \r\n", "The file is empty"),
    (b"Name,Load\r\nAcme,1\r\n", "should name the columns: “Product name”, “Expected load"),
    (b"Expected load,Technical stack\r\n1k,Go\r\n", "There is no “Product name” column"),
    (b"Product name,Expected load\r\n", "has the headings but no briefs"),
    (b"Product name,Notes\r\n,hello\r\n", "None of the rows has anything under the brief's headings"),
    (b"Product name\r\n\x00\x01\x02\x03binary", "isn't a spreadsheet saved as CSV"),
    (b"Product name\r\n\"" + b"x" * 200_000 + b"\"\r\n", "can't be read"),
])
def test_files_that_cannot_be_used_say_why_and_what_to_do(data: bytes, says: str) -> None:
    assert says in sheet_error(data)


def test_limits_on_rows_and_size() -> None:
    rows = [["Product name"]] + [[f"Product {n}"] for n in range(batch.MAX_ROWS)]
    assert len(read_briefs(csv_bytes(rows), "b.csv", FIELDS).rows) == batch.MAX_ROWS
    message = sheet_error(csv_bytes(rows + [["One too many"]]))
    assert f"more than {batch.MAX_ROWS} briefs" in message and "Split it" in message
    big = b"Product name\r\n" + b"x" * batch.MAX_FILE_BYTES
    assert "the limit is 10 MB" in sheet_error(big)


# ── .xlsx ────────────────────────────────────────────────────────────────────────────────────────────────────
def test_xlsx_values_read_as_the_pm_sees_them() -> None:
    data = xlsx_bytes(("Briefs", [LABELS, ["Acme", 20000, 0.999, date(2027, 1, 31), 2.5],
                                  [None, None, None, None, None], ["Beta", "1.5 TB", "", True, 20000.0]]))
    book = openpyxl.load_workbook(io.BytesIO(data))  # a percentage formatted as such in Excel
    book["Briefs"]["C2"].number_format = "0.0%"
    out = io.BytesIO()
    book.save(out)
    sheet = read_briefs(out.getvalue(), "briefs.xlsx", FIELDS)
    assert names(sheet) == [(2, "Acme"), (4, "Beta")]
    assert sheet.rows[0].values == {"app_name": "Acme", "expected_load": "20000", "performance_requirements": "99.9%",
                                    "technical_stack": "2027-01-31", "growth_projections": "2.5"}
    assert sheet.rows[1].values["technical_stack"] == "TRUE" and sheet.rows[1].values["growth_projections"] == "20000"


def test_xlsx_briefs_on_another_sheet_are_found_and_the_others_noted() -> None:
    data = xlsx_bytes(("Read me", [["How to fill this in"], ["One row per product"]]),
                      ("Briefs", [["app_name", "growth_projections"], ["Acme", "2x"], ["Beta", ""]]))
    sheet = read_briefs(data, "briefs.xlsx", FIELDS)
    assert names(sheet) == [(2, "Acme"), (3, "Beta")]
    assert sheet.notes == (("The briefs were read from the sheet “Briefs”; the other sheets (“Read me”) were not "
                            "read."),)


def test_the_content_decides_not_the_name() -> None:
    workbook = xlsx_bytes(("Sheet1", [["Product name"], ["Acme"]]))
    assert names(read_briefs(workbook, "renamed.csv", FIELDS)) == [(2, "Acme")]
    assert names(read_briefs(b"Product name\r\nAcme\r\n", "exported.xls", FIELDS)) == [(2, "Acme")]


def zip_with(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("data", "name", "says"), [
    (batch.OLE_MAGIC + b"\x00" * 600, "briefs.xlsx", "password-protected, or saved in the old Excel format"),
    (xlsx_bytes(("S", [["Product name"], ["Acme"]]))[:1500], "briefs.xlsx", "damaged"),
    (b"PK\x03\x04 not really a zip", "briefs.xlsx", "damaged"),
    (zip_with({"word/document.xml": b"<w/>"}), "briefs.xlsx", "isn't an Excel workbook"),
    (zip_with({"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"junk"}), "briefs.xlsx", "damaged"),
    (zip_with({"xl/workbook.xml": b"<workbook/>", "xl/big.xml": b"\x00" * (batch.MAX_UNPACKED_BYTES + 1)}),
     "briefs.xlsx", "far larger inside"),  # a zip bomb: a few kilobytes that unpack to 60 MB
    (b"just some text", "briefs.xlsx", "doesn't look like an Excel workbook"),
])
def test_bad_workbooks_say_so_plainly(data: bytes, name: str, says: str) -> None:
    assert says in sheet_error(data, name)


def test_a_workbook_over_the_row_limit_is_refused_without_reading_to_its_end() -> None:
    rows: list[list[object]] = [["Product name"]] + [[f"P{n}"] for n in range(batch.MAX_ROWS + 50)]
    assert f"more than {batch.MAX_ROWS} briefs" in sheet_error(xlsx_bytes(("S", rows)), "b.xlsx")


# ── every row checked as the brief form checks it ────────────────────────────────────────────────────────────
def test_every_row_is_checked_with_the_brief_forms_own_messages() -> None:
    data = csv_bytes([LABELS, ["Acme", "", "", "", ""], ["   ", "5k users", "", "", ""],
                      ["Long", "x" * 8001, "", "", "y" * 9000], ["N" * 201, "", "", "", ""]])
    sheet = read_briefs(data, "briefs.csv", FIELDS)
    assert [row.number for row in sheet.ready] == [2]
    assert [row.number for row in sheet.with_problems] == [3, 4, 5]
    assert batch.problem_lines(sheet.rows[1], FIELDS) == ["Please fill in “Product name”: the document needs it."]
    assert batch.problem_lines(sheet.rows[2], FIELDS) == [
        ("“Expected load: users, activity and data” is 8,001 characters long; the limit is 8,000. Please shorten "
         "it by 1 character (a summary works well)."),
        ("“Expected growth over 1 to 3 years” is 9,000 characters long; the limit is 8,000. Please shorten it by "
         "1,000 characters (a summary works well).")]
    assert "“Product name” is 201 characters long; the limit is 200" in batch.problem_lines(sheet.rows[3], FIELDS)[0]


# ── the template ─────────────────────────────────────────────────────────────────────────────────────────────
def test_the_templates_read_back_as_the_example_brief() -> None:
    example = STEP.examples[0]
    csv_template = batch.template_csv(STEP)
    assert csv_template.startswith(codecs.BOM_UTF8)  # Excel opens it with its accents and scripts intact
    for data, name in ((csv_template, "many-briefs-template.csv"), (batch.template_xlsx(STEP), "t.xlsx")):
        sheet = read_briefs(data, name, FIELDS)
        assert [row.values for row in sheet.rows] == [example.values] and sheet.rows[0].ready
    headings = next(csv.reader(io.StringIO(csv_template.decode("utf-8-sig"))))
    assert headings == LABELS


# ── runs ─────────────────────────────────────────────────────────────────────────────────────────────────────
def rows(*values: dict[str, str]) -> list[BriefRow]:
    return [BriefRow(number=n, values=v, problems={}) for n, v in enumerate(values, start=2)]


def fresh_service() -> RunService:
    return Workspace().service


def test_offline_every_row_becomes_a_workspace_with_its_version() -> None:
    service = fresh_service()
    briefs = rows({"app_name": "Acme", "expected_load": "5,000 users"}, {"app_name": "Beta"},
                  {"app_name": "Acme"})
    run = BatchRun(service, STEP, briefs, OFFLINE).start()
    assert run.wait(60)
    statuses = run.statuses()
    assert [s.state for s in statuses] == ["done"] * 3 and run.overall() == 1.0
    assert len({s.token for s in statuses}) == 3
    for status, brief in zip(statuses, briefs, strict=True):
        state = service.store.load_workspace(status.token)
        assert state is not None and state.values == brief.values and [v.version for v in state.versions] == [1]
        saved = service.store.get_version(status.token, 1)
        assert saved is not None and saved.document == draft_document(ChainInputs(values=brief.values))
        assert status.record == saved


def test_claude_rows_through_the_stand_in_two_at_a_time(fake_api: FakeAnthropic) -> None:
    fake_api.delay_s, fake_api.chunk_chars = 0.001, 60
    briefs = rows(*({"app_name": f"Product {n}", "expected_load": f"{n},000 users"} for n in range(1, 5)))
    run = BatchRun(fresh_service(), STEP, briefs, SONNET, api_key="test-key").start()
    most = 0
    while not run.done:
        most = max(most, sum(s.state == "writing" for s in run.statuses()))
        time.sleep(0.01)
    assert most == batch.IN_FLIGHT
    assert [s.state for s in run.statuses()] == ["done"] * 4
    for status, brief in zip(run.statuses(), briefs, strict=True):
        assert status.record is not None and status.record.settings == SONNET
        assert status.record.document == draft_document(ChainInputs(values=brief.values))
    sent = [r for r in fake_api.requests if r["body"].get("stream")]
    assert len(sent) == 4 and {r["headers"]["Authorization"] for r in sent} == {"Bearer test-key"}


def test_stop_keeps_what_finished_and_stops_the_rows_being_written(fake_api: FakeAnthropic) -> None:
    fake_api.delay_s, fake_api.chunk_chars = 0.0, 400
    briefs = rows(*({"app_name": f"Product {n}"} for n in range(1, 5)))
    service = fresh_service()
    run = BatchRun(service, STEP, briefs, SONNET, api_key="k", in_flight=1).start()
    deadline = time.monotonic() + 30
    while run.statuses()[0].state != "done":  # the first row finishes at full speed…
        assert time.monotonic() < deadline
        time.sleep(0.01)
    fake_api.delay_s, fake_api.chunk_chars = 0.02, 20  # …the second one crawls
    while not run.statuses()[1].detail.startswith("Writing"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    run.request_stop()
    assert run.wait(10)
    first, second, third, fourth = run.statuses()
    assert first.state == "done" and first.record is not None and first.record.finished
    assert second.state == "unfinished" and second.record is not None and second.record.stop_reason == "stopped"
    assert second.record.document.strip() and "kept" in second.detail
    assert 0 < second.fraction < 1  # its bar shows how much of it was written, never a full bar
    assert [third.state, fourth.state] == ["not_started", "not_started"]
    assert third.detail == "Not started: you pressed Stop. Its brief is saved under its link."
    assert [r.document for r in run.records()] == [first.record.document, second.record.document]
    # Every row has its work: the finished and the stopped one with their version, the others with their brief.
    assert [v.version for v in service.store.load_workspace(second.token).versions] == [1]
    assert service.store.load_workspace(fourth.token).values["app_name"] == "Product 4"
    assert service.store.active_run(second.token) is None  # the stopped run is filed, not left running


def test_rows_failing_one_after_another_halt_the_batch(fake_api: FakeAnthropic) -> None:
    fake_api.default_scenario = "401"
    run = BatchRun(fresh_service(), STEP, rows(*({"app_name": f"P{n}"} for n in range(5))), SONNET,
                   api_key="bad", in_flight=1).start()
    assert run.wait(30)
    assert [s.state for s in run.statuses()] == ["failed"] * 3 + ["not_started"] * 2
    assert run.halted is not None and "3 briefs in a row produced no document" in run.halted
    assert "key" in run.halted.lower() and run.records() == []
    assert run.overall() == 0.0  # nothing written: an empty bar, not a full one
    assert batch.summary(run.statuses(), stopped=run.stopped)[0] == "nothing"
    assert [s.opens for s in run.statuses()] == ["generate"] * 3 + [""] * 2


def test_the_last_rows_failing_halt_nothing(fake_api: FakeAnthropic) -> None:
    """Three failures in a row with no row left to start: no "the rest were not started" (there is no rest)."""
    fake_api.default_scenario = "401"
    run = BatchRun(fresh_service(), STEP, rows(*({"app_name": f"P{n}"} for n in range(3))), SONNET,
                   api_key="bad", in_flight=1).start()
    assert run.wait(30)
    assert [s.state for s in run.statuses()] == ["failed"] * 3 and run.halted is None
    kind, text = batch.summary(run.statuses(), stopped=run.stopped)
    assert kind == "nothing" and "not started" not in text


def test_a_row_waiting_in_claudes_queue_says_so_with_its_place(fake_api: FakeAnthropic,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_MAX_IN_FLIGHT", "1")  # Claude takes one request at a time: the other waits
    fake_api.delay_s, fake_api.chunk_chars = 0.02, 20
    run = BatchRun(fresh_service(), STEP, rows({"app_name": "P1"}, {"app_name": "P2"}), SONNET, api_key="k").start()
    deadline, queued = time.monotonic() + 30, None
    while queued is None:
        assert time.monotonic() < deadline, [s.detail for s in run.statuses()]
        queued = next((s for s in run.statuses() if s.state == "queued"), None)
        time.sleep(0.01)
    assert queued.label == "Waiting for its turn" and queued.fraction == 0.0 and not queued.ended
    assert "ahead of you" in queued.detail or "You're next" in queued.detail
    assert "Claude takes requests in turn" in queued.detail
    run.request_stop()
    assert run.wait(30)


# ── the zip ──────────────────────────────────────────────────────────────────────────────────────────────────
@pytest.fixture(scope="module")
def written() -> list:
    briefs = rows({"app_name": "Café Zürich"}, {"app_name": "Acme"}, {"app_name": "ACME!"}, {"app_name": "タスク管理"},
                  {"app_name": "a/b:c*?"})
    run = BatchRun(fresh_service(), STEP, briefs, OFFLINE).start()
    assert run.wait(60)
    return run.records()


def test_zip_names_keep_every_script_and_never_collide(written: list) -> None:
    data = batch.zip_documents(written, STEP, "markdown")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == [
            "café-zürich-performance-scalability-v1.md", "acme-performance-scalability-v1.md",
            "acme-performance-scalability-v1-2.md", "タスク管理-performance-scalability-v1.md",
            "a-b-c-performance-scalability-v1.md"]
        assert infos[0].flag_bits & 0x800  # names marked UTF-8, so every unzip tool shows them as written
        for info, record in zip(infos, written, strict=True):
            meta = ExportMeta(app_name=record.inputs.values["app_name"], engine_label="", created="", version=1)
            assert archive.read(info) == to_markdown(record.document, meta)


def test_an_unfinished_document_says_so_in_its_name(written: list) -> None:
    cut = written[1].model_copy(update={"stop_reason": "stopped"})
    assert batch.file_names([written[0], cut, written[1]], STEP, "pdf") == [
        "café-zürich-performance-scalability-v1.pdf", "acme-performance-scalability-v1-unfinished.pdf",
        "acme-performance-scalability-v1.pdf"]
    nothing = written[0].model_copy(update={"document": ""})  # an attempt with no text is not a document
    with zipfile.ZipFile(io.BytesIO(batch.zip_documents([nothing], STEP, "markdown"))) as archive:
        assert archive.namelist() == []


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_zip_in_other_formats(written: list, fmt: str) -> None:
    with zipfile.ZipFile(io.BytesIO(batch.zip_documents(written[:2], STEP, fmt))) as archive:
        assert archive.namelist() == [f"café-zürich-performance-scalability-v1.{fmt}",
                                      f"acme-performance-scalability-v1.{fmt}"]
        first = archive.read(archive.namelist()[0])
    if fmt == "html":
        assert b"<title>Performance &amp; Scalability: Caf\xc3\xa9 Z\xc3\xbcrich</title>" in first
    else:
        paragraphs = [p.text for p in docx.Document(io.BytesIO(first)).paragraphs]
        assert "Performance & Scalability: Café Zürich" in paragraphs


def test_zip_as_pdf(written: list) -> None:
    with zipfile.ZipFile(io.BytesIO(batch.zip_documents(written[3:4], STEP, "pdf"))) as archive:
        assert archive.namelist() == ["タスク管理-performance-scalability-v1.pdf"]
        assert archive.read(archive.namelist()[0]).startswith(b"%PDF")


def test_the_list_of_links() -> None:
    statuses = [batch.RowStatus(row=rows({"app_name": "Acme"})[0], state="done", detail="Version 1 is ready",
                                token="tok")]
    text = batch.links_csv(statuses, lambda token, page: f"https://app/{page}?w={token}").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Row", "Product name", "Result", "Details", "Link to its work"],
        ["2", "Acme", "Done", "Version 1 is ready", "https://app/document?w=tok"]]


def test_a_rows_link_opens_its_document_once_written_else_its_brief(written: list) -> None:
    row = rows({"app_name": "Acme"})[0]
    cut = written[0].model_copy(update={"stop_reason": "stopped"})
    nothing = written[0].model_copy(update={"document": ""})
    assert batch.RowStatus(row=row, state="done", record=written[0]).opens == "document"
    assert batch.RowStatus(row=row, state="unfinished", record=cut).opens == "document"  # with Continue writing
    assert batch.RowStatus(row=row, state="failed", record=nothing).opens == "generate"  # it says why, retry there
    assert batch.RowStatus(row=row, state="not_started").opens == ""  # its brief
    assert batch.RowStatus(row=row, state="failed").opens == ""  # its run never started


def test_the_summary_counts_documents_written_and_marks_success_only_when_all_are() -> None:
    row = rows({"app_name": "Acme"})[0]
    done, failed, idle = (batch.RowStatus(row=row, state=state) for state in ("done", "failed", "not_started"))
    cut = batch.RowStatus(row=row, state="unfinished")
    assert batch.summary([done, done], stopped=False) == ("success", "Finished: 2 of 2 documents written.")
    assert batch.summary([done, cut, failed, idle], stopped=True) == (
        "warning", ("Stopped: 2 of 4 documents written · 1 of them unfinished (kept as written) · 1 with no "
                    "document · 1 not started."))
    assert batch.summary([failed] * 4 + [idle] * 21, stopped=True) == (
        "nothing", "Stopped: 0 of 25 documents written · 4 with no document · 21 not started.")



def test_the_zip_is_made_a_document_at_a_time_and_can_be_cancelled(written: list) -> None:
    build = batch.ZipBuild(written, STEP, "markdown")
    seen = [build.wait_for_change(0, 30)]  # wakes at the first document made
    assert build.wait(30) and build.made == build.total == 5 and build.failed == []
    assert 1 <= seen[0] <= 5 and zipfile.ZipFile(io.BytesIO(build.result)).testzip() is None
    slow = batch.ZipBuild(written, STEP, "pdf")
    slow.cancel()
    assert slow.wait(30) and slow.made < slow.total and slow.result is None


def test_the_headings_may_sit_under_a_title_row() -> None:
    data = csv_bytes([["Our products, autumn 2026"], ["Owner: Sam"], LABELS, ["Acme", "", "", "", ""]])
    sheet = read_briefs(data, "b.csv", FIELDS)
    assert names(sheet) == [(4, "Acme")] and sheet.notes == ()


def test_what_claude_would_cost_is_the_sum_of_each_briefs_estimate() -> None:
    from specchain.catalog import cost_range, load_catalog

    briefs = rows({"app_name": "Acme"}, {"app_name": "Beta", "expected_load": "x " * 3000})
    each = [cost_range(load_catalog().info(SONNET.model), STEP.render(ChainInputs(values=b.values)).text, 32000)
            for b in briefs]
    low, high = batch.cost_range(briefs, STEP, SONNET)
    assert (low, high) == pytest.approx((each[0][0] + each[1][0], each[0][1] + each[1][1]))
    assert 0 < low < high and each[1][0] > each[0][0]  # a longer brief is a longer prompt
    assert batch.cost_range(briefs, STEP, EngineSettings(engine="claude", model="llama3.1")) is None  # no price


def test_a_title_row_above_semicolon_headings() -> None:
    data = csv_bytes([["Produkte Herbst 2026"], LABELS, ["Café Zürich", "2.000 Gäste", "", "", ""]], separator=";",
                     encoding="cp1252")
    assert names(read_briefs(data, "b.csv", FIELDS)) == [(3, "Café Zürich")]
