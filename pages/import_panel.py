"""The Brief page's "Start from a document you already have" panel: upload or paste a PRD or spec, read it (offline,
or with Claude and the key the Generate page uses), see what it proposes for each answer and the passages it came
from, choose per answer, confirm. Nothing reaches the brief (or the saved work) before the confirmation, and an
answer the PM typed is replaced only where they chose the proposal.

Claude's reading runs on a thread of its own (specchain.importing.claude.Reading) through the fair queue every Claude
request passes; a fragment redraws its place or clock every second, with Cancel, while the rest of the page stays
usable.
"""

from __future__ import annotations

import os
import time

import streamlit as st

from pages.facts_panel import plain
from pages.shared import (
    PAGES,
    api_key,
    brief,
    field_key,
    money,
    run_service,
    settings,
    sync_work,
)
from specchain.catalog import load_catalog
from specchain.importing import (
    MAX_BYTES,
    MAX_PAGES,
    DocumentProblem,
    ImportedDocument,
    Proposal,
    propose_offline,
    read_paste,
    read_upload,
)
from specchain.steps import ChainStep
from specchain.store import StoreError

PROPOSAL = "_brief_import_proposal"  # the Proposal being looked at; only in this tab's memory until confirmed
READING = "_brief_import_reading"  # Claude's reading while it waits or runs (specchain.importing.claude.Reading)
SAID = "_brief_import_said"  # how the last reading ended, said once: (kind, sentence)
KEEP, USE = "keep", "use"
ENGINES = {"offline": "Offline reader (free, instant, not AI)", "claude": "Claude (AI, reads everything)"}


def text_key(field: str) -> str:
    return f"brief_import_text_{field}"


def choice_key(field: str) -> str:
    return f"brief_import_choice_{field}"


