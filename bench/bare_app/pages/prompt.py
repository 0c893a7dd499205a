import streamlit as st

st.title("2 · Check the prompt")
prompt = "\n".join(st.session_state.get(f"field_{f}", "") for f in ["app_name", "expected_load"])
prompt += "\nInstructions of the prompt, one line of about a hundred characters, repeated to make 20 KB of text.\n" * 200
st.metric("Characters", f"{len(prompt):,}")
if st.button("Next: generate the document", type="primary"):
    st.switch_page("pages/generate.py")
st.code(prompt, language=None, wrap_lines=True, height=480)
