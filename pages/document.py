"""Step 4: read the document, check it, answer its questions, run again, edit, compare versions, share, download."""

import streamlit as st

from pages.charts_view import capacity_charts
from pages.shared import (
    PAGES,
    begin_page,
    carried_answers,
    cost_text,
    engine_note,
    estimated,
    show_document,
    start_run,
    step,
    summary_title,
    sync_work,
    tokens_text,
    use_brief_of,
    workspace,
)
from pages.versions import compare_versions, edit_sections, history, share_link
from pages.views import downloads, figure_mismatches, figures_check, template_check
from specchain.document import check_document, clarification_items, split_sections
from specchain.inputs import Answer

begin_page()
chain = step()
runs = workspace()
state = runs.state() if runs else None
summaries = {s.version: s for s in state.versions} if state else {}
running = bool(state and state.active_run)
st.session_state.document_seen = True

if st.session_state.get("brief_restored") is not None:  # "Use this version's brief" was pressed
    st.switch_page(PAGES["brief"])

st.title("4 · Your document")

if not summaries:
    if running:
        st.info(f"Version {state.active_run.version} is being written right now. It appears here as soon as it is "
                "finished; you can watch it being written on the Generate page.", icon=":material/progress_activity:")
    elif state and state.last_outcome is not None:
        st.warning(f"**No document yet: the last run wrote nothing.** {state.last_outcome.no_document_reason}",
                   icon=":material/warning:")
    else:
        st.info("No document yet. Generate one first: the offline draft takes a second.", icon=":material/info:")
    if st.button("Go to Generate", type="primary", icon=":material/arrow_forward:", key="document_go_to_generate"):
        st.switch_page(PAGES["generate"])
    st.stop()

if running:
    st.info(f"Version {state.active_run.version} is being written right now; this page shows the versions already "
            "finished.", icon=":material/progress_activity:")

numbers = list(summaries)
newest = numbers[-1]
appeared = st.session_state.get("versions_seen", 0) < len(numbers)
st.session_state.versions_seen = len(numbers)
# The button below is drawn on every full run of this page and, not kept across pages, it is still in the session
# only when the run before this one was this page's: the PM was already here, perhaps typing in a box.
staying = "document_use_brief" in st.session_state
asked_for = st.session_state.pop("document_open_version", None)  # a version this page just made, e.g. by an edit
if asked_for in numbers:
    st.session_state.viewing_version = asked_for
    sync_work(adopt_remote=False)
elif st.session_state.get("viewing_version") not in numbers or (appeared and not staying):
    # Arriving on the page, a version that appeared since it was last drawn is what the PM wants to read.
    st.session_state.viewing_version = newest
    sync_work(adopt_remote=False)  # saved now: a reload right after opens this version, not the one before
elif appeared and st.session_state.viewing_version != newest:
    # Already here, reading (or answering) another version: jumping away would drop a box being typed in.
    st.session_state.document_version_ready = newest


def open_version(version: int) -> None:
    st.session_state.viewing_version = version


ready = st.session_state.get("document_version_ready")
if ready in numbers and ready != st.session_state.viewing_version:
    with st.container(horizontal=True, vertical_alignment="center", key="document_version_ready_note"):
        st.info(f"Version {ready} is ready. You stay on this version until you open it.",
                icon=":material/new_releases:")
        st.button(f"Open version {ready}", icon=":material/arrow_forward:", on_click=open_version, args=(ready,),
                  key="document_open_newest")
else:
    st.session_state.pop("document_version_ready", None)
st.selectbox("Version", numbers, key="viewing_version", format_func=lambda v: summary_title(summaries[v]),
             persist_state="session",
             help="Every run is kept as its own version; earlier versions stay readable here.")
record = runs.get(st.session_state.viewing_version)
if record is None:  # deleted in another tab a moment ago
    st.warning("This version is no longer here (the work was changed in another tab). Reload the page.")
    st.stop()

engine_note(record)
if record.error:
    st.error(record.error, icon=":material/error:")
if record.can_continue:
    cut = "was cut off at the maximum length" if record.stop_reason == "max_tokens" else "is unfinished"
    st.warning(f"This document {cut}. Continue asks Claude to write the rest, starting exactly where it stopped; "
               "the parts are joined into a new version.", icon=":material/content_cut:")
    if st.button("Continue writing", type="primary", icon=":material/play_arrow:", disabled=running,
                 key="document_continue", help="Claude writes the rest, starting exactly where it stopped; the parts "
                 "are joined into a new version."):
        start_run(continues=record)

