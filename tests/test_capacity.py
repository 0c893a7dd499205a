"""The capacity model: each figure's formula, inputs and assumptions; pools that fit; conflicts in the brief."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specchain.facts.capacity import HORIZONS, capacity
from specchain.facts.read import read_facts
from tests.conftest import example_inputs


def model(**values: str):
    facts = read_facts({"app_name": "Acme", **values})
    return facts, capacity(facts)


def test_every_figure_says_how_it_was_computed_and_what_was_assumed() -> None:
    _, cap = model(expected_load="8,000 concurrent users", performance_requirements="API p95 150 ms, 99.95% uptime")
    for figure in cap.figures:
        assert figure.formula and figure.unit is not None
        assert set(figure.assumed) <= set(figure.inputs)
    rps = cap.get("rps.peak.now")
    assert "think_time_s" in rps.assumed and "concurrent" not in rps.assumed
    assert rps.inputs["concurrent"] == 8000


def test_request_rates_peak_factor_and_littles_law() -> None:
    _, cap = model(expected_load="8,000 concurrent users", performance_requirements="API p95 150 ms")
    assert cap.value("rps.peak.now") == 2000  # 8,000 people, one request every 4 s
    assert cap.value("rps.average") == 500 and cap.value("rps.peak_factor") == 4
    assert cap.value("requests.in_flight") == math.ceil(2000 * 0.020)  # L = λ × W
    _, cap = model(expected_load="350,000 daily active users")  # no concurrency: Little's law on sessions
    arrival = 350_000 * 2 / 86400 * 4
    assert cap.value("users.concurrent.now") == round(arrival * 600)
    assert "Little" in cap.get("users.concurrent.now").label
    assert cap.assumed("concurrency")


def test_stated_rates_are_used_and_a_peak_below_the_average_is_a_conflict() -> None:
    _, cap = model(expected_load="peak 300 requests per second, 900 req/s on average")
    assert cap.value("rps.peak.now") == 300 and cap.value("rps.average") == 900
    assert any("lower than the average" in c.message for c in cap.conflicts)


def test_instances_follow_the_latency_goal_with_n_plus_1_and_zone_loss() -> None:
    _, fast = model(expected_load="8,000 concurrent users", performance_requirements="API p95 100 ms")
    _, slow = model(expected_load="8,000 concurrent users", performance_requirements="API p95 400 ms")
    assert fast.value("utilisation.target") < slow.value("utilisation.target")  # tighter goal, more headroom
    assert fast.value("instances.needed") > slow.value("instances.needed")
    for cap in (fast, slow):
        need = cap.value("instances.needed")
        assert cap.value("instances.n_plus_1") == need + 1
        assert cap.value("instances.min") >= math.ceil(need * 3 / 2)  # losing one of three zones still carries it
        assert cap.value("instances.max") >= cap.value("instances.min")


def test_cache_hit_rate_needed_and_read_share() -> None:
    _, cap = model(expected_load="40,000 concurrent users, 90% reads")
    assert cap.value("db.read_share") == 0.9
    reads = cap.value("db.qps") * 0.9
    assert cap.value("cache.hit_needed") == pytest.approx(1 - 3 * 5000 / reads, abs=1e-3)
    assert cap.value("cache.hit_target") >= cap.value("cache.hit_needed")


def test_pools_fit_the_stated_connection_limit() -> None:
    _, cap = model(expected_load="8,000 concurrent users; max_connections 300", technical_stack="PostgreSQL")
    assert cap.value("pool.limit") == 300
    assert cap.value("pool.total") <= 300
    assert "max_connections" not in cap.get("pool.per_instance").assumed


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=2_000_000), st.integers(min_value=20, max_value=5000),
       st.integers(min_value=20, max_value=2000))
def test_pool_total_never_exceeds_max_connections(concurrent: int, limit: int, p95: int) -> None:
    _, cap = model(expected_load=f"{concurrent} concurrent users, max_connections {limit}",
                   performance_requirements=f"API p95 {p95} ms")
    assert cap.value("pool.limit") == limit
    assert cap.value("pool.total") <= limit
    if not cap.value("pool.pooler"):
        per_instance_total = cap.value("pool.per_instance") * cap.get("pool.total").inputs["instances"]
        assert per_instance_total == cap.value("pool.total")


def test_downtime_error_budget_and_burn_rates() -> None:
    _, cap = model(performance_requirements="99.95% uptime", expected_load="2,000 requests per second at peak")
    assert cap.value("downtime.month") == pytest.approx(0.0005 * 43_830)
    assert cap.value("error_budget.requests") == pytest.approx(0.0005 * 500 * 43_830 * 60)
    assert cap.value("burn.14.4") == pytest.approx(14.4 * 0.05)
    assert cap.value("burn.6") == pytest.approx(0.3)
    assert cap.value("burn.1") == pytest.approx(0.05)


def test_growth_compounds_per_year_and_keeps_stated_points() -> None:
    _, cap = model(expected_load="1,000 concurrent users", growth_projections="doubles in 12 months; 5x in 3 years")
    assert cap.series("growth") == [1.0, pytest.approx(5 ** (1 / 6), abs=0.01), 2.0, 5.0]
    assert cap.value("users.concurrent.3y") == 5000
    _, cap = model(expected_load="1,000 concurrent users", growth_projections="40% growth per year")
    assert cap.value("growth.3y") == pytest.approx(1.4**3, abs=0.01)
    _, cap = model(expected_load="1,000 concurrent users")
    assert cap.assumed("growth") and cap.value("growth.3y") == 4


def test_a_stated_range_target_is_used_as_the_three_year_figure() -> None:
    _, cap = model(expected_load="50–250 concurrent users now, 1,000–5,000 in year 3")
    assert cap.value("users.concurrent.now") == 250
    assert cap.value("users.concurrent.3y") == 5000
    assert cap.value("growth.3y") == 20


def test_storage_after_growth_with_replicas_and_backups() -> None:
    _, cap = model(expected_load="4 TB today, growing by 150 GB a month, 8,000 concurrent users")
    assert cap.value("data.3y") == 4000 + 150 * 36
    replicas = cap.value("db.replicas")
    assert cap.value("storage.total_3y") == pytest.approx(9400 * (1 + replicas) + 9400 * 1.5)


def test_recovery_conflicts_are_reported() -> None:
    _, cap = model(performance_requirements="RTO 5 minutes, failover within 10 minutes")
    assert any("shorter than the failover time" in c.message for c in cap.conflicts)
    _, cap = model(performance_requirements="RTO 1 minute, 99.9% uptime")
    assert any("typical automatic database failover" in c.message for c in cap.conflicts)
    _, cap = model(performance_requirements="p95 500 ms and p99 200 ms for API calls")
    assert any("99th-percentile" in c.message for c in cap.conflicts)


def test_recovery_steps_fit_inside_the_rto() -> None:
    for rto in (1, 5, 10, 30, 60):
        _, cap = model(performance_requirements=f"RTO {rto} min")
        steps = cap.value("recovery.detect") + cap.value("recovery.decide") + cap.value("recovery.failover")
        assert steps <= rto


def test_defaults_are_assumptions_with_a_topic_to_ask() -> None:
    _, cap = model()
    topics = {a.topic for a in cap.assumptions}
    assert {"concurrency", "transactions", "data", "growth", "uptime", "recovery", "latency"} <= topics
    assert cap.get("users.concurrent.now").assumed == ("assumed_concurrency",)


def test_the_example_briefs_project_over_the_four_horizons() -> None:
    for _, inputs in example_inputs():
        cap = capacity(read_facts(inputs.values))
        series = cap.series("users.concurrent")
        assert len(series) == len(HORIZONS) and series == sorted(series)
        assert cap.conflicts == ()
