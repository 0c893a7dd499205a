"""Read the five fields of a brief (plus answers and corrections) into typed facts with the words they came from.

    read_facts(values, answers=(), corrections={}) -> Facts

Each number is found with its unit (numbers.py), then given a meaning by the words in its own part of the
sentence: "500 ms for 95% of calls" is the 95th-percentile latency of API calls (the 95% is the percentile, not
availability); "RPO 1 min, RTO 30 min" gives each duration the keyword of its own comma-separated part. A figure
that no words explain is kept as Unread and asked about. Answers to clarification questions are read with the
question's topic in mind ("Oracle 19c" answering the database question is the database), later answers win, and
corrections (by fact key) win over everything.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from specchain.facts import products as P
from specchain.facts.model import AnsweredQuestion, Fact, Facts, Origin, Unread
from specchain.facts.numbers import (
    CJK,
    HAN_NUMBER,
    KOREAN_NATIVE,
    WORD_NUMBERS,
    Quantity,
    find_quantities,
    parse_quantity,
    small_number,
)
from specchain.inputs import Answer

FIELDS = ("app_name", "expected_load", "performance_requirements", "technical_stack", "growth_projections")

LABELS = {
    "users.concurrent": "People using it at the same moment (peak)",
    "users.registered": "Registered users",
    "users.monthly_active": "Monthly active users",
    "users.daily_active": "Daily active users",
    "users.mobile_share": "Share of users on mobile apps",
    "customers": "Customers (organisations)",
    "load.requests_per_second": "Requests per second at peak",
    "load.requests_per_second_avg": "Requests per second on average",
    "load.per_day": "Key actions per day (all kinds added up)",
    "load.peak_factor": "Peak traffic compared with normal",
    "load.devices": "Connected devices sending data",
    "load.device_interval": "Time between two messages from one device",
    "data.size": "Data stored today",
    "data.growth_per_month": "Data added per month",
    "data.records": "Records stored",
    "availability": "Availability (uptime)",
    "rpo": "Data loss allowed after a failure (RPO)",
    "rto": "Time to be back after a failure (RTO)",
    "failover": "Failover time",
    "database.max_connections": "Database connection limit (max_connections)",
    "platform.provider": "Cloud or hosting",
    "platform.geography": "Where the users or the data are",
    "platform.regions": "Regions",
    "platform.orchestrator": "Container platform",
    "stack.database": "Database",
    "stack.cache": "Cache",
    "stack.queue": "Queue",
    "stack.search": "Search",
    "stack.languages": "Languages",
    "stack.frontend": "Web frontend",
    "stack.mobile": "Mobile apps",
    "regulations": "Regulations",
    "growth.per_year": "Growth per year",
}
OPERATIONS = [  # (operation, words); the first that matches the clause part wins
    ("search", r"search|suche|\bfeed\b"), ("report", r"report|export|bericht|auswertung"),
    ("checkout", r"checkout|check-out|payment|zahlung|kasse"), ("image", r"image|photo|picture|bild"),
    ("processing", r"visible|process|ingest|arriv|deliver|sichtbar|verarbeit"),
    ("api", r"(?<![a-z])api(?![a-z])|応答|响应|接口|endpoint|call|request|response|anfrage|aufruf|antwort|backend|server"),
    ("page", r"page|dashboard|board|screen|load|open|home|view|seite|lädt|laden|öffnet|ui\b|app\b|ページ|画面|表示|页面|页"),
]
OPERATION_LABELS = {"search": "Search", "report": "Report generation", "checkout": "Checkout", "image": "Image load",
                    "processing": "Processing delay", "api": "API response", "page": "Page load",
                    "other": "Response"}
PERCENTILE_LABELS = {"p50": "median", "p90": "90th percentile", "p95": "95th percentile", "p99": "99th percentile",
                     "p999": "99.9th percentile", "target": "target (percentile not stated)",
                     "max": "never slower than"}

CONCURRENT = (r"concurrent|simultan|at the same time|same moment|at once|gleichzeitig|parallel|zeitgleich|"
              r"online at|concurrently|in-flight sessions|同时|同時|并发|동시")
USERS = (r"users?|nutzer\w*|benutzer\w*|anwender\w*|people|persons|members|buyers|sellers|players|students|"
         r"staff|employees|mitarbeit\w*|clinicians|agents|visitors|besucher\w*|sessions|accounts|kunden|patients|"
         r"dispatchers?|operators?|planners?|drivers?|nurses?|doctors?|teachers?|technicians?|cashiers?|"
         r"editors?|analysts?|traders?|admins?|administrators?|managers?|moderators?|reviewers?|clerks?|"
         r"disponent\w*|bediener\w*|sachbearbeiter\w*|fahrer\w*|"
         r"ユーザー?|利用者|会員|オペレーター|担当者|スタッフ|社員|職員|用户|用戶|使用者|会员|會員|人|调度员|操作员|员工|坐席|"
         r"사용자|이용자|회원|유저|상담원|직원|운영자|(?<![가-힣])명")
# Things that send data on their own: a count of them is load, not people ("40,000 connected trucks", "4万台").
DEVICES = (r"devices?|sensors?|vehicles?|trucks?|lorr(?:y|ies)|cars?|vans?|buses|fleet|meters?|machines?|"
           r"gateways?|trackers?|terminals?|scanners?|cameras?|robots?|drones?|kiosks?|wearables?|beacons?|"
           r"geräte\w*|sensoren|fahrzeug\w*|lkws?|zähler\w*|maschinen|kameras|"
           r"台|辆|デバイス|センサー?|車両|トラック|端末|设备|传感器|车辆|卡车|终端|기기|장치|센서|차량|트럭|대")
SENDS = (r"send|report|transmit|ping|upload|publish|emit|push|beacon|heartbeat|telemetry|connected|iot\b|"
         r"sende\w*|melde\w*|übertrag\w*|übermittel\w*|vernetzt|"
         r"送信|送る|報告|発信|发送|上报|上传|回传|전송|보내|보고")
# "every 10 seconds", "alle 10 Sekunden", "每10秒", "10秒ごとに", "매 10초", "10초마다": how often something
# happens, never how fast it must be.
EVERY_BEFORE = re.compile(r"(?:(?<![a-zäöü])(?:every|each|alle|jede[nrs]?|intervals? of|intervall von)"
                          r"(?:\s+(?:about|around|roughly|approx\.?|ca\.?|etwa|rund|~))?|每隔?|매)\s*~?\s*$",
                          re.IGNORECASE)
EVERY_AFTER = re.compile(r"\s*(?:ごと|毎|おき|に\s?[1一]\s?回|一次|마다|간격|에\s?한\s?번|[- ]?(?:intervals?|intervall|takt)\b)",
                         re.IGNORECASE)
CUSTOMERS = (r"customers?|clients?|tenants?|organi[sz]ations?|compan(?:y|ies)|hospitals?|clinics?|health systems?|"
             r"mandanten|firmen|unternehmen|kunden(?!\w*(?:nutzer|benutzer))")
PER_DAY = (r"\b(?:a|per|each|every|pro|am|je)\s+(?:day|tag)\b|\bdaily\b|/\s?day|täglich|\bday\b|"
           r"(?:1|一)日|日あたり|毎日|每天|每日|日均|/日")
PER_MONTH = (r"\b(?:a|per|each|every|pro|im|je)\s+(?:month|monat)\b|\bmonthly\b|/\s?month|monatlich|"
             r"(?:1|一|毎|每)月|月あたり|/月")
# A metric name glued to its figure ("RPO5分", "SLA99.9%", "QPS5000", "DAU50万") still names it: "(?![a-z_])"
# instead of "\b", which counts a digit as part of a Latin word (numbers.py GLUED_METRIC reads the figure).
PER_SECOND = r"req(?:uest)?s?\s*/\s*s(?:ec)?\b|\b[rqt]ps(?![a-z_])|per second|pro sekunde|/\s?s\b|a second"
PER_MINUTE = r"per minute|pro minute|/\s?min\b|a minute|\brpm\b"
AVAILABILITY = r"uptime|availab|verfügbar|\bsl[ao](?![a-z_])|up time|erreichbar|稼働率|可用性|可用率|稼働"
PERCENTILE_OF = r"^\s*(?:of|der|aller|of all)\s+(?:the\s+|all\s+)?(?:\w+\s+){0,2}?(?:calls|requests|queries|responses|anfragen|aufrufe|zugriffe|transactions|page ?loads|users|searches|operations)"
RPO = r"\brpo(?![a-z_])|data loss|lost data|lose|verlust|verloren|recovery point"
RTO = r"\brto(?![a-z_])|recover|back (?:up|online|in service)|restor|wiederherstell|wieder (?:verfügbar|online)|recovery time"
FAILOVER = r"fail ?over|umschalt"
# "ピーク時は通常の3倍", "高峰期是平时的3倍", "피크 시 평소의 3배": a peak compared with usual traffic, not growth
PEAK_CJK = r"ピーク|通常|普段|平常|平時|平时|セール|キャンペーン|峰值|高峰|促销|大促|피크|평소|평상시|세일|이벤트"
TIME_OF_DAY = re.compile(r"^\s*(?:am|pm|a\.m\.|p\.m\.|uhr|o'clock|h\b(?=\s*(?:utc|cet|local)))", re.IGNORECASE)
# A span of time in English or German: "in 3 years", "within 24 Monaten", "over two quarters", "in a decade",
# "by year three", "in the second year", "in a year and a half", "in half a year".
HORIZON = re.compile(
    r"(?<![a-zäöüß])(?P<n>\d+(?:[.,]\d+)?|" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + r")\s*"
    r"(?P<u>years?|yrs?|jahren?|jahre|months?|monaten?|monate|quarters?|quartalen?|quartale|decades?|jahrzehnte?n?)"
    r"(?! and a half)"
    r"|(?:year|jahr)\s*(?P<y>\d(?![\d.,]\d)|one|two|three|four|five|zwei|drei)"
    r"|(?P<ord>first|second|third|fourth|fifth|next|zweiten|dritten|nächste\w*)\s+(?:year|jahr)"
    r"|(?P<half>year and a half|eineinhalb jahre\w*|anderthalb jahre\w*)"
    r"|(?P<halfyear>half a year|halbe[ns]? jahr\w*)",
    re.IGNORECASE,
)
# A rate per year: "doubles every year", "3x annually", "jährlich verdoppeln", "毎年3倍", "매년 2배" (whatever span
# the sentence also names: "doubling each year for three years" is 2x a year, 8x in three years).
EVERY_YEAR = re.compile(r"(?<![a-z])(?<!half )(?:every|each|per|a|jedes|pro)\s+(?:year|jahr)(?![a-z]| and a half)"
                        r"|(?<![a-z])yearly|annual|per annum|p\.\s?a\.|year over year|(?<![a-z])yoy(?![a-z])|jährlich"
                        r"|毎年|每年|매년|年率|연간", re.IGNORECASE)
UNIT_YEARS = {"mon": 1 / 12, "qua": 0.25, "dec": 10.0, "jahrz": 10.0}
# Japanese, Chinese and Korean spans: "3年で", "三年内", "3年后", "18か月", "18个月", "24개월", "1年半", "半年", "来年".
# One or two digits only: "2027年" or "二〇二七年" is a calendar year, not a span; "3年前" (ago) is no horizon.
CJK_HORIZON = re.compile(
    rf"(?<![\d.,])(?P<n>\d{{1,2}}(?:[.,]\d+)?|(?<![〇零一二两兩俩三四五六七八九十百千]){HAN_NUMBER})\s*(?:(?P<y>年|년)(?P<half>半|\s?반)?(?![前전])"
    r"|(?P<m>[かヶヵカケ个個]\s?月|개월))"
    r"|(?P<halfyear>半年|반년)|(?P<two>再来年|后年|後年|내후년)|(?P<one>来年|明年|내년)"
)
ORDINALS = {"first": 1, "next": 1, "second": 2, "zweiten": 2, "third": 3, "dritten": 3, "fourth": 4, "fifth": 5}


# A full stop ends a clause, but not after an abbreviation ("3,5 Mio. Nutzer", "8 Tsd. Nutzer", "ca. 500").
# "min." after a number is minutes ending a sentence ("RTO 30 min. Failover …"), elsewhere "mindestens"; a
# number with a full stop before "Perzentil" is a German ordinal ("95. Perzentil"). 。！？； end CJK sentences.
CLAUSE_END = re.compile(r"(?<!\bmio)(?<!\bmrd)(?<!\btsd)(?<!\bca)(?<!\bbzw)(?<!\bapprox)(?<!\bvs)(?<!\bmax)"
                        r"(?<!\bz\.b)(?<!\be\.g)(?<!\bi\.e)(?<!\bd\.h)(?<!\bu\.a)"
                        r"(?<!\d(?=\.\s{0,3}(?:perzentil|percentil|quantil)))\.(?=\s|$)|[;\n!?。！？；]",
                        re.IGNORECASE)
MIN_ABBREVIATION = re.compile(r"(?<![\d\s])\s*\bmin$|^\s*min$", re.IGNORECASE)


VERSIONED = P.DATABASES + P.LANGUAGES + P.QUEUES + P.CACHES + P.SEARCHES + P.FRONTENDS  # "PostgreSQL 16"


@dataclass
class Part:
    """A part of a clause between commas/semicolons: the words that decide what its numbers mean."""

    text: str
    start: int  # offset in the field
    clause: str


def clauses(text: str) -> list[tuple[int, str]]:
    """(offset, clause) split at sentence ends and semicolons, never inside a number like 2.5 or 8.000."""
    return list(_clauses(text))


def clear_caches() -> None:
    """Forget what was read (for benchmarks that measure a brief read for the first time)."""
    _clauses.cache_clear()
    _read_field.cache_clear()


@functools.lru_cache(maxsize=4096)
def _clauses(text: str) -> tuple[tuple[int, str], ...]:
    out, start = [], 0
    for m in CLAUSE_END.finditer(text):
        if m.group() == "." and MIN_ABBREVIATION.search(text, start, m.start()):
            continue  # "min. 500 Nutzer": an abbreviation, not the end of a sentence
        if text[start:m.start()].strip():
            out.append((start, text[start:m.start()]))
        start = m.end()
    if text[start:].strip():
        out.append((start, text[start:]))
    return tuple(out)


def parts(offset: int, clause: str) -> list[Part]:
    """A clause cut at ", " and " and "/" und " (a comma inside "8,000" has no space after it)."""
    out, start = [], 0
    for m in re.finditer(r",\s|[、，]\s*|\s+(?:and|und|but|aber|while|whereas)\s+(?!a half\b)", clause,
                         re.IGNORECASE):
        out.append(Part(clause[start:m.start()], offset + start, clause))
        start = m.end()
    out.append(Part(clause[start:], offset + start, clause))
    return [p for p in out if p.text.strip()]


@functools.lru_cache(maxsize=1024)
def _words(pattern: str) -> re.Pattern[str]:
    """A keyword pattern whose \\b is a boundary of Latin words: "RTOは30分", "SLA99.9%" still name RTO and SLA."""
    return re.compile(P.latin_words(pattern), re.IGNORECASE)


def _has(pattern: str, text: str) -> bool:
    return _words(pattern).search(text) is not None


def _horizon_years(text: str) -> float | None:
    if (c := CJK_HORIZON.search(text)) and not (HORIZON.search(text) or ANY_YEAR.search(text)):
        return _cjk_horizon(c)
    m = HORIZON.search(text)
    if not m:
        return 1.0 if ANY_YEAR.search(text) else None
    if m.group("half") or m.group("halfyear"):
        return 1.5 if m.group("half") else 0.5
    if m.group("ord"):
        return float(ORDINALS.get(m.group("ord").lower(), 1))
    n = small_number(m.group("n") or m.group("y")) or 1.0
    unit = (m.group("u") or "year").lower()
    return n * next((years for prefix, years in UNIT_YEARS.items() if unit.startswith(prefix)), 1.0)


ANY_YEAR = re.compile(r"next year|nächstes jahr|within a year|in a year|innerhalb eines jahres", re.IGNORECASE)


def _cjk_horizon(m: re.Match[str]) -> float | None:
    if m.group("halfyear"):
        return 0.5
    if m.group("one") or m.group("two"):
        return 1.0 if m.group("one") else 2.0
    n = small_number(m.group("n"))
    if n is None or n <= 0:
        return None
    if m.group("m"):
        return n / 12
    return n + 0.5 if m.group("half") else n


class Reader:
    """Collects facts from one piece of text (a brief field, an answer, a correction)."""

    def __init__(self, origin: Origin = "brief", note: str = "") -> None:
        self.facts: dict[str, Fact] = {}
        self.unread: list[Unread] = []
        self.origin = origin
        self.note = note
        self.per_day_items: list[tuple[str, float, str]] = []

    def add(self, key: str, value: float | str, quote: str, field: str, *, unit: str = "", high: float | None = None,
            detail: str = "", label: str | None = None, replace: bool = False) -> None:
        if key in self.facts and not replace:
            return
        self.facts[key] = Fact(key=key, label=label or LABELS.get(key, key), value=value, high=high, unit=unit,
                               detail=detail, quote=quote.strip(" ,;:\n"), origin=self.origin, field=field,
                               note=self.note)

    # ---- named things -------------------------------------------------------------------------------------------
    def read_names(self, text: str, field: str) -> None:
        def first(table: list[tuple[str, str]], key: str) -> None:
            found = P.mentions(text, table)
            if found:
                start, end, name, version = found[0]
                self.add(key, name, _quote(text, start, end), field, detail=version)

        on_prem = [m for m in re.finditer(P.ON_PREMISES, text, re.IGNORECASE)
                   if not P.NEGATION.search(text[max(0, m.start() - 40):m.start()])]
        clouds = P.mentions(text, P.CLOUDS)
        public_cloud_refused = _has(r"(?:no|not|kein\w*|ohne|without)\s+(?:\w+\s+)?(?:public\s+)?cloud", text)
        # OpenShift, VMware or a "private cloud" can run on a public cloud ("OpenShift on AWS"); "on-premises",
        # "own data centre", "self-hosted" or a refused public cloud can't.
        strong = [m for m in on_prem if not re.fullmatch(r"openshift|vmware|proxmox|private cloud", m.group(0), re.IGNORECASE)]
        if on_prem and (not clouds or public_cloud_refused or (strong and strong[0].start() < clouds[0][0])):
            m = on_prem[0]
            detail = next((name for pattern, name in P.ON_PREMISES_DETAIL if _has(pattern, text)), "")
            self.add("platform.provider", "On-premises", _quote(text, m.start(), m.end()), field, detail=detail)
        elif clouds:
            first(P.CLOUDS, "platform.provider")
        elif public_cloud_refused:
            m = re.search(r"(?:no|not|kein\w*|ohne|without)\s+(?:\w+\s+)?(?:public\s+)?cloud", text, re.IGNORECASE)
            assert m
            self.add("platform.provider", "On-premises", _quote(text, m.start(), m.end()), field)
        first(P.DATABASES, "stack.database")
        first(P.CACHES, "stack.cache")
        first(P.QUEUES, "stack.queue")
        first(P.SEARCHES, "stack.search")
        first(P.FRONTENDS, "stack.frontend")
        first(P.ORCHESTRATORS, "platform.orchestrator")
        languages = P.mentions(text, P.LANGUAGES)
        if languages:
            self.add("stack.languages", ", ".join(n for _, _, n, _ in languages),
                     _quote(text, languages[0][0], languages[0][1]), field)
        if (m := re.search(P.MOBILE, text, re.IGNORECASE)) and field != "growth_projections":
            self.add("stack.mobile", "yes", _quote(text, m.start(), m.end()), field)
        regulations = P.mentions(text, P.REGULATIONS)
        if regulations:
            self.add("regulations", ", ".join(n for _, _, n, _ in regulations),
                     _quote(text, regulations[0][0], regulations[0][1]), field)
        codes = list(dict.fromkeys(m.group(0) for m in re.finditer(P.REGION_CODES, text, re.IGNORECASE)))
        if codes:
            self.add("platform.regions", ", ".join(codes), _quote(text, *re.search(P.REGION_CODES, text, re.IGNORECASE).span()),
                     field)
        if field != "growth_projections":  # "opening an EU region in year two" is a plan, not today's rule
            for pattern, geography in P.GEOGRAPHIES:
                if m := re.search(pattern, text, re.IGNORECASE):
                    quote = _quote(text, m.start(), m.end())
                    # "data stays in the US", "GDPR": a rule the design must keep; "US time zones": where users are
                    rule = _has(r"stay|resid|must|only|within|remain|nur|bleib|verbleib|gdpr|dsgvo|sovereign|souverän",
                                quote)
                    self.add("platform.geography", geography, quote, field, detail="required" if rule else "")
                    break

    # ---- numbers ------------------------------------------------------------------------------------------------
    def read_numbers(self, text: str, field: str, topic: str = "") -> None:
        for offset, clause in clauses(text):
            previous_metric = ""
            clause_parts = parts(offset, clause)
            quantities = find_quantities(clause)
            for index, q in enumerate(quantities):
                part = next((p for p in clause_parts if p.start - offset <= q.start < p.start - offset + len(p.text)),
                            clause_parts[0] if clause_parts else Part(clause, offset, clause))
                before = clause[: q.start]
                after = clause[q.end:]
                if self._ignorable(q, before, after):
                    continue
                part_start = part.start - offset
                left = max(part_start, quantities[index - 1].end if index else 0)
                end_part = next((p for p in clause_parts
                                 if p.start - offset <= q.end - 1 < p.start - offset + len(p.text)), part)
                right = min(max(q.end, end_part.start - offset + len(end_part.text)),
                            quantities[index + 1].start if index + 1 < len(quantities) else len(clause))
                local = clause[left:right]
                metric = self._one(q, part, before, after, clause, field, topic, previous_metric, local)
                if metric:
                    previous_metric = metric
                elif metric is None:
                    self.unread.append(Unread(field=field, quote=_short(clause)))
            self._per_day(clause, field)

    def _ignorable(self, q: Quantity, before: str, after: str) -> bool:
        """Years, times of day, versions, horizons and list numbers: figures that are not a load or a target."""
        if q.kind == "count" and re.fullmatch(r"(?:19|20)\d\d(?:\s*[–—-]\s*(?:19|20)\d\d)?", q.text) \
                and (q.high is not None or re.search(r"(?:\bin|since|by|until|from|before|after|seit|bis|im|ab|"
                                                     r"vor|nach|year|jahr|fy|q[1-4])\s*$", before, re.IGNORECASE)) \
                and not re.match(rf"\s*(?:[\w-]+\s+){{0,2}}?(?:{USERS}|{CUSTOMERS}|{CONCURRENT}|requests|orders)",
                                 after, re.IGNORECASE):
            return True  # a year: "since 2021", "2024–2026" (never "1,990 users", never "in 2000 shops")
        if TIME_OF_DAY.match(after):
            return True
        if q.kind == "count" and re.search(r"(?:before|by|until|at|bis|um|vor)\s*$", before, re.IGNORECASE) and \
                TIME_OF_DAY.match(after + " "):
            return True
        if q.kind == "count" and re.match(r"\s*(?:years?|yrs?|months?|weeks?|jahren?|jahre|monaten?|monate|wochen?|"
                                           r"quarters?|cities|städte|countries|länder|regions?|zones?|data ?cent\w*|"
                                           r"time zones?|languages?|markets?)\b", after, re.IGNORECASE):
            return True
        if q.kind == "count" and re.search(r"(?:year|jahr|phase|step|tier|level|version|v|top|stufe)\s*$", before,
                                           re.IGNORECASE):
            return True
        if q.kind == "count" and re.search(r"[A-Za-z]\s*$", before) and P.mentions(before[-25:], VERSIONED):
            return True  # "PostgreSQL 16", "Java 21", "MySQL 8"
        if q.kind == "count" and re.match(r"\s*\.?\s*(?:th\b|st\b|nd\b|rd\b)?\s*(?:percentile|perzentil|パーセンタイル|百分位)",
                                           after, re.IGNORECASE):
            return True  # "95. Perzentil", "95パーセンタイル": which percentile, read with the duration
        if q.kind == "count" and re.match(r"[日天年月時时週周]|[かヶヵカケ个個]\s?月|년|개월|주", after):
            return True  # "1日あたり", "12時": per day, a time of day or a span, not a count
        if q.kind == "count" and after[:1].isalpha() and not re.match(f"[{CJK}]", after) and q.text[-1:].isdigit():
            return True  # "19c", "4G": a name, not a quantity
        return q.kind == "count" and re.match(r"\s*(?:times|x)\b", after, re.IGNORECASE) is not None

    def _one(self, q: Quantity, part: Part, before: str, after: str, clause: str, field: str, topic: str,
             previous: str, local: str) -> str | None:
        """Give one quantity its meaning; returns the metric it set, "" when it was context only, None if unread."""
        words = part.text
        quote = _short(clause)
        if q.kind == "percent":
            return self._percent(q, words, after, clause, field, topic)
        if q.kind == "duration":
            return self._duration(q, words, before, clause, field, topic)
        if q.kind == "size":
            if _has(PER_MONTH, words):
                self.add("data.growth_per_month", q.value, quote, field, unit="GB")
            elif _has(PER_DAY, words):
                self.add("data.growth_per_month", q.value * 30, quote, field, unit="GB")
            elif _has(r"memory|ram|speicher\b|heap|cache", words) and not _has(r"data|daten|stor", words):
                return ""
            else:
                self.add("data.size", q.value, quote, field, unit="GB", high=q.high)
            return "data"
        if q.kind == "multiplier":
            if field == "growth_projections" or _has(r"grow|wachs|increase|steig|doubl|by year|in year|within|"
                                                     r"成長|増|增|翻|성장|증가|늘",
                                                     words) and _horizon_years(clause):
                return ""  # read by _growth
            if _has(r"peak|spike|sale|normal|average|usual|spitze|durchschnitt|campaign|launch|black friday|holiday|"
                    + PEAK_CJK,
                    clause):
                self.add("load.peak_factor", q.value, quote, field, unit="x")
                return "peak"
            return None
        return self._count(q, words, before, after, clause, field, topic, previous, local)

    def _percent(self, q: Quantity, words: str, after: str, clause: str, field: str, topic: str) -> str | None:
        quote = _short(clause)
        if re.match(PERCENTILE_OF, after, re.IGNORECASE) or re.match(r"\s*(?:percentile|perzentil)", after, re.IGNORECASE):
            return ""  # a percentile marker, read with the duration it belongs to
        if _has(r"a year|per year|annual|yearly|year over year|yoy|pro jahr|jährlich|im jahr|p\.a\.|毎年|每年|年間|年率",
                words) and _has(r"grow|wachs|increase|steig|more|mehr|\+|成長|增长|増加|增加", words + after[:30]):
            self.add("growth.per_year", 1 + q.value / 100, quote, field, unit="x")
            return "growth"
        if (_has(AVAILABILITY, words) or topic == "availability" or 99 <= q.value < 100) and 90 <= q.value < 100:
            self.add("availability", q.value, quote, field, unit="%")
            return "availability"
        if _has(r"mobile|\bapp\b|\bapps\b|ios|android", words):
            self.add("users.mobile_share", q.value, quote, field, unit="%")
            return "mobile"
        if _has(r"read", words) and not _has(r"ready", words):
            self.add("load.read_share", q.value, quote, field, unit="%", label="Share of reads")
            return "reads"
        if _has(r"cache|hit", words):
            self.add("cache.hit_rate", q.value, quote, field, unit="%", label="Cache hit rate")
            return "cache"
        if _has(r"grow|wachs|increase|steig", words):
            return ""
        return None

    def _duration(self, q: Quantity, words: str, before: str, clause: str, field: str, topic: str) -> str | None:
        quote = _short(clause)
        minutes = q.value / 60
        said_rpo, said_rto = _has(RPO, words), _has(RTO, words)  # the words said win over the question's topic
        if said_rpo or (topic == "rpo" and not said_rto):
            self.add("rpo", minutes, quote, field, unit="min")
            return "rpo"
        if said_rto or topic == "rto":
            self.add("rto", minutes, quote, field, unit="min")
            return "rto"
        if EVERY_BEFORE.search(before) or EVERY_AFTER.match(clause, q.end):
            if _has(DEVICES, clause) or _has(SENDS, clause):  # "backups run every 24 hours" is no device
                self.add("load.device_interval", q.value, quote, field, unit="s")
            return "interval"
        if _has(FAILOVER, words):
            self.add("failover", minutes, quote, field, unit="min")
            return "failover"
        if _has(r"session|sitzung", words):
            self.add("users.session_length", minutes, quote, field, unit="min", label="Session length")
            return "session"
        if _has(r"retain|retention|keep|aufbewahr|archiv", words) or q.value >= 86400:
            return ""
        if q.value > 3600:
            return None
        operation = next((op for op, pattern in OPERATIONS if _has(pattern, words)), "")
        if not operation:
            operation = next((op for op, pattern in OPERATIONS if _has(pattern, clause)), "other")
        percentile = _percentile(words) or _upper_bound(before, clause[q.end:]) \
            or _clause_percentile(clause, clause.find(words)) or "target"
        key = f"latency.{operation}.{percentile}"
        label = f"{OPERATION_LABELS[operation]}, {PERCENTILE_LABELS[percentile]}"
        self.add(key, q.value * 1000, quote, field, unit="ms", label=label, high=None)
        return "latency"

    def _count(self, q: Quantity, words: str, before: str, after: str, clause: str, field: str, topic: str,
               previous: str, local: str) -> str | None:
        quote = _short(clause)
        nearby = after[:60]
        by_then = r"\bin\b|\bby\b|within|bis|nach|後|后|以内|内|まで|후|까지|이내|안에"  # "in 3 years", "3年後に"
        horizon = _horizon_years(words) if field == "growth_projections" or _has(by_then, words) else None
        if horizon and not _has(r"\bnow\b|today|currently|heute|aktuell|derzeit", words):
            metric = self._metric(local, nearby, clause) or previous
            if metric and not _has(r"^\s*(?:more|additional|new|neue|weitere)", nearby) and \
                    not _has(r"\badd(?:ing)?\b|hinzu|neue", words):
                self.add(f"target.{metric}.{_years_key(horizon)}", q.value, quote, field, unit=_unit_of(metric),
                         high=q.high, label=f"{LABELS.get(metric, metric)} in {_years_text(horizon)}")
                return metric
            return "" if metric or field == "growth_projections" else None
        if topic == "availability" and 90 <= q.value < 100:
            self.add("availability", q.value, quote, field, unit="%")
            return "availability"
        if field == "growth_projections":
            metric = self._metric(local, nearby, clause)
            if _has(r"\badd(?:ing)?\b|hinzu|neue|\bnew\b", words) or not metric:
                return ""
        if _has(r"max_connections|connection limit|max(?:imum)? connections|verbindungen", words):
            self.add("database.max_connections", q.top, quote, field, unit="connections")
            return "db"
        if _has(PER_SECOND, nearby) or _has(PER_SECOND, words) and _has(r"request|req|anfrage|call|quer|transact|"
                                                                       r"\b[rqt]ps(?![a-z_])|请求|請求|リクエスト", words):
            key = "load.requests_per_second_avg" if _has(r"average|avg|mean|durchschnitt|normal", words) \
                else "load.requests_per_second"
            self.add(key, q.top, quote, field, unit="/s", high=None)
            return "rps"
        if _has(PER_MINUTE, nearby) and _has(r"request|req|anfrage|call|quer|transact|order", words):
            key = "load.requests_per_second_avg" if _has(r"average|avg|mean|durchschnitt", words) \
                else "load.requests_per_second"
            self.add(key, q.top / 60, quote, field, unit="/s")
            return "rps"
        metric = self._metric(local, nearby, clause)
        if metric is None and previous.startswith("users.") and re.match(r"\s*(?:[–—-]|to|bis|$|,|now|today)", after):
            metric = previous
        if metric is None and topic in ("users.concurrent", "load.per_day", "data.size", "customers"):
            metric = topic
        if metric is None:
            return None
        if metric == "per_day":
            return "per_day"  # summed per clause by _per_day
        if metric == "load.devices":
            self.add(metric, q.value, quote, field, unit="devices", high=q.high)
            return metric
        if metric == "records":
            self.add("data.records", q.top, quote, field, unit="records")
            return "records"
        self.add(metric, q.value, quote, field, unit="users" if metric.startswith("users") else "", high=q.high)
        return metric

    def _metric(self, local: str, nearby: str, clause: str) -> str | None:
        """Which count the words around one number name (local: the words between it and its neighbours):
        concurrent/active/registered users, customers, records, or a per-day volume."""
        if _has(CONCURRENT, local) or _has(r"\bpeak\b|spitze|at peak|ピーク|峰值|高峰|피크", local) and _has(USERS, local) \
                and not _has(r"active|aktiv", local):
            return "users.concurrent"
        if _has(r"monthly active|\bmau(?![a-z_])|月間アクティブ|月次アクティブ|マンスリーアクティブ|月活|monatlich aktiv|active (?:\w+ )?(?:per|a) month|pro monat aktiv|"
                r"(?:users|nutzer|benutzer|visitors|besucher)\w* (?:per|a|pro|im|each) (?:month|monat)", local):
            return "users.monthly_active"
        if _has(r"daily active|\bdau(?![a-z_])|日間アクティブ|日次アクティブ|デイリーアクティブ|日活|täglich aktiv|active (?:\w+ )?(?:per|a) day|"
                r"(?:users|nutzer|benutzer|visitors|besucher)\w* (?:per|a|pro|am|each) (?:day|tag)", local):
            return "users.daily_active"
        if re.match(rf"\s*(?:[\w-]+\s+){{0,3}}?(?:{DEVICES})(?![a-zäöü])", nearby, re.IGNORECASE) \
                and (_has(SENDS, clause) or _every(clause)):
            return "load.devices"
        if re.match(rf"\s*(?:[\w-]+\s+){{0,3}}?(?:{CUSTOMERS})\b", nearby, re.IGNORECASE):
            return "customers"
        if re.match(rf"\s*(?:[\w-]+\s+){{0,3}}?(?:{USERS})\b", nearby, re.IGNORECASE) or _has(USERS, local):
            if _has(r"active|aktiv", local):
                return "users.monthly_active"
            return "users.registered"
        if re.match(r"\s*(?:[\w/-]+\s+){0,3}?(?:records|rows|documents|files|photos|images|objects|datensätze|"
                    r"einträge|dokumente|items|listings|products)\b", nearby, re.IGNORECASE) \
                and not _has(PER_DAY, clause):
            return "records"
        if _has(PER_DAY, clause) or _has(PER_MONTH, clause):
            return "per_day"
        return None

    def _per_day(self, clause: str, field: str) -> None:
        """Everything counted per day (or per month) in one clause, added up: "900,000 views and 40,000 orders a day"."""
        if field == "growth_projections" or not (_has(PER_DAY, clause) or _has(PER_MONTH, clause)):
            return
        per_month = _has(PER_MONTH, clause) and not _has(PER_DAY, clause)
        total, items = 0.0, []
        for q in find_quantities(clause):
            after = clause[q.end:]
            if q.kind != "count" or self._ignorable(q, clause[:q.start], after):
                continue
            head = after[:50]
            lead = re.split(r"[,、，]", clause[:q.start])[-1]
            if re.search(rf"(?:{USERS}|{CONCURRENT}|active|aktiv|月活|アクティブ)\S{{0,4}}\s*$", lead, re.IGNORECASE):
                continue  # "月活用户10万", "concurrent users: 8,000": people, not actions a day
            if re.match(rf"\s*(?:[\w-]+\s+){{0,2}}?(?:{USERS}|{CUSTOMERS}|{CONCURRENT})", head, re.IGNORECASE) or \
                    re.match(r"\s*(?:[\w-]+\s+){0,1}?active", head, re.IGNORECASE):
                continue
            value = q.top / 30 if per_month else q.top
            total += value
            noun = re.match(r"\s*((?:[\w/-]+\s+){0,2}?[\w/-]+)", after)
            items.append((noun.group(1).lower() if noun else "actions", value))
        if total:
            previous = self.facts.get("load.per_day")
            if previous is None or (previous.number or 0) < total:
                self.add("load.per_day", total, _short(clause), field, unit="/day", replace=True)
                for noun, value in items:
                    self.per_day_items.append((noun, value, _short(clause)))

    # ---- growth -------------------------------------------------------------------------------------------------
    def read_growth(self, text: str, field: str) -> None:
        for offset, clause in clauses(text):
            if not GROWTH_HINT.search(clause):
                continue
            for part in parts(offset, clause):
                words = part.text
                if not GROWTH_HINT.search(words):
                    continue
                horizon = 1.0 if EVERY_YEAR.search(words) else _horizon_years(words) or _horizon_years(clause)
                multiplier = _growth_multiplier(words)
                if multiplier is None or multiplier <= 1:
                    continue
                if _has(r"peak|spike|sale|normal traffic|usual|spitze|campaign|holiday|" + PEAK_CJK, words) \
                        and not horizon:
                    continue
                metric = _growth_metric(words)
                if horizon is None:  # "reach 1M by end of 2027 (roughly 8x)": a target with no period we can count
                    self.add(f"growth.target.{metric}", multiplier, _short(clause), field, unit="x",
                             label=f"Growth of {metric} to the brief's target (by a date, or with no period: three years assumed)")
                    continue
                self.add(f"growth.{metric}.{_years_key(horizon)}", multiplier, _short(clause), field, unit="x",
                         label=f"Growth of {metric} in {_years_text(horizon)}")


# "3x", "三倍", "3배", "두 배": a number of times; the words that mean a number of times on their own; "翻一番" (double)
# and "翻两番" (double twice, 4x).
MULTIPLIER = re.compile(
    rf"(?P<n>\d+(?:[.,]\d+)?|{HAN_NUMBER})\s*(?:x(?![a-z])|×|倍|배(?!송|포|치|터|달|너|경)|times|fold|mal\b|-fach|fach)"
    rf"|(?P<native>{'|'.join(KOREAN_NATIVE)})\s?배(?!송|포|치|터|달|너|경)|翻(?P<doublings>\d|{HAN_NUMBER})番",
    re.IGNORECASE,
)
MULTIPLIER_WORDS = [(r"\bdoubl|verdopp|\bdoppelt|倍増|倍增|倍になる|두 ?배", 2.0),
                    (r"\btripl|verdreifach|\bdreifach", 3.0), (r"quadrupl|vervierfach|\bvierfach", 4.0),
                    (r"ten ?fold|zehnfach", 10.0)]
GROWTH_HINT = re.compile(MULTIPLIER.pattern + "|" + "|".join(p for p, _ in MULTIPLIER_WORDS).replace(r"\b", ""),
                         re.IGNORECASE)


def _growth_multiplier(words: str) -> float | None:
    """How many times bigger the words say something becomes, or None."""
    if m := MULTIPLIER.search(words):
        if m.group("doublings"):
            doublings = small_number(m.group("doublings"))
            return 2.0 ** doublings if doublings else None
        value = small_number(m.group("n") or m.group("native"))
        # "增长一倍" (grows by one times) is Chinese for doubling; "增长3倍" stays 3x, as most briefs mean it
        return 2.0 if value == 1 and re.search(r"[增提][长加高升]了?\s*$", words[:m.start()]) else value
    return next((value for pattern, value in MULTIPLIER_WORDS if _has(pattern, words)), None)


def _growth_metric(words: str) -> str:
    for metric, pattern in [("users", USERS), ("customers", CUSTOMERS),
                            ("traffic", r"traffic|requests|load|verkehr|last\b|zugriffe"),
                            ("transactions", r"orders|transactions|messages|events|bestellungen|nachrichten|volume"),
                            ("data", r"data|daten|storage|データ|数据")]:
        if _has(pattern, words):
            return metric
    return "traffic"


def _years_key(years: float) -> str:
    """"3y" for whole years, "18m" otherwise (a key has no dot inside a part)."""
    return f"{years:g}y" if float(years).is_integer() else f"{round(years * 12)}m"


def _years_text(years: float) -> str:
    if years < 1:
        return f"{years * 12:g} months"
    return "1 year" if years == 1 else f"{years:g} years"


def _unit_of(metric: str) -> str:
    return "users" if metric.startswith("users") else ""


def _every(clause: str) -> bool:
    """The clause names an interval ("every 10 seconds", "10秒ごと")."""
    return any(q.kind == "duration" and (EVERY_BEFORE.search(clause, 0, q.start) or EVERY_AFTER.match(clause, q.end))
               for q in find_quantities(clause))


def _percentile(words: str) -> str:
    if m := re.search(r"\bp\s?(50|90|95|99(?:\.9)?)\b", words, re.IGNORECASE):
        return "p" + m.group(1).replace(".", "")
    if m := re.search(r"(50|90|95|99(?:[.,]9)?)\s*(?:th|st|nd|rd|\.)?\s*(?:percentile|perzentil|パーセンタイル|百分位)",
                      words, re.IGNORECASE):
        return "p" + m.group(1).replace(".", "").replace(",", "")
    if m := re.search(rf"(50|90|95|99(?:[.,]9)?)\s*(?:%|percent|prozent)\s*{PERCENTILE_OF[1:]}", words, re.IGNORECASE):
        return "p" + m.group(1).replace(".", "").replace(",", "")
    if _has(r"median|average|mean|typical|durchschnitt|\bavg\b|in der regel", words):
        return "p50"
    if _has(r"\bnever\b|at most|no more than|no longer than|maximum|\bmax\b|höchstens|\bnie\b|nicht länger", words):
        return "max"
    return ""


# Japanese and Chinese for "at most" and "must not exceed", right before or after a duration: "最大500ミリ秒",
# "不超过500毫秒", "500ミリ秒を超えないこと", "500毫秒为上限". "以内"/"以下"/"まで" (within, under, up to) stay a
# target, as "within 500 ms" does in English.
UPPER_BOUND_BEFORE = re.compile(r"(?:最大|最長|最长|最多|最高|上限|[不绝絕](?:得|能|可|会|會)?(?:超过|超過)|決して)"
                                r"\s*(?:で|は|が|为|為|是|[:：])?も?\s*$")
UPPER_BOUND_AFTER = re.compile(r"\s*(?:[をはが]\s*)?(?:超えない|超えては|上回らない|超過しない|上限)|\s*(?:为|為)上限")


def _upper_bound(before: str, after: str) -> str:
    """"max" when the words right around a duration make it a hard upper bound, else ""."""
    return "max" if UPPER_BOUND_BEFORE.search(before[-12:]) or UPPER_BOUND_AFTER.match(after) else ""


def _clause_percentile(clause: str, at: int) -> str:
    """The clause's percentile for a duration (in the part at `at`) whose own part names none. A later part that
    names a percentile before its own duration keeps it ("ページ表示は2秒以内、APIの応答は95パーセンタイルで300ミリ秒以内":
    the 2 s is no p95); one named first, or after its duration, covers the clause ("p95: pages 2 s, API 300 ms",
    "pages under 2 s and search under 1 s at the 95th percentile")."""
    for part in parts(0, clause):
        durations = [q for q in find_quantities(part.text) if q.kind == "duration"]
        if part.start > at and durations and _percentile(part.text[: durations[0].start]):
            return ""
    return _percentile(clause)


def _short(text: str, limit: int = 160) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quote(text: str, start: int, end: int) -> str:
    """The clause around a name, as written."""
    for offset, clause in clauses(text):
        if offset <= start < offset + len(clause):
            return _short(clause)
    return text[start:end]


# ---- answers and corrections -------------------------------------------------------------------------------------
TOPICS: list[tuple[str, str, str]] = [  # (topic, label, words in a question about it)
    ("database", "Database", r"database|datenbank|\bdb\b"),
    ("platform", "Cloud or hosting", r"cloud|hosting|host\b|on-prem|data cent|provider|platform|rechenzentrum"),
    ("queue", "Queue", r"\bqueue|message broker|background jobs"),
    ("rpo", "Data loss allowed (RPO)", r"\brpo\b|lost data|data loss|minutes of lost"),
    ("rto", "Recovery time (RTO)", r"\brto\b|how quickly must|back after|recover"),
    ("availability", "Availability", r"uptime|downtime|availab|verfügbar"),
    ("users.concurrent", "People at the same moment", r"same moment|same time|concurrent|simultan|gleichzeitig"),
    ("load.per_day", "Key actions per day", r"per day|a day|typical day|daily|key actions|transactions"),
    ("data.size", "Data stored", r"how much data|data do you store|storage|\bgb\b|\btb\b"),
    ("growth", "Growth", r"grow|bigger|wachs|in three years|in one year"),
    ("latency", "Speed targets", r"response time|how fast|latency|percentile|journeys"),
    ("regions", "Regions", r"region|geograph|where are your users"),
]
PRODUCT_TOPICS = {"database": (P.DATABASES, "stack.database"), "queue": (P.QUEUES, "stack.queue")}


def topic_of(question: str) -> tuple[str, str]:
    """(topic, label) a clarification question is about, ("", "") when none is recognised."""
    for topic, label, pattern in TOPICS:
        if _has(pattern, question):
            return topic, label
    return "", ""


def _read_text(reader: Reader, text: str, field: str, topic: str = "") -> None:
    reader.read_names(text, field)
    reader.read_numbers(text, field, topic)
    reader.read_growth(text, field)


def _read_answer(answer: Answer) -> tuple[Reader, AnsweredQuestion]:
    """An answer is read like the brief, with the question's topic deciding what a bare figure or name is."""
    topic, label = topic_of(answer.question)
    reader = Reader("answer", note=f"you answered in version {answer.version}")
    text = answer.answer.strip()
    _read_text(reader, text, "answers", topic)
    if topic in PRODUCT_TOPICS and PRODUCT_TOPICS[topic][1] not in reader.facts and 0 < len(text) <= 40 \
            and not _has(r"^(?:no|none|nein|keine?|not sure|unknown|\?)", text):
        reader.add(PRODUCT_TOPICS[topic][1], text, text, "answers")  # a product we don't know by name
    if topic == "platform" and "platform.provider" not in reader.facts and 0 < len(text) <= 40:
        reader.add("platform.provider", text, text, "answers")
    return reader, AnsweredQuestion(question=answer.question, answer=text, version=answer.version, topic=label,
                                    keys=tuple(reader.facts))


