"""UI state shared by the pages. st.session_state is the single source of UI state; the work itself (brief, answers,
settings, versions, the run in progress) is saved in the store under the workspace's link, and synced here."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Any

import streamlit as st

from specchain.catalog import load_catalog
from specchain.document import for_screen
from specchain.inputs import Answer, ChainInputs, validation_problems
from specchain.providers import EngineSettings
from specchain.records import FINISHED, RunRecord
from specchain.steps import ChainStep, load_step
from specchain.store import (
    RunInProgress,
    StoreError,
    VersionSummary,
    WorkspaceState,
    open_store,
)
from specchain.workspace import RunService, Workspace

PAGES = {
    "brief": "pages/brief.py",
    "prompt": "pages/prompt.py",
    "generate": "pages/generate.py",
    "document": "pages/document.py",
}
OTHER_PAGES = {"batch": "pages/batch.py"}  # beside the four steps, by the name in their address
LINK_PARAM = "w"  # ?w=<token>: the link that brings back a workspace
SHARE_PARAM = "s"  # ?s=<token>: a read-only link to one version


def step() -> ChainStep:
    return load_step()


@st.cache_resource(show_spinner="Opening your saved work…")
def run_service() -> RunService:
    """One per server process: the store, and the runs this process writes. Raises StoreError (plain words)."""
    return RunService(open_store())


def workspace() -> Workspace | None:
    """This tab's workspace, or None until the user has typed something (nothing to save before that)."""
    token = st.session_state.get("workspace_token")
    if not token:
        return None
    cached = st.session_state.get("_workspace")
    if cached is None or cached.token != token:
        cached = Workspace(service=run_service(), token=token)
        st.session_state._workspace = cached
    return cached


def ensure_workspace() -> Workspace:
    """The workspace, created now if the user has not typed anything yet (e.g. pressing Generate at once)."""
    if workspace() is None:
        sync_work(adopt_remote=False, create=True)
    work = workspace()
    assert work is not None
    return work


# --- saving and loading the work ------------------------------------------------------------------------------
# Each tab remembers what it last saved or loaded (SYNCED). At the top of every run, what this tab changed since is
# saved, and what another tab changed (and this one did not) is taken in: two tabs on one link stay in step, and a
# stale tab's button acts on the latest work. Widgets can only be set before they are drawn, hence "adopt" only at
# the top of a run; at its end, changes (an example picked, an answer) are saved without waiting for the next run.
SYNCED = "_synced"


def local_work() -> dict[str, Any]:
    return {
        "values": brief(),
        "answers": [a.model_dump() for a in carried_answers()],
        "corrections": dict(corrections()),
        "settings": dataclasses.asdict(settings()),
        "viewing": st.session_state.get("viewing_version"),
    }


def remote_work(state: WorkspaceState) -> dict[str, Any]:
    return {
        "values": {f.key: state.values.get(f.key, "") for f in step().fields},
        "answers": [a.model_dump() for a in state.answers],
        "corrections": dict(state.corrections),
        "settings": dataclasses.asdict(state.settings),
        "viewing": state.viewing_version,
    }


def adopt(part: str, value: Any) -> None:
    """Put saved work into the session, where the widgets read it."""
    if part == "values":
        for key, text in value.items():
            st.session_state[field_key(key)] = text
    elif part == "answers":
        st.session_state.answers = [Answer(**a) for a in value]
        for name in [k for k in st.session_state if str(k).startswith("answer_v")]:
            del st.session_state[name]  # the answer boxes are filled again from the answers
    elif part == "corrections":
        st.session_state.corrections = dict(value)  # the facts panel's edit boxes are filled from these
    elif part == "settings":
        st.session_state.engine = value["engine"]
        if value["model"]:
            known = {m.id for m in load_catalog().models}
            st.session_state.model = value["model"] if value["model"] in known else "custom"
            if value["model"] not in known:
                st.session_state.custom_model = value["model"]
        st.session_state.max_tokens = value["max_tokens"]
    elif part == "viewing" and value is not None:
        st.session_state.viewing_version = value


