"""A reporting interval ("every 10 seconds", "alle 10 Sekunden", "每10秒", "10秒ごとに", "매 10초") is how often
something happens, never a response-time target; connected devices sending at an interval are load (their count,
and a message rate in the capacity model); people "at peak" are people at the same moment."""

from __future__ import annotations

import pytest

from specchain.facts.capacity import capacity
from specchain.facts.read import read_facts

TRUCKS = "About 40,000 connected trucks send a position every 10 seconds; 600 dispatchers use the web app at peak."


def latency_keys(text: str, field: str = "expected_load") -> list[str]:
    return [f.key for f in read_facts({field: text}).facts if f.key.startswith("latency.")]


@pytest.mark.parametrize("text", [
    TRUCKS,
    "Sensors report every 5 minutes; backups run every 24 hours.",
    "Jeder LKW sendet alle 10 Sekunden seine Position.",
    "4万辆卡车每10秒发送一次位置。",
    "4万台のトラックが10秒ごとに位置を送信します。",
    "트럭 4만 대가 매 10초 위치를 전송합니다.",
    "Dashboards refresh every 30 seconds.",
])
def test_an_interval_is_never_a_latency_target(text: str) -> None:
    assert latency_keys(text) == []
    assert latency_keys(text, "performance_requirements") == []


@pytest.mark.parametrize(("text", "key", "ms"), [
    ("The API must respond within 10 seconds.", "latency.api.target", 10000),
    ("p95 under 200 ms for API calls.", "latency.api.p95", 200),
    ("Berichte in unter 5 Sekunden.", "latency.report.target", 5000),
    ("Reports every month must be generated in under 5 seconds.", "latency.report.target", 5000),
])
def test_real_targets_stay_targets(text: str, key: str, ms: float) -> None:
    assert read_facts({"performance_requirements": text}).number(key) == ms


@pytest.mark.parametrize("text", [
    TRUCKS,
    ("Rund 40.000 vernetzte LKW senden alle 10 Sekunden ihre Position; 600 Disponenten nutzen die Web-App zur "
     "Spitzenzeit."),
    "4万辆卡车每10秒发送一次位置，高峰期600名调度员同时使用。",
    "4万台のトラックが10秒ごとに位置を送信します。ピーク時は600人のオペレーターが利用。",
    "트럭 4만 대가 매 10초 위치를 전송합니다. 피크 시 상담원 600명이 사용합니다.",
])
def test_devices_at_an_interval_are_load_and_people_at_peak_are_concurrent(text: str) -> None:
    f = read_facts({"expected_load": text})
    assert f.number("load.devices") == 40000
    assert f.number("load.device_interval") == 10  # seconds
    assert f.number("users.concurrent") == 600


def test_the_device_message_rate_is_in_the_peak_request_rate_with_its_formula() -> None:
    c = capacity(read_facts({"expected_load": TRUCKS}))
    devices = c.get("rps.devices.now")
    assert devices.value == 4000 and devices.inputs == {"devices": 40000, "interval_s": 10}
    peak = c.get("rps.peak.now")
    assert peak.inputs["device_messages_per_s"] == 4000 and "device messages" in peak.formula
    assert peak.value >= 4000 + 600 / 4


def test_machines_named_without_any_sending_are_no_devices() -> None:
    # a cluster's machines, backups on a clock: neither is load nor a target
    f = read_facts({"technical_stack": "Kubernetes on 12 machines; backups run every 24 hours."})
    assert f.number("load.devices") is None and f.number("load.device_interval") is None
    assert "rps.devices.now" not in {fig.key for fig in capacity(f).figures}


@pytest.mark.parametrize(("text", "value"), [("4만", 40000), ("3억", 3e8), ("1.5만", 15000)])
def test_korean_scale_words_multiply(text: str, value: float) -> None:
    from specchain.facts.numbers import parse_quantity
    q = parse_quantity(text)
    assert q is not None and q.value == value
