"""Figures written in Han numerals (Chinese and Japanese), metric names glued to their figure ("RPO5分"), and
upper bounds on speed written in Japanese or Chinese."""

from __future__ import annotations

import pytest

from specchain.facts.model import Facts
from specchain.facts.numbers import find_quantities, parse_quantity
from specchain.facts.read import read_facts

LOAD, PERF, GROWTH = "expected_load", "performance_requirements", "growth_projections"


def facts(**values: str) -> Facts:
    return read_facts({"app_name": "Acme", **values})


# ---- numbers ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value"), [
    ("五千", 5000), ("二万", 20_000), ("三千万", 30_000_000), ("一百万", 1_000_000), ("三千五百", 3500),
    ("十万", 100_000), ("两千", 2000), ("兩千", 2000), ("一万二千", 12_000), ("一萬二千", 12_000), ("三億", 3e8),
    ("一亿五千万", 150_000_000), ("一億二千万", 120_000_000), ("百万", 1_000_000), ("千二百", 1200),
    ("二十五", 25), ("一千零五", 1005), ("两千五", 2500), ("一万五", 15_000), ("三十", 30), ("二〇二八", 2028),
    ("二零二八", 2028), ("一五〇〇", 1500), ("五十万", 500_000), ("兩百萬", 2_000_000),
    # Arabic digits mixed with Han scale words
    ("3千", 3000), ("1.5万", 15_000), ("1万2000", 12_000), ("1万2千", 12_000), ("1億2000万", 120_000_000),
    ("1萬2000", 12_000), ("2亿3000万", 230_000_000),
])
def test_han_numerals_are_read_as_the_same_numbers(text: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and q.kind == "count"
    assert q.value == pytest.approx(value)
    assert q.text == text  # the whole numeral is the figure's words, nothing left over as a second figure
    assert len(find_quantities(text)) == 1


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("三十秒", "duration", 30), ("五百ミリ秒", "duration", 0.5), ("三十分", "duration", 1800),
    ("十分間", "duration", 600), ("十分钟", "duration", 600), ("两百毫秒", "duration", 0.2), ("三倍", "multiplier", 3),
    ("二時間", "duration", 7200), ("五秒", "duration", 5),
])
def test_han_numerals_take_their_unit(text: str, kind: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and (q.kind, q.value, q.text) == (kind, pytest.approx(value), text)


def test_the_span_of_a_han_figure_points_at_the_original_text() -> None:
    text = "日次アクティブユーザー五千人、ピーク時は二万人"
    found = find_quantities(text)
    assert [(q.text, q.value) for q in found] == [("五千", 5000), ("二万", 20_000)]
    assert all(text[q.start:q.end] == q.text for q in found)


@pytest.mark.parametrize("text", [
    "一部のユーザー", "一般ユーザー向け", "万一の障害に備える", "千葉のデータセンター", "十分な性能が必要", "性能十分重要",
    "一度にアクセス", "統一された画面", "第一段階", "数十万人規模", "十数人のチーム", "二三日かかる", "一人ひとり",
    "百貨店のサイト", "千差万別", "一つの画面", "一定の負荷", "唯一の要件", "一般用户", "万一出现故障", "一次性导入",
    "一人でも使える", "十人十色",
])
def test_ordinary_words_with_numeral_characters_are_no_figures(text: str) -> None:
    assert find_quantities(text) == []
    f = facts(expected_load=text)
    assert [x.key for x in f.facts if x.key != "app.name"] == [] and f.unread == ()


# ---- briefs ---------------------------------------------------------------------------------------------------------
def test_a_japanese_load_in_han_numerals() -> None:
    f = facts(expected_load="日次アクティブユーザー五千人、ピーク時は二万人")
    assert f.number("users.daily_active") == 5000
    assert f.number("users.concurrent") == 20_000
    assert f.get("users.concurrent").quote == "日次アクティブユーザー五千人、ピーク時は二万人"  # type: ignore[union-attr]
    assert f.unread == ()


@pytest.mark.parametrize(("text", "key", "value"), [
    ("每天有三千万次请求", "load.per_day", 30_000_000),
    ("用户数一百万", "users.registered", 1_000_000),
    ("用戶數兩百萬", "users.registered", 2_000_000),
    ("ピーク時は三千五百人", "users.concurrent", 3500),
    ("同时在线用户一万二千", "users.concurrent", 12_000),
    ("同時在線用戶兩萬", "users.concurrent", 20_000),
    ("同時接続3千人", "users.concurrent", 3000),
    ("登録ユーザー1.5万人", "users.registered", 15_000),
    ("1万2000人が同時接続", "users.concurrent", 12_000),
    ("同時接続は1万2千人", "users.concurrent", 12_000),
    ("月間アクティブユーザー五十万人", "users.monthly_active", 500_000),
])
def test_counts_in_han_numerals_or_mixed_are_read_like_digits(text: str, key: str, value: float) -> None:
    f = facts(expected_load=text)
    assert f.number(key) == value
    assert f.get(key).quote == text  # type: ignore[union-attr]
    assert [x.key for x in f.facts if x.key != "app.name"] == [key]


def test_a_japanese_range_with_a_wave_dash_is_one_range() -> None:
    for text in ("同時接続5,000〜8,000人", "同時接続五千～八千人", "同时在线五千至八千人"):
        f = facts(expected_load=text)
        assert (f.number("users.concurrent"), f.get("users.concurrent").high) == (5000, 8000)  # type: ignore[union-attr]
        assert f.get("users.registered") is None


@pytest.mark.parametrize("text", ["二〇二八年までにユーザー数を三倍に", "二零二八年用户增长三倍", "二〇二八年にサービス開始"])
def test_a_year_in_han_numerals_is_no_count(text: str) -> None:
    f = facts(growth_projections=text)
    assert not any(x.number == 2028 for x in f.facts)
    assert f.starting("users.") == [] and f.starting("target.") == [] and f.unread == ()


def test_a_growth_multiplier_in_han_numerals_is_still_growth() -> None:
    f = facts(expected_load="同時接続二千人", growth_projections="三年で三倍")
    assert (f.number("users.concurrent"), f.number("growth.traffic.3y")) == (2000, 3)
    assert f.unread == ()


# ---- metric names glued to their figure -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "rpo", "rto"), [
    ("RPO5分、RTO30分", 5, 30), ("RPO 5分、RTO30分", 5, 30), ("RPO5分钟，RTO30分钟", 5, 30),
    ("RPO15min, RTO1h", 15, 60), ("RTO1時間、RPO0分", 0, 60),
])
def test_recovery_objectives_glued_to_their_figure(text: str, rpo: float, rto: float) -> None:
    f = facts(performance_requirements=text)
    assert (f.number("rpo"), f.number("rto")) == (rpo, rto)
    assert f.unread == ()


