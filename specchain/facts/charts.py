"""Charts of the capacity model, as plain Vega-Lite specs: load over three years, peak against capacity, the speed
targets, and the availability budget.

    chart_set(facts, cap) -> ChartSet       # the charts the brief has data for, and a reason for each left out
    render_svg(chart) / render_png(chart)    # the same chart as an image for the downloads (vl-convert, no browser)

Every number comes from the capacity model (or the facts it was computed from). What rests on an assumption is drawn
as such (dashed, faded, labelled "assumed"); a chart whose headline figure the brief doesn't give at all is left out
with a line saying why, never drawn from a default. Specs are plain dicts (Streamlit's st.vega_lite_chart takes
them) stored as sorted JSON, so the same brief gives the same bytes and a chart can be a cache key.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specchain.facts.capacity import Capacity, Figure, capacity, short_number
from specchain.facts.model import Facts

VEGA_LITE_VERSION = "6.4"  # the major version Streamlit's frontend draws with; pinned so images don't drift
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # a name only: nothing is fetched
STATED, CALCULATED, ASSUMED = "Stated in your brief", "Calculated from your brief", "Rests on assumptions"
SOLID, DASHED = [1, 0], [6, 4]
FONT = "Noto Sans"  # from the manimgx-fonts wheel: the same text metrics on every machine
# Readable on a 1280×720 projector; the screen's theme supplies the colours, the downloads a light page.
READABLE = {
    "axis": {"labelFontSize": 13, "titleFontSize": 13, "titleFontWeight": "normal"},
    "legend": {"labelFontSize": 13, "titleFontSize": 13, "orient": "bottom", "direction": "horizontal"},
    "header": {"labelFontSize": 14, "titleFontSize": 14},
    "title": {"fontSize": 17, "subtitleFontSize": 13, "anchor": "start", "subtitlePadding": 6},
    "text": {"fontSize": 13},
}
EXPORT_CONFIG = {"font": FONT, "background": "white"}


@dataclass(frozen=True)
class Chart:
    key: str  # "load", "capacity", "latency", "availability"
    title: str
    caption: str  # one line in plain words, shown under the chart
    description: str  # alt text: what the chart shows, with its numbers
    spec_json: str  # the Vega-Lite spec, sorted JSON

    @property
    def spec(self) -> dict[str, Any]:
        return json.loads(self.spec_json)


@dataclass(frozen=True)
class Omitted:
    key: str
    title: str
    reason: str  # "Left out: your brief gives no growth figures, …"


@dataclass(frozen=True)
class ChartSet:
    charts: tuple[Chart, ...] = ()
    omitted: tuple[Omitted, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.charts or self.omitted)


TITLES = {"load": "Load over the next three years", "capacity": "Peak load against capacity, with headroom",
          "latency": "Speed targets by part of the product", "availability": "Availability and error budget"}


def chart_set(facts: Facts, cap: Capacity | None = None) -> ChartSet:
    cap = cap if cap is not None else capacity(facts)
    made = [_load(facts, cap), _capacity(facts, cap), _latency(facts), _availability(facts, cap)]
    return ChartSet(charts=tuple(c for c in made if isinstance(c, Chart)),
                    omitted=tuple(c for c in made if isinstance(c, Omitted)))


# ── numbers as people read them ──────────────────────────────────────────────────────────────────────────────
def _count(value: float) -> str:
    return short_number(value) if value >= 100 else f"{value:,.0f}" if value >= 10 else f"{value:,.1f}".rstrip("0").rstrip(".")


def _ms(value: float) -> str:
    if value < 1000:
        return f"{value:,.0f} ms"
    seconds = value / 1000
    return f"{seconds:,.1f}".rstrip("0").rstrip(".") + " s" if seconds < 120 else f"{seconds / 60:,.0f} min"


def _minutes(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") + " min" if value < 100 else f"{value / 60:,.1f} h"


def _percent(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") + "%"


def _stated(figure: Figure) -> bool:
    """The model marks a figure taken straight from the brief by its one input, "stated"."""
    return set(figure.inputs) == {"stated"}


def _assumption(cap: Capacity, key: str) -> str | None:
    return next((a.text for a in cap.assumptions if a.key == key), None)


def _default_people(cap: Capacity) -> bool:
    """The brief gives no user numbers at all: the model's people (and from them its load) are a default."""
    return any(a.key == "concurrency" for a in cap.assumptions)


