"""First come, first served from the press, on a fresh server: the first Claude run loads the anthropic SDK (a
second or more), and runs started meanwhile must neither wait for that load to be shown as started nor overtake
one another. Each case runs in a fresh Python process (this one has the SDK loaded), where the SDK's import is
held until the test lets it go: a slow disk or a busy machine, as long as the test needs, deterministically."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fake_anthropic import FakeAnthropic, inputs_from_prompt

ROOT = Path(__file__).resolve().parent.parent

PRESSES = """
import importlib.abc, json, sys, threading, time

loading, let_go = threading.Event(), threading.Event()


class HeldSDK(importlib.abc.MetaPathFinder):
    \"\"\"The SDK's import waits for let_go: the cold load of a fresh server, made as long as the test needs.\"\"\"

    def find_spec(self, name, path, target=None):
        if name == "anthropic":
            loading.set()
            let_go.wait(60)
        return None


sys.meta_path.insert(0, HeldSDK())

from specchain.providers import EngineSettings
from specchain.steps import load_step
from specchain.store import open_store
from specchain.workspace import RunService, Workspace
from tests.conftest import example_inputs

service = RunService(open_store(f"sqlite:///{sys.argv[1]}"), background=False)
step, base = load_step(), example_inputs()[0][1]
claude = EngineSettings(engine="claude", model="claude-sonnet-5-5")
jobs = {}


def press(number):
    inputs = base.model_copy(update={"values": {**base.values, "app_name": f"Product {number}"}})
    jobs[number] = Workspace(service=service).start(step, inputs, claude, api_key="k")


report = {"returned": [], "sdk_loaded_when_pressed": None}
for number in range(3):  # three people press Generate one after another, each press on its own thread
    pressing = threading.Thread(target=press, args=(number,), daemon=True)
    pressing.start()
    pressing.join(10)
    if pressing.is_alive():  # the press waits for the SDK: let it load, and say so
        break
    report["returned"].append(number)
if len(report["returned"]) == 3:
    report["sdk_loaded_when_pressed"] = "anthropic" in sys.modules
    report["people_ahead"] = [service.gate.place_of(jobs[n].run_id).people_ahead for n in range(3)]
    deadline = time.monotonic() + 10  # what each page shows right after its press
    while time.monotonic() < deadline and [jobs[n].progress().state for n in (1, 2)] != ["queued", "queued"]:
        time.sleep(0.02)
    report["states"] = [jobs[n].progress().state for n in range(3)]
    report["places"] = [p.queue.describe() if (p := jobs[n].progress()).queue else None for n in range(3)]
let_go.set()
for job in jobs.values():
    job.wait(60)
report["finished"] = [jobs[n].done for n in sorted(jobs)]
print(json.dumps(report))
"""


def test_runs_started_while_the_sdk_loads_keep_the_order_of_the_presses(fake_api: FakeAnthropic,
                                                                       tmp_path: Path) -> None:
    fake_api.delay_s, fake_api.chunk_chars = 0.002, 500
    env = {**os.environ, "SPECCHAIN_CLAUDE_MAX_IN_FLIGHT": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PRESSES, str(tmp_path / "work.sqlite3")], check=False,
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # Each press returns at once (its page shows the run), not after the SDK has loaded.
    assert report["returned"] == [0, 1, 2] and report["sdk_loaded_when_pressed"] is False
    # Each run's place was taken at its press: in the order of the presses.
    assert report["people_ahead"] == [0, 1, 2]
    assert report["states"] == ["connecting", "queued", "queued"]
    assert report["places"][1:] == [p for p in report["places"][1:] if p and "ahead of you" in p]
    assert report["finished"] == [True, True, True]
    # Claude received them in the order they were pressed.
    names = [inputs_from_prompt(r["body"]["messages"][0]["content"]).values["app_name"] for r in fake_api.requests]
    assert names == ["Product 0", "Product 1", "Product 2"]
    assert fake_api.max_in_flight == 1
