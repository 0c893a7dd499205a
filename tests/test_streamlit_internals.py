"""The one internal Streamlit API the app relies on, checked so that an upgrade that changes it fails here first.

pages.shared.leave_pages_directory_mode sets PagesManager.uses_pages_directory to False: a flag that makes every
script run execute a page of the pages/ folder alone (Streamlit's old multipage mode) until st.navigation is
called. (pages/generate.py's get_run_yield_check is the other; its absence only makes Stop wait a moment.)
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
