"""The sidebar's "Next:" hint while a run waits for its turn at the fair queue, on a page other than Generate
(AppTest, the real SDK over HTTP to the stand-in)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from pages.shared import run_service
from specchain.providers import EngineSettings
from specchain.steps import load_step
from specchain.workspace import Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import FakeAnthropic
from tests.test_app import APP, load_example


def next_hint(token: str) -> str:
    """The sidebar's hint on the work's link opened afresh (AppTest draws the sidebar on a session's first run)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["w"] = token
    at.run()
    assert not at.exception and at.title[0].value == "1 · Describe your product"
    hints = [c.value for c in at.sidebar.caption if c.value.startswith("**Next:**")]
    assert len(hints) == 1, hints
    return hints[0]


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_sidebar_says_the_run_waits_for_its_turn_then_that_it_is_written(
        monkeypatch: pytest.MonkeyPatch, fake_api: FakeAnthropic) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    fake_api.delay_s = 0.01  # the run writes for a while once its turn comes
    at = AppTest.from_file(APP, default_timeout=30).run()
    load_example(at)
    gate = run_service().gate
    # Other people's requests fill every place in flight: the run waits for its turn.
    holders = [gate.join(input_tokens=1, output_tokens=1) for _ in range(gate.limits.max_in_flight)]
    try:
        assert all(gate.try_admit(holder) is None for holder in holders)
        # The run is started as the Generate button starts it (the Generate page follows it until it ends, which
        # AppTest would wait for): on this tab's work, with Claude.
        store, token = run_service().store, at.session_state["workspace_token"]
        claude = EngineSettings(engine="claude", model="claude-sonnet-5-5")
        Workspace(service=run_service(), token=token).start(load_step(), example_inputs()[0][1], claude, api_key="k")
        wait_until(lambda: (run := store.active_run(token)) is not None and run.state == "queued" and bool(run.detail))
        hint = next_hint(token)  # on the Brief page, as when the PM moves on while the run waits
        assert "waiting for its turn" in hint and "You're next · starting" in hint, hint
        assert "Check the prompt" not in hint
    finally:
        for holder in holders:
            gate.release(holder, input_tokens=1, output_tokens=1)
    wait_until(lambda: (run := store.active_run(token)) is None or run.state in ("planning", "writing"))
    if store.active_run(token) is not None:
        assert "is being written" in next_hint(token)
    run_service().request_stop(token)
    wait_until(lambda: store.active_run(token) is None)
