"""Downloads: one entry point per format, each taking the Markdown and its metadata and returning bytes.

to_markdown, to_html (standalone, styled, sanitized), to_docx (Word) and to_pdf. Each shows what the screen shows:
CommonMark with GitHub's tables, task lists, strikethrough and bare links; raw HTML in the text shows as the literal
text it is (as on screen), except <br>, which breaks the line. The title appears once, as literal text.
Model output is untrusted:
- HTML: markdown-it renders raw HTML as text, then an allow-list sanitizer (nh3, the Rust ammonia library)
  removes anything active all the same: no script or style, no event handlers, no javascript: or data: links.
- Word and PDF: pandoc (bundled in the pypandoc-binary wheel) reads the Markdown with raw attributes, YAML
  metadata and math off, runs sandboxed (no file or network access), and a filter turns raw HTML into text and
  drops images and non-web links. The PDF is typeset by the typst wheel with its embedded fonts plus the Noto
  fonts shipped as wheels (CJK, emoji, other scripts) only, rooted in an empty folder.
Word and PDF take a few hundred milliseconds, so they are cached per document version and built on request;
pandoc, Typst and python-docx are imported only then, not with the app.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib
import io
import re
import subprocess
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.gfm import gfm_plugin

from specchain.document import escape_markdown, open_fence
from specchain.language import detect_language

if TYPE_CHECKING:
    from specchain.facts.charts import ChartSet

TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "input", "span", "div",
    "sup", "section",
}
ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "th": {"style"},
    "td": {"style"},
    "code": {"class"},
    "input": {"type", "checked", "disabled", "class"},
    "li": {"class", "id"},
    "ul": {"class"},
    "ol": {"start", "class"},
    "sup": {"class"},
    "section": {"class"},
    "hr": {"class"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; line-height: 1.55;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; color: #1f2328; background: #fff; }
header.meta { color: #59636e; border-bottom: 1px solid #d1d9e0; margin-bottom: 1.5rem; padding-bottom: .75rem; }
header.meta h1 { color: #1f2328; border: none; margin: 0 0 .3rem; padding: 0; }
header.meta p { margin: 0; }
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
  header.meta h1 { color: #e6edf3; }
  th, pre { background: #161b22; }
  th, td, h1, h2, header.meta { border-color: #30363d; }
  header.meta { color: #9198a1; }
}
@media print { body { max-width: none; } pre, table { page-break-inside: avoid; } }
section.charts figure { margin: 1.2rem 0; }
section.charts img { max-width: 100%; height: auto; border-radius: 6px; }
section.charts figcaption, section.charts .note { color: #59636e; font-size: .92rem; }
"""


@dataclass(frozen=True)
class ExportMeta:
    app_name: str  # "TaskFlow Pro"
    engine_label: str  # "Claude · claude-sonnet-5-5" or "Offline draft (not AI-written)"
    created: str  # "2026-11-27 14:05 UTC"
    version: int
    # "Capacity at a glance": the capacity model's charts (specchain.facts.charts), drawn after the title block.
    charts: ChartSet | None = None
    # Why an unfinished version stops where it does ("Stopped by you"); "" for a finished one. Said at its end, in
    # every format, so a reader of the file knows the rest was never written.
    unfinished: str = ""

    def ending(self, document: str) -> str:
        """The document with, when unfinished, a closing note after whatever it was cut in (a code block, a table)."""
        if not self.unfinished:
            return document
        fence = open_fence(document)
        closed = document.rstrip() + (f"\n{fence}" if fence else "")
        return (f"{closed}\n\n---\n\n> **Unfinished.** This version stops here ({self.unfinished.lower()}); "
                "the rest of the document was not written.\n")

    @property
    def title(self) -> str:
        """The one title of every format, as literal text: a name's * or <b> stay as typed."""
        return f"Performance & Scalability: {' '.join(self.app_name.split()) or 'Untitled product'}"


