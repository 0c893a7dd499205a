"""Downloads render what is on screen and carry nothing active from the (untrusted) model output."""

from __future__ import annotations

import re

from specchain.drafting import draft_document
from specchain.exports import ExportMeta, file_stem, render_html_fragment, to_html, to_markdown
from tests.conftest import example_inputs

META = ExportMeta(app_name="<Acme>", engine_label="Offline draft (not AI-written)",
                  created="2026-11-27 10:00 UTC", version=3)


def test_markdown_download_is_the_document() -> None:
    assert to_markdown("# T\n\nbody\n\n\n") == b"# T\n\nbody\n"


def test_html_renders_tables_task_lists_and_code_like_the_screen() -> None:
    document = draft_document(example_inputs()[0][1])
    page = to_html(document, META).decode()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    separator_rows = re.findall(r"^\|(?:\s*:?-+:?\s*\|)+\s*$", document, re.MULTILINE)
    assert page.count("<table>") == len(separator_rows) == 5
    assert '<input type="checkbox" disabled=""> Load testing completed' in page
    assert '<code class="language-yaml">' in page and "┌" in page and "▼" in page
    assert "<h2 id=\"executive-summary\">Executive Summary</h2>" in page
    assert "&lt;Acme&gt;" in page and "Offline draft (not AI-written)" in page


def test_html_has_no_script_handlers_or_javascript_links() -> None:
    hostile = """# Report
<script>alert('x')</script>
<img src=x onerror="alert(1)"> <a href="javascript:alert(2)" onclick="steal()">click</a>
[link](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=)
<iframe src="https://evil.example"></iframe><style>body{display:none}</style>
<div onmouseover="x()">hover</div>
- [ ] safe task
"""
    html = render_html_fragment(hostile).lower()
    for bad in ("<script", "onerror", "onclick", "onmouseover", "javascript:", "data:text", "<iframe", "<style", "alert("):
        assert bad not in html, bad
    assert "click" in html and "hover" in html and 'type="checkbox"' in html


def test_file_names_are_safe() -> None:
    assert file_stem("TaskFlow Pro / ÄÖ ../..", "v2") == "taskflow-pro-performance-scalability-v2"
    assert file_stem("", "prompt") == "document-performance-scalability-prompt"
    assert re.fullmatch(r"[a-z0-9-]+", file_stem("x" * 500, "v1"))