def sync_work(*, adopt_remote: bool = True, create: bool = False) -> None:
    """Save what this tab changed; take in what another tab changed. Never loses what is on the screen: when
    saving fails, the typed text stays in the session and the sidebar says so."""
    if st.session_state.get("link_problem"):
        return  # the work this tab had is gone: nothing is saved (or re-created) until the user starts anew
    service = run_service()
    token = st.session_state.get("workspace_token")
    local = local_work()
    try:
        if not token:
            if not create and not any(v.strip() for v in local["values"].values()):
                return  # nothing typed yet: nothing to keep
            token = service.store.create_workspace(step().id, values=local["values"], settings=settings())
            st.session_state.workspace_token = token
            if local["answers"] or local["corrections"]:
                service.store.save_workspace(token, answers=tuple(carried_answers()), corrections=local["corrections"])
            st.session_state[SYNCED] = local
            st.session_state.pop("save_problem", None)
            keep_link_in_address()  # now, not at the next run: a reload right after must find the work
            return
        state = service.store.load_workspace(token)
        if state is None:  # deleted, in this tab or another: the work is gone, say so (see app.py)
            st.session_state.link_problem = True
            st.session_state.pop("workspace_token", None)
            return
        if (work := workspace()) is not None:
            work.remember(state)
        remote = remote_work(state)
        # A part this tab has not synced yet (e.g. added by an upgrade while the tab was open) counts as the store's.
        synced = {**remote, **st.session_state.get(SYNCED, {})}
        # What this tab changed since it last saved or loaded; the brief field by field, so two tabs editing
        # different fields both keep their words.
        mine = {part: local[part] for part in local if local[part] != synced[part]}
        typed = {k: v for k, v in local["values"].items() if v != synced["values"].get(k)}
        if typed:
            mine["values"] = {**remote["values"], **typed}
        to_save = {part: value for part, value in mine.items() if value != remote[part]}
        if adopt_remote:  # take in the rest from the store: another tab's changes
            merged = {**remote, **mine}
            for part, value in merged.items():
                if value != local[part]:
                    adopt(part, value)
        else:  # the rest is taken in at the top of the next run
            merged = {**synced, **mine, "values": {**synced["values"], **typed}}
        if to_save:
            service.store.save_workspace(
                token,
                values=to_save.get("values"),
                answers=tuple(Answer(**a) for a in to_save["answers"]) if "answers" in to_save else None,
                corrections=to_save.get("corrections"),
                settings=EngineSettings(**to_save["settings"]) if "settings" in to_save else None,
                **({"viewing_version": to_save["viewing"]} if "viewing" in to_save else {}),
            )
        st.session_state[SYNCED] = merged
        st.session_state.pop("save_problem", None)
    except StoreError as error:
        st.session_state.save_problem = error.message


