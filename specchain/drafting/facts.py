"""Figures and technology read from a brief written in plain words.

Rough on purpose: a PM writes "about 20k users, 1,500 at once"; we find numbers next to the words that give them
meaning, and fall back to stated assumptions (which the document then asks about) when a figure is missing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

NUMBER = r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(k|m|b|thousand|million|billion)?\b"
SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}


def _number(value: str, unit: str | None) -> float:
    return float(value.replace(",", "")) * SCALE.get((unit or "").lower(), 1)


def _first(text: str, pattern: str) -> float | None:
    m = re.search(pattern, text, re.IGNORECASE)
    return _number(m.group(1), m.group(2)) if m else None


def _seconds(value: str, unit: str) -> float:
    unit = unit.lower()
    if unit.startswith("ms") or unit.startswith("milli"):
        return float(value) / 1000
    if unit.startswith("min"):
        return float(value) * 60
    return float(value)


DURATION = r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s\b|secs?\b|seconds?|minutes?|mins?)"
WORD_DURATIONS = {"half a second": 0.5, "a second": 1.0, "one second": 1.0, "a minute": 60.0}


@dataclass(frozen=True)
class Stack:
    cloud: str  # "AWS", "Google Cloud", "Azure" or "" when not said
    database: str  # "PostgreSQL", "MySQL", "MongoDB", "SQL Server", "DynamoDB" or ""
    cache: str
    search: str
    queue: str
    backend: str  # "Node.js", "Python", "Java", "Go", "Ruby", ".NET", "PHP" or ""
    frontend: str
    mobile: bool
    kubernetes: bool
    mentioned: list[str] = field(default_factory=list)  # every technology named, in the user's order


# (pattern, canonical name) per category; the first match in the user's text wins.
CLOUDS = [(r"\baws\b|amazon web services|\bec2\b|\becs\b|\beks\b|\brds\b", "AWS"),
          (r"google cloud|\bgcp\b|\bgke\b|cloud run", "Google Cloud"),
          (r"\bazure\b|\baks\b", "Azure")]
DATABASES = [(r"postgres", "PostgreSQL"), (r"mysql|mariadb|aurora", "MySQL"), (r"mongo", "MongoDB"),
             (r"sql server|mssql", "SQL Server"), (r"dynamo", "DynamoDB"), (r"cassandra", "Cassandra")]
CACHES = [(r"redis", "Redis"), (r"memcache", "Memcached")]
SEARCHES = [(r"elastic", "Elasticsearch"), (r"opensearch", "OpenSearch"), (r"algolia", "Algolia"),
            (r"solr", "Solr")]
QUEUES = [(r"kafka", "Kafka"), (r"rabbit", "RabbitMQ"), (r"\bsqs\b", "SQS"), (r"pub/?sub", "Pub/Sub"),
          (r"service bus", "Azure Service Bus"), (r"sidekiq", "Sidekiq"), (r"celery", "Celery")]
BACKENDS = [(r"node|typescript|express|nest\.?js", "Node.js"), (r"python|django|fastapi|flask", "Python"),
            (r"java\b|spring|kotlin", "Java"), (r"\bgo\b|golang", "Go"), (r"ruby|rails", "Ruby"),
            (r"\.net|c#|asp\.net", ".NET"), (r"php|laravel", "PHP")]
FRONTENDS = [(r"next\.?js", "Next.js"), (r"react(?! native)", "React"), (r"angular", "Angular"),
             (r"vue", "Vue"), (r"svelte", "Svelte")]


def _pick(text: str, table: list[tuple[str, str]]) -> str:
    hits = [(m.start(), name) for pattern, name in table if (m := re.search(pattern, text, re.IGNORECASE))]
    return min(hits)[1] if hits else ""


def read_stack(text: str) -> Stack:
    everything = CLOUDS + DATABASES + CACHES + SEARCHES + QUEUES + BACKENDS + FRONTENDS
    mentioned = sorted(
        {name: m.start() for pattern, name in everything if (m := re.search(pattern, text, re.IGNORECASE))}.items(),
        key=lambda item: item[1],
    )
    return Stack(
        cloud=_pick(text, CLOUDS),
        database=_pick(text, DATABASES),
        cache=_pick(text, CACHES),
        search=_pick(text, SEARCHES),
        queue=_pick(text, QUEUES),
        backend=_pick(text, BACKENDS),
        frontend=_pick(text, FRONTENDS),
        mobile=bool(re.search(r"mobile|ios|android|react native|flutter", text, re.IGNORECASE)),
        kubernetes=bool(re.search(r"kubernetes|\bk8s\b|\beks\b|\bgke\b|\baks\b", text, re.IGNORECASE)),
        mentioned=[name for name, _ in mentioned],
    )


@dataclass(frozen=True)
class Load:
    concurrent_users: float | None
    active_users: float | None  # monthly or daily actives, whichever was given
    daily_transactions: float | None
    data_tb: float | None


def read_load(text: str) -> Load:
    concurrent = _first(
        text,
        NUMBER + r"\s+(?:\w+\s+){0,3}?(?:concurrent|simultaneous|at (?:the same time|once)|online at)",
    ) or _first(text, r"(?:concurrent|simultaneous)\w*(?:\s+\w+){0,3}?\s+(?:of\s+)?" + NUMBER)
    if concurrent is None:
        concurrent = _first(text, r"peak(?:\s+of)?\s+" + NUMBER + r"\s+(?:users|people|sessions)")
    active = _first(text, NUMBER + r"\s+(?:monthly|daily|weekly)\s+active\s+(?:users|buyers|members|players)")
    if active is None:
        people = [
            _number(m.group(1), m.group(2))
            for m in re.finditer(NUMBER + r"\s+(?:[\w-]+\s+){0,2}?(?:users|buyers|members|staff|people|players|students)", text, re.IGNORECASE)
        ]
        active = max(people) if people else None
    daily = _daily_volume(text)
    data = None
    for m in re.finditer(r"(\d[\d,]*(?:\.\d+)?)\s*(pb|tb|gb)\b", text, re.IGNORECASE):
        size = float(m.group(1).replace(",", "")) * {"pb": 1000, "tb": 1, "gb": 0.001}[m.group(2).lower()]
        data = max(data or 0, size)
    return Load(concurrent, active, daily, data)


PEOPLE = r"\s*(?:%|percent|tb|gb|pb|(?:\w+\s+){0,2}?(?:users|buyers|sellers|customers|members|staff|people|hours|days|years|months))"


def _daily_volume(text: str) -> float | None:
    """All the things counted per day in one clause, added up: "2.5M updates and 600K comments a day" → 3.1M."""
    best = None
    for clause in clauses(text):
        if not re.search(r"\b(?:a|per|each)\s+day\b|\bdaily\b|/day", clause, re.IGNORECASE):
            continue
        total = 0.0
        for m in re.finditer(NUMBER, clause, re.IGNORECASE):
            if not re.match(PEOPLE, clause[m.end():], re.IGNORECASE):
                total += _number(m.group(1), m.group(2))
        if total:
            best = max(best or 0.0, total)
    return best


@dataclass(frozen=True)
class Targets:
    page_load_s: float | None
    api_ms: float | None
    search_ms: float | None
    report_s: float | None
    uptime: float | None  # percent
    rpo_min: float | None
    rto_min: float | None


def _duration_near(text: str, words: str) -> float | None:
    for sentence in clauses(text):
        if re.search(words, sentence, re.IGNORECASE):
            if m := re.search(DURATION, sentence, re.IGNORECASE):
                return _seconds(m.group(1), m.group(2))
            for phrase, seconds in WORD_DURATIONS.items():
                if phrase in sentence.lower():
                    return seconds
    return None


def read_targets(text: str) -> Targets:
    api = _duration_near(text, r"\bapi\b|endpoint|backend|server response")
    search = _duration_near(text, r"search|feed")
    uptime_match = re.search(r"(9\d(?:\.\d+)?)\s*%", text)
    rpo = _duration_near(text, r"lost data|data loss|\brpo\b|lose")
    rto = _duration_near(text, r"\brto\b|recover|back up and running|restore service")
    return Targets(
        page_load_s=_duration_near(text, r"page|load|dashboard|screen|open|home"),
        api_ms=api * 1000 if api is not None else None,
        search_ms=search * 1000 if search is not None else None,
        report_s=_duration_near(text, r"report|export"),
        uptime=float(uptime_match.group(1)) if uptime_match else None,
        rpo_min=rpo / 60 if rpo is not None else None,
        rto_min=rto / 60 if rto is not None else None,
    )


@dataclass(frozen=True)
class Growth:
    year1: float | None  # multiplier of today's load after one year
    year3: float | None


HORIZONS = [(r"18 months|year and a half", 1.5), (r"(?:2|two)\s*years|year\s*(?:2|two)|24 months|second year", 2.0),
            (r"(?:3|three)\s*years|year\s*(?:3|three)|36 months|third year", 3.0), (r"6 months|six months", 0.5)]


def read_growth(text: str) -> Growth:
    """Multipliers by horizon ("3x in year one", "doubles in 18 months"); missing horizons follow the same yearly rate."""
    points: dict[float, float] = {}
    parts = [p for c in clauses(text) for p in re.split(r",|\band\b|\bthen\b", c)]
    for sentence in parts:
        lowered = sentence.lower()
        if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:x\b|times|fold)", lowered):
            multiplier = float(m.group(1))
        elif re.search(r"\bdoubl", lowered):
            multiplier = 2.0
        elif re.search(r"\btripl", lowered):
            multiplier = 3.0
        elif m := re.search(r"(\d+(?:\.\d+)?)\s*%\s*(?:growth|a year|per year|annually|yearly|year over year)", lowered):
            multiplier = (1 + float(m.group(1)) / 100)
        else:
            continue
        years = next((y for pattern, y in HORIZONS if re.search(pattern, lowered)), 1.0)
        if multiplier > 1:
            points.setdefault(years, multiplier)
    if not points:
        return Growth(None, None)
    horizon = max(points)
    yearly = points[horizon] ** (1 / horizon)
    return Growth(points.get(1.0, round(yearly, 2)), points.get(3.0, round(yearly**3, 1)))


def clauses(text: str) -> list[str]:
    """Split at sentence ends and semicolons, but not inside numbers like 2.5."""
    return [c for c in re.split(r"(?<!\d)\.(?!\d)|\.(?=\s)|[;\n]", text) if c.strip()]


def nice(value: float) -> int:
    """Round to two significant figures, so projections don't pretend to precision they don't have."""
    if value <= 0:
        return 0
    digits = max(0, int(math.floor(math.log10(value))) - 1)
    return int(round(value / 10**digits) * 10**digits)


def human(value: float) -> str:
    """1,200 · 45K · 1.2M"""
    value = nice(value)
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 100_000:
        return f"{value / 1000:.0f}K"
    return f"{value:,}"
