"""Spec Chain Studio core: everything except the Streamlit pages. Imports no Streamlit."""
