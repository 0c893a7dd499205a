"""Briefs in Japanese, Chinese, Korean and German: names glued to other scripts, and growth over the period it is
stated for (never silently over one year)."""

from __future__ import annotations

import pytest

from specchain.facts.capacity import capacity
from specchain.facts.model import Facts
from specchain.facts.numbers import han_number, parse_quantity
from specchain.facts.read import read_facts

STACK, GROWTH, LOAD, PERF = "technical_stack", "growth_projections", "expected_load", "performance_requirements"


def facts(**values: str) -> Facts:
    return read_facts({"app_name": "Acme", **values})


# ---- names glued to Japanese, Chinese and Korean, and German compounds -------------------------------------------
@pytest.mark.parametrize("stack", [
    "AWS東京リージョンで、PostgreSQLとRedis、Kubernetes上で稼働。GDPR準拠。",
    "部署在AWS上，使用PostgreSQL和Redis，运行在Kubernetes上，符合GDPR。",
    "AWS서울리전, PostgreSQL과Redis, Kubernetes에서 운영, GDPR준수.",
    "AWS-Region Frankfurt, Postgres-Datenbank, Redis-Cache, Kubernetes-Cluster, GDPR-konform.",
])
def test_a_name_glued_to_another_script_or_a_german_compound_is_read(stack: str) -> None:
    f = facts(technical_stack=stack)
    assert f.text("platform.provider") == "AWS"
    assert f.text("stack.database") == "PostgreSQL"
    assert f.text("stack.cache") == "Redis"
    assert f.text("platform.orchestrator") == "Kubernetes"
    assert f.text("regulations") == "GDPR"


@pytest.mark.parametrize(("stack", "key", "name"), [
    ("MySQLデータベース", "stack.database", "MySQL"), ("Oracle数据库", "stack.database", "Oracle"),
    ("Java와Spring", "stack.languages", "Java"), ("Goで実装", "stack.languages", "Go"),
    ("GCP上で運用", "platform.provider", "Google Cloud"), ("Vueで画面", "stack.frontend", "Vue"),
    ("SQS를 큐로", "stack.queue", "SQS"), ("HIPAA対応、PCI DSS準拠", "regulations", "HIPAA, PCI DSS"),
    ("Java-Anwendung auf Azure-VMs", "platform.provider", "Azure"),
])
def test_names_that_need_a_word_boundary_find_one_at_a_change_of_script(stack: str, key: str, name: str) -> None:
    assert facts(technical_stack=stack).text(key) == name


def test_a_refused_product_glued_to_japanese_is_still_refused_in_english_words() -> None:
    f = facts(technical_stack="No MySQL; PostgreSQLを使用")
    assert f.text("stack.database") == "PostgreSQL"


def test_a_latin_word_containing_a_name_is_still_no_name() -> None:
    # the boundary is a change of script, not any character: "Javascript" is no Java, "Goal" no Go, "awsome" no AWS
    f = facts(technical_stack="Javascriptで書いたGoalトラッカー、awsomeなUI")
    assert f.text("stack.languages") != "Java" and f.text("platform.provider") is None


def test_keywords_glued_to_japanese_name_their_figures() -> None:
    f = facts(performance_requirements="RTOは30分、RPOは5分、SLAは99.9%")
    assert (f.number("rto"), f.number("rpo"), f.number("availability")) == (30, 5, 99.9)


def test_where_the_data_is_when_written_in_japanese_chinese_or_korean() -> None:
    assert facts(technical_stack="データは日本国内に保存").text("platform.geography") == "JP"
    assert facts(technical_stack="数据必须留在欧洲").text("platform.geography") == "EU"
    assert facts(technical_stack="미국 리전").text("platform.geography") == "US"


