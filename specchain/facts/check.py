"""The figures check: a document (Claude's or the offline draft) against the facts of its brief.

    check_figures(markdown, facts) -> list[Mismatch]

Compared: availability, latency targets per percentile (tables with a percentile column, and "p95 … 300 ms"
sentences), concurrent users today, RPO and RTO, growth multipliers at one and three years, the platform (cloud,
on-premises, regions) and the database. Only what the brief states is checked; figures the document marks as
derived or assumed, and the clarification section (which quotes alternatives on purpose), are left alone.
"""

from __future__ import annotations

import functools
import re

from pydantic import BaseModel, ConfigDict

from specchain.document import titles_match
from specchain.facts import products as P
from specchain.facts.model import Fact, Facts
from specchain.facts.numbers import find_quantities
from specchain.facts.read import OPERATIONS, clauses

CLARIFICATION = "Clarification Requests or Feedback"
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


class Mismatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str  # "availability", "latency", "concurrency", "rpo", "rto", "growth", "platform", "database"
    key: str  # the fact it contradicts
    document_says: str
    brief_says: str
    document_words: str  # the line of the document
    brief_words: str  # the words of the brief

    @property
    def message(self) -> str:
        return (f"The document says {self.document_says}; your brief says {self.brief_says} "
                f"(“{self.brief_words}”).")


def _lines(markdown: str) -> list[str]:
    """The document's lines outside the clarification section (code blocks included: configs carry figures)."""
    out: list[str] = []
    fenced = skipping = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := HEADING.match(line)):
            skipping = titles_match(CLARIFICATION, m.group(1))
        if not skipping:
            out.append(line)
    return out


def _fmt_pct(value: float) -> str:
    return f"{value:g}%"


def _fmt_ms(value: float) -> str:
    return f"{value / 1000:g} s" if value >= 1000 else f"{value:g} ms"


def _fmt_min(value: float) -> str:
    return f"{value * 60:g} seconds" if value < 1 else f"{value:g} minute" + ("" if value == 1 else "s")


def _close(a: float, b: float, tolerance: float = 0.01) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-9)


def check_figures(markdown: str, facts: Facts) -> list[Mismatch]:
    lines = _lines(markdown)
    found: list[Mismatch] = []
    found += _availability(lines, facts)
    found += _latency_tables(lines, facts)
    found += _latency_prose(lines, facts)
    found += _concurrency(lines, facts)
    found += _recovery(lines, facts)
    found += _growth(lines, facts)
    found += _platform(lines, facts)
    found += _database(lines, facts)
    unique: dict[tuple[str, str, str], Mismatch] = {}
    for mismatch in found:  # the same wrong figure repeated is one mismatch, quoted where it first appears
        unique.setdefault((mismatch.topic, mismatch.key, mismatch.document_says), mismatch)
    return list(unique.values())


# What the check compares, in the order a page lists it: (topic as in Mismatch.topic, words for people).
TOPIC_LABELS: dict[str, str] = {
    "availability": "availability", "latency": "speed targets", "concurrency": "people at the same moment",
    "rpo": "data loss allowed (RPO)", "rto": "recovery time (RTO)", "growth": "growth in one and three years",
    "platform": "hosting", "database": "database",
}


def _states(facts: Facts, topic: str) -> bool:
    """Whether the facts hold what the check needs to compare a topic (mirrors each _topic function below)."""
    if topic == "availability":
        return facts.number("availability") is not None
    if topic == "latency":
        return any(f.number is not None for f in facts.starting("latency."))
    if topic == "concurrency":
        return facts.number("users.concurrent") is not None
    if topic in ("rpo", "rto"):
        return facts.number(topic) is not None
    if topic == "growth":
        return any(facts.number(f"growth.{metric}.{years:g}y") is not None
                   for metric in ("users", "traffic") for years in HORIZON_WORDS)
    if topic == "platform":
        return any(facts.get(k) is not None for k in ("platform.provider", "platform.geography", "platform.regions"))
    if topic == "database":
        return facts.get("stack.database") is not None
    return False


def checked_topics(facts: Facts) -> tuple[str, ...]:
    """The topics check_figures can confirm for these facts. A topic the brief doesn't state (or we couldn't read)
    is never checked, so "no mismatch" says nothing about it: a page must not call the document in agreement there."""
    return tuple(topic for topic in TOPIC_LABELS if _states(facts, topic))


