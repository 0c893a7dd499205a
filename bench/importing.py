"""Prints figures for filling the brief from a document. Run: python bench/importing.py

- reading a Word file and a PDF into text, and the offline reader's proposal, for a short PRD (one example brief)
  and long ones (its sections repeated with other figures: about 100,000 and 290,000 characters, near the limit)
- each as a ratio to drafting the offline document from the same brief, measured in the same run (the app's
  "instant" promise: reading a document offline should be of that order, not minutes)
- the time grows with the text about linearly: the longer one's time over the shorter one's
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from specchain.drafting import draft_document
from specchain.facts.read import clear_caches
from specchain.importing import propose_offline, read_upload
from specchain.inputs import ChainInputs
from specchain.steps import load_step
from tests.importing_files import (
    HEADINGS,
    example,
    example_pdf,
    example_word_file,
    word_file,
)


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        clear_caches()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def long_prd(characters: int) -> bytes:
    values = example()
    sections, n = [], 0
    while sum(len(text) for _, text in sections) < characters:
        n += 1
        for key, heading in HEADINGS.items():  # other figures each time, so no sentence is read twice
            sections.append((f"{heading} {n}", values[key].replace("8,000", f"{8000 + n:,}").replace("2 seconds",
                                                                                                     f"{n} seconds")))
    return word_file(values["app_name"] + " PRD", sections)


def main() -> None:
    step = load_step()
    values = example()
    baseline = median_ms(lambda: draft_document(ChainInputs(values=values)))
    print(f"baseline: offline draft of one example brief            {baseline:8.1f} ms")
    for label, data, name in (("short PRD, Word", example_word_file(values), "prd.docx"),
                              ("short spec, PDF", example_pdf(values), "spec.pdf")):
        read = median_ms(lambda d=data, n=name: read_upload(d, n, step))
        document = read_upload(data, name, step)
        propose = median_ms(lambda doc=document: propose_offline(doc, step.fields))
        print(f"{label:17} read {read:7.1f} ms ({read / baseline:5.2f}× draft)   offline reader {propose:7.1f} ms "
              f"({propose / baseline:5.2f}× draft)")
    totals = {}
    for size in (90_000, 270_000):
        data = long_prd(size)
        document = read_upload(data, "long.docx", step)
        read = median_ms(lambda d=data: read_upload(d, "long.docx", step), runs=3)
        propose = median_ms(lambda doc=document: propose_offline(doc, step.fields), runs=3)
        totals[size] = read + propose
        print(f"long PRD, {document.characters:7,} chars: read {read:7.1f} ms, offline reader {propose:7.1f} ms "
              f"({(read + propose) / baseline:5.1f}× draft)")
    print(f"long / short time: {totals[270_000] / totals[90_000]:.2f} (3.0 is linear)")


if __name__ == "__main__":
    main()
