"""The first page and an offline session don't load what they don't use: the anthropic SDK (about 1.2 s and 42 MB
to import), python-docx, pandoc and Typst; nor Alembic (the store opens without it when the schema is up to date),
numpy, Pillow, pandas, pyarrow or Altair (Streamlit loads them for some elements: an image, a chart's rows).
vl-convert is never loaded in the app's process: the chart images are drawn in a worker process (vl-convert holds
Python's lock while it draws, which froze every session). Each walk runs in a fresh Python process, since this one
has them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fake_anthropic import FakeAnthropic

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("anthropic", "docx", "pypandoc", "typst")  # never in an offline session
# Never on the first page, the Prompt page or an offline document (a fresh server's first visitor would wait for
# each one: 0.1–1 s and 10–70 MB). The Document page's charts give their rows as a data: URL: rows given as values
# are sent as Arrow, made with pandas and pyarrow.
FIRST_PAGES_HEAVY = (*HEAVY, "vl_convert", "alembic", "numpy", "PIL", "pandas", "pyarrow", "altair",
                     "specchain.compare")

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
from specchain.facts import capacity, read_facts
from specchain.facts.charts import chart_set, render_png
from specchain.steps import load_step
example = next(e for e in load_step().examples if e.name == "B2B project-management SaaS")
facts = read_facts(example.values, (), {{}})
assert render_png(chart_set(facts, capacity(facts)).charts[0]).startswith(b"\\x89PNG")
note("chart image drawn")
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
    # A restart on an existing database, the usual case: its schema is brought up to date before the walk.
    subprocess.run([sys.executable, "-c", "from specchain.store import open_store; open_store()"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    script = WALK.format(heavy=FIRST_PAGES_HEAVY, claude_url=claude_url)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_first_page_prompt_and_an_offline_document_load_nothing_heavy() -> None:
    loaded = walk()
    assert loaded["first page"] == loaded["prompt"] == loaded["offline document"] == []
    assert not set(loaded["chart image drawn"]) & {*HEAVY, "vl_convert"}  # drawn in the worker process


def test_the_sdk_is_loaded_when_claude_is_first_used(fake_api: FakeAnthropic) -> None:
    """The check above can fail: the same walk, then a Claude run, does load the SDK (and still no exports)."""
    loaded = walk(fake_api.url)
    assert not set(loaded["offline document"]) & set(HEAVY)
    assert set(loaded["claude run"]) & set(HEAVY) == {"anthropic"}
