"""What we read from a brief, as a PM sees and corrects it before generating.

    reading = read_brief(inputs)       # each fact as read and as corrected, what is unread, conflicts, assumptions
    fact_text(fact)                    # "8,000 users", "99.95%", "2 s", "Oracle 19c": the text of an edit box

fact_text is written so that typing it back as a correction gives the same fact (read.py's _correction reads it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from specchain.facts.capacity import Conflict
from specchain.facts.model import AnsweredQuestion, Fact, Unread
from specchain.facts.read import FIELDS, LABELS, read_facts
from specchain.inputs import ChainInputs


def _number(value: float) -> str:
    """8,000 · 3.1 million · 2.5 billion · 99.95: plain words a PM writes, and that read.py reads back."""
    value = round(value, 6)
    for scale, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{value / scale:,.6g} {word}"
    return f"{int(value):,}" if value == int(value) else f"{value:,.6g}"


def _amount(low: float, high: float | None, unit: str) -> str:
    """A value (or a range) in a unit people read: durations and sizes in the largest unit that fits."""
    top = high if high is not None else low
    suffix, scale = {
        "%": ("%", 1.0), "x": ("x", 1.0), "/day": (" a day", 1.0), "/s": (" per second", 1.0),
    }.get(unit, (f" {unit}" if unit else "", 1.0))
    if unit == "ms":
        suffix, scale = (" s", 1000.0) if low >= 1000 else (" ms", 1.0)
    elif unit == "min":
        if top < 1:
            suffix, scale = (" seconds", 1 / 60)
        elif low >= 60 and low % 60 == 0:
            suffix, scale = (" hours", 60.0)
        else:
            suffix, scale = (" minutes", 1.0)
    elif unit == "GB":
        suffix, scale = next(((s, f) for s, f in ((" PB", 1e6), (" TB", 1e3)) if low >= f), (" GB", 1.0))
    if unit in ("%", "x"):  # glued to the number, and never "million": "99.95%", "5x"
        text = f"{low / scale:g}" + (f"–{high / scale:g}" if high is not None else "")
        return text + suffix
    text = _number(low / scale) + (f"–{_number(high / scale)}" if high is not None else "")
    if high is None and low == scale and suffix in (" seconds", " minutes", " hours"):
        suffix = suffix[:-1]  # "1 minute"
    return text + suffix


def fact_text(fact: Fact) -> str:
    """The fact as a PM would write it, e.g. for an edit box's starting text."""
    if fact.number is None:
        return fact.name
    return _amount(fact.number, fact.high, fact.unit)


@dataclass(frozen=True)
class FactRow:
    """One line of the panel: a fact as read from the brief (and answers), and as the PM corrected it."""

    key: str
    label: str
    read: Fact | None  # as read from the brief and the answers; None for a fact only a correction gives
    correction: str | None  # the PM's text, "" when they removed the fact; None when not corrected

    @property
    def corrected(self) -> bool:
        return self.correction is not None

    @property
    def text(self) -> str:
        """What the edit box holds: the correction, else the value as read."""
        if self.correction is not None:
            return self.correction
        return fact_text(self.read) if self.read is not None else ""

    @property
    def read_text(self) -> str:
        return fact_text(self.read) if self.read is not None else ""


@dataclass(frozen=True)
class BriefReading:
    rows: tuple[FactRow, ...]
    unread: tuple[Unread, ...]
    answered: tuple[AnsweredQuestion, ...]
    conflicts: tuple[Conflict, ...]
    assumptions: tuple[str, ...]  # what the offline draft will assume, in plain words

    @property
    def needs_attention(self) -> bool:
        return bool(self.unread or self.conflicts)


def read_brief(inputs: ChainInputs) -> BriefReading:
    """Everything the "What we read from your brief" panel shows, from the inputs a run would be made from.

    Cached by the inputs: the Brief page asks on every rerun (12–16 ms a reading), most often for unchanged ones."""
    return _read_brief(inputs.model_dump_json())


@functools.lru_cache(maxsize=256)
def _read_brief(inputs_json: str) -> BriefReading:
    inputs = ChainInputs.model_validate_json(inputs_json)
    # The draft's own assumptions. Imported here: specchain.drafting imports specchain.facts.
    from specchain.drafting.profile import build_profile

    profile = build_profile(inputs)  # reads the facts with the corrections, and the capacity model
    as_read = read_facts(inputs.values, inputs.answers) if inputs.corrections else profile.facts
    rows = [FactRow(key=f.key, label=f.label, read=f, correction=inputs.corrections.get(f.key))
            for f in as_read.facts if f.key != "app.name"]  # the name has its own field, right above
    seen = {f.key for f in as_read.facts}
    for key, text in inputs.corrections.items():  # corrections of facts the brief no longer says
        if key not in seen and key != "app.name":
            final = profile.facts.get(key)
            rows.append(FactRow(key=key, label=final.label if final else LABELS.get(key, key), read=None, correction=text))
    order = {field: index for index, field in enumerate((*FIELDS, "answers", "corrections"))}
    rows.sort(key=lambda row: order.get(row.read.field, len(order)) if row.read else len(order))  # stable
    assumptions = tuple(dict.fromkeys([*profile.assumptions.values(), *profile.model_assumptions]))
    return BriefReading(rows=tuple(rows), unread=profile.facts.unread, answered=profile.facts.answered,
                        conflicts=profile.cap.conflicts, assumptions=assumptions)