def _correction(key: str, text: str, previous: Fact | None) -> Fact | None:
    """A fact the user typed in an edit box: numbers keep the fact's unit, names are taken as typed."""
    text = text.strip()
    if not text:
        return None
    label = previous.label if previous else LABELS.get(key, key)
    unit = previous.unit if previous else _unit_for(key)
    base = {"key": key, "label": label, "quote": text, "origin": "correction", "field": "corrections", "unit": unit}
    if previous is not None and previous.number is None or (previous is None and not re.search(r"\d", text)):
        reader = Reader("correction")
        reader.read_names(text, "corrections")
        found = reader.facts.get(key)
        if found is not None:
            return found.model_copy(update={"label": label, "quote": text})
        return Fact(value=text, **base)  # type: ignore[arg-type]
    q = parse_quantity(text)
    if q is None:
        return Fact(value=text, **base)  # type: ignore[arg-type]
    value, high = q.value, q.high
    if q.kind == "duration":
        scale = {"ms": 1000, "min": 1 / 60, "s": 1}.get(unit, 1)
        value, high = value * scale, (high * scale if high is not None else None)
    return Fact(value=value, high=high, **base)  # type: ignore[arg-type]


def _unit_for(key: str) -> str:
    if key.startswith("latency."):
        return "ms"
    if key in ("rpo", "rto", "failover"):
        return "min"
    if key in ("availability", "users.mobile_share"):
        return "%"
    if key.startswith(("data.size", "data.growth")):
        return "GB"
    return "users" if key.startswith("users.") else ""


