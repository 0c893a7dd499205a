"""Reading a brief into facts: context decides which number is which, and every fact keeps its words."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specchain.facts.model import Facts
from specchain.facts.read import read_facts, topic_of
from specchain.inputs import Answer
from tests.conftest import example_inputs

LOAD, PERF, STACK, GROWTH = "expected_load", "performance_requirements", "technical_stack", "growth_projections"


def facts(**values: str) -> Facts:
    return read_facts({"app_name": "Acme", **values})


# ---- the cases seen in issue 10 ------------------------------------------------------------------------------------
def test_a_percentile_share_is_not_availability() -> None:
    f = facts(performance_requirements="500 ms for 95% of calls. 99.9% uptime")
    assert f.number("latency.api.p95") == 500
    assert f.number("availability") == 99.9
    assert f.get("latency.api.p95").quote == "500 ms for 95% of calls"  # type: ignore[union-attr]


def test_availability_with_a_comma_and_a_space() -> None:
    assert facts(performance_requirements="Verfügbarkeit 99,95 % im Monat").number("availability") == 99.95


def test_german_thousands_and_millions() -> None:
    f = facts(expected_load="8.000 gleichzeitig, 1.500 Bestellungen pro Tag, 3,5 Mio. registrierte Benutzer")
    assert f.number("users.concurrent") == 8000
    assert f.number("load.per_day") == 1500
    assert f.number("users.registered") == 3_500_000


def test_chinese_and_japanese_units() -> None:
    f = facts(expected_load="1万 concurrent users, 2.5億 records")
    assert f.number("users.concurrent") == 10_000
    assert f.number("data.records") == 2.5e8


def test_ranges_now_and_in_year_three() -> None:
    f = facts(expected_load="50–250 concurrent users now, 1,000–5,000 in year 3")
    now, later = f.get("users.concurrent"), f.get("target.users.concurrent.3y")
    assert now is not None and (now.value, now.high) == (50, 250)
    assert later is not None and (later.value, later.high) == (1000, 5000)


def test_rpo_and_rto_each_get_their_own_figure() -> None:
    f = facts(performance_requirements="RPO 1 min, RTO 30 min")
    assert (f.number("rpo"), f.number("rto")) == (1, 30)
    f = facts(performance_requirements="RTO 30 Minuten, RPO 1 Minute")
    assert (f.number("rpo"), f.number("rto")) == (1, 30)


def test_on_premises_is_never_a_public_cloud() -> None:
    f = facts(technical_stack="OpenShift on-premises, no public cloud (GDPR). Oracle 19c, Bull for jobs.")
    provider = f.get("platform.provider")
    assert provider is not None and provider.value == "On-premises" and provider.detail == "OpenShift"
    assert "OpenShift on-premises" in provider.quote
    assert f.get("stack.database").name == "Oracle 19c"  # type: ignore[union-attr]
    assert f.text("stack.queue") == "Bull"
    assert f.text("regulations") == "GDPR"
    assert f.get("platform.regions") is None


@pytest.mark.parametrize(("stack", "provider"), [
    ("OpenShift on AWS (ROSA)", "AWS"), ("Our own data centre, AWS only for backups", "On-premises"),
    ("VMware private cloud", "On-premises"), ("Kubernetes im eigenen Rechenzentrum", "On-premises"),
    ("GKE on Google Cloud", "Google Cloud"),
])
def test_platform(stack: str, provider: str) -> None:
    assert facts(technical_stack=stack).text("platform.provider") == provider


def test_where_data_must_stay_is_a_rule_where_users_are_is_not() -> None:
    rule = facts(performance_requirements="All data stays in the US").get("platform.geography")
    users = facts(expected_load="Peak on weekday mornings in US time zones").get("platform.geography")
    assert rule is not None and rule.detail == "required"
    assert users is not None and users.detail == ""


def test_a_refused_product_is_not_chosen() -> None:
    f = facts(technical_stack="We use Azure, not AWS. MySQL instead of PostgreSQL.")
    assert f.text("platform.provider") == "Azure"
    assert f.text("stack.database") == "MySQL"


@pytest.mark.parametrize(("stack", "database", "queue"), [
    ("Oracle 19c and RabbitMQ", "Oracle", "RabbitMQ"), ("PostgreSQL 16, Kafka", "PostgreSQL", "Kafka"),
    ("MySQL 8 with SQS", "MySQL", "SQS"), ("MongoDB Atlas, BullMQ", "MongoDB", "BullMQ"),
    ("SQL Server 2019 and Azure Service Bus", "SQL Server", "Azure Service Bus"),
    ("MariaDB, Celery workers", "MariaDB", "Celery"),
])
def test_databases_and_queues_by_name(stack: str, database: str, queue: str) -> None:
    f = facts(technical_stack=stack)
    assert (f.text("stack.database"), f.text("stack.queue")) == (database, queue)


@pytest.mark.parametrize(("text", "regulations"), [
    ("GDPR applies", "GDPR"), ("DSGVO-konform", "GDPR"), ("HIPAA and SOC 2", "HIPAA, SOC 2"),
    ("PCI DSS for card data", "PCI DSS"), ("ISO 27001 certified", "ISO 27001"),
])
def test_regulations(text: str, regulations: str) -> None:
    assert facts(performance_requirements=text).text("regulations") == regulations


# ---- a table of real sentences -----------------------------------------------------------------------------------
SENTENCES = [
    (LOAD, "Peak of 8,000 concurrent users on weekday mornings", "users.concurrent", 8000),
    (LOAD, "Peak of 1,990 concurrent users", "users.concurrent", 1990),  # found by the property below: not a year
    (LOAD, "since 2021, a peak of 2000 concurrent users", "users.concurrent", 2000),
    (LOAD, "about 1,200 at the same time during day shifts", "users.concurrent", 1200),
    (LOAD, "8 Tsd. Nutzer pro Monat", "users.monthly_active", 8000),
    (LOAD, "180k monthly active users", "users.monthly_active", 180_000),
    (LOAD, "350,000 daily active users, 70% on the iOS and Android apps", "users.daily_active", 350_000),
    (LOAD, "350,000 daily active users, 70% on the iOS and Android apps", "users.mobile_share", 70),
    (LOAD, "1.2 million registered buyers and 45,000 sellers", "users.registered", 1_200_000),
    (LOAD, "12,000 business customers with 180,000 monthly active users", "customers", 12_000),
    (LOAD, "12,000 business customers with 180,000 monthly active users", "users.monthly_active", 180_000),
    (LOAD, "About 2.5 million task updates and 600,000 comments per day", "load.per_day", 3_100_000),
    (LOAD, "2,000 requests per second at peak, 400 req/s on average", "load.requests_per_second", 2000),
    (LOAD, "2,000 requests per second at peak, 400 req/s on average", "load.requests_per_second_avg", 400),
    (LOAD, "4 TB of attachments today, growing by about 150 GB a month", "data.size", 4000),
    (LOAD, "4 TB of attachments today, growing by about 150 GB a month", "data.growth_per_month", 150),
    (LOAD, "10 times normal traffic during holiday sales", "load.peak_factor", 10),
    (LOAD, "between 1,000 and 5,000 concurrent users", "users.concurrent", 1000),
    (LOAD, "the database allows max_connections 300", "database.max_connections", 300),
    (PERF, "API responses under 150 ms at the 95th percentile", "latency.api.p95", 150),
    (PERF, "p99 under 800 ms for API requests", "latency.api.p99", 800),
    (PERF, "Search across projects returns in under 300 ms", "latency.search.target", 300),
    (PERF, "search median 100 ms", "latency.search.p50", 100),
    (PERF, "Dashboards and boards load in under 2 seconds", "latency.page.target", 2000),
    (PERF, "Checkout must never take more than 3 seconds end to end", "latency.checkout.max", 3000),
    (PERF, "Antwortzeit unter 300 ms", "latency.api.target", 300),
    (PERF, "99.99% uptime for clinical access, no more than 1 minute of lost data", "availability", 99.99),
    (PERF, "99.99% uptime for clinical access, no more than 1 minute of lost data", "rpo", 1),
    (PERF, "back online within 15 minutes after an outage", "rto", 15),
    (PERF, "failover within 5 minutes", "failover", 5),
    (PERF, "SLA 99,9 %", "availability", 99.9),
    (GROWTH, "5 times today's traffic within 3 years", "growth.traffic.3y", 5),
    (GROWTH, "Users grow 3 times in the next 18 months", "growth.users.18m", 3),
    (GROWTH, "Customer count doubles in 12 months", "growth.customers.1y", 2),
    (GROWTH, "30% growth per year", "growth.per_year", 1.3),
    (GROWTH, "reaching 250 customers in 3 years", "target.customers.3y", 250),
    # German, as PMs write it
    (LOAD, "Spitzenlast 2.000 Anfragen pro Sekunde", "load.requests_per_second", 2000),
    (LOAD, "500 GB Daten, Wachstum 20 GB pro Monat", "data.growth_per_month", 20),
    (LOAD, "120.000 Benutzer pro Tag, davon 3.000 gleichzeitig", "users.daily_active", 120_000),
    (LOAD, "120.000 Benutzer pro Tag, davon 3.000 gleichzeitig", "users.concurrent", 3000),
    (PERF, "Antwortzeit der API p95 unter 200 ms", "latency.api.p95", 200),
    (PERF, "Wiederherstellung (RTO) innerhalb von 2 Stunden, RPO 15 Minuten", "rto", 120),
    (PERF, "Wiederherstellung (RTO) innerhalb von 2 Stunden, RPO 15 Minuten", "rpo", 15),
    (GROWTH, "Verdopplung der Nutzer in 2 Jahren", "growth.users.2y", 2),
    (GROWTH, "20 % Wachstum pro Jahr", "growth.per_year", 1.2),
]


@pytest.mark.parametrize(("field", "sentence", "key", "value"), SENTENCES)
def test_real_sentences(field: str, sentence: str, key: str, value: float) -> None:
    f = facts(**{field: sentence})
    fact = f.get(key)
    assert fact is not None, f.keys()
    assert fact.number == pytest.approx(value)
    assert fact.field == field
    assert fact.quote and fact.quote in sentence  # the words it came from, as written


def test_figures_with_no_meaning_are_kept_unread_and_asked() -> None:
    f = facts(expected_load="We have 40 something, 8,000 concurrent users")
    assert f.number("users.concurrent") == 8000
    assert [u.quote for u in f.unread] == ["We have 40 something, 8,000 concurrent users"]
    assert "what does this figure measure" in f.unread[0].question


def test_years_times_and_versions_are_not_figures() -> None:
    f = facts(expected_load="Peak 8-10 AM, since 2021, in 5 cities", technical_stack="PostgreSQL 16, Java 21",
              performance_requirements="Nightly reports finish before 6 AM")
    assert f.unread == ()


def test_the_example_briefs_read_fully() -> None:
    (_, taskflow), (_, market), (_, health) = example_inputs()
    t, m, h = (read_facts(i.values) for i in (taskflow, market, health))
    assert (t.number("users.concurrent"), t.number("availability"), t.number("latency.api.p95")) == (8000, 99.95, 150)
    assert (t.text("platform.provider"), t.text("stack.database"), t.number("rpo")) == ("AWS", "PostgreSQL", 5)
    assert (m.number("users.concurrent"), m.text("stack.queue"), m.text("platform.provider")) == (
        25_000, "RabbitMQ", "Google Cloud")
    assert (h.number("availability"), h.number("rpo"), h.text("regulations"), h.text("platform.geography")) == (
        99.99, 1, "HIPAA", "US")
    assert all(f.unread == () for f in (t, h))


# ---- answers and corrections --------------------------------------------------------------------------------------
DB_QUESTION = "Database: Which database does the team use or plan to use?"


def test_an_answer_sets_the_fact_of_its_question_and_stays_listed_as_answered() -> None:
    f = read_facts({"app_name": "Acme", STACK: "Node.js on AWS"},
                   [Answer(version=1, question=DB_QUESTION, answer="Oracle 19c")])
    db = f.get("stack.database")
    assert db is not None and db.name == "Oracle 19c" and db.origin == "answer"
    assert db.note == "you answered in version 1"
    assert [a.display for a in f.answered] == ["Database: Oracle 19c (you answered in version 1)"]
    assert f.answered[0].keys == ("stack.database",)


def test_a_later_answer_wins_and_replaces_the_earlier_one_of_the_same_topic() -> None:
    f = read_facts({"app_name": "Acme"}, [
        Answer(version=2, question="Database: Oracle 19c (you answered in version 1)", answer="SQL Server"),
        Answer(version=1, question=DB_QUESTION, answer="Oracle 19c"),
    ])
    assert f.text("stack.database") == "SQL Server"
    assert [a.display for a in f.answered] == ["Database: SQL Server (you answered in version 2)"]


def test_an_unknown_product_named_in_an_answer_is_taken_as_written() -> None:
    f = read_facts({"app_name": "Acme"}, [Answer(version=1, question=DB_QUESTION, answer="Firebird 4")])
    assert f.text("stack.database") == "Firebird 4"


@pytest.mark.parametrize(("question", "answer", "key", "value"), [
    ("People at the same moment: How many people use Acme at the same moment?", "about 3,000", "users.concurrent",
     3000),
    ("Availability: How much downtime is acceptable?", "99.95", "availability", 99.95),
    ("Recovery time (RTO): After a major outage, how quickly must Acme be back?", "30 minutes", "rto", 30),
    ("Data loss allowed (RPO): How many minutes of data may be lost in a failure?", "1 min", "rpo", 1),
])
def test_a_bare_figure_answers_its_question(question: str, answer: str, key: str, value: float) -> None:
    f = read_facts({"app_name": "Acme"}, [Answer(version=1, question=question, answer=answer)])
    assert f.number(key) == value


def test_the_answer_s_own_words_win_over_the_question_s_topic() -> None:
    question = "Data loss allowed (RPO): How many minutes of data may be lost in a failure?"
    f = read_facts({"app_name": "Acme"}, [Answer(version=1, question=question, answer="RTO 30 min, RPO 2 min")])
    assert (f.number("rto"), f.number("rpo")) == (30, 2)
    rto_question = "Recovery time (RTO): After a major outage, how quickly must Acme be back?"
    f = read_facts({"app_name": "Acme"}, [Answer(version=1, question=rto_question,
                                                 answer="30 minutes, and we can lose at most 1 minute of data")])
    assert (f.number("rto"), f.number("rpo")) == (30, 1)


def test_corrections_by_key_win_over_the_brief_and_answers() -> None:
    values = {"app_name": "Acme", PERF: "99.9% uptime, API p95 200 ms", STACK: "PostgreSQL"}
    answers = [Answer(version=1, question=DB_QUESTION, answer="MySQL")]
    f = read_facts(values, answers, corrections={"availability": "99,95 %", "stack.database": "Oracle 19c",
                                                 "latency.api.p95": "0.3 s", "rpo": "2 min"})
    assert f.number("availability") == 99.95 and f.get("availability").origin == "correction"  # type: ignore[union-attr]
    assert f.get("stack.database").name == "Oracle 19c"  # type: ignore[union-attr]
    assert f.number("latency.api.p95") == pytest.approx(300)  # kept in the fact's own unit (ms)
    assert f.number("rpo") == 2
    assert read_facts(values, corrections={"availability": ""}).get("availability") is None  # cleared


def test_facts_are_frozen_and_keys_are_stable() -> None:
    values = example_inputs()[0][1].values
    f = read_facts(values)
    with pytest.raises(pydantic.ValidationError):
        f.facts[0].value = 1  # type: ignore[misc]
    assert read_facts(values) == f  # deterministic
    assert Facts.model_validate_json(f.model_dump_json()) == f  # storable
    assert len(set(f.keys())) == len(f.keys())


@pytest.mark.parametrize(("question", "topic"), [
    (DB_QUESTION, "database"), ("Which cloud provider do you use?", "platform"),
    ("How many people use it at the same moment?", "users.concurrent"), ("What RPO is acceptable?", "rpo"),
    ("Is 99.9% uptime enough?", "availability"), ("Nothing to do with anything", ""),
])
def test_question_topics(question: str, topic: str) -> None:
    assert topic_of(question)[0] == topic


# ---- properties: the meaning survives any way of writing the number ---------------------------------------------
SEPARATORS = [",", ".", " ", "'"]


def written(n: int, separator: str) -> str:
    return f"{n:,}".replace(",", separator)


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1, max_value=10**7), st.sampled_from(SEPARATORS),
       st.sampled_from(["Peak of {n} concurrent users", "{n} gleichzeitig aktive Nutzer", "about {n} at the same time",
                        "{n} Benutzer gleichzeitig zur Spitze", "concurrent users: {n}"]))
def test_concurrency_in_any_format_and_wording(n: int, separator: str, sentence: str) -> None:
    f = facts(expected_load=sentence.format(n=written(n, separator)))
    assert f.number("users.concurrent") == n


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=9000, max_value=9999), st.sampled_from([",", "."]), st.sampled_from(["%", " %"]),
       st.sampled_from(["{a} uptime", "Verfügbarkeit {a}", "SLA of {a}", "available {a} of the time"]))
def test_availability_in_any_format(hundredths: int, mark: str, sign: str, sentence: str) -> None:
    value = f"{hundredths // 100}{mark}{hundredths % 100:02d}{sign}"
    f = facts(performance_requirements=sentence.format(a=value) + ". 300 ms for 95% of requests.")
    assert f.number("availability") == pytest.approx(hundredths / 100)
    assert f.number("latency.api.p95") == 300


@settings(deadline=None)  # timing is for bench/, not tests: a loaded CI machine must not fail them
@given(st.integers(min_value=1, max_value=59), st.integers(min_value=1, max_value=240),
       st.sampled_from(["min", "minutes", "Minuten"]))
def test_rpo_and_rto_in_either_order(rpo: int, rto: int, unit: str) -> None:
    for text in (f"RPO {rpo} {unit}, RTO {rto} {unit}", f"RTO {rto} {unit}; RPO {rpo} {unit}"):
        f = facts(performance_requirements=text)
        assert (f.number("rpo"), f.number("rto")) == (rpo, rto)


# ---- Chinese and Japanese briefs: no spaces around the numbers ------------------------------------------------------
def test_a_japanese_brief_is_read_as_written() -> None:
    f = facts(expected_load="月間アクティブユーザー約10万人、ピーク時の同時接続は5,000人、1日あたり予約50万件、データ量は3TB。",
              performance_requirements="ページ表示は2秒以内、APIの応答は95パーセンタイルで300ミリ秒以内、稼働率99.95%。",
              growth_projections="毎年3倍に成長し、")
    assert f.number("users.monthly_active") == 100_000
    assert f.number("users.concurrent") == 5000
    assert f.number("load.per_day") == 500_000
    assert f.number("data.size") == 3000
    assert f.number("latency.api.p95") == 300
    assert f.number("latency.page.target") == 2000  # the p95 is the API's, said in its own part
    assert f.number("availability") == 99.95
    assert f.number("growth.traffic.1y") == 3
    assert f.unread == ()


def test_a_chinese_brief_is_read_as_written() -> None:
    f = facts(expected_load="月活用户10万，同时在线5000人，每天50万订单，数据量3TB。",
              performance_requirements="页面加载2秒以内，接口响应95百分位300毫秒以内，可用性99.95%。",
              growth_projections="每年增长3倍。")
    assert f.number("users.monthly_active") == 100_000
    assert f.number("users.concurrent") == 5000
    assert f.number("load.per_day") == 500_000  # the people are not added to the orders
    assert f.number("data.size") == 3000
    assert f.number("latency.api.p95") == 300
    assert f.number("latency.page.target") == 2000
    assert f.number("availability") == 99.95
    assert f.number("growth.traffic.1y") == 3


def test_a_japanese_answer_updates_the_concurrency_fact() -> None:
    answer = Answer(version=1, question="How many people use it at the same moment at peak?",
                    answer="ピーク時の同時接続は5,000人（平日の12時〜13時）")
    f = read_facts({"app_name": "Acme", "expected_load": "About 2,000 people at peak."}, [answer])
    assert f.number("users.concurrent") == 5000
    assert f.get("users.concurrent").origin == "answer"  # type: ignore[union-attr]
    assert f.unread == ()


# ---- German ordinals and "min." -------------------------------------------------------------------------------------
def test_a_german_ordinal_percentile_is_not_a_sentence_end() -> None:
    f = facts(performance_requirements="Antwortzeit der API unter 200 Millisekunden (95. Perzentil), "
                                       "Verfügbarkeit 99,95 %")
    assert f.number("latency.api.p95") == 200
    assert f.number("availability") == 99.95
    assert f.unread == ()


def test_minutes_before_a_full_stop_end_the_sentence_but_min_before_a_number_does_not() -> None:
    f = facts(performance_requirements="RTO 30 min. Failover in 20 seconds")
    assert f.number("rto") == 30
    assert f.number("failover") == pytest.approx(20 / 60)
    g = facts(expected_load="Wir erwarten min. 500 Nutzer gleichzeitig.")
    assert g.number("users.concurrent") == 500


@pytest.mark.parametrize(("text", "page_key"), [
    ("Pages load in 2 s, API p95 300 ms", "latency.page.target"),
    ("p95: pages 2 s, API 300 ms", "latency.page.p95"),
    ("Pages under 2 s and API calls under 300 ms at the 95th percentile", "latency.page.p95"),
])
def test_a_percentile_covers_the_clause_unless_another_part_names_it_for_its_own_figure(text: str,
                                                                                       page_key: str) -> None:
    f = facts(performance_requirements=text)
    assert f.number(page_key) == 2000
    assert f.number("latency.api.p95") == 300
