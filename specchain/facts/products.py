"""Named technology, platforms and regulations, as patterns in the user's words → canonical names."""

from __future__ import annotations

import functools
import itertools
import re

# Latin letters and digits: the characters a Latin word is made of. Python's \b also counts kana, Han and Hangul as
# word characters, so "AWS東京リージョン", "PostgreSQLとRedis" or "MySQL데이터베이스" had no boundary after the name;
# a change of script is one ("AWS東京" is AWS + 東京), as are a hyphen and a space ("AWS-Region", "Postgres-Datenbank").
LATIN = "0-9A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
LATIN_BOUNDARY = f"(?:(?<![{LATIN}])(?=[{LATIN}])|(?<=[{LATIN}])(?![{LATIN}]))"
LATIN_START, LATIN_END = f"(?<![{LATIN}])", f"(?![{LATIN}])"


@functools.lru_cache(maxsize=2048)
def latin_words(pattern: str) -> str:
    """The pattern with each \\b a boundary of Latin words, so a name glued to another script still matches.
    A \\b that closes an alternative ("aws\\b|…", "sql)?\\b") only needs no Latin letter after it, one that opens an
    alternative only none before it: single lookarounds keep the search fast; anything else gets the full test."""
    pieces = re.split(r"(?<!\\)\\b", pattern)
    out = [pieces[0]]
    for before, after in itertools.pairwise(pieces):
        if after[:1] in ("", "|", ")"):
            out.append(LATIN_END)
        elif before[-1:] in ("", "|", "(", ":", ">"):
            out.append(LATIN_START)
        else:
            out.append(LATIN_BOUNDARY)
        out.append(after)
    return "".join(out)


def _latin_table(table: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(latin_words(pattern), name) for pattern, name in table]


# (pattern, canonical name, pattern of a version right after the name or "")
VERSION = r"(?:\s*(?:v|version\s*)?(\d+(?:\.\d+)?[a-z]?))?"
CLOUDS = [
    (r"\baws\b|amazon web services|\bec2\b|\becs\b|\beks\b|\brds\b|\baurora\b|\bfargate\b", "AWS"),
    (r"google cloud|\bgcp\b|\bgke\b|cloud run|cloud sql", "Google Cloud"),
    (r"\bazure\b|\baks\b", "Azure"),
    (r"alibaba ?cloud|\baliyun\b|\balicloud\b|阿里云|阿里雲|アリババクラウド", "Alibaba Cloud"),
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
# "Go" is also an English verb ("go live", "go big", "go through"): a language only where the words around it make it
# a name: after use/using/in/with, or followed by punctuation, the end, a version, another script or a technology word.
GO = (r"golang|(?:(?<=\buse )|(?<=\busing )|(?<=\bin )|(?<=\bwith ))go\b(?!\s+(?:live|big|ahead|back|through|on|out|up|to)\b)|\bgo\b(?=\s*(?:$|[.,;:/()+&]|\d|lang|language|version|service|backend|api\b|micro|module|"
      r"and\b|und\b|with\b|mit\b|[^\x00-\x7f]))")
LANGUAGES = [
    (r"node(?:\.?js)?\b|typescript|express|nest\.?js", "Node.js"), (r"python|django|fastapi|flask", "Python"),
    (r"\bjava\b|spring", "Java"), (r"kotlin", "Kotlin"), (GO, "Go"), (r"ruby|rails", "Ruby"),
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
    (r"\bgermany\b|deutschland|frankfurt|\bde\b|ドイツ|德国|독일|フランクフルト|法兰克福|프랑크푸르트", "EU"),
    (r"\beu\b|europe|european|\beuropa\b|dsgvo|gdpr|欧州|ヨーロッパ|欧洲|유럽", "EU"),
    (r"\buk\b|united kingdom|london", "UK"), (r"\bus\b|\busa\b|united states|u\.s\.|米国|アメリカ|美国|미국", "US"),
    (r"\bcanada\b", "CA"), (r"australia", "AU"), (r"japan|tokyo|日本|東京|大阪|东京|일본|도쿄", "JP"), (r"india", "IN"),
]
NEGATION = re.compile(latin_words(r"\b(?:no|not|never|without|kein\w*|nicht|ohne|instead of|rather than|statt|away from|"
                      r"replac\w+|migrat\w+ from)\b[^,;.()]{0,25}$"), re.IGNORECASE)

CLOUDS, DATABASES, CACHES, QUEUES, SEARCHES, LANGUAGES, FRONTENDS, ORCHESTRATORS, REGULATIONS, GEOGRAPHIES = (
    _latin_table(table) for table in (CLOUDS, DATABASES, CACHES, QUEUES, SEARCHES, LANGUAGES, FRONTENDS,
                                      ORCHESTRATORS, REGULATIONS, GEOGRAPHIES))
ON_PREMISES, MOBILE, REGION_CODES = latin_words(ON_PREMISES), latin_words(MOBILE), latin_words(REGION_CODES)
ON_PREMISES_DETAIL = _latin_table(ON_PREMISES_DETAIL)


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
