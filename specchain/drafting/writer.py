"""Writes the Performance & Scalability document, section by section, from a Profile. Deterministic."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from specchain.document import escape_markdown
from specchain.drafting.code_samples import api_sample, backend_sample, cache_sample
from specchain.drafting.profile import LatencyCell, Profile, build_profile
from specchain.facts.capacity import nice, short_number
from specchain.facts.model import Fact
from specchain.inputs import ChainInputs


def draft_document(inputs: ChainInputs) -> str:
    return "".join(draft_sections(inputs))


def draft_sections(inputs: ChainInputs) -> Iterator[str]:
    """The document as a sequence of sections (each ends with a blank line), so it can be streamed."""
    p = build_profile(inputs)
    yield f"# Performance & Scalability: {escape_markdown(p.app)}\n\n"  # the name as typed, markup and all
    for write in SECTIONS:
        yield write(p).strip("\n") + "\n\n"


def ms(value: float) -> str:
    return f"{value / 1000:g}s" if value >= 1000 else f"{value:.0f}ms"


def secs(value: float) -> str:
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:g}s"


def downtime(p: Profile) -> str:
    minutes = p.value("downtime.month")
    return f"{minutes:.1f} minutes" if minutes < 120 else f"{minutes / 60:.1f} hours"


def article(word: str) -> str:
    return "an" if word[:1].upper() in "AEIOU" else "a"


def _concurrent_fact(p: Profile, horizon: str) -> Fact | None:
    fact = p.facts.get("users.concurrent") if horizon == "now" else p.facts.get(f"target.users.concurrent.{horizon}")
    return fact if fact is not None and fact.number is not None else None


def users_at(p: Profile, horizon: str) -> int:
    """Concurrent users at a horizon: a figure the brief states is kept exactly ("777", never "about 780");
    only computed figures are rounded."""
    value = p.value(f"users.concurrent.{horizon}")
    return round(value) if _concurrent_fact(p, horizon) is not None else nice(value)


def people(p: Profile, horizon: str) -> str:
    """Concurrent users at a horizon; a range the brief gave is shown as the range, as written."""
    fact = _concurrent_fact(p, horizon)
    if fact is not None and fact.high is not None and fact.number is not None:
        return f"{round(fact.number):,}–{round(fact.high):,}"
    return f"{users_at(p, horizon):,}"


def cell(c: LatencyCell) -> str:
    return f"< {ms(c.ms)}" + (" *(assumed)*" if c.assumed else " *(derived)*" if c.derived else "")


PROSE = {"page": "pages that load in", "api": "API responses", "search": "search", "report": "reports",
         "checkout": "checkout", "image": "images", "processing": "processing", "other": "responses"}


def goals(p: Profile) -> str:
    """The brief's own speed targets, as it states them (percentile included)."""
    parts = []
    for row in p.latency:
        if not row.stated:
            continue
        stated = [(name, c) for name, c in (("", row.target), ("at the 95th percentile", row.p95),
                                            ("at the 99th percentile", row.p99)) if not c.derived]
        name, c = stated[0]
        if p.facts.get(f"latency.{row.operation}.max") is not None and name.endswith("99th percentile"):
            parts.append(f"{PROSE.get(row.operation, row.label.lower())} never over **{ms(c.ms)}**")
            continue
        parts.append(f"{PROSE.get(row.operation, row.label.lower())} under **{ms(c.ms)}**" + (f" {name}" if name else ""))
    return "; ".join(parts) if parts else "the response-time targets below (assumed: please confirm them)"


def executive_summary(p: Profile) -> str:
    stack = ", ".join(p.stack.mentioned) or "the stack your team chooses"
    platform = p.cloud if p.cloud != "On-premises" else "your own data centres" + (
        f" ({p.cloud_detail})" if p.cloud_detail else "")
    text = f"""## Executive Summary
{p.app} must serve {'' if _concurrent_fact(p, 'now') else 'about '}**{people(p, 'now')} concurrent users** at peak today (around **{nice(p.value('rps.peak.now')):,} requests per second**) and grow to about **{people(p, '3y')}** within three years ({p.growth3:g}x). The performance goals are: {goals(p)}; and **{p.uptime:g}% availability** (at most {downtime(p)} of downtime a month), with no more than {plural(p.rpo_min, 'minute')} of data lost in a failure.

The scalability approach builds on what the team already uses ({stack}): stateless application servers that scale out automatically on {platform}, {article(p.database_name)} {p.database_name} primary with read replicas, {p.cache} in front of the database for hot data, {p.products['cdn']} for static assets and images, and {p.queue} to move slow work out of the user's request.

Key optimisation strategies, in order of impact:
1. **Cache first**: serve repeated reads from {p.products['cdn']} and {p.cache}, aiming for a cache hit rate above {p.value('cache.hit_target') * 100:.0f}%.
2. **Keep the database fast**: indexes for every frequent query, read replicas for reports, connection pooling within {p.database}'s connection limit, and archiving of old {p.entity}.
3. **Scale out, not up**: automatic scaling from {p.api_instances[0]} to {p.api_instances[1]} API instances, driven by CPU and request queue length.
4. **Measure everything**: response-time percentiles, error rates and cost per user on one dashboard, with alerts before users notice.
5. **Test before growth arrives**: load tests at 2x the next milestone's traffic before each major launch."""
    if p.regulated:
        text += f"\n\nCompliance ({', '.join(p.regulated)}) shapes the design: encryption everywhere, audit logging, and data kept in approved regions, which limits some caching and CDN choices (noted in each section)."
    if p.cloud == "On-premises":
        text += "\n\nThe platform is your own infrastructure, not a public cloud: every component below runs in your data centres, and product names are self-hosted equivalents."
    if p.facts.answered:
        text += "\n\n**What changed since the previous version.** This version uses your answers:\n"
        text += "\n".join(f"- {a.display}" for a in p.facts.answered)
    if p.cap.conflicts:
        text += "\n\n**Targets in the brief that conflict** (please check them; see Clarification Requests):\n"
        text += "\n".join(f"- {c.message}" for c in p.cap.conflicts)
    if p.assumptions:
        text += "\n\n**Assumptions** (please confirm or correct them; see Clarification Requests):\n"
        text += "\n".join(f"- {a[0].upper()}{a[1:]}." for a in p.assumptions.values())
    return text


