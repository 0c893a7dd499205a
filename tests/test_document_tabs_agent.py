"""An AI agent on the Document page (the real app, `streamlit run` with the agent API on): the tabs are an action
keyed `document_tabs` whose value is the open tab's label; the capacity charts, drawn only in the open Figures tab,
are reached by setting it, and read back with their descriptions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import RunningApp, running_app
from tests.test_agent_api import (
    AGENT_FLAGS,
    Agent,
    action_keys,
    http_send,
    node,
    nodes,
    offline_document,
    run_client,
)


@pytest.fixture(scope="module")
def app() -> Iterator[RunningApp]:
    with running_app(flags=AGENT_FLAGS) as running:
        yield running


def charts(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in nodes(snapshot["tree"]) if n["type"] == "vega_lite_chart"]


def test_an_agent_opens_the_figures_tab_by_its_key_and_reads_the_charts(app: RunningApp) -> None:
    async def main() -> None:
        agent = Agent(http_send(app))
        document = await offline_document(agent)
        assert "document_tabs" in action_keys(document)
        tabs = node(document, "document_tabs")
        labels = tabs["props"]["tabs"]
        assert tabs["value"] == labels[0] and labels[0].endswith("Document")
        assert charts(document) == []  # hidden: not drawn
        figures = next(label for label in labels if "Figures check (" in label)

        opened = await agent.call(widget_state={"document_tabs": figures})
        assert node(opened, "document_tabs")["value"] == figures
        drawn = charts(opened)
        assert drawn, "no chart in the open Figures tab"
        assert all(chart["data"]["spec"].get("description") for chart in drawn)  # what the chart says, in words
        assert "document_download_md" in {n.get("key") for n in nodes(opened["tree"])}  # the rest still in reach

    run_client(main)
