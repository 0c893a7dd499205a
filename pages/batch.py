"""Many briefs at once: a spreadsheet with one brief per row → one saved work and one document per row, in a zip.

The core (specchain/batch.py) reads and checks the file, runs the rows a few at a time and builds the zip; this page
draws it, and follows the runs as the Generate page follows one: it waits on the batch's change signal and redraws
only what changed.
"""

import dataclasses
import functools
import hashlib

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check

from pages.shared import (
    KEY_SOURCES,
    agent_wait_s,
    api_key,
    begin_page,
    driven_by_agent,
    money,
    run_service,
    settings,
    step,
    work_link,
)
from specchain import batch
from specchain.batch import (
    BatchRun,
    BriefRow,
    BriefSheet,
    RowStatus,
    SheetError,
    ZipBuild,
)
from specchain.catalog import load_catalog
from specchain.document import escape_markdown
from specchain.providers import EngineSettings
from specchain.records import RunRecord

begin_page()
chain = step()
BATCH_PARAM = "batch"  # ?batch=…: a reload finds the batch (see batch.remember)
WAKE_S = 0.25  # how often the following loop looks at the rows being written (and lets Stop through)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEGABYTES = batch.MAX_FILE_BYTES // 1024 // 1024


def current_run() -> BatchRun | None:
    """This tab's batch; after a reload, the one named in the address (its runs went on in this server process)."""
    run = st.session_state.get("batch_run")
    if run is None and (batch_id := st.query_params.get(BATCH_PARAM)):
        run = batch.find(batch_id)
        if run is not None:
            st.session_state.batch_run, st.session_state.batch_id = run, batch_id
    if run is not None and st.query_params.get(BATCH_PARAM) != st.session_state.get("batch_id"):
        st.query_params[BATCH_PARAM] = st.session_state.batch_id
    return run


# ── 1 · the template ─────────────────────────────────────────────────────────────────────────────────────────
def template_section() -> None:
    st.subheader("1 · Fill in the template")
    labels = ", ".join(f"**{spec.label}**" + (" (required)" if spec.required else "") for spec in chain.fields)
    st.write(f"One brief per row, under five headings: {labels}. Only the product name is required; a cell can say "
             "as much as the same box on the Brief page. The template has the headings and one example row to "
             "replace with your own.")
    left, right, _ = st.columns([1, 1, 2])
    left.download_button("Template for Excel (.xlsx)", data=functools.partial(batch.template_xlsx, chain),
                         file_name="many-briefs-template.xlsx", mime=XLSX_MIME, key="batch_template_xlsx",
                         on_click="ignore", icon=":material/download:", width="stretch",
                         help="Opens in Excel, Google Sheets, Numbers or LibreOffice. Keep the first row as it is.")
    right.download_button("Template as CSV", data=batch.template_csv(chain), file_name="many-briefs-template.csv",
                          mime="text/csv", key="batch_template_csv", on_click="ignore", icon=":material/download:",
                          width="stretch",
                          help="Plain text with commas, for any spreadsheet. Save it back as CSV UTF-8 if you can; "
                          "other kinds of CSV (semicolons, Excel's Unicode text) are read too.")


# ── 2 · the file ─────────────────────────────────────────────────────────────────────────────────────────────
def read_sheet(data: bytes, name: str) -> BriefSheet | str:
    """The briefs of the file, or what is wrong with it (read once per file, not on every rerun)."""
    digest = hashlib.sha256(data).hexdigest() + name
    cached = st.session_state.get("_batch_sheet")
    if cached is None or cached[0] != digest:
        try:
            result: BriefSheet | str = batch.read_briefs(data, name, chain.fields)
        except SheetError as error:
            result = error.message
        cached = (digest, result)
        st.session_state._batch_sheet = cached
    return cached[1]


