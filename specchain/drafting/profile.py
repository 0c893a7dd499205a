"""Everything the writer needs, derived once: the facts read from the brief, the capacity model, product names.

No figure is invented here: numbers come from specchain.facts (what the brief says) and specchain.facts.capacity
(what follows from it by a formula). Names the brief doesn't give (a cloud, a database) are defaults listed as
assumptions, which the document then asks about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from specchain.facts.capacity import Capacity, capacity
from specchain.facts.model import Facts
from specchain.facts.read import read_facts
from specchain.inputs import ChainInputs

CLOUD_PRODUCTS: dict[str, dict[str, object]] = {
    "AWS": {"cdn": "CloudFront", "lb": "Application Load Balancer", "lb_short": "ALB", "queue": "SQS", "storage": "S3",
                "dns": "Route 53", "cache_service": "ElastiCache", "compute": "ECS on Fargate", "k8s": "EKS",
                "managed_db": "RDS", "monitoring": "CloudWatch",
                "regions": {"US": ["us-east-1", "us-west-2"], "EU": ["eu-central-1", "eu-west-1"],
                         "UK": ["eu-west-2", "eu-west-1"], "": ["us-east-1", "us-west-2", "eu-west-1"]},
                "web_sizes": "c7g.large → c7g.2xlarge", "db_sizes": "db.r7g.large → db.r7g.4xlarge",
                "cache_sizes": "cache.r7g.large → cache.r7g.xlarge", "object_price": 23},
    "Google Cloud": {"cdn": "Cloud CDN", "lb": "Cloud Load Balancing", "lb_short": "Cloud Load Balancing", "queue": "Pub/Sub",
                         "storage": "Cloud Storage", "dns": "Cloud DNS", "cache_service": "Memorystore", "compute": "Cloud Run",
                         "k8s": "GKE", "managed_db": "Cloud SQL", "monitoring": "Cloud Monitoring",
                         "regions": {"US": ["us-central1", "us-east1"], "EU": ["europe-west3", "europe-west1"],
                                  "UK": ["europe-west2", "europe-west1"],
                                  "": ["us-central1", "us-east1", "europe-west1"]},
                         "web_sizes": "e2-standard-2 → c3-standard-8", "db_sizes": "db-custom-4-16384 → db-custom-16-65536",
                         "cache_sizes": "Standard 5 GB → Standard 25 GB", "object_price": 20},
    "Azure": {"cdn": "Azure Front Door", "lb": "Azure Application Gateway", "lb_short": "Application Gateway",
                  "queue": "Azure Service Bus", "storage": "Blob Storage", "dns": "Azure Traffic Manager",
                  "cache_service": "Azure Cache for Redis", "compute": "Azure Container Apps", "k8s": "AKS",
                  "managed_db": "Azure Database (Flexible Server)", "monitoring": "Azure Monitor",
                  "regions": {"US": ["eastus2", "centralus"], "EU": ["germanywestcentral", "westeurope"],
                           "UK": ["uksouth", "ukwest"], "": ["eastus2", "centralus", "westus3"]},
                  "web_sizes": "D2s_v5 → F16s_v2", "db_sizes": "D4ds_v5 → D16ds_v5",
                  "cache_sizes": "Premium P1 → Premium P3", "object_price": 21},
    "Alibaba Cloud": {"cdn": "Alibaba Cloud CDN", "lb": "Server Load Balancer (ALB)", "lb_short": "ALB",
                      "queue": "Message Queue for RabbitMQ", "storage": "OSS", "dns": "Alibaba Cloud DNS",
                      "cache_service": "Tair (Redis-compatible)", "compute": "Serverless App Engine (SAE)",
                      "k8s": "ACK", "managed_db": "ApsaraDB RDS", "monitoring": "CloudMonitor",
                      "regions": {"": ["cn-hangzhou", "cn-shanghai"], "EU": ["eu-central-1", "eu-west-1"],
                                  "US": ["us-west-1", "us-east-1"]},
                      "web_sizes": "ecs.c7.large → ecs.c7.2xlarge", "db_sizes": "rds.pg.s3.large → rds.pg.x4.xlarge",
                      "cache_sizes": "Tair 8 GB → Tair 32 GB", "object_price": 17},
    "On-premises": {"cdn": "Varnish edge cache",
                        "lb": "HAProxy (or the data centre's F5)", "lb_short": "HAProxy", "queue": "RabbitMQ",
                        "storage": "S3-compatible object storage (MinIO / Ceph)", "dns": "internal DNS / GSLB",
                        "cache_service": "Redis", "compute": "virtual machines", "k8s": "Kubernetes",
                        "managed_db": "self-managed", "monitoring": "Prometheus + Grafana",
                        "regions": {"": ["primary data centre", "secondary data centre"]},
                        "web_sizes": "4 vCPU / 8 GB → 16 vCPU / 32 GB VMs", "db_sizes": "16 → 64 cores, NVMe storage",
                        "cache_sizes": "16 GB → 64 GB RAM", "object_price": 10},
}
ENTITIES = ["orders", "tasks", "projects", "messages", "listings", "records", "bookings", "transactions",
            "documents", "tickets", "posts", "events", "payments", "invoices", "comments", "files"]
LANGUAGE_OF = {"Python": "python", "Java": "java", "Kotlin": "java", "Scala": "java"}
# Operations of the template's response-time table, then any other the brief names.
LATENCY_ROWS = [("page", "Page Load"), ("api", "API Response"), ("search", "Search Query"),
                ("upload", "File Upload"), ("report", "Report Generation")]
EXTRA_ROWS = {"checkout": "Checkout", "image": "Image Load", "processing": "Processing Delay", "other": "Response"}
MENTION_ORDER = ["stack.frontend", "stack.languages", "stack.database", "stack.cache", "stack.search", "stack.queue",
                 "platform.orchestrator", "platform.provider"]
DEFAULT_TARGETS_MS = {"page": 2000.0, "api": 200.0, "search": 400.0, "report": 10000.0}


@dataclass(frozen=True)
class LatencyCell:
    ms: float
    derived: bool  # not in the brief: computed from the stated figure of the same row, or a default
    assumed: bool = False  # a default, listed among the assumptions


@dataclass(frozen=True)
class LatencyRow:
    label: str
    operation: str
    target: LatencyCell
    p95: LatencyCell
    p99: LatencyCell
    stated: bool  # at least one cell is the brief's own figure


@dataclass
class Profile:
    app: str
    facts: Facts
    cap: Capacity
    stack: SimpleNamespace  # mentioned, kubernetes, mobile, frontend
    cloud: str
    cloud_detail: str
    products: dict[str, object]
    regions: list[str]
    database: str  # canonical name ("Oracle"), for tuning tables
    database_name: str  # with its version ("Oracle 19c"), for prose
    cache: str
    queue: str
    language: str  # "javascript", "python" or "java": the language of code examples
    entity: str
    latency: list[LatencyRow]
    api_p95_ms: float
    uptime: float
    rpo_min: float
    rto_min: float
    growth1: float
    growth3: float
    api_instances: tuple[int, int]
    web_instances: tuple[int, int]
    replicas: int
    pool: tuple[int, int, int]  # per instance, total, max_connections
    regulated: list[str]
    assumptions: dict[str, str] = field(default_factory=dict)  # topic → what we assumed, asked back later
    model_assumptions: list[str] = field(default_factory=list)  # modelling defaults behind the formulas

    def value(self, key: str) -> float:
        return self.cap.value(key)


def build_profile(inputs: ChainInputs) -> Profile:
    facts = read_facts(inputs.values, inputs.answers, inputs.corrections)
    cap = capacity(facts)
    assumed: dict[str, str] = {a.topic: a.text for a in cap.assumptions if a.topic}
    model = [a.text for a in cap.assumptions if not a.topic]

    provider = facts.get("platform.provider")
    cloud = str(provider.value) if provider else "AWS"
    if cloud not in CLOUD_PRODUCTS:
        cloud_detail, cloud = cloud, "On-premises"  # a hosting provider we have no product names for
    else:
        cloud_detail = provider.detail if provider else ""
    if provider is None:
        assumed["cloud"] = "AWS service names are used as examples; every major cloud has equivalents"
    products = dict(CLOUD_PRODUCTS[cloud])
    database_fact = facts.get("stack.database")
    database = str(database_fact.value) if database_fact else "PostgreSQL"
    if database_fact is None:
        assumed["database"] = "a relational database (PostgreSQL) is assumed"
    queue = facts.text("stack.queue") or str(products["queue"])
    if facts.get("stack.queue") is None:
        model.append(f"{queue} is used as the example queue for background work")
    orchestrator = facts.text("platform.orchestrator") or ""
    kubernetes = orchestrator in ("Kubernetes", "OpenShift")
    if orchestrator == "OpenShift" or cloud_detail == "OpenShift":
        products["k8s"] = "OpenShift"
    regions = _regions(facts, cloud, products)
    languages = (facts.text("stack.languages") or "").split(", ")
    language = LANGUAGE_OF.get(languages[0], "javascript") if languages[0] else "javascript"
    mentioned = list(dict.fromkeys(facts.get(k).name if k != "platform.provider" else str(facts.get(k).value)  # type: ignore[union-attr]
                                   for k in MENTION_ORDER if facts.get(k) is not None))
    stack = SimpleNamespace(mentioned=mentioned, kubernetes=kubernetes, mobile=facts.get("stack.mobile") is not None,
                            frontend=facts.text("stack.frontend") or "")
    everything = " ".join([*inputs.values.values(), *(a.answer for a in inputs.answers),
                           *inputs.corrections.values()])
    entity = next((e for e in ENTITIES if re.search(rf"\b{e}\b", everything, re.IGNORECASE)), "items")
    latency, defaults = _latency_rows(facts, cap)
    if defaults:
        assumed["latency"] = "speed targets your brief doesn't give are assumed: " + ", ".join(defaults)
    regulated = (facts.text("regulations") or "").split(", ") if facts.get("regulations") else []
    growth = cap.series("growth")
    return Profile(
        app=facts.text("app.name") or "Your product", facts=facts, cap=cap, stack=stack, cloud=cloud,
        cloud_detail=cloud_detail, products=products, regions=regions, database=database,
        database_name=database_fact.name if database_fact else database,
        cache=facts.text("stack.cache") or "Redis", queue=queue, language=language, entity=entity,
        latency=latency, api_p95_ms=next(r.p95.ms for r in latency if r.operation == "api"),
        uptime=cap.get("downtime.month").inputs["availability"],
        rpo_min=cap.value("recovery.rpo"), rto_min=cap.value("recovery.rto"), growth1=growth[2], growth3=growth[3],
        api_instances=(int(cap.value("instances.min")), int(cap.value("instances.max"))),
        web_instances=(int(cap.value("web.min")), int(cap.value("web.max"))),
        replicas=int(cap.value("db.replicas")),
        pool=(int(cap.value("pool.per_instance")), int(cap.value("pool.total")), int(cap.value("pool.limit"))),
        regulated=regulated, assumptions=assumed, model_assumptions=model,
    )


def _regions(facts: Facts, cloud: str, products: dict[str, object]) -> list[str]:
    stated = facts.text("platform.regions")
    if stated:
        return stated.split(", ")
    table: dict[str, list[str]] = products["regions"]  # type: ignore[assignment]
    geography = facts.text("platform.geography") or ""
    return list(table.get(geography, table[""]))


def _latency_rows(facts: Facts, cap: Capacity) -> tuple[list[LatencyRow], list[str]]:
    """Stated percentiles are kept as written; the other cells derive from them (median ≈ p95 ÷ 2,
    p99 ≈ 2 × p95; a plain target: p95 ≈ 1.5 ×, p99 ≈ 2.5 ×; a ceiling ("never more than"): p99 = the ceiling)."""
    rows: list[LatencyRow] = []
    defaults: list[str] = []
    operations = [op for op, _ in LATENCY_ROWS] + sorted(
        {f.key.split(".")[1] for f in facts.starting("latency.")} - {op for op, _ in LATENCY_ROWS})
    labels = dict(LATENCY_ROWS) | EXTRA_ROWS
    for op in operations:
        stated = {f.key.split(".")[2]: f.number for f in facts.starting(f"latency.{op}.") if f.number is not None}
        if op == "upload" and not stated:
            continue  # written per MB below, not a latency
        if op == "other" and stated and _said_elsewhere(facts, stated):
            continue  # "orders confirmed in under 500 ms" next to "API under 500 ms": one target, written once
        if "max" in stated and "p99" not in stated:
            stated["p99"] = stated.pop("max")
        else:
            stated.pop("max", None)
        if not stated:
            if op == "api" and not cap.assumed("latency"):
                stated_default = cap.get("utilisation.target").inputs["p95_goal_ms"]
                stated = {"p95": stated_default}
            else:
                default = DEFAULT_TARGETS_MS.get(op)
                if default is None:
                    continue
                name = "API response" if op == "api" else labels[op].capitalize()
                defaults.append(f"{name} {_fmt(default)}" + (" (95% of requests)" if op == "api" else ""))
                key = "p95" if op == "api" else "target"
                cells = _derive({key: default})
                marks = [name == key for name in ("target", "p95", "p99")]
                rows.append(LatencyRow(labels[op], op, *(LatencyCell(v, True, m) for v, m in zip(cells, marks)),
                                       stated=False))
                continue
        values = _derive({k: v for k, v in stated.items() if k in ("p50", "target", "p95", "p99", "p90")})
        names = ("target", "p95", "p99")
        cells = [LatencyCell(v, not (name in stated or (name == "target" and "p50" in stated)))
                 for name, v in zip(names, values)]
        rows.append(LatencyRow(labels[op], op, *cells, stated=True))
    return rows, defaults


def _said_elsewhere(facts: Facts, stated: dict[str, float]) -> bool:
    """Whether every figure of a target with no named operation is already a named operation's figure."""
    named = {f.number for f in facts.starting("latency.") if f.key.split(".")[1] != "other" and f.number is not None}
    return all(value in named for value in stated.values())


def _derive(stated: dict[str, float]) -> tuple[float, float, float]:
    """(target, p95, p99) from whichever of them the brief gives."""
    target = stated.get("target", stated.get("p50"))
    p95 = stated.get("p95", stated.get("p90"))
    p99 = stated.get("p99")
    if p95 is None:
        p95 = target * 1.5 if target is not None else p99 / 2 if p99 is not None else 0.0
        if p99 is not None and target is not None:
            p95 = min(p95, p99)
    if target is None:
        target = p95 / 2
    if p99 is None:
        p99 = p95 * 2 if "p95" in stated or "p90" in stated or "target" not in stated else target * 2.5
    return target, p95, p99


def _fmt(ms: float) -> str:
    return f"{ms / 1000:g}s" if ms >= 1000 else f"{ms:.0f}ms"