def performance_requirements(p: Profile) -> str:
    years = ["Current", "6 Months", "1 Year", "3 Years"]
    horizons = ["now", "6m", "1y", "3y"]
    row = lambda name, values: f"| {name} | " + " | ".join(values) + " |"
    latency = "\n".join(f"| {r.label} | {cell(r.target)} | {cell(r.p95)} | {cell(r.p99)} |" for r in p.latency
                        if r.operation != "upload")
    upload = "| File Upload | < 5s/MB *(assumed)* | < 10s/MB *(assumed)* | < 15s/MB *(assumed)* |"
    data_tb = [p.value(f"data.{h}") / 1000 for h in horizons]
    return f"""## Performance Requirements

### Response Time Targets
| Operation | Target | 95th Percentile | 99th Percentile |
|-----------|--------|-----------------|-----------------|
{latency}
{upload}

Figures without a mark are your brief's own. Figures marked *derived* are not in your brief: they follow from the stated figure of the same row (median ≈ p95 ÷ 2 and p99 ≈ 2 × p95; for a plain target, p95 ≈ 1.5 × and p99 ≈ 2.5 × the target; "never more than" is read as the 99th percentile). Please confirm or correct them.

### Throughput Requirements
| Metric | {' | '.join(years)} |
|--------|---------|----------|---------|----------|
{row("Concurrent Users", [people(p, h) for h in horizons])}
{row("Requests/Second", [f"{nice(p.value(f'rps.peak.{h}')):,}" for h in horizons])}
{row("Data Volume (TB)", [f"{v:.1f}" if v < 10 else f"{nice(v):,}" for v in data_tb])}
{row("Daily Transactions", [short_number(p.value(f'per_day.{h}')) for h in horizons])}

Growth multipliers used: {p.growth1:g}x after one year and {p.growth3:g}x after three years ({(p.value('growth.yearly') - 1) * 100:.0f}% a year, compounded). Peak requests per second = {p.cap.get('rps.peak.now').formula}; the average is {nice(p.value('rps.average')):,} requests per second (peak ÷ {p.value('rps.peak_factor'):g}).{event_peak(p)}

### Availability Targets
- **Uptime SLA**: {p.uptime:g}% ({downtime(p)} downtime/month)
- **Error budget**: {p.value('downtime.month'):.1f} minutes or about {short_number(p.value('error_budget.requests'))} failed requests a month
- **Planned Maintenance**: < {2 if p.uptime >= 99.95 else 4} hours/month, in the lowest-traffic window, announced 7 days ahead (outside the SLA only if agreed so)
- **RTO**: {plural(p.rto_min, 'minute')}
- **RPO**: {plural(p.rpo_min, 'minute')}

### How These Figures Were Computed
| Figure | Value | Formula | Assumed inputs |
|--------|-------|---------|----------------|
{model_table(p)}"""


MODEL_ROWS = ["users.concurrent.now", "rps.peak.now", "utilisation.target", "instance.capacity", "instances.needed",
              "instances.min", "instances.max", "requests.in_flight", "db.qps", "cache.hit_needed",
              "pool.per_instance", "pool.total", "storage.total_3y", "downtime.month", "burn.14.4"]


def model_table(p: Profile) -> str:
    lines = []
    for key in MODEL_ROWS:
        f = p.cap.get(key)
        if f.unit == "" and f.value <= 1:
            value = f"{f.value * 100:.0f}%"
        elif f.unit == "%":
            value = f"{f.value:.2f}%"
        else:
            value = f"{f.value:,.0f} {f.unit}" if f.value >= 10 else f"{f.value:g} {f.unit}"
        assumed = ", ".join(f"{name.replace('_', ' ')} = {f.inputs[name]:g}" for name in f.assumed) or "none"
        lines.append(f"| {f.label} | {value.strip()} | {f.formula} | {assumed} |")
    return "\n".join(lines)


def event_peak(p: Profile) -> str:
    fact = p.facts.get("load.peak_factor")
    if fact is None:
        return ""
    return (f" Your brief's peak event (“{fact.quote}”) means about {nice(p.value('rps.event_peak')):,} requests per "
            "second for its duration: pre-scale for it (see Auto-Scaling Policies).")


