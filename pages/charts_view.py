"""The capacity model's charts on screen: load over three years, peak against capacity, speed targets, availability.

The specs come from the core (specchain/facts/charts.py); Streamlit draws them in the browser with its own theme
(light or dark). The downloads take the same charts as images; they are made here in the background as soon as the
charts are shown, so that a Word or PDF download does not wait for the chart renderer to start.
"""

from __future__ import annotations

import functools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import streamlit as st

from specchain.facts import capacity, read_facts
from specchain.facts.charts import ChartSet, chart_set, prerender
from specchain.inputs import ChainInputs
from specchain.records import RunRecord

# Streamlit's theme colours the axes and the series; the value labels and subtitles need the page's text colours.
LIGHT = {"text": {"color": "#31333f"}, "title": {"subtitleColor": "#5c5f6e"}}
DARK = {"text": {"color": "#fafafa"}, "title": {"subtitleColor": "#c6c8d1"}}
_IMAGES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart-images")  # one at a time: 2 cores shared
_queued: set[str] = set()


def record_charts(record: RunRecord) -> ChartSet:
    """The charts of the brief a version was written from (with its answers and corrections)."""
    return _charts(record.inputs.model_dump_json())


@functools.lru_cache(maxsize=64)  # ~10 ms of reading and computing, asked twice on every Document page rerun
def _charts(inputs_json: str) -> ChartSet:
    inputs = ChainInputs.model_validate_json(inputs_json)
    facts = read_facts(inputs.values, inputs.answers, inputs.corrections)
    return chart_set(facts, capacity(facts))


def rows_inline(spec: dict[str, Any]) -> dict[str, Any]:
    """The chart's rows as a data: URL in the spec, which the browser's Vega reads as it is. Given as values,
    Streamlit converts them to Arrow through pandas and pyarrow: 0.3–0.5 s and ~70 MB more in the server's process
    at its first Document page, for four tables of a few rows."""
    data = spec.get("data")
    if isinstance(data, dict) and "values" in data:
        rows = json.dumps(data["values"], separators=(",", ":"))
        spec["data"] = {**{k: v for k, v in data.items() if k != "values"}, "format": {"type": "json"},
                        "url": "data:application/json," + quote(rows)}
    return spec


def capacity_charts(record: RunRecord) -> None:
    charts = record_charts(record)
    st.subheader("Capacity at a glance")
    st.caption("Computed from your brief by the capacity model, whoever wrote the document. Dashed or faded marks "
               "rest on assumptions, not on your brief; answer the document's questions to replace them.")
    dark = getattr(st.context.theme, "type", None) == "dark"
    for chart in charts.charts:
        spec = chart.spec
        config = spec.setdefault("config", {})
        for part, values in (DARK if dark else LIGHT).items():
            config[part] = {**config.get(part, {}), **values}
        with st.container(border=True):
            st.vega_lite_chart(rows_inline(spec), theme="streamlit")  # alt text: the spec's description
            st.caption(chart.caption)
    for omitted in charts.omitted:
        st.info(f"**{omitted.title}.** {omitted.reason}", icon=":material/info:")
    key = "\n".join(chart.spec_json for chart in charts.charts)
    if key and key not in _queued:
        if len(_queued) > 256:  # the images' own cache keeps 64; this only avoids queueing the same work twice
            _queued.clear()
        _queued.add(key)
        _IMAGES.submit(prerender, charts)