def read_facts(values: Mapping[str, str], answers: Iterable[Answer] = (),
               corrections: Mapping[str, str] | None = None) -> Facts:
    """The facts of a brief. Answers (in order; a later one wins) override the brief; corrections override all."""
    facts: dict[str, Fact] = {}
    unread: list[Unread] = []
    per_day_items: list[tuple[str, float, str]] = []
    name = (values.get("app_name") or "").strip()
    if name:
        facts["app.name"] = Fact(key="app.name", label="Product name", value=name, quote=name, field="app_name")
    for field in FIELDS[1:]:
        text = values.get(field) or ""
        if not text.strip():
            continue
        field_facts, field_unread, field_per_day = _read_field(field, text)
        for fact in field_facts:
            facts.setdefault(fact.key, fact)
        unread += field_unread
        per_day_items += field_per_day
    answered: list[AnsweredQuestion] = []
    for answer in sorted((a for a in answers if a.answer.strip()), key=lambda a: a.version):
        reader, record = _read_answer(answer)
        facts.update(reader.facts)
        answered = [a for a in answered if a.question != answer.question
                    and not (record.topic and a.topic == record.topic)] + [record]
    for key, text in (corrections or {}).items():
        fact = _correction(key, text, facts.get(key))
        if fact is None:
            facts.pop(key, None)
        else:
            facts[key] = fact
    _targets_from_per_day(facts, per_day_items)
    return Facts(facts=tuple(sorted(facts.values(), key=lambda f: f.key)),
                 unread=tuple(dict.fromkeys(unread)), answered=tuple(answered))


