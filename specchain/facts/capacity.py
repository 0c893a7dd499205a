"""The capacity model: formulas from the facts to the figures a Performance & Scalability document needs.

    capacity(facts) -> Capacity

Every Figure carries its formula as text, the inputs it was computed from, and which of those inputs are
assumptions (a default, not something the brief said). Every default that is used is also an Assumption with
the clarification topic that would replace it. Conflicts among the brief's own targets are reported, not fixed.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict

from specchain.facts.model import Fact, Facts

MINUTES_PER_MONTH = 365.25 * 24 * 60 / 12  # 43,830
SECONDS_PER_MONTH = MINUTES_PER_MONTH * 60
HORIZONS = (0.0, 0.5, 1.0, 3.0)  # now, 6 months, 1 year, 3 years: the template's throughput columns
BURN_RATES = ((14.4, "1 hour (and 5 minutes)", "2%", "page"), (6.0, "6 hours (and 30 minutes)", "5%", "page"),
              (1.0, "3 days (and 6 hours)", "10%", "ticket"))
DEFAULT_MAX_CONNECTIONS = {"PostgreSQL": 300, "MySQL": 500, "MariaDB": 500, "Oracle": 1000, "SQL Server": 1000,
                           "Aurora": 1000, "Db2": 1000, "CockroachDB": 1000}


class Figure(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: float
    unit: str
    formula: str
    inputs: dict[str, float] = {}
    assumed: tuple[str, ...] = ()  # the names in inputs that are assumptions


class Assumption(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str  # the input's name, e.g. "concurrency"
    value: float | str
    text: str  # "1,000 people at the same moment at peak is assumed"
    topic: str  # the clarification topic that would replace it ("concurrency", "database", …)


class Conflict(BaseModel):
    model_config = ConfigDict(frozen=True)

    keys: tuple[str, ...]
    message: str


class Capacity(BaseModel):
    model_config = ConfigDict(frozen=True)

    figures: tuple[Figure, ...]
    assumptions: tuple[Assumption, ...]
    conflicts: tuple[Conflict, ...]

    def get(self, key: str) -> Figure:
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)

    def value(self, key: str) -> float:
        return self.get(key).value

    def series(self, prefix: str) -> list[float]:
        """The projection of one quantity over HORIZONS: now, 6 months, 1 year, 3 years."""
        return [self.value(f"{prefix}.{_h(h)}") for h in HORIZONS]

    def assumed(self, topic: str) -> bool:
        return any(a.topic == topic for a in self.assumptions)


def _h(years: float) -> str:
    return {0.0: "now", 0.5: "6m", 1.0: "1y", 3.0: "3y"}.get(years, f"{years:g}y")


def _years(key: str) -> float:
    """The horizon of a growth key: "growth.users.3y" → 3, "growth.users.18m" → 1.5."""
    last = key.rsplit(".", 1)[1]
    return float(last[:-1]) / 12 if last.endswith("m") else float(last.rstrip("y"))


class _Model:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.figures: list[Figure] = []
        self.assumptions: dict[str, Assumption] = {}
        self.conflicts: list[Conflict] = []

    def assume(self, key: str, value: float | str, text: str, topic: str) -> float | str:
        self.assumptions.setdefault(key, Assumption(key=key, value=value, text=text, topic=topic))
        return value

    def figure(self, key: str, label: str, value: float, unit: str, formula: str, inputs: dict[str, float],
               assumed: set[str] | tuple[str, ...] = ()) -> float:
        self.figures.append(Figure(key=key, label=label, value=value, unit=unit, formula=formula, inputs=inputs,
                                   assumed=tuple(k for k in inputs if k in set(assumed))))
        return value


def capacity(facts: Facts) -> Capacity:
    m = _Model(facts)
    f = facts
    assumed: set[str] = set()

    # ---- people at the same moment ----------------------------------------------------------------------------
    peak_factor = f.number("load.peak_factor")
    daily_peak = 4.0  # busiest hour vs the day's average
    if f.top("users.concurrent") is not None:
        concurrent = f.top("users.concurrent") or 0.0
        m.figure("users.concurrent.now", "People at the same moment, peak today", concurrent, "users",
                 "stated in the brief (the top of a range)", {"stated": concurrent})
    else:
        dau = f.top("users.daily_active")
        if dau is None and f.top("users.monthly_active") is not None:
            dau = (f.top("users.monthly_active") or 0) * 0.3
            m.assume("dau_share", 0.3, "daily active users are 30% of monthly active users", "concurrency")
            assumed.add("daily_active")
        if dau is None and f.top("users.registered") is not None:
            dau = (f.top("users.registered") or 0) * 0.1
            m.assume("dau_registered", 0.1, "10% of registered users are active on a given day", "concurrency")
            assumed.add("daily_active")
        if dau is not None:
            sessions, length = 2.0, 10.0
            m.assume("sessions", sessions, "2 sessions per active user per day of about 10 minutes each",
                     "concurrency")
            m.assume("daily_peak", daily_peak, "the busiest hour carries 4x the day's average traffic", "concurrency")
            arrival = dau * sessions / 86400 * daily_peak
            concurrent = m.figure(
                "users.concurrent.now", "People at the same moment, peak today (Little's law)",
                round(arrival * length * 60), "users",
                "L = λ × W: sessions starting per second at peak (daily active × sessions a day ÷ 86,400 × peak-hour "
                "factor) × session length in seconds",
                {"daily_active": dau, "sessions_per_day": sessions, "peak_hour_factor": daily_peak,
                 "session_minutes": length}, assumed | {"sessions_per_day", "peak_hour_factor", "session_minutes"})
        else:
            concurrent = 1000.0
            m.assume("concurrency", concurrent, "1,000 people using the product at the same moment at peak is "
                                                "assumed", "concurrency")
            m.figure("users.concurrent.now", "People at the same moment, peak today", concurrent, "users",
                     "assumed: the brief gives no user numbers", {"assumed_concurrency": concurrent},
                     {"assumed_concurrency"})

    stated_concurrent = f.top("users.concurrent")
    for key, what in (("users.daily_active", "daily active users"), ("users.monthly_active", "monthly active users"),
                      ("users.registered", "registered users")):
        total = f.top(key)
        if stated_concurrent is not None and total is not None and stated_concurrent > total:
            m.conflicts.append(Conflict(keys=("users.concurrent", key), message=(
                f"{stated_concurrent:,.0f} people at the same moment at peak is more than the {total:,.0f} {what}: "
                "one of the two is probably not what was meant.")))
            break  # the smallest total named first; one message is enough

    # ---- growth -------------------------------------------------------------------------------------------------
    base = _growth_points(f, concurrent)
    period_assumed = False
    if not base and (undated := _undated_target(f)) is not None:
        # No date we can count from (the reader never uses today's date): the target is reached in three years.
        base, period_assumed = {3.0: undated.number or 1.0}, True
        m.assume("growth_period", 3.0, f"your brief's {undated.number:g}x growth of {undated.key.split('.')[2]} names "
                                       "no period we can count from, so it is assumed to be reached in three years",
                 "growth_period")
    if not base:
        base = {1.0: 2.0, 3.0: 4.0}
        m.assume("growth", "2x, 4x", "2x in one year and 4x in three years is assumed", "growth")
    growth_assumed = {"growth"} if m.assumptions.get("growth") else set()
    yearly = _yearly(base)
    multipliers = [_at(base, h, yearly) for h in HORIZONS]
    # The multiplier at a horizon rests on an assumption when growth is assumed, its period is, or the model extends
    # the brief's growth past the last horizon the brief names ("2x in a year" says nothing of year three).
    extended = [bool(growth_assumed) or period_assumed or h > max(base) for h in HORIZONS]
    m.figure("growth.yearly", "Growth per year (compounded)", round(yearly, 3), "x",
             "yearly = M^(1/years) from the longest stated horizon", {f"x{k:g}y": v for k, v in base.items()},
             {f"x{k:g}y" for k in base} if growth_assumed or period_assumed else ())
    for h, mult, ext in zip(HORIZONS, multipliers, extended):
        m.figure(f"growth.{_h(h)}", f"Load multiplier at {_h(h)}", round(mult, 2), "x",
                 "stated where the brief gives it, else yearly^years", {"yearly": yearly, "years": h},
                 {"yearly"} if ext and h else ())
    target = {(_years(fa.key)): fa for fa in f.starting("target.users.concurrent.")}
    for h, mult, ext in zip(HORIZONS, multipliers, extended):
        if h in target and target[h].top is not None:
            m.figure(f"users.concurrent.{_h(h)}", f"People at the same moment at {_h(h)}", target[h].top or 0,
                     "users", "stated in the brief", {"stated": target[h].top or 0})
        elif h:
            m.figure(f"users.concurrent.{_h(h)}", f"People at the same moment at {_h(h)}", concurrent * mult,
                     "users", "concurrent now × growth multiplier", {"concurrent_now": concurrent, "multiplier": mult},
                     {"multiplier"} if ext else ())

    # ---- request rates ------------------------------------------------------------------------------------------
    per_day = f.top("load.per_day")
    per_day_assumed = per_day is None
    if per_day is None:
        per_day = concurrent * 100
        m.assume("transactions", per_day, "about 100 key actions per concurrent user per day is assumed",
                 "transactions")
    think = 4.0
    m.assume("think_time", think, "each active person sends about one request every 4 seconds", "")
    stated_rps = f.top("load.requests_per_second")
    stated_avg = f.top("load.requests_per_second_avg")
    devices, interval = f.top("load.devices"), f.top("load.device_interval")
    device_rps = None
    if devices and interval:  # machines send on a clock, day and night: their rate adds to the people's
        device_rps = m.figure("rps.devices.now", "Device messages per second", round(devices / interval, 1), "msg/s",
                              "devices ÷ seconds between two messages from one device",
                              {"devices": devices, "interval_s": interval})
    if stated_rps is not None:
        peak_rps = m.figure("rps.peak.now", "Requests per second at peak", stated_rps, "req/s", "stated in the brief",
                            {"stated": stated_rps})
    else:
        from_users = concurrent / think
        from_actions = per_day * 3 * daily_peak / 86400
        formula = "max(concurrent ÷ think time, actions a day × 3 requests each × peak-hour factor ÷ 86,400)"
        inputs = {"concurrent": concurrent, "think_time_s": think, "actions_per_day": per_day,
                  "requests_per_action": 3, "peak_hour_factor": daily_peak}
        if device_rps is not None:
            formula += " + device messages per second"
            inputs["device_messages_per_s"] = device_rps
        peak_rps = m.figure(
            "rps.peak.now", "Requests per second at peak",
            math.ceil(max(from_users, from_actions) + (device_rps or 0)), "req/s", formula, inputs,
            {"think_time_s", "requests_per_action", "peak_hour_factor"} | ({"actions_per_day"} if per_day_assumed
                                                                           else set()))
    if stated_avg is not None:
        avg_rps = m.figure("rps.average", "Requests per second on average", stated_avg, "req/s",
                           "stated in the brief", {"stated": stated_avg})
    else:
        avg_rps = m.figure("rps.average", "Requests per second on average", round(peak_rps / daily_peak, 1), "req/s",
                           "peak ÷ peak-hour factor", {"peak": peak_rps, "peak_hour_factor": daily_peak},
                           {"peak_hour_factor"})
    m.figure("rps.peak_factor", "Peak ÷ average", round(peak_rps / avg_rps, 2) if avg_rps else 0, "x",
             "peak requests per second ÷ average", {"peak": peak_rps, "average": avg_rps})
    if stated_rps is not None and stated_avg is not None and stated_rps < stated_avg:
        m.conflicts.append(Conflict(keys=("load.requests_per_second", "load.requests_per_second_avg"), message=(
            f"The peak ({stated_rps:,.0f} requests/s) is lower than the average ({stated_avg:,.0f} requests/s): "
            "one of the two is probably not what was meant.")))
    if peak_factor is not None:
        if peak_factor < 1:
            m.conflicts.append(Conflict(keys=("load.peak_factor",), message=(
                f"The peak is given as {peak_factor:g}x normal traffic, which is lower than normal.")))
        m.figure("rps.event_peak", "Requests per second in the brief's peak event", math.ceil(avg_rps * peak_factor),
                 "req/s", "average × the brief's peak factor", {"average": avg_rps, "peak_factor": peak_factor})
    for h, mult, ext in zip(HORIZONS, multipliers, extended):
        if h:
            m.figure(f"rps.peak.{_h(h)}", f"Requests per second at peak, {_h(h)}", math.ceil(peak_rps * mult),
                     "req/s", "peak now × growth multiplier", {"peak_now": peak_rps, "multiplier": mult},
                     {"multiplier"} if ext else ())
    tx_points = {_years(fa.key): fa.number or 1.0 for fa in f.starting("growth.transactions.")}
    for h, mult, ext in zip(HORIZONS, multipliers, extended):
        tx_mult = _at(tx_points, h, _yearly(tx_points), after=yearly) if tx_points else mult
        tx_ext = h > max(tx_points) if tx_points else ext
        m.figure(f"per_day.{_h(h)}", f"Key actions per day, {_h(h)}", per_day * tx_mult, "/day",
                 "actions a day now × growth multiplier", {"per_day_now": per_day, "multiplier": tx_mult},
                 ({"per_day_now"} if per_day_assumed else set()) | ({"multiplier"} if tx_ext and h else set()))

    # ---- latency goals and instances --------------------------------------------------------------------------
    goal = f.number("latency.api.p95")
    if goal is None:
        goal = next((f.number(k) for k in ("latency.api.target", "latency.api.p99", "latency.other.p95",
                                            "latency.other.target") if f.number(k) is not None), None)
    goal_assumed = goal is None
    if goal is None:
        goal = 200.0
        m.assume("api_latency", goal, "API responses within 200 ms for 95% of requests is assumed", "latency")
    service = 20.0
    m.assume("service_time", service, "a request keeps one worker busy for about 20 ms on average", "")
    rho = max(0.3, min(0.75, 1 - service * math.log(20) / goal))
    m.figure("utilisation.target", "Target CPU utilisation", round(rho, 2), "",
             "ρ = 1 − S × ln(20) ÷ p95 goal, kept within 0.30–0.75 (M/M/1: p95 ≈ S × ln 20 ÷ (1 − ρ))",
             {"service_ms": service, "p95_goal_ms": goal}, {"service_ms"} | ({"p95_goal_ms"} if goal_assumed else set()))
    workers = 4.0
    per_instance = workers / (service / 1000) * rho
    m.figure("instance.capacity", "Requests per second one instance serves at the target utilisation",
             math.floor(per_instance), "req/s", "workers ÷ service time × ρ",
             {"workers": workers, "service_ms": service, "utilisation": rho}, {"workers", "service_ms"})
    m.figure("requests.in_flight", "Requests in flight at peak (Little's law)", math.ceil(peak_rps * service / 1000),
             "requests", "L = λ × W: peak requests per second × service time", {"peak_rps": peak_rps,
                                                                               "service_ms": service}, {"service_ms"})
    zones = 3.0
    m.assume("zones", zones, "three availability zones (or data-centre rooms), any one of which may fail", "")
    need = max(1, math.ceil(peak_rps / math.floor(per_instance)))
    m.figure("instances.needed", "Instances needed at peak", need, "instances", "⌈peak ÷ per-instance capacity⌉",
             {"peak_rps": peak_rps, "per_instance": math.floor(per_instance)})
    m.figure("instances.n_plus_1", "Instances with N+1", need + 1, "instances", "needed + 1", {"needed": need})
    zone_min = max(need + 1, math.ceil(need * zones / (zones - 1)), 2)
    m.figure("instances.min", "Minimum instances (survive losing a zone)", zone_min, "instances",
             "max(N+1, ⌈needed × zones ÷ (zones − 1)⌉)", {"needed": need, "zones": zones}, {"zones"})
    need_3y = math.ceil(peak_rps * multipliers[3] / math.floor(per_instance))
    max_instances = max(zone_min * 2, math.ceil(need_3y * zones / (zones - 1)))
    m.figure("instances.max", "Maximum instances (3-year peak, zone loss)", max_instances, "instances",
             "max(2 × minimum, ⌈3-year peak ÷ per-instance × zones ÷ (zones − 1)⌉)",
             {"peak_3y": peak_rps * multipliers[3], "per_instance": math.floor(per_instance), "zones": zones},
             {"zones"} | ({"peak_3y"} if extended[3] else set()))
    web_min = max(2, math.ceil(concurrent / 2000))
    m.figure("web.min", "Web instances, minimum", web_min, "instances", "max(2, ⌈concurrent ÷ 2,000⌉)",
             {"concurrent": concurrent, "per_web_instance": 2000}, {"per_web_instance"})
    m.figure("web.max", "Web instances, maximum", max(web_min * 2, math.ceil(concurrent * multipliers[3] / 2000 * 1.5)),
             "instances", "max(2 × minimum, ⌈3-year concurrent ÷ 2,000 × 1.5⌉)",
             {"concurrent_3y": concurrent * multipliers[3], "per_web_instance": 2000}, {"per_web_instance"})

    # ---- database -----------------------------------------------------------------------------------------------
    read_share_fact = f.number("load.read_share")
    read_share = (read_share_fact / 100) if read_share_fact is not None else 0.8
    if read_share_fact is None:
        m.assume("read_share", 0.8, "80% of database queries are reads", "")
    qpr = 4.0
    m.assume("queries_per_request", qpr, "an API request runs about 4 database queries", "")
    qps = m.figure("db.qps", "Database queries per second at peak (before cache)", math.ceil(peak_rps * qpr), "q/s",
                   "peak requests per second × queries per request", {"peak_rps": peak_rps, "queries_per_request": qpr},
                   {"queries_per_request"})
    m.figure("db.read_share", "Share of queries that are reads", read_share, "", "stated" if read_share_fact else
             "assumed", {"read_share": read_share}, () if read_share_fact else {"read_share"})
    replicas = 1 if peak_rps < 200 else 2 if peak_rps < 1500 else 3
    m.figure("db.replicas", "Read replicas", replicas, "replicas", "1 below 200 req/s, 2 below 1,500, else 3",
             {"peak_rps": peak_rps})
    node_qps = 5000.0
    m.assume("node_qps", node_qps, "one database node answers about 5,000 simple queries a second comfortably", "")
    reads = qps * read_share
    hit_needed = max(0.0, 1 - replicas * node_qps / reads) if reads else 0.0
    m.figure("cache.hit_needed", "Cache hit rate needed", round(hit_needed, 3), "",
             "1 − (replicas × queries one node serves) ÷ read queries per second",
             {"read_qps": reads, "replicas": replicas, "node_qps": node_qps}, {"node_qps"})
    stated_hit = f.number("cache.hit_rate")
    hit_target = stated_hit / 100 if stated_hit is not None else max(0.8, math.ceil(hit_needed * 20) / 20)
    m.figure("cache.hit_target", "Cache hit rate target", hit_target, "",
             "stated" if stated_hit is not None else "max(80%, needed rounded up to 5%)", {"needed": hit_needed})

    database = f.text("stack.database") or "PostgreSQL"
    limit_fact = f.top("database.max_connections")
    limit = limit_fact if limit_fact is not None else DEFAULT_MAX_CONNECTIONS.get(database, 500)
    if limit_fact is None:
        m.assume("max_connections", limit, f"the database allows {limit:,.0f} connections (max_connections)", "")
    reserve = max(10, math.ceil(limit * 0.1))
    usable = max(1, int(limit - reserve))
    workers_db = max(4, max_instances // 2)
    instances_total = max_instances + workers_db
    per = min(20, usable // instances_total)
    if per >= 2:
        pooler = 0
        total = per * instances_total
        formula = "min(20, ⌊(max_connections − reserve) ÷ (API + worker instances at maximum)⌋) per instance"
    else:
        pooler = 1
        per, total = 10, usable
        formula = ("too many instances for direct connections: a connection pooler holds (max_connections − reserve) "
                   "server connections; each instance keeps 10 to the pooler")
    m.figure("pool.per_instance", "Connections per instance", per, "connections", formula,
             {"max_connections": limit, "reserve": reserve, "instances": instances_total},
             () if limit_fact is not None else {"max_connections"})
    m.figure("pool.total", "Database connections in use at maximum scale", total, "connections",
             "per instance × instances (or the pooler's server connections); never above max_connections − reserve",
             {"per_instance": per, "instances": instances_total, "max_connections": limit})
    m.figure("pool.limit", "Database connection limit (max_connections)", limit, "connections",
             "stated" if limit_fact is not None else "assumed default", {"max_connections": limit},
             () if limit_fact is not None else {"max_connections"})
    m.figure("pool.pooler", "Connection pooler needed", pooler, "", "1 when instances × 2 > usable connections",
             {"usable": usable, "instances": instances_total})
    m.figure("workers.max", "Background workers, maximum", workers_db, "instances", "max(4, API maximum ÷ 2)",
             {"api_max": max_instances})

    # ---- storage ------------------------------------------------------------------------------------------------
    data = f.top("data.size")
    data_assumed = data is None
    if data is None:
        data = max(100.0, per_day * 2e-6 * 365)  # 2 KB per action for a year
        m.assume("data", data, f"about {data:,.0f} GB of data is assumed (2 KB per action, one year kept)", "data")
    monthly = f.number("data.growth_per_month")
    for h, mult, ext in zip(HORIZONS, multipliers, extended):
        if monthly is not None:
            value = data + monthly * 12 * h
            m.figure(f"data.{_h(h)}", f"Data stored, {_h(h)}", value, "GB", "today + monthly growth × months",
                     {"today_gb": data, "per_month_gb": monthly, "months": 12 * h}, {"today_gb"} if data_assumed else ())
        else:
            m.figure(f"data.{_h(h)}", f"Data stored, {_h(h)}", data * mult, "GB", "today × growth multiplier",
                     {"today_gb": data, "multiplier": mult},
                     ({"today_gb"} if data_assumed else set()) | ({"multiplier"} if ext and h else set()))
    backup_factor = 1.5
    m.assume("backups", backup_factor, "backups take 1.5x the data (a weekly full copy plus 35 days of changes)", "")
    data_3y = m.figures[-1].value
    m.figure("storage.total_3y", "Storage in three years with replicas and backups",
             data_3y * (1 + replicas) + data_3y * backup_factor, "GB",
             "data × (1 primary + replicas) + data × backup factor",
             {"data_3y_gb": data_3y, "replicas": replicas, "backup_factor": backup_factor}, {"backup_factor"})

    # ---- availability, error budget, recovery ----------------------------------------------------------------------
    availability = f.number("availability")
    if availability is None:
        availability = 99.9
        m.assume("uptime", availability, "99.9% uptime is assumed", "uptime")
    budget = 1 - availability / 100
    downtime = m.figure("downtime.month", "Downtime allowed per month", budget * MINUTES_PER_MONTH, "min",
                        "(1 − availability) × 43,830 minutes", {"availability": availability},
                        {"availability"} if m.assumptions.get("uptime") else ())
    m.figure("error_budget.requests", "Failed requests allowed per month", budget * avg_rps * SECONDS_PER_MONTH,
             "requests", "(1 − availability) × average requests per second × seconds in a month",
             {"availability": availability, "average_rps": avg_rps})
    for rate, window, spent, action in BURN_RATES:
        m.figure(f"burn.{rate:g}", f"Alert ({action}) when the error rate over {window} exceeds", rate * budget * 100,
                 "%", f"burn rate {rate:g} × error budget ({spent} of the month's budget spent in the window)",
                 {"burn_rate": rate, "error_budget": budget})
    rto = f.number("rto")
    rpo = f.number("rpo")
    if rto is None:
        rto = 5.0 if availability >= 99.99 else 10.0 if availability >= 99.95 else 15.0 if availability >= 99.9 else 30.0
        m.assume("recovery", rto, f"recovery within {rto:g} minutes after a failure is assumed", "recovery")
    if rpo is None:
        rpo = 1.0 if availability >= 99.99 else 5.0
        m.assume("rpo", rpo, f"at most {rpo:g} minute{'s' if rpo != 1 else ''} of lost data is assumed", "rpo")
    failover = f.number("failover")
    typical_failover = 2.0  # detection ~1 min + automatic promotion of a replica ~1 min
    if failover is not None and rto < failover:
        m.conflicts.append(Conflict(keys=("rto", "failover"), message=(
            f"The recovery time (RTO {rto:g} min) is shorter than the failover time ({failover:g} min) the brief "
            "gives: recovery can't finish before the failover does.")))
    elif failover is None and rto < typical_failover and f.get("rto") is not None:
        m.conflicts.append(Conflict(keys=("rto",), message=(
            f"The recovery time (RTO {rto:g} min) is shorter than a typical automatic database failover (about "
            f"{typical_failover:g} minutes: detection plus promotion); it needs a hot standby with automatic failover.")))
    if f.get("rto") is not None and f.get("availability") is not None and rto > downtime:
        m.conflicts.append(Conflict(keys=("rto", "availability"), message=(
            f"One outage of the full recovery time ({rto:g} min) would use more than the month's downtime budget "
            f"at {availability:g}% availability ({downtime:.1f} min).")))
    detect = 1.0 if rto >= 4 else 0.5
    decide = 0.0 if rto < 10 else round(rto / 6)
    fail = max(0.5, round((rto - detect - decide) * 0.6, 1))
    m.figure("recovery.detect", "Detection", detect, "min", "1 minute (30 s when the RTO is under 4 minutes)",
             {"rto": rto})
    m.figure("recovery.decide", "Decision", decide, "min", "automatic under a 10-minute RTO, else RTO ÷ 6",
             {"rto": rto})
    m.figure("recovery.failover", "Failover", fail, "min", "60% of what the RTO leaves after detection and decision",
             {"rto": rto, "detect": detect, "decide": decide})
    m.figure("recovery.rto", "Recovery time objective", rto, "min", "stated" if f.get("rto") else "assumed",
             {"rto": rto}, () if f.get("rto") else {"rto"})
    m.figure("recovery.rpo", "Recovery point objective", rpo, "min", "stated" if f.get("rpo") else "assumed",
             {"rpo": rpo}, () if f.get("rpo") else {"rpo"})

    # ---- latency table: stated percentiles are kept, the others derived and labelled ---------------------------
    for operation in sorted({fa.key.split(".")[1] for fa in f.starting("latency.")}):
        stated = {fa.key.split(".")[2]: fa.number for fa in f.starting(f"latency.{operation}.")}
        p50, p95, p99 = stated.get("p50"), stated.get("p95"), stated.get("p99")
        if p95 is not None and p99 is not None and p99 < p95:
            m.conflicts.append(Conflict(keys=(f"latency.{operation}.p95", f"latency.{operation}.p99"), message=(
                f"The 99th-percentile target ({p99:g} ms) is faster than the 95th ({p95:g} ms) for {operation}.")))
        if p50 is not None and p95 is not None and p95 < p50:
            m.conflicts.append(Conflict(keys=(f"latency.{operation}.p50", f"latency.{operation}.p95"), message=(
                f"The median target ({p50:g} ms) is slower than the 95th percentile ({p95:g} ms) for {operation}.")))
    if multipliers[3] < 1:
        m.conflicts.append(Conflict(keys=("growth",), message="The growth figures shrink the load over three years."))
    return Capacity(figures=tuple(m.figures), assumptions=tuple(m.assumptions.values()),
                    conflicts=tuple(m.conflicts))


METRIC_RANK = ["users", "traffic", "customers"]


def _growth_points(f: Facts, concurrent: float) -> dict[float, float]:
    """Load multipliers by horizon (years) from the growth facts, best metric first at each horizon."""
    points: dict[float, tuple[int, float]] = {}

    def offer(years: float, multiplier: float, rank: int) -> None:
        if multiplier > 0 and (years not in points or rank < points[years][0]):
            points[years] = (rank, multiplier)

    for fa in f.starting("target.users.concurrent."):
        if concurrent and fa.top:
            offer(_years(fa.key), fa.top / concurrent, 0)
    # "grow to 3 million users within two years" against the same kind of users the brief counts today
    for kind in ("daily_active", "monthly_active", "registered"):
        today = f.top(f"users.{kind}")
        for fa in f.starting(f"target.users.{kind}."):
            if today and fa.top:
                offer(_years(fa.key), fa.top / today, 1)
    for fa in f.starting("growth."):
        parts = fa.key.split(".")
        if len(parts) == 3 and parts[1] in METRIC_RANK and fa.number is not None:  # not growth.target.<metric>
            offer(_years(fa.key), fa.number, 1 + METRIC_RANK.index(parts[1]))
    customers = f.top("customers")
    for fa in f.starting("target.customers."):
        if customers and fa.top:
            offer(_years(fa.key), fa.top / customers, 3)
    per_year = f.number("growth.per_year")
    if per_year is not None and not points:
        offer(1.0, per_year, 4)
        offer(3.0, per_year**3, 4)
    return {years: mult for years, (_, mult) in sorted(points.items())}


def _undated_target(f: Facts) -> Fact | None:
    """A growth multiplier the brief gives without a period we can count ("reach 1M by end of 2027 (roughly 8x)")."""
    targets = [fa for fa in f.starting("growth.target.") if fa.number and fa.number > 0]
    ranked = sorted(targets, key=lambda fa: METRIC_RANK.index(fa.key.split(".")[2])
                    if fa.key.split(".")[2] in METRIC_RANK else len(METRIC_RANK))
    return ranked[0] if ranked else None


def _yearly(points: dict[float, float]) -> float:
    if not points:
        return 1.0
    horizon = max(points)
    return points[horizon] ** (1 / horizon) if horizon > 0 else 1.0


def _at(points: dict[float, float], years: float, yearly: float, after: float | None = None) -> float:
    """The multiplier at a horizon: stated there, else compounded from the last stated point before it (or 1).
    Past the last stated point the load grows at `after` (the overall yearly rate), not at this metric's rate."""
    if years == 0:
        return 1.0
    if years in points:
        return points[years]
    earlier = [h for h in points if h < years]
    if earlier:
        h = max(earlier)
        return points[h] * (after if after is not None else yearly) ** (years - h)
    return yearly**years


def short_number(value: float) -> str:
    """1,200 · 45K · 1.2M: two significant figures, so projections don't pretend to precision they don't have."""
    value = nice(value)
    if value >= 1_000_000:
        return re.sub(r"\.0M$", "M", f"{value / 1_000_000:.1f}M")
    if value >= 100_000:
        return f"{value / 1000:.0f}K"
    return f"{value:,}"


def nice(value: float) -> int:
    if value <= 0:
        return 0
    digits = max(0, math.floor(math.log10(value)) - 1)
    return round(value / 10**digits) * 10**digits