def _document(chain: ChainStep) -> ImportedDocument | None:
    """The chosen file or pasted text, read; None (with the reason shown) when there is nothing usable."""
    try:
        if st.session_state.get("brief_import_source") == "paste":
            return read_paste(str(st.session_state.get("brief_import_paste") or ""), chain)
        upload = st.session_state.get("brief_import_upload")
        if upload is None:
            st.warning("Choose a file first (or switch to “Paste text”).", icon=":material/upload_file:")
            return None
        if upload.size > MAX_BYTES:  # said before the bytes are even read
            raise DocumentProblem(f"“{upload.name}” is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                                  f"{MAX_BYTES // 1024 // 1024} MB. Upload the part that describes the product, or "
                                  "paste its text.")
        return read_upload(upload.getvalue(), upload.name, chain)
    except DocumentProblem as problem:
        st.error(problem.message, icon=":material/error:")
        return None


def _start_claude(document: ImportedDocument, chain: ChainStep) -> None:
    """Start Claude's reading on its own thread, through the fair queue every Claude request passes; the page
    follows it (_follow_reading) and can cancel it."""
    # Imported here: the anthropic SDK loads only when Claude is asked to read.
    from specchain.importing.claude import ClaudeReader, Reading

    key, source = api_key()
    try:
        gate = run_service().gate
    except StoreError as error:
        st.error(str(error), icon=":material/error:")
        return
    reader = ClaudeReader(key, base_url=os.environ.get("ANTHROPIC_BASE_URL") or None, key_source=source, gate=gate)
    st.session_state[READING] = Reading(reader, document, chain, settings().model).start()


def _take_reading(chain: ChainStep) -> None:
    """A reading that ended: its proposal becomes the one shown, or what happened is said."""
    reading = st.session_state.get(READING)
    if reading is None or not reading.done:
        return
    st.session_state.pop(READING)
    name = plain(reading.document.name)
    took = f"{(reading.ended or reading.started) - reading.started:.0f} s"
    if reading.cancelled is not None:
        st.session_state[SAID] = ("info", reading.cancelled.message)
    elif reading.error is not None:
        st.session_state[SAID] = ("error", f"Claude could not read “{name}”. {reading.error.message}")
    elif reading.proposal is not None:
        st.session_state[SAID] = ("success", f"Claude read “{name}” in {took}.")
        _show_proposal(reading.proposal, chain)


def _cancel_reading() -> None:
    """Cancel, as a callback: it takes effect before the page is drawn again. Leaving the queue is one quick step
    and closing the connection is immediate, so the page can say at once what happened."""
    reading = st.session_state.get(READING)
    if reading is not None:
        reading.cancel()
        reading.wait(5)


@st.fragment(run_every=1.0)
def _follow_reading() -> None:
    """Claude's reading as it goes: its place in the queue (in the Generate page's words), or a clock while Claude
    reads; Cancel. Redrawn every second on its own, so the rest of the page stays as it is and can be used."""
    reading = st.session_state.get(READING)
    if reading is None:
        return
    if reading.done:
        st.rerun(scope="app")  # the proposal (or what happened) is drawn by the whole panel
    name = plain(reading.document.name)
    elapsed = time.monotonic() - reading.started
    place = reading.place
    with st.container(border=True, key="brief_import_reading"):
        if reading.cancelling:
            st.info("Cancelling…", icon=":material/progress_activity:")
        elif place is not None:
            st.info(f"**{place.waiting()}**  \n{place.why()} Cancel leaves the queue: nothing is sent to Claude "
                    "and no request is used.", icon=":material/hourglass_top:")
        elif reading.sent:
            st.info(f"**Claude is reading “{name}”…**  \n{len(reading.document.blocks):,} passages, "
                    f"{reading.document.characters:,} characters. A long document takes a minute or two; you can "
                    "keep working on this page meanwhile.", icon=":material/progress_activity:")
        else:
            st.info(f"**Getting in line for Claude to read “{name}”…**", icon=":material/progress_activity:")
        st.caption(f"{elapsed:.0f} s so far" + (f" · {reading.notices[-1]}" if reading.notices else ""))
        st.button("Cancel", key="brief_import_cancel", icon=":material/cancel:", on_click=_cancel_reading,
                  disabled=reading.cancelling,
                  help="Stop reading. Your brief, your document and what you typed stay as they are.")


def _show_proposal(proposal: Proposal, chain: ChainStep) -> None:
    st.session_state[PROPOSAL] = proposal
    for field in chain.fields:  # the proposal's boxes start with what was proposed
        st.session_state[text_key(field.key)] = proposal.get(field.key).text if proposal.get(field.key) else ""
        st.session_state[choice_key(field.key)] = KEEP


def read_document(chain: ChainStep) -> None:
    """"Read it": a new proposal replaces any earlier one; the brief itself is not touched."""
    with st.spinner("Opening the document…"):  # a long PDF or Word file takes a second or two
        document = _document(chain)
    if document is None:
        return
    if st.session_state.get("brief_import_engine") == "claude":
        _start_claude(document, chain)
        return
    with st.spinner(f"Reading {document.characters:,} characters…"):
        _show_proposal(propose_offline(document, chain.fields), chain)


def _changes(chain: ChainStep) -> dict[str, str]:
    """Field → new text, as confirming would apply it: empty answers get the proposal, typed ones only by choice."""
    values = brief()
    changes: dict[str, str] = {}
    for field in chain.fields:
        proposed = str(st.session_state.get(text_key(field.key)) or "").strip()
        current = values.get(field.key, "")
        if not proposed or proposed == current.strip():
            continue
        if not current.strip() or st.session_state.get(choice_key(field.key)) == USE:
            changes[field.key] = proposed
    return changes


def confirm(chain: ChainStep) -> None:
    """Runs before the page is drawn, so the brief's boxes show the new answers in this very run."""
    changes = _changes(chain)
    st.session_state.brief_backup = dict(brief())  # "Undo: bring back what I had typed" works as after an example
    for key, text in changes.items():
        st.session_state[field_key(key)] = text
    st.session_state.brief_checked = False
    st.session_state._brief_import_saved = len(changes)
    st.session_state.pop(PROPOSAL, None)


def discard() -> None:
    st.session_state.pop(PROPOSAL, None)


def _passages(proposal: Proposal, field: str) -> None:
    found = proposal.get(field)
    if found is None or not found.passages:
        return
    lines = [f"- “{plain(p.quote)}” · *{plain(p.location)}*" for p in found.passages]
    st.markdown("From your document:\n" + "\n".join(lines))


def _field(chain: ChainStep, proposal: Proposal, field: str, current: str) -> None:
    spec = chain.field(field)
    found = proposal.get(field)
    with st.container(border=True):
        st.markdown(f"**{plain(spec.label)}**")
        if found is None or not found.text.strip():
            st.caption(plain(found.note if found and found.note else "Nothing found for this in the document."))
            if current.strip():
                st.caption("Your answer stays as you typed it.")
            return
        label = "Proposed answer (you can edit it before confirming)"
        hint = "This is what goes into the brief if you confirm. Change anything you like first."
        if spec.lines <= 1:
            st.text_input(label, key=text_key(field), help=hint, persist_state="session")
        else:
            st.text_area(label, key=text_key(field), help=hint, persist_state="session")
        _passages(proposal, field)
        if found.note:
            st.caption(plain(found.note))
        proposed = str(st.session_state.get(text_key(field)) or "").strip()
        if current.strip() and proposed and proposed != current.strip():
            st.markdown(f"You already answered this: “{plain(current.strip()[:300])}"
                        f"{'…' if len(current.strip()) > 300 else ''}”")
            st.radio("Which answer goes into the brief?", [KEEP, USE], key=choice_key(field), horizontal=True,
                     format_func={KEEP: "Keep mine", USE: "Use the proposal"}.get, persist_state="session",
                     help="Your own answer is kept unless you choose the proposal.")


def _proposal(chain: ChainStep, proposal: Proposal) -> None:
    values = brief()
    st.markdown(f"#### What “{plain(proposal.document)}” says")
    st.caption(f"{plain(proposal.label)}. Nothing is in your brief yet: check each answer, then confirm below. "
               "You can visit other pages meanwhile; but until you confirm, this reading and your edits live only in "
               "this browser tab: reloading or closing it forgets them (your brief stays as it is)."
               + (" The offline reader copies the document's own sentences where it recognises figures and "
                  "technology; it doesn't interpret or summarise." if proposal.engine == "offline" else ""))
    if proposal.input_tokens:
        cost = load_catalog().info(proposal.model).cost(proposal.input_tokens, proposal.output_tokens)
        st.caption(f"Claude read {proposal.input_tokens:,} tokens and wrote {proposal.output_tokens:,}: about "
                   f"{money(cost)}.")
    for note in proposal.notes:
        st.info(plain(note), icon=":material/info:")
    for field in chain.fields:
        _field(chain, proposal, field.key, values.get(field.key, ""))
    changes = _changes(chain)
    kept = [f for f in chain.fields if values.get(f.key, "").strip() and f.key not in changes
            and str(st.session_state.get(text_key(f.key)) or "").strip() not in ("", values[f.key].strip())]
    summary = (f"Confirming puts {len(changes)} answer{'s' if len(changes) != 1 else ''} into your brief"
               + (f" and keeps {len(kept)} of yours as typed" if kept else "") + ".") if changes else \
        "Nothing would change: every proposal is empty, already in your brief, or you chose to keep yours."
    st.write(summary)
    left, right = st.columns(2)
    left.button("Put these answers into my brief", key="brief_import_confirm", type="primary",
                icon=":material/check:", on_click=confirm, args=(chain,), disabled=not changes,
                use_container_width=True, help="Fills your brief as shown above and saves it, like typing. "
                "“Undo: bring back what I had typed” goes back.")
    right.button("Discard this reading", key="brief_import_discard", icon=":material/close:", on_click=discard,
                 use_container_width=True, help="Forget what was read; your brief stays as it is.")


def import_panel(chain: ChainStep) -> None:
    """The panel, above the brief's questions: closed unless a reading is waiting to be confirmed."""
    if (saved := st.session_state.pop("_brief_import_saved", None)) is not None:
        sync_work(adopt_remote=False)  # saved now, as after picking an example: the work and its link exist
        st.success(f"Put {saved} answer{'s' if saved != 1 else ''} from your document into the brief and saved "
                   "it. Check them below.", icon=":material/check_circle:")
    _take_reading(chain)
    reading = st.session_state.get(READING)
    proposal = st.session_state.get(PROPOSAL)
    if proposal is not None or reading is not None:
        st.session_state.brief_import_open = True
    with st.container(border=True):
        # A toggle, not an expander: a closed toggle draws nothing (see the facts panel).
        if not st.toggle("**Start from a document you already have** (a PRD, a spec, a plan)", key="brief_import_open",
                         help="Upload a document, or paste its text, and we propose answers for the five questions, "
                         "each with the passages it came from. You choose; nothing changes until you confirm."):
            return
        source = st.radio("Where is it?", ["upload", "paste"], key="brief_import_source", horizontal=True,
                          persist_state="session",
                          format_func={"upload": "Upload a file", "paste": "Paste text"}.get)
        if source == "paste":
            st.text_area("Paste your document's text", key="brief_import_paste", height=160, persist_state="session",
                         placeholder="TaskFlow Pro: product requirements\n\nWe expect 8,000 people at the same "
                         "moment on weekday mornings…",
                         help="Any text: a PRD, meeting notes, an email. Markdown is fine. Example: copy the "
                         "“Scale and performance” chapter of your spec.")
        else:
            st.file_uploader(
                "Your document", key="brief_import_upload", type=["docx", "pdf", "md", "markdown", "txt", "text"],
                max_upload_size=MAX_BYTES // 1024 // 1024,  # the browser refuses a bigger file before sending it
                help=f"Word (.docx), PDF with text (not a scan), Markdown or plain text; up to "
                f"{MAX_BYTES // 1024 // 1024} MB and {MAX_PAGES} pages. Example: the PRD from your last planning "
                "round. It is read in memory and not kept.")
        key = api_key()[0]
        st.session_state.setdefault("brief_import_engine", "claude" if key else "offline")
        engine = st.radio("Who reads it?", list(ENGINES), key="brief_import_engine", horizontal=True,
                          persist_state="session",
                          format_func=ENGINES.get,
                          help="The offline reader copies the sentences with figures and technology names into the "
                          "right answers; it always works, even without internet. Claude reads the whole document "
                          "and writes each answer in plain sentences, citing its sources; it costs a few cents.")
        if engine == "claude" and not key:
            st.info("Claude needs an API key: on the Generate page choose Claude and type it under Claude settings "
                    "(it stays in this browser tab's memory only), then come back. Or use the offline reader.",
                    icon=":material/key:")
            st.page_link(PAGES["generate"], label="Open the Generate page to enter a key",
                         icon=":material/arrow_forward:")
        if st.button("Read it", key="brief_import_read", icon=":material/auto_stories:",
                     disabled=(engine == "claude" and not key) or reading is not None,
                     help="Reads the document and proposes answers. Your brief is not changed yet."):
            read_document(chain)
            proposal = st.session_state.get(PROPOSAL)
        if st.session_state.get(READING) is not None:
            _follow_reading()
        elif (said := st.session_state.pop(SAID, None)) is not None:
            kind, sentence = said
            {"info": st.info, "error": st.error, "success": st.success}[kind](sentence)
        if proposal is not None:
            _proposal(chain, proposal)
