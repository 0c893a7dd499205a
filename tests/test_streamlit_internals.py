"""The one internal Streamlit API the app relies on, checked so that an upgrade that changes it fails here first.

pages.shared.leave_pages_directory_mode sets PagesManager.uses_pages_directory to False: a flag that makes every
script run execute a page of the pages/ folder alone (Streamlit's old multipage mode) until st.navigation is
called. (pages/generate.py's get_run_yield_check is the other; its absence only makes Stop wait a moment.)

pages.shared.hold_back_a_reconnected_pages_message and deliver_held_back_message read SessionState._new_widget_state
(the browser's values by element id, and the metadata of the widgets drawn) and hand a held-back message to
SessionState.on_script_will_rerun: a page that reconnected to a new session keeps its words and its first click.
"""

from __future__ import annotations

import inspect

from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner


def test_the_pages_directory_flag_is_still_what_decides_the_old_mode() -> None:
    assert hasattr(PagesManager, "uses_pages_directory")
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner)  # the run takes the old path
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)  # st.navigation


def test_a_new_sessions_widget_values_wait_by_element_id_and_run_callbacks_only_once_their_widgets_are_known() -> None:
    from streamlit.elements.lib.utils import _compute_element_id
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
    from streamlit.runtime.state import common
    from streamlit.runtime.state.safe_session_state import SafeSessionState
    from streamlit.runtime.state.session_state import SessionState

    assert "_state" in SafeSessionState.__annotations__  # ctx.session_state._state: the SessionState
    clicked = _compute_element_id("button", "brief_next", active_script_hash="page")
    assert common.is_keyed_element_id(clicked)  # a keyed widget's element id ends with its key
    assert common.user_key_from_element_id(clicked) == "brief_next"
    message = WidgetStates(widgets=[WidgetState(id=clicked, trigger_value=True)])

    state = SessionState()
    state.on_script_will_rerun(message)  # a new session: the widget was never drawn
    widgets = state._new_widget_state
    assert clicked not in widgets.widget_metadata and isinstance(widgets.states[clicked].value, WidgetState)
    assert not widgets.widget_metadata  # so no callback can run for it: why a first click would be lost

    # Delivered once the widgets are drawn (the callbacks themselves run inside a script run: tests/test_reconnect.py).
    assert list(inspect.signature(SessionState.on_script_will_rerun).parameters)[1] == "fresh_widget_states"
    assert "if metadata is None or metadata.disabled:" in inspect.getsource(SessionState._call_callbacks)
    assert callable(widgets.set_widget_from_proto) and callable(widgets.call_callback)
