"""A chain step is a folder under templates/: a Jinja2 prompt, its fields, example briefs and a little metadata.

Adding a step to the chain means adding a folder, not code.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from specchain.inputs import Answer, ChainInputs, FieldSpec

if TYPE_CHECKING:
    import jinja2
    from markdown_it import MarkdownIt

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
FENCE = re.compile(r"^\s*(```|~~~)")
TAG_NAME = re.compile(r"</?([a-z][a-z0-9_]*)[\s>]")


@functools.cache
def _jinja() -> jinja2.Environment:
    """Imported when a prompt is first rendered or a document first checked, not for the Brief page (its memory)."""
    import jinja2

    # An empty template variable still renders; an unknown one is a bug in the template, so it must fail loudly.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


CORRECTION_QUESTION = "What we read from your brief: "
CORRECTED = "(corrected by the PM)"
REMOVED = "Does not apply: the PM removed this from what we read from the brief."


class Example(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    values: dict[str, str]


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    line: int = field(default=0, compare=False)  # 0-based line of the text where the heading starts
    top_level: bool = field(default=True, compare=False)  # False inside a list item or a block quote


@dataclass(frozen=True)
class RenderedPrompt:
    text: str
    # Structural tags found in the user's text and made harmless, e.g. "</user_data>".
    neutralised_tags: tuple[str, ...]


class ChainStep:
    """Loads one step folder and renders its prompt."""

    def __init__(self, folder: Path) -> None:
        meta = tomllib.loads((folder / "step.toml").read_text(encoding="utf-8"))
        self.folder = folder
        self.id: str = meta["id"]
        self.title: str = meta["title"]
        self.summary: str = meta.get("summary", "")
        self.private_tag: str = meta["private_tag"]
        self.document_tag: str = meta["document_tag"]
        self.clarification_section: str = meta["clarification_section"]
        self.source = (folder / "prompt.md.j2").read_text(encoding="utf-8")
        fields = tomllib.loads((folder / "fields.toml").read_text(encoding="utf-8"))["fields"]
        self.fields: list[FieldSpec] = [FieldSpec(**f) for f in fields]
        examples_file = folder / "examples.toml"
        examples = tomllib.loads(examples_file.read_text(encoding="utf-8")) if examples_file.exists() else {}
        self.examples: list[Example] = [Example(**e) for e in examples.get("examples", [])]
        # Every tag the prompt itself uses (user_data, app_name, performance_planning, answer, ...).
        self.structural_tags: frozenset[str] = frozenset(TAG_NAME.findall(self.source))
        _document_block(self.source, self.document_tag)  # a folder without its document template fails now

    @functools.cached_property
    def _template(self) -> jinja2.Template:
        return _jinja().from_string(self.source)

    @functools.cached_property
    def headings(self) -> list[Heading]:
        """The document template's headings, read from the prompt itself."""
        return _document_headings(self.source, self.document_tag)

    @functools.cached_property
    def sections(self) -> list[str]:
        return [h.title for h in self.headings if h.level == 2]

    def field(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)

    def render(self, inputs: ChainInputs) -> RenderedPrompt:
        """The exact prompt text sent to the model. User text is data: it can't run Jinja or open/close tags.

        The PM's corrections of what was read from the brief reach the model as extra answers, after the others:
        the template keeps only the seed's placeholders, and the model reads them where it reads the PM's words."""
        found: list[str] = []
        safe = self._neutralised(inputs, found)
        answers = [*safe.answers, *self._correction_answers(safe, found)]
        text = self._template.render(**safe.values, answers=answers)
        return RenderedPrompt(text=text, neutralised_tags=tuple(dict.fromkeys(found)))

    def neutralised(self, inputs: ChainInputs) -> ChainInputs:
        """The inputs exactly as the prompt carries them: every field present, structural tags made harmless,
        unanswered questions dropped. The offline engine writes from these, so it sees what the model sees."""
        return self._neutralised(inputs, [])

    def _neutralised(self, inputs: ChainInputs, found: list[str]) -> ChainInputs:
        values = {f.key: self._neutralise(inputs.values.get(f.key, ""), found) for f in self.fields}
        answers = tuple(
            Answer(
                version=a.version,
                question=self._neutralise(a.question, found),
                answer=self._neutralise(a.answer, found),
            )
            for a in inputs.answers
            if a.answer.strip()
        )
        corrections = {key: self._neutralise(text, found) for key, text in inputs.corrections.items()}
        return ChainInputs(values=values, answers=answers, corrections=corrections)

    def _correction_answers(self, safe: ChainInputs, found: list[str]) -> list[Answer]:
        """Each correction as an answer: "What we read from your brief: Availability (uptime)" → "99.95% (corrected
        by the PM)". Numbered like the latest answers, so a reader of answers in version order takes them last."""
        if not safe.corrections:
            return []
        # Imported here: specchain.facts imports specchain.document, which imports this module.
        from specchain.facts.read import LABELS, read_facts

        labels = dict(LABELS)
        if any(key not in LABELS for key in safe.corrections):  # "latency.api.p95": labelled as it is read
            labels.update((f.key, f.label) for f in read_facts(safe.values, safe.answers).facts)
        version = max((a.version for a in safe.answers), default=0)
        return [
            Answer(
                version=version,
                question=CORRECTION_QUESTION + self._neutralise(labels.get(key, key), found),
                answer=f"{text.strip()} {CORRECTED}" if text.strip() else REMOVED,
            )
            for key, text in sorted(safe.corrections.items())
        ]

    def _neutralise(self, text: str, found: list[str]) -> str:
        def swap(match: re.Match[str]) -> str:
            found.append(match.group(0))
            # Look-alike angle brackets keep the text readable for the model but are no longer a tag.
            return "‹" + match.group(0)[1:-1] + "›"

        return self._tag_pattern.sub(swap, text)

    @functools.cached_property
    def _tag_pattern(self) -> re.Pattern[str]:
        names = "|".join(sorted(map(re.escape, self.structural_tags)))
        return re.compile(rf"<\s*/?\s*(?:{names})\b[^<>]*>", re.IGNORECASE)


