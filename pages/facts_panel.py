"""The Brief page's "What we read from your brief" panel: each fact with the words it came from and an edit box, the
figures we could not read, where the brief's own targets disagree, and what the draft will assume.

A changed box is a correction (fact key → text) kept in the session beside the answers, saved with the work and used
by the prompt and the offline draft. Typing back what was read, or pressing Undo, removes it.
"""

from __future__ import annotations

import re

import streamlit as st

from pages.shared import corrections
from specchain.document import escape_markdown
from specchain.facts.present import FactRow, read_brief
from specchain.inputs import ChainInputs
from specchain.steps import ChainStep

# Plain-words help for the terms a PM may not know, by fact key (or, ending in ".", the start of one).
HELP = {
    "rpo": ("**RPO** (recovery point objective): how much recent work may be lost when something breaks, counted "
            "in time. “5 minutes” means that after a failure at most the last 5 minutes of changes are gone."),
    "rto": ("**RTO** (recovery time objective): how long the product may be out of action after a failure before "
            "people can use it again."),
    "failover": "How long switching over to a standby copy takes when a server or a data centre fails.",
    "availability": ("The share of time the product works. 99.9% allows about 43 minutes of downtime a month; "
                     "99.99% about 4 minutes."),
    "latency.": ("How fast it must be. “95th percentile” (**p95**) means 95 out of 100 requests are at least this "
                 "fast and the slowest 5 may take longer; p99 is 99 out of 100; the median (p50) is the typical "
                 "request. “Never slower than” is a hard limit for every request."),
    "users.concurrent": ("People using the product at the very same moment at the busiest time, not everyone who "
                         "has an account."),
    "load.peak_factor": "How many times busier the busiest hour is than a normal one.",
    "database.max_connections": ("How many connections the database accepts at once; the app's connection pools "
                                 "must fit under it."),
    "growth.": "How many times bigger this gets over the period (2x is double).",
}
COMMON_HELP = ("Change it if we read it wrong; empty the box if it doesn't apply. Your correction is used by the "
               "prompt and the offline draft.")


def fact_key(key: str) -> str:
    return f"fact_{key}"


def plain(text: str) -> str:
    """User text shown exactly as typed: no Markdown, and no `$…$` maths."""
    return escape_markdown(text).replace("$", "\\$")


def help_for(key: str) -> str:
    specific = next((text for start, text in HELP.items()
                     if key == start or start.endswith(".") and key.startswith(start)), "")
    return f"{specific}\n\n{COMMON_HELP}" if specific else COMMON_HELP


def keep_correction(key: str, read_text: str) -> None:
    """A changed box is a correction; typing back exactly what was read removes it."""
    typed = str(st.session_state.get(fact_key(key)) or "").strip()
    fixes = corrections()
    if typed == read_text.strip():
        fixes.pop(key, None)
    else:
        fixes[key] = typed


def undo_correction(key: str) -> None:
    corrections().pop(key, None)


def _group(row: FactRow, chain: ChainStep) -> str:
    """Where a fact came from: a brief field's label, the answers, or only a correction."""
    if row.read is None:
        return "Only in your corrections (your brief no longer says these)"
    if row.read.origin == "answer":
        return "From your answers to the document's questions"
    return next((f.label for f in chain.fields if f.key == row.read.field), "From your brief")


def _source(row: FactRow) -> str:
    fact = row.read
    if fact is None:
        return ""
    quote = f"“{plain(fact.quote)}”"
    if fact.origin == "answer":
        version = re.search(r"\d+", fact.note)
        return f"Your answer{f' in version {version.group(0)}' if version else ''}: {quote}"
    return quote


def _fact(row: FactRow) -> None:
    st.session_state[fact_key(row.key)] = row.text  # the box shows the correction, else what was read
    st.text_input(row.label, key=fact_key(row.key), help=help_for(row.key), on_change=keep_correction,
                  args=(row.key, row.read_text), placeholder="Doesn't apply (removed)")
    source = _source(row)
    if row.correction == "":
        st.caption(f":material/block: **Removed by you**: the prompt and the draft won't use it. We read "
                   f"“{plain(row.read_text)}” from {source}")
    elif row.corrected and row.read is not None:
        st.caption(f":material/edit: **Corrected by you**; we read “{plain(row.read_text)}” from {source}")
    elif row.corrected:
        st.caption(":material/edit: **Corrected by you.**")
    else:
        st.caption(source)
    if row.corrected:
        st.button("Undo", key=f"undo_{fact_key(row.key)}", icon=":material/undo:", type="tertiary",
                  on_click=undo_correction, args=(row.key,), help="Forget your correction and use what we read.")


def _facts(rows: tuple[FactRow, ...], chain: ChainStep) -> None:
    """The facts grouped by where they came from, two to a line."""
    groups: dict[str, list[FactRow]] = {}
    for row in rows:
        groups.setdefault(_group(row, chain), []).append(row)
    for title, members in groups.items():
        st.markdown(f"**{plain(title)}**")
        for start in range(0, len(members), 2):
            for column, row in zip(st.columns(2), members[start:start + 2], strict=False):
                with column:
                    _fact(row)


def facts_panel(chain: ChainStep, inputs: ChainInputs) -> None:
    """The panel, below the brief's fields: collapsed unless something needs the PM's attention."""
    reading = read_brief(inputs)
    checks = len(reading.unread) + len(reading.conflicts)
    label = "What we read from your brief" + (f" · {checks} to check" if checks else "")
    # A toggle, not an expander: an expander draws its boxes on every rerun even when closed (a box per fact made
    # typing in the brief 2.5× slower); a toggle that is off draws nothing. It is on when something needs checking.
    with st.container(border=True):
        # Keyed, so an AI agent finds it by name; set open or closed here whenever what needs checking changes (as its
        # generated id used to reset it when its label or default changed), and when it comes back to the page.
        shown_for = (reading.needs_attention, checks)
        if st.session_state.get("_facts_panel_for") != shown_for or "brief_facts_panel" not in st.session_state:
            st.session_state._facts_panel_for = shown_for
            st.session_state.brief_facts_panel = reading.needs_attention
        if not st.toggle(label, key="brief_facts_panel",
                         help="Each figure and technology we found, the words it came from, and a box to correct it."):
            return
        if not reading.rows and not reading.unread:
            st.write("Nothing yet: the figures and technologies in your answers above will show here, so you can "
                     "check we read them right before the document is written.")
            return
        st.write("The figures and technologies we found in your brief, with the words they came from. The prompt and "
                 "the offline draft use them exactly as shown here: if we read something wrong, correct it in its box.")
        for unread in reading.unread:
            st.warning(f"**We couldn't tell what a figure means.** {plain(unread.question)} Say it in the brief "
                       "(for example “8,000 people at the same moment”), or answer it when the document asks.",
                       icon=":material/help:")
        for conflict in reading.conflicts:
            st.warning(f"**Your targets disagree.** {plain(conflict.message)}", icon=":material/warning:")
        _facts(reading.rows, chain)
        if reading.answered:
            st.markdown("**Your answers to the document's questions** (they update the facts above)")
            for answered in reading.answered:
                st.markdown(f"- :material/check_circle: Answered: {plain(answered.display)}")
        if reading.assumptions:
            st.markdown("**What the offline draft will assume** (your brief doesn't say; add it above to change it)")
            st.markdown("\n".join(f"- {plain(text)}" for text in reading.assumptions))
