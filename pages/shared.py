"""UI state shared by the pages. st.session_state is the single source of UI state; runs live in a Workspace."""

from __future__ import annotations

import os

import streamlit as st

from specchain.catalog import load_catalog
from specchain.inputs import Answer, ChainInputs, validation_problems
from specchain.providers import EngineSettings
from specchain.records import RunRecord
from specchain.runs import Workspace
from specchain.steps import ChainStep, load_step

PAGES = {
    "brief": "pages/brief.py",
    "prompt": "pages/prompt.py",
    "generate": "pages/generate.py",
    "document": "pages/document.py",
}


def step() -> ChainStep:
    return load_step()


def workspace() -> Workspace:
    if "workspace" not in st.session_state:
        st.session_state.workspace = Workspace()
    return st.session_state.workspace


def field_key(field: str) -> str:
    return f"field_{field}"


def brief() -> dict[str, str]:
    """The brief as typed: the form's widgets keep their values for the whole session (persist_state)."""
    return {f.key: st.session_state.get(field_key(f.key)) or "" for f in step().fields}


def carried_answers() -> list[Answer]:
    return st.session_state.setdefault("answers", [])


def current_inputs() -> ChainInputs:
    return ChainInputs(values=dict(brief()), answers=tuple(carried_answers()))


def brief_problems() -> dict[str, str]:
    return validation_problems(step().fields, brief())


# --- engine settings ---------------------------------------------------------------------------------------

KEY_SOURCES = {
    "environment": "the server's ANTHROPIC_API_KEY setting",
    "secrets": "the app's secrets",
    "session": "the key you entered (kept only until you close this tab)",
}


def api_key() -> tuple[str, str]:
    """(key, where it came from: a KEY_SOURCES name, or "" when there is none). Only ever held in memory."""
    if key := os.environ.get("ANTHROPIC_API_KEY", "").strip():
        return key, "environment"
    try:
        if key := str(st.secrets.get("ANTHROPIC_API_KEY", "")).strip():
            return key, "secrets"
    except Exception:  # no secrets file at all
        pass
    if key := st.session_state.get("api_key", "").strip():
        return key, "session"
    return "", ""


def settings() -> EngineSettings:
    catalog = load_catalog()
    engine = st.session_state.get("engine") or ("claude" if api_key()[0] else "offline")
    model = st.session_state.get("model") or catalog.default
    if model == "custom":
        model = st.session_state.get("custom_model", "").strip() or catalog.default
    info = catalog.info(model)
    temperature = st.session_state.get("temperature") if st.session_state.get("set_temperature") else None
    return EngineSettings(
        engine=engine,
        model=model,
        max_tokens=min(int(st.session_state.get("max_tokens", 32000)), info.max_output_tokens),
        temperature=temperature if info.accepts_temperature else None,
    )


def start_run(*, answers_version: int | None = None, continues: RunRecord | None = None) -> bool:
    """Start a generation and go to the Generate page. False (with a message shown) when it can't start."""
    chosen = continues.settings if continues else settings()
    key, key_source = api_key()
    if chosen.engine == "claude" and not key:
        st.error("Claude needs an API key. Add one under Claude settings on the Generate page, or use the offline draft.")
        return False
    if workspace().running:
        st.warning("A document is already being written. Wait for it to finish, or press Stop on the Generate page.")
        return False
    workspace().start(step(), current_inputs(), chosen, api_key=key, key_source=key_source,
                      answers_version=answers_version, continues=continues)
    st.switch_page(PAGES["generate"])
    return True


def money(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.1 else f"${value:,.3f}"


def tokens_text(record: RunRecord, tokens: int | None) -> str:
    """"12,345", "≈ 171 (estimated)" for a run cut before Claude sent its count, "none (offline)"."""
    if tokens is None:
        return "none (offline)" if not record.ai_written else "–"
    return f"≈ {tokens:,} (estimated)" if record.usage_estimated else f"{tokens:,}"


def cost_text(record: RunRecord) -> str:
    if record.cost_usd is None:
        return "free" if not record.ai_written else "–"
    return f"≈ {money(record.cost_usd)} (estimated)" if record.usage_estimated else money(record.cost_usd)


def show_document(markdown_sections: list[str]) -> None:
    """Each section as its own element: unchanged sections are never sent to the browser twice in a row."""
    for section in markdown_sections:
        st.markdown(section)


def engine_note(record: RunRecord) -> None:
    if record.ai_written:
        unfinished = "" if record.finished else f" · **unfinished**: {record.stop_label.lower()}"
        st.caption(f"Written by {record.settings.label} · {record.started_at:%Y-%m-%d %H:%M} UTC{unfinished}")
    else:
        st.info(
            "**Offline draft, not AI-written.** Spec Chain Studio's built-in drafting engine wrote this from your "
            "brief, using fixed rules: a solid, consistent starting point. Use Claude for a tailored document.",
            icon=":material/edit_note:",
        )