def box(label: str, width: int) -> list[str]:
    inner = width - 2
    return ["┌" + "─" * inner + "┐", "│" + label.center(inner) + "│", "└" + "─" * inner + "┘"]


def data_row(labels: list[str]) -> list[str]:
    """Three boxes whose arrows sit under the branches at columns 6, 21 and 37 of the diagram."""
    width = 13
    rows = ["", "", "", ""]
    for index, (name, role) in enumerate(zip(labels, ["(Database)", "(Cache)", "(Queue)"])):
        left = (6, 21, 37)[index] - width // 2
        pad = " " * (left - len(rows[0]))
        arrow = width // 2
        rows[0] += pad + "┌" + "─" * (arrow - 1) + "▼" + "─" * (width - arrow - 2) + "┐"
        rows[1] += pad + "│" + name[: width - 2].center(width - 2) + "│"
        rows[2] += pad + "│" + role.center(width - 2) + "│"
        rows[3] += pad + "└" + "─" * (width - 2) + "┘"
    return rows


def plural(value: float, unit: str) -> str:
    return f"{value:g} {unit}" + ("" if value == 1 else "s")


def architecture(p: Profile) -> str:
    c = p.products
    compute = c["k8s"] if p.stack.kubernetes else c["compute"]
    data = [f"{p.database}", f"{p.cache}", f"{p.queue}"]
    lines = [
        "┌" + "─" * 57 + "┐",
        "│" + f"CDN ({c['cdn']})".center(57) + "│",
        "└" + "─" * 24 + "┬" + "─" * 32 + "┘",
        " " * 25 + "│",
        "┌" + "─" * 24 + "▼" + "─" * 32 + "┐",
        "│" + f"Load Balancer ({c['lb_short']})"[:57].center(57) + "│",
        "└───────┬" + "─" * 35 + "┬" + "─" * 13 + "┘",
        "        │" + " " * 35 + "│",
        "┌───────▼────────┐" + " " * 17 + "┌────────▼────────┐",
        "│  Web Servers   │" + " " * 17 + "│   API Servers   │",
        "│ (Auto-scaled)  │" + " " * 17 + "│  (Auto-scaled)  │",
        "└───────┬────────┘" + " " * 17 + "└────────┬────────┘",
        "        │" + " " * 35 + "│",
        "        └────────────┬" + "─" * 22 + "┘",
        " " * 21 + "│",
        " " * 11 + "┌─────────▼──────────┐",
        " " * 11 + "│" + f"{compute}"[:20].center(20) + "│",
        " " * 11 + "│" + "(Services)".center(20) + "│",
        " " * 11 + "└─────────┬──────────┘",
        " " * 21 + "│",
        "      ┌──────────────┼───────────────┐",
        "      │              │               │",
        *data_row(data),
    ]
    diagram = "\n".join(line.rstrip() for line in lines)
    a, w = p.api_instances, p.web_instances
    count = {2: "two", 3: "three", 4: "four"}.get(int(p.cap.get("instances.min").inputs["zones"]), "several")
    zones = f"{count} data-centre rooms or sites" if p.cloud == "On-premises" else f"{count} availability zones"
    second = "a second data centre" if p.cloud == "On-premises" else "a second region"
    if p.cloud != "On-premises" and len(p.regions) > 1:
        second += f" ({p.regions[1]})"
    return f"""## Architecture for Scale

### System Architecture
```
{diagram}
```

Every application server is stateless (sessions live in {p.cache}), so any server can answer any request and servers can be added or removed at any time. Writes go to the {p.database} primary; reads that tolerate a second of delay go to replicas. Work that takes more than about 200 ms (emails, exports, image processing, reports) is put on {p.queue} and done by background workers. {zones[0].upper() + zones[1:]} are used from day one, sized so that losing one still carries the peak ({a[0]} API instances = ⌈{p.value('instances.needed'):g} needed × 3 ÷ 2⌉); {second} is added in Phase 3.

### Scaling Strategy
```yaml
Horizontal Scaling:
  Web Tier:
    - Min instances: {w[0]}
    - Max instances: {w[1]}
    - Scale trigger: CPU > 65%
    - Scale down: CPU < 30% for 10 minutes

  Application Tier:
    - Min instances: {a[0]}
    - Max instances: {a[1]}
    - Scale trigger: Request queue > 50 per instance or p95 latency > {ms(p.api_p95_ms)} (the p95 target)
    - Scale down: Request queue < 10

  Database:
    - Read replicas: {p.replicas}
    - Multi-AZ: Yes ({zones})
    - Automatic failover: Yes

Vertical Scaling:
  - Instance types: {c['web_sizes']}
  - Database: {c['db_sizes']}
  - Cache: {c['cache_sizes']}
```"""


