"""In a real browser: upload a Word PRD, read it, see the proposals with their passages, confirm, and find the brief
filled again after a reload."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import go_to, open_app, screenshot
from tests.importing_files import example, example_word_file

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_word_prd_fills_the_brief_after_confirming_and_survives_a_reload(page: Page, app_url: str) -> None:
    values = example("Consumer")
    open_app(page, app_url)
    page.get_by_text("Start from a document you already have").click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "LocalLoop PRD.docx", "mimeType": DOCX, "buffer": example_word_file(values)}])
    expect(page.get_by_text("LocalLoop PRD.docx")).to_be_visible()
    page.get_by_role("button", name="Read it").click()
    expect(page.get_by_text("What “LocalLoop PRD.docx” says")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"“Evening peak of 25,000 concurrent users.*” · paragraph \d+"))).to_be_visible()
    product = page.get_by_label("Product name (required)", exact=True)
    expect(product).to_have_value("")  # proposed, not yet in the brief
    assert "w=" not in page.url  # and nothing saved: no work, no link
    page.get_by_text("What “LocalLoop PRD.docx” says").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(1250, 700)  # off the buttons: no tooltip over the picture
    expect(page.get_by_role("tooltip")).to_have_count(0)
    screenshot(page, "12-brief-from-document")
    page.get_by_role("button", name="Put these answers into my brief").click()
    expect(page.get_by_text("Put 5 answers from your document into the brief")).to_be_visible()
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    expect(product).to_have_value("LocalLoop Marketplace")
    expect(page.get_by_label(re.compile("^Technology the team uses"))).to_have_value(values["technical_stack"])
    expect(page).to_have_url(re.compile(r"[?&]w="))
    page.reload()
    expect(page.get_by_label("Product name (required)", exact=True)).to_have_value("LocalLoop Marketplace",
                                                                                 timeout=30_000)
    expect(page.get_by_label(re.compile("^Expected load"))).to_have_value(re.compile("Evening peak of 25,000"))


def test_a_proposal_and_its_edits_wait_while_the_pm_visits_another_page(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.get_by_text("Start from a document you already have").click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "TaskFlow PRD.docx", "mimeType": DOCX, "buffer": example_word_file(example())}])
    expect(page.get_by_text("TaskFlow PRD.docx")).to_be_visible()
    page.get_by_role("button", name="Read it").click()
    expect(page.get_by_text("What “TaskFlow PRD.docx” says")).to_be_visible(timeout=30_000)
    proposed = page.get_by_role("textbox", name="Proposed answer (you can edit it before confirming)")
    expect(proposed).to_have_count(5)
    before = [proposed.nth(i).input_value() for i in range(5)]
    proposed.nth(1).fill("Edited: 9,000 people at once on Monday mornings.")
    proposed.nth(1).press("Tab")
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    go_to(page, "Prompt", "Check the prompt")
    go_to(page, "Brief", "Describe")
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    expect(proposed).to_have_count(5, timeout=30_000)
    assert [proposed.nth(i).input_value() for i in range(5)] == \
        [before[0], "Edited: 9,000 people at once on Monday mornings.", *before[2:]]
    confirm = page.get_by_role("button", name="Put these answers into my brief")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.get_by_text("Put 5 answers from your document into the brief")).to_be_visible()
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    expect(page.get_by_label(re.compile("^Expected load"))).to_have_value(
        "Edited: 9,000 people at once on Monday mornings.")
