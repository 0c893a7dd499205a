"""Step 2: the exact prompt that will be sent, its size and what it may cost."""

import streamlit as st

from pages.shared import (
    PAGES,
    begin_page,
    brief,
    brief_problems,
    current_inputs,
    money,
    settings,
    step,
)
from specchain.catalog import cost_range, estimate_tokens, load_catalog
from specchain.exports import file_stem

begin_page()

chain = step()
st.session_state.prompt_seen = True

st.title("2 · Check the prompt")
st.write(
    "This is exactly what the AI model receives: the Performance & Scalability instructions with your answers "
    "filled in. You don't need to edit it, but you can copy or download it to use in any chat tool."
)

problems = brief_problems()
if problems:
    st.warning("The brief isn't ready yet: " + " ".join(problems.values()), icon=":material/warning:")
    if st.button("Back to the brief", icon=":material/arrow_back:", key="prompt_back_to_brief"):
        st.switch_page(PAGES["brief"])
    st.stop()

rendered = chain.render(current_inputs())
chosen = settings()
catalog = load_catalog()
model = catalog.info(chosen.model)
tokens = estimate_tokens(rendered.text)

size, token_count, cost = st.columns(3)
size.metric("Characters", f"{len(rendered.text):,}")
token_count.metric("Tokens (estimate)", f"≈ {tokens:,}", help="Tokens are the pieces of text a model reads; "
                   "English averages about four characters per token.")
if model.input_per_mtok:
    low, high = cost_range(model, rendered.text, chosen.max_tokens)
    cost.metric(f"Cost with {model.name}", f"{money(low)} – {money(high)}",
                help=f"The prompt plus a typical document of 8,000–20,000 output tokens, at list prices of "
                f"{catalog.prices_as_of}. The offline draft is free.")
else:
    cost.metric("Cost", "not known", help="No price is listed for this model (for example a local server).")

if rendered.neutralised_tags:
    shown = ", ".join(f"`{t}`" for t in rendered.neutralised_tags[:5])
    st.info(
        f"Your answers contained text that looks like the prompt's own tags ({shown}). They were changed to "
        "‹look-alike› brackets so they stay part of your answer and can't change the prompt's structure.",
        icon=":material/shield:",
    )

if carried := current_inputs().answers:
    st.caption(f"Includes your answers to {len(carried)} earlier clarification question(s), inside <user_data>.")

left, right = st.columns(2)
left.download_button(
    "Download the prompt (.txt)", data=rendered.text.encode("utf-8"), mime="text/plain",
    file_name=file_stem(brief().get("app_name", ""), "prompt") + ".txt",
    on_click="ignore", icon=":material/download:", use_container_width=True, key="prompt_download",
    help="The exact prompt as a text file, to paste into any chat tool (no API key needed).",
)
if right.button("Next: generate the document", type="primary", icon=":material/arrow_forward:",
                use_container_width=True, key="prompt_next"):
    st.switch_page(PAGES["generate"])

st.code(rendered.text, language=None, wrap_lines=True)  # no inner scrolling: a keyboard reaches all of it
