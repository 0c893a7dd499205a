"""Runs whose request can never fit the key's per-minute limits end at once with a sentence saying what to do, and
what a waiting run shows tells one story: the real anthropic SDK over HTTP to the stand-in, runs on worker threads."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from specchain.providers import EngineSettings, claude
from specchain.steps import ChainStep
from specchain.workspace import RunService, Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import FakeAnthropic, RateLimits

SONNET = EngineSettings(engine="claude", model="claude-sonnet-5-5")  # Maximum length 32,000, the default
INPUTS = example_inputs()[0][1]

OUTPUT_SENTENCE = ("This key's organisation allows 4,000 output tokens a minute, less than this run's Maximum length "
                   "of 32,000: lower Maximum length under Claude settings on the Generate page (to 4,000 or less), "
                   "or ask whoever runs Spec Chain Studio for a higher limit.")


def generate(service: RunService, step: ChainStep, settings: EngineSettings = SONNET,
             timeout: float = 20) -> tuple[Workspace, list[tuple[str, str]]]:
    """Runs a generation to its end (failing the test after timeout s); every (state, notice) it showed meanwhile,
    with the queue's place line as the state while it waited."""
    workspace = Workspace(service=service)
    job = workspace.start(step, INPUTS, settings, api_key="k")
    seen: list[tuple[str, str]] = []
    deadline = time.monotonic() + timeout
    while not job.done:
        assert time.monotonic() < deadline, f"the run did not end within {timeout} s; it showed {seen[-3:]}"
        p = job.progress()
        seen.append((p.queue.waiting() if p.queue else p.state, p.notice or ""))
        time.sleep(0.01)
    return workspace, seen


def test_a_maximum_length_over_the_keys_output_limit_ends_the_run_at_once(
    fake_api: FakeAnthropic, step: ChainStep, new_service: Callable[[], RunService]
) -> None:
    """A Tier-1 key: 4,000 output tokens a minute, and the API counts the whole Maximum length when a request
    starts, so a 32,000 request is refused for ever. The first refusal's headers say so: nothing more is sent."""
    fake_api.rate_limits = RateLimits(output_tokens=4000)
    service = new_service()
    workspace, _ = generate(service, step)
    record = workspace.last_run()
    assert record is not None and record.stop_reason == "error"
    assert record.error == OUTPUT_SENTENCE
    assert len(fake_api.requests) == 1
    assert service.gate.view().waiting == () and service.gate.view().running == ()


def test_a_limit_the_operator_set_ends_the_run_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, fake_api: FakeAnthropic, step: ChainStep,
    new_service: Callable[[], RunService]
) -> None:
    monkeypatch.setenv("SPECCHAIN_CLAUDE_OUTPUT_TPM", "4000")
    workspace, _ = generate(new_service(), step)
    record = workspace.last_run()
    assert record is not None and record.stop_reason == "error"
    assert record.error == ("Spec Chain Studio is set to use at most 4,000 output tokens a minute, less than this "
                            "run's Maximum length of 32,000: lower Maximum length under Claude settings on the "
                            "Generate page (to 4,000 or less), or ask whoever runs Spec Chain Studio for a higher "
                            "limit.")
    assert fake_api.requests == []


def test_a_prompt_over_the_keys_input_limit_ends_the_run_at_once(
    fake_api: FakeAnthropic, step: ChainStep, new_service: Callable[[], RunService]
) -> None:
    fake_api.rate_limits = RateLimits(input_tokens=200)
    workspace, _ = generate(new_service(), step)
    record = workspace.last_run()
    assert record is not None and record.stop_reason == "error"
    assert re.fullmatch(r"This brief's prompt is about [\d,]+ tokens, more than the 200 input tokens a minute this "
                        r"key's organisation allows: shorten the longest answers in the Brief, or ask whoever runs "
                        r"Spec Chain Studio for a higher limit\.", record.error or ""), record.error
    assert len(fake_api.requests) == 1


def test_a_request_exactly_at_the_limit_is_sent(
    fake_api: FakeAnthropic, step: ChainStep, new_service: Callable[[], RunService]
) -> None:
    """32,000 output tokens a minute and a Maximum length of 32,000: it fits when the bucket is full."""
    fake_api.rate_limits = RateLimits(output_tokens=32_000)
    service = new_service()
    workspace, _ = generate(service, step)
    assert workspace.last_run().stop_reason == "end_turn"
    assert service.gate.view().caps["output"] == 32_000  # the limit was learned, and did not stop it
    workspace, _ = generate(service, step, timeout=90)  # the bucket refills within a minute; it waits, then goes
    assert workspace.last_run().error is None


def test_a_key_refused_for_ever_ends_within_the_bound_and_says_so(
    monkeypatch: pytest.MonkeyPatch, fake_api: FakeAnthropic, step: ChainStep,
    new_service: Callable[[], RunService]
) -> None:
    """Every request refused: the run ends after MAX_QUEUED_REFUSALS refusals, or sooner once refused for
    MAX_REFUSING_S, with a sentence that says how long it tried."""
    monkeypatch.setattr(claude, "MAX_REFUSING_S", 2.5)
    fake_api.default_scenario = "429"  # retry-after 1 each
    workspace, _ = generate(new_service(), step)
    record = workspace.last_run()
    assert record.stop_reason == "error"
    assert 3 <= len(fake_api.requests) < claude.MAX_QUEUED_REFUSALS
    assert re.fullmatch(r"Claude refused this key's requests \d+ times in a row over about \d+ s \(too many requests "
                        r"for its organisation's limits, perhaps from other apps using the same key\)\. Nothing you "
                        r"typed is lost: wait a minute, then try again\.", record.error or ""), record.error


def test_what_a_refused_run_shows_is_one_story(fake_api: FakeAnthropic, step: ChainStep,
                                              new_service: Callable[[], RunService]) -> None:
    """Refused four times (retry-after 1): while it waits, the queue's place line is the only time the user reads
    (no notice with its own countdown); once the request goes again the refusal's notice is gone."""
    fake_api.scenarios = ["429"] * 4
    workspace, seen = generate(new_service(), step)
    assert workspace.last_run().stop_reason == "end_turn"
    notices = {notice for _, notice in seen if notice}
    assert notices == {("Claude has had too many requests from this key for now; your request keeps its place at the "
                        "front of the line.")}
    assert not [line for line in seen if line[1] and line[0] in ("planning", "writing")]  # no stale notice


def test_a_busy_server_notice_tells_the_same_story_as_the_place_line(
    fake_api: FakeAnthropic, step: ChainStep, new_service: Callable[[], RunService]
) -> None:
    fake_api.scenarios = ["529", "529"]
    workspace, seen = generate(new_service(), step)
    assert workspace.last_run().stop_reason == "end_turn"
    notices = {notice for _, notice in seen if notice}
    assert notices == {("Claude is busy; this request goes again (attempt 2 of 3), keeping its place at the front of "
                        "the line."),
                       ("Claude is busy; this request goes again (attempt 3 of 3), keeping its place at the front of "
                        "the line.")}
    assert not [line for line in seen if line[1] and line[0] in ("planning", "writing")]