def _spec(title: str, subtitle: list[str], description: str, body: dict[str, Any]) -> str:
    spec = {"$schema": SCHEMA, "description": description, "title": {"text": title, "subtitle": subtitle},
            "config": READABLE, **body}
    return json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# ── load over three years ────────────────────────────────────────────────────────────────────────────────────
HORIZON_LABELS = (("now", 0.0, "Now"), ("6m", 0.5, "In 6 months"), ("1y", 1.0, "In 1 year"), ("3y", 3.0, "In 3 years"))
YEAR_AXIS = "datum.value == 0 ? 'Now' : datum.value == 0.5 ? '6 mo' : datum.value == 1 ? '1 yr' : " \
            "datum.value == 3 ? '3 yrs' : ''"
SHORT_AXIS = "format(datum.value, '~s')"  # 40k, 2.5k, 0: no "0k", no false precision
TIME_AXIS = "datum.value >= 1000 ? format(datum.value / 1000, '~g') + ' s' : format(datum.value, '~g') + ' ms'"


def _load(facts: Facts, cap: Capacity) -> Chart | Omitted:
    title = TITLES["load"]
    if cap.assumed("growth"):
        return Omitted("load", title, "Left out: your brief gives no growth figures, so there is nothing to project "
                                      "(add one, for example “twice the users in a year”).")
    if _default_people(cap) and facts.get("load.requests_per_second") is None:
        return Omitted("load", title, "Left out: your brief gives no number of users or requests to start from.")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    series = [("users.concurrent", "People at the same moment", "people")]
    series.append(("rps.peak", "Requests per second at peak", "req/s"))
    if _default_people(cap):
        series = series[1:]  # the request rate is stated; the people are not
    for prefix, measure, unit in series:
        figures = [cap.get(f"{prefix}.{h}") for h, _, _ in HORIZON_LABELS]
        assumed = any(f.assumed for f in figures)
        for figure, (_, years, when) in zip(figures, HORIZON_LABELS):
            source = STATED if _stated(figure) else ASSUMED if assumed else CALCULATED
            rows.append({"measure": measure, "years": years, "when": when, "value": round(figure.value, 2),
                         "label": _count(figure.value), "unit": unit, "source": source,
                         "line": ASSUMED if assumed else "From your brief"})
        if assumed and prefix == "rps.peak":
            think = _assumption(cap, "think_time")
            notes.append("Requests per second are estimated (assumed: " + (think or "typical request rates") + ").")
        elif assumed:
            notes.append("People at the same moment are estimated from daily users (assumed session lengths).")
    growth = cap.value("growth.3y")
    yearly = cap.value("growth.yearly")
    if not cap.get("growth.3y").assumed:
        source = "from your brief"
    elif period := _assumption(cap, "growth_period"):
        source = f"assumed: {period}"
    else:
        source = "assumed: your brief's growth continued at the same yearly rate"
    subtitle = [f"{growth:g}× today's load in three years (about {yearly:.2g}× a year), {source}.", *notes]
    description = f"{title}. " + "; ".join(
        f"{m}: " + ", ".join(f"{r['when'].lower()} {r['label']}" for r in rows if r["measure"] == m)
        for m in dict.fromkeys(r["measure"] for r in rows)) + "."
    x = {"field": "years", "type": "quantitative", "title": "Years from now",
         "scale": {"domain": [0, 3], "padding": 24, "nice": False},
         "axis": {"values": [0, 0.5, 1, 3], "labelExpr": YEAR_AXIS, "grid": False, "labelOverlap": False}}
    y = {"field": "value", "type": "quantitative", "title": None, "axis": {"labelExpr": SHORT_AXIS},
         "scale": {"zero": True, "nice": True}}
    tooltip = [{"field": "when", "title": "When"}, {"field": "label", "title": "Value"},
               {"field": "source", "title": "Source"}]
    body = {
        "data": {"values": rows},
        "facet": {"column": {"field": "measure", "type": "nominal", "title": None,
                             "sort": [m for _, m, _ in series]}},
        "resolve": {"scale": {"y": "independent"}},
        "spec": {"width": 300, "height": 230, "layer": [
            {"mark": {"type": "line", "strokeWidth": 3},
             "encoding": {"x": x, "y": y, "strokeDash": {
                 "field": "line", "type": "nominal", "title": "Line",
                 "scale": {"domain": ["From your brief", ASSUMED], "range": [SOLID, DASHED]}}}},
            {"mark": {"type": "point", "size": 110, "strokeWidth": 2.5},
             "encoding": {"x": x, "y": y, "tooltip": tooltip, "shape": {
                 "field": "source", "type": "nominal", "title": "Point",
                 "scale": {"domain": [STATED, CALCULATED, ASSUMED], "range": ["circle", "diamond", "triangle-up"]}},
                 "fill": {"value": None}}},
            {"mark": {"type": "text", "dy": -16, "fontWeight": "bold"},
             "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
        ]},
    }
    caption = (f"How many people and requests to plan for, now and as the load grows {growth:g}× over three years; "
               "dashed lines rest on assumptions.")
    return Chart("load", title, caption, description, _spec(title, subtitle, description, body))


# ── peak against capacity ────────────────────────────────────────────────────────────────────────────────────
def _capacity(facts: Facts, cap: Capacity) -> Chart | Omitted:
    title = TITLES["capacity"]
    if _default_people(cap) and facts.get("load.requests_per_second") is None:
        return Omitted("capacity", title, "Left out: your brief gives no number of users or requests, so there is "
                                          "no peak to compare with capacity.")
    per = cap.get("instance.capacity")
    zones = cap.get("instances.min").inputs.get("zones", 3.0)
    peak_now = cap.get("rps.peak.now")
    peak_estimated = not _stated(peak_now)
    groups = [("Today", peak_now.value, cap.value("instances.min"))]
    if not cap.assumed("growth"):
        groups.append(("In 3 years", cap.value("rps.peak.3y"), cap.value("instances.max")))
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for group, peak, instances in groups:
        left = instances - math.ceil(instances / zones)
        planned, after_loss = instances * per.value, left * per.value
        rows.append({"group": group, "bar": "Peak load", "value": peak,
                     "label": f"{_count(peak)} req/s" + (" (estimated)" if peak_estimated else ""),
                     "basis": ASSUMED if peak_estimated else "From your brief"})
        for bar, value, count in (("Capacity as planned", planned, instances),
                                  ("Capacity with one zone down", after_loss, left)):
            headroom = value / peak - 1 if peak else 0.0
            rows.append({"group": group, "bar": bar, "value": value, "basis": ASSUMED,
                         "label": f"{_count(value)} req/s · {count:,.0f} instances · "
                                  f"{'+' if headroom >= 0 else ''}{headroom:.0%}"})
        lines.append(f"{group.lower()}: peak {_count(peak)} req/s, capacity {_count(planned)} req/s with "
                     f"{instances:,.0f} instances, {_count(after_loss)} req/s with one zone down")
    workers, service = per.inputs.get("workers", 0), per.inputs.get("service_ms", 0)
    utilisation = cap.value("utilisation.target")
    subtitle = [(f"Assumed: {workers:g} workers per instance, about {service:g} ms of work per request, "
                 f"{zones:g} zones; each instance counted at {utilisation:.0%} busy ({_count(per.value)} req/s)."),
                "The percentage is the headroom above the peak. Check it with a load test."]
    if peak_estimated:
        subtitle.append("The peak is estimated: your brief gives no request rate.")
    if cap.assumed("growth"):
        subtitle.append("No 3-year bars: your brief gives no growth figures.")
    description = f"{title}. " + "; ".join(lines) + "."
    bars = ["Peak load", "Capacity as planned", "Capacity with one zone down"]
    y = {"field": "group", "type": "nominal", "title": None, "sort": [g for g, _, _ in groups],
         "axis": {"labelFontWeight": "bold"}}
    x = {"field": "value", "type": "quantitative", "title": "Requests per second", "axis": {"labelExpr": SHORT_AXIS},
         "scale": {"nice": True}}
    body = {
        "data": {"values": rows}, "width": 560, "height": {"step": 34},
        "encoding": {"y": y, "yOffset": {"field": "bar", "type": "nominal", "sort": bars},
                     "x": x},
        "layer": [
            {"mark": {"type": "bar", "strokeWidth": 1.5},
             "encoding": {
                 "color": {"field": "bar", "type": "nominal", "title": None, "sort": bars,
                           "scale": {"domain": bars}, "legend": {"labelLimit": 320}},
                 "opacity": {"field": "basis", "type": "nominal", "legend": None,
                             "scale": {"domain": ["From your brief", ASSUMED], "range": [1.0, 0.55]}},
                 "strokeDash": {"field": "basis", "type": "nominal", "legend": None,
                                "scale": {"domain": ["From your brief", ASSUMED], "range": [SOLID, DASHED]}},
                 "stroke": {"field": "bar", "type": "nominal", "legend": None, "sort": bars},
                 "tooltip": [{"field": "bar", "title": "Bar"}, {"field": "label", "title": "Value"},
                             {"field": "basis", "title": "Basis"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 5},
             "encoding": {"text": {"field": "label"}}},
        ],
    }
    caption = ("Whether the planned servers carry the busiest moment, today and in three years, even with one zone "
               "down; faded bars rest on assumptions.")
    return Chart("capacity", title, caption, description, _spec(title, subtitle, description, body))


# ── speed targets ────────────────────────────────────────────────────────────────────────────────────────────
def _latency(facts: Facts) -> Chart | Omitted:
    title = TITLES["latency"]
    targets = sorted((f for f in facts.starting("latency.") if f.unit == "ms" and f.number),
                     key=lambda f: (f.number or 0, f.key))
    if not targets:
        return Omitted("latency", title, "Left out: your brief gives no speed targets (for example “API responses "
                                         "under 200 ms for 95% of requests”).")
    origins = {"brief": STATED, "answer": "Your answer", "correction": "Your correction"}
    rows = [{"target": f.label, "value": f.number, "label": _ms(f.number or 0), "source": origins[f.origin]}
            for f in targets]
    log = (targets[-1].number or 1) / (targets[0].number or 1) >= 20
    low, high = math.floor(math.log10(targets[0].number or 1)), math.ceil(math.log10(targets[-1].number or 1))
    decades = [10**k for k in range(low, max(high, low + 1) + 1)]  # 100 ms, 1 s, 10 s: one tick a decade
    subtitle = ["As your brief states them: the slowest each may be" +
                (" (a log scale, so that milliseconds and seconds both show)." if log else ".")]
    description = f"{title}. " + "; ".join(f"{r['target']}: {r['label']}" for r in rows) + "."
    x = {"field": "value", "type": "quantitative", "title": "At most" + (" (log scale)" if log else ""),
         "scale": {"type": "log", "domain": [decades[0], decades[-1]], "padding": 16, "nice": False} if log else
         {"zero": True, "nice": True},
         "axis": {"labelExpr": TIME_AXIS, **({"values": decades} if log else {})}}
    y = {"field": "target", "type": "nominal", "title": None, "sort": [r["target"] for r in rows],
         "axis": {"labelLimit": 320}}
    body = {
        "data": {"values": rows}, "width": 460, "height": {"step": 36},
        "encoding": {"y": y, "x": x},
        "layer": [
            {"mark": {"type": "point", "filled": True, "size": 160} if log else
             {"type": "bar", "height": {"band": 0.55}},
             "encoding": {"tooltip": [{"field": "target", "title": "Target"}, {"field": "label", "title": "At most"},
                                      {"field": "source", "title": "Source"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 10 if log else 5, "fontWeight": "bold"},
             "encoding": {"text": {"field": "label"}}},
        ],
    }
    caption = "How fast each part of the product must answer, from the targets in your brief."
    return Chart("latency", title, caption, description, _spec(title, subtitle, description, body))


# ── availability and error budget ────────────────────────────────────────────────────────────────────────────
def _availability(facts: Facts, cap: Capacity) -> Chart | Omitted:
    title = TITLES["availability"]
    if facts.get("availability") is None:
        return Omitted("availability", title, "Left out: your brief gives no uptime target (for example “99.9% "
                                              "uptime”).")
    availability = facts.number("availability") or 0.0
    downtime = cap.get("downtime.month")
    rto = cap.get("recovery.rto")
    rto_assumed = bool(rto.assumed)
    rows = [{"bar": "Downtime allowed a month", "value": round(downtime.value, 3),
             "label": _minutes(downtime.value), "basis": "From your brief"},
            {"bar": "One recovery after a failure (RTO)", "value": rto.value,
             "label": _minutes(rto.value) + (" (assumed)" if rto_assumed else ""),
             "basis": ASSUMED if rto_assumed else "From your brief"}]
    rpo = cap.get("recovery.rpo")
    if rpo.value:
        rows.append({"bar": "Data that may be lost (RPO)", "value": rpo.value,
                     "label": _minutes(rpo.value) + (" (assumed)" if rpo.assumed else ""),
                     "basis": ASSUMED if rpo.assumed else "From your brief"})
    errors = cap.get("error_budget.requests").value
    average_estimated = bool(cap.get("rps.average").assumed) or _default_people(cap)
    page = cap.value("burn.14.4")
    outages = downtime.value / rto.value if rto.value else 0.0
    subtitle = [f"{_percent(availability)} uptime leaves {_minutes(downtime.value)} of downtime a month: "
                + (f"room for about {outages:.1f} full recoveries" if outages >= 1 else
                   "not enough for one full recovery")
                + (" of the assumed length." if rto_assumed else "."),
                f"Error budget: about {short_number(errors)} failed requests a month"
                + (" (estimated from the average request rate)." if average_estimated else "."),
                f"Page someone when more than {page:.2g}% of requests fail over an hour."]
    description = f"{title}. " + "; ".join(f"{r['bar']}: {r['label']}" for r in rows) + \
        f". About {short_number(errors)} failed requests allowed a month."
    bars = [r["bar"] for r in rows]
    body = {
        "data": {"values": rows}, "width": 460, "height": {"step": 40},
        "encoding": {"y": {"field": "bar", "type": "nominal", "title": None, "sort": bars,
                           "axis": {"labelLimit": 320}},
                     "x": {"field": "value", "type": "quantitative", "title": "Minutes",
                           "scale": {"zero": True, "nice": True}}},
        "layer": [
            {"mark": {"type": "bar", "strokeWidth": 1.5, "height": {"band": 0.6}},
             "encoding": {
                 "color": {"field": "bar", "type": "nominal", "legend": None, "sort": bars},
                 "stroke": {"field": "bar", "type": "nominal", "legend": None, "sort": bars},
                 "opacity": {"field": "basis", "type": "nominal", "legend": None,
                             "scale": {"domain": ["From your brief", ASSUMED], "range": [1.0, 0.5]}},
                 "strokeDash": {"field": "basis", "type": "nominal", "legend": None,
                                "scale": {"domain": ["From your brief", ASSUMED], "range": [SOLID, DASHED]}},
                 "tooltip": [{"field": "bar", "title": "What"}, {"field": "label", "title": "Minutes"},
                             {"field": "basis", "title": "Basis"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 5, "fontWeight": "bold"},
             "encoding": {"text": {"field": "label"}}},
        ],
    }
    caption = (f"What {_percent(availability)} uptime allows each month, next to how long one recovery takes; "
               "faded bars are assumed.")
    return Chart("availability", title, caption, description, _spec(title, subtitle, description, body))


# ── images for the downloads ─────────────────────────────────────────────────────────────────────────────────
# vl-convert draws in a process of its own: it holds Python's global lock while it draws (3 s for its first image,
# while its JavaScript engine starts; 0.4–0.5 s per chart after), and in the server's process that froze every
# session's page for as long. Its engine (~100 MB) lives in that process too. Started on the first image.
_WORKER: ProcessPoolExecutor | None = None
_WORKER_LOCK = threading.Lock()


def _in_worker(function: Callable[..., Any], *args: Any) -> Any:
    global _WORKER
    for attempt in range(2):  # a worker that died (killed, out of memory) is replaced once
        with _WORKER_LOCK:
            if _WORKER is None:
                _WORKER = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                              initializer=_end_with, initargs=(os.getpid(),))
            worker = _WORKER
        try:
            return worker.submit(function, *args).result()
        except BrokenProcessPool:
            with _WORKER_LOCK:
                if _WORKER is worker:
                    _WORKER = None
            if attempt:
                raise
    raise AssertionError("unreachable")


def _end_with(parent: int) -> None:
    """In the worker: yield the cores to the server and the browser, and exit when the server's process is gone
    (killed, it never says goodbye). Its first image costs ~3 s of CPU (the JavaScript engine starting), started by
    the first Document page; at normal priority it slowed that very page's drawing on a 2-core machine."""
    with contextlib.suppress(OSError):
        os.nice(10)
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)  # polling interval
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


@functools.cache
def _converter() -> Any:
    """vl-convert (in the worker), loaded on the first image, with the Noto Sans of the font wheel registered so
    text measures the same on every machine."""
    import vl_convert

    fonts = importlib.import_module("manimgx_fonts")
    vl_convert.register_font_directory(str(Path(fonts.__file__ or "").parent))
    return vl_convert


def _draw_svg(spec_json: str) -> str:
    # allowed_base_urls=[]: a spec can load no data from anywhere (ours are inline anyway).
    return _converter().vegalite_to_svg(json.loads(spec_json), vl_version=VEGA_LITE_VERSION, config=EXPORT_CONFIG,
                                        allowed_base_urls=[])


def _draw_png(svg: str, scale: float) -> bytes:
    return _converter().svg_to_png(svg, scale=scale)


@functools.lru_cache(maxsize=64)
def _svg(spec_json: str) -> str:
    return _in_worker(_draw_svg, spec_json)


@functools.lru_cache(maxsize=64)
def _png(spec_json: str, scale: float) -> bytes:
    return _in_worker(_draw_png, _svg(spec_json), scale)


# One drawing at a time: a download clicked while the page's background drawing is under way waits for that
# drawing (then finds it cached) instead of making the same images again beside it on the same two cores.
_DRAWING = threading.Lock()


def render_svg(chart: Chart) -> str:
    with _DRAWING:
        return _svg(chart.spec_json)


def render_png(chart: Chart, scale: float = 2.0) -> bytes:
    with _DRAWING:
        return _png(chart.spec_json, scale)


def prerender(charts: ChartSet) -> None:
    """Make every image now (the first takes a second while vl-convert starts), so a download is quick later."""
    for chart in charts.charts:
        render_png(chart)
