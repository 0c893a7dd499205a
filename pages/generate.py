"""Step 3: choose the engine and write the document, with live progress.

The run happens on a worker thread (specchain.runs); this page only polls it. Finished sections are drawn once, in
the page body; only the section being written is repainted, a few times a second, by a fragment.
"""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pages.shared import KEY_SOURCES, PAGES, api_key, brief_problems, money, show_document, start_run, step, workspace
from specchain.catalog import load_catalog
from specchain.document import split_sections
from specchain.runs import Progress

REPAINT_S = 0.2  # at most five repaints a second: smooth to the eye, light on the server and the browser

runs = workspace()
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
        disabled=runs.running,
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
    elapsed = f"{p.elapsed_s:,.0f} s"
    if p.state == "connecting":
        return f"Connecting… {elapsed}"
    if p.state == "planning":
        return f"Analysing your requirements… {elapsed}"
    if p.position:
        number, title = p.position
        return f"Writing {number} of {len(step().sections)}: {title} · {elapsed}"
    return f"Writing… {elapsed}"


def status_text(p: Progress) -> str:
    notice = f"  \n{p.notice}" if p.notice else ""
    return f":material/progress_activity: **{progress_line(p)}**{notice}"


@st.fragment(run_every=REPAINT_S)
def live_tail(status: DeltaGenerator) -> None:
    """The section being written, and the status line above the document: the only parts that are repainted.

    One self-refreshing fragment only: with two (a status bar and this), 1 run in 12 in Chromium ended with both
    refresh timers gone and the page stuck on "Writing…" although the run had finished.
    """
    job = runs.job
    if job is None:
        return
    p = job.progress()
    if p.record is not None or len(p.sections) > st.session_state.get("live_rendered", 0):
        st.rerun(scope="app")  # a section finished (or the run did): draw it once in the page body
    status.markdown(status_text(p))
    if p.current.markdown.strip():
        st.markdown(p.current.markdown)


def run_summary() -> bool:
    """How the last run went, with the next step as the one primary button. True if there was a run."""
    record = runs.latest()
    if record is None:
        return False
    if record.error:
        st.error(record.error, icon=":material/error:")
    elif record.stop_reason == "max_tokens":
        st.warning("The document reached the maximum length and was cut off. Open it to continue writing.",
                   icon=":material/content_cut:")
    else:
        st.success(f"Version {record.version} is ready. Ended: {record.stop_label.lower()}.",
                   icon=":material/task_alt:")
    cols = st.columns(5)
    cols[0].metric("Time to first text", f"{record.first_text_s:.1f} s" if record.first_text_s is not None else "–")
    cols[1].metric("Total time", f"{record.total_s:.1f} s")
    offline = "none (offline)" if not record.ai_written else "–"
    cols[2].metric("Tokens in", f"{record.input_tokens:,}" if record.input_tokens is not None else offline)
    cols[3].metric("Tokens out", f"{record.output_tokens:,}" if record.output_tokens is not None else offline)
    cols[4].metric("Cost", money(record.cost_usd) if record.cost_usd is not None
                   else "free" if not record.ai_written else "–")
    if record.document.strip() and st.button("Open the document", type="primary", icon=":material/arrow_forward:"):
        st.session_state.viewing_version = record.version
        st.switch_page(PAGES["document"])
    return True


engine_settings()

if runs.running:
    job = runs.job
    snapshot = job.progress()
    st.caption(f"Writing version {job.version} with {job.request.settings.label}. You can switch pages: "
               "the writing carries on, and only Stop ends it.")
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        status = left.empty()
        status.markdown(status_text(snapshot))
        if right.button("Stop", icon=":material/stop_circle:", use_container_width=True,
                        help="Stop writing. Everything written so far is kept."):
            runs.stop()  # returns once the version, with what was written so far, is filed
            st.rerun()
    show_document([s.markdown for s in snapshot.sections])
    st.session_state.live_rendered = len(snapshot.sections)
    live_tail(status)
else:
    problems = brief_problems()
    if problems:
        st.warning("The brief isn't ready yet: " + " ".join(problems.values()), icon=":material/warning:")
        if st.button("Back to the brief", icon=":material/arrow_back:"):
            st.switch_page(PAGES["brief"])
    else:
        had_run = run_summary()
        label = f"Generate version {len(runs.versions) + 1}"
        # Once a document exists, opening it is the next step; generating again is the second choice.
        if st.button(label, type="secondary" if had_run else "primary", icon=":material/play_arrow:"):
            start_run()
        if had_run:
            # The document stays where the user watched it being written; the Document page has the rest.
            show_document([s.markdown for s in split_sections(runs.latest().document)])
