"""Prints figures for Many briefs at once. Run: python bench/batch.py [--rows 50]

- reading a file of 200 briefs (the example briefs, repeated) as CSV and as .xlsx
- offline drafts of N rows through BatchRun (two at a time, each a workspace of its own) against the same N briefs
  written one after another through Workspace.start (the single-document path), in the same run: the ratio is
  what the batch's bookkeeping costs, or saves
- the zip of 10 documents in each format against the Markdown zip (Word, PDF and HTML draw the capacity charts)
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args()

    import openpyxl

    from specchain import batch
    from specchain.inputs import ChainInputs
    from specchain.providers import EngineSettings
    from specchain.steps import load_step
    from specchain.store import open_store
    from specchain.workspace import RunService, Workspace

    step = load_step()
    examples = [example.values for example in step.examples]
    table = [[spec.label for spec in step.fields]] + [
        [f"{examples[n % len(examples)][spec.key]} {n}" if spec.key == "app_name"
         else examples[n % len(examples)].get(spec.key, "") for spec in step.fields] for n in range(batch.MAX_ROWS)]
    text = io.StringIO()
    csv.writer(text).writerows(table)
    csv_data = text.getvalue().encode("utf-8-sig")
    book = openpyxl.Workbook()
    for row in table:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    xlsx_data = out.getvalue()
    for name, data in (("CSV", csv_data), (".xlsx", xlsx_data)):
        started = time.perf_counter()
        sheet = batch.read_briefs(data, f"briefs.{name.strip('.').lower()}", step.fields)
        print(f"read {len(sheet.rows)} briefs from {name} ({len(data) / 1024:.0f} KB): "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")

    rows = sheet.rows[: args.rows]
    service = RunService(open_store(f"sqlite:///{tempfile.mkdtemp(prefix='bench-batch-')}/work.sqlite3"))
    started = time.perf_counter()
    for row in rows:  # the baseline: the single-document path, one after another
        job = Workspace(service=service).start(step, ChainInputs(values=dict(row.values)), EngineSettings())
        job.wait(60)
    single = time.perf_counter() - started
    started = time.perf_counter()
    run = batch.BatchRun(service, step, rows, EngineSettings()).start()
    run.wait(600)
    many = time.perf_counter() - started
    assert all(status.state == "done" for status in run.statuses())
    print(f"{len(rows)} offline drafts: one after another {single:.1f} s ({single / len(rows) * 1000:.0f} ms each); "
          f"as a batch, {batch.IN_FLIGHT} at a time, {many:.1f} s ({many / single:.2f}× the one-after-another time)")

    records = run.records()[:10]
    timings = {}
    for fmt in batch.FORMATS:
        started = time.perf_counter()
        size = len(batch.zip_documents(records, step, fmt))
        timings[fmt] = time.perf_counter() - started
        print(f"zip of {len(records)} documents as {batch.FORMATS[fmt][0]}: {timings[fmt]:.1f} s "
              f"({timings[fmt] / timings['markdown']:.0f}× Markdown), {size / 1024:,.0f} KB")


if __name__ == "__main__":  # the chart renderer starts worker processes, which import this file again
    main()
