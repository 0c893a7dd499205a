import re
from pathlib import Path

import streamlit as st

st.title("3 · Generate the document")
st.radio("Who writes the document?", ["offline", "claude"], key="engine", horizontal=True,
         format_func={"offline": "Offline draft (free, instant)", "claude": "Claude (AI, needs an API key)"}.get)
if st.button("Generate version 1", type="primary"):
    # The app's offline draft of the same example (26 KB: headings, tables, lists, code), cut at its sections as the
    # app cuts it, so both draw the same Markdown.
    text = (Path(__file__).parent.parent / "document.md").read_text(encoding="utf-8")
    starts = [0, *(m.start() + 1 for m in re.finditer(r"\n## ", text))]
    st.session_state.document = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
if "document" in st.session_state:
    st.success("Version 1 is ready.")
    for piece in st.session_state.document:
        st.markdown(piece)
