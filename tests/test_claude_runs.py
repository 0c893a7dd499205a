"""Claude runs end to end: the real anthropic SDK over HTTP to the local stand-in, on a worker thread."""

from __future__ import annotations

import time
from types import SimpleNamespace

import httpx2
import pytest

from specchain.drafting import draft_document
from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings, ProviderRegistry, claude
from specchain.providers.claude import ClaudeProvider, retry_wait
from specchain.providers.offline import OfflineProvider
from specchain.records import RunRecord
from specchain.steps import ChainStep
from specchain.store import RunInProgress
from specchain.workspace import Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import PLANNING_MARKER, FakeAnthropic

INPUTS = example_inputs()[0][1]
SONNET = EngineSettings(engine="claude", model="claude-sonnet-5-5")


def run(step: ChainStep, workspace: Workspace, inputs: ChainInputs = INPUTS, settings: EngineSettings = SONNET,
        **options: object) -> RunRecord:
    job = workspace.start(step, inputs, settings, api_key="test-key", **options)
    assert job.wait(60), "run did not finish"
    record = workspace.last_run()
    assert record is not None and record.version == job.version
    return record


def test_streams_the_whole_document_without_the_planning_block(step: ChainStep, fake_api: FakeAnthropic) -> None:
    record = run(step, Workspace())
    assert record.stop_reason == "end_turn" and record.error is None
    assert record.document == draft_document(INPUTS)
    assert PLANNING_MARKER not in record.document and "performance_planning" not in record.document
    assert record.input_tokens and record.output_tokens
    assert record.cost_usd == pytest.approx((record.input_tokens * 2 + record.output_tokens * 10) / 1e6)
    assert record.first_text_s is not None and record.total_s >= record.first_text_s
    sent = fake_api.requests[-1]
    assert sent["headers"]["Authorization"] == "Bearer test-key"
    assert sent["body"]["model"] == "claude-sonnet-5-5" and sent["body"]["max_tokens"] == 32000
    assert sent["body"]["stream"] is True
    assert "temperature" not in sent["body"]  # current models refuse it
    assert sent["body"]["messages"] == [{"role": "user", "content": step.render(INPUTS).text}]


def test_a_custom_model_gets_the_temperature(step: ChainStep, fake_api: FakeAnthropic) -> None:
    run(step, Workspace(), settings=EngineSettings(engine="claude", model="claude-local", temperature=0.3))
    assert fake_api.requests[-1]["body"]["temperature"] == 0.3