class ExportError(RuntimeError):
    """A conversion failed; the message is for the user."""


NAME_LENGTH = 60


def file_stem(app_name: str, part: str) -> str:
    """"Café Zürich", "v2" → "café-zürich-performance-scalability-v2".

    Letters, marks and digits of any script stay (NFC, lower case); everything else, including every character
    that Windows, macOS or Linux forbid in a file name, becomes a hyphen.
    """
    name = unicodedata.normalize("NFC", app_name).lower()
    kept = "".join(char if unicodedata.category(char)[0] in "LMN" else "-" for char in name)
    slug = re.sub(r"-+", "-", kept).strip("-")[:NAME_LENGTH].strip("-") or "document"
    return f"{slug}-performance-scalability-{part}"


def to_markdown(document: str, meta: ExportMeta | None = None) -> bytes:
    """The document as written; with meta, a first heading that repeats the title but would not read as it (a
    name with * or _ in it, pasted in as is) is written so that it does."""
    document = meta.ending(document) if meta is not None else document
    first = _first_heading(document)
    if meta is not None and first is not None and _is_title(first[2], meta.title) and \
            _comparable(_plain(first[2])) != _comparable(meta.title):
        lines = _lines(document)
        lines[first[0]:first[1]] = ["# " + escape_markdown(meta.title)]
        document = "\n".join(lines)
    return (document.rstrip() + "\n").encode("utf-8")


# ── Markdown as the screen reads it ──────────────────────────────────────────────────────────────────────────
def _literal_html(self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict,
                  env: EnvType) -> str:
    """Raw HTML shows as the text it is, as Streamlit's st.markdown shows it; only <br> breaks the line."""
    text = tokens[index].content
    if LINE_BREAK.fullmatch(text.strip()):
        return "<br>\n" if tokens[index].block else "<br>"
    return f"<p>{escapeHtml(text.rstrip())}</p>\n" if tokens[index].block else escapeHtml(text)


def _image_as_text(self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict,
                   env: EnvType) -> str:
    """An image becomes its description, as in Word and PDF: a download loads nothing from anywhere."""
    return escapeHtml(self.renderInlineAsText(tokens[index].children or [], options, env))


def _markdown_parser() -> MarkdownIt:
    """CommonMark plus GitHub's tables, strikethrough, task lists, bare links and footnotes: what Streamlit's
    renderer (react-markdown with remark-gfm) shows."""
    parser = MarkdownIt("commonmark").use(gfm_plugin).use(anchors_plugin, min_level=1, max_level=6)
    parser.options["alerts"] = False  # "> [!NOTE]" boxes are GitHub's own: remark-gfm shows a quote
    parser.add_render_rule("html_inline", _literal_html)
    parser.add_render_rule("html_block", _literal_html)
    parser.add_render_rule("image", _image_as_text)
    return parser


MARKDOWN = _markdown_parser()
# The same block structure without reading inline text: enough to find the tables, at a third of the cost.
BLOCKS = MarkdownIt("commonmark").enable("table")
BLOCKS.core.ruler.disable(["inline", "text_join"])


def _lines(document: str) -> list[str]:
    """The document's lines, numbered as markdown-it numbers them (token.map)."""
    return document.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _plain(inline: Token) -> str:
    """An inline token's text as a reader sees it: no emphasis marks, raw HTML as typed."""
    return "".join(child.content for child in inline.children or []
                   if child.type in ("text", "code_inline", "html_inline"))


def _first_heading(document: str) -> tuple[int, int, Token] | None:
    """The line range and text of the document's first block when it is an H1."""
    lines = _lines(document)
    start = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
    end = next((index for index in range(start, len(lines)) if not lines[index].strip()), len(lines))
    tokens = MARKDOWN.parse("\n".join(lines[start:end]))  # the first block: no need to parse the rest
    if len(tokens) < 2 or tokens[0].type != "heading_open" or tokens[0].tag != "h1" or tokens[0].map is None:
        return None
    return start + tokens[0].map[0], start + tokens[0].map[1], tokens[1]


