"""The capacity charts: valid Vega-Lite carrying the model's own numbers, assumptions marked, charts without data
left out with the reason, the same bytes for the same brief, and each download carrying them as images."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import docx
import pypdf
import pytest

from specchain.drafting import draft_document
from specchain.exports import ExportMeta, render_html_fragment, to_docx, to_html, to_pdf
from specchain.facts import capacity, read_facts
from specchain.facts.charts import (
    ASSUMED,
    ChartSet,
    _svg,
    chart_set,
    render_png,
    render_svg,
)
from specchain.inputs import Answer
from tests.conftest import example_inputs
from tests.test_exports import active_parts

EXAMPLES = example_inputs()
TASKFLOW = EXAMPLES[0][1].values
NO_GROWTH = {"app_name": "Ledgerly", "expected_load": "Peak of 2,000 concurrent users on month-end days.",
             "performance_requirements": "API responses under 300 ms for 95% of calls. 99.9% uptime; RTO 30 min.",
             "technical_stack": "Python, PostgreSQL 16 on AWS.", "growth_projections": ""}


def charts_of(values: dict[str, str], **kwargs: Any) -> ChartSet:
    facts = read_facts(values, **kwargs)
    return chart_set(facts, capacity(facts))


def by_key(charts: ChartSet) -> dict[str, Any]:
    return {c.key: c for c in charts.charts}


def rows(chart: Any) -> list[dict[str, Any]]:
    return chart.spec["data"]["values"]


def keys_in(spec: Any) -> set[str]:
    if isinstance(spec, dict):
        return set(spec) | {k for value in spec.values() for k in keys_in(value)}
    if isinstance(spec, list):
        return {k for value in spec for k in keys_in(value)}
    return set()


@pytest.mark.parametrize(("name", "inputs"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_every_chart_is_valid_vega_lite_and_carries_the_models_numbers(name: str, inputs: Any) -> None:
    facts = read_facts(inputs.values)
    cap = capacity(facts)
    charts = by_key(chart_set(facts, cap))
    assert set(charts) == {"load", "capacity", "latency", "availability"}, name
    for chart in charts.values():
        svg = render_svg(chart)  # vl-convert compiles and draws it, or raises
        assert svg.startswith("<svg") and chart.title in svg
        assert "url" not in keys_in(chart.spec)  # inline data only: nothing to fetch
        assert chart.caption and chart.description.startswith(chart.title)

    load = {(r["measure"], r["years"]): r["value"] for r in rows(charts["load"])}
    assert load[("People at the same moment", 3.0)] == pytest.approx(cap.value("users.concurrent.3y"), rel=1e-3)
    assert load[("Requests per second at peak", 0.0)] == cap.value("rps.peak.now")
    assert load[("Requests per second at peak", 3.0)] == cap.value("rps.peak.3y")

    bars = {(r["group"], r["bar"]): r["value"] for r in rows(charts["capacity"])}
    per = cap.value("instance.capacity")
    assert bars[("Today", "Peak load")] == cap.value("rps.peak.now")
    assert bars[("Today", "Capacity as planned")] == cap.value("instances.min") * per
    assert bars[("In 3 years", "Capacity as planned")] == cap.value("instances.max") * per
    assert bars[("Today", "Capacity with one zone down")] >= bars[("Today", "Peak load")]  # the model's N+zone rule

    stated = sorted(f.number for f in facts.starting("latency.") if f.unit == "ms")
    assert sorted(r["value"] for r in rows(charts["latency"])) == stated

    availability = {r["bar"]: r["value"] for r in rows(charts["availability"])}
    assert availability["Downtime allowed a month"] == pytest.approx(cap.value("downtime.month"), abs=1e-3)
    assert availability["One recovery after a failure (RTO)"] == cap.value("recovery.rto")


def test_the_drawn_text_shows_the_figures() -> None:
    charts = by_key(charts_of(TASKFLOW))
    assert "21.9 min" in render_svg(charts["availability"])  # 99.95% of a month
    assert "150 ms" in render_svg(charts["latency"])
    assert "40,000" in render_svg(charts["load"])  # 8,000 people at the same moment × 5 in three years


def test_assumptions_are_marked_as_such() -> None:
    taskflow = by_key(charts_of(TASKFLOW))  # no RTO and no request rate in this brief
    rto = next(r for r in rows(taskflow["availability"]) if "RTO" in r["bar"])
    assert rto["basis"] == ASSUMED and rto["label"].endswith("(assumed)")
    requests = [r for r in rows(taskflow["load"]) if r["measure"].startswith("Requests")]
    assert {r["line"] for r in requests} == {ASSUMED}  # dashed: the rate rests on an assumed think time
    people = [r for r in rows(taskflow["load"]) if r["measure"].startswith("People")]
    assert people[0]["source"] == "Stated in your brief" and {r["line"] for r in people} == {"From your brief"}
    assert "estimated" in rows(taskflow["capacity"])[0]["label"]

    stated = by_key(charts_of(NO_GROWTH))  # "RTO 30 min" is in this one
    rto = next(r for r in rows(stated["availability"]) if "RTO" in r["bar"])
    assert rto["value"] == 30 and rto["basis"] != ASSUMED and "assumed" not in rto["label"]


def test_a_brief_without_growth_has_no_growth_chart_and_says_why() -> None:
    charts = charts_of(NO_GROWTH)
    assert "load" not in by_key(charts)
    reason = next(o.reason for o in charts.omitted if o.key == "load")
    assert "no growth figures" in reason
    assert {r["group"] for r in rows(by_key(charts)["capacity"])} == {"Today"}  # no made-up 3-year bars
    meta = ExportMeta("Ledgerly", "Offline draft (not AI-written)", "2026-11-28 10:00 UTC", 1, charts=charts)
    assert "no growth figures" in to_html("## Summary\n\nText.", meta).decode()
    assert "no growth figures" in " ".join(pypdf.PdfReader(io.BytesIO(to_pdf("## Summary", meta))).pages[0]
                                           .extract_text().split())


def test_a_brief_without_figures_draws_nothing_made_up() -> None:
    charts = charts_of({"app_name": "Acme", "technical_stack": "Go and PostgreSQL"})
    assert charts.charts == ()
    assert {o.key for o in charts.omitted} == {"load", "capacity", "latency", "availability"}
    assert all(o.reason.startswith("Left out: your brief gives no") for o in charts.omitted)


def test_answers_and_corrections_change_the_charts() -> None:
    corrected = by_key(charts_of(TASKFLOW, corrections={"availability": "99.99%"}))
    downtime = next(r for r in rows(corrected["availability"]) if r["bar"].startswith("Downtime"))
    assert downtime["label"] == "4.4 min"
    question = "What recovery time (RTO) after a failure is acceptable?"
    answered = by_key(charts_of(TASKFLOW, answers=[Answer(version=1, question=question, answer="RTO 20 minutes")]))
    rto = next(r for r in rows(answered["availability"]) if "RTO" in r["bar"])
    assert rto["value"] == 20 and rto["basis"] != ASSUMED


def test_the_same_brief_gives_the_same_bytes() -> None:
    first, second = charts_of(TASKFLOW), charts_of(dict(TASKFLOW))
    assert first == second and hash(first) == hash(second)  # usable as part of a cache key
    chart = first.charts[0]
    svg, png = render_svg(chart), render_png(chart)
    _svg.cache_clear()
    assert render_svg(chart) == svg
    assert png.startswith(b"\x89PNG")


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps([{"x": 1, "y": 2}]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_rendering_reaches_no_network(listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    spec = {"data": {"url": f"{url}/data.json"}, "mark": "point",
            "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    with pytest.raises(Exception):  # noqa: B017 - vl-convert raises its own ValueError subclasses
        _svg(json.dumps(spec))
    assert hits == []


# ── the downloads ──────────────────────────────────────────────────────────────────────────────────────────
HOSTILE = """# Plan

