"""Prints the time and peak memory of each download format for a 40 KB model-style document.

Run: python bench/exports.py [--runs 7]

The pdf-ja row is the PDF of the same document with its prose in Japanese (same structure, tables and code), to
show what the CJK font costs when it is used. The last lines add the capacity model's four charts ("Capacity at a
glance", from the TaskFlow Pro example brief) to the same document: PDF and Word with and without them, alternating
in one process; with the images made in advance (as the Document page makes them in the background when it shows
the charts) and drawn on the click; and the first drawing in a fresh process, vl-convert's JavaScript engine
starting included.

Each format is measured in its own fresh Python process, so that its peak memory is its own: the process's
resident-set high-water mark (Python, the typst library, and python-docx), the pandoc subprocess's, and the
baseline after imports for comparison. Times are the median of several uncached runs after one warm-up (the
app caches each format per document version, so a second click costs nothing).
Expected on a 2-core machine: HTML under 0.2 s, Word under 1.5 s, PDF under 1.5 s (Japanese too); charts add
under 0.5 s to a PDF.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specchain.facts.charts import ChartSet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMATS = ["html", "docx", "pdf", "pdf-ja"]
JAPANESE = "このシステムは、ピーク時に毎秒二千件のリクエストを処理し、三年以内に五倍に成長する必要があります。"


def japanese_document(document: str) -> str:
    """The document with every line of prose in Japanese of about the same length: the same blocks, in Japanese."""
    lines, in_code = [], False
    for line in document.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        prose = not in_code and line.strip() and not line.lstrip().startswith(("#", "|", "-", "*", "```", ">"))
        if prose and not line.lstrip()[:1].isdigit():
            line = (JAPANESE * (len(line) // len(JAPANESE) + 1))[: max(len(line) // 2, 20)]  # 3 bytes a character
        lines.append(line)
    return "\n".join(lines) + "\n"


def example_charts() -> ChartSet:
    import tomllib

    from specchain.facts import capacity, read_facts
    from specchain.facts.charts import chart_set

    examples = tomllib.loads((ROOT / "templates/performance_scalability/examples.toml").read_text(encoding="utf-8"))
    facts = read_facts(examples["examples"][0]["values"])
    return chart_set(facts, capacity(facts))


def measure(format_name: str, runs: int) -> dict[str, float]:
    from specchain import exports
    from tests.long_document import long_document

    document = long_document()
    app_name = "TaskFlow Pro"
    if format_name == "pdf-ja":
        app_name = "タスクフロー"
        document = japanese_document(document).replace("TaskFlow Pro", app_name)
    meta = exports.ExportMeta(app_name=app_name, engine_label="Claude · claude-sonnet-5-5",
                              created="2026-11-27 10:00 UTC", version=1)
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    convert = {
        "html": lambda: exports.to_html.__wrapped__(document, meta),
        # __wrapped__: past the per-version cache, so every run does the whole conversion.
        "docx": lambda: exports.to_docx.__wrapped__(document, meta),
        "pdf": lambda: exports.to_pdf.__wrapped__(document, meta),
        "pdf-ja": lambda: exports.to_pdf.__wrapped__(document, meta),
    }[format_name]
    if format_name == "html":
        exports.render_html_fragment.cache_clear()
    size = len(convert())  # warm-up: imports, font loading, first pandoc start
    times = []
    for _ in range(runs):
        if format_name == "html":
            exports.render_html_fragment.cache_clear()
        start = time.perf_counter()
        convert()
        times.append(time.perf_counter() - start)
    return {
        "document_kb": len(document.encode()) / 1024,
        "output_kb": size / 1024,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "baseline_mb": baseline_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pandoc_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--format", choices=[*FORMATS, "charts"], help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.format == "charts":
        print(json.dumps(measure_charts(args.runs)))
        return
    if args.format:
        print(json.dumps(measure(args.format, args.runs)))
        return

    print(f"Exports of a model-style document, median of {args.runs} uncached runs, each format in a fresh process")
    print(f"{'format':<8}{'doc':>8}{'file':>9}{'median':>9}{'min':>8}{'max':>8}"
          f"{'peak RSS':>11}{'(baseline)':>12}{'pandoc':>9}")
    results = {}
    for format_name in FORMATS:
        child = subprocess.run([sys.executable, __file__, "--format", format_name, "--runs", str(args.runs)],
                               capture_output=True, text=True, check=True, cwd=ROOT)
        r = results[format_name] = json.loads(child.stdout)
        pandoc = f"{r['pandoc_peak_mb']:.0f} MB" if format_name != "html" else "–"
        print(f"{format_name:<8}{r['document_kb']:>6.1f}KB{r['output_kb']:>7.0f}KB{r['median_s']:>8.3f}s"
              f"{r['min_s']:>7.3f}s{r['max_s']:>7.3f}s{r['peak_mb']:>8.0f} MB{r['baseline_mb']:>9.0f} MB{pandoc:>9}")
    japanese, english = results["pdf-ja"], results["pdf"]
    print(f"Japanese PDF against the English one (same run): {japanese['median_s'] / english['median_s']:.2f}x the "
          f"time, {japanese['peak_mb'] / english['peak_mb']:.2f}x the peak memory")
    child = subprocess.run([sys.executable, __file__, "--format", "charts", "--runs", str(args.runs)],
                           capture_output=True, text=True, check=True, cwd=ROOT)
    c = json.loads(child.stdout)
    print(f"\nCharts (\"Capacity at a glance\", 4 charts), same process, plain and charted runs alternating, medians "
          f"of {args.runs}; target: under 0.5 s added to a PDF")
    for name, label in (("pdf_ready", "PDF, chart images made in advance (the app does it when it shows the charts)"),
                        ("pdf_drawn", "PDF, charts drawn on the click (vl-convert already started)"),
                        ("docx_ready", "Word, chart images made in advance")):
        base = c["docx_plain"] if name.startswith("docx") else c["pdf_plain"]
        print(f"  {label}: {c[name]:.3f} s against {base:.3f} s without: +{c[name + '_added']:.3f} s, "
              f"{c[name] / base:.2f}x")
    print(f"  First drawing of the 4 charts in a fresh process (vl-convert's engine starting): {c['cold']:.2f} s; "
          f"then {c['draw']:.3f} s for all 4")
    print(f"  Sizes: PDF +{c['pdf_kb_added']:.0f} KB (vector), Word +{c['docx_kb_added']:.0f} KB (PNG), "
          f"HTML +{c['html_kb_added']:.0f} KB (SVG)")


def measure_charts(runs: int) -> dict[str, float]:
    """PDF and Word with and without the charts of the TaskFlow Pro example, alternating in one process so that the
    machine's load falls on both alike. Every charted run gets SVGs with different bytes (a comment), so Typst
    can't reuse its work from the run before."""
    from specchain import exports
    from specchain.facts import charts
    from tests.long_document import long_document

    document = long_document()
    start = time.perf_counter()
    chart_set = example_charts()
    svgs = [charts.render_svg(chart) for chart in chart_set.charts]
    cold = time.perf_counter() - start
    plain = exports.ExportMeta(app_name="TaskFlow Pro", engine_label="Claude · claude-sonnet-5-5",
                               created="2026-11-27 10:00 UTC", version=1)
    charted = dataclasses.replace(plain, charts=chart_set)
    counter = iter(range(1_000_000))
    fresh = {chart.spec_json: svg for chart, svg in zip(chart_set.charts, svgs)}
    charts.render_svg = lambda chart: fresh[chart.spec_json] + f"<!-- {next(counter)} -->"  # type: ignore[assignment]
    times: dict[str, list[float]] = {k: [] for k in ("pdf_plain", "pdf_ready", "pdf_drawn", "docx_plain",
                                                     "docx_ready", "draw")}

    def timed(key: str, convert: Any) -> bytes:
        begin = time.perf_counter()
        out = convert()
        times[key].append(time.perf_counter() - begin)
        return out

    sizes = {"pdf": len(exports.to_pdf.__wrapped__(document, plain)),
             "pdf_charts": len(exports.to_pdf.__wrapped__(document, charted)),
             "docx": len(exports.to_docx.__wrapped__(document, plain)),
             "docx_charts": len(exports.to_docx.__wrapped__(document, charted)),
             "html": len(exports.to_html.__wrapped__(document, plain)),
             "html_charts": len(exports.to_html.__wrapped__(document, charted))}  # warm-up
    for _ in range(runs):
        timed("pdf_plain", lambda: exports.to_pdf.__wrapped__(document, plain))
        timed("pdf_ready", lambda: exports.to_pdf.__wrapped__(document, charted))
        timed("pdf_plain", lambda: exports.to_pdf.__wrapped__(document, plain))

        def drawn() -> bytes:
            charts._svg.cache_clear()
            for chart in chart_set.charts:
                fresh[chart.spec_json] = charts._svg(chart.spec_json)
            return exports.to_pdf.__wrapped__(document, charted)

        timed("pdf_drawn", drawn)
        timed("docx_plain", lambda: exports.to_docx.__wrapped__(document, plain))
        timed("docx_ready", lambda: exports.to_docx.__wrapped__(document, charted))
        charts._svg.cache_clear()
        timed("draw", lambda: "".join(charts._svg(chart.spec_json) for chart in chart_set.charts).encode())
    result = {key: statistics.median(values) for key, values in times.items()}
    for key in ("pdf_ready", "pdf_drawn", "docx_ready"):
        result[key + "_added"] = result[key] - result[key.split("_")[0] + "_plain"]
    return {**result, "cold": cold, "pdf_kb_added": (sizes["pdf_charts"] - sizes["pdf"]) / 1024,
            "docx_kb_added": (sizes["docx_charts"] - sizes["docx"]) / 1024,
            "html_kb_added": (sizes["html_charts"] - sizes["html"]) / 1024}

if __name__ == "__main__":
    main()
