from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from specchain.inputs import ChainInputs
from specchain.steps import ChainStep, load_step
from specchain.store import open_store
from specchain.workspace import RunService
from tests.browser import launch_chromium
from tests.fake_anthropic import FakeAnthropic
from tests.store_fixtures import pg_server, store, store_url  # noqa: F401 - the store tests' fixtures

ROOT = Path(__file__).resolve().parent.parent
# The app's saved work goes to a throw-away database, never the developer's own (data/specchain.sqlite3).
os.environ["SPECCHAIN_DB_PATH"] = str(Path(tempfile.mkdtemp(prefix="specchain-tests-")) / "work.sqlite3")
os.environ.pop("DATABASE_URL", None)


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


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for every browser test of the run (Playwright's sync API allows one per thread)."""
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def new_service(tmp_path: Path) -> Iterator[Callable[[], RunService]]:
    """RunServices (each with its process's gate) on fresh SQLite stores, made after the test has set the queue's
    settings (environment variables)."""
    made: list[RunService] = []

    def make() -> RunService:
        made.append(RunService(open_store(f"sqlite:///{tmp_path / f'work{len(made)}.sqlite3'}"), background=False))
        return made[-1]

    yield make
    for runs in made:
        runs.close()
        runs.store.close()
