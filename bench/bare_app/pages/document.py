import streamlit as st

st.title("4 · Your document")
for piece in st.session_state.get("document", []):
    st.markdown(piece)
