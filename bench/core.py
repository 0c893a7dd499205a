"""Prints figures for the core's hot paths. Run: python bench/core.py

- offline drafting time per example brief (the promise: well under a second)
- reading the brief into facts plus the capacity model, per example brief and for a long brief (target < 20 ms),
  with its share of the offline draft's time (the draft includes it)
- the figures check of the offline draft against the facts
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

from specchain.document import SectionSplitter
from specchain.drafting import draft_document
from specchain.facts.capacity import capacity
from specchain.facts.check import check_figures
from specchain.facts.read import clear_caches, read_facts
from specchain.inputs import ChainInputs
from specchain.private import PrivateBlockFilter
from tests.conftest import example_inputs


def median_ms(fn, runs: int = 15) -> float:
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


def cold_facts(inputs: ChainInputs) -> None:
    """Facts and capacity with the clause cache emptied first, as for a brief never seen before."""
    clear_caches()
    capacity(read_facts(inputs.values, inputs.answers))


def long_brief() -> ChainInputs:
    """Every field at its longest realistic size: the three examples' fields joined, each about 1,000 characters."""
    examples = [inputs.values for _, inputs in example_inputs()]
    joined = {key: " ".join(values[key] for values in examples) for key in examples[0]}
    return ChainInputs(values={**joined, "app_name": "Long brief"})


def main() -> None:
    print("Offline draft, median of 15 runs:")
    for name, inputs in example_inputs():
        size = len(draft_document(inputs))
        print(f"  {name:<48} {median_ms(lambda inputs=inputs: draft_document(inputs)):6.1f} ms   {size / 1000:.1f} KB")
    print("Facts + capacity model (read_facts → capacity), median of 15 runs (target < 20 ms):")
    for name, inputs in [*example_inputs(), ("long brief (all three examples' fields joined)", long_brief())]:
        facts_ms = median_ms(lambda inputs=inputs: cold_facts(inputs))
        draft_ms = median_ms(lambda inputs=inputs: (clear_caches(), draft_document(inputs)))
        chars = sum(len(v) for v in inputs.values.values())
        print(f"  {name:<48} {facts_ms:6.1f} ms   {chars:,} characters   {facts_ms / draft_ms:.0%} of the whole draft's time")
    print("Figures check of the offline draft, median of 15 runs:")
    for name, inputs in example_inputs():
        document, facts = draft_document(inputs), read_facts(inputs.values)
        print(f"  {name:<48} {median_ms(lambda d=document, f=facts: check_figures(d, f)):6.1f} ms")
    print("Private-block filter + section splitter, 4-character chunks:")
    for size in (100_000, 200_000, 400_000):
        ms, peak_mb = stream_cost(size)
        print(f"  {size / 1000:5.0f} KB stream   {ms:7.1f} ms   {ms / (size / 1000):.3f} ms/KB   peak {peak_mb:.1f} MB")


if __name__ == "__main__":
    main()