def test_progress_moves_from_planning_to_sections_and_never_shows_planning(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.delay_s, fake_api.chunk_chars = 0.002, 25
    workspace = Workspace()
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    states, positions, sections_seen = [], [], []
    while not job.done:
        p = job.progress()
        states.append(p.state)
        positions.append(p.position)
        sections_seen.append(len(p.sections))
        shown = "".join(s.markdown for s in p.sections) + p.current.markdown
        assert PLANNING_MARKER not in shown
        time.sleep(0.005)
    assert "planning" in states and "writing" in states
    assert (5, "Database Optimization") in positions
    assert sections_seen == sorted(sections_seen)  # finished sections only ever grow
    final = job.progress()
    assert final.state == "finished" and final.record is not None
    assert "".join(s.markdown for s in final.sections) == final.record.document


def test_stop_keeps_what_was_written(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.delay_s, fake_api.chunk_chars = 0.01, 20
    workspace = Workspace()
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    while "## Performance Requirements" not in job.progress().current.markdown + "".join(
            s.markdown for s in job.progress().sections):
        time.sleep(0.01)
    workspace.stop()
    assert job.wait(10)
    record = workspace.latest()
    assert record.stop_reason == "stopped" and record.error is None
    assert record.document and draft_document(INPUTS).startswith(record.document)
    assert len(record.document) < len(draft_document(INPUTS))
    assert record.can_continue


@pytest.mark.parametrize(
    ("scenario", "stop_reason", "says", "keeps_text"),
    [
        ("401", "error", "did not accept the API key", False),
        ("403", "error", "not allowed", False),
        ("404", "error", "not available", False),
        ("413", "error", "too long", False),
        ("429", "error", "too many requests", False),
        ("529", "error", "overloaded", False),
        ("500", "error", "overloaded", False),
        ("error_event", "error", "overloaded", True),
        ("drop", "cut", "connection dropped", True),
        ("truncated", "cut", "ended before Claude finished", True),
    ],
)
def test_failures_become_one_plain_sentence_and_keep_the_text(
    step: ChainStep, fake_api: FakeAnthropic, scenario: str, stop_reason: str, says: str, keeps_text: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(claude, "MAX_QUEUED_REFUSALS", 3)  # a 429 waits in the queue; three of them here, not ten
    fake_api.scenarios = [scenario] * 3
    workspace = Workspace()
    record = run(step, workspace)
    assert record.stop_reason == stop_reason
    assert says in record.error and "test-key" not in record.error
    assert record.error.count(".") <= 4  # a sentence or two, not a traceback
    assert bool(record.document) == keeps_text
    # A run that wrote nothing is reported but is not a version: no number, nothing to download.
    assert workspace.versions == ([record] if keeps_text else [])
    assert PLANNING_MARKER not in record.document
    if keeps_text:
        assert draft_document(INPUTS).startswith(record.document)


def notices_until_done(workspace: Workspace, step: ChainStep) -> set[str]:
    """Runs a generation to its end; every notice the page would have shown while it ran."""
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    notices = set()
    while not job.done:
        if notice := job.progress().notice:
            notices.add(notice)
        time.sleep(0.01)
    return notices


def test_busy_server_is_retried_a_bounded_number_of_times_and_the_user_is_told(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["529"]
    workspace = Workspace()
    notices = notices_until_done(workspace, step)
    assert workspace.latest().stop_reason == "end_turn"
    assert len(fake_api.requests) == 2
    assert notices == {"Claude is busy; this request goes again (attempt 2 of 3), keeping its place at the front of the line."}


def test_always_failing_server_stops_after_three_attempts(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["529"] * 5
    run(step, Workspace())
    assert len(fake_api.requests) == 3


def test_a_429_waits_in_the_queue_and_costs_no_attempt(step: ChainStep, fake_api: FakeAnthropic) -> None:
    """Four refusals in a row (more than the three attempts a failure gets): the run keeps its place and is
    written; only a key refused MAX_QUEUED_REFUSALS times ends it."""
    fake_api.scenarios = ["429"] * 4
    workspace = Workspace()
    notices = notices_until_done(workspace, step)
    assert workspace.latest().stop_reason == "end_turn" and workspace.latest().error is None
    assert len(fake_api.requests) == 5
    assert notices == {("Claude has had too many requests from this key for now; your request keeps its place at the "
                       "front of the line.")}


def test_a_key_refused_again_and_again_ends_the_run_with_a_sentence(
    step: ChainStep, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claude, "MAX_QUEUED_REFUSALS", 4)
    fake_api.scenarios = ["429"] * 6
    record = run(step, Workspace())
    assert len(fake_api.requests) == 4
    assert record.stop_reason == "error" and "too many requests" in record.error


def test_retry_after_is_honoured_but_bounded() -> None:
    def error(retry_after: str | None) -> Exception:
        exc = Exception()
        exc.response = SimpleNamespace(headers={"retry-after": retry_after} if retry_after else {})  # type: ignore[attr-defined]
        return exc

    assert retry_wait(error("3"), 1) == 3
    assert retry_wait(error("86400"), 1) == 30  # a day-long retry-after never freezes the run
    assert retry_wait(error(None), 2) == 4


def test_a_server_that_stops_answering_does_not_freeze_the_run(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["hang"]
    registry = ProviderRegistry()
    registry.register("claude", lambda **kw: ClaudeProvider(timeout=httpx2.Timeout(1.0), **kw))
    workspace = Workspace(registry)
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    states = set()
    while not job.done:
        states.add(job.progress().state)
        time.sleep(0.01)
    record = workspace.latest()
    assert "planning" in states  # accepted but silent reads as "Analysing your requirements…", not "Connecting…"
    assert record.stop_reason == "end_turn"  # the stalled attempt timed out and was retried
    assert len(fake_api.requests) == 2


def test_network_down_is_explained(step: ChainStep, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    registry = ProviderRegistry()
    registry.register("claude", lambda **kw: ClaudeProvider(timeout=httpx2.Timeout(2.0), **kw))
    record = run(step, Workspace(registry))
    assert record.stop_reason == "error" and "Can't reach Claude" in record.error


def test_continue_after_max_tokens_joins_without_repeated_or_missing_lines(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["max_tokens"]
    workspace = Workspace()
    cut = run(step, workspace)
    assert cut.stop_reason == "max_tokens" and cut.can_continue
    whole = run(step, workspace, continues=cut)
    assert whole.document == draft_document(INPUTS)
    assert whole.continues_version == cut.version and whole.version == cut.version + 1
    messages = fake_api.requests[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == cut.document.rstrip()
    assert "no preamble" in messages[2]["content"].lower() or "not add a preamble" in messages[2]["content"]
    assert [r.version for r in workspace.versions] == [1, 2]


def test_rerun_with_answers_is_a_new_version_and_the_old_one_stays(step: ChainStep) -> None:
    registry = ProviderRegistry()
    registry.register("offline", OfflineProvider)
    workspace = Workspace(registry)
    offline = EngineSettings(engine="offline")
    first = run(step, workspace, settings=offline)
    from specchain.inputs import Answer
    answered = ChainInputs(values=INPUTS.values, answers=(Answer(version=1, question="Q?", answer="Peak at 9 AM"),))
    second = run(step, workspace, inputs=answered, settings=offline, answers_version=1)
    assert second.answers_version == 1 and "Peak at 9 AM" in second.document and "Peak at 9 AM" in second.prompt
    assert workspace.get(1) == first and workspace.get(1).document != second.document
    assert RunRecord.model_validate_json(second.model_dump_json()) == second  # records are serialisable


def test_only_one_run_at_a_time(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.delay_s = 0.01
    workspace = Workspace()
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    with pytest.raises(RunInProgress):
        workspace.start(step, INPUTS, SONNET, api_key="k")
    workspace.stop()
    assert job.wait(10)


def test_stop_works_even_when_the_server_never_answers(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.scenarios = ["silent"]  # accepts the request, never sends a byte back
    workspace = Workspace()
    job = workspace.start(step, INPUTS, SONNET, api_key="k")
    deadline = time.monotonic() + 10
    while not fake_api.requests:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert job.progress().state == "connecting"
    started = time.monotonic()
    workspace.stop()
    assert job.done and time.monotonic() - started < 5
    record = workspace.last_run()
    assert record.stop_reason == "stopped" and record.document == "" and record.error is None
    assert "stopped the run before any of the document was written" in record.no_document_reason
    fake_api.release.set()  # the stuck worker finishes later; it must not file a version
    time.sleep(0.3)
    assert workspace.versions == [] and workspace.last_run() == record
