"""Step 4: read the document, check it against the template, answer its questions, run again, download."""

import functools

import streamlit as st

from pages.shared import PAGES, cost_text, engine_note, show_document, start_run, step, tokens_text, workspace
from specchain.document import check_document, clarification_items, split_sections
from specchain.exports import DOCX_MIME, ExportMeta, file_stem, to_docx, to_html, to_markdown, to_pdf
from specchain.inputs import Answer

chain = step()
runs = workspace()
versions = runs.versions
st.session_state.document_seen = True

st.title("4 · Your document")

if not versions:
    if runs.running:
        st.info(f"Version {runs.job.version} is being written right now. It appears here as soon as it is "
                "finished; you can watch it being written on the Generate page.", icon=":material/progress_activity:")
    elif (attempt := runs.last_run()) is not None:
        st.warning(f"**No document yet: the last run wrote nothing.** {attempt.no_document_reason}",
                   icon=":material/warning:")
    else:
        st.info("No document yet. Generate one first: the offline draft takes a second.", icon=":material/info:")
    if st.button("Go to Generate", type="primary", icon=":material/arrow_forward:"):
        st.switch_page(PAGES["generate"])
    st.stop()

if runs.running:
    st.info(f"Version {runs.job.version} is being written right now; this page shows the versions already finished.",
            icon=":material/progress_activity:")

numbers = [r.version for r in versions]
# A version that appeared since this page was last drawn is what the user wants to read.
if st.session_state.get("viewing_version") not in numbers or st.session_state.get("versions_seen", 0) < len(numbers):
    st.session_state.viewing_version = numbers[-1]
st.session_state.versions_seen = len(numbers)
st.selectbox("Version", numbers, key="viewing_version", format_func=lambda v: runs.get(v).title,
             persist_state="session",
             help="Every run is kept as its own version; earlier versions stay readable here.")
record = runs.get(st.session_state.viewing_version)

engine_note(record)
if record.error:
    st.error(record.error, icon=":material/error:")
if record.can_continue:
    cut = "was cut off at the maximum length" if record.stop_reason == "max_tokens" else "is unfinished"
    st.warning(f"This document {cut}. Continue asks Claude to write the rest, starting exactly where it stopped; "
               "the parts are joined into a new version.", icon=":material/content_cut:")
    if st.button("Continue writing", type="primary", icon=":material/play_arrow:", disabled=runs.running):
        start_run(continues=record)

check = check_document(record.document, chain)
questions = clarification_items(record.document, chain.clarification_section)
doc_tab, check_tab, questions_tab, download_tab, details_tab = st.tabs([
    ":material/description: Document",
    f":material/checklist: Template check ({len(check.found)}/{len(chain.sections)})",
    f":material/help: Questions ({len(questions)})",
    ":material/download: Download",
    ":material/info: Run details",
])

with doc_tab:
    if record.document.strip():
        show_document([s.markdown for s in split_sections(record.document)])
    else:
        st.info("This run produced no document text.")

with check_tab:
    if check.complete:
        st.success(f"All {len(chain.sections)} sections of the template are present and no placeholder is left.",
                   icon=":material/task_alt:")
    for title in chain.sections:
        mark = ":material/check_circle:" if title in check.found else ":material/cancel:"
        note = "" if title in check.found else " — **missing**"
        st.markdown(f"{mark} {title}{note}")
    if check.placeholders:
        st.warning("Placeholders left from the template (text in [brackets] still to be filled): "
                   + ", ".join(f"`{p}`" for p in check.placeholders), icon=":material/warning:")
    if check.missing_subsections:
        with st.expander("Sub-headings that differ from the template (often just renamed)"):
            for section, subs in check.missing_subsections.items():
                st.markdown(f"- **{section}**: " + ", ".join(subs))

with questions_tab:
    if not questions:
        st.info("This version asks no clarification questions.")
    else:
        st.write("Answer any of these in plain words (skip the rest), then run the chain again: your answers "
                 "are added to the prompt and a new version is written. This version stays available.")
        for index, question in enumerate(questions):
            st.text_area(question, key=f"answer_v{record.version}_{index}", height=80,
                         placeholder="Your answer (optional)", persist_state="session")
        new_answers = [
            Answer(version=record.version, question=q, answer=st.session_state.get(f"answer_v{record.version}_{i}", ""))
            for i, q in enumerate(questions)
        ]
        answered = [a for a in new_answers if a.answer.strip()]
        st.caption(f"{len(answered)} of {len(questions)} answered. The new version uses the engine chosen on the "
                   "Generate page.")
        if st.button("Run again with these answers", type="primary", icon=":material/replay:",
                     disabled=not answered or runs.running):
            earlier = [a for a in record.inputs.answers if a.version != record.version]
            st.session_state.answers = earlier + answered
            start_run(answers_version=record.version)

with download_tab:
    app_name = record.inputs.values.get("app_name", "")
    stem = file_stem(app_name, f"v{record.version}")
    meta = ExportMeta(app_name=app_name, engine_label=record.settings.label,
                      created=f"{record.started_at:%Y-%m-%d %H:%M} UTC", version=record.version)
    st.write(f"Version {record.version} as a file to share. Word and PDF keep the headings (as a clickable outline), "
             "tables, code and diagrams; they take a second to make when you click.")
    formats = [
        ("Word (.docx)", "docx", DOCX_MIME, functools.partial(to_docx, record.document, meta),
         "Opens in Microsoft Word, Google Docs and LibreOffice. Edit it, comment on it, send it on."),
        ("PDF (.pdf)", "pdf", "application/pdf", functools.partial(to_pdf, record.document, meta),
         "Ready to read and print on any device; the outline lets readers jump to a section."),
        ("Markdown (.md)", "md", "text/markdown", to_markdown(record.document),
         "Plain text with formatting marks, for GitHub, Notion, Confluence or any editor."),
        ("Web page (.html)", "html", "text/html", to_html(record.document, meta),
         "A single page that opens in any browser, with no scripts: safe to e-mail."),
    ]
    for column, (label, extension, mime, data, help_text) in zip(st.columns(2) + st.columns(2), formats, strict=True):
        # Word and PDF are built only when clicked (a callable), then cached per version in the core. Markdown
        # and HTML are cheap and bound as bytes. No rerun on download: the page stays as it is.
        column.download_button(label, data=data, file_name=f"{stem}.{extension}", mime=mime,
                               on_click="ignore", icon=":material/download:", use_container_width=True,
                               type="primary" if extension == "docx" else "secondary")
        column.caption(help_text)

with details_tab:
    cols = st.columns(3)
    cols[0].metric("Engine", record.settings.label)
    cols[1].metric("Ended", record.stop_label)
    cols[2].metric("Cost", cost_text(record))
    cols = st.columns(3)
    cols[0].metric("Tokens in / out", f"{tokens_text(record, record.input_tokens)} / "
                   f"{tokens_text(record, record.output_tokens)}" if record.input_tokens is not None
                   else tokens_text(record, None))
    cols[1].metric("Time to first text", f"{record.first_text_s:.1f} s" if record.first_text_s is not None else "–")
    cols[2].metric("Total time", f"{record.total_s:.1f} s")
    with st.expander("The prompt this version was written from"):
        st.code(record.prompt, language=None, wrap_lines=True, height=300)
