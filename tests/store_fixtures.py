"""Fixtures for the store tests: each test runs against SQLite (a temporary file) and a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from specchain.inputs import Answer, ChainInputs
from specchain.providers import EngineSettings
from specchain.records import RunRecord
from specchain.store import RunRequest, Store, open_store
from tests.postgres import MISSING, SKIP_ENV, PostgresServer, find_bin_dir

STEP = "performance_scalability"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        if os.environ.get(SKIP_ENV) == "1":
            pytest.skip(MISSING)
        pytest.fail(MISSING, pytrace=False)  # CI must not pass without having tested PostgreSQL
    with PostgresServer.start() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = f"store_{os.getpid()}_{next(_names)}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def make_inputs(name: str = "Acme Tasks") -> ChainInputs:
    return ChainInputs(values={"app_name": name, "expected_load": "2,000 users at 9 am"},
                       answers=(Answer(version=1, question="Which region?", answer="EU only"),))


def make_request(*, continues: int | None = None, answers: int | None = None,
                 settings: EngineSettings | None = None) -> RunRequest:
    return RunRequest(step_id=STEP, inputs=make_inputs(), prompt="The whole prompt.\n" * 50,
                      settings=settings or EngineSettings(engine="claude", model="claude-sonnet-5-5"),
                      answers_version=answers, continues_version=continues)


def make_record(document: str = "# Acme\n\nA document.\n", *, stop_reason: str = "end_turn",
                cost: float | None = 0.12, inputs: ChainInputs | None = None) -> RunRecord:
    return RunRecord(
        version=0, step_id=STEP, inputs=inputs or make_inputs(), prompt="The whole prompt.",
        settings=EngineSettings(engine="claude", model="claude-sonnet-5-5"), document=document,
        input_tokens=1200, output_tokens=5400, cost_usd=cost, started_at=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        first_text_s=1.5, total_s=42.0, stop_reason=stop_reason,
    )