check = check_document(record.document, chain)
questions = clarification_items(record.document, chain.clarification_section)
mismatches = figure_mismatches(record)
doc_tab, check_tab, figures_tab, questions_tab, edit_tab, history_tab, download_tab, details_tab = st.tabs([
    ":material/description: Document",
    f":material/checklist: Template check ({len(check.found)}/{len(chain.sections)})",
    f":material/fact_check: Figures check ({len(mismatches)})",
    f":material/help: Questions ({len(questions)})",
    ":material/edit: Edit",
    f":material/history: History and compare ({len(numbers)})",
    ":material/download: Download and share",
    ":material/info: Run details",
])

with doc_tab, st.container(key="document_text"):  # keyed: an AI agent reads the document's text here
    show_document([s.markdown for s in split_sections(record.document)])

with check_tab:
    template_check(record, chain)

with figures_tab:
    figures_check(record, chain)
    capacity_charts(record)


def answer_key(version: int, index: int) -> str:
    return f"answer_v{version}_{index}"


def keep_answers(version: int, asked: list[str]) -> None:
    """Answers are saved as they are typed: a reload or another tab finds them."""
    others = [a for a in carried_answers() if a.version != version]
    typed = [Answer(version=version, question=q, answer=st.session_state.get(answer_key(version, i), ""))
             for i, q in enumerate(asked)]
    st.session_state.answers = others + [a for a in typed if a.answer.strip()]


with questions_tab:
    if not questions:
        st.info("This version asks no clarification questions.")
    else:
        st.write("Answer any of these in plain words (skip the rest), then run the chain again: your answers "
                 "are added to the prompt and a new version is written. This version stays available.")
        saved = {a.question: a.answer for a in carried_answers() if a.version == record.version}
        for index, question in enumerate(questions):
            key = answer_key(record.version, index)
            if key not in st.session_state and question in saved:
                st.session_state[key] = saved[question]
            st.text_area(question, key=key, height=80, placeholder="Your answer (optional)", persist_state="session",
                         on_change=keep_answers, args=(record.version, questions))
        answered = [a for a in carried_answers() if a.version == record.version]
        st.caption(f"{len(answered)} of {len(questions)} answered. The new version uses the engine chosen on the "
                   "Generate page.")
        # Enabled while nothing is typed: a click right after typing arrives together with the text, so one click
        # runs (a button disabled until the text arrives would swallow that first click).
        if st.button("Run again with these answers", type="primary", icon=":material/replay:",
                     disabled=running, key="document_run_again",
                     help="Writes a new version with your answers added to the prompt; this version stays."):
            if answered:
                start_run(answers_version=record.version)
            else:
                st.warning("Answer at least one question first: type in any box above.", icon=":material/edit:")

with edit_tab:
    edit_sections(runs, record)

with history_tab:
    history(runs, summaries)
    st.button("Use this version's brief", icon=":material/restore:", on_click=use_brief_of, args=(record,),
              key="document_use_brief",
              help=f"Fills the Brief page with the answers version {record.version} was written from, so you can "
              "change them and generate again. Your current brief is replaced (its versions stay here).")
    if len(numbers) > 1:
        compare_versions(runs, summaries, record.version)

with download_tab:
    downloads(record)
    share_link(runs, record)

with details_tab:
    cols = st.columns(3)
    cols[0].metric("Engine", record.settings.label)
    cols[1].metric("Ended", record.stop_label)
    cols[2].metric(estimated("Cost", record), cost_text(record))
    cols = st.columns(3)
    cols[0].metric(estimated("Tokens in / out", record), f"{tokens_text(record, record.input_tokens)} / "
                   f"{tokens_text(record, record.output_tokens)}" if record.input_tokens is not None
                   else tokens_text(record, None))
    cols[1].metric("Time to first text", f"{record.first_text_s:.1f} s" if record.first_text_s is not None else "–")
    cols[2].metric("Total time", f"{record.total_s:.1f} s")
    with st.expander("The prompt this version was written from"):
        st.code(record.prompt, language=None, wrap_lines=True)  # no inner scrolling: a keyboard reaches all of it