<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3))

![secret](file:///etc/passwd)
"""


@pytest.fixture(scope="module")
def meta() -> ExportMeta:
    return ExportMeta("TaskFlow Pro", "Offline draft (not AI-written)", "2026-11-28 10:00 UTC", 2,
                      charts=charts_of(TASKFLOW))


def test_html_download_has_the_charts_and_nothing_active(meta: ExportMeta) -> None:
    page = to_html(HOSTILE, meta).decode()
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert csp and csp.group(1) == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)">', page)
    assert [html.unescape(alt) for _, alt in images] == [c.description for c in meta.charts.charts]
    for data, _ in images:
        svg = base64.b64decode(data).decode()
        assert svg.startswith("<svg") and "<script" not in svg and "href" not in svg
    # Everything but the charts' own <img> is as before: the sanitized body, nothing active.
    assert page.count("<img") == len(images) and page.index("</section>") < page.index("<main>")
    assert active_parts(page[page.index("<main>"):]) == []
    assert render_html_fragment(HOSTILE) in page  # the body is the sanitized fragment, unchanged


def test_word_download_has_the_charts_as_pictures_after_the_title(meta: ExportMeta) -> None:
    word = docx.Document(io.BytesIO(to_docx(draft_document(EXAMPLES[0][1]), meta)))
    assert len(word.inline_shapes) == len(meta.charts.charts) == 4
    styles = [p.style.name for p in word.paragraphs[:6]]
    texts = [p.text for p in word.paragraphs[:6]]
    heading = texts.index("Capacity at a glance")
    assert styles[heading] == "Heading 2" and styles[heading - 1] in ("Date", "Subtitle")
    descriptions = [e.get("descr") for e in word.element.body.iter() if e.tag.endswith("}docPr")]
    assert descriptions == [c.description for c in meta.charts.charts]
    captions = {p.text for p in word.paragraphs}
    assert all(c.caption in captions for c in meta.charts.charts)


def test_pdf_download_has_the_charts_as_vector_images(meta: ExportMeta) -> None:
    plain = pypdf.PdfReader(io.BytesIO(to_pdf("## Summary\n\nText.", ExportMeta(
        "TaskFlow Pro", "Offline draft (not AI-written)", "2026-11-28 10:00 UTC", 2))))
    charted = pypdf.PdfReader(io.BytesIO(to_pdf("## Summary\n\nText.", meta)))

    def forms(reader: pypdf.PdfReader) -> int:
        return sum(1 for page in reader.pages
                   for x in (page["/Resources"].get("/XObject") or {}).values()
                   if x.get_object()["/Subtype"] == "/Form")

    assert forms(plain) == 0 and forms(charted) >= len(meta.charts.charts)
    text = " ".join(" ".join(page.extract_text() for page in charted.pages).split())
    assert "Capacity at a glance" in text and "21.9 min" in text
    assert all(c.caption in text for c in meta.charts.charts)

    def titles(outline: list[Any]) -> list[str]:
        return [t for item in outline for t in (titles(item) if isinstance(item, list) else [item.title])]

    assert "Capacity at a glance" in titles(charted.outline)  # a bookmark, like every section


# ── on screen ──────────────────────────────────────────────────────────────────────────────────────────────
def page_with_charts(values: dict[str, str]) -> None:
    from types import SimpleNamespace

    from pages.charts_view import capacity_charts
    from specchain.inputs import ChainInputs

    capacity_charts(SimpleNamespace(inputs=ChainInputs(values=values, corrections={"availability": "99.99%"})))


def test_the_page_draws_each_chart_with_its_caption_and_says_what_is_left_out() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(page_with_charts, args=(NO_GROWTH,), default_timeout=30).run()
    assert not at.exception
    drawn = [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]
    expected = charts_of(NO_GROWTH, corrections={"availability": "99.99%"})  # the correction reaches the charts
    # Streamlit sends the data apart from the spec; the description (the alt text) carries the same numbers.
    assert [spec["description"] for spec in drawn] == [chart.description for chart in expected.charts]
    assert "4.4 min" in drawn[-1]["description"]
    captions = [c.value for c in at.caption]
    assert all(chart.caption in captions for chart in expected.charts)
    assert [i.value for i in at.info] == [f"**{o.title}.** {o.reason}" for o in expected.omitted]
    assert "no growth figures" in at.info[0].value