def show_problems(sheet: BriefSheet) -> None:
    ready, wrong = len(sheet.ready), len(sheet.with_problems)
    count = f"{len(sheet.rows)} brief{'s' if len(sheet.rows) != 1 else ''} found"
    for note in sheet.notes:  # the file's own words (headings, sheet names) show as written, never as Markdown
        st.info(escape_markdown(note), icon=":material/info:")
    if not wrong:
        st.success(f"{count}, all ready.", icon=":material/task_alt:")
        return
    lines = []
    for row in sheet.with_problems:
        name = f" (“{escape_markdown(row.name)}”)" if row.name else ""
        lines.append(f"- **Row {row.number}**{name}: " + " ".join(batch.problem_lines(row, chain.fields)))
    st.warning(f"{count}: {ready} ready, {wrong} need{'s' if wrong == 1 else ''} changes. Fix these rows in your "
               "file and upload it again, or generate only the ready ones.\n\n" + "\n".join(lines),
               icon=":material/warning:")


def upload_section() -> BriefSheet | None:
    st.subheader("2 · Upload it")
    uploaded = st.file_uploader(
        "Your spreadsheet (.xlsx or .csv)", type=["xlsx", "xlsm", "xls", "csv", "tsv", "txt"], key="batch_upload",
        max_upload_size=MEGABYTES,
        help=f"One brief per row, at most {batch.MAX_ROWS} rows and {MEGABYTES} MB. The headings may be the "
        "questions' names (e.g. “Product name”) or their short ids (e.g. “app_name”), in any case. Example: a sheet "
        "with the columns Product name, Expected load and Technology, one product per row.",
    )
    if uploaded is None:
        return None
    read = read_sheet(uploaded.getvalue(), uploaded.name)
    if isinstance(read, str):
        st.error(escape_markdown(read), icon=":material/error:")
        return None
    show_problems(read)
    return read


# ── 3 · generate ─────────────────────────────────────────────────────────────────────────────────────────────
def typed_key() -> tuple[str, str]:
    """The key of the Generate page's sources (server, secrets, typed there), else the one typed here."""
    key, source = api_key()
    return (key, source) if key else (st.session_state.get("batch_api_key", "").strip(), "session")


def generate(rows: tuple[BriefRow, ...], chosen: EngineSettings) -> None:
    """Button callback: start the rows' runs (the batch carries on if the page is left or reloaded)."""
    key, key_source = typed_key()
    new = BatchRun(run_service(), chain, rows, chosen, api_key=key, key_source=key_source).start()
    st.session_state.batch_run = new
    st.session_state.batch_id = batch.remember(new)
    st.query_params[BATCH_PARAM] = st.session_state.batch_id


def claude_cost(sheet: BriefSheet, chosen: EngineSettings) -> tuple[float, float] | None:
    """The estimate for the file's ready briefs, worked out once per file and model (200 prompts take 0.1 s)."""
    key = (st.session_state.get("_batch_sheet", ("",))[0], chosen.model, chosen.max_tokens)  # the file's digest
    cached = st.session_state.get("_batch_cost")
    if cached is None or cached[0] != key:
        cached = (key, batch.cost_range(sheet.ready, chain, chosen))
        st.session_state._batch_cost = cached
    return cached[1]


