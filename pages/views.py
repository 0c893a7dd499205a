"""Parts of a page shown in more than one place: the template check, the figures check and the downloads of a
version (the Document page and a read-only shared link show the same)."""

from __future__ import annotations

import functools

import streamlit as st

from pages.charts_view import record_charts
from specchain.document import check_document
from specchain.exports import (
    DOCX_MIME,
    ExportMeta,
    escape_markdown,
    file_stem,
    to_docx,
    to_html,
    to_markdown,
    to_pdf,
)
from specchain.facts import Mismatch, check_figures, checked_topics, read_facts
from specchain.facts.check import TOPIC_LABELS
from specchain.inputs import ChainInputs
from specchain.records import RunRecord
from specchain.steps import ChainStep, load_step


def template_check(record: RunRecord, chain: ChainStep) -> None:
    check = check_document(record.document, chain)
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


def figure_mismatches(record: RunRecord) -> tuple[Mismatch, ...]:
    """The document's figures against the facts of the brief, answers and corrections it was written from."""
    return _mismatches(record.document, record.inputs.model_dump_json())


@functools.lru_cache(maxsize=64)  # 50–150 ms for a long document; the Document page asks on every rerun
def _mismatches(document: str, inputs_json: str) -> tuple[Mismatch, ...]:
    inputs = ChainInputs.model_validate_json(inputs_json)
    return tuple(check_figures(document, read_facts(inputs.values, inputs.answers, inputs.corrections)))


@functools.lru_cache(maxsize=64)
def _checked(inputs_json: str) -> tuple[str, ...]:
    inputs = ChainInputs.model_validate_json(inputs_json)
    return checked_topics(read_facts(inputs.values, inputs.answers, inputs.corrections))


def figures_check(record: RunRecord, chain: ChainStep) -> None:
    """Each figure of the document that contradicts the brief, quoting the brief's own words; and what could be
    checked at all (a topic the brief doesn't state, or that wasn't read, is never reported as agreeing)."""
    mismatches = figure_mismatches(record)
    checked = _checked(record.inputs.model_dump_json())
    unchecked = [label for topic, label in TOPIC_LABELS.items() if topic not in checked]
    scope = ("Checked: " + ", ".join(TOPIC_LABELS[t] for t in checked) + "." if checked
             else "Nothing could be checked: we read no figures to compare from your brief.")
    if unchecked:
        scope += " Not checked (not in your brief, or not read from it): " + ", ".join(unchecked) + "."
    if not mismatches:
        if checked:
            st.success("The document's figures agree with your brief wherever the document states them. " + scope,
                       icon=":material/task_alt:")
        else:
            st.info(scope + " Add them on the Brief page (or correct what we read) to have them checked.",
                    icon=":material/info:")
        return
    st.warning(f"**{len(mismatches)} figure{'s' if len(mismatches) != 1 else ''} in the document "
               f"contradict{'s' if len(mismatches) == 1 else ''} your brief.** Correct them in the Edit tab, or "
               "run again: fix the brief or what we read from it on the Brief page first if the brief is what's "
               "wrong.", icon=":material/warning:")
    for mismatch in mismatches:
        st.markdown(f"- :material/cancel: {_plain(mismatch.message)}  \n  *In the document:* "
                    f"“{_plain(mismatch.document_words)}”")
    st.caption(scope)


def _plain(text: str) -> str:
    """Brief and document words shown as written: no Markdown, no `$…$` maths."""
    return escape_markdown(text).replace("$", "\\$")


def downloads(record: RunRecord, page: str = "document") -> None:
    """The four downloads of a version; their keys start with the page's name (document_download_pdf, …)."""
    # The name as the document's own title has it: a tag typed into it was made harmless for the prompt, so the
    # title block and the document's first heading read the same (and the files show one title).
    app_name = load_step(record.step_id).neutralised(record.inputs).values.get("app_name", "")
    stem = file_stem(app_name, f"v{record.version}")
    meta = ExportMeta(app_name=app_name, engine_label=record.settings.label,
                      created=f"{record.started_at:%Y-%m-%d %H:%M} UTC", version=record.version,
                      charts=record_charts(record), unfinished="" if record.finished else record.stop_label)
    st.write(f"Version {record.version} as a file to share. Word and PDF keep the headings (as a clickable outline), "
             "tables, code and diagrams; they take a second to make when you click.")
    formats = [
        ("Word (.docx)", "docx", DOCX_MIME, functools.partial(to_docx, record.document, meta),
         "Opens in Microsoft Word, Google Docs and LibreOffice. Edit it, comment on it, send it on."),
        ("PDF (.pdf)", "pdf", "application/pdf", functools.partial(to_pdf, record.document, meta),
         "Ready to read and print on any device; the outline lets readers jump to a section."),
        ("Markdown (.md)", "md", "text/markdown", to_markdown(record.document, meta),
         "Plain text with formatting marks, for GitHub, Notion, Confluence or any editor."),
        ("Web page (.html)", "html", "text/html", functools.partial(to_html, record.document, meta),
         "A single page that opens in any browser, with no scripts: safe to e-mail."),
    ]
    for column, (label, extension, mime, data, help_text) in zip(st.columns(2) + st.columns(2), formats, strict=True):
        # Word, PDF and HTML (with its chart images) are built only when clicked (a callable), then cached per
        # version in the core. Markdown is cheap and bound as bytes. No rerun on download: the page stays as it is.
        column.download_button(label, data=data, file_name=f"{stem}.{extension}", mime=mime,
                               on_click="ignore", icon=":material/download:", use_container_width=True,
                               type="primary" if extension == "docx" else "secondary",
                               key=f"{page}_download_{extension}")
        column.caption(help_text)
