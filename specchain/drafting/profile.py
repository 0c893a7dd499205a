"""Everything the writer needs, derived once from the brief: figures with stated assumptions, and named products."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from specchain.drafting.facts import Stack, nice, read_growth, read_load, read_stack, read_targets
from specchain.inputs import ChainInputs

CLOUD_PRODUCTS = {
    "AWS": dict(cdn="CloudFront", lb="Application Load Balancer", lb_short="ALB", queue="SQS", storage="S3",
                dns="Route 53", cache_service="ElastiCache", compute="ECS on Fargate", k8s="EKS",
                managed_db="RDS", regions=["us-east-1", "us-west-2", "eu-west-1"], monitoring="CloudWatch",
                web_sizes="c7g.large → c7g.2xlarge", db_sizes="db.r7g.large → db.r7g.4xlarge",
                cache_sizes="cache.r7g.large → cache.r7g.xlarge", object_price=23),
    "Google Cloud": dict(cdn="Cloud CDN", lb="Cloud Load Balancing", lb_short="Cloud Load Balancing", queue="Pub/Sub", storage="Cloud Storage",
                         dns="Cloud DNS", cache_service="Memorystore", compute="Cloud Run", k8s="GKE",
                         managed_db="Cloud SQL", regions=["us-central1", "us-east1", "europe-west1"],
                         monitoring="Cloud Monitoring", web_sizes="e2-standard-2 → c3-standard-8",
                         db_sizes="db-custom-4-16384 → db-custom-16-65536",
                         cache_sizes="Standard 5 GB → Standard 25 GB", object_price=20),
    "Azure": dict(cdn="Azure Front Door", lb="Azure Application Gateway", lb_short="Application Gateway", queue="Azure Service Bus",
                  storage="Blob Storage", dns="Azure Traffic Manager", cache_service="Azure Cache for Redis",
                  compute="Azure Container Apps", k8s="AKS", managed_db="Azure Database (Flexible Server)",
                  regions=["eastus2", "centralus", "westus3"], monitoring="Azure Monitor",
                  web_sizes="D2s_v5 → F16s_v2", db_sizes="D4ds_v5 → D16ds_v5",
                  cache_sizes="Premium P1 → Premium P3", object_price=21),
}
ENTITIES = ["orders", "tasks", "projects", "messages", "listings", "records", "bookings", "transactions",
            "documents", "tickets", "posts", "events", "payments", "invoices", "comments", "files"]


@dataclass(frozen=True)
class Figures:
    concurrent: list[int]  # now, 6 months, 1 year, 3 years
    rps: list[int]
    data_tb: list[float]
    daily: list[int]


@dataclass
class Profile:
    app: str
    stack: Stack
    cloud: str
    products: dict[str, object]
    database: str
    cache: str
    queue: str
    language: str  # "javascript", "python" or "java": the language of code examples
    entity: str
    page_s: float
    api_ms: float
    search_ms: float
    report_s: float
    uptime: float
    rpo_min: float
    rto_min: float
    growth1: float
    growth3: float
    figures: Figures
    api_instances: tuple[int, int]
    web_instances: tuple[int, int]
    replicas: int
    regulated: list[str]
    assumptions: dict[str, str] = field(default_factory=dict)  # topic → what we assumed, asked back later
    answers: list[tuple[str, str]] = field(default_factory=list)


def build_profile(inputs: ChainInputs) -> Profile:
    v = {k: (inputs.values.get(k) or "").strip() for k in
         ("app_name", "expected_load", "performance_requirements", "technical_stack", "growth_projections")}
    answers_text = "\n".join(a.answer for a in inputs.answers if a.answer.strip())
    everything = "\n".join([*v.values(), answers_text])
    assumed: dict[str, str] = {}

    stack = read_stack(v["technical_stack"] + "\n" + answers_text)
    load = read_load(v["expected_load"] + "\n" + answers_text)
    targets = read_targets(v["performance_requirements"] + "\n" + answers_text)
    growth = read_growth(v["growth_projections"] + "\n" + answers_text)

    cloud = stack.cloud or "AWS"
    if not stack.cloud:
        assumed["cloud"] = "AWS service names are used as examples; every major cloud has equivalents"
    database = stack.database or "PostgreSQL"
    if not stack.database:
        assumed["database"] = "a relational database (PostgreSQL) is assumed"
    language = {"Python": "python", "Java": "java"}.get(stack.backend, "javascript")

    concurrent = load.concurrent_users
    if concurrent is None and load.active_users:
        concurrent = load.active_users * 0.05
        assumed["concurrency"] = f"peak concurrency estimated at 5% of {load.active_users:,.0f} active users"
    if concurrent is None:
        concurrent = 1000
        assumed["concurrency"] = "1,000 concurrent users at peak is assumed"
    daily = load.daily_transactions
    if daily is None:
        daily = concurrent * 100
        assumed["transactions"] = "about 100 transactions per concurrent user per day is assumed"
    data_tb = load.data_tb
    if data_tb is None:
        data_tb = max(0.1, daily * 365 * 2e-9 * 10)  # ~2 KB a transaction, ten years of growth headroom
        assumed["data"] = f"about {data_tb:.1f} TB of data is assumed"
    g1 = growth.year1 or 2.0
    g3 = growth.year3 or max(g1 * 2, 4.0)
    if growth.year1 is None and growth.year3 is None:
        assumed["growth"] = "2x in one year and 4x in three years is assumed"
    multipliers = [1.0, math.sqrt(g1), g1, g3]
    rps_now = max(concurrent * 0.25, daily * 3 * 4 / 86400)
    figures = Figures(
        concurrent=[nice(concurrent * m) for m in multipliers],
        rps=[nice(rps_now * m) for m in multipliers],
        data_tb=[round(data_tb * m, 1) if data_tb * m < 10 else nice(data_tb * m) for m in multipliers],
        daily=[nice(daily * m) for m in multipliers],
    )
    uptime = targets.uptime or 99.9
    if targets.uptime is None:
        assumed["uptime"] = "99.9% uptime is assumed"
    rto = targets.rto_min or (5 if uptime >= 99.99 else 10 if uptime >= 99.95 else 15 if uptime >= 99.9 else 30)
    rpo = targets.rpo_min or (1 if uptime >= 99.99 else 5)
    if targets.rto_min is None:
        assumed["recovery"] = f"recovery within {rto:g} minutes after a failure is assumed"
    per_api = 150  # requests a second one API instance serves comfortably
    api_min = max(2, math.ceil(figures.rps[0] / per_api))
    api_max = max(api_min * 2, math.ceil(figures.rps[3] / per_api * 1.5))
    web_min = max(2, math.ceil(figures.concurrent[0] / 2000))
    web_max = max(web_min * 2, math.ceil(figures.concurrent[3] / 2000 * 1.5))
    entity = next((e for e in ENTITIES if re.search(rf"\b{e}\b", everything, re.IGNORECASE)), "items")
    regulated = [name for pattern, name in [(r"hipaa|patient|clinical|health", "HIPAA"),
                                            (r"gdpr|\beu\b|europe", "GDPR"), (r"pci|card payment|checkout", "PCI DSS"),
                                            (r"soc ?2", "SOC 2")] if re.search(pattern, everything, re.IGNORECASE)]
    return Profile(
        app=v["app_name"] or "Your product",
        stack=stack, cloud=cloud, products=CLOUD_PRODUCTS[cloud], database=database,
        cache=stack.cache or "Redis", queue=stack.queue or str(CLOUD_PRODUCTS[cloud]["queue"]),
        language=language, entity=entity,
        page_s=targets.page_load_s or 2.0, api_ms=targets.api_ms or 200.0,
        search_ms=targets.search_ms or 400.0, report_s=targets.report_s or 10.0,
        uptime=uptime, rpo_min=rpo, rto_min=rto, growth1=g1, growth3=g3, figures=figures,
        api_instances=(api_min, api_max), web_instances=(web_min, web_max),
        replicas=1 if figures.rps[0] < 200 else 2 if figures.rps[0] < 1500 else 3,
        regulated=regulated, assumptions=assumed,
        answers=[(a.question, a.answer) for a in inputs.answers if a.answer.strip()],
    )