def generate_section(sheet: BriefSheet | None, run: BatchRun | None, running: bool) -> None:
    st.subheader("3 · Generate")
    st.session_state.setdefault("batch_engine", "claude" if api_key()[0] else "offline")
    engine = st.radio(
        "Who writes the documents?", ["offline", "claude"], key="batch_engine", horizontal=True, disabled=running,
        persist_state="session",
        format_func={"offline": "Offline drafts (free, instant)", "claude": "Claude (AI, needs an API key)"}.get,
        help="Offline drafts follow fixed rules and take well under a second each. Claude writes each document for its "
        f"brief: a few minutes and a few cents each, {batch.IN_FLIGHT} at a time, each waiting its turn when "
        "Claude is busy.",
    )
    chosen = dataclasses.replace(settings(), engine=engine)
    key, key_source = api_key()
    if engine == "claude":
        if key:
            st.caption(f"Using {KEY_SOURCES[key_source]}. Model: {chosen.label.removeprefix('Claude · ')} (choose "
                       "another under Claude settings on the Generate page).")
        else:
            st.text_input("Anthropic API key", type="password", key="batch_api_key", placeholder="sk-ant-…",
                          disabled=running, persist_state="session",
                          help="Create one at console.anthropic.com under API keys. Kept in this browser session's "
                          "memory only: never saved, logged or included in downloads. Example: sk-ant-api03-…")
            key = typed_key()[0]
    if sheet is None:
        st.caption("Upload a file to see its briefs checked here.")
        return
    if not sheet.ready:
        st.caption("No row is ready yet: fix the rows listed above and upload the file again.")
        return
    ready, wrong = len(sheet.ready), len(sheet.with_problems)
    plural = "s" if ready != 1 else ""
    label = (f"Generate {ready} document{plural}" if not wrong
             else f"Generate only the {ready} ready brief{plural} (skip {wrong})")
    needs_key = engine == "claude" and not key
    if engine == "claude" and (cost := claude_cost(sheet, chosen)) is not None:
        st.caption(f"About {money(cost[0])} – {money(cost[1])} for {ready} document{plural} with Claude, at the list "
                   f"prices of {load_catalog().prices_as_of} (each prompt plus a typical document).")
    # Once a batch has run, its results are the next thing to look at; generating again makes new works.
    st.button(label, type="secondary" if run is not None else "primary", icon=":material/play_arrow:",
              key="batch_generate", disabled=running or needs_key, on_click=generate, args=(sheet.ready, chosen),
              help="Every row becomes a saved work of its own, with its link, and gets its document.")
    if needs_key:
        st.caption("Type an API key above to generate with Claude, or choose the offline drafts.")
    elif running:
        st.caption("A batch is being written (above); wait for it to finish, or press Stop.")


# ── progress and results ─────────────────────────────────────────────────────────────────────────────────────
COLUMNS = {
    # Widths in pixels that fit the page's 1280-px layout whole (Details the widest, wrapped over three lines).
    "Row": st.column_config.NumberColumn("Row", help="The row's number in your spreadsheet", width=50),
    "Product name": st.column_config.TextColumn("Product name", width=130),
    "Result": st.column_config.TextColumn("Result", width=105),
    "Progress": st.column_config.ProgressColumn("Progress", min_value=0, max_value=100, format="%d%%", width=95,
                                                help="How much of that row's document is written"),
    "Details": st.column_config.TextColumn("Details", width=300),
    "Link to its work": st.column_config.LinkColumn(
        "Link to its work", display_text="Open its work", width=115,
        help="Opens that product's saved work: its document once written (with Continue writing if it was cut "
        "short), else its brief"),
}
# Rows tall enough for three lines: Streamlit wraps a cell's text only in rows taller than 4rem (64 px), so a long
# detail ("1 person ahead of you · starting in about 40 s …") is read whole, not cut at the column's edge.
ROW_HEIGHT = 72


def row_link(status: RowStatus) -> str:
    return work_link(status.token, page=status.opens) if status.token else ""


def table_rows(statuses: tuple[RowStatus, ...]) -> list[dict[str, object]]:
    return [{"Row": s.row.number, "Product name": s.row.name, "Result": s.label,
             "Progress": round(s.fraction * 100),  # done: 1; an unfinished row where it stopped; not written: 0
             "Details": s.detail, "Link to its work": row_link(s) or None} for s in statuses]


def draw(run: BatchRun, statuses: tuple[RowStatus, ...], bar: DeltaGenerator, table: DeltaGenerator) -> None:
    bar.progress(run.overall(statuses), text=batch.tally(statuses))
    table.dataframe(table_rows(statuses), column_config=COLUMNS, hide_index=True, width="stretch",
                    row_height=ROW_HEIGHT)