def unchecked_topics(facts: Facts) -> tuple[str, ...]:
    """The topics check_figures could not check: not in the brief, or not read from it."""
    checked = set(checked_topics(facts))
    return tuple(topic for topic in TOPIC_LABELS if topic not in checked)


def _parts(lines: list[str]) -> list[tuple[str, str]]:
    """(line, part): each line cut into sentences and then at ", " and " and ", so a figure meets only its words."""
    return [(line, part) for line in lines for part in _line_parts(line)]


@functools.lru_cache(maxsize=8192)
def _line_parts(line: str) -> tuple[str, ...]:
    return tuple(part for _, clause in clauses(line) for part in PART_SPLIT.split(clause))


PART_SPLIT = re.compile(r",\s|;\s|\s(?:and|while|but)\s")


def _mismatch(topic: str, fact: Fact, document_says: str, brief_says: str, line: str) -> Mismatch:
    return Mismatch(topic=topic, key=fact.key, document_says=document_says, brief_says=brief_says,
                    document_words=line.strip()[:200], brief_words=fact.quote)


def _availability(lines: list[str], facts: Facts) -> list[Mismatch]:
    fact = facts.get("availability")
    if fact is None or fact.number is None:
        return []
    out = []
    for line, part in _parts(lines):
        if not re.search(r"uptime|availability|\bsla\b|\bslo\b", part, re.IGNORECASE):
            continue
        if re.search(r"cache|hit rate|percentile|of requests|component|provider|managed|s3|storage", part, re.IGNORECASE):
            continue
        for q in find_quantities(part):
            if q.kind == "percent" and 90 <= q.value < 100 and not _close(q.value, fact.number, 1e-6):
                out.append(_mismatch("availability", fact, _fmt_pct(q.value), _fmt_pct(fact.number), line))
    return out


def _operation(label: str) -> str:
    return next((op for op, pattern in OPERATIONS if re.search(pattern, label, re.IGNORECASE)), "")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _duration_ms(text: str) -> float | None:
    if re.search(r"derived|assumed|/\s?mb", text, re.IGNORECASE):
        return None
    durations = [q for q in find_quantities(text) if q.kind == "duration"]
    return durations[0].value * 1000 if durations else None


def _latency_tables(lines: list[str], facts: Facts) -> list[Mismatch]:
    """Tables with percentile columns: each row's operation, each column's percentile, against the brief."""
    out = []
    columns: list[str] = []
    for line in lines:
        if not line.strip().startswith("|"):
            columns = []
            continue
        cells = _cells(line)
        if not columns:
            header = [_column(c) for c in cells]
            columns = header if any(h in ("p50", "p95", "p99") for h in header) else ["-"]
            continue
        if columns == ["-"] or set("".join(cells)) <= set("-: "):
            continue
        operation = _operation(cells[0])
        if not operation:
            continue
        for column, text in zip(columns[1:], cells[1:]):
            if column not in ("p50", "p95", "p99", "target"):
                continue
            fact = facts.get(f"latency.{operation}.{column}")
            value = _duration_ms(text)
            if fact is None or fact.number is None or value is None:
                continue
            if not _close(value, fact.number):
                name = {"target": "target", "p50": "median"}.get(column, column)
                out.append(_mismatch("latency", fact, f"{_fmt_ms(value)} ({cells[0]}, {name})",
                                     f"{_fmt_ms(fact.number)}", line))
    return out


def _column(header: str) -> str:
    h = header.lower()
    if re.search(r"p\s?95|95th|95 ?%", h):
        return "p95"
    if re.search(r"p\s?99|99th|99 ?%", h):
        return "p99"
    if re.search(r"p\s?50|median|50th", h):
        return "p50"
    if re.search(r"target|goal|ziel", h):
        return "target"
    return "-"


P95 = r"(?:\bp\s?95\b|95th percentile|95 ?% of (?:calls|requests))"
DURATION = r"(\d[\d,.]*\s?(?:ms|milliseconds?|s|seconds?)\b)"
PROSE_P95 = [re.compile(P95 + r"[^.|\n;,]{0,30}?(?:<|under|below|within|of|at|:|≤|=)?\s*(?:\*\*)?" + DURATION, re.IGNORECASE),
             re.compile(DURATION + r"(?:\*\*)?\s*(?:\(|at the |at |for |for the )?" + P95, re.IGNORECASE)]


