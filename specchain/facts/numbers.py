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
    (r"s|sec|secs|seconds?|sek|sekunden?|秒(?:钟|間)?|초", 1.0),
    (r"min|mins|minutes?|minuten?|分(?:钟|間)?|분", 60.0),
    (r"h|hrs?|hours?|std\.?|stunden?|小时|時間|시간", 3600.0),
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
RANGE_JOIN = re.compile(r"\s*(?:[–—-]|to|bis|~)\s*", re.IGNORECASE)
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


def _one(text: str, m: re.Match[str]) -> tuple[float, float, int]:
    """(number, scale factor, end) for a digit match at m."""
    value = parse_digits(m.group(0))
    factor, end = _scale_at(text, m.end())
    return value, factor, end


def find_quantities(text: str) -> list[Quantity]:
    """Every number in text, in order, with ranges joined and units applied."""
    found: list[Quantity] = []
    matches = list(DIGITS.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        low, low_factor, end = _one(text, m)
        start = m.start()
        high = None
        high_factor = low_factor
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        if nxt is not None:
            gap = text[end:nxt.start()]
            between = BETWEEN.search(text[max(0, start - 12):start])
            if RANGE_JOIN.fullmatch(gap) or (between and AND_JOIN.fullmatch(gap)):
                high, high_factor, end = _one(text, nxt)
                if between:
                    start = start - (len(text[max(0, start - 12):start]) - between.start())
                i += 1
        if high is not None and low_factor == 1.0 and high_factor != 1.0:
            low_factor = high_factor  # "2–3M": the scale word belongs to both
        kind, unit, unit_factor, unit_end = _unit_at(text, end)
        value = low * low_factor * unit_factor
        top = high * high_factor * unit_factor if high is not None else None
        found.append(Quantity(value, top, kind, unit, start, unit_end, text[start:unit_end].strip()))
        i += 1
    return found


def parse_quantity(text: str) -> Quantity | None:
    """The first quantity in a short text ("8 Tsd.", "2,5 Mio.", "99,95 %"), or None."""
    found = find_quantities(text)
    return found[0] if found else None


# Small numbers written in Han characters ("三年で三倍", "两年", "十二か月") and Korean native numbers before 배
# ("두 배", two times). Larger counts in Han numerals ("五千人") are not read: a lone 一 is too often a word ("一部").
HAN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
HAN_NUMBER = "[〇零一二两兩俩三四五六七八九十]{1,3}"
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
