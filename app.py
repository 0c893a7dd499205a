"""Spec Chain Studio: five plain answers about a product → a Performance & Scalability document."""

import logging

import streamlit as st

from pages.shared import PAGES, brief, brief_problems, workspace

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Spec Chain Studio", page_icon="📈", layout="wide")

runs = workspace()
latest = runs.latest()
done = {
    "brief": bool(brief().get("app_name", "").strip()) and not brief_problems(),
    "prompt": st.session_state.get("prompt_seen", False),
    "generate": latest is not None,
    "document": latest is not None and st.session_state.get("document_seen", False),
}


STEPS = {"brief": "Brief", "prompt": "Prompt", "generate": "Generate", "document": "Document"}
NEXT = {  # what the sidebar suggests after the last step done
    "brief": "Answer the questions about your product, or start from an example.",
    "prompt": "Check the prompt that will be sent.",
    "generate": "Generate the document.",
    "document": "Read your document, answer its questions, download it.",
}


def icon(step: str) -> str:
    if step == "generate" and runs.running:
        return ":material/progress_activity:"
    return ":material/check_circle:" if done[step] else ":material/radio_button_unchecked:"


# Numbered steps, each with a done mark: a newcomer sees where they are and what is left.
pages = [
    st.Page(PAGES[step], title=f"{number} · {title}", icon=icon(step), default=number == 1)
    for number, (step, title) in enumerate(STEPS.items(), start=1)
]
navigation = st.navigation({"Spec Chain Studio": pages})
with st.sidebar:
    steps = list(STEPS)
    furthest = max((index for index, step in enumerate(steps) if done[step]), default=-1)
    next_step = steps[min(furthest + 1, len(steps) - 1)]
    attempt = runs.last_run()
    if attempt is not None and not attempt.wrote_document and not runs.running:
        st.caption("**Next:** the last run wrote no document. The Generate page says why; then generate again.")
    else:
        st.caption(f"**Next:** {NEXT[next_step]}")
    st.caption("Five answers about your product → a Performance & Scalability document, in minutes.")
# Less empty space above the title: on a 1280×720 projector the first fields should be visible without scrolling.
st.html("<style>.stMainBlockContainer { padding-top: 2.5rem; }</style>")
navigation.run()
