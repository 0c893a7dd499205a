"""Fixtures for end-to-end tests: one app server and one stand-in API per test session, a fresh browser session
(a new Streamlit session) per test, and checks that run after every test: no browser console errors and no Python
exception shown on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import VIEWPORT, running_app
from tests.fake_anthropic import FakeAnthropic


@pytest.fixture(scope="session")
def stand_in() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic(chunk_chars=24, delay_s=0.004).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def app_url(stand_in: FakeAnthropic) -> Iterator[str]:
    with running_app({"ANTHROPIC_BASE_URL": stand_in.url}) as app:
        yield app.url


@pytest.fixture
def api(stand_in: FakeAnthropic) -> Iterator[FakeAnthropic]:
    """The stand-in, reset to a brisk pace and the normal scenario for each test."""
    stand_in.delay_s, stand_in.chunk_chars, stand_in.scenarios = 0.004, 24, []
    stand_in.requests.clear()
    yield stand_in
    stand_in.delay_s = 0.0  # let a run still going at teardown end quickly


def streamlit_deep_link_probe(url: str) -> bool:
    """Loading a page's own address (/generate?w=…, e.g. on a reload) makes Streamlit's frontend first look for its
    server under that path (/generate/_stcore/health), get a 404, then find it at the root. Streamlit's doing, not
    an error of the app."""
    return re.search(r"/[a-z_]+/_stcore/(health|host-config)$", url) is not None


@pytest.fixture(params=["light"])
def color_scheme(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, app_url: str, color_scheme: str) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not streamlit_deep_link_probe(message.location.get("url", "")) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    exceptions = page.locator("[data-testid=stException]").all_inner_texts()
    context.close()
    assert not exceptions, f"a Python exception was shown on the page: {exceptions}"
    assert not errors, f"browser console errors: {errors}"
