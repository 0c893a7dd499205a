"""Step 3: choose the engine and write the document, with live progress.

The run happens on a worker thread (specchain.runs); this page follows it (see follow): each finished piece of the
document (about 1 KB of whole Markdown blocks) is sent to the browser once, as it completes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check

from pages.shared import (
    KEY_SOURCES,
    PAGES,
    agent_wait_s,
    api_key,
    begin_page,
    brief_problems,
    cost_text,
    driven_by_agent,
    estimated,
    start_run,
    step,
    tokens_text,
    workspace,
)
from specchain.catalog import load_catalog
from specchain.document import for_screen, split_sections, stream_pieces
from specchain.records import RunRecord
from specchain.runs import Progress, RunJob
from specchain.workspace import StoredRun

begin_page()
WAKE_S = 0.1  # how often the following loop looks up even without news: a click on Stop waits at most this
RECUT_EVERY_S = 0.1  # Claude sends ~25 small deltas a second; cutting the current section into pieces is O(section)
STATUS_EVERY_S = 5.0  # while text arrives the document shows progress; the elapsed time moves in 5-second steps
DOCUMENT_PLACE = "_generate_document_place"  # (which place holds the document, the run it follows or None): Regions

runs = workspace()
state = runs.state() if runs else None
running = bool(state and state.active_run)
catalog = load_catalog()
key, key_source = api_key()

st.title("3 · Generate the document")


def engine_settings() -> None:
    st.session_state.setdefault("engine", "claude" if key else "offline")
    st.radio(
        "Who writes the document?",
        ["offline", "claude"],
        key="engine",
        horizontal=True,
        format_func={"offline": "Offline draft (free, instant)", "claude": "Claude (AI, needs an API key)"}.get,
        help="The offline draft follows fixed rules and always works, even without internet. Claude writes a "
        "document tailored to your answers; it takes a few minutes and costs a few cents.",
        disabled=running,
        persist_state="session",
    )
    if st.session_state.engine != "claude":
        return
    with st.expander("Claude settings", expanded=not key, icon=":material/tune:"):
        if key_source in ("environment", "secrets"):
            st.success(f"Using the API key from {KEY_SOURCES[key_source]}.", icon=":material/key:")
        else:
            st.text_input(
                "Anthropic API key", type="password", key="api_key", placeholder="sk-ant-…",
                help="Create one at console.anthropic.com under API keys. It stays in this browser session's "
                "memory only: never saved, logged or included in downloads.",
                persist_state="session",
            )
        ids = [m.id for m in catalog.models] + ["custom"]
        st.session_state.setdefault("model", catalog.default)
        st.selectbox(
            "Model", ids, key="model",
            format_func=lambda m: "Other model ID (for a local server)…" if m == "custom"
            else f"{catalog.get(m).name} · ${catalog.get(m).input_per_mtok:g} / ${catalog.get(m).output_per_mtok:g}"
            f" per million tokens · {catalog.get(m).description}",
            help=f"Prices per million input / output tokens, as of {catalog.prices_as_of}.",
            persist_state="session",
        )
        if st.session_state.model == "custom":
            st.text_input("Model ID", key="custom_model", placeholder="e.g. claude-sonnet-5-5 or llama3.1",
                          help="For an Anthropic-compatible server (Ollama, LM Studio, vLLM) set ANTHROPIC_BASE_URL "
                          "before starting the app, then type its model name here.", persist_state="session")
        model = catalog.info(st.session_state.get("custom_model") if st.session_state.model == "custom"
                             else st.session_state.model)
        st.session_state.setdefault("max_tokens", min(32000, model.max_output_tokens))
        st.session_state.max_tokens = min(st.session_state.max_tokens, model.max_output_tokens)
        st.number_input(
            "Maximum length (output tokens)", min_value=1000, max_value=model.max_output_tokens, step=1000,
            key="max_tokens",
            help="A complete document needs about 10,000–20,000 tokens. If the limit is reached, the document "
            "page offers to continue from where it stopped.",
            persist_state="session",
        )
        if model.accepts_temperature:
            if st.checkbox("Set temperature", key="set_temperature", persist_state="session",
                           help="Lower is more predictable, higher more varied. Leave unticked for the model's default."):
                st.session_state.setdefault("temperature", 1.0)
                st.slider("Temperature", 0.0, 1.0, step=0.1, key="temperature", persist_state="session")
        else:
            st.caption("Temperature: this model always uses its own setting, so there is nothing to change.")


def progress_line(p: Progress) -> str:
    """What the run is doing, in words that change only when something happens: a screen reader announces each new
    line (the elapsed time is drawn beside it, apart, so that it is not read out every few seconds)."""
    if p.record is not None:  # the end, said in the same live region as the progress (see follow)
        nothing = "" if p.record.wrote_document else ", no document written"
        return f"Run ended: {p.record.stop_label}{nothing}"
    if p.stopping:
        return "Leaving the queue…" if p.state == "queued" else "Stopping… keeping what was written"
    if p.state == "queued":  # waiting for its turn at the fair queue in front of Claude (specchain/queue.py)
        return p.queue.waiting() if p.queue else "Waiting for your turn…"
    if p.state == "connecting":
        return "Connecting…"
    if p.state == "planning":
        return "Analysing your requirements…"
    if p.position:
        number, title = p.position
        return f"Writing {number} of {len(step().sections)}: {title}"
    return "Writing…"


def status_text(p: Progress) -> str:
    notice = f"  \n{p.notice}" if p.notice else ""
    if p.state == "queued" and p.queue is not None and not p.stopping:
        notice += (f"  \n{p.queue.why()} You can leave this page and come back: your place is kept. Stop leaves "
                   "the queue: nothing is sent to Claude, no request is used and no version is made.")
    return f"**{progress_line(p)}**{notice}"


def caption_text(job: RunJob | StoredRun, p: Progress) -> str:
    """What is being written, with what, above the status: true in every state ("" once the run has ended: the status
    says how, and the page is drawn again with the outcome a moment later)."""
    label = job.request.settings.label
    if p.record is not None:
        return ""
    if p.state == "queued":
        return (f"Leaving the queue: version {job.version} will not be written." if p.stopping
                else f"Waiting for your turn to write version {job.version} with {label}.")
    if p.stopping:
        return f"Stopping version {job.version} with {label}: what was written so far is kept."
    return (f"Writing version {job.version} with {label}. You can switch pages: the writing carries on, and only "
            "Stop ends it.")


@dataclass(frozen=True)
class Regions:
    """The page under the engine settings, top to bottom. Both of the page's states (following a run; the last run
    and the next step) reserve every region, in this order, and fill some: Streamlit keeps what the previous script
    run drew on screen, greyed, until the new run replaces it or ends, and while a run is followed the script runs
    for minutes. A "Generate version N" button or the last run's figures left below the status would stay there for
    the whole run; an st.empty() replaces them at once.

    The document has two places, one under the other, and uses one at a time. A container drawn where a container
    was keeps the old one's parts (greyed) until they are replaced, and an st.empty() is merged with what is drawn
    at its place next, before it reaches the browser: so a document that must start afresh (a new run's) goes to
    the place the previous draw left empty, and one that goes on (the same run after Stop, or finished) is drawn
    over itself, piece by piece, without a flicker."""

    notice: DeltaGenerator  # the brief isn't ready; a run already started in another tab
    caption: DeltaGenerator  # what is being written, with what (caption_text)
    status: DeltaGenerator  # the run's status and Stop; after the run, how it ended
    figures: DeltaGenerator  # the last run's time, tokens and cost
    actions: DeltaGenerator  # the next steps: Continue writing, Open the document, Generate version N
    document: DeltaGenerator  # the document, as it is written and after

    @classmethod
    def reserve(cls, following: str | None) -> Regions:
        """Every region as an st.empty() (the document in one of its places); following: the run followed, if any."""
        place, followed = st.session_state.get(DOCUMENT_PLACE, (0, None))
        if following is not None and following != followed:
            place = 1 - place  # a new run's document starts in the place left empty
        st.session_state[DOCUMENT_PLACE] = (place, following)
        notice, caption, status, figures, actions, *places = (st.empty() for _ in range(len(fields(cls)) + 1))
        return cls(notice, caption, status, figures, actions, places[place])

    @classmethod
    def following(cls, run_id: str) -> Regions:
        """While a run is followed: its status box (with Stop) and its document; the rest left empty."""
        area = cls.reserve(run_id)
        return replace(area, status=area.status.container(border=True),
                       document=area.document.container(key="generate_document"))

    @classmethod
    def after_the_run(cls) -> Regions:
        """After the last run (or before the first): room for several next steps and the finished document."""
        area = cls.reserve(None)
        return replace(area, actions=area.actions.container(), document=area.document.container())


def follow(job: RunJob | StoredRun, area: Regions, status: DeltaGenerator, clock: DeltaGenerator) -> None:
    """Show the run as it happens, until it ends.

    The page waits on the run's change signal instead of polling, and sends only what is new: each finished piece
    of the document once (see stream_pieces), and the status line when its words change or, while text arrives,
    every few seconds for the elapsed time. So the browser receives little more than the document itself.
    """
    line, said, drawn_at = "", None, 0.0
    shown: list[int] = []  # pieces drawn, per section; each section is its own container
    boxes: list[DeltaGenerator] = []
    seen, cut_at = -1, 0.0
    while True:
        latest = job.wait_for_change(seen, timeout=WAKE_S)
        allow_stop_and_page_switches()
        p = job.progress()
        every = STATUS_EVERY_S if p.state == "writing" else 1.0  # waiting with nothing to show: tick each second
        new_line = status_text(p)
        if new_line != line:
            # st.info is drawn with role="status": a screen reader announces each new line, and the end.
            status.info(new_line, icon=":material/task_alt:" if p.record else ":material/progress_activity:")
            line = new_line
        if (words := caption_text(job, p)) != said:
            if words:
                area.caption.caption(words)
            else:
                area.caption.empty()
            said = words
        if p.elapsed_s - drawn_at >= every or p.record is not None:
            clock.caption(f"{p.elapsed_s:,.0f} s elapsed")
            drawn_at = p.elapsed_s
        if latest == seen:  # woken only to look for a click: the text has not changed, nothing to re-cut
            continue
        if p.record is None and (wait := cut_at + RECUT_EVERY_S - time.monotonic()) > 0:
            time.sleep(wait)  # let a few deltas gather: the section being written is re-cut at most 10 times a second
            continue
        seen, cut_at = latest, time.monotonic()
        sections = [*p.sections, p.current]
        for index in range(max(0, len(shown) - 1), len(sections)):
            pieces = stream_pieces(sections[index].markdown, finished=index < len(p.sections))
            if index == len(shown):
                if not pieces:
                    break
                boxes.append(area.document.container())
                shown.append(0)
            for piece in pieces[shown[index]:]:
                boxes[index].markdown(for_screen(piece))
            shown[index] = len(pieces)
        if p.record is not None:
            job.wait(2)  # the version is filed a moment after the record exists
            return


def progress_for_agent(job: RunJob | StoredRun, area: Regions, status: DeltaGenerator, clock: DeltaGenerator) -> None:
    """The run for an AI agent (Streamlit's agent API), which sees the page only once the script ends and can send
    nothing (not even Stop) until then: wait for the end at most half its wait limit, then show the run as it is,
    with the document so far. The agent's next call (its session_id alone) looks again; Stop works between calls."""
    if job.wait(agent_wait_s()):
        st.rerun()  # the version is filed: the page says how the run ended, as after follow()
    p = job.progress()
    if words := caption_text(job, p):
        area.caption.caption(words)
    status.info(status_text(p), icon=":material/progress_activity:")
    clock.caption(f"{p.elapsed_s:,.0f} s elapsed")
    for index, section in enumerate([*p.sections, p.current]):
        for piece in stream_pieces(section.markdown, finished=index < len(p.sections)):
            area.document.markdown(for_screen(piece))


def allow_stop_and_page_switches() -> None:
    """Let a click (Stop, another page) interrupt this script now. Streamlit checks for one whenever the script
    sends something; this loop may send nothing for a while, so it asks Streamlit to check."""
    check = get_run_yield_check()
    if check is not None:
        check()


@st.fragment(run_every=0.1)
def redraw_from_the_browser() -> None:
    """After the run, redraw the page at the browser's request, not with st.rerun() from here.

    A rerun the browser asks for carries the list of messages it already holds, so the document's pieces come
    back as short references instead of in full; a rerun started by the server during the long run does not know
    of them, and would send the whole document a second time.
    """
    if st.session_state.pop("redraw_armed", False):
        st.rerun(scope="app")
    st.session_state.redraw_armed = True  # the first, inline call only arms it; the next timed run redraws


def run_summary(area: Regions) -> RunRecord | None:
    """How the last run went, with the next step as the one primary button. The record, if it left a document."""
    record = runs.last_run() if runs else None
    if record is None:
        return None
    # A Continue that wrote nothing: the version it continues is untouched, and is what to continue again.
    continued = runs.get(record.continues_version) if runs and record.continues_version and \
        not record.wrote_document else None
    if continued is not None:
        reason = record.no_document_reason.removesuffix(" Your brief is kept.")
        area.status.warning(f"**Continue writing added nothing.** {reason} Version {continued.version} is kept as it "
                            "was, unfinished: press Continue writing to try again.", icon=":material/warning:")
    elif not record.wrote_document:
        area.status.warning(f"**No document was produced.** {record.no_document_reason}", icon=":material/warning:")
    elif record.error:
        area.status.error(record.error, icon=":material/error:")
    elif record.stop_reason == "max_tokens":
        area.status.warning(f"Version {record.version} reached the maximum length and was cut off. Continue writing "
                            "asks Claude for the rest, starting exactly where it stopped.",
                            icon=":material/content_cut:")
    elif not record.finished:
        area.status.warning(f"Version {record.version} is unfinished ({record.stop_label.lower()}); what was written "
                            "is kept.", icon=":material/content_cut:")
    else:
        area.status.success(f"Version {record.version} is ready.", icon=":material/task_alt:")
    cols = area.figures.columns(5)
    cols[0].metric("Time to first text", f"{record.first_text_s:.1f} s" if record.first_text_s is not None else "–")
    cols[1].metric("Total time", f"{record.total_s:.1f} s")
    cols[2].metric("Tokens in", tokens_text(record, record.input_tokens))
    cols[3].metric(estimated("Tokens out", record), tokens_text(record, record.output_tokens),
                   help="Estimated from the text received: the connection ended before Claude sent its count."
                   if record.usage_estimated else None)
    cols[4].metric(estimated("Cost", record), cost_text(record))
    record = continued or record  # the version to continue and to open
    if not record.wrote_document:
        return None
    with area.actions:
        if record.can_continue and st.button("Continue writing", type="primary", icon=":material/play_arrow:",
                                             key="generate_continue",
                                             help="Claude writes the rest, starting exactly where it stopped; the "
                                             "parts are joined into a new version."):
            start_run(continues=record)
    if area.actions.button("Open the document", type="secondary" if record.can_continue else "primary",
                           icon=":material/arrow_forward:", key="generate_open_document"):
        st.session_state.viewing_version = record.version
        st.switch_page(PAGES["document"])
    return record


job = runs.service.follow(runs.token, state.active_run) if runs and running else None
if job is None and running:  # the run ended between reading the work and now: read it again, as it is now
    state = runs.state(fresh=True)
    running = bool(state.active_run)

engine_settings()

if job is not None:
    # Every region is drawn (emptied, or the run's) before the run is followed: nothing of the page's previous state
    # stays on screen while the run waits in the queue, connects or writes (see Regions).
    area = Regions.following(job.run_id)
    pressed = st.session_state.pop("generate_pressed", False)
    if pressed and job.run_id != st.session_state.get("started_run"):  # pressed in a tab that hadn't seen this run
        area.notice.warning(f"Version {job.version} is already being written for this work, perhaps in another tab: "
                            "it is shown below. Wait for it to finish, or press Stop to end it and generate again.",
                            icon=":material/hourglass_top:")
    with area.status:
        left, right = st.columns([4, 1], vertical_alignment="center")
        status, clock = left.empty(), left.empty()  # drawn by follow(), at once, with the caption above
        # A callback, so the click takes effect before this script draws anything: the button is disabled and the
        # status says "Stopping…" in the same rerun; the connection to Claude is closed at once.
        right.button("Stop", icon=":material/stop_circle:", use_container_width=True, on_click=job.request_stop,
                     disabled=job.stopping, help="Stop writing. Everything written so far is kept.",
                     key="generate_stop")
    if driven_by_agent():
        progress_for_agent(job, area, status, clock)
    else:
        follow(job, area, status, clock)
        redraw_from_the_browser()
else:
    st.session_state.pop("redraw_armed", None)
    area = Regions.after_the_run()
    problems = brief_problems()
    if problems:
        area.notice.warning("The brief isn't ready yet: " + " ".join(problems.values()), icon=":material/warning:")
        if area.actions.button("Back to the brief", icon=":material/arrow_back:", key="generate_back_to_brief"):
            st.switch_page(PAGES["brief"])
    else:
        shown = run_summary(area)
        label = f"Generate version {(state.versions[-1].version if state and state.versions else 0) + 1}"
        # Once a document exists, opening it is the next step; generating again is the second choice.
        # The callback notes the click even when, by the time this page runs again, another tab has started a run.
        with area.actions:  # a message from start_run (no key, a run already going) goes under the button
            if st.button(label, type="secondary" if shown else "primary", icon=":material/play_arrow:",
                         on_click=st.session_state.update, kwargs={"generate_pressed": True}, key="generate_start",
                         help="Writes a new version of the document with the engine chosen above; earlier versions "
                         "stay."):
                st.session_state.pop("generate_pressed", None)
                start_run()
        if shown:
            # The document stays where the user watched it being written; the Document page has the rest.
            for section in split_sections(shown.document):
                with area.document.container():  # the same containers and pieces as while it streamed (see follow)
                    for piece in stream_pieces(section.markdown, finished=True):
                        st.markdown(for_screen(piece))
