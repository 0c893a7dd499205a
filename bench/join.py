"""Prints figures for Continue's join and the template check. Run: python bench/join.py

- join_continuation at every 37th cut of a 40 KB document, for a model that resumes exactly and one that rewrites
  the unfinished line, as a ratio to building the joined text once (the least a join must do)
- the template check and the page's section list of the same document (Markdown parsed with markdown-it), as a
  ratio to the streaming line splitter that shows the document while it is written
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from specchain.document import (
    SectionSplitter,
    check_document,
    join_continuation,
    split_sections,
)
from specchain.steps import _headings, load_step
from tests.long_document import long_document


def median_us(fn: Callable[[], object], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def main() -> None:
    document = long_document()
    cases = []
    for cut in range(1, len(document), 37):
        visible = document[:cut].rstrip()
        cases.append((document[:cut], document[len(visible):]))  # exact
        cases.append((document[:cut], document[visible.rfind("\n") + 1:]))  # rewrites the line
    assert all(join_continuation(first, second) == document for first, second in cases[1::2])

    def joins() -> None:
        for first, second in cases:
            join_continuation(first, second)

    def copies() -> None:
        for first, second in cases:
            first + second  # the baseline: the joined text built once

    join_us, copy_us = median_us(joins) / len(cases), median_us(copies) / len(cases)
    print(f"join_continuation, {len(document) // 1024} KB document, {len(cases)} joins: {join_us:.1f} µs a join, "
          f"{join_us / copy_us:.1f}x building the joined text once ({copy_us:.1f} µs)")

    step = load_step()

    def splitter() -> None:
        s = SectionSplitter()
        s.feed(document)
        s.finish()

    def checked() -> None:
        _headings.cache_clear()
        check_document(document, step)
        _headings.cache_clear()
        split_sections(document)

    line_us, parsed_us = median_us(splitter), median_us(checked)
    _headings.cache_clear()
    split_sections(document)
    cached_us = median_us(lambda: (check_document(document, step), split_sections(document)))
    print(f"template check + section list (two parses): {parsed_us / 1000:.1f} ms, {parsed_us / line_us:.0f}x the "
          f"line splitter ({line_us / 1000:.2f} ms); on a page rerun (parse cached): {cached_us / 1000:.1f} ms")


if __name__ == "__main__":
    main()