def follow(run: BatchRun, bar: DeltaGenerator, table: DeltaGenerator) -> None:
    """Redraw the rows as they change, until the batch ends; then draw the page once more with the downloads."""
    seen, drawn = -1, None
    while True:
        seen = run.wait_for_change(seen, timeout=WAKE_S)
        check = get_run_yield_check()  # let a click (Stop, another page) interrupt this script now
        if check is not None:
            check()
        statuses = run.statuses()
        if statuses != drawn:
            draw(run, statuses, bar, table)
            drawn = statuses
        if run.done:
            st.rerun()


def summary(run: BatchRun, statuses: tuple[RowStatus, ...]) -> None:
    """A success mark only when every row has its finished document; nothing written says so plainly."""
    if run.halted:
        st.error(escape_markdown(run.halted), icon=":material/error:")
    kind, text = batch.summary(statuses, stopped=run.stopped and run.halted is None)  # Stop pressed, not a halt
    if kind == "success":
        st.success(text + " Each row's brief and document are saved under its link in the table.",
                   icon=":material/task_alt:")
    elif kind == "warning":
        st.warning(text + " Each row's link in the table opens its document, or its brief if it has none.",
                   icon=":material/warning:")
    else:
        st.warning(text + " No document was written, so there is nothing to download. Every row's brief is saved "
                   "under its link in the table: open one to try it alone, or generate the batch again.",
                   icon=":material/block:")


def zip_build(records: list[RunRecord], fmt: str) -> ZipBuild:
    """The zip of this batch in this format, made in the background (one at a time per tab: the cores are shared)."""
    builds: dict[tuple[object, ...], ZipBuild] = st.session_state.setdefault("_batch_zips", {})
    # The documents it holds are part of the key: a zip made while rows were still being written is not the final one.
    written = tuple((r.inputs.values.get("app_name"), r.version, r.started_at, len(r.document)) for r in records)
    key = (st.session_state.get("batch_id", ""), fmt, written)
    if key not in builds:
        for other in builds.values():
            other.cancel()
        builds.clear()
        builds[key] = ZipBuild(records, chain, fmt)
    return builds[key]


def links_button(statuses: tuple[RowStatus, ...]) -> None:
    st.download_button("Download the list of links (.csv)",
                       data=batch.links_csv(statuses, lambda token, page: work_link(token, page=page)),
                       file_name="many-briefs-links.csv", mime="text/csv", key="batch_download_links",
                       on_click="ignore", icon=":material/link:",
                       help="Every row with its result and the link to its work, to keep or share.")


def downloads(statuses: tuple[RowStatus, ...]) -> tuple[ZipBuild, DeltaGenerator] | None:
    """The format, the zip and the list of links. Returns the zip being made and where its progress goes (None when
    no row wrote a document, or the zip was ready when its button was drawn: nothing to follow)."""
    records = batch.written_records(statuses)
    if not records:
        links_button(statuses)
        return None
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    fmt = left.radio("Format of the documents", list(batch.FORMATS), key="batch_format", horizontal=True,
                     persist_state="session", format_func=lambda f: batch.FORMATS[f][0],
                     help="Word and PDF take about a second per document to make, so a zip of many takes a few "
                     "minutes. Example: Word to edit and comment, PDF to send round.")
    build = zip_build(records, fmt)
    # Read once: the zip may finish between drawing the button and deciding whether to follow it, and a button
    # drawn as "Making the zip…" must be followed to its end or it stays disabled.
    ready = build.done
    plural = "s" if build.total != 1 else ""
    right.download_button(
        f"Download {build.total} document{plural} (.zip)" if ready else "Making the zip…",
        data=lambda: build.result or b"",
        file_name=f"performance-scalability-{build.total}-document{plural}-{batch.FORMATS[fmt][1]}.zip",
        mime="application/zip", key="batch_download_zip", on_click="ignore", type="primary",
        icon=":material/folder_zip:", disabled=not ready or build.result is None or not build.total,
        width="stretch", help="One file per product, named after it; an unfinished document's name says so.")
    progress = st.empty()
    if ready and build.failed:
        st.warning("Left out of the zip: " + escape_markdown("; ".join(build.failed)) + ". Open that row's link "
                   "to download it in another format.", icon=":material/warning:")
    links_button(statuses)
    return None if ready else (build, progress)


