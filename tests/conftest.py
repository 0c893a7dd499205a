from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from specchain.inputs import ChainInputs
from specchain.steps import ChainStep, load_step
from tests.fake_anthropic import FakeAnthropic

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def step() -> ChainStep:
    return load_step()


def example_inputs() -> list[tuple[str, ChainInputs]]:
    data = tomllib.loads((ROOT / "templates/performance_scalability/examples.toml").read_text(encoding="utf-8"))
    return [(e["name"], ChainInputs(values=e["values"])) for e in data["examples"]]


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    """The local stand-in of the Messages API; the app and the SDK reach it through ANTHROPIC_BASE_URL."""
    fake = FakeAnthropic(chunk_chars=9).start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    yield fake
    fake.stop()
