"""Downloads render what is on screen and carry nothing active from the (untrusted) model output."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from specchain.drafting import draft_document
from specchain.exports import (
    ExportMeta,
    file_stem,
    render_html_fragment,
    to_html,
    to_markdown,
)
from tests.conftest import example_inputs

META = ExportMeta(app_name="<Acme>", engine_label="Offline draft (not AI-written)",
                  created="2026-11-27 10:00 UTC", version=3)
ACTIVE_ELEMENTS = {"script", "style", "iframe", "object", "embed", "img", "form", "link", "base", "svg", "math"}


class ActiveParts(HTMLParser):
    """Collects what a browser would act on: active elements, event handlers, links to other than the web or mail."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_ELEMENTS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            web = value is not None and (value.startswith("#") or re.match(r"(https?|mailto):", value.strip(), re.IGNORECASE))
            if name in ("href", "src", "action") and not web:
                self.found.append(f"{tag} {name}={value}")


def active_parts(html: str) -> list[str]:
    parser = ActiveParts()
    parser.feed(html)
    return parser.found


def test_markdown_download_is_the_document() -> None:
    assert to_markdown("# T\n\nbody\n\n\n") == b"# T\n\nbody\n"


def test_html_renders_tables_task_lists_and_code_like_the_screen() -> None:
    document = draft_document(example_inputs()[0][1])
    page = to_html(document, META).decode()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    separator_rows = re.findall(r"^\|(?:\s*:?-+:?\s*\|)+\s*$", document, re.MULTILINE)
    assert page.count("<table>") == len(separator_rows) > 0
    assert re.search(r'<input[^>]*type="checkbox"[^>]*> Load testing completed', page)
    assert '<code class="language-yaml">' in page and "┌" in page and "▼" in page
    assert "<h2 id=\"executive-summary\">Executive Summary</h2>" in page
    assert "&lt;Acme&gt;" in page and "Offline draft (not AI-written)" in page
    assert active_parts(page.split("</head>")[1]) == []  # the head holds only our own <style>


def test_html_has_no_script_handlers_or_javascript_links() -> None:
    hostile = """# Report
<script>alert('x')</script>
<img src=x onerror="alert(1)"> <a href="javascript:alert(2)" onclick="steal()">click</a>
[link](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=) [web](https://example.com)
<iframe src="https://evil.example"></iframe><style>body{display:none}</style>
<div onmouseover="x()">hover</div>

- [ ] safe task
"""
    html = render_html_fragment(hostile)
    assert active_parts(html) == []
    # The raw HTML shows as the text it is, as on screen: every word is there, inert.
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html and "click" in html and "hover" in html
    assert 'type="checkbox"' in html and 'href="https://example.com"' in html


def test_file_names_keep_every_script_and_drop_what_file_systems_forbid() -> None:
    assert file_stem("TaskFlow Pro / ÄÖ ../..", "v2") == "taskflow-pro-äö-performance-scalability-v2"
    assert file_stem("Café Zürich", "v1") == "café-zürich-performance-scalability-v1"
    assert file_stem("Cafe\u0301", "v1") == "café-performance-scalability-v1"  # NFC: one é, however typed
    assert file_stem("タスク管理 Pro", "v3") == "タスク管理-pro-performance-scalability-v3"
    assert file_stem("데이터 플랫폼", "v1") == "데이터-플랫폼-performance-scalability-v1"
    assert file_stem("", "prompt") == "document-performance-scalability-prompt"
    assert file_stem('<>:"/\\|?*\x00\x1f\u202e', "v1") == "document-performance-scalability-v1"
    hostile = file_stem('a<b>c:d"e/f\\g|h?i*j\x07k\u202el. ', "v1")
    assert not set(hostile) & set('<>:"/\\|?* .') and hostile.startswith("a-b-c-d-e-f-g-h-i-j-k-l-")
    long_name = file_stem("x" * 500, "v1")
    assert re.fullmatch(r"[a-z0-9-]+", long_name) and len(long_name.encode()) < 255
    assert len(file_stem("検" * 500, "v1").encode()) < 255
    assert unicodedata.is_normalized("NFC", file_stem("Ångström Ünïcödé", "v1"))
