"""The first page and an offline session don't load what they don't use: the anthropic SDK (about 1.2 s and 42 MB
to import), python-docx, pandoc and Typst. Each walk runs in a fresh Python process, since this one has them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fake_anthropic import FakeAnthropic

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("anthropic", "docx", "pypandoc", "typst")

WALK = """
import json, sys, time
from streamlit.testing.v1 import AppTest

HEAVY = {heavy!r}
loaded = {{}}

def note(moment):
    loaded[moment] = sorted(name for name in HEAVY if name in sys.modules)

def button(at, label):
    return next(b for b in at.button if b.label == label)

def wait_for_run(at, version):
    deadline = time.monotonic() + 60
    while not any(f"Version {{version}} is ready" in s.value for s in at.success):
        assert time.monotonic() < deadline and not at.exception, at.exception or "the run did not finish"
        time.sleep(0.05)
        at.run()

at = AppTest.from_file("app.py", default_timeout=30).run()
assert not at.exception, at.exception
note("first page")
at.selectbox[0].select("B2B project-management SaaS").run()
button(at, "Use this example").click().run()
at.switch_page("pages/prompt.py").run()
note("prompt")
at.switch_page("pages/generate.py").run()
button(at, "Generate version 1").click().run()
wait_for_run(at, 1)
at.switch_page("pages/document.py").run()
assert not at.exception, at.exception
note("offline document")
if {claude_url!r}:
    at.switch_page("pages/generate.py").run()
    at.radio(key="engine").set_value("claude").run()
    at.text_input(key="api_key").input("sk-ant-test").run()
    button(at, "Generate version 2").click().run()
    wait_for_run(at, 2)
    note("claude run")
print(json.dumps(loaded))
"""


def walk(claude_url: str = "") -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    if claude_url:
        env["ANTHROPIC_BASE_URL"] = claude_url
    script = WALK.format(heavy=HEAVY, claude_url=claude_url)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_first_page_prompt_and_an_offline_document_load_no_sdk_pandoc_typst_or_docx() -> None:
    loaded = walk()
    assert loaded == {"first page": [], "prompt": [], "offline document": []}


def test_the_sdk_is_loaded_when_claude_is_first_used(fake_api: FakeAnthropic) -> None:
    """The check above can fail: the same walk, then a Claude run, does load the SDK (and still no exports)."""
    loaded = walk(fake_api.url)
    assert loaded["offline document"] == []
    assert loaded["claude run"] == ["anthropic"]