def _latency_prose(lines: list[str], facts: Facts) -> list[Mismatch]:
    fact = facts.get("latency.api.p95")
    if fact is None or fact.number is None:
        return []
    out = []
    sentences = [(line, c) for line in lines if not line.strip().startswith("|") for _, c in clauses(line)]
    for line, sentence in sentences:
        if re.search(r"alert|warning|critical|×|timeout|\bx\b|scale", sentence, re.IGNORECASE):
            continue
        if not re.search(r"\bapi\b|endpoint|request|response|calls", sentence, re.IGNORECASE) or \
                re.search(r"quer(?:y|ies)|database|\bdb\b|sql", sentence, re.IGNORECASE):
            continue  # database query targets are a different figure
        for m in (m for pattern in PROSE_P95 for m in pattern.finditer(sentence)):
            value = _duration_ms(m.group(1))
            if value is not None and not _close(value, fact.number):
                out.append(_mismatch("latency", fact, f"{_fmt_ms(value)} at the 95th percentile",
                                     _fmt_ms(fact.number), line))
    return out


def _concurrency(lines: list[str], facts: Facts) -> list[Mismatch]:
    fact = facts.get("users.concurrent")
    if fact is None or fact.number is None:
        return []
    low, high = fact.number, fact.top or fact.number

    def fits(value: float) -> bool:
        return low * 0.95 <= value <= high * 1.05

    out = []
    for line in lines:
        cells = _cells(line) if line.strip().startswith("|") else []
        if cells and re.search(r"concurrent", cells[0], re.IGNORECASE) and len(cells) > 1:
            q = next(iter(find_quantities(cells[1])), None)  # the first figure column: today
            if q is not None and not (fits(q.value) and fits(q.top)):
                out.append(_mismatch("concurrency", fact, f"{cells[1]} concurrent users today",
                                     _users(fact), line))
            continue
        if cells:
            continue
        for clause in (part for _, part in _parts([line])):
            if not re.search(r"today|current|now\b|at peak", clause, re.IGNORECASE) or \
                    re.search(r"year|month|grow|within|test|ramp|2x|virtual", clause, re.IGNORECASE):
                continue
            for q in find_quantities(clause):
                after = clause[q.end:q.end + 40]
                if q.kind == "count" and re.match(r"\W*(?:\*\*)?\s*(?:concurrent|simultaneous)", after, re.IGNORECASE) \
                        and not fits(q.value):
                    out.append(_mismatch("concurrency", fact, f"{q.text} concurrent users", _users(fact), line))
    return out


def _users(fact: Fact) -> str:
    if fact.high is not None and fact.number is not None:
        return f"{fact.number:,.0f}–{fact.high:,.0f} concurrent users"
    return f"{fact.number:,.0f} concurrent users"


def _recovery(lines: list[str], facts: Facts) -> list[Mismatch]:
    out = []
    for name in ("rpo", "rto"):
        fact = facts.get(name)
        if fact is None or fact.number is None:
            continue
        pattern = re.compile(rf"\b{name}\b", re.IGNORECASE)
        for line in lines:
            for m in pattern.finditer(line):
                window = line[m.end():m.end() + 60]
                window = re.split(r"\b(?:rpo|rto)\b", window, flags=re.IGNORECASE)[0]
                q = next((q for q in find_quantities(window) if q.kind == "duration"), None)
                if q is None:
                    continue
                gap = window[:q.start]
                if (len(gap.strip(" *")) <= 3 or re.search(r"[<≤]|under|within|at most|:|of|\|",
                                                                               gap)) \
                        and not _close(q.value / 60, fact.number):
                    out.append(_mismatch(name, fact, f"{name.upper()} {_fmt_min(q.value / 60)}",
                                         f"{name.upper()} {_fmt_min(fact.number)}", line))
    return out


HORIZON_WORDS = {1.0: r"one year|1 year|first year|year one|year 1\b|12 months",
                 3.0: r"three years|3 years|year three|year 3\b|36 months"}


