"""The Document page's tabs, walked with Streamlit's AppTest: the capacity charts are drawn only once the Figures
tab is opened (the browser loads the chart library only then), and the open tab stays open across the page's
reruns: an answer typed, another version chosen (whose tab labels carry other counts). A new version opens on its
text."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from pages.shared import run_service
from tests.store_fixtures import make_record
from tests.test_app import generate, load_example, work
from tests.test_facts_panel import PLANTED
from tests.test_saved_work import new_tab


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    return new_tab()


def charts(at: AppTest) -> list[str]:
    """The titles of the Vega-Lite charts on the page."""
    titles = []
    for element in at.get("vega_lite_chart"):
        title = json.loads(element.proto.spec).get("title")
        titles.append(title.get("text") if isinstance(title, dict) else title)
    return titles


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def tab(at: AppTest, name: str) -> str:
    """The label of the Document page's tab that starts with `name` (after its icon), count included."""
    found = [t.label for t in at.tabs if t.label.split(": ", 1)[-1].startswith(name)]
    assert len(found) == 1, [t.label for t in at.tabs]
    return found[0]


def open_tab(at: AppTest, name: str) -> None:
    """What a click on the tab sends: its label, by the tabs' key (an AI agent sets the same key)."""
    at.session_state["document_tabs"] = tab(at, name)
    at.run()
    assert not at.exception, at.exception


def document_with_a_version(at: AppTest) -> None:
    load_example(at)
    generate(at)
    at.switch_page("pages/document.py").run()
    assert not at.exception, at.exception


def test_the_charts_are_drawn_only_once_the_figures_tab_is_opened(at: AppTest) -> None:
    document_with_a_version(at)
    assert tab(at, "Figures check") == ":material/fact_check: Figures check (0)"  # the count, charts or not
    assert "The document's figures agree with your brief" in "\n".join(s.value for s in at.success)
    assert charts(at) == [] and "Capacity at a glance" not in subheaders(at)

    open_tab(at, "Figures check")
    assert len(charts(at)) == 4 and all(charts(at))
    assert "Capacity at a glance" in subheaders(at)

    open_tab(at, "Document")  # hidden again: not drawn
    assert charts(at) == []


def test_the_open_tab_stays_open_when_an_answer_is_typed(at: AppTest) -> None:
    document_with_a_version(at)
    open_tab(at, "Figures check")
    at.text_area(key="answer_v1_0").input("30 minutes").run()  # the page reruns as the answer is kept
    assert not at.exception, at.exception
    assert len(charts(at)) == 4
    assert tab(at, "Questions").startswith(":material/help: Questions (")


def test_the_open_tab_stays_open_when_another_version_with_other_counts_is_chosen(at: AppTest) -> None:
    document_with_a_version(at)
    token = at.session_state["workspace_token"]
    planted = run_service().store.add_version(token, make_record(PLANTED, inputs=work(at).get(1).inputs))
    at.run()  # the new version is shown, on its text
    assert at.selectbox(key="viewing_version").value == planted
    assert tab(at, "Figures check") == ":material/fact_check: Figures check (2)"
    assert charts(at) == []

    open_tab(at, "Figures check")
    assert len(charts(at)) == 4
    at.selectbox(key="viewing_version").select(1).run()  # its label reads "(0)" now: still the tab open
    assert not at.exception, at.exception
    assert tab(at, "Figures check") == ":material/fact_check: Figures check (0)"
    assert len(charts(at)) == 4
    assert "The document's figures agree with your brief" in "\n".join(s.value for s in at.success)


def test_a_new_version_opens_on_its_text(at: AppTest) -> None:
    document_with_a_version(at)
    open_tab(at, "Figures check")
    assert len(charts(at)) == 4
    token = at.session_state["workspace_token"]  # written in another tab, say: the page shows it at its next rerun
    planted = run_service().store.add_version(token, make_record(PLANTED, inputs=work(at).get(1).inputs))
    at.run()
    assert at.selectbox(key="viewing_version").value == planted
    assert charts(at) == []
    assert "Uptime SLA" in "\n".join(m.value for m in at.markdown)  # the new version's text