def open_link(shown: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A new tab or a reload: bring back the workspace named in the link (?w=…), once per session. shown: widgets
    whose values the page already has (a page that reconnected to a new session): left as the page has them, and
    their saved values returned."""
    if st.session_state.get("link_checked"):
        return {}
    st.session_state.link_checked = True
    token = st.query_params.get(LINK_PARAM)
    if not token:
        return {}
    state = run_service().store.load_workspace(token)
    if state is None:
        st.session_state.link_problem = True
        return {}
    st.session_state.workspace_token = token
    remote = remote_work(state)
    for part, value in remote.items():
        adopt(part, value)
    # What the PM sees (and may have typed since it was saved) wins; it is saved once the page has run again.
    set_aside = {key: st.session_state.pop(key) for key in shown if key in st.session_state}
    st.session_state[SYNCED] = remote
    st.session_state.versions_seen = len(state.versions)  # the version viewed last time stays in view
    return set_aside


def bring_in_step() -> None:
    """At the top of every run: reopen the link's work (a new tab), save this tab's changes, take in another's."""
    st.session_state.pop("_workspace", None)  # one view of the saved work per run
    held = hold_back_a_reconnected_pages_message()
    if held is not None and held["drawn"]:  # the run after a reconnected page's first: its widgets are known now
        del st.session_state[HELD_BACK]
        undrawn = deliver_held_back_message(held["message"])
        for key in undrawn & held["saved"].keys():  # a widget the first run did not draw after all: saved value back
            st.session_state[key] = held["saved"][key]
        held = None
    if held is None:
        open_link()
        sync_work()
    else:  # the page's widgets can't be read until drawn: nothing is saved now, all of it a moment later
        held["saved"] = {**open_link(shown=held["keys"]), **held["saved"]}
        with st.bottom:  # not in the page or the sidebar, where it would move what comes after (an open tab)
            run_again_once_drawn()
    keep_link_in_address()


def begin_page() -> None:
    """Each page's first line. app.py has usually brought the work in step already in this run (it marks that);
    a page run on its own (Streamlit's AppTest reruns only the page) does it here."""
    if not st.session_state.pop("_in_step", False):
        hold_back_a_reconnected_pages_message()  # before the rerun below, which would drop it
        leave_pages_directory_mode()
        bring_in_step()
        if st.session_state.get("link_problem"):
            link_problem_page()
    if problem := st.session_state.get("save_problem"):
        st.warning(f"{problem} Everything you typed is still here.", icon=":material/cloud_off:")


def link_problem_page() -> None:
    """The whole page when the link opens no saved work (mistyped, cut short, or the work was deleted)."""
    st.title("This link doesn't open any saved work")
    st.write("It may have been mistyped, cut short, or the work was deleted. Nothing else can be opened with it.")
    if st.button("Start a new document", type="primary", icon=":material/note_add:", key="link_problem_new_document"):
        start_new_document()
        st.rerun()
    st.stop()


def leave_pages_directory_mode() -> None:
    """Run app.py, not the page alone, when a fresh server's first request is a page's address.

    This app has a pages/ folder, so Streamlit starts in its old pages-directory mode and stays there until some
    session's app.py calls st.navigation: a reload of /generate?w=… on a restarted server would run the page alone,
    with a sidebar listing every file of pages/, for every visitor. Switching the mode off and running again fixes
    it at the first request. One of the places that touch Streamlit's internals (with driven_by_agent and the
    reconnected page's held-back message below):
    PagesManager.uses_pages_directory; tests/test_streamlit_internals.py fails if it changes. AppTest resets the mode
    before each run: left alone there.
    """
    from streamlit import config  # AppTest patches config.get_option, not st.get_option
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not config.get_option("global.appTest"):
        PagesManager.uses_pages_directory = False
        st.rerun()


def driven_by_agent() -> bool:
    """Whether an AI agent drives this session through Streamlit's agent API (server.enableAgentApi), not a browser.

    An agent sees a page only when its script ends, and can send nothing while it runs: the Generate page must not
    follow a run to its end for it (see generate.py). Streamlit has no public call for this; agent_spec.is_recording
    is the one it uses itself. tests/test_agent_api.py fails if it stops answering (a poll would then time out).
    """
    try:
        from streamlit.elements.lib.agent_spec import is_recording
    except ImportError:
        return False
    return is_recording()


AGENT_WAIT_S = 20.0  # an agent's call waits at most this long for work to end before it is shown the page as it is


def agent_wait_s() -> float:
    """How long a page may wait for work to end in an agent's call: well inside the agent API's own wait."""
    return min(AGENT_WAIT_S, st.get_option("server.agentWaitTimeout") / 2)


# --- a page that reconnected to a new session ------------------------------------------------------------------
# When the app process dies (or nginx sends the page to another process), the open page reconnects by itself,
# without a reload, to a new Streamlit session. Its first message (the PM's first keystroke or click) carries every
# widget's value, but a session can read a widget's value only once the widget is drawn, and runs callbacks only for
# widgets it knows: the words would be replaced by the saved ones and the click would do nothing. So that first
# message is held back (HELD_BACK): the first run draws the page (learning its widgets) from the saved work, except
# for what the page shows, and saves nothing (a click is seen by the page's code, as always, but runs no callback);
# a moment later the page runs again and gets the values as if the session had always known the page: they are
# saved like any edit, their callbacks run, and so does the click's.
HELD_BACK = "_held_back_message"


def hold_back_a_reconnected_pages_message() -> dict[str, Any] | None:
    """On a session's first run: take what the browser sent for widgets this session never drew out of the run,
    into HELD_BACK ({message, keys: the user keys it has values for, saved: their saved values set aside, armed,
    drawn}). Until the page has been drawn whole, a newer message's values replace the held ones. Returns what is
    held back, if anything.

    One of the places that touch Streamlit's internals (with leave_pages_directory_mode and driven_by_agent):
    SessionState._new_widget_state, the browser's values by element id, with the metadata of the widgets drawn;
    tests/test_streamlit_internals.py fails if they change."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.state import common

    ctx = get_script_run_ctx()
    held = st.session_state.get(HELD_BACK)
    if ctx is None or (held is None and st.session_state.get("link_checked")) or (held and held["drawn"]):
        return held
    widgets = ctx.session_state._state._new_widget_state
    unknown = [state.value for wid, state in widgets.states.items()
               if wid not in widgets.widget_metadata and isinstance(getattr(state, "value", None), WidgetState)]
    if held is None and not unknown:
        return None
    for value in unknown:  # a click stays: the page's code sees it now, as always; its callback runs once delivered
        if not is_click(value):
            del widgets.states[value.id]
    # A first run cut short by the PM's next message: that message is newer, for every widget it names.
    earlier = ([w for w in WidgetStates.FromString(held["message"]).widgets if w.id not in widgets.states]
               if held else [])
    message = WidgetStates(widgets=[*earlier, *unknown])
    keys = frozenset(str(common.user_key_from_element_id(w.id)) for w in message.widgets
                     if common.is_keyed_element_id(w.id))
    st.session_state[HELD_BACK] = {"message": message.SerializeToString(), "keys": keys,
                                   "saved": held["saved"] if held else {}, "armed": False, "drawn": False}
    return st.session_state[HELD_BACK]


def deliver_held_back_message(message: bytes) -> set[str]:
    """At the top of the run after the first: the page's widgets are known now; hand Streamlit the held-back message
    as the browser's, which runs the callbacks of what changed and of the click (see hold_back_…). Returns the user
    keys of widgets still unknown (the first run did not draw them)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.state import common

    ctx = get_script_run_ctx()
    if ctx is None:
        return set()
    state = ctx.session_state._state
    widgets = state._new_widget_state
    held = WidgetStates.FromString(message)
    if not widgets.states:  # a run of our own (run_again_once_drawn): nothing newer from the browser
        state.on_script_will_rerun(WidgetStates(widgets=[w for w in held.widgets if not is_click(w)]))
    # else the PM acted again first: that newer message set the values. A click's callback is still owed.
    for clicked in held.widgets:
        if is_click(clicked) and clicked.id in widgets.widget_metadata and clicked.id not in widgets.states:
            widgets.call_callback(clicked.id)
    return {str(common.user_key_from_element_id(w.id)) for w in held.widgets
            if common.is_keyed_element_id(w.id) and w.id not in widgets.widget_metadata}


def is_click(widget: Any) -> bool:
    """A WidgetState that is a button's click (a trigger, set), not a value."""
    kind = str(widget.WhichOneof("value"))
    return bool(widget.trigger_value) if kind == "trigger_value" else kind.endswith("trigger_value")


@st.fragment(run_every=0.2)
def run_again_once_drawn() -> None:
    """Drawn by a reconnected page's first run: once that run has ended (the page is drawn whole), the page runs
    again and gets its message. (The body also runs as it is drawn: not then.)"""
    held = st.session_state.get(HELD_BACK)
    if held is not None and held["armed"]:
        held["drawn"] = True
        st.rerun(scope="app")
    elif held is not None:
        held["armed"] = True


def keep_link_in_address() -> None:
    """Page switches clear the address's query; put the workspace's link back so a reload finds the work."""
    token = st.session_state.get("workspace_token")
    if token and st.query_params.get(LINK_PARAM) != token:
        st.query_params[LINK_PARAM] = token


def start_new_document() -> None:
    """Leave this workspace (it stays saved under its link) and start with an empty brief, on the Brief page."""
    keep = {"link_checked"}
    for key in list(st.session_state):
        if str(key) not in keep:
            del st.session_state[key]
    st.query_params.clear()
    st.switch_page(PAGES["brief"])


def work_link(token: str, param: str = LINK_PARAM, page: str = "") -> str:
    """The address that brings back a work; on one of its pages (e.g. "document") if given, else on the Brief page."""
    base = str(st.context.url or "").split("?")[0]
    for name in (*PAGES, *OTHER_PAGES):  # a page's own address ends with its name
        base = base.removesuffix(f"/{name}")
    return f"{base.rstrip('/')}/{page if page in PAGES else ''}?{param}={token}"


def field_key(field: str) -> str:
    return f"field_{field}"


def brief() -> dict[str, str]:
    """The brief as typed: the form's widgets keep their values for the whole session (persist_state)."""
    return {f.key: st.session_state.get(field_key(f.key)) or "" for f in step().fields}


def carried_answers() -> list[Answer]:
    return st.session_state.setdefault("answers", [])


def corrections() -> dict[str, str]:
    """The PM's corrections of what was read from the brief: fact key → their text ("" removes the fact)."""
    return st.session_state.setdefault("corrections", {})


def current_inputs() -> ChainInputs:
    return ChainInputs(values=dict(brief()), answers=tuple(carried_answers()), corrections=dict(corrections()))


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
    with contextlib.suppress(FileNotFoundError):  # no secrets file at all (StreamlitSecretNotFoundError)
        if key := str(st.secrets.get("ANTHROPIC_API_KEY", "")).strip():
            return key, "secrets"
    if key := st.session_state.get("api_key", "").strip():
        return key, "session"
    return "", ""


def settings() -> EngineSettings:
    catalog = load_catalog()
    engine = st.session_state.get("engine") or ("claude" if api_key()[0] else "offline")
    if st.session_state.get("engine") == "claude":  # chosen on the Generate page: load the SDK before the press
        with contextlib.suppress(StoreError):
            run_service().warm("claude")
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
        st.error("Claude needs an API key: type it under Claude settings on the Generate page (a key is never saved, "
                 "so after a reload it is asked for again), or use the offline draft.")
        return False
    work = ensure_workspace()
    try:
        job = work.start(step(), current_inputs(), chosen, api_key=key, key_source=key_source,
                         answers_version=answers_version, continues=continues)
    except RunInProgress:
        # Another tab (or process) started one a moment before this press: show that run, with its Stop, on the
        # Generate page, which says whose it is ("already being written … perhaps in another tab").
        st.session_state.generate_pressed = True
        st.switch_page(PAGES["generate"])
    except StoreError as error:
        st.error(error.message, icon=":material/error:")
        return False
    st.session_state.started_run = job.run_id  # this tab's own run: a second click on Generate is not "another tab"
    sync_work(adopt_remote=False)
    st.switch_page(PAGES["generate"])
    return True


def summary_title(summary: VersionSummary) -> str:
    """"Version 3 · Claude · claude-sonnet-5-5 · unfinished · 14:05 UTC", read without loading the document."""
    label = EngineSettings(engine=summary.engine, model=summary.model).label  # type: ignore[arg-type]
    unfinished = "" if summary.stop_reason in FINISHED else " · unfinished"
    return f"Version {summary.version} · {label}{unfinished} · {summary.started_at:%H:%M} UTC"


def use_brief_of(record: RunRecord) -> None:
    """Callback: put a version's brief and answers back into the form (its widgets are not drawn yet)."""
    for key, value in record.inputs.values.items():
        st.session_state[field_key(key)] = value
    st.session_state.answers = list(record.inputs.answers)
    st.session_state.corrections = dict(record.inputs.corrections)
    st.session_state.brief_restored = record.version


def money(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.1 else f"${value:,.3f}"


# Short values: five metrics share a row on a projector. What a value is (estimated, offline) goes in its label.
def tokens_text(record: RunRecord, tokens: int | None) -> str:
    """"12,345", "≈ 171" for a run cut before Claude sent its count (see estimated()), "none" offline."""
    if tokens is None:
        return "–" if record.ai_written else "none"
    return f"≈ {tokens:,}" if record.usage_estimated else f"{tokens:,}"


def cost_text(record: RunRecord) -> str:
    if record.cost_usd is None:
        return "free" if not record.ai_written else "–"
    return f"≈ {money(record.cost_usd)}" if record.usage_estimated else money(record.cost_usd)


def estimated(label: str, record: RunRecord) -> str:
    """"Tokens out" → "Tokens out (estimated)" when the stream ended before Claude sent its count."""
    return f"{label} (estimated)" if record.usage_estimated else label


def show_document(markdown_sections: list[str]) -> None:
    """Each section as its own element: unchanged sections are never sent to the browser twice in a row. Task
    lists are drawn with labelled boxes (see for_screen)."""
    for section in markdown_sections:
        st.markdown(for_screen(section))


def engine_note(record: RunRecord) -> None:
    if record.settings.engine == "edited":
        st.caption(f"Edited by you from version {record.edited_from} · {record.started_at:%Y-%m-%d %H:%M} UTC")
    elif record.ai_written:
        unfinished = "" if record.finished else f" · **unfinished**: {record.stop_label.lower()}"
        st.caption(f"Written by {record.settings.label} · {record.started_at:%Y-%m-%d %H:%M} UTC{unfinished}")
    else:
        st.info(
            "**Offline draft, not AI-written.** Spec Chain Studio's built-in drafting engine wrote this from your "
            "brief, using fixed rules: a solid, consistent starting point. Use Claude for a tailored document.",
            icon=":material/edit_note:",
        )
