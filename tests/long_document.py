"""A long, model-style document in the template's structure, with every construct a download must keep.

Used by the export tests, the export benchmark and the browser-streaming benchmark: headings at three levels,
pipe tables (aligned columns, bold and code in cells, an escaped pipe), yaml/sql/javascript code blocks, the
box-drawing architecture diagram, task lists, bold, links, and numbered and nested lists. Grows to any size by
adding numbered subsections, so a benchmark can double it.
"""

from __future__ import annotations

from specchain.steps import load_step

DIAGRAM = """\
┌─────────────────────────────────────────────┐
│              CDN (CloudFront)               │
└──────────────────────┬──────────────────────┘
                       │
┌──────────────────────▼──────────────────────┐
│             Load Balancer (ALB)             │
└──────────┬───────────────────────┬──────────┘
           │                       │
┌──────────▼─────────┐   ┌─────────▼──────────┐
│  API Servers (x12) │   │  Workers (x4..40)  │
└──────────┬─────────┘   └─────────┬──────────┘
           └───────────┬───────────┘
               ┌───────▼───────┐
               │  PostgreSQL   │
               └───────────────┘"""

CODE = [
    ("yaml", "autoscaling:\n  min_instances: {n}\n  max_instances: {m}\n  scale_up_when: cpu > 65% for 3 minutes\n"
             "  scale_down_when: cpu < 30% for 10 minutes\ncache:\n  ttl_seconds: {n}0\n  eviction: allkeys-lru"),
    ("sql", "CREATE INDEX CONCURRENTLY idx_tasks_project_{n}\n  ON tasks (project_id, updated_at DESC)\n"
            "  WHERE archived = false;\n\nSELECT id, title FROM tasks\n WHERE project_id = $1\n"
            " ORDER BY updated_at DESC\n LIMIT {m};"),
    ("javascript", "import http from 'k6/http';\nexport const options = {{\n  stages: [\n"
                   "    {{ duration: '5m', target: {n}00 }},\n    {{ duration: '10m', target: {m}00 }},\n  ],\n"
                   "  thresholds: {{ http_req_duration: ['p(95)<300'] }},\n}};\n"
                   "export default () => http.get(`${{__ENV.BASE_URL}}/api/tasks?page={n}`);"),
]


def _subsection(section: int, part: int) -> str:
    n, m = section + part + 2, (section + 1) * (part + 3)
    language, code = CODE[(section + part) % len(CODE)]
    return f"""### {section + 1}.{part + 1} Capacity plan for tier {part + 1}
The **{n * 1000:,} concurrent users** expected at peak are served with a p95 latency under **{150 + part * 10} ms**;
see the [AWS Well-Architected performance pillar](https://docs.aws.amazon.com/wellarchitected/latest/performance-efficiency-pillar/welcome.html)
for the method, and *Disaster Recovery* below for the failure cases.

| Component | Instances | Target p95 | Monthly cost | Notes |
|:----------|----------:|:----------:|-------------:|-------|
| API servers | {n} | {150 + part * 10} ms | ${n * 180:,} | **Stateless**, scale on `cpu > 65%` |
| Workers | {m} | n/a | ${m * 95:,} | Queue depth \\| age of oldest job |
| PostgreSQL | 1 + {part + 1} replicas | {20 + part} ms | ${2400 + part * 600:,} | Read replicas for reports and search |
| Redis | {part + 2} shards | 2 ms | ${300 * (part + 2):,} | Hit rate above 85% |

```{language}
{code.format(n=n, m=m)}
```

1. Load-test at **2x** the next milestone.
2. Raise the limits above, then:
   - re-run the soak test for 8 hours;
   - compare cost per 1,000 requests with last month.

- [ ] Alert thresholds for tier {part + 1} reviewed
- [x] Dashboards for tier {part + 1} live
"""


def long_document(min_bytes: int = 40 * 1024, app_name: str = "TaskFlow Pro") -> str:
    """At least `min_bytes` of UTF-8, every template section present, the diagram once."""
    sections = load_step().sections
    parts_per_section = 1
    while True:
        text = _build(sections, parts_per_section, app_name)
        if len(text.encode("utf-8")) >= min_bytes:
            return text
        parts_per_section += 1


def _build(sections: list[str], parts: int, app_name: str) -> str:
    blocks = [f"# Performance & Scalability: {app_name}\n"]
    for index, title in enumerate(sections):
        blocks.append(f"## {title}\n")
        if index == 2:
            blocks.append(f"### System Architecture\n```\n{DIAGRAM}\n```\n")
        if title.startswith("Clarification"):
            blocks.append("1. What is the peak hour in your busiest region?\n"
                          "2. Which reports must be real-time?\n")
            continue
        blocks.extend(_subsection(index, part) for part in range(parts))
    return "\n".join(blocks)
