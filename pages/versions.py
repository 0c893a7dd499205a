"""The Document page's work on versions: the history list, compare two versions, edit by hand, share read-only."""

from __future__ import annotations

import streamlit as st

from pages.shared import SHARE_PARAM, money, summary_title, work_link
from specchain.document import for_screen, split_sections
from specchain.records import FINISHED, STOP_REASONS, RunRecord, edited_version
from specchain.store import StoreError, VersionSummary
from specchain.workspace import Workspace


def history(runs: Workspace, summaries: dict[int, VersionSummary]) -> None:
    """Every version with its engine, time, cost and outcome, newest first."""
    rows = [
        {
            "Version": s.version,
            "Written by": summary_title(s).split(" · ", 1)[1].rsplit(" · ", 1)[0],
            "When (UTC)": f"{s.started_at:%Y-%m-%d %H:%M}",
            "Cost": money(s.cost_usd) if s.cost_usd is not None else "free" if s.engine != "claude" else "–",
            "Outcome": "Complete" if s.stop_reason in FINISHED else STOP_REASONS.get(s.stop_reason, s.stop_reason),
            "Length": f"{s.document_chars:,} characters",
        }
        for s in reversed(summaries.values())
    ]
    # A plain table: every column readable at once, on a projector and by a screen reader (no grid to explore).
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[column]).replace("|", "\\|") for column in header) + " |" for row in rows]
    st.markdown("\n".join(lines))


def compare_versions(runs: Workspace, summaries: dict[int, VersionSummary], viewing: int) -> None:
    # Off until asked for: a comparison reads two whole documents, which no other rerun of the page needs.
    if not st.toggle("Compare two versions", key="comparing",
                     help="Section by section, side by side: added words in green, removed words in red."):
        return
    numbers = list(summaries)
    left, right = st.columns(2)
    older = left.selectbox("Older version", numbers, index=max(0, numbers.index(viewing) - 1), key="compare_old",
                           format_func=lambda v: summary_title(summaries[v]))
    newer = right.selectbox("Newer version", numbers, index=numbers.index(viewing), key="compare_new",
                            format_func=lambda v: summary_title(summaries[v]))
    if older == newer:
        st.info("Choose two different versions to see what changed.")
        return
    old, new = runs.get(older), runs.get(newer)
    if old is None or new is None:
        st.warning("One of these versions is no longer here. Reload the page.")
        return
    from specchain.compare import (
        compare_documents,  # only when two versions are compared
    )

    changes = compare_documents(old.document, new.document)
    unchanged = [c for c in changes if c.status == "unchanged"]
    changed = [c for c in changes if c.status != "unchanged"]
    added = sum(c.words_added for c in changes)
    removed = sum(c.words_removed for c in changes)
    st.caption(f"{len(changed)} of {len(changes)} sections differ · {added:,} words added · {removed:,} removed")
    for change in changed:
        label = {"changed": "changed", "added": f"only in version {newer}",
                 "removed": f"only in version {older}"}[change.status]
        with st.expander(f"{change.title or 'Title and introduction'} · {label}", expanded=True):
            a, b = st.columns(2)
            a.caption(f"Version {older}")
            a.markdown(for_screen(change.old_marked) or "*(not in this version)*")
            b.caption(f"Version {newer}")
            b.markdown(for_screen(change.new_marked) or "*(not in this version)*")
    if unchanged:
        with st.expander(f"{len(unchanged)} unchanged sections (folded)"):
            st.markdown(", ".join(c.title or "Title and introduction" for c in unchanged))


def edit_sections(runs: Workspace, record: RunRecord) -> None:
    """Edit one section at a time, with a preview; saving makes a new version marked "edited by you"."""
    sections = split_sections(record.document)
    titles = [s.title or "Title and introduction" for s in sections]
    st.write("Change the text of any section by hand (it is Markdown: `##` starts a heading, `-` a bullet, `|` a "
             "table column). Saving makes a new version marked “edited by you”; this one stays as it is.")
    index = st.selectbox("Section to edit", range(len(sections)), format_func=lambda i: titles[i],
                         key=f"edit_section_v{record.version}", persist_state="session")
    key = f"edit_v{record.version}_{index}"
    # Kept for the whole session, per version: a draft survives switching sections, versions and pages.
    text = st.text_area("Section text (Markdown)", value=sections[index].markdown, key=key, height=320,
                        persist_state="session",
                        help="Your changes are kept while you switch sections, versions or pages; nothing is saved "
                        "until you press Save as a new version.")
    with st.expander("Preview", expanded=True):
        st.markdown(for_screen(text))
    edits = {i: st.session_state[f"edit_v{record.version}_{i}"] for i in range(len(sections))
             if f"edit_v{record.version}_{i}" in st.session_state
             and st.session_state[f"edit_v{record.version}_{i}"] != sections[i].markdown}
    st.caption(f"{len(edits)} section(s) changed." if edits else "No changes yet.")
    # Enabled while nothing is changed: a click right after typing arrives together with the text; one click saves.
    if st.button("Save as a new version", type="primary", icon=":material/save:", key="document_save_edit",
                 help="Your changed sections become a new version marked “edited by you”; this one stays as it is."):
        if not edits:
            st.warning("Nothing to save yet: change the text of a section above first.", icon=":material/edit:")
            return
        parts = [edits.get(i, s.markdown) for i, s in enumerate(sections)]
        document = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
        try:
            number = runs.store.add_version(runs.token, edited_version(record, document))
        except StoreError as error:
            st.error(error.message, icon=":material/error:")  # the edits stay in the boxes
            return
        for i in range(len(sections)):
            st.session_state.pop(f"edit_v{record.version}_{i}", None)
        st.toast(f"Saved as version {number}.")
        st.session_state.document_open_version = number  # the page opens it on the run below
        st.rerun()


def share_link(runs: Workspace, record: RunRecord) -> None:
    st.divider()
    st.markdown("**Share this version, read-only.** The link opens this version's document, its template check "
                "and downloads, and nothing else of your work.")
    try:
        link = runs.store.share_link(runs.token, record.version)
        if link is None:
            if st.button("Create a read-only link", icon=":material/share:", key="document_share_create",
                         help="A link that opens only this version: its document, checks and downloads."):
                runs.store.create_share(runs.token, record.version)
                st.rerun()
            return
        st.code(work_link(link, SHARE_PARAM), language=None, wrap_lines=True)
        if st.button("Turn this link off", icon=":material/link_off:", key="document_share_off",
                     help="The link stops working at once; you can create a new one later."):
            runs.store.disable_share(runs.token, record.version)
            st.rerun()
    except StoreError as error:
        st.error(error.message, icon=":material/error:")