# ---- growth keeps its period ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "key", "multiplier"), [
    ("3年で3倍", "growth.traffic.3y", 3), ("3年間でユーザー数3倍", "growth.users.3y", 3),
    ("三年で三倍", "growth.traffic.3y", 3), ("三年内增长到3倍", "growth.traffic.3y", 3),
    ("3年后翻一番", "growth.traffic.3y", 2), ("三年内用户翻两番", "growth.users.3y", 4),
    ("18か月で2倍", "growth.traffic.18m", 2), ("18个月内翻一番", "growth.traffic.18m", 2),
    ("1年半で2倍", "growth.traffic.18m", 2), ("半年で1.5倍", "growth.traffic.6m", 1.5),
    ("5年で10倍", "growth.traffic.5y", 10), ("十二か月で二倍", "growth.traffic.1y", 2),
    ("3년 안에 3배", "growth.traffic.3y", 3), ("3년 후 두 배", "growth.traffic.3y", 2),
    ("24개월 안에 사용자 2배", "growth.users.2y", 2),
    ("in drei Jahren verdreifachen", "growth.traffic.3y", 3),
    ("Die Nutzerzahl verdoppelt sich innerhalb von 24 Monaten", "growth.users.2y", 2),
    ("Verdoppelung alle zwei Jahre", "growth.traffic.2y", 2),
    ("triple over three years", "growth.traffic.3y", 3), ("3x in 36 months", "growth.traffic.3y", 3),
    ("doubling every 18 months", "growth.traffic.18m", 2), ("3xの成長を3年で", "growth.traffic.3y", 3),
    ("10x in a decade", "growth.traffic.10y", 10), ("2x in two quarters", "growth.traffic.6m", 2),
    ("3x in half a year", "growth.traffic.6m", 3), ("2x in a year and a half", "growth.traffic.18m", 2),
    ("doubles in eighteen months", "growth.traffic.18m", 2),
    ("in einem halben Jahr verdoppeln", "growth.traffic.6m", 2),
    ("Verdopplung innerhalb von anderthalb Jahren", "growth.traffic.18m", 2),
    ("Nutzer: bis Jahr 3 das Dreifache", "growth.users.3y", 3),
    ("Traffic wächst jährlich um das Doppelte", "growth.traffic.1y", 2),
    # a calendar year is no "year 2", and no period either: the reader never counts from today's date
    ("Die Last verdoppelt sich im Jahr 2027", "growth.target.traffic", 2),
    ("users double every year for three years", "growth.users.1y", 2),  # a rate per year, over three years
    ("三年内用户增长一倍", "growth.users.3y", 2),  # "grows by one times" is Chinese for doubling
])
def test_growth_keeps_the_period_it_is_stated_for(text: str, key: str, multiplier: float) -> None:
    f = facts(growth_projections=text)
    assert [g.key for g in f.starting("growth.")] == [key]
    assert f.number(key) == multiplier
    assert f.unread == ()


@pytest.mark.parametrize("text", ["毎年3倍に成長", "每年增长3倍", "매년 3배 성장", "来年は3倍", "明年增长到3倍", "내년 3배"])
def test_every_year_and_next_year_are_one_year(text: str) -> None:
    assert facts(growth_projections=text).number("growth.traffic.1y") == 3


def test_two_horizons_in_one_sentence_each_keep_their_own() -> None:
    f = facts(growth_projections="来年は2倍、3年後には5倍")
    assert (f.number("growth.traffic.1y"), f.number("growth.traffic.3y")) == (2, 5)


def test_a_calendar_year_or_a_past_span_is_no_horizon() -> None:
    assert facts(growth_projections="2027年までにユーザー3倍").get("growth.users.2027y") is None
    assert facts(growth_projections="3年前から毎年2倍").number("growth.traffic.1y") == 2


def test_growth_in_the_load_field_and_a_target_in_japanese() -> None:
    f = facts(expected_load="同時接続5,000人、3年で3倍に成長")
    assert f.number("users.concurrent") == 5000 and f.number("growth.traffic.3y") == 3 and f.unread == ()
    g = facts(expected_load="現在の同時接続は1万人", growth_projections="3年後に同時接続3万人")
    assert g.number("target.users.concurrent.3y") == 30_000


