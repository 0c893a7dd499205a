"""Spec Chain Studio: five plain answers about a product → a Performance & Scalability document."""

import logging

import streamlit as st

from pages.shared import (
    OTHER_PAGES,
    PAGES,
    SHARE_PARAM,
    brief,
    brief_problems,
    bring_in_step,
    link_problem_page,
    run_service,
    start_new_document,
    work_link,
    workspace,
)
from specchain.store import StoreError

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Spec Chain Studio", page_icon="📈", layout="wide")

try:
    run_service()
except StoreError as error:  # the database can't be opened at all: say so, and what to do
    st.error(f"{error.message} Spec Chain Studio can't start without it; tell whoever runs it.", icon=":material/error:")
    st.stop()

if st.query_params.get(SHARE_PARAM):  # a read-only link to one version: that document and nothing else
    st.navigation([st.Page("pages/shared_version.py", title="Shared document")], position="hidden").run()
    st.stop()

bring_in_step()
st.session_state._in_step = True  # the page need not do it again (see begin_page)
work = workspace()
state = work.state() if work else None
has_version = bool(state and state.versions)
done = {
    "brief": bool(brief().get("app_name", "").strip()) and not brief_problems(),
    "prompt": st.session_state.get("prompt_seen", False) or has_version,  # a version was made from a prompt
    "generate": has_version,
    "document": has_version and st.session_state.get("document_seen", False),
}


STEPS = {"brief": "Brief", "prompt": "Prompt", "generate": "Generate", "document": "Document"}
NEXT = {  # what the sidebar suggests after the last step done
    "brief": "Answer the questions about your product, or start from an example.",
    "prompt": "Check the prompt that will be sent.",
    "generate": "Generate the document.",
    "document": "Read your document, answer its questions, download it.",
}


def run_stage(run_state: str) -> str:
    """What the sidebar says of a run in progress, from the state its checkpoints save."""
    return "queued" if run_state == "queued" else "writing" if run_state in ("planning", "writing") else "starting"


def icon(step: str) -> str:
    if step == "generate" and state and state.active_run:
        return ":material/progress_activity:"
    return ":material/check_circle:" if done[step] else ":material/radio_button_unchecked:"


# Numbered steps, each with a done mark: a newcomer sees where they are and what is left.
pages = [
    st.Page(PAGES[step], title=f"{number} · {title}", icon=icon(step), default=number == 1)
    for number, (step, title) in enumerate(STEPS.items(), start=1)
]
# A plain list, not a titled section: Streamlit draws a section as a <div> inside the list, which screen readers
# can't read as a list (axe: "list", "listitem").
# Many briefs at once: a tool beside the four steps, reached from its own link in the sidebar (not a fifth step).
batch_page = st.Page(OTHER_PAGES["batch"], title="Many briefs at once", icon=":material/table_view:",
                     visibility="hidden")
navigation = st.navigation([*pages, batch_page])
with st.sidebar:
    steps = list(STEPS)
    furthest = max((index for index, step in enumerate(steps) if done[step]), default=-1)
    next_step = steps[min(furthest + 1, len(steps) - 1)]
    if state and state.active_run and run_stage(state.active_run.state) == "queued":  # its place, as on Generate
        place = f" · {state.active_run.detail}" if state.active_run.detail else ""
        st.caption(f"**Next:** your document is waiting for its turn at Claude{place}. It starts by itself; the "
                   "Generate page shows it.")
    elif state and state.active_run and run_stage(state.active_run.state) == "starting":
        st.caption("**Next:** your document is starting. The Generate page shows it.")
    elif state and state.active_run:
        st.caption("**Next:** your document is being written. The Generate page shows it as it grows.")
    elif state and state.last_outcome is not None:
        st.caption("**Next:** the last run wrote no document. The Generate page says why; then generate again.")
    else:
        st.caption(f"**Next:** {NEXT[next_step]}")
    st.caption("Five answers about your product → a Performance & Scalability document, in minutes.")
    if st.session_state.get("link_problem"):
        pass  # the page says it, with a way to start fresh
    elif work is not None:
        with st.container(border=True):
            st.markdown(":material/cloud_done: **Your work is saved** as you go.  \n"
                        "**Copy link to come back to this work** (the copy button is at the right of the link), "
                        "from any browser, any day:")
            st.code(work_link(work.token), language=None, wrap_lines=True)
            st.caption("Anyone with the link can open and change this work; keep it like a password.")
            left, right = st.columns(2)
            if left.button("Start a new document", icon=":material/note_add:", use_container_width=True,
                           key="sidebar_new_document",
                           help="This work stays saved under its link; the form starts empty."):
                start_new_document()
            with right.popover("Delete this work", icon=":material/delete:", use_container_width=True):
                st.write("Delete the brief, every version and every share link of this work, for good?")
                if st.button("Yes, delete it", type="primary", key="sidebar_delete_work",
                             help="Deletes the brief, every version and every share link of this work, for good."):
                    try:
                        run_service().store.delete_workspace(work.token)
                    except StoreError as error:
                        st.error(error.message)
                    else:
                        st.toast("Deleted: the brief, every version and every share link of that work.")
                        start_new_document()
    else:
        st.caption("Your work is saved as soon as you type: a link to come back to it appears here.")
    st.page_link(batch_page, label="Many briefs at once", icon=":material/table_view:",
                 help="Several products? Upload a spreadsheet with one brief per row and get every document.")
# Less empty space above the title: on a 1280×720 projector the first fields should be visible without scrolling.
# WCAG 2.1 AA contrast (README, "Accessibility"): captions in the text colour at 80% (Streamlit's grey is below 4.5:1
# in both themes); dark text on the dark theme's light-blue primary buttons (white on it is 2.5:1). Code blocks in
# the document wrap instead of scrolling sideways (over Streamlit's inline style): no keyboard-unreachable scroller.
# The sidebar's steps, its Many briefs link and the main area (a Tab stop of Streamlit's) show a ring when the keyboard
# is on them.
st.html("<style>.stMainBlockContainer { padding-top: 2.5rem; }"
        "[data-testid=stCaptionContainer] { color: inherit; opacity: .8; }"
        "button[kind^=primary]:enabled, button[kind^=primary]:enabled * { color: light-dark(#fff, #0e1117) !important; }"
        "[data-testid=stSidebarNavLink]:focus-visible, [data-testid=stMain]:focus-visible, "
        "[data-testid=stPageLink-NavLink]:focus-visible "
        "{ outline: 2px solid currentColor; outline-offset: -2px; }"
        "[data-testid=stMarkdownContainer] pre, [data-testid=stMarkdownContainer] pre code "
        "{ white-space: pre-wrap !important; overflow-wrap: anywhere; }</style>")
if st.session_state.get("link_problem"):
    link_problem_page()


@st.fragment(run_every=2.0)
def notice_when_the_run_ends(token: str, shown_stage: str) -> None:
    """On a page other than Generate (which follows the run itself), redraw once the run has ended: the new
    version appears, the sidebar's spinner stops and the buttons that wait for it come back. Also when the run
    moves on from what the sidebar's "Next:" says (starting, waiting for its turn, being written)."""
    run = run_service().store.active_run(token)
    if run is None or run_stage(run.state) != shown_stage:
        st.rerun(scope="app")


if work is not None and state and state.active_run and navigation.url_path != "generate":
    with st.sidebar:
        notice_when_the_run_ends(work.token, run_stage(state.active_run.state))
navigation.run()