def caching(p: Profile) -> str:
    personal = "Bypass (never cached at the edge: protected data)" if p.regulated else "Bypass"
    return f"""## Caching Strategy

### Multi-Layer Caching
```yaml
Browser Cache:
  - Static assets: 1 year (fingerprinted file names)
  - API responses: 60 seconds for shared lists (Cache-Control: private)
  - HTML: No cache

CDN Cache ({p.products['cdn']}):
  - Static assets: 1 year
  - Images: 30 days
  - Dynamic content: 60 seconds for public pages
  - Personalized: {personal}

Application Cache ({p.cache}):
  - Session data: 30 minutes (sliding)
  - User permissions: 5 minutes
  - Computed results (dashboards, counts): 10 minutes
  - API responses: 1-5 minutes, by endpoint
  - Target hit rate: > {p.value('cache.hit_target') * 100:.0f}% ({hit_reason(p)})

Database Cache:
  - Query result cache: {p.database} buffer cache sized to hold the hot working set
  - Prepared statements: Pooled
  - Connection pooling: {pool_line(p)}
```

### Cache Implementation
{cache_sample(p)}

### Cache Invalidation
| Event | Invalidation Strategy | Scope |
|-------|----------------------|-------|
| {p.entity.capitalize()} updated | Immediate delete of the key | Specific key |
| Bulk import or update | Batch, asynchronous via {p.queue} | Key prefix / tag |
| Permission change | Immediate | All keys of the user |
| Schema change | Versioned key prefix (v2:) | All keys |
| Deployment | Pre-warm top 1,000 keys | Critical paths |"""


def hit_reason(p: Profile) -> str:
    needed = p.value("cache.hit_needed")
    if needed <= 0:
        return f"{p.replicas} replicas could carry every read at today's peak; the cache is for speed"
    return f"at least {needed * 100:.0f}% is needed so that {p.replicas} replicas carry the reads at today's peak"


def pool_line(p: Profile) -> str:
    per, total, limit = p.pool
    if p.value("pool.pooler"):
        return (f"a connection pooler holds {total} server connections (max_connections {limit} minus a reserve); "
                f"each of up to {p.api_instances[1]} API instances and {p.value('workers.max'):g} workers keeps {per} to the pooler")
    return (f"{per} per instance, {total} connections across all instances at maximum scale, within the "
            f"database's limit of {limit}")


DB_TUNING = {
    "PostgreSQL": """PostgreSQL Configuration:
  shared_buffers: 25% of RAM
  effective_cache_size: 75% of RAM
  work_mem: 64MB
  maintenance_work_mem: 1GB

  # Connection pooling (PgBouncer, transaction mode)
  max_connections: {limit}

  # Write performance
  max_wal_size: 8GB
  checkpoint_completion_target: 0.9

  # Query planning
  random_page_cost: 1.1 # SSD storage
  effective_io_concurrency: 200

  # Visibility
  log_min_duration_statement: 250ms
  pg_stat_statements: enabled""",
    "MySQL": """MySQL Configuration:
  innodb_buffer_pool_size: 70% of RAM
  innodb_buffer_pool_instances: 8
  innodb_log_file_size: 2GB
  innodb_flush_log_at_trx_commit: 1 # durability first
  innodb_io_capacity: 2000

  # Connection handling (ProxySQL in front)
  max_connections: {limit}
  thread_cache_size: 100

  # Visibility
  slow_query_log: ON
  long_query_time: 0.25
  performance_schema: ON""",
    "MongoDB": """MongoDB Configuration:
  wiredTigerCacheSizeGB: 50% of RAM minus 1GB
  readPreference: secondaryPreferred (for reports)
  writeConcern: majority
  maxPoolSize: 100 per application instance

  # Visibility
  profiler slowms: 100
  index usage review: weekly ($indexStats)""",
}
DB_TUNING["SQL Server"] = """SQL Server Configuration:
  max server memory: 80% of RAM
  user connections: {limit}
  MAXDOP: 4
  cost threshold for parallelism: 50
  Read Committed Snapshot Isolation: ON
  Query Store: ON (capture slow plans)"""
DB_TUNING["DynamoDB"] = """DynamoDB Configuration:
  Capacity mode: On-demand until traffic is predictable, then provisioned with auto scaling
  Partition keys: high-cardinality (account_id#entity_id)
  DAX: enabled for hot reads
  TTL: enabled for expiring items"""
DB_TUNING["Oracle"] = """Oracle Database Configuration:
  sga_target: 60% of RAM
  pga_aggregate_target: 20% of RAM
  processes: {limit}  # the connection limit the pools are sized against
  open_cursors: 1000
  Database Resident Connection Pooling (DRCP): on, when many instances connect

  # Visibility
  AWR snapshots: every 30 minutes
  SQL Monitoring: queries over 250 ms"""
DB_TUNING["MariaDB"] = DB_TUNING["MySQL"].replace("MySQL", "MariaDB")
DB_TUNING["Cassandra"] = """Cassandra Configuration:
  Replication factor: 3 per data centre
  Consistency: LOCAL_QUORUM
  Compaction: TimeWindowCompactionStrategy for time series
  Partition size: < 100 MB"""


def tuning(p: Profile) -> str:
    if p.database in DB_TUNING:
        return DB_TUNING[p.database].replace("{limit}", str(p.pool[2]))
    return f"""{p.database_name} Configuration:
  Memory: size the buffer cache to hold the hot working set
  Connection limit: {p.pool[2]} (the pools below are sized against it)
  Slow query log: queries over 250 ms"""


