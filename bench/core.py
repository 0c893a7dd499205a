"""Prints figures for the core's hot paths. Run: python bench/core.py

- offline drafting time per example brief (the promise: well under a second)
- the private-block filter and section splitter on a stream in 4-character chunks, at two sizes, to show
  that time grows linearly with the stream's length (the promise: linear time and memory)
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from specchain.document import SectionSplitter  # noqa: E402
from specchain.drafting import draft_document  # noqa: E402
from specchain.private import PrivateBlockFilter  # noqa: E402
from tests.conftest import example_inputs  # noqa: E402


def median_ms(fn, runs: int = 15) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def stream_cost(size: int) -> tuple[float, float]:
    document = draft_document(example_inputs()[0][1])
    text = "<performance_planning>" + "plan " * 2000 + "</performance_planning>\n\n"
    text += (document * (size // len(document) + 1))[:size]
    chunks = [text[i : i + 4] for i in range(0, len(text), 4)]

    def consume() -> None:
        f, splitter = PrivateBlockFilter("performance_planning"), SectionSplitter()
        for chunk in chunks:
            splitter.feed(f.feed(chunk))
        splitter.feed(f.finish())
        splitter.finish()

    tracemalloc.start()
    consume()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return median_ms(consume, 5), peak / 1e6


def main() -> None:
    print("Offline draft, median of 15 runs:")
    for name, inputs in example_inputs():
        size = len(draft_document(inputs))
        print(f"  {name:<48} {median_ms(lambda: draft_document(inputs)):6.1f} ms   {size / 1000:.1f} KB")
    print("Private-block filter + section splitter, 4-character chunks:")
    for size in (100_000, 200_000, 400_000):
        ms, peak_mb = stream_cost(size)
        print(f"  {size / 1000:5.0f} KB stream   {ms:7.1f} ms   {ms / (size / 1000):.3f} ms/KB   peak {peak_mb:.1f} MB")


if __name__ == "__main__":
    main()
