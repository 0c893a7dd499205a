"""The HTML download against the screen itself: the corpus rendered by Streamlit's st.markdown in headless Chromium.

tests/test_export_html_corpus.py holds the structure each case must have; this test shows that it is what the
screen shows, on the Streamlit this project pins, so the expectations can't drift from the real renderer.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from playwright.sync_api import Browser, Page, expect

from specchain.exports import render_html_fragment
from tests.browser import ROOT, running_app
from tests.test_export_html_corpus import CORPUS, outline

APP = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from tests.test_export_html_corpus import CORPUS
for index, (_, markdown_text, _) in enumerate(CORPUS):
    with st.container(key=f"case{{index}}"):
        st.markdown(markdown_text)
"""
LINE_BREAK_CASE = next(index for index, (name, _, _) in enumerate(CORPUS) if "<br>" in name)


class Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def squeezed_text(html: str) -> str:
    """The text a reader sees, with no whitespace at all (the screen lays tables out with tabs)."""
    parser = Text()
    parser.feed(html)
    return "".join("".join(parser.parts).split())


@pytest.fixture(scope="module")
def screen(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Page]:
    app = tmp_path_factory.mktemp("screen") / "corpus_app.py"
    app.write_text(APP, encoding="utf-8")
    with running_app(script=str(app)) as server:
        page = browser.new_page()
        page.goto(server.url)
        expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached(timeout=30_000)
        expect(page.locator(f".st-key-case{len(CORPUS) - 1} [data-testid=stMarkdownContainer]")).to_be_visible()
        yield page
        page.context.close()


def on_screen(page: Page, index: int) -> str:
    container = page.locator(f".st-key-case{index} [data-testid=stMarkdownContainer]")
    # Streamlit adds a hover anchor link to each heading: page furniture, not part of the document.
    return container.evaluate("element => { const copy = element.cloneNode(true); "
                              "copy.querySelectorAll('h1 a, h2 a, h3 a, h4 a, h5 a, h6 a').forEach(a => a.remove()); "
                              "return copy.innerHTML; }")


@pytest.mark.parametrize("index", range(len(CORPUS)), ids=[name for name, _, _ in CORPUS])
def test_html_download_matches_what_streamlit_shows(screen: Page, index: int) -> None:
    _, markdown_text, expected = CORPUS[index]
    screen_html, download_html = on_screen(screen, index), render_html_fragment(markdown_text)
    if index == LINE_BREAK_CASE:  # the one deliberate difference: the screen shows "<br>" as text
        assert "first line&lt;br&gt;second line" in screen_html
        assert outline(download_html) == expected and "first line<br>second line" in download_html
        assert squeezed_text(screen_html).replace("<br>", "") == squeezed_text(download_html)
        return
    assert outline(screen_html) == outline(download_html) == expected
    assert squeezed_text(screen_html) == squeezed_text(download_html)