@functools.lru_cache(maxsize=1024)
def _read_field(field: str, text: str) -> tuple[tuple[Fact, ...], tuple[Unread, ...], tuple[tuple[str, float, str], ...]]:
    """One field of the brief, read on its own: typing in one field re-reads that field only (every keystroke
    reruns the page, and reading a whole brief took most of the rerun)."""
    reader = Reader()
    _read_text(reader, text, field)
    return tuple(reader.facts.values()), tuple(reader.unread), tuple(reader.per_day_items)


def _targets_from_per_day(facts: dict[str, Fact], items: list[tuple[str, float, str]]) -> None:
    """"Orders reach 200,000 a day by year three" (a target) over "40,000 orders a day" (today) is a growth factor."""
    for key, fact in list(facts.items()):
        if not key.startswith("target.per_day.") or fact.number is None:
            continue
        horizon = key.rsplit(".", 1)[1]
        for noun, value, _ in items:
            last = noun.split()[-1]
            if value and re.search(rf"\b{re.escape(last)}", fact.quote, re.IGNORECASE):
                facts.setdefault(f"growth.transactions.{horizon}", Fact(
                    key=f"growth.transactions.{horizon}", label=f"Growth of {last} ({horizon})",
                    value=round(fact.top / value, 2), unit="x", quote=fact.quote, origin=fact.origin, field=fact.field))
                break