def database(p: Profile) -> str:
    e = p.entity
    shares = [p.replicas // len(p.regions) + (1 if i < p.replicas % len(p.regions) else 0)
              for i in range(len(p.regions))]
    regions = "\n".join(f"    - {r}" + (f" ({n} replicas)" if n > 1 else "") for r, n in zip(p.regions, shares) if n)
    return f"""## Database Optimization

### Query Optimization
```sql
-- The most frequent list query: one account's recent {e}, newest first
EXPLAIN ANALYZE
SELECT
  x.id, x.title, x.status, x.updated_at,
  COUNT(c.id) AS comment_count
FROM {e} x
LEFT JOIN comments c ON c.parent_id = x.id
WHERE x.account_id = $1
  AND x.deleted_at IS NULL
GROUP BY x.id
ORDER BY x.updated_at DESC
LIMIT 20;

-- Required indexes
CREATE INDEX idx_{e}_account_updated
  ON {e}(account_id, updated_at DESC)
  WHERE deleted_at IS NULL;

CREATE INDEX idx_comments_parent
  ON comments(parent_id);
```

Target: every query behind a page runs in under {ms(max(10, p.api_p95_ms / 5))} at the 95th percentile (a fifth of the API's p95 target); any query slower than 250 ms is logged and reviewed weekly.

### Database Performance Tuning
```yaml
{tuning(p)}
```

### Read Replica Strategy
```yaml
Read Replicas:
  Count: {p.replicas}
  Regions:
{regions}

Load Distribution:
  - Reporting queries: Dedicated replica
  - Search indexing and exports: Dedicated replica (or the same one below 1,000 req/s)
  - User queries: Load balanced, primary for read-after-write

Lag Monitoring:
  - Alert threshold: 5 seconds
  - Automatic failover: Yes

Data Lifecycle:
  - Archive {e} older than 2 years to {p.products['storage']}
  - Partition the largest tables by month once they pass 100 million rows
```"""


def api_performance(p: Profile) -> str:
    return f"""## API Performance

### API Optimization
{api_sample(p)}

Rules for every endpoint: paginate with cursors (never offsets on large tables), return only the fields asked for, compress responses (gzip or brotli), and keep payloads under 100 KB. Rate limits per account protect everyone from one heavy user: 20 requests/second burst, 600 per minute sustained.

### GraphQL Optimization
```javascript
// Apply if the API offers GraphQL (now or later).
// DataLoader batches N+1 lookups into one query per request
const userLoader = new DataLoader(async (userIds) => {{
  const users = await db.users.findMany({{ where: {{ id: {{ in: userIds }} }} }});
  const byId = new Map(users.map((u) => [u.id, u]));
  return userIds.map((id) => byId.get(id));
}});

// Query depth and cost limits stop one query from loading the whole database
const server = new ApolloServer({{
  validationRules: [
    depthLimit(6),
    costAnalysis({{ maximumCost: 1000, defaultCost: 1, listFactor: 10 }}),
  ],
}});
```"""


def load_balancing(p: Profile) -> str:
    c = p.products
    mesh = "Istio (or Linkerd, lighter to run)" if p.stack.kubernetes else "Not needed yet: revisit past 10 services"
    return f"""## Load Balancing

### Load Balancer Configuration
```yaml
{c['lb']}:
  Algorithm: Least outstanding requests
  Health Check:
    Path: /health
    Interval: 15s
    Timeout: 5s
    Healthy threshold: 2
    Unhealthy threshold: 3

  Sticky Sessions:
    Enabled: No (servers are stateless; sessions in {p.cache})

  Connection Draining:
    Enabled: Yes
    Timeout: 60s

  TLS:
    Termination: At the load balancer
    Policy: TLS 1.2 minimum
```

### Service Mesh
```yaml
Service Mesh: {mesh}
  Traffic Management:
    - Circuit breakers (open after 5 consecutive failures)
    - Retry policies (2 retries, only for idempotent requests)
    - Timeout controls (API {ms(p.api_p95_ms * 5)}, 5× the p95 target; background 30s)
    - Load balancing

  Observability:
    - Distributed tracing
    - Metrics collection
    - Service graph

  Security:
    - mTLS between services
    - Authorization policies
```"""


def cdn(p: Profile) -> str:
    c = p.products
    mobile = "\n  Mobile apps:\n    - Request sizes by screen density\n    - Cache on device for 7 days" if p.stack.mobile else ""
    return f"""## CDN Configuration

### {c['cdn']} Distribution
```yaml
Origins:
  - Static Assets: {c['storage']} bucket
  - Dynamic Content: {c['lb']}
  - API: {c['lb']} (/api)

Behaviors:
  /static/*:
    Origin: {c['storage']}
    Cache: 31536000 # 1 year
    Compress: Yes

  /api/*:
    Origin: {c['lb']}
    Cache: 0
    Forward Headers: Authorization, Accept

  /*:
    Origin: {c['lb']}
    Cache: 60 # 1 minute for public pages
    Forward Cookies: session

Cache Invalidation:
  - On deployment: /static/* (file names are fingerprinted, so rarely needed)
  - On content update: Specific paths
  - Cost optimization: Batch invalidations
```

### Image Optimization
```yaml
Image Processing:
  Formats:
    - AVIF (newest browsers)
    - WebP (primary)
    - JPEG (fallback)

  Responsive Sizes:
    - Thumbnail: 150x150
    - Small: 320px wide
    - Medium: 640px wide
    - Large: 1280px wide
    - Original: As uploaded, never sent to browsers

  Lazy Loading:
    - Below-the-fold images
    - Intersection Observer API
    - Blurred placeholder while loading{mobile}
```"""


