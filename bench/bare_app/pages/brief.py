import streamlit as st

FIELDS = ["app_name", "expected_load", "performance_requirements", "technical_stack", "growth_projections"]
EXAMPLES = {"B2B project-management SaaS": "A realistic answer of a few sentences. " * 6}

st.title("1 · Describe your product")
choice = st.selectbox("Example brief", list(EXAMPLES), index=None, placeholder="Choose an example…")
if st.button("Use this example", disabled=choice is None):
    for field in FIELDS:
        st.session_state[f"field_{field}"] = EXAMPLES[choice]
for field in FIELDS:
    st.text_area(field.replace("_", " ").title(), key=f"field_{field}")
if st.button("Next: check the prompt", type="primary"):
    st.switch_page("pages/prompt.py")
