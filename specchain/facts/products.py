"""Named technology, platforms and regulations, as patterns in the user's words → canonical names."""

from __future__ import annotations

import functools
import re

# (pattern, canonical name, pattern of a version right after the name or "")
VERSION = r"(?:\s*(?:v|version\s*)?(\d+(?:\.\d+)?[a-z]?))?"
CLOUDS = [
    (r"\baws\b|amazon web services|\bec2\b|\becs\b|\beks\b|\brds\b|\baurora\b|\bfargate\b", "AWS"),
    (r"google cloud|\bgcp\b|\bgke\b|cloud run|cloud sql", "Google Cloud"),
    (r"\bazure\b|\baks\b", "Azure"),
]
ON_PREMISES = (r"on[- ]?prem(?:ise|ises)?\b|on premises|own data ?cent(?:re|er)s?|our (?:own )?data ?cent(?:re|er)|"
               r"self[- ]hosted|bare[- ]metal|rechenzentr\w*|vor ort|private cloud|\bopenshift\b|vmware|proxmox|"
               r"hetzner|ionos|\bovh\b|stackit")
ON_PREMISES_DETAIL = [(r"openshift", "OpenShift"), (r"vmware", "VMware"), (r"hetzner", "Hetzner"),
                      (r"ionos", "IONOS"), (r"\bovh", "OVHcloud"), (r"stackit", "STACKIT"), (r"proxmox", "Proxmox")]
DATABASES = [
    (r"postgres(?:ql)?|\bpg\b", "PostgreSQL"), (r"\bmysql\b", "MySQL"), (r"mariadb", "MariaDB"),
    (r"\boracle\b(?:\s+(?:database|db))?", "Oracle"), (r"sql server|\bmssql\b|azure sql", "SQL Server"),
    (r"mongo(?:db)?", "MongoDB"), (r"dynamo(?:db)?", "DynamoDB"), (r"cassandra", "Cassandra"),
    (r"cockroach(?:db)?", "CockroachDB"), (r"\bdb2\b", "Db2"), (r"cosmos ?db", "Cosmos DB"),
    (r"firestore", "Firestore"), (r"sqlite", "SQLite"), (r"aurora", "Aurora"),
]
CACHES = [(r"redis", "Redis"), (r"memcache\w*", "Memcached"), (r"valkey", "Valkey"), (r"hazelcast", "Hazelcast")]
QUEUES = [
    (r"\bbullmq\b", "BullMQ"), (r"\bbull\b", "Bull"), (r"kafka", "Kafka"), (r"rabbit ?mq|rabbit", "RabbitMQ"),
    (r"\bsqs\b", "SQS"), (r"pub/?sub", "Pub/Sub"), (r"service bus", "Azure Service Bus"), (r"sidekiq", "Sidekiq"),
    (r"celery", "Celery"), (r"\bnats\b", "NATS"), (r"activemq|artemis", "ActiveMQ"), (r"kinesis", "Kinesis"),
    (r"event hubs?", "Event Hubs"), (r"\bibm mq\b|websphere mq", "IBM MQ"), (r"pulsar", "Pulsar"),
]
SEARCHES = [(r"elastic\w*", "Elasticsearch"), (r"opensearch", "OpenSearch"), (r"algolia", "Algolia"),
            (r"\bsolr\b", "Solr"), (r"meilisearch", "Meilisearch"), (r"typesense", "Typesense")]
LANGUAGES = [
    (r"node(?:\.?js)?\b|typescript|express|nest\.?js", "Node.js"), (r"python|django|fastapi|flask", "Python"),
    (r"\bjava\b|spring", "Java"), (r"kotlin", "Kotlin"), (r"\bgo\b|golang", "Go"), (r"ruby|rails", "Ruby"),
    (r"\.net\b|c#|asp\.net", ".NET"), (r"\bphp\b|laravel|symfony", "PHP"), (r"\brust\b", "Rust"),
    (r"elixir|phoenix", "Elixir"), (r"scala\b", "Scala"),
]
FRONTENDS = [(r"next\.?js", "Next.js"), (r"react(?! native)", "React"), (r"angular", "Angular"),
             (r"\bvue\b", "Vue"), (r"svelte", "Svelte")]
ORCHESTRATORS = [(r"openshift", "OpenShift"), (r"kubernetes|\bk8s\b|\beks\b|\bgke\b|\baks\b", "Kubernetes"),
                 (r"\becs\b|fargate", "ECS"), (r"nomad", "Nomad"), (r"cloud run", "Cloud Run"),
                 (r"app service", "App Service")]
MOBILE = r"mobile|\bios\b|android|react native|flutter|iphone"
REGULATIONS = [
    (r"\bgdpr\b|dsgvo|\brgpd\b", "GDPR"), (r"hipaa", "HIPAA"), (r"pci[- ]?dss|\bpci\b", "PCI DSS"),
    (r"soc ?2", "SOC 2"), (r"iso ?27001", "ISO 27001"), (r"fedramp", "FedRAMP"), (r"\bccpa\b", "CCPA"),
    (r"\bhds\b", "HDS"), (r"bsi c5|\bc5\b", "BSI C5"), (r"\bnis ?2\b", "NIS2"), (r"\bhitrust\b", "HITRUST"),
]
REGION_CODES = (
    r"\b(?:us|eu|ap|sa|ca|me|af|il)-(?:east|west|central|north|south|northeast|southeast|northwest|southwest)-\d\b"
    r"|\b(?:us|europe|asia|australia|northamerica|southamerica|me)-(?:east|west|central|north|south|northeast|"
    r"southeast|southwest|northwest)\d\b"
    r"|\b(?:eastus2?|westus[23]?|centralus|northeurope|westeurope|germanywestcentral|uksouth|francecentral|"
    r"swedencentral|switzerlandnorth)\b"
)
GEOGRAPHIES = [
    (r"\bgermany\b|deutschland|frankfurt|\bde\b", "EU"), (r"\beu\b|europe|european|\beuropa\b|dsgvo|gdpr", "EU"),
    (r"\buk\b|united kingdom|london", "UK"), (r"\bus\b|\busa\b|united states|u\.s\.", "US"),
    (r"\bcanada\b", "CA"), (r"australia", "AU"), (r"japan|tokyo", "JP"), (r"india", "IN"),
]
NEGATION = re.compile(r"\b(?:no|not|never|without|kein\w*|nicht|ohne|instead of|rather than|statt|away from|"
                      r"replac\w+|migrat\w+ from)\b[^,;.()]{0,25}$", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _compiled(table: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], str]]]:
    """One alternation to tell quickly whether any name of a table occurs, then one pattern per name."""
    every = re.compile("|".join(f"(?:{pattern})" for pattern, _ in table), re.IGNORECASE)
    return every, [(re.compile(f"(?:{pattern}){VERSION}", re.IGNORECASE), name) for pattern, name in table]


def mentions(text: str, table: list[tuple[str, str]]) -> list[tuple[int, int, str, str]]:
    """(start, end, canonical name, version) of each named product, in the user's order, negated ones left out."""
    every, patterns = _compiled(tuple(table))
    if not every.search(text):
        return []
    found: dict[str, tuple[int, int, str, str]] = {}
    for pattern, name in patterns:
        for m in pattern.finditer(text):
            if NEGATION.search(text[max(0, m.start() - 40):m.start()]):
                continue
            version = m.group(m.lastindex) if m.lastindex else ""
            if name not in found:
                found[name] = (m.start(), m.end(), name, version or "")
            break
    return sorted(found.values())
