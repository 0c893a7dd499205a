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


def icon(step: str, number: int) -> str:
    if step == "generate" and runs.running:
        return ":material/progress_activity:"
    return ":material/check_circle:" if done[step] else f":material/counter_{number}:"


pages = [
    st.Page(PAGES["brief"], title="Brief", icon=icon("brief", 1), default=True),
    st.Page(PAGES["prompt"], title="Prompt", icon=icon("prompt", 2)),
    st.Page(PAGES["generate"], title="Generate", icon=icon("generate", 3)),
    st.Page(PAGES["document"], title="Document", icon=icon("document", 4)),
]
with st.sidebar:
    st.markdown("### Spec Chain Studio")
    st.caption("Five answers about your product → a Performance & Scalability document.")
navigation = st.navigation({"Steps": pages})
navigation.run()
