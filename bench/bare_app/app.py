"""A bare Streamlit app of Spec Chain Studio's shape, the baseline of bench/agent_sessions.py.

Four pages through st.navigation, the same labels and the same flow (example → Next → Next → Generate), a 20 KB
code block, and the app's 26 KB offline draft of the example (bench/bare_app/document.md) cut at its sections as
the app cuts it; none of the app's own modules: what Streamlit alone costs to draw the same things.
"""

import streamlit as st

st.set_page_config(page_title="Bare", layout="wide")
pages = [st.Page(f"pages/{name}.py", title=f"{n} · {name.title()}", default=n == 1)
         for n, name in enumerate(["brief", "prompt", "generate", "document"], start=1)]
navigation = st.navigation({"Bare": pages})
with st.sidebar:
    st.caption("**Next:** the next step.")
navigation.run()
