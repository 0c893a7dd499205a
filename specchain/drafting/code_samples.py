"""Code examples in the language of the team's backend (JavaScript, Python or Java)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from specchain.drafting.profile import Profile

CACHE = {
    "javascript": """```javascript
// {cache} read-through cache with a TTL and stampede protection
class CacheService {{
  async get(key, fetchFunction, ttl = 300) {{
    const cached = await redis.get(key);
    if (cached) return JSON.parse(cached);

    // Only one request rebuilds a missing key; others wait briefly
    const lock = await redis.set(`lock:${{key}}`, '1', 'NX', 'EX', 10);
    if (!lock) {{
      await new Promise((r) => setTimeout(r, 50));
      return this.get(key, fetchFunction, ttl);
    }}
    const data = await fetchFunction();
    await redis.set(key, JSON.stringify(data), 'EX', ttl);
    await redis.del(`lock:${{key}}`);
    return data;
  }}

  async invalidate(prefix) {{
    // SCAN, never KEYS: KEYS blocks {cache} on large data sets
    for await (const keys of redis.scanIterator({{ MATCH: `${{prefix}}*`, COUNT: 500 }})) {{
      if (keys.length) await redis.del(keys);
    }}
  }}
}}

// Usage
const item = await cache.get(`{entity}:${{id}}`, () => db.{entity}.findById(id), 300);
```""",
    "python": """```python
# {cache} read-through cache with a TTL and stampede protection
import json
import time


class CacheService:
    def __init__(self, redis):
        self.redis = redis

    def get(self, key, fetch, ttl=300):
        cached = self.redis.get(key)
        if cached is not None:
            return json.loads(cached)
        # Only one worker rebuilds a missing key; others wait briefly
        if not self.redis.set(f"lock:{{key}}", "1", nx=True, ex=10):
            time.sleep(0.05)
            return self.get(key, fetch, ttl)
        data = fetch()
        self.redis.set(key, json.dumps(data), ex=ttl)
        self.redis.delete(f"lock:{{key}}")
        return data

    def invalidate(self, prefix):
        # SCAN, never KEYS: KEYS blocks {cache} on large data sets
        for key in self.redis.scan_iter(match=f"{{prefix}}*", count=500):
            self.redis.delete(key)


# Usage
item = cache.get(f"{entity}:{{item_id}}", lambda: {Entity}.objects.get(pk=item_id), ttl=300)
```""",
    "java": """```java
// {cache} read-through cache with Spring's cache abstraction
@Service
public class {Entity}Service {{

    @Cacheable(value = "{entity}", key = "#id", sync = true) // sync: one thread rebuilds a missing key
    public {Entity}Dto find(long id) {{
        return repository.findById(id).map({Entity}Dto::from).orElseThrow();
    }}

    @CacheEvict(value = "{entity}", key = "#dto.id")
    public void update({Entity}Dto dto) {{
        repository.save(dto.toEntity());
    }}
}}

// TTLs per cache name
@Bean
RedisCacheManagerBuilderCustomizer cacheTtls() {{
    return builder -> builder
        .withCacheConfiguration("{entity}", RedisCacheConfiguration.defaultCacheConfig().entryTtl(Duration.ofMinutes(5)))
        .withCacheConfiguration("permissions", RedisCacheConfiguration.defaultCacheConfig().entryTtl(Duration.ofMinutes(5)));
}}
```""",
}

API = {
    "javascript": """```javascript
// Cursor pagination and field selection
app.get('/api/{entity}', async (req, res) => {{
  const limit = Math.min(Number(req.query.limit) || 20, 100);
  const fields = (req.query.fields || 'id,title,status,updated_at').split(',');

  const rows = await db.{entity}.findMany({{
    where: {{ accountId: req.user.accountId, ...(req.query.cursor && {{ id: {{ lt: req.query.cursor }} }}) }},
    orderBy: {{ id: 'desc' }},
    take: limit + 1,
    select: Object.fromEntries(fields.map((f) => [f, true])),
  }});

  const page = rows.slice(0, limit);
  res.set('Cache-Control', 'private, max-age=60');
  res.json({{
    data: page,
    meta: {{ has_more: rows.length > limit, next_cursor: page.at(-1)?.id }},
  }});
}});
```""",
    "python": """```python
# Cursor pagination and field selection (Django REST framework)
from rest_framework.pagination import CursorPagination


class {Entity}Pagination(CursorPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "limit"
    ordering = "-updated_at"


class {Entity}ViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = {Entity}Pagination

    def get_queryset(self):
        fields = self.request.query_params.get("fields", "id,title,status,updated_at").split(",")
        return (
            {Entity}.objects.filter(account_id=self.request.user.account_id)
            .only(*fields)
            .select_related("owner")  # one query instead of one per row
        )
```""",
    "java": """```java
// Cursor pagination with Spring Data (keyset: no OFFSET scans on large tables)
@GetMapping("/api/{entity}")
public Page{Entity}Response list(@RequestParam(defaultValue = "20") int limit,
                                 @RequestParam(required = false) Long cursor,
                                 @AuthenticationPrincipal User user) {{
    int size = Math.min(limit, 100);
    List<{Entity}Summary> rows = repository.findPage(user.accountId(), cursor, PageRequest.ofSize(size + 1));
    boolean hasMore = rows.size() > size;
    List<{Entity}Summary> page = rows.subList(0, Math.min(size, rows.size()));
    return new Page{Entity}Response(page, hasMore, page.isEmpty() ? null : page.get(page.size() - 1).id());
}}

// Projection interface: only the columns the list needs
interface {Entity}Summary {{ Long id(); String title(); String status(); Instant updatedAt(); }}
```""",
}

BACKEND = {
    "javascript": """```javascript
// Connection pooling
const pool = new Pool({{
  connectionString: process.env.DATABASE_URL,
  max: {pool}, // per instance: {pool_total} connections in all, under the database's limit of {pool_limit}
  idleTimeoutMillis: 30000,
  connectionTimeoutMillis: 2000,
}});

// Query batching: many single lookups become one query
const batch = new DataLoader(async (ids) => {{
  const {{ rows }} = await pool.query('SELECT * FROM {entity} WHERE id = ANY($1)', [ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id));
}});

// Async processing: slow work leaves the request path
await queue.send('{queue}', {{ type: 'export', accountId, requestedAt: Date.now() }}, {{
  attempts: 3,
  backoff: {{ type: 'exponential', delay: 2000 }},
}});
```""",
    "python": """```python
# Connection pooling (SQLAlchemy; Django: CONN_MAX_AGE + PgBouncer)
engine = create_engine(
    DATABASE_URL,
    pool_size={pool},        # per instance: {pool_total} connections in all, under the limit of {pool_limit}
    max_overflow=0,      # no extra connections beyond the pool: the total above is the ceiling
    pool_pre_ping=True,
    pool_recycle=1800,
)

# Query batching: many single lookups become one query
def load_{entity}(ids):
    rows = session.execute(select({Entity}).where({Entity}.id.in_(ids))).scalars()
    by_id = {{row.id: row for row in rows}}
    return [by_id.get(i) for i in ids]

# Async processing: slow work leaves the request path ({queue})
@app.task(bind=True, max_retries=3, retry_backoff=2)
def export_{entity}(self, account_id):
    ...

export_{entity}.delay(account_id)
```""",
    "java": """```java
// Connection pooling (HikariCP)
HikariConfig config = new HikariConfig();
config.setJdbcUrl(System.getenv("DATABASE_URL"));
config.setMaximumPoolSize({pool}); // per instance: {pool_total} in all, under the limit of {pool_limit}
config.setConnectionTimeout(2000);
config.setIdleTimeout(30000);
DataSource dataSource = new HikariDataSource(config);

// Query batching: one round trip for many rows
@Query("select e from {Entity} e where e.id in :ids")
List<{Entity}> findAllByIds(@Param("ids") Collection<Long> ids);

// Async processing: slow work leaves the request path ({queue})
@Async("exportExecutor")
@Retryable(maxAttempts = 3, backoff = @Backoff(delay = 2000, multiplier = 2))
public CompletableFuture<Void> export{Entity}(long accountId) {{
    ...
}}
```""",
}


def _fill(template: str, p: Profile) -> str:
    entity = p.entity
    singular = entity.removesuffix("s")
    return template.format(
        cache=p.cache, entity=entity, Entity=singular.capitalize(), queue=p.queue, pool=p.pool[0],
        pool_total=p.pool[1], pool_limit=p.pool[2]
    )


def cache_sample(p: Profile) -> str:
    return _fill(CACHE[p.language], p)


def api_sample(p: Profile) -> str:
    return _fill(API[p.language], p)


def backend_sample(p: Profile) -> str:
    return _fill(BACKEND[p.language], p)
