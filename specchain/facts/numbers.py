"""Numbers as people write them, found in free text with the exact words they came from.

Rules (in this order):

1. Grouping vs decimal marker. Within one number:
   - both "," and "." present: the last one is the decimal marker (1,234.5 · 1.234,5);
   - one kind of separator repeated (1,000,000 · 1.000.000 · 8 000 000): thousands separators;
   - one separator followed by exactly three digits (8,000 · 8.000 · 1.500): a thousands separator, unless the
     integer part is 0 ("0.250" is a quarter);
   - one separator followed by one, two or four or more digits (2,5 · 99,95 · 2.5): the decimal marker.
   A space (also no-break or thin space) or an apostrophe (Swiss 8'000) groups thousands only when every group
   after it has exactly three digits.
2. Scale words after the number: k, K, Tsd., tausend, thousand · M, Mio., mn, million(s), Millionen · B, bn,
   Mrd., billion(s), Milliarde(n) · 千 (10³), 万/萬 (10⁴), 億/亿 (10⁸) · lakh, crore.
3. Ranges: "50–250", "50-250", "50 to 250", "50 bis 250", "between 1,000 and 5,000", "zwischen 1.000 und 5.000".
   A scale word on the second number only applies to both ("2–3M" is 2M–3M).
4. Units after the number: % (also "percent", "Prozent", with or without a space), durations (ms, s, sec,
   seconds, min, minutes, Minuten, h, hours, Stunden, days, Tage) and sizes (B, KB, MB, GB, TB, PB and the binary
   KiB…PiB). Durations are kept in seconds, sizes in gigabytes (10⁹ bytes). Chinese and Japanese units too
   (ミリ秒/毫秒, 秒, 分, 時間/小时, ％, 倍) and Korean ones (밀리초, 초, 분, 시간, 배; scales 만 10⁴, 억 10⁸), and a number may touch CJK
   characters on either side ("約10万人").
5. Small spans and multipliers may be written in Han numerals or Korean words ("三年で三倍", "두 배"): small_number.
6. Figures in Han numerals, Chinese (simplified and traditional) and Japanese: "五千", "三千五百", "一百万", "两千五",
   "一萬二千", "一点五万", "二〇二八" (digits one by one), and mixed with digits ("3千", "1.5万", "1万2000",
   "1億2000万"); "百分之九十九点九" is 99.9%. A lone digit ("一部", "一人") or "十" is read only with a unit after it
   ("三倍", "五秒"); see _han_numerals for the words that are never figures ("万一", "千葉", "十分", "数十万").
7. A known metric name glued to its figure ("RPO5分", "SLA99.9%", "QPS5000") keeps the figure; any other letters
   before a digit make a name ("EC2", "S3", "HTTP2", "Python3").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["count", "percent", "duration", "size", "multiplier"]

SCALES: list[tuple[str, float]] = [
    (r"k(?![a-zA-Z])|K(?![a-zA-Z])|tsd\.?|tausend|thousand", 1e3),
    (r"mio\.?|million(?:s|en)?|mn(?![a-zA-Z])|mm(?![a-zA-Z])|M(?![a-zA-Z])|m(?![a-zA-Z])", 1e6),
    (r"mrd\.?|milliard(?:e|en)?|billion(?:s)?|bn(?![a-zA-Z])|B(?![a-zA-Z])|b(?![a-zA-Z])", 1e9),
    (r"lakh", 1e5), (r"crore", 1e7),
    (r"千", 1e3), (r"[万萬만]", 1e4), (r"[億亿억]", 1e8),
]
# Case-insensitive for the words; the single letters above are matched case-sensitively through the inline
# alternatives (M/m both mean million, B/b billion; "MB", "ms" and "min" are excluded by the lookaheads).
SCALE_RE = re.compile("|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(SCALES)))

DURATIONS: list[tuple[str, float]] = [
    (r"ms|msec|millisec(?:ond)?s?|millisekunden?|ミリ秒|毫秒|밀리초", 0.001),
    (r"s|sec|secs|seconds?|sek|sekunden?|秒(?:钟|鐘|間)?|초", 1.0),
    (r"min|mins|minutes?|minuten?|分(?:钟|鐘|間)?(?![の之])|분", 60.0),  # "3分の1", "三分之一" are one third
    (r"h|hrs?|hours?|std\.?|stunden?|小时|小時|時間|시간", 3600.0),
    (r"days?|tage?n?", 86400.0),
]
SIZES: list[tuple[str, float]] = [
    (r"pib", 1024**5 / 1e9), (r"tib", 1024**4 / 1e9), (r"gib", 1024**3 / 1e9), (r"mib", 1024**2 / 1e9),
    (r"kib", 1024 / 1e9), (r"pb", 1e6), (r"tb", 1e3), (r"gb", 1.0), (r"mb", 1e-3), (r"kb", 1e-6),
]
UNIT_RE = re.compile(
    r"\s?(?:(?P<pct>%|％|percent\b|per cent\b|prozent\b|パーセント(?!タイル))"
    + "".join(f"|(?P<d{i}>(?:{p})(?![a-zA-Zäöü]))" for i, (p, _) in enumerate(DURATIONS))
    + "".join(f"|(?P<z{i}>{p}(?![a-zA-Z]))" for i, (p, _) in enumerate(SIZES))
    + r"|(?P<x>x(?![a-zA-Z])|×|倍|배(?!송|포|치|터|달|너|경)|times\b|mal\b|fold\b))",
    re.IGNORECASE,
)

# Chinese and Japanese write numbers touching the characters ("同時接続は5,000人"), so a CJK character before a
# number does not make it part of a word the way a letter does ("abc12").
CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"  # kana, Han, Hangul, full width
DIGITS = re.compile(
    r"(?<![.,])(?<!(?![" + CJK + r"])\w)(?:\d{1,3}(?:(?P<sep>[,.'’\u00a0\u202f ])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\d])"
)
RANGE_JOIN = re.compile(r"\s*(?:[–—-]|to|bis|[~〜～至到])\s*", re.IGNORECASE)
BETWEEN = re.compile(r"\b(?:between|zwischen|from|von)\s+$", re.IGNORECASE)
AND_JOIN = re.compile(r"\s+(?:and|und|to|bis)\s+", re.IGNORECASE)


def parse_digits(raw: str) -> float:
    """The value of a digit string written with any of the separators above (rule 1)."""
    text = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
    if " " in text or "'" in text:
        text = text.replace(" ", "").replace("'", "")
    has_comma, has_dot = "," in text, "." in text
    if has_comma and has_dot:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if decimal == "," else ","
        return float(text.replace(group, "").replace(decimal, "."))
    sep = "," if has_comma else "." if has_dot else ""
    if not sep:
        return float(text)
    parts = text.split(sep)
    if len(parts) > 2:
        return float(text.replace(sep, ""))
    whole, fraction = parts
    if len(fraction) == 3 and whole.strip("0") != "":
        return float(whole + fraction)
    return float(whole + "." + fraction)


@dataclass(frozen=True)
class Quantity:
    """One number (or range) found in a text, with its unit and the exact words."""

    value: float  # the low end for a range; seconds for durations, GB for sizes, percent for percentages
    high: float | None
    kind: Kind
    unit: str  # "", "%", "s", "GB", "x"
    start: int
    end: int
    text: str

    @property
    def top(self) -> float:
        return self.high if self.high is not None else self.value


def _scale_at(text: str, pos: int) -> tuple[float, int]:
    """(factor, end) of a scale word right after pos (after optional space), else (1, pos)."""
    m = re.compile(r"\s?").match(text, pos)
    at = m.end() if m else pos
    s = SCALE_RE.match(text, at) or (SCALE_RE.match(text, pos) if at != pos else None)
    if not s:
        # word scales are case-insensitive ("Mio.", "MIO", "Thousand")
        s2 = re.compile(r"(tsd\.?|tausend|thousand|mio\.?|million(?:s|en)?|mrd\.?|milliard(?:e|en)?|billion(?:s)?"
                        r"|lakh|crore)(?![a-zA-Z])", re.IGNORECASE).match(text, at)
        if not s2:
            return 1.0, pos
        word = s2.group(1).lower()
        for pattern, factor in SCALES:
            if re.fullmatch(pattern, word, re.IGNORECASE):
                return factor, s2.end()
        return 1.0, pos
    for i, (_, factor) in enumerate(SCALES):
        if s.group(f"s{i}") is not None:
            # "5 m" with a space is too often metres or minutes; only the glued form or a word counts then
            if s.start() != pos and s.group(f"s{i}") in ("m", "b", "B", "M", "k", "K"):
                return 1.0, pos
            return factor, s.end()
    return 1.0, pos


def _unit_at(text: str, pos: int) -> tuple[Kind, str, float, int]:
    m = UNIT_RE.match(text, pos)
    if not m:
        return "count", "", 1.0, pos
    if m.group("pct"):
        return "percent", "%", 1.0, m.end()
    if m.group("x"):
        return "multiplier", "x", 1.0, m.end()
    for i, (_, factor) in enumerate(DURATIONS):
        if m.group(f"d{i}"):
            return "duration", "s", factor, m.end()
    for i, (_, factor) in enumerate(SIZES):
        if m.group(f"z{i}"):
            return "size", "GB", factor, m.end()
    return "count", "", 1.0, pos


@dataclass(frozen=True)
class _Numeral:
    """One number as written, before its scale word and unit: digits, or a whole Han numeral."""

    start: int
    end: int
    value: float
    han: bool = False  # a Han numeral carries its own scale ("三千万")
    percent: bool = False  # Chinese writes a percentage before its number: "百分之九十九点九" (99.9%)


def _one(text: str, n: _Numeral) -> tuple[float, float, int]:
    """(number with its scale applied, scale factor, end) for a numeral."""
    if n.han:
        return n.value, 1.0, n.end
    factor, end = _scale_at(text, n.end)
    value = n.value * factor
    if factor in (1e4, 1e8) and (rest := _remainder(text, end, factor)):
        value, end = value + rest[0], rest[1]  # "1万2000", "1億2000万": the rest of the number after 万 or 億
    return value, factor, end


REMAINDER = re.compile(r"(\d+)(?!\d|[.,]\d)(?:\s?([千万萬만]))?")


def _remainder(text: str, pos: int, factor: float) -> tuple[float, int] | None:
    """(value, end) of the part of a number written after 万 or 億: "2000" and "2千" in "1万2000", "1万2千",
    "二千" in "1万二千", "2000万" in "1億2000万"; Korean writes a space ("1만 2000")."""
    at = pos + 1 if text[pos - 1:pos] in "만억" and text[pos:pos + 1] == " " else pos
    if m := REMAINDER.match(text, at):
        if at != pos and len(m.group(1)) < 3:
            return None  # "5만 3년 후" is 50,000 and then three years; "1만 2000명" is 12,000
        small = {"千": 1e3, "万": 1e4, "萬": 1e4, "만": 1e4}.get(m.group(2) or "", 1.0)
        value, end = float(m.group(1)) * small, m.end()
    elif (h := HAN_RUN.match(text, at)) and (han := han_numeral(h.group())) is not None:
        value, end = han, h.end()
    else:
        return None
    if not 0 < value < factor or SPAN_AFTER.match(text, end):
        return None  # "5万3年で" is 50,000 and then three years
    return value, end


SPAN_AFTER = re.compile(r"[年月日時时週周かヶヵカケ个個]|년|개월")


def _numerals(text: str) -> list[_Numeral]:
    """Digits and Han numerals in text, in order."""
    found = [_Numeral(m.start(), m.end(), parse_digits(m.group(0))) for m in DIGITS.finditer(text)]
    found += [_Numeral(m.start("n"), m.end("n"), parse_digits(m.group("n"))) for m in GLUED_METRIC.finditer(text)
              if _metric_figure(text, m.end("n"))]
    found += _han_numerals(text)
    found += [_Numeral(m.start(), m.end(), value, han=True, percent=True) for m in PERCENT_BEFORE.finditer(text)
              if (value := _digits_or_han(m.group("n"))) is not None]
    return sorted(found, key=lambda n: n.start)


def find_quantities(text: str) -> list[Quantity]:
    """Every number in text, in order, with ranges joined and units applied."""
    found: list[Quantity] = []
    numerals = _numerals(text)
    i = 0
    while i < len(numerals):
        n = numerals[i]
        low, low_factor, end = _one(text, n)
        start = n.start
        high = None
        high_factor = low_factor
        i += 1
        while i < len(numerals) and numerals[i].start < end:
            i += 1  # read with the number before ("2000" in "1万2000")
        nxt = numerals[i] if i < len(numerals) else None
        if nxt is not None:
            gap = text[end:nxt.start]
            between = BETWEEN.search(text[max(0, start - 12):start])
            if RANGE_JOIN.fullmatch(gap) or (between and AND_JOIN.fullmatch(gap)):
                high, high_factor, end = _one(text, nxt)
                if between:
                    start = start - (len(text[max(0, start - 12):start]) - between.start())
                i += 1
                while i < len(numerals) and numerals[i].start < end:
                    i += 1
        if high is not None and low_factor == 1.0 and high_factor != 1.0 and not n.han:
            low *= high_factor  # "2–3M": the scale word belongs to both
        kind, unit, unit_factor, unit_end = _unit_at(text, end) if not n.percent else ("percent", "%", 1.0, end)
        value = low * unit_factor
        top = high * unit_factor if high is not None else None
        found.append(Quantity(value, top, kind, unit, start, unit_end, text[start:unit_end].strip()))
    return found


def parse_quantity(text: str) -> Quantity | None:
    """The first quantity in a short text ("8 Tsd.", "2,5 Mio.", "99,95 %"), or None."""
    found = find_quantities(text)
    return found[0] if found else None


# Small numbers written in Han characters ("三年で三倍", "两年", "十二か月") and Korean native numbers before 배
# ("두 배", two times). Counts of any size in Han numerals ("五千人") are found by _han_numerals below.
HAN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
HAN_NUMBER = "[〇零一二两兩俩三四五六七八九十]{1,3}"
HAN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
HAN_BIG_UNITS = {"万": 1e4, "萬": 1e4, "億": 1e8, "亿": 1e8}
HAN_RUN = re.compile("[〇零一二两兩三四五六七八九十百千万萬億亿]+")
# Characters a Han count may stand before: counters ("人", "台", "次"…) and units. "千万" before any other Han
# character is Chinese for "by all means" ("千万不要…"), not ten million.
HAN_COUNTERS = "人名台件回次个個社家户戶条條笔筆位万萬億亿倍秒分小時时毫ミ"


def han_numeral(text: str) -> float | None:
    """The value of a Han numeral: "五千" 5000, "三千五百" 3500, "一亿五千万" 1.5e8, "两千五" 2500, "一千零五" 1005,
    "二〇二八" 2028 (digits one by one); None if the characters are no number ("十十", "万")."""
    if not text:
        return None
    if all(c in HAN_DIGITS for c in text):
        if len(text) == 1:
            return float(HAN_DIGITS[text])
        if any(c in "两兩俩" for c in text):
            return None
        return float("".join(str(HAN_DIGITS[c]) for c in text))
    total = section = 0.0
    digit: int | None = None
    smaller_than, bigger_than, last_unit = 1e4, 1e16, 1.0
    for c in text:
        if c in HAN_DIGITS:
            value = HAN_DIGITS[c]
            if digit is not None:
                return None  # two digits in a row inside a number with units ("二二百")
            if value == 0:
                last_unit = 1.0  # 零 fills a gap: "一千零五" is 1005
                continue
            digit = value
        elif c in HAN_SMALL_UNITS:
            unit = HAN_SMALL_UNITS[c]
            if unit >= smaller_than:
                return None  # "十百"
            section += (digit if digit is not None else 1) * unit
            digit, smaller_than, last_unit = None, unit, unit
        else:
            big = HAN_BIG_UNITS[c]
            if big >= bigger_than or (section == 0 and digit is None):
                return None
            total += (section + (digit or 0)) * big
            section, digit, smaller_than, bigger_than, last_unit = 0.0, None, 1e4, big, big
    if digit is not None:
        # a last digit right after a unit is one step below it: "两千五" 2500, "一万五" 15000, "十五" 15
        section += digit * (last_unit / 10 if last_unit >= 100 else 1)
    return total + section


HAN_DECIMAL = re.compile(r"[点點](?P<d>[〇零一二三四五六七八九]+)(?P<big>[万萬億亿])?")
PERCENT_BEFORE = re.compile(r"百分之(?P<n>\d+(?:\.\d+)?|[〇零一二两兩三四五六七八九十百]+(?:[点點][〇零一二三四五六七八九]+)?)")


def _digits_or_han(raw: str) -> float | None:
    """"99.9", "九十九点九" or "五": the number after 百分之."""
    if raw[:1].isdigit():
        return float(raw)
    whole, _, decimals = raw.replace("點", "点").partition("点")
    value = han_numeral(whole)
    return None if value is None else value + _han_fraction(decimals)


def _han_fraction(digits: str) -> float:
    """"五" after 点 is 0.5, "九五" 0.95."""
    return float("0." + "".join(str(HAN_DIGITS[c]) for c in digits)) if digits else 0.0


# Set phrases made of numerals that count nothing: "十万火急" (most urgent), "一分一秒" (every second counts),
# "千差万別" (all different), "万无一失" (foolproof)…
HAN_IDIOMS = re.compile("十万火急|一分一秒|千差万別|千差万别|千變萬化|千变万化|千載一遇|万无一失|萬無一失|一石二鳥|一石二鸟|"
                        "十人十色|百発百中|百发百中|一期一会|九死一生|三日坊主|一五一十|五花八门|五花八門|七上八下|"
                        "四面八方|一心一意|一朝一夕|三三五五|千千万万|一举两得|一舉兩得")


def _han_numerals(text: str) -> list[_Numeral]:
    """Han numerals that are figures. A bare digit ("一部", "一人") or "十" is read only with a unit after it
    ("三倍", "五秒"); "十分" without 钟/間 is "enough" or "very"; a numeral after 第 (an ordinal) or 数/幾/几/何
    ("数十万", several hundred thousand) or before 数 ("十数人", a dozen or so) is no exact figure; digits one by one
    ("二〇二八") need a 〇 or four digits ("二三日" is two or three days)."""
    out: list[_Numeral] = []
    idioms = [i.span() for i in HAN_IDIOMS.finditer(text)]
    for m in HAN_RUN.finditer(text):
        numeral = m.group().lstrip("万萬億亿")  # "万一" (just in case), "万人" (everyone)
        start, end = m.end() - len(numeral), m.end()
        if any(a < end and start < b for a, b in idioms):
            continue
        value = han_numeral(numeral)
        if value is None or text[start - 1:start] == "第" or text[end:end + 1] in tuple("数數几幾") \
                or (text[start - 1:start] in tuple("数數幾几何") and numeral[0] in HAN_SMALL_UNITS):
            continue  # "用户数一百万" is the number of users: 数 only makes "several" before 十, 百 or 千
        if (d := HAN_DECIMAL.match(text, end)) and m.group() == numeral and not set(numeral) & set(HAN_BIG_UNITS):
            # "一点五万" (1.5万), "九十九点九": a decimal point written 点 ("一点点", a little, has no digit after it)
            value = (value + _han_fraction(d.group("d"))) * HAN_BIG_UNITS.get(d.group("big") or "", 1.0)
            out.append(_Numeral(start, d.end(), value, han=True))
            continue
        following = text[end:end + 1]
        if all(c in HAN_DIGITS for c in numeral):
            if len(numeral) == 1:
                if _unit_at(text, end)[0] == "count":
                    continue
            elif numeral[0] in "〇零" or not ({"〇", "零"} & set(numeral) or len(numeral) >= 4):
                continue
        elif numeral == "十":
            if _unit_at(text, end)[0] == "count" or (following == "分" and text[end + 1:end + 2] not in tuple("钟鐘間间")):
                continue
        elif numeral[0] in HAN_SMALL_UNITS and len(numeral) == 1:
            continue  # "千葉", "百貨店"
        elif numeral == "千万" and re.match(r"[\u3400-\u9fff]", following) and following not in HAN_COUNTERS:
            continue
        out.append(_Numeral(start, end, value, han=True))
    return out


# A known metric name glued to its figure in Chinese and Japanese briefs ("RPO5分", "SLA99.9%", "DAU50万"); other
# letters before a digit make a name ("EC2", "S3", "HTTP2", "Python3").
GLUED_METRIC = re.compile(r"(?<![A-Za-z])(?:RPO|RTO|SLA|SLO|QPS|TPS|RPS|DAU|MAU|WAU|CCU|PCU|PV|UV)"
                          r"(?P<n>\d+(?:[.,]\d+)?)(?![\d])")


def _metric_figure(text: str, end: int) -> bool:
    """The digits after a metric name are a figure: a unit or scale follows, or no Latin letter does."""
    return not re.match(r"[A-Za-z]", text[end:end + 1]) or _unit_at(text, end)[0] != "count" \
        or _scale_at(text, end)[0] != 1.0


KOREAN_NATIVE = {"한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10}


def han_number(text: str) -> int | None:
    """The value of a small Han numeral (up to 99): "三" 3, "十二" 12, "二十" 20, "两" 2; None if it is not one."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones:
            return None
        high = HAN_DIGITS.get(tens, -1) if tens else 1
        low = HAN_DIGITS.get(ones, -1) if ones else 0
        return high * 10 + low if high > 0 and low >= 0 else None
    return HAN_DIGITS.get(text) if len(text) == 1 else None


def small_number(raw: str) -> float | None:
    """A number written in digits (any script's), Han numerals, or the English and German words below."""
    raw = raw.strip().lower()
    if raw[:1].isdigit():
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            return None
    value = han_number(raw)
    if value is None:
        value = WORD_NUMBERS.get(raw, KOREAN_NATIVE.get(raw))
    return float(value) if value is not None else None


WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "twelve": 12, "a": 1, "an": 1, "eins": 1, "ein": 1, "einem": 1, "zwei": 2, "drei": 3,
                "vier": 4, "fünf": 5, "sechs": 6, "zehn": 10, "zwölf": 12, "einen": 1, "einer": 1, "eighteen": 18,
                "twenty-four": 24, "thirty-six": 36, "achtzehn": 18, "vierundzwanzig": 24, "sechsunddreißig": 36}