def _document_block(source: str, tag: str) -> str:
    match = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", source, re.DOTALL)
    if not match:
        raise ValueError(f"the prompt has no <{tag}> block")
    return match.group(1)


def _document_headings(source: str, tag: str) -> list[Heading]:
    """The Markdown headings of the document template, read from the prompt itself (outside code fences)."""
    return markdown_headings(_document_block(source, tag))


def prose_lines(markdown: str) -> Iterator[str]:
    """The lines of a Markdown text that are outside fenced code blocks."""
    in_fence = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            yield line


@functools.cache
def _blocks() -> MarkdownIt:
    """CommonMark + GFM tables, as the screen renders Markdown, decides what is a heading. Only the block structure
    is needed: a heading's raw text is its title, so inline parsing is switched off (it would double the time)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])


def markdown_headings(markdown: str) -> list[Heading]:
    """The headings Markdown renders, in order: not "##" inside code, indented four spaces, glued to the end of a
    line of text, or written "##Title" without a space; "Title" underlined with "---" is one (a level-2 heading)."""
    return list(_headings(markdown))


@functools.lru_cache(maxsize=32)  # a page shows, checks and lists the questions of the same document on each rerun
def _headings(markdown: str) -> tuple[Heading, ...]:
    tokens = _blocks().parse(markdown)
    return tuple(
        Heading(
            level=int(token.tag[1]),
            title=" ".join(tokens[index + 1].content.split()),
            line=token.map[0] if token.map else 0,
            top_level=token.level == 0,
        )
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    )


@functools.cache
def load_step(step_id: str = "performance_scalability") -> ChainStep:
    folder = TEMPLATES_DIR / step_id
    if not (folder / "step.toml").exists():
        raise FileNotFoundError(f"no chain step folder at {folder}")
    return ChainStep(folder)


def available_steps() -> list[str]:
    return sorted(p.parent.name for p in TEMPLATES_DIR.glob("*/step.toml"))
