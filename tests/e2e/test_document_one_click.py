"""One mouse click right after typing does what the button says, on the Document page, in Chromium.

A text area sends its value to the server only when it loses focus; the click that takes the focus away must
still count. Playwright's own click waits for a button to be enabled, which a person does not: these tests type,
then press the mouse at the button's place at once, as a PM does."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser import open_app, use_example
from tests.e2e.test_flows import finish_offline_document


def mouse_click(page: Page, target: Locator) -> None:
    """A real mouse press and release where the button is drawn, whatever state it is in (no waiting for it)."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_typing_an_answer_then_one_click_runs_again(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    page.get_by_role("tab", name=re.compile(r"Questions \(\d+\)")).click()
    answer = page.get_by_test_id("stTextArea").locator("textarea").first
    answer.click()
    answer.press_sequentially("About 12,000 people at 9 AM Eastern")
    mouse_click(page, page.get_by_role("button", name="Run again with these answers"))
    expect(page.get_by_text(re.compile(r"Version 2 is ready"))).to_be_visible(timeout=30_000)


def test_typing_in_a_section_then_one_click_saves_a_new_version(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    page.get_by_role("tab", name=re.compile(r"Edit")).click()
    section = page.get_by_role("textbox", name="Section text (Markdown)")
    section.click()
    section.press("End")
    section.press_sequentially(" A sentence I wrote myself.")
    mouse_click(page, page.get_by_role("button", name="Save as a new version"))
    expect(page.get_by_role("combobox", name="Version")).to_have_value(re.compile(r"^Version 2 ·"),
                                                                     timeout=30_000)
    page.get_by_role("tab", name=re.compile(r"Document")).first.click()
    expect(page.get_by_role("tabpanel", name=re.compile("Document")).get_by_text("A sentence I wrote myself.")
           ).to_be_visible()