def _is_title(heading: Token, title: str) -> bool:
    """The heading repeats the title, as typed (a model pastes the name in) or as it reads."""
    return _comparable(title) in (_comparable(heading.content), _comparable(_plain(heading)))


def without_title_heading(document: str, title: str) -> str:
    """The document without its first heading when that repeats the title: the title block shows it, once."""
    first = _first_heading(document)
    if first is None or not _is_title(first[2], title):
        return document
    lines = _lines(document)
    del lines[first[0]:first[1]]
    return "\n".join(lines)


def _comparable(text: str) -> str:
    return " ".join(text.split()).casefold()


def _normalise(document: str) -> str:
    return "\n".join(_lines(document))




@functools.lru_cache(maxsize=64)
def render_html_fragment(document: str) -> str:
    """The document body as safe HTML, with the structure the screen shows; nothing active."""
    return nh3.clean(
        MARKDOWN.render(_normalise(document)),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
        url_relative=_same_page_only,
    )


def _same_page_only(url: str) -> str | None:
    """Links within the page (#a-heading) stay; a relative path would open a file beside the download."""
    return url if url.startswith("#") else None


@functools.lru_cache(maxsize=16)  # the Document page binds it on every rerun
def to_html(document: str, meta: ExportMeta) -> bytes:
    title = html.escape(meta.title)
    document = without_title_heading(meta.ending(document), meta.title)
    charts = _html_charts(meta.charts)
    csp_images = "; img-src data:" if charts else ""  # the charts only: the sanitized body has no <img> at all
    page = f"""<!DOCTYPE html>
<html lang="{document_language(document, meta)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'{csp_images}">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<header class="meta">
<h1>{title}</h1>
<p>Version {meta.version} · {html.escape(meta.created)} · {_engine_badge(meta.engine_label)}</p>
</header>
{charts}<main>
{render_html_fragment(document)}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


CHARTS_HEADING = "Capacity at a glance"
CHARTS_NOTE = ("Computed from the brief by Spec Chain Studio's capacity model, not read from the text below. Dashed "
               "or faded marks rest on assumptions.")


def _html_charts(charts: ChartSet | None) -> str:
    """The charts as SVG images in data: URIs (an <img> runs no script, whatever the SVG held), before the body."""
    if not charts:
        return ""
    from specchain.facts.charts import render_svg

    parts = [f'<section class="charts">\n<h2>{CHARTS_HEADING}</h2>\n<p class="note">{html.escape(CHARTS_NOTE)}</p>']
    for chart in charts.charts:
        data = base64.b64encode(render_svg(chart).encode("utf-8")).decode("ascii")
        parts.append(f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{html.escape(chart.description)}">'
                     f"<figcaption>{html.escape(chart.caption)}</figcaption></figure>")
    parts.extend(f'<p class="note">{html.escape(o.reason.replace("Left out", o.title, 1))}</p>'
                 for o in charts.omitted)
    return "\n".join(parts) + "\n</section>\n"


def document_language(document: str, meta: ExportMeta) -> str:
    """The language every format is tagged with: the document's, its title included."""
    return detect_language(f"{meta.app_name}\n{document}")


def _engine_badge(label: str) -> str:
    text = html.escape(label)
    return f'<span class="badge">{text}</span>' if "offline" in label.lower() else text