def test_an_availability_glued_to_sla_is_read() -> None:
    assert facts(performance_requirements="SLA99.9%").number("availability") == 99.9


@pytest.mark.parametrize(("text", "value"), [("DAU50万", 500_000), ("日活DAU100万", 1_000_000)])
def test_daily_active_users_glued_to_dau(text: str, value: float) -> None:
    assert facts(expected_load=text).number("users.daily_active") == value


@pytest.mark.parametrize("text", ["EC2で運用", "S3に保存", "HTTP2で通信", "Python3で実装", "m5.largeを使用", "EC2インスタンス",
                                  "S3バケット", "IPv6対応", "MP4動画", "RPOX2"])
def test_names_with_a_digit_stay_names(text: str) -> None:
    assert find_quantities(text) == []


# ---- upper bounds on speed ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["API応答は最大500ミリ秒", "API响应不超过500毫秒", "API响应最多500毫秒", "API応答は500ミリ秒を超えないこと",
                                  "API响应不得超过500毫秒", "API応答は最長500ミリ秒", "API應答不超過500毫秒",
                                  "API応答は最大でも500ミリ秒", "API响应以500毫秒为上限"])
def test_an_upper_bound_in_japanese_or_chinese_is_a_never_slower_than(text: str) -> None:
    f = facts(performance_requirements=text)
    assert f.number("latency.api.max") == 500
    assert f.get("latency.api.target") is None


@pytest.mark.parametrize("text", ["API応答は500ミリ秒以内", "API响应在500毫秒以内", "API応答は500ミリ秒以下"])
def test_within_stays_a_target_as_in_english(text: str) -> None:
    # "within 500 ms" / "under 500 ms" is a target in English too; only "at most"/"maximum"/"never" is a hard bound
    f = facts(performance_requirements=text)
    assert f.number("latency.api.target") == 500


