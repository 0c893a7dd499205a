"""Figures a new user's trial found wrong: one-off growth targets, impossible loads, dropped technology names."""

from __future__ import annotations

import pytest

from specchain.facts.capacity import capacity
from specchain.facts.charts import chart_set
from specchain.facts.read import read_facts

ONE_OFF = {"app_name": "Acme", "expected_load": "About 125,000 registered users today, 3,000 daily active users.",
           "growth_projections": "We plan to reach 1M registered users by end of 2027 (roughly 8x)."}


@pytest.mark.parametrize("growth", [
    "We plan to reach 1M registered users by end of 2027 (roughly 8x).",
    "Users grow 8x by 2028.",
    "Die Nutzerzahl soll bis 2028 auf das 8-fache wachsen.",
])
def test_a_one_off_growth_target_is_not_read_as_a_yearly_rate(growth: str) -> None:
    facts = read_facts({**ONE_OFF, "growth_projections": growth})
    keys = {f.key for f in facts.facts if f.key.startswith("growth.")}
    assert not any(k.endswith(".1y") for k in keys), keys  # no period stated: not "in 1 year"
    cap = capacity(facts)
    assert cap.value("growth.3y") == pytest.approx(8)  # the brief's 8x, not 8³ = 512
    assert cap.value("growth.1y") == pytest.approx(2)
    for key in ("growth.1y", "growth.3y", "users.concurrent.3y", "rps.peak.3y"):
        assert cap.get(key).assumed, key  # when the 8x is reached is the model's assumption, not the brief's
    assert any("8x growth of users" in a.text and "three years" in a.text for a in cap.assumptions)


def test_a_yearly_rate_still_compounds_and_a_stated_horizon_is_kept() -> None:
    cap = capacity(read_facts({**ONE_OFF, "growth_projections": "Users double every year."}))
    assert cap.value("growth.3y") == pytest.approx(8)
    cap = capacity(read_facts({**ONE_OFF, "growth_projections": "Users grow 8x in three years."}))
    assert cap.value("growth.3y") == pytest.approx(8) and not cap.get("growth.3y").assumed


def test_growth_extended_past_the_brief_is_labelled_assumed_in_the_chart() -> None:
    cap = capacity(read_facts({**ONE_OFF, "growth_projections": "Users grow 2x in one year."}))
    assert not cap.get("growth.1y").assumed  # stated
    assert cap.get("growth.3y").assumed  # 2x a year continued for two more years is the model's
    facts = read_facts(ONE_OFF)
    load = next(c for c in chart_set(facts, capacity(facts)).charts if c.key == "load")
    subtitle = " ".join(load.spec["title"]["subtitle"])
    assert "from your brief" not in subtitle and "512" not in subtitle
    assert "assumed" in subtitle.lower()


def test_stated_three_year_growth_is_still_from_the_brief_in_the_chart() -> None:
    facts = read_facts({**ONE_OFF, "growth_projections": "Users grow 8x in three years."})
    load = next(c for c in chart_set(facts, capacity(facts)).charts if c.key == "load")
    assert "from your brief" in " ".join(load.spec["title"]["subtitle"])


@pytest.mark.parametrize("load", [
    "5,000 monthly active users, 20,000 concurrent users at peak.",
    "800 daily active users; 2,000 concurrent users at peak.",
    "1,000 registered users and 5,000 concurrent users at peak.",
])
def test_more_people_at_once_than_users_at_all_is_a_conflict(load: str) -> None:
    cap = capacity(read_facts({"app_name": "Acme", "expected_load": load}))
    conflict = next(c for c in cap.conflicts if "users.concurrent" in c.keys)
    assert "at the same moment" in conflict.message and "20,000" in conflict.message or "00" in conflict.message


def test_fewer_people_at_once_than_users_is_no_conflict() -> None:
    cap = capacity(read_facts({"app_name": "Acme",
                               "expected_load": "50,000 monthly active users, 2,000 concurrent users at peak."}))
    assert not [c for c in cap.conflicts if "users.concurrent" in c.keys]


@pytest.mark.parametrize(("stack", "key", "name"), [
    ("We use Go for the API.", "stack.languages", "Go"),
    ("Ruby on Rails monolith.", "stack.languages", "Ruby"),
    ("Deployed on Alibaba Cloud.", "platform.provider", "Alibaba Cloud"),
    ("バックエンドはGo", "stack.languages", "Go"),
    ("バックエンドは Go", "stack.languages", "Go"),
    ("后端使用Java", "stack.languages", "Java"),
    ("后端使用 Java 和 Spring Boot", "stack.languages", "Java"),
    ("部署在阿里云", "platform.provider", "Alibaba Cloud"),
])
def test_technology_names_are_read(stack: str, key: str, name: str) -> None:
    fact = read_facts({"app_name": "Acme", "technical_stack": stack}).get(key)
    assert fact is not None and name in str(fact.value), stack


@pytest.mark.parametrize("text", ["We go live in March with 2,000 users.", "Let's go big on mobile.",
                                  "We have to go through an audit."])
def test_go_as_an_english_verb_is_no_language(text: str) -> None:
    fact = read_facts({"app_name": "Acme", "technical_stack": text}).get("stack.languages")
    assert fact is None or "Go" not in str(fact.value).split(", ")


@pytest.mark.parametrize(("load", "growth"), [
    ("目前注册用户50万", "未来两年用户增长到三百万"),
    ("500,000 registered users today", "Users grow to 3 million within two years."),
])
def test_growing_to_a_number_within_a_period_is_growth_from_the_stated_load(load: str, growth: str) -> None:
    facts = read_facts({"app_name": "Acme", "expected_load": load, "growth_projections": growth})
    assert facts.number("users.registered") == 500_000  # today's figure stays today's
    assert facts.number("target.users.registered.2y") == 3_000_000
    cap = capacity(facts)
    assert not cap.assumed("growth")  # the brief's growth, not the model's default
    assert cap.value("growth.yearly") == pytest.approx(6 ** 0.5, rel=1e-3)  # 6x over two years
    assert not cap.get("growth.1y").assumed and cap.get("growth.3y").assumed  # year three extends the brief


def test_growing_to_a_number_with_no_load_to_compare_is_kept_as_a_target() -> None:
    facts = read_facts({"app_name": "Acme", "growth_projections": "未来两年用户增长到三百万"})
    assert facts.number("target.users.registered.2y") == 3_000_000
    assert facts.number("users.registered") is None  # never today's number


@pytest.mark.parametrize(("text", "ms"), [("页面加载时间小于两秒", 2000), ("页面加载时间小于2秒", 2000),
                                          ("页面加载时间小于两秒，API响应时间小于200毫秒", 2000)])
def test_a_page_load_under_han_numeral_seconds_is_read(text: str, ms: float) -> None:
    facts = read_facts({"app_name": "Acme", "performance_requirements": text})
    assert facts.number("latency.page.target") == ms