# ── Word and PDF, through pandoc ─────────────────────────────────────────────────────────────────────────────
EXPORT_DATA = Path(__file__).parent / "data" / "export"
# GitHub Markdown as the screen shows it, minus what lets a document reach outside itself or change meaning:
# YAML metadata blocks (could set pandoc variables), $…$ maths (prices like "$5 to $10" must stay text).
PANDOC_READER = "gfm-yaml_metadata_block-tex_math_dollars-tex_math_gfm-raw_attribute"
CONVERT_TIMEOUT_S = 60
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _pandoc(document: str, to: str, *options: str) -> bytes:
    import pypandoc  # loaded when a Word or PDF file is first made, not with the app

    command = [
        pypandoc.get_pandoc_path(), "--from", PANDOC_READER, "--to", to, "--sandbox",
        "--lua-filter", str(EXPORT_DATA / "untrusted.lua"), *options, "--output", "-",
    ]
    try:
        done = subprocess.run(command, input=document.encode("utf-8"), capture_output=True,
                              timeout=CONVERT_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        raise ExportError("Making the file took too long. Try again, or download Markdown or HTML.") from error
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[:300]
        raise ExportError(f"The document could not be converted ({detail}). Markdown and HTML still work.")
    return done.stdout


def _for_pandoc(document: str, meta: ExportMeta) -> str:
    """The Markdown as pandoc should read it to give what the screen shows: without a first heading repeating the
    title (the title block shows it), and with a blank line before each table that follows a line of text (GFM
    starts a table there; pandoc's reader only after a blank line); an unfinished version's closing note added."""
    lines = _lines(without_title_heading(meta.ending(document), meta.title))
    tables = {token.map[0] for token in BLOCKS.parse("\n".join(lines)) if token.type == "table_open" and token.map}
    for start in sorted(tables, reverse=True):
        if start > 0 and lines[start - 1].strip(" \t>"):
            prefix = re.match(r"[ \t>]*", lines[start])
            lines.insert(start, prefix.group().rstrip() if prefix else "")  # inside a quote the gap keeps its >
    return "\n".join(lines)


@functools.lru_cache(maxsize=16)
def to_docx(document: str, meta: ExportMeta) -> bytes:
    """A Word document: a title block, heading styles (Word's navigation pane), bordered tables, monospace code."""
    # Metadata given with --metadata is literal text to pandoc: the title reads exactly as typed.
    raw = _pandoc(_for_pandoc(document, meta), "docx", "--metadata", f"title={meta.title}",
                  "--metadata", f"subtitle={meta.engine_label} · Version {meta.version}",
                  "--metadata", f"date={meta.created}", "--metadata", f"lang={document_language(document, meta)}")
    # python-docx is imported when a Word file is first made, not with the app.
    from specchain.word_style import style_word

    styled = style_word(raw)
    return _docx_with_charts(styled, meta.charts) if meta.charts else styled


def _docx_with_charts(data: bytes, charts: ChartSet) -> bytes:
    """The charts as pictures (PNG, with alt text) in a "Capacity at a glance" part right after the title block."""
    import docx
    from docx.shared import Cm

    from specchain.facts.charts import render_png

    word = docx.Document(io.BytesIO(data))
    body = word.element.body
    title_block = [p for p in word.paragraphs if p.style is not None and p.style.name in ("Title", "Subtitle", "Date")]
    anchor = title_block[-1]._p if title_block else None
    styles = {style.name for style in word.styles}
    caption_style = next((name for name in ("Image Caption", "Caption") if name in styles), None)
    added = [word.add_paragraph(CHARTS_HEADING, style="Heading 2" if "Heading 2" in styles else None),
             word.add_paragraph(CHARTS_NOTE)]
    for chart in charts.charts:
        picture = word.add_paragraph()
        picture.add_run().add_picture(io.BytesIO(render_png(chart)), width=Cm(17))
        for properties in picture._p.xpath(".//wp:docPr"):  # the picture's alt text, as Word's "Alt Text" pane
            properties.set("descr", chart.description)
            properties.set("title", chart.title)
        added += [picture, word.add_paragraph(chart.caption, style=caption_style)]
    added += [word.add_paragraph(o.reason.replace("Left out", o.title, 1)) for o in charts.omitted]
    for paragraph in added:  # move them from the end to just after the title block
        element = paragraph._p
        body.remove(element)
        if anchor is None:
            body.insert(0, element)
        else:
            anchor.addnext(element)
        anchor = element
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _typst_charts(charts: ChartSet | None, inputs: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Typst for the "Capacity at a glance" part, and its SVG files by name. Its texts go in as sys.inputs (added
    to `inputs`), never as source; the SVGs are vector graphics in the PDF, their text in the Noto Sans that the
    font wheel gives Typst too."""
    if not charts:
        return "", {}
    from specchain.facts.charts import render_svg

    inputs["charts-heading"], inputs["charts-note"] = CHARTS_HEADING, CHARTS_NOTE
    lines = ['#heading(level: 2)[#sys.inputs.at("charts-heading")]', '#text(size: 9pt)[#sys.inputs.at("charts-note")]']
    images: dict[str, str] = {}
    for index, chart in enumerate(charts.charts, start=1):
        name = f"chart-{index}.svg"
        images[name] = render_svg(chart)
        inputs[f"chart-{index}-alt"], inputs[f"chart-{index}-caption"] = chart.description, chart.caption
        lines.append(f'#figure(image("/{name}", width: 100%, alt: sys.inputs.at("chart-{index}-alt")), '
                     f'caption: [#sys.inputs.at("chart-{index}-caption")])')
    for index, omitted in enumerate(charts.omitted, start=1):
        inputs[f"omitted-{index}"] = omitted.reason.replace("Left out", omitted.title, 1)
        lines.append(f'#text(size: 9pt)[#sys.inputs.at("omitted-{index}")]')
    return "\n\n".join(lines) + "\n\n", images


# Noto fonts from PyPI wheels (SIL Open Font License): Chinese, Japanese and Korean in one collection, whose
# regional faces share the characters but draw some differently; monochrome Noto Emoji; Noto Sans Symbols and Noto
# Sans for other scripts (Arabic, Hebrew, Devanagari, Thai, …), which Typst finds by itself for any glyph missing.
FONT_PACKAGES = ("manimgx_fonts_cjk", "manimgx_fonts")
CJK_FACES = {"ja": "Noto Sans CJK JP", "zh": "Noto Sans CJK SC", "ko": "Noto Sans CJK KR"}


@functools.cache
def _font_paths() -> list[str]:
    """The folders of the font wheels' files (each package is its fonts and an empty __init__)."""
    return [str(Path(importlib.import_module(name).__file__ or "").parent) for name in FONT_PACKAGES]


@functools.lru_cache(maxsize=16)
def to_pdf(document: str, meta: ExportMeta) -> bytes:
    """A PDF with one bookmark per heading, typeset by Typst with its embedded fonts and the Noto wheels' fonts."""
    import typst  # loaded when a PDF is first made, not with the app

    body = _pandoc(_for_pandoc(document, meta), "typst").decode("utf-8")
    language = document_language(document, meta)
    inputs = {"title": meta.title, "engine": meta.engine_label, "created": meta.created,
              "version": str(meta.version), "lang": language, "cjk": CJK_FACES.get(language, CJK_FACES["ja"])}
    charts, images = _typst_charts(meta.charts, inputs)
    source = (EXPORT_DATA / "page.typ").read_text(encoding="utf-8") + charts + body
    # An empty root but for the chart images: Typst can read no other file, whatever the source says. No system
    # fonts: the same PDF on every machine.
    with tempfile.TemporaryDirectory(prefix="specchain-pdf-") as root:
        for name, svg in images.items():
            (Path(root) / name).write_text(svg, encoding="utf-8")
        try:
            return typst.compile(  # type: ignore[call-overload]  # stubs want root typed as the input (bytes)
                source.encode("utf-8"), root=root, format="pdf", sys_inputs=inputs, font_paths=_font_paths(),
                ignore_system_fonts=True)
        except typst.TypstError as error:
            raise ExportError(f"The PDF could not be typeset ({str(error)[:300]}). Word, Markdown and HTML "
                              "still work.") from error
