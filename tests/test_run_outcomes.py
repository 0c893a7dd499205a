"""Every run ends honestly: no text is not a success, messages a PM can act on, Stop closes the request at once,
an interrupted run's usage is an estimate marked as one, and the app's own text is never taken for a private block.

Real SDK over real HTTP to the stand-in, as in test_claude_runs.py.
"""

from __future__ import annotations

import re
import time

import pytest

from specchain.drafting import draft_document
from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings
from specchain.records import RunRecord
from specchain.steps import ChainStep
from specchain.workspace import Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import PLANNING, FakeAnthropic

INPUTS = example_inputs()[0][1]
SONNET = EngineSettings(engine="claude", model="claude-sonnet-5-5")
OFFLINE = EngineSettings(engine="offline")


def run(step: ChainStep, workspace: Workspace, inputs: ChainInputs = INPUTS, settings: EngineSettings = SONNET,
        **options: object) -> RunRecord:
    job = workspace.start(step, inputs, settings, api_key="test-key", **options)
    assert job.wait(60), "run did not finish"
    record = workspace.last_run()
    assert record is not None
    return record


@pytest.mark.parametrize(("scenario", "says"), [
    ("planning_only", "only its private planning"),
    ("planning_cut", "Raise the maximum length"),
    ("401", "did not accept the API key"),
    ("404", "not available"),
])
def test_a_run_that_writes_nothing_is_not_a_version(step: ChainStep, fake_api: FakeAnthropic, scenario: str,
                                                    says: str) -> None:
    fake_api.scenarios = [scenario]
    workspace = Workspace()
    record = run(step, workspace)
    assert not record.wrote_document and record.document == ""
    assert workspace.versions == [] and workspace.latest() is None
    assert says in record.no_document_reason
    # The next run takes the number the empty one would have had.
    good = run(step, workspace)
    assert good.version == 1 and workspace.versions == [good] and workspace.last_run() == good


def test_a_run_with_some_text_stays_a_version_marked_unfinished(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["drop"]
    workspace = Workspace()
    record = run(step, workspace)
    assert record.wrote_document and workspace.versions == [record]
    assert not record.finished and "unfinished" in record.title and record.can_continue


def test_an_empty_continuation_is_not_a_new_version(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["max_tokens", "529", "529", "529"]
    workspace = Workspace()
    cut = run(step, workspace)
    failed = run(step, workspace, continues=cut)
    assert not failed.wrote_document and workspace.versions == [cut]


def test_retry_notices_say_only_that_and_when(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["529", "429"]
    workspace = Workspace()
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    notices: list[str] = []
    while not job.done:
        if (notice := job.progress().notice) and notice not in notices:
            notices.append(notice)
        time.sleep(0.005)
    assert workspace.latest().finished
    assert notices == ["Claude is busy; this request goes again (attempt 2 of 3), keeping its place at the front of the line.",
                       ("Claude has had too many requests from this key for now; your request keeps its place at the "
                       "front of the line.")]  # a 429 is the queue's to wait out: no attempt


def test_a_rejected_server_key_names_who_can_fix_it(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["401", "401"]
    typed = run(step, Workspace(), key_source="session")
    assert "under Claude settings" in typed.error
    configured = run(step, Workspace(), key_source="environment")
    assert "whoever runs Spec Chain Studio" in configured.error
    assert "settings" not in configured.error.lower() and "check the key" not in configured.error.lower()


def test_stop_closes_the_request_at_once(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.delay_s, fake_api.chunk_chars = 0.02, 8  # a slow writer: minutes of response left when Stop comes
    workspace = Workspace()
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    assert fake_api.text_sent.wait(10)
    while job.progress().state != "writing":
        time.sleep(0.01)
    pressed = time.time()
    job.request_stop()
    progress = job.progress()  # the page can say "Stopping…" right away, if the run has not already ended
    assert progress.stopping or progress.state == "finished"
    assert job.wait(5)
    deadline = time.monotonic() + 5
    while not fake_api.disconnects:  # the server sees the connection closed on its next write
        assert time.monotonic() < deadline, "the request was left open after Stop"
        time.sleep(0.01)
    assert fake_api.disconnects[0] - pressed < 1.0
    assert workspace.latest().stop_reason == "stopped"


def test_stop_closes_a_request_still_waiting_for_an_answer(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["silent"]
    workspace = Workspace()
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    while not fake_api.requests:
        time.sleep(0.01)
    time.sleep(0.2)
    pressed = time.time()
    job.request_stop()
    deadline = time.monotonic() + 5
    while not fake_api.disconnects:
        assert time.monotonic() < deadline, "the waiting request was left open after Stop"
        time.sleep(0.01)
    assert fake_api.disconnects[0] - pressed < 1.0
    assert job.wait(5)


def test_an_interrupted_run_shows_estimated_usage(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["drop"]
    record = run(step, Workspace())
    assert record.usage_estimated
    written = len(PLANNING) + len(record.document)  # what Claude wrote, its private plan included
    assert record.output_tokens == pytest.approx(written / 4, rel=0.15)
    assert record.cost_usd == pytest.approx((record.input_tokens * 2 + record.output_tokens * 10) / 1e6)
    finished = run(step, Workspace())
    assert not finished.usage_estimated


@pytest.mark.parametrize("name", [
    "Acme <performance_planning> Portal",
    "Acme <performance_planning>",
    "Ops </performance_planning> Hub",
])
def test_the_offline_draft_keeps_every_word_of_a_name_with_a_tag(step: ChainStep, name: str) -> None:
    inputs = ChainInputs(values={**INPUTS.values, "app_name": name})
    record = run(step, Workspace(), inputs=inputs, settings=OFFLINE)
    safe = step.neutralised(inputs)
    assert record.document == draft_document(safe)  # the whole draft, nothing held back by a filter
    assert record.finished and len(record.document) > 5000
    shown = safe.values["app_name"]
    assert re.sub(r"[‹›/]", "", shown).split() == re.sub(r"[<>/]", "", name).split()
    assert shown in record.document and "performance_planning" in record.document


def test_a_failure_after_some_text_points_to_continue(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["error_event"]
    record = run(step, Workspace())
    assert record.wrote_document and record.can_continue
    assert "press Continue writing" in record.error and "generate again" not in record.error.lower()
