"""Downloads: the document as Markdown and as a standalone, styled, sanitized HTML page.

Model output is untrusted. Raw HTML in it is rendered only through an allow-list sanitizer (nh3, the Rust
ammonia library): no script or style, no event handlers, no javascript: or data: links.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

import markdown as md
import nh3

EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc"]
TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "input", "span", "div",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align", "style"},
    "td": {"align", "style"},
    "code": {"class"},
    "input": {"type", "checked", "disabled"},
    "li": {"class"},
    "ul": {"class"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
}
TASK = re.compile(r"<li>(?:<p>)?\[([ xX])\]\s")
STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; line-height: 1.55;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; color: #1f2328; background: #fff; }
header.meta { color: #59636e; border-bottom: 1px solid #d1d9e0; margin-bottom: 1.5rem; padding-bottom: .75rem; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: 1rem; background: #fff8c5; color: #6a5300;
         font-size: .85rem; font-weight: 600; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3rem; }
h2 { margin-top: 2rem; }
table { border-collapse: collapse; display: block; overflow-x: auto; margin: 1rem 0; }
th, td { border: 1px solid #d1d9e0; padding: .4rem .8rem; text-align: left; }
th { background: #f6f8fa; }
pre { background: #f6f8fa; padding: 1rem; overflow-x: auto; border-radius: 6px; line-height: 1.3; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
li.task-list-item { list-style: none; margin-left: -1.3rem; }
li.task-list-item input { margin-right: .45rem; }
@media (prefers-color-scheme: dark) {
  body { background: #0d1117; color: #e6edf3; }
  th, pre { background: #161b22; }
  th, td, h1, h2, header.meta { border-color: #30363d; }
  header.meta { color: #9198a1; }
}
@media print { body { max-width: none; } pre, table { page-break-inside: avoid; } }
"""


@dataclass(frozen=True)
class ExportMeta:
    title: str  # "Performance & Scalability: TaskFlow Pro"
    engine_label: str  # "Claude · claude-sonnet-5-5" or "Offline draft (not AI-written)"
    created: str  # "2026-11-27 14:05 UTC"
    version: int


def file_stem(app_name: str, part: str) -> str:
    """"TaskFlow Pro", "v2" → "taskflow-pro-performance-scalability-v2": safe on every file system."""
    slug = re.sub(r"[^a-z0-9]+", "-", app_name.lower()).strip("-")[:60] or "document"
    return f"{slug}-performance-scalability-{part}"


def to_markdown(document: str) -> bytes:
    return (document.rstrip() + "\n").encode("utf-8")


@functools.lru_cache(maxsize=64)
def render_html_fragment(document: str) -> str:
    """The document body as safe HTML: GitHub-style tables, task lists and fenced code, nothing active."""
    body = md.markdown(document, extensions=EXTENSIONS, output_format="html")
    body = TASK.sub(_checkbox, body)
    return nh3.clean(
        body,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def _checkbox(match: re.Match[str]) -> str:
    checked = " checked" if match.group(1) in "xX" else ""
    return f'<li class="task-list-item"><input type="checkbox" disabled{checked}> '


def to_html(document: str, meta: ExportMeta) -> bytes:
    title = html.escape(meta.title)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src https: data:">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<header class="meta">Version {meta.version} · {html.escape(meta.created)} · {_engine_badge(meta.engine_label)}</header>
<main>
{render_html_fragment(document)}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


def _engine_badge(label: str) -> str:
    text = html.escape(label)
    return f'<span class="badge">{text}</span>' if "offline" in label.lower() else text
