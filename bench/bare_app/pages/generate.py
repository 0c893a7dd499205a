import streamlit as st

st.title("3 · Generate the document")
st.radio("Who writes the document?", ["offline", "claude"], key="engine", horizontal=True,
         format_func={"offline": "Offline draft (free, instant)", "claude": "Claude (AI, needs an API key)"}.get)
if st.button("Generate version 1", type="primary"):
    st.session_state.document = [f"## Section {n}\n\n" + "A paragraph of the document, about a hundred characters "
                                 "long, repeated to fill a piece. " * 10 for n in range(23)]
if "document" in st.session_state:
    st.success("Version 1 is ready.")
    for piece in st.session_state.document:
        st.markdown(piece)