def _growth(lines: list[str], facts: Facts) -> list[Mismatch]:
    stated: dict[float, Fact] = {}
    for metric in ("users", "traffic"):
        for years in HORIZON_WORDS:
            fact = facts.get(f"growth.{metric}.{years:g}y")
            if fact is not None and years not in stated:
                stated[years] = fact
    if not stated:
        return []
    out = []
    for line in lines:
        if line.strip().startswith("|"):
            continue
        for _, clause in clauses(line):
            for part in re.split(r",\s|\s(?:and|while)\s|;", clause):
                multipliers = [q for q in find_quantities(part) if q.kind == "multiplier"]
                if len(multipliers) != 1 or re.search(r"load test|peak|spike|traffic during|normal", part, re.IGNORECASE):
                    continue
                for years, fact in stated.items():
                    if re.search(HORIZON_WORDS[years], part, re.IGNORECASE) and fact.number is not None \
                            and not _close(multipliers[0].value, fact.number, 0.02):
                        out.append(_mismatch("growth", fact, f"{multipliers[0].value:g}x in {years:g} year"
                                             + ("s" if years > 1 else ""), f"{fact.number:g}x", line))
    return out


REGION_GEOGRAPHY = [(r"^(?:us-|eastus|westus|centralus|northamerica)", "US"),
                    (r"^(?:eu-|europe-|westeurope|northeurope|germany|france|sweden|switzerland)", "EU"),
                    (r"^(?:uk|eu-west-2)", "UK")]


def _named(line: str, table: list[tuple[str, str]]) -> list[str]:
    return [name for _, _, name, _ in P.mentions(line, table)]


def _platform(lines: list[str], facts: Facts) -> list[Mismatch]:
    provider = facts.get("platform.provider")
    out = []
    text = "\n".join(lines)
    if provider is not None:
        stated = str(provider.value)
        if stated == "On-premises":
            for line in lines:
                clouds = _named(line, P.CLOUDS)
                codes = re.findall(P.REGION_CODES, line, re.IGNORECASE)
                if clouds or codes:
                    said = ", ".join(clouds + codes)
                    out.append(_mismatch("platform", provider, said, "on-premises, no public cloud"
                                         if re.search(r"no public cloud|kein\w* public", provider.quote, re.IGNORECASE)
                                         else "on-premises", line))
        elif stated in ("AWS", "Google Cloud", "Azure"):
            own = len(re.findall(next(p for p, n in P.CLOUDS if n == stated), text, re.IGNORECASE))
            for line in lines:
                others = [c for c in _named(line, P.CLOUDS) if c != stated]
                if others and own == 0:
                    out.append(_mismatch("platform", provider, ", ".join(others), stated, line))
    geography = facts.get("platform.geography")
    if geography is not None and geography.detail != "required":
        geography = None  # where the users are, not a rule about where data may be
    regions = facts.text("platform.regions")
    for line in lines:
        for code in re.findall(P.REGION_CODES, line, re.IGNORECASE):
            if regions and code.lower() not in regions.lower():
                fact = facts.get("platform.regions")
                assert fact is not None
                out.append(_mismatch("platform", fact, f"region {code}", f"regions {regions}", line))
            elif geography is not None and not regions:
                place = next((g for pattern, g in REGION_GEOGRAPHY if re.match(pattern, code.lower())), "")
                if place and place != geography.value and not (geography.value == "EU" and place == "UK"):
                    out.append(_mismatch("platform", geography, f"region {code} ({place})",
                                         f"{geography.value}", line))
    return out


def _database(lines: list[str], facts: Facts) -> list[Mismatch]:
    fact = facts.get("stack.database")
    if fact is None:
        return []
    stated = str(fact.value)
    pattern = next((p for p, n in P.DATABASES if n == stated), re.escape(stated))
    text = "\n".join(lines)
    own = len([m for m in re.finditer(pattern, text, re.IGNORECASE)])
    out = []
    for line in lines:
        for other in _named(line, P.DATABASES):
            if other == stated or (stated == "MySQL" and other in ("MariaDB", "Aurora")) or \
                    (other == "Aurora" and stated in ("PostgreSQL", "MySQL")):
                continue
            if own == 0 or re.search(rf"(?:{next(p for p, n in P.DATABASES if n == other)})[^.]{{0,30}}\bassum",
                                     line, re.IGNORECASE):
                out.append(_mismatch("database", fact, other, fact.name, line))
    return out