@pytest.mark.parametrize("text", ["3年で3倍", "三年で三倍", "3년 안에 3배", "in drei Jahren verdreifachen",
                                  "triple over three years", "3x in 36 months"])
def test_the_capacity_model_compounds_growth_over_its_stated_period(text: str) -> None:
    cap = capacity(facts(expected_load="5,000 concurrent users", growth_projections=text))
    assert cap.value("growth.yearly") == pytest.approx(3 ** (1 / 3), abs=0.001)  # 1.442 a year, not 3
    assert cap.value("growth.3y") == pytest.approx(3)
    assert cap.value("users.concurrent.3y") == pytest.approx(15_000)
    assert cap.value("growth.1y") == pytest.approx(1.44, abs=0.01)


def test_a_rate_per_year_over_a_span_compounds_over_the_span() -> None:
    for text in ("users double every year for three years", "3年間、毎年2倍", "향후 3년간 매년 2배"):
        cap = capacity(facts(growth_projections=text))
        assert (cap.value("growth.yearly"), cap.value("growth.3y")) == (2, 8)


def test_a_half_year_inside_a_sentence_keeps_the_parts_together() -> None:
    f = facts(growth_projections="Users double in a year and a half and traffic triples in 3 years")
    assert (f.number("growth.users.18m"), f.number("growth.traffic.3y")) == (2, 3)


def test_doubling_every_eighteen_months_is_four_times_in_three_years() -> None:
    for text in ("doubling every 18 months", "18か月ごとに2倍", "18个月翻一番"):
        cap = capacity(facts(growth_projections=text))
        assert cap.value("growth.3y") == pytest.approx(4, abs=0.01)
        assert cap.value("growth.yearly") == pytest.approx(2 ** (1 / 1.5), abs=0.001)


# ---- numbers --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value"), [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十五", 25),
                                             ("两", 2), ("兩", 2), ("〇", 0)])
def test_small_han_numerals(text: str, value: int) -> None:
    assert han_number(text) == value


@pytest.mark.parametrize("text", ["数", "十十", "二二", "百", ""])
def test_what_is_no_small_han_numeral(text: str) -> None:
    assert han_number(text) is None


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("3배", "multiplier", 3), ("300밀리초", "duration", 0.3), ("2초", "duration", 2), ("30분", "duration", 1800),
    ("1시간", "duration", 3600),
])
def test_korean_units(text: str, kind: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and (q.kind, q.value) == (kind, pytest.approx(value))


def test_korean_delivery_and_deployment_are_no_multipliers() -> None:
    assert parse_quantity("3배송").kind == "count"  # type: ignore[union-attr]
    assert parse_quantity("2 배포").kind == "count"  # type: ignore[union-attr]


def test_a_korean_brief_is_read_as_written() -> None:
    f = facts(expected_load="동시 접속 사용자 5,000명",
              performance_requirements="API 응답 300밀리초 이내, RTO 30분",
              technical_stack="AWS서울리전, PostgreSQL",
              growth_projections="3년 안에 사용자 3배")
    assert f.number("users.concurrent") == 5000
    assert f.number("rto") == 30
    assert f.number("latency.api.target") == 300
    assert (f.text("platform.provider"), f.text("stack.database")) == ("AWS", "PostgreSQL")
    assert f.number("growth.users.3y") == 3


@pytest.mark.parametrize("text", ["ピーク時は通常の3倍", "高峰期流量是平时的3倍", "피크 시 평소의 3배", "Peak traffic is 3x normal"])
def test_a_peak_compared_with_usual_traffic_is_no_growth(text: str) -> None:
    f = facts(expected_load=text)
    assert f.number("load.peak_factor") == 3
    assert f.starting("growth.") == [] and f.unread == ()
    assert capacity(f).value("growth.3y") == 4  # the assumed default growth, not 3x a year (27x)
