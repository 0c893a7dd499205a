"""deploy/serve.py: `streamlit run app.py` with the first page's modules loaded before the server listens."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

from deploy.serve import FIRST_PAGE_MODULES, streamlit_arguments
from tests.browser import ROOT, running_app

HEAVY = ("anthropic", "docx", "pypandoc", "typst", "vl_convert", "pandas", "pyarrow")


def test_flags_alone_run_the_app_and_a_named_command_is_kept() -> None:
    assert streamlit_arguments([]) == ["run", "app.py"]
    assert streamlit_arguments(["--server.port", "8601"]) == ["run", "app.py", "--server.port", "8601"]
    assert streamlit_arguments(["run", "other.py", "--x"]) == ["run", "other.py", "--x"]


def test_the_preloaded_modules_are_the_first_pages_and_nothing_heavy() -> None:
    script = ("import json, sys; from deploy.serve import preload; from pathlib import Path; preload(Path.cwd()); "
              "print(json.dumps(sorted(sys.modules)))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True,
                                           text=True).stdout))
    assert set(FIRST_PAGE_MODULES) <= loaded
    assert not [name for name in HEAVY if name in loaded]


def test_the_app_started_through_it_serves_its_first_page(tmp_path) -> None:
    env = {"SPECCHAIN_DB_PATH": str(tmp_path / "specchain.sqlite3")}
    with running_app(env, launcher=("deploy/serve.py",), flags=["--server.enableAgentApi", "true"]) as app:
        request = urllib.request.Request(f"{app.url}/_stcore/agent/interact", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            snapshot = answer.read().decode()
    assert "field_app_name" in snapshot and "brief_next" in snapshot  # the Brief page, drawn by a session
