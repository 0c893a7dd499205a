"""The Document page's tabs in Chromium, as a PM uses them: the capacity charts are not in the page (nor the chart
library loaded) until the Figures tab is opened; opened, each chart is drawn with its description for screen
readers; the tab chosen stays chosen while an answer is typed in another."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from specchain.facts import capacity, read_facts
from specchain.facts.charts import chart_set
from specchain.steps import load_step
from tests.browser import EXAMPLE, open_app, use_example
from tests.e2e.test_flows import finish_offline_document

CHART = "[data-testid=stVegaLiteChart]"


def expected_descriptions() -> list[str]:
    """The charts' descriptions (their accessible names), computed from the example by the capacity model."""
    example = next(e for e in load_step().examples if e.name == EXAMPLE)
    facts = read_facts(example.values, (), {})
    return [chart.description for chart in chart_set(facts, capacity(facts)).charts]


def test_the_figures_tab_draws_the_charts_when_opened(page: Page, app_url: str) -> None:
    chart_library: list[str] = []
    page.on("request", lambda r: chart_library.append(r.url) if re.search(r"/(embed|vega)[^/]*\.js$", r.url) else None)
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    idle = page.locator("[data-testid=stApp][data-test-script-state=notRunning]")
    expect(idle).to_be_attached()
    expect(page.get_by_text("Clarification Requests or Feedback").first).to_be_visible()
    figures = page.get_by_role("tab", name=re.compile(r"Figures check \(\d+\)"))
    expect(figures).to_be_visible()  # its count is there before it is opened
    expect(page.locator(CHART)).to_have_count(0)
    assert chart_library == [], chart_library  # the browser has not loaded the chart library

    figures.click()
    expect(figures).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("heading", name="Capacity at a glance")).to_be_visible()
    descriptions = expected_descriptions()
    assert len(descriptions) == 4
    for description in descriptions:  # what a screen reader announces for each chart
        chart = page.locator(CHART).and_(page.get_by_label(description, exact=True))
        expect(chart).to_be_visible()
        expect(chart.locator("svg, canvas").first).to_be_visible()  # drawn, not only announced
    expect(page.get_by_text(re.compile("figures agree with your brief"))).to_be_visible()
    assert chart_library  # loaded now, when it is needed


def test_the_tab_chosen_stays_chosen_while_an_answer_is_typed(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    questions = page.get_by_role("tab", name=re.compile(r"Questions \(\d+\)"))
    questions.click()
    expect(questions).to_have_attribute("aria-selected", "true")
    box = page.get_by_role("tabpanel").get_by_role("textbox").first
    box.fill("Within 30 minutes")
    box.press("Tab")  # Streamlit keeps the answer: the page reruns
    expect(page.get_by_text(re.compile(r"1 of \d+ answered"))).to_be_visible()
    expect(questions).to_have_attribute("aria-selected", "true")
    expect(box).to_have_value("Within 30 minutes")

    page.get_by_role("tab", name=re.compile("Figures check")).click()
    expect(page.locator(CHART)).to_have_count(4)
    page.get_by_role("tab", name=re.compile("Document")).click()  # hidden again: not drawn
    expect(page.locator(CHART)).to_have_count(0)
    expect(page.get_by_text("Clarification Requests or Feedback").first).to_be_visible()


def test_the_tab_chosen_stays_chosen_in_another_version_whose_label_has_another_count(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    idle = page.locator("[data-testid=stApp][data-test-script-state=notRunning]")
    page.get_by_role("tab", name=re.compile(r"Questions \(\d+\)")).click()
    box = page.get_by_role("tabpanel").get_by_role("textbox").first
    box.fill("Within 30 minutes")
    box.press("Tab")
    expect(page.get_by_text(re.compile(r"1 of \d+ answered"))).to_be_visible()
    page.get_by_role("button", name="Run again with these answers").click()
    expect(page.get_by_text(re.compile(r"Version 2 is ready"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Open the document").click()
    expect(page.get_by_role("tab", name=re.compile("Document"))).to_have_attribute("aria-selected", "true")  # new

    questions = page.get_by_role("tab", name=re.compile(r"Questions \(\d+\)"))
    questions.click()
    expect(questions).to_have_attribute("aria-selected", "true")
    expect(idle).to_be_attached()
    in_version_2 = questions.inner_text()
    page.get_by_role("combobox", name="Version").click()
    page.get_by_role("option", name=re.compile(r"Version 1")).click()
    expect(questions).not_to_have_text(in_version_2)  # the answered question is listed as answered in version 2
    expect(idle).to_be_attached()
    expect(questions).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel").get_by_role("textbox").first).to_have_value("Within 30 minutes")