def application(p: Profile) -> str:
    front = p.stack.frontend or "web"
    return f"""## Application Performance

### Frontend Optimization
```javascript
// Code splitting: each screen of the {front} app loads its own code
const Dashboard = lazy(() => import('./Dashboard'));
const Reports = lazy(() => import('./Reports'));

// Performance budget, enforced in CI
module.exports = {{
  performance: {{
    maxEntrypointSize: 250000, // 250 KB compressed JavaScript at first load
    maxAssetSize: 200000,
    hints: 'error',
  }},
}};

// Service worker: the app shell opens instantly on repeat visits
self.addEventListener('install', (event) => {{
  event.waitUntil(
    caches.open('app-shell-v1').then((cache) =>
      cache.addAll(['/index.html', '/static/app.css', '/static/app.js'])
    )
  );
}});
```

Targets for real users (75th percentile): Largest Contentful Paint < {secs(min(2.5, page_ms(p) / 1000))}, Interaction to Next Paint < 200ms, Cumulative Layout Shift < 0.1.

### Backend Optimization
{backend_sample(p)}"""


def monitoring(p: Profile) -> str:
    return f"""## Monitoring & Observability

### Performance Monitoring
```yaml
Application Performance Monitoring (APM):
  Provider: {p.products['monitoring']} + OpenTelemetry (or Datadog / New Relic)

  Metrics:
    - Response time percentiles (p50, p95, p99) per endpoint
    - Throughput
    - Error rate
    - Apdex score (T = {ms(p.api_p95_ms)})

  Tracing:
    - Distributed tracing (10% sampling, 100% of errors)
    - Database query analysis
    - External service calls
    - Custom spans for {p.entity} workflows
```

### Key Metrics Dashboard
```yaml
Frontend Metrics:
  - Largest Contentful Paint (LCP)
  - Interaction to Next Paint (INP)
  - Cumulative Layout Shift (CLS)
  - JavaScript errors per session

Backend Metrics:
  - Request rate
  - Response time (p50, p95, p99)
  - Error rate
  - Database query time
  - {p.cache} hit rate

Infrastructure Metrics:
  - CPU utilization
  - Memory usage
  - Disk I/O
  - Network throughput
  - {p.queue} queue depth and age of oldest message

Business Metrics:
  - Daily {p.entity} created
  - Cost per 1,000 requests
```

### Alerting Rules
| Metric | Warning | Critical | Action |
|--------|---------|----------|--------|
| API Response Time p95 | > {ms(p.api_p95_ms)} (the target) | > {ms(p.api_p95_ms * 2)} (2× the target) | Scale up, check slow queries |
| Page Load p75 | > {ms(page_ms(p))} | > {ms(page_ms(p) * 2)} | Check CDN and bundle size |
| Error Rate (6 h window) | > {p.value('burn.6'):.2g}% (burn rate 6) | > {p.value('burn.14.4'):.2g}% over 1 h (burn rate 14.4) | Page on-call |
| Error Rate (3 day window) | > {p.value('burn.1'):.2g}% (burn rate 1) | | Ticket: the month's error budget is at risk |
| CPU Usage | > 70% | > 85% | Auto-scale |
| Memory Usage | > 80% | > 90% | Investigate leaks |
| Queue Depth | > 1,000 | > 10,000 | Add workers |
| Replica Lag | > 5s | > 30s | Route reads to primary |"""


def page_ms(p: Profile) -> float:
    return next(r.target.ms for r in p.latency if r.operation == "page")


def autoscaling(p: Profile) -> str:
    a = p.api_instances
    return f"""## Auto-Scaling Policies

### Application Auto-Scaling
```yaml
API Tier:
  Metrics:
    - Target CPU: 65%
    - Target Memory: 75%
    - Request count: {p.value('instance.capacity'):g}/second per instance (at {p.value('utilisation.target') * 100:.0f}% utilisation, from the p95 target)

  Scaling Policy:
    Scale Up:
      - CPU > 65% for 2 minutes
      - Add 50% more instances (at least 2)
      - Cooldown: 120s

    Scale Down:
      - CPU < 30% for 10 minutes
      - Remove 1 instance
      - Cooldown: 300s

    Min/Max:
      - Minimum: {a[0]}
      - Maximum: {a[1]}

Background Workers:
  - Scale on {p.queue} depth: 1 worker per 500 waiting jobs
  - Minimum: 2
  - Maximum: {p.value('workers.max'):g}

Database:
  Read Replicas:
    - CPU > 75%: Add replica
    - Connections > 80%: Add replica
    - Max replicas: {p.replicas + 2}

  Storage:
    - Auto-scaling enabled
    - Max storage: {max(1, round(p.value('data.3y') / 1000 * 1.2))} TB (3-year data + 20%)
```

### Predictive Scaling
```yaml
Schedule and Forecast Based:
  - Historical patterns (2 weeks of data before enabling)
  - Daily/weekly cycles
  - Special events
  - Trend analysis

Pre-scaling Rules:
  - Daily peak: +50% capacity 30 minutes before the usual peak
  - Launches and campaigns: Manual override to {event_factor(p)}, agreed a week ahead
  - Month end and reporting days: +50% workers
```"""


