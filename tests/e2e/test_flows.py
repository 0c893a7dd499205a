"""What a PM sees, in a real browser: every flow as a person would do it, with a 1280×720 screenshot of each."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pypdf
import pytest
from playwright.sync_api import Page, expect

from specchain.inputs import ChainInputs
from specchain.steps import load_step
from tests.browser import (
    EXAMPLE,
    choose_claude,
    go_to,
    open_app,
    screenshot,
    use_example,
)
from tests.fake_anthropic import PLANNING_MARKER, FakeAnthropic

SECTIONS = load_step().sections


def generate(page: Page, engine: str) -> None:
    go_to(page, "Generate", "Generate the document")
    page.get_by_text(engine, exact=False).first.click()
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()


def finish_offline_document(page: Page) -> None:
    generate(page, "Offline draft")
    expect(page.get_by_text(re.compile(r"Version \d+ is ready"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Open the document").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Your document"))).to_be_visible()


def test_cold_start_shows_four_numbered_steps_and_the_brief(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    links = page.get_by_test_id("stSidebarNavLink")
    expect(links).to_have_text([re.compile(r"1 · Brief"), re.compile(r"2 · Prompt"), re.compile(r"3 · Generate"),
                                re.compile(r"4 · Document")])
    expect(links.nth(0)).to_contain_text("radio_button_unchecked")  # not done yet
    expect(page.get_by_role("heading", level=1)).to_have_text("1 · Describe your product")
    expect(page.get_by_label("Product name (required)", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Next: check the prompt")).to_be_attached()
    screenshot(page, "01-brief-cold-start")


def test_example_then_edit_then_the_exact_prompt(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    name = page.get_by_label("Product name (required)", exact=True)
    name.fill("Acme Tasks")
    name.press("Enter")
    expect(page.get_by_test_id("stSidebarNavLink").nth(0)).to_contain_text("check_circle")  # brief done
    screenshot(page, "02-brief-from-example")
    page.get_by_role("button", name="Next: check the prompt").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Check the prompt"))).to_be_visible()

    step = load_step()
    example = next(e for e in step.examples if e.name == EXAMPLE)
    expected = step.render(ChainInputs(values=example.values | {"app_name": "Acme Tasks"})).text
    shown = page.get_by_test_id("stMain").get_by_test_id("stCode").locator("code").inner_text()  # not the sidebar's link
    assert shown.strip() == expected.strip()
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    screenshot(page, "03-prompt")


def test_offline_document_with_template_check(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    expect(page.get_by_text("Offline draft, not AI-written")).to_be_visible()
    for title in SECTIONS:
        expect(page.get_by_role("heading", level=2, name=title)).to_be_attached()
    assert_fits_the_screen(page)
    screenshot(page, "06-document")
    page.get_by_role("tab", name=re.compile(r"Template check \(17\/17\)")).click()
    expect(page.get_by_text("All 17 sections of the template are present")).to_be_visible()


def assert_fits_the_screen(page: Page) -> None:
    """No horizontal scrolling of the page; wide tables and code scroll inside themselves."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    overflowing = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stMarkdownContainer] table')]
        .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length""")
    assert overflowing == 0


def start_claude(page: Page, screenshot_name: str | None = None) -> None:
    choose_claude(page, screenshot_name)
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()


WATCH_FOR_PLANNING = """marker => {
    window.__planningSeen = false;
    const check = text => { if (text && text.includes(marker)) window.__planningSeen = true; };
    new MutationObserver(mutations => mutations.forEach(m => {
        check(m.target.textContent);
        m.addedNodes.forEach(n => check(n.textContent));
    })).observe(document.body, {subtree: true, childList: true, characterData: true});
    window.__planningPoll = setInterval(() => check(document.body.innerHTML), 50);
}"""


def test_claude_streams_section_by_section_and_never_shows_its_planning(
    page: Page, app_url: str, api: FakeAnthropic
) -> None:
    api.delay_s, api.chunk_chars = 0.02, 20  # about 1,000 characters a second: a few seconds per section
    open_app(page, app_url)
    use_example(page)
    page.evaluate(WATCH_FOR_PLANNING, PLANNING_MARKER)
    start_claude(page, screenshot_name="03b-generate-claude-settings")
    status = page.get_by_text(re.compile(r"Writing \d+ of 17"))
    expect(status).to_be_visible(timeout=20_000)
    seen: list[int] = []
    for number in (2, 4):
        expect(page.get_by_text(re.compile(rf"Writing {number} of 17"))).to_be_visible(timeout=30_000)
        seen.append(page.get_by_role("heading", level=2).count())
        assert not page.evaluate("window.__planningSeen")
    assert seen[0] < seen[1], "finished sections appear one after another"
    expect(page.get_by_text(re.compile(r"Writing \d+ of 17: .+"))).to_be_visible()  # progress
    expect(page.get_by_text(re.compile(r"^\d+ s elapsed$"))).to_be_visible()  # and the time, apart
    screenshot(page, "04-generate-streaming")

    go_to(page, "Document", "Your document")  # looking elsewhere does not stop the writing
    expect(page.get_by_text("is being written right now")).to_be_visible()
    go_to(page, "Generate", "Generate the document")
    expect(page.get_by_text(re.compile(r"Writing \d+ of 17"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Version 1 is ready\."))).to_be_visible(timeout=90_000)
    assert not page.evaluate("window.__planningSeen")
    assert PLANNING_MARKER not in page.content()
    for title in SECTIONS:
        expect(page.get_by_role("heading", level=2, name=title)).to_be_attached()


def test_stop_midway_keeps_the_partial_document(page: Page, app_url: str, api: FakeAnthropic) -> None:
    api.delay_s, api.chunk_chars = 0.03, 10
    open_app(page, app_url)
    use_example(page)
    start_claude(page)
    expect(page.get_by_text(re.compile(r"Writing 3 of 17"))).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text(re.compile(r"Version 1 is unfinished \(stopped by you\)"))).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Open the document").click()
    expect(page.get_by_role("heading", level=2, name="Executive Summary")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Performance Requirements")).to_be_attached()
    expect(page.get_by_role("tab", name=re.compile(r"Template check \(([2-9]|1[0-6])\/17\)"))).to_be_visible()
    screenshot(page, "05-stopped-partial-document")


def test_answer_two_questions_run_again_and_switch_versions(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    page.get_by_role("tab", name=re.compile(r"Questions \(\d+\)")).click()
    answers = page.get_by_test_id("stTextArea").locator("textarea")
    answers.nth(0).fill("The busiest hour is 9 AM Eastern, with 12,000 people online at once")
    answers.nth(1).fill("Our monthly infrastructure budget is $40,000")
    answers.nth(1).press("Tab")  # a text area commits its value when it loses focus
    expect(page.get_by_text(re.compile(r"2 of \d+ answered"))).to_be_visible()
    screenshot(page, "07-questions-answered")
    page.get_by_role("button", name="Run again with these answers").click()
    expect(page.get_by_text(re.compile(r"Version 2 is ready"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Open the document").click()
    expect(page.get_by_text("What changed since the previous version")).to_be_visible()

    page.get_by_role("combobox", name="Version").click()
    page.get_by_role("option", name=re.compile(r"^Version 1 ·")).click()
    expect(page.get_by_text("What changed since the previous version")).to_have_count(0)
    expect(page.get_by_role("heading", level=2, name="Executive Summary")).to_be_visible()
    screenshot(page, "08-versions")


def test_every_download_format_holds_the_document(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    page.get_by_role("tab", name=re.compile("Download")).click()
    screenshot(page, "09-downloads")
    files = {}
    for label in ("Word (.docx)", "PDF (.pdf)", "Markdown (.md)", "Web page (.html)"):
        with page.expect_download() as download_info:
            page.get_by_role("button", name=label).click()
        download = download_info.value
        files[download.suggested_filename] = download.path().read_bytes()
    stem = "taskflow-pro-performance-scalability-v1"
    assert sorted(files) == sorted(f"{stem}.{ext}" for ext in ("docx", "pdf", "md", "html"))

    markdown = files[f"{stem}.md"].decode()
    assert markdown.startswith("# Performance & Scalability: TaskFlow Pro")
    assert all(f"## {title}" in markdown for title in SECTIONS)
    html = files[f"{stem}.html"].decode()
    assert '<h2 id="executive-summary">Executive Summary</h2>' in html and "<script" not in html
    word = docx.Document(io.BytesIO(files[f"{stem}.docx"]))
    word_headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert word_headings == ["Capacity at a glance", *SECTIONS]  # the charts first, then the document
    assert len(word.inline_shapes) == 4  # the four capacity charts, as pictures
    assert len(word.tables) == len(re.findall(r"^\|(?:\s*:?-+:?\s*\|)+\s*$", markdown, re.MULTILINE)) > 0
    with zipfile.ZipFile(io.BytesIO(files[f"{stem}.docx"])) as package:
        assert "word/document.xml" in package.namelist()
    pdf = pypdf.PdfReader(io.BytesIO(files[f"{stem}.pdf"]))
    title, children = pdf.outline[0], pdf.outline[1]  # the document's title, its sections nested under it
    assert title.title == "Performance & Scalability: TaskFlow Pro"
    assert [item.title for item in children if not isinstance(item, list)] == ["Capacity at a glance", *SECTIONS]


@pytest.mark.parametrize("color_scheme", ["light", "dark"], indirect=True)
def test_both_themes_are_legible(page: Page, app_url: str, color_scheme: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    colors = page.evaluate("""() => {
        const style = getComputedStyle(document.querySelector('[data-testid=stMarkdownContainer] p'));
        const app = getComputedStyle(document.querySelector('[data-testid=stApp]'));
        return [style.color, app.backgroundColor];
    }""")
    text, background = (luminance(c) for c in colors)
    assert (max(text, background) + 0.05) / (min(text, background) + 0.05) >= 7  # WCAG AAA for body text
    if color_scheme == "dark":
        screenshot(page, "10-document-dark-theme")


def luminance(css_color: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css_color)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_bad_input_gets_a_friendly_message_next_to_the_field(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.get_by_role("button", name="Next: check the prompt").click()
    name_field = page.get_by_test_id("stTextInput").filter(has=page.get_by_label("Product name (required)", exact=True))
    message = name_field.locator("xpath=following::*[@data-testid='stAlert'][1]")
    expect(message).to_contain_text("name")
    expect(page.get_by_role("heading", level=1)).to_have_text("1 · Describe your product")  # stayed on the brief

    load = page.get_by_role("textbox", name=re.compile("^Expected load"))
    load.fill("x" * 8_100)
    page.get_by_role("heading", level=1).click()  # leave the field, as a person does: the value is committed
    expect(page.get_by_text(re.compile(r"8,000"))).to_be_visible()
    expect(load).to_have_value("x" * 8_100)  # nothing the user typed is lost
    page.get_by_text(re.compile(r"8,000")).first.scroll_into_view_if_needed()
    screenshot(page, "11-bad-input")
