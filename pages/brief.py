"""Step 1: the five answers about the product."""

import streamlit as st

from pages.facts_panel import facts_panel
from pages.import_panel import import_panel
from pages.shared import (
    PAGES,
    begin_page,
    brief,
    brief_problems,
    carried_answers,
    current_inputs,
    field_key,
    step,
    sync_work,
)

begin_page()
chain = step()
values = brief()

st.title("1 · Describe your product")
if (restored := st.session_state.pop("brief_restored", None)) is not None:
    st.success(f"This is the brief version {restored} was written from. Change anything, then generate again.",
               icon=":material/restore:")
st.write(
    "Answer five questions in your own words. Rough numbers are fine: the document turns them into measurable "
    "targets and asks about anything it needs. Only the product name is required. When you are done, press "
    "**Next: check the prompt** below the questions."
)

with st.container(border=True):
    st.markdown("**Start from an example** (handy for a first try or a demo)")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    names = [e.name for e in chain.examples]
    choice = left.selectbox("Example brief", names, index=None, placeholder="Choose an example…",
                            label_visibility="collapsed", key="brief_example")
    if right.button("Use this example", disabled=choice is None, use_container_width=True, key="brief_use_example",
                    help="Fills the five answers below with the chosen example; Undo brings back what you had."):
        example = next(e for e in chain.examples if e.name == choice)
        st.session_state.brief_backup = dict(values)
        for field in chain.fields:
            st.session_state[field_key(field.key)] = example.values.get(field.key, "")
        st.session_state.brief_checked = False
        sync_work(adopt_remote=False)  # saved now: the work (and its link) exists from the first example picked
        st.toast(f"Filled in “{choice}”. Edit anything you like.")
    if st.session_state.get("brief_backup") is not None and st.button(
        "Undo: bring back what I had typed", icon=":material/undo:", key="brief_undo_example"
    ):
        for field in chain.fields:
            st.session_state[field_key(field.key)] = st.session_state.brief_backup.get(field.key, "")
        st.session_state.brief_backup = None
        st.rerun()

import_panel(chain)

problems = brief_problems()
show_all = st.session_state.get("brief_checked", False)

with st.container(border=True):
    st.markdown("**Your product**")
    for field in chain.fields:
        label = field.label + (" (required)" if field.required else "")
        common = {"key": field_key(field.key), "help": field.help, "placeholder": field.placeholder,
                  "persist_state": "session"}
        if field.lines <= 1:
            st.text_input(label, **common)
        else:
            st.text_area(label, height=68 + 24 * field.lines, **common)
        length = len(brief().get(field.key, ""))
        problem = problems.get(field.key)
        # A missing answer is only pointed out once the user tries to go on; an over-long one at once.
        if problem and (show_all or length > field.max_chars):
            st.error(problem, icon=":material/error:")
        elif length > field.max_chars * 0.8:
            st.caption(f"{length:,} of {field.max_chars:,} characters")

facts_panel(chain, current_inputs())

answers = carried_answers()
if answers:
    with st.expander(f"Answers to earlier questions ({len(answers)}), included in the next prompt"):
        for answer in answers:
            st.markdown(f"**{answer.question}**  \n{answer.answer}  \n*answers version {answer.version}*")
        if st.button("Clear these answers", icon=":material/delete:", key="brief_clear_answers",
                     help="The next prompt leaves out your answers to earlier versions' questions."):
            st.session_state.answers = []
            st.rerun()



def check_before_continuing() -> None:
    # Runs before the page is redrawn, so every field shows its message in the same run.
    st.session_state.brief_checked = True
    st.session_state.continue_clicked = True


st.button("Next: check the prompt", type="primary", icon=":material/arrow_forward:", on_click=check_before_continuing,
          key="brief_next")
if st.session_state.pop("continue_clicked", False):
    if problems:
        st.error("Some answers need a change before you go on: see the messages above.", icon=":material/error:")
    else:
        st.switch_page(PAGES["prompt"])