def event_factor(p: Profile) -> str:
    fact = p.facts.get("load.peak_factor")
    return f"{fact.number:g}x (your brief's peak)" if fact is not None and fact.number else "2x"


def testing(p: Profile) -> str:
    now, one_year = users_at(p, "now"), users_at(p, "1y")
    return f"""## Performance Testing

### Load Testing Strategy
```yaml
Tools:
  - k6 for API testing
  - Playwright + Lighthouse CI for frontend
  - A copy of production data, anonymised, in a staging environment

Test Scenarios:
  1. Baseline:
     - {now:,} virtual users (today's peak)
     - 15 minute duration
     - Normal usage mix

  2. Stress Test:
     - Ramp to {one_year * 2:,} users (2x the one-year peak)
     - Find the breaking point
     - Monitor recovery

  3. Spike Test:
     - Sudden 5x traffic in 1 minute
     - Measure response times and errors
     - Auto-scaling validation

  4. Soak Test:
     - {now:,} users
     - 8 hour duration
     - Memory leak and connection leak detection
```

### Performance Test Script
```javascript
// k6 load test: today's peak, with the agreed thresholds
import http from 'k6/http';
import {{ check, sleep }} from 'k6';

export const options = {{
  stages: [
    {{ duration: '5m', target: {now} }},
    {{ duration: '15m', target: {now} }},
    {{ duration: '5m', target: 0 }},
  ],
  thresholds: {{
    http_req_duration: ['p(95)<{p.api_p95_ms:.0f}'],
    http_req_failed: ['rate<0.01'],
  }},
}};

export default function () {{
  const response = http.get(`${{__ENV.BASE_URL}}/api/{p.entity}?limit=20`);

  check(response, {{
    'status is 200': (r) => r.status === 200,
    'response time < {p.api_p95_ms:.0f}ms': (r) => r.timings.duration < {p.api_p95_ms:.0f},
  }});

  sleep(1);
}}
```"""


def costs(p: Profile) -> str:
    a = p.api_instances
    compute = (a[0] + p.web_instances[0]) * 150 * 1.5
    storage = p.value("data.now") / 1000 * float(p.products["object_price"]) * 1.5 + 200  # type: ignore[arg-type]
    database_cost = 900 * (1 + p.replicas)
    network = max(300, p.value("rps.peak.now") * 2)
    row = lambda name, amount, pct, action: f"| {name} | ${max(100, round(amount, -2)):,.0f} | {pct} | {action} |"
    return f"""## Cost Optimization

### Resource Optimization
```yaml
Instance Right-Sizing:
  - Review utilisation monthly; downsize anything under 40% CPU
  - Spot / preemptible instances for background workers and tests
  - Reserved capacity or savings plans for the always-on baseline ({a[0]} API instances)

Storage Optimization:
  - {p.products['storage']} lifecycle rules: infrequent-access tier after 30 days, archive after 1 year
  - Compress large objects
  - Delete old snapshots after the retention period

Database Optimization:
  - Right-size instances after each growth milestone
  - Remove unused indexes (they slow every write)
  - Archive old {p.entity}
  - Use read replicas efficiently
```

### Cost Monitoring
| Service | Budget | Alert Threshold | Action |
|---------|--------|-----------------|--------|
{row("Compute", compute, "80%", "Review scaling limits")}
{row("Storage", storage, "90%", "Apply lifecycle rules")}
{row("Network / CDN", network, "100%", "Check cache hit rate")}
{row("Database", database_cost, "85%", "Review slow queries")}

Budgets are monthly starting points estimated from today's load; track **cost per 1,000 requests** so that spend grows slower than traffic ({p.growth3:g}x traffic in three years should cost well under {p.growth3:g}x)."""


def disaster_recovery(p: Profile) -> str:
    c = p.products
    cross = "Yes (approved regions only)" if p.regulated else "Yes"
    return f"""## Disaster Recovery

### Backup Strategy
```yaml
Database Backups:
  - Automated: Daily snapshots + continuous transaction log archiving
  - Retention: 35 days
  - Cross-region: {cross}
  - Point-in-time: 7 days; log shipping at least every {plural(max(0.5, p.rpo_min / 2), 'minute')} (meets the RPO of {plural(p.rpo_min, 'minute')})

Application State:
  - {p.cache} snapshots: Hourly (cache can be rebuilt; sessions are the only loss)
  - Configuration: Version controlled (infrastructure as code)
  - User uploads: {c['storage']} versioning + cross-region replication

Recovery Testing:
  - Quarterly DR drills
  - Monthly restore verification
  - Failover testing
  - Documentation updates
```

### Failover Procedures
```yaml
Regional Failover:
  1. Health check failure detection
  2. DNS update ({c['dns']})
  3. Database failover (promote replica)
  4. Cache warming
  5. Service verification

Time Targets (they add up to less than the RTO):
  - Detection: < {plural(p.value('recovery.detect'), 'minute')}
  - Decision: {decision(p)}
  - Failover: < {plural(p.value('recovery.failover'), 'minute')}
  - Full recovery: < {plural(p.rto_min, 'minute')} (RTO)
```"""