# ---- more forms: decimals, percentages written first, fractions, Korean spacing, words ---------------------------
@pytest.mark.parametrize(("text", "kind", "value"), [
    ("一点五万", "count", 15_000), ("九十九点九%", "percent", 99.9), ("百分之九十九点九", "percent", 99.9),
    ("百分之99.95", "percent", 99.95), ("百分之五十", "percent", 50), ("两点五秒", "duration", 2.5),
    ("1만 2000", "count", 12_000), ("1万2000 人", "count", 12_000),
])
def test_decimals_and_chinese_percentages(text: str, kind: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and (q.kind, q.value) == (kind, pytest.approx(value))
    assert len(find_quantities(text)) == 1


@pytest.mark.parametrize("text", ["千万不要超时", "十万火急の対応", "〇〇株式会社", "快一点", "三分の一のユーザー", "三分之一的用户",
                                  "一分一秒を争う"])
def test_idioms_and_fractions_are_no_figures(text: str) -> None:
    assert [q for q in find_quantities(text) if q.kind != "count" or q.value > 1] == []
    assert facts(expected_load=text, performance_requirements=text).starting("latency.") == []


def test_a_fraction_with_digits_is_no_duration() -> None:
    assert parse_quantity("3分の1").kind == "count"  # type: ignore[union-attr]
    assert parse_quantity("3分").kind == "duration"  # type: ignore[union-attr]


def test_korean_writes_a_space_inside_a_number_but_not_before_a_span() -> None:
    assert [q.value for q in find_quantities("5만 3년 후")] == [50_000, 3]
    f = facts(expected_load="동시 접속 1만 2000명")
    assert f.number("users.concurrent") == 12_000


def test_an_availability_written_the_chinese_way() -> None:
    assert facts(performance_requirements="系统可用性达到百分之九十九点九").number("availability") == 99.9


def test_requests_per_second_glued_to_qps() -> None:
    for text in ("峰值QPS5000", "峰值QPS 5000", "ピーク時TPS2000"):
        f = facts(expected_load=text)
        assert f.number("load.requests_per_second") == float(text[-4:]) and f.unread == ()


def test_a_stated_percentile_wins_over_an_upper_bound_word() -> None:
    f = facts(performance_requirements="API応答は95パーセンタイルで最大300ミリ秒")
    assert f.number("latency.api.p95") == 300 and f.get("latency.api.max") is None


def test_an_upper_bound_word_before_a_count_does_not_make_a_latency_a_hard_bound() -> None:
    f = facts(performance_requirements="最大同時接続5000人、API応答300ミリ秒以内")
    assert f.number("latency.api.target") == 300


def test_a_calendar_year_in_han_numerals_does_not_hide_the_span_after_it() -> None:
    for text in ("二〇二〇年から三年で三倍", "二零二零年起三年内增长三倍"):
        f = facts(growth_projections=text)
        assert [g.key for g in f.starting("growth.")] == ["growth.traffic.3y"] and f.number("growth.traffic.3y") == 3


def test_a_brief_in_han_numerals_reads_like_the_same_brief_in_digits() -> None:
    han = facts(expected_load="同時接続は二千五百人、一日あたり五十万件の注文", performance_requirements="RPO5分、RTO三十分",
                growth_projections="三年後に同時接続三万人")
    digits = facts(expected_load="同時接続は2,500人、一日あたり50万件の注文", performance_requirements="RPO 5分、RTO 30分",
                   growth_projections="3年後に同時接続3万人")
    assert [(f.key, f.value, f.high) for f in han.facts] == [(f.key, f.value, f.high) for f in digits.facts]
    assert han.unread == digits.unread == ()


def test_a_span_right_after_man_is_no_part_of_the_number() -> None:
    assert [q.value for q in find_quantities("現在5万3年後15万")] == [50_000, 3, 150_000]
    assert [q.value for q in find_quantities("5万三年で")] == [50_000]
    f = facts(expected_load="同時接続5万", growth_projections="同時接続は現在5万3年後15万")
    assert f.number("users.concurrent") == 50_000
