"""A read-only link to one version (?s=…): its document, its template and figures checks, and downloads."""

import streamlit as st

from pages.shared import SHARE_PARAM, engine_note, run_service, show_document, step
from pages.views import downloads, figures_check, template_check
from specchain.document import split_sections

shared = run_service().store.open_share(st.query_params.get(SHARE_PARAM))
if shared is None:
    st.title("This link doesn't open any document")
    st.write("It may have been mistyped or cut short, or its owner turned it off. Ask them for a new link.")
    st.stop()

record = shared.record
st.title(f"Performance & Scalability: {shared.app_name or 'Untitled product'}")
st.caption(f"A read-only copy of version {record.version}, shared from Spec Chain Studio.")
engine_note(record)
document_tab, check_tab, figures_tab, download_tab = st.tabs(
    [":material/description: Document", ":material/checklist: Template check", ":material/fact_check: Figures check",
     ":material/download: Download"])
with document_tab:
    show_document([s.markdown for s in split_sections(record.document)])
with check_tab:
    template_check(record, step())
with figures_tab:
    figures_check(record, step())
with download_tab:
    downloads(record, page="shared")