def decision(p: Profile) -> str:
    minutes = p.value("recovery.decide")
    return "automatic (no human decision fits in the RTO)" if minutes == 0 else f"< {plural(minutes, 'minute')}"


def roadmap(p: Profile) -> str:
    return f"""## Performance Roadmap

### Phase 1 (0-6 months)
- Caching with {p.cache} and {p.products['cdn']} for static assets and images
- Indexes for the ten most frequent {p.database} queries; slow-query logging
- Dashboards and alerts for the targets above
- Baseline load test at today's peak ({people(p, 'now')} users)

### Phase 2 (6-12 months)
- Read replicas and cursor pagination everywhere
- Auto-scaling on request queue and latency, tested with spike tests
- Background work moved to {p.queue}
- Ready for {people(p, '1y')} concurrent users (1-year projection)

### Phase 3 (12+ months)
- Second region and tested regional failover
- Table partitioning and archiving as data passes {p.value('data.1y') / 1000:.1f} TB
- Predictive scaling from a year of traffic history
- Ready for {people(p, '3y')} concurrent users (3-year projection)"""


def checklist(p: Profile) -> str:
    return f"""## Performance Checklist

### Pre-Launch
- [ ] Load testing completed at 2x expected peak
- [ ] Caching implemented ({p.cache}, {p.products['cdn']})
- [ ] CDN configured
- [ ] Database optimized (indexes, pooling, replicas)
- [ ] Monitoring active with alerts routed to on-call
- [ ] Auto-scaling tested with a spike test
- [ ] Backups restored successfully at least once

### Post-Launch
- [ ] Real user monitoring
- [ ] Performance budgets set and enforced in CI
- [ ] Regular load testing (before each major release)
- [ ] Capacity planning reviewed quarterly
- [ ] Cost optimization reviewed monthly
- [ ] Continuous improvement: top 5 slowest endpoints reviewed every sprint"""


QUESTIONS = {  # by assumption topic; "Label: question", so an answer can be matched to the facts it sets
    "concurrency": "People at the same moment: How many people use {app} at the same moment at the busiest time of day, and when is that peak?",
    "transactions": "Key actions per day: Roughly how many key actions (for example {entity} created or updated) happen in a typical day?",
    "data": "Data stored: How much data do you store today (in GB or TB), and how fast is it growing each month?",
    "growth": "Growth: How many times bigger do you expect {app} to be in one year and in three years?",
    "uptime": "Availability: How much downtime is acceptable: is 99.9% uptime (about 44 minutes a month) enough, or do you need more?",
    "recovery": "Recovery time (RTO): After a major outage, how quickly must {app} be back?",
    "rpo": "Data loss allowed (RPO): How many minutes of data may be lost in a failure?",
    "cloud": "Cloud or hosting: Which cloud provider do you use or prefer (AWS, Google Cloud, Azure, other), or do you run on your own servers?",
    "database": "Database: Which database does the team use or plan to use?",
    "latency": "Speed targets: How fast must the main screens and the API answer, and for what share of requests (for example 95 out of 100)?",
}
SUGGESTIONS = [
    "Which three user journeys matter most for speed (for example sign-in, search, checkout)? Targets can then be set per journey.",
    "Are there known traffic spikes (launches, campaigns, seasonal peaks, month-end reporting) and how large are they?",
    "Is there a monthly infrastructure budget the design must stay within?",
    "Where are your users, geographically? This decides CDN regions and whether a second region is needed.",
]
MAX_UNREAD_QUESTIONS = 3


def clarifications(p: Profile) -> str:
    answered = p.facts.answered
    asked = {a.question.strip().lower() for a in answered}
    topics_answered = {a.topic for a in answered if a.topic}
    fill = {"app": p.app, "entity": p.entity}
    questions = [QUESTIONS[t].format(**fill) for t in p.assumptions if t in QUESTIONS]
    questions += [f"Please check: {c.message} Which figure is right?" for c in p.cap.conflicts]
    questions += [u.question for u in p.facts.unread[:MAX_UNREAD_QUESTIONS]]
    if p.regulated:
        questions.append(
            f"Which compliance rules apply ({', '.join(p.regulated)}), and may cached or CDN copies of data leave your approved regions?"
        )
    if p.stack.mobile:
        questions.append("What share of mobile users are on slow networks, and should the apps work offline?")
    items = [q for q in questions + SUGGESTIONS
             if q.strip().lower() not in asked and q.split(":")[0] not in topics_answered]
    body = "\n".join(f"{i}. {q}" for i, q in enumerate(items, 1)) or "No open questions: every earlier question has been answered."
    text = f"""## Clarification Requests or Feedback
Answers to these questions will make the next version more accurate:

{body}"""
    if answered:
        text += "\n\n### Answered so far\nThis version uses these answers; answer one again to correct it:\n\n"
        text += "\n".join(f"- {a.display}" for a in answered)
    return text


SECTIONS: list[Callable[[Profile], str]] = [
    executive_summary, performance_requirements, architecture, caching, database, api_performance,
    load_balancing, cdn, application, monitoring, autoscaling, testing, costs, disaster_recovery, roadmap,
    checklist, clarifications,
]