def follow_zip(build: ZipBuild, progress: DeltaGenerator) -> None:
    """Show how far the zip is, then draw the page again with its download button."""
    seen = -1
    while not build.done:
        seen = build.wait_for_change(seen, timeout=WAKE_S)
        check = get_run_yield_check()  # another format chosen, or another page: stop waiting at once
        if check is not None:
            check()
        progress.progress(seen / max(build.total, 1),
                          text=f"Making the zip: {seen} of {build.total} documents")
    st.rerun()


def clear_results() -> None:
    for build in st.session_state.pop("_batch_zips", {}).values():
        build.cancel()
    st.session_state.pop("batch_run", None)
    st.session_state.pop("batch_id", None)
    st.query_params.pop(BATCH_PARAM, None)


def results_section(run: BatchRun, done: bool) -> None:
    if done:
        st.subheader("Results")
        statuses = run.statuses()
        summary(run, statuses)
        draw(run, statuses, st.empty(), st.empty())
        offered = downloads(statuses)
        st.button("Clear these results", icon=":material/delete_sweep:", key="batch_clear", on_click=clear_results,
                  help="Takes the table off this page. The work of every row stays saved under its link.")
        if offered is None:
            return
        build, progress = offered
        if not driven_by_agent():
            follow_zip(build, progress)
        elif build.wait(agent_wait_s()):
            st.rerun()
        else:
            progress.progress(build.made / max(build.total, 1),
                              text=f"Making the zip: {build.made} of {build.total} documents")
        return
    st.subheader("Progress")
    bar_slot, stop_slot = st.columns([4, 1], vertical_alignment="center")
    # A callback, so the click takes effect before anything is drawn: no new rows start, the ones being written
    # close their connection and keep what they wrote.
    stop_slot.button("Stop", icon=":material/stop_circle:", key="batch_stop", on_click=run.request_stop,
                     disabled=run.stopping, width="stretch",
                     help="Start no more rows and stop the ones being written. Everything finished is kept, and "
                     "every row's brief stays saved under its link.")
    st.space("small")  # the table's toolbar, shown on hover above its top edge, must not cover Stop
    bar, table = bar_slot.empty(), st.empty()
    if run.stopping:
        st.caption("Stopping… the rows being written keep what they wrote.")
    if driven_by_agent():  # wait a little for the end (as the Generate page does for one run), then show the rows
        if run.wait(agent_wait_s()):
            st.rerun()
        draw(run, run.statuses(), bar, table)
    else:
        follow(run, bar, table)


# ── the page ─────────────────────────────────────────────────────────────────────────────────────────────────
st.title("Many briefs at once")
st.write(
    "Make one Performance & Scalability document per product, from a spreadsheet with one brief per row. Each row "
    "becomes a saved work of its own, with its link (open it to read, answer the questions or run it again), and "
    "you download all the documents in one zip."
)
batch_run = current_run()
# Read once: a batch ending while the page is drawn must not leave Generate disabled above finished results.
batch_done = batch_run is not None and batch_run.done
# Once a batch has started, its progress and results come first, where the PM looks; the file and the buttons that
# made it fold away below them. Both are drawn before the progress is followed (which holds this script until the
# batch ends).
results_area = st.container()
with (st.expander("Your file: upload another one, or generate again", icon=":material/upload_file:")
      if batch_run is not None else st.container()):
    template_section()
    generate_section(upload_section(), batch_run, running=batch_run is not None and not batch_done)
if batch_run is not None:
    with results_area:
        results_section(batch_run, batch_done)
