"""Numbers as people write them: separators, scale words in three languages, ranges, percentages, units."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specchain.facts.numbers import find_quantities, parse_digits, parse_quantity


@pytest.mark.parametrize(("text", "value"), [
    ("8,000", 8000), ("8.000", 8000), ("8 000", 8000), ("8\u202f000", 8000), ("8'000", 8000), ("8k", 8000),
    ("8K", 8000), ("8 Tsd.", 8000), ("8 tausend", 8000), ("8 thousand", 8000), ("2,5 Mio.", 2_500_000),
    ("2.5M", 2_500_000), ("2.5m", 2_500_000), ("2.5 million", 2_500_000), ("2,5 Millionen", 2_500_000),
    ("3 Mrd.", 3e9), ("1.2 billion", 1.2e9), ("1.2bn", 1.2e9), ("8千", 8000), ("1万", 10_000), ("2.5億", 2.5e8),
    ("3,5 Mio.", 3_500_000), ("1.500", 1500), ("1,500", 1500), ("1.234.567", 1_234_567), ("1,234,567", 1_234_567),
    ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("2,5", 2.5), ("0.250", 0.25), ("12.5k", 12_500), ("1,2 Mrd", 1.2e9),
])
def test_counts_as_people_write_them(text: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and q.kind == "count"
    assert q.value == pytest.approx(value)
    assert q.text == text.strip()


@pytest.mark.parametrize(("text", "low", "high"), [
    ("50–250", 50, 250), ("50-250", 50, 250), ("50 to 250", 50, 250), ("50 bis 250", 50, 250),
    ("between 1,000 and 5,000", 1000, 5000), ("zwischen 1.000 und 5.000", 1000, 5000),
    ("1,000–5,000 in year 3", 1000, 5000), ("2–3M", 2e6, 3e6),
])
def test_ranges(text: str, low: float, high: float) -> None:
    q = find_quantities(text)[0]
    assert (q.value, q.high) == (pytest.approx(low), pytest.approx(high))


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("99,95 %", "percent", 99.95), ("99.95%", "percent", 99.95), ("99.9 percent", "percent", 99.9),
    ("99,9 Prozent", "percent", 99.9),
    ("500 ms", "duration", 0.5), ("500ms", "duration", 0.5), ("2 s", "duration", 2), ("2 sec", "duration", 2),
    ("2 seconds", "duration", 2), ("3 Sekunden", "duration", 3), ("1 min", "duration", 60),
    ("30 minutes", "duration", 1800), ("30 Minuten", "duration", 1800), ("2 h", "duration", 7200),
    ("2 hours", "duration", 7200), ("2 Stunden", "duration", 7200),
    ("4 TB", "size", 4000), ("150 GB", "size", 150), ("512 MB", "size", 0.512), ("10 GiB", "size", 10 * 1.073741824),
    ("2 PB", "size", 2e6), ("3x", "multiplier", 3), ("5 times", "multiplier", 5),
])
def test_units(text: str, kind: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and q.kind == kind and q.value == pytest.approx(value)


def test_names_with_digits_and_times_keep_their_own_numbers() -> None:
    # "4G" and "19c" are names: the reader (read.py) ignores them; here they are just digits, never scaled
    assert [q.value for q in find_quantities("on a 4G phone")] == [4]
    assert [q.value for q in find_quantities("Oracle 19c")] == [19]
    assert find_quantities("500 MB")[0].kind == "size"  # "M" before "B" is megabytes, not million


# ---- properties over formats ------------------------------------------------------------------------------------
GROUPINGS = {"en": ",", "de": ".", "space": " ", "thin": "\u202f", "swiss": "'"}


def group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1000, max_value=999_999_999_999), st.sampled_from(sorted(GROUPINGS)))
def test_any_grouped_integer_reads_back(n: int, style: str) -> None:
    """The rule: one kind of separator before groups of exactly three digits is a thousands separator."""
    text = group(n, GROUPINGS[style])
    assert parse_digits(text) == n
    q = parse_quantity(f"about {text} users")
    assert q is not None and q.value == n and q.text == text


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=0, max_value=999), st.integers(min_value=1, max_value=99), st.sampled_from([",", "."]))
def test_a_decimal_with_one_or_two_fraction_digits_is_a_decimal(whole: int, fraction: int, mark: str) -> None:
    digits = f"{fraction:02d}" if fraction >= 10 else str(fraction)
    text = f"{whole}{mark}{digits}"
    assert parse_digits(text) == pytest.approx(float(f"{whole}.{digits}"))


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1000, max_value=9_999_999), st.integers(min_value=0, max_value=99),
       st.sampled_from([(",", "."), (".", ",")]))
def test_grouping_and_decimal_mark_together(n: int, cents: int, marks: tuple[str, str]) -> None:
    group_mark, decimal_mark = marks
    text = group(n, group_mark) + decimal_mark + f"{cents:02d}"
    assert parse_digits(text) == pytest.approx(n + cents / 100)


SCALES = [("k", 1e3), (" Tsd.", 1e3), (" thousand", 1e3), ("M", 1e6), (" Mio.", 1e6), (" million", 1e6),
          (" Millionen", 1e6), (" Mrd.", 1e9), (" billion", 1e9), ("bn", 1e9), ("千", 1e3), ("万", 1e4), ("億", 1e8)]


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9), st.sampled_from(SCALES),
       st.sampled_from([",", "."]))
def test_scale_words(whole: int, tenth: int, scale: tuple[str, float], mark: str) -> None:
    word, factor = scale
    text = f"{whole}{mark}{tenth}{word}"
    q = parse_quantity(text + " users")
    assert q is not None and q.value == pytest.approx((whole + tenth / 10) * factor)


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**6),
       st.sampled_from(["{a}–{b}", "{a}-{b}", "{a} to {b}", "between {a} and {b}", "zwischen {a} und {b}"]),
       st.sampled_from(["en", "de"]))
def test_ranges_in_any_format(a: int, b: int, pattern: str, style: str) -> None:
    low, high = sorted((a, b))
    fmt = (lambda n: group(n, GROUPINGS[style])) if low >= 1000 else str
    text = pattern.format(a=fmt(low) if low >= 1000 else low, b=group(high, GROUPINGS[style]) if high >= 1000 else high)
    q = find_quantities(f"{text} concurrent users")[0]
    assert (q.value, q.high) == (low, high)


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=900, max_value=9999), st.sampled_from([",", "."]), st.sampled_from(["%", " %", " percent"]))
def test_percentages_with_comma_or_dot_and_space(hundredths: int, mark: str, sign: str) -> None:
    value = hundredths / 100  # 9.00 … 99.99
    text = f"{int(value)}{mark}{hundredths % 100:02d}{sign}"
    q = parse_quantity(text)
    assert q is not None and q.kind == "percent" and q.value == pytest.approx(value)


UNITS = [("ms", 0.001), (" ms", 0.001), (" milliseconds", 0.001), ("s", 1), (" sec", 1), (" seconds", 1),
         (" Sekunden", 1), (" min", 60), (" minutes", 60), (" Minuten", 60), ("h", 3600), (" hours", 3600),
         (" Stunden", 3600), (" KB", 1e-6), (" MB", 1e-3), (" GB", 1), (" TB", 1e3), (" GiB", 1.073741824)]


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1, max_value=999), st.sampled_from(UNITS))
def test_durations_and_sizes_in_any_common_unit(n: int, unit: tuple[str, float]) -> None:
    word, factor = unit
    q = parse_quantity(f"{n}{word}")
    assert q is not None and q.value == pytest.approx(n * factor)


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.text(alphabet="0123456789 ,.%-–kKMmsxTBbGiu万億千", max_size=40))
def test_spans_are_the_words_they_came_from(text: str) -> None:
    for q in find_quantities(text):
        assert text[q.start:q.end].strip() == q.text
        assert q.high is None or q.high >= 0


# ---- Chinese and Japanese: numbers touch the characters, no spaces ------------------------------------------------
CJK_WORDS = ["同時接続は", "人", "月活用户", "约", "約", "、", "，", "。", "以内", "稼働率", "件"]


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1, max_value=999_999), st.sampled_from(CJK_WORDS), st.sampled_from(CJK_WORDS))
def test_a_number_touching_cjk_characters_is_read(n: int, before: str, after: str) -> None:
    text = f"{before}{n:,}{after}"
    found = find_quantities(text)
    assert [q.value for q in found] == [n]
    assert text[found[0].start:found[0].end].strip() == found[0].text


@pytest.mark.parametrize("text,kind,value", [
    ("約10万人", "count", 100_000), ("50万件", "count", 500_000), ("300ミリ秒以内", "duration", 0.3),
    ("300毫秒", "duration", 0.3), ("2秒以内", "duration", 2), ("30分以内", "duration", 1800),
    ("99.95%。", "percent", 99.95), ("99.9％", "percent", 99.9), ("3倍に成長", "multiplier", 3),
    ("データ量は3TB", "size", 3000),
])
def test_cjk_units_and_scales(text: str, kind: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and q.kind == kind and q.value == pytest.approx(value)


def test_a_number_glued_to_latin_letters_is_still_part_of_a_word() -> None:
    assert find_quantities("abc12") == []
