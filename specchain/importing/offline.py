"""The offline reader: fills what it can of the brief from a document, deterministically, with no AI.

It copies the document's own sentences into the field they belong to, decided by what the facts reader finds in
each: figures with their words (people at once, requests, data, per day → load; response times, uptime, RPO/RTO →
targets; "3x in two years" → growth) and technology names (databases, clouds, languages → stack). The product name
comes from a "Product name:" line or the document's title. Every sentence keeps its place in the document.
"""

from __future__ import annotations

import re

from specchain.facts import read_facts
from specchain.facts.model import Fact
from specchain.importing.document import Block, ImportedDocument
from specchain.importing.proposal import FieldProposal, Passage, Proposal
from specchain.inputs import FieldSpec

MAX_PASSAGES = 12  # per field: a brief answer, not the whole chapter
# (fact key or its start, field); the first that matches wins; None: a fact that says nothing about a field alone
FACT_FIELDS: list[tuple[str, str | None]] = [
    ("users.mobile_share", "expected_load"), ("stack.mobile", None), ("platform.geography", None),
    ("users.", "expected_load"), ("customers", "expected_load"), ("load.", "expected_load"),
    ("data.", "expected_load"), ("latency.", "performance_requirements"),
    ("availability", "performance_requirements"), ("rpo", "performance_requirements"),
    ("rto", "performance_requirements"), ("failover", "performance_requirements"),
    ("cache.hit_rate", "performance_requirements"), ("regulations", "performance_requirements"),
    ("stack.", "technical_stack"), ("platform.", "technical_stack"), ("database.", "technical_stack"),
    ("growth.", "growth_projections"), ("target.", "growth_projections"),
]
# Names that are also everyday words ("go live", "in spring", "express delivery") count only beside technical words.
TECH_CONTEXT = re.compile(
    r"stack|built|written|framework|back-?end|front-?end|database|\bapi\b|server|host|language|technolog|cloud|"
    r"service|architect|deploy|runtime|library|engine|cluster|container|microservice|datenbank|technik|"
    r"programmier|技術|言語|基盤|技术|框架|数据库|サーバ|データベース",
    re.IGNORECASE)
# A section's heading says what its sentences are about ("Technology", "Wachstum"): they go to that field alone.
SECTION_FIELDS = [
    ("expected_load", (r"\bload\b|usage|traffic|volume|audience|user base|scale today|nutzung|\blast\b|mengengerüst|"
                      r"利用状況|負荷|用户量|访问量")),
    ("performance_requirements", (r"performance|latency|speed|reliab|availab|uptime|\bsla|\bslo|non-functional|\bnfr|"
                                 r"leistung|verfügbarkeit|antwortzeit|性能|非機能|可用性|响应")),
    ("technical_stack", (r"tech|stack|architect|infrastructure|hosting|platform|technologie|architektur|技術|"
                        r"アーキテクチャ|基盤|技术|架构")),
    ("growth_projections", (r"growth|roadmap|projection|forecast|outlook|future|wachstum|prognose|ausblick|成長|"
                           r"将来|増加|增长|规划")),
]
NOTHING_FOUND = {
    "app_name": "We found no title or product name in the document. Type it in yourself.",
}
NOTHING_FOUND_DEFAULT = ("The offline reader found nothing for this: it recognises figures with their words and "
                         "technology names. Claude reads the whole text; or type it in yourself.")
# Sentences end at . ! ? (not after an abbreviation or inside 2.5), at 。！？ and at a line a block keeps as a line of
# its own (a list written without bullets: specchain.importing.extract.line_breaks).
ABBREVIATIONS = r"(?<!\bmio)(?<!\bmrd)(?<!\btsd)(?<!\bca)(?<!\bbzw)(?<!\bapprox)(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)" \
                r"(?<!\bz\.b)(?<!\bd\.h)(?<!\bu\.a)(?<!\betc)(?<!\bno)(?<!\bnr)(?<!\bmin)(?<!\bmax)(?<!\bapprox)"
SENTENCE_END = re.compile(rf"{ABBREVIATIONS}[.!?]+[\"”’)]*\s+(?=\S)|(?<=[。！？])\s*|\n", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    out, start = [], 0
    for m in SENTENCE_END.finditer(text):
        if m.end() > start:
            out.append(text[start:m.end()].strip())
            start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def section_field(heading: str) -> str | None:
    """The one field a heading names, or None (no field, or several: "Performance and growth")."""
    named = [field for field, pattern in SECTION_FIELDS if re.search(pattern, heading, re.IGNORECASE)]
    return named[0] if len(named) == 1 else None


def field_of(fact: Fact) -> str | None:
    return next((field for start, field in FACT_FIELDS if fact.key == start or (start.endswith(".")
                                                                                and fact.key.startswith(start))),
                None)


WEAK_FACTS = ("platform.geography", "regulations")  # context more than a field's answer: the heading may decide


def fields_of(sentence: str) -> tuple[set[str], bool]:
    """The brief fields a sentence speaks to, by the facts read from it, and whether only weak facts said so."""
    if not re.search(r"\d|[一二三四五六七八九十百千万億亿]|[A-Za-z]{2}", sentence):
        return set(), False
    # "AWS東京リージョン": a name glued to CJK text has no word boundary for the facts reader; a space gives it one.
    spaced = re.sub(r"(?<=[A-Za-z0-9])(?=[\u3040-\u30ff\u4e00-\u9fff])|(?<=[\u3040-\u30ff\u4e00-\u9fff])(?=[A-Za-z])",
                    " ", sentence)
    facts = read_facts({"expected_load": spaced}).facts
    fields: set[str] = set()
    weak = strong = False
    for fact in facts:
        field = field_of(fact)
        if fact.key == "platform.geography" and fact.detail == "required":
            field = "performance_requirements"  # "data stays in the EU": a rule the design must keep
        if field == "technical_stack" and fact.key == "stack.languages" and not TECH_CONTEXT.search(sentence) \
                and not any(f.key != "stack.languages" and field_of(f) == "technical_stack" for f in facts):
            continue
        weak = weak or fact.key in WEAK_FACTS  # "an EU region": worth keeping under a heading that says where
        if field:
            fields.add(field)
            strong = strong or fact.key not in WEAK_FACTS
    return fields, weak and not strong


def filed(sentence: str, section: str | None) -> set[str]:
    """Where a sentence goes: the fields its facts speak to; under a heading that names one of them (or when only
    weak facts spoke), that field alone. A heading never pulls in a sentence with nothing in it for the brief, nor
    overrides figures that plainly belong elsewhere ("p95 under 200 ms" under "Technical requirements")."""
    fields, weak_only = fields_of(sentence)
    if section and (section in fields or weak_only):
        return {section}
    return fields


# ---- the product name -------------------------------------------------------------------------------------------
NAME_LINE = re.compile(
    r"^\s*(?:(?:product|app|application|service|project|platform|solution|system)(?:\s+name)?|name of the product|"
    r"produkt(?:name)?|name des produkts|anwendung|(?:製品|プロダクト|サービス|アプリ|システム)名?|产品(?:名称)?|"
    r"应用名称|nom du produit|produit|nombre del producto)\s*[:：·|]\s*(?P<name>.{1,150}?)\s*$",
    re.IGNORECASE)
DOCUMENT_WORDS = re.compile(
    r"^(?:(?:the|a|an|our|der|die|das)\s+)?(?:product|business|market|marketing|functional|technical|system|software|"
    r"performance|go[- ]to[- ]market|gtm|requirements?|specifications?|spec|prd|mrd|brd|trd|srs|design|document|doc|"
    r"overview|plan|proposal|brief|draft|final|confidential|internal|version|v\d[\w.]*|\d[\w.]*|rev\w*|"
    r"produktanforderung\w*|anforderung\w*|lastenheft|pflichtenheft|spezifikation|konzept|entwurf|"
    r"要件定義書?|仕様書?|企画書|提案書|製品要求|需求文档|产品需求|规格说明书?|and|und|&|for|für|of|\s)+$",
    re.IGNORECASE)
GENERIC_TITLES = re.compile(r"^(?:untitled|document\d*|dokument\d*|new document|microsoft word.*|title|titel)$",
                            re.IGNORECASE)


def product_name(title: str) -> str:
    """"TaskFlow Pro — Product Requirements Document" → "TaskFlow Pro"; "PRD: TaskFlow Pro" → "TaskFlow Pro"."""
    parts = [p.strip(" \"“”'*_#") for p in re.split(r"\s*(?:[:：|—–(\[)\]]|\s-\s)\s*", title)]
    for part in parts:
        words = part.split()
        while words and DOCUMENT_WORDS.fullmatch(words[-1]):
            words.pop()  # "TaskFlow Pro PRD", "TaskFlow Pro spec v2"
        while words and re.fullmatch(r"prd|spec|draft|v\d[\w.]*", words[0], re.IGNORECASE):
            words.pop(0)
        candidate = " ".join(words)
        if candidate and not DOCUMENT_WORDS.fullmatch(candidate) and not GENERIC_TITLES.fullmatch(candidate):
            return candidate
    return ""


def find_name(document: ImportedDocument) -> tuple[str, Block | None]:
    """The product's name and the block it was read from: a "Product name:" line, else the title, else the first
    heading, else a short first line."""
    for block in document.blocks:
        text = block.text.replace(" · ", ": ", 1)  # a two-column table row: "Product name · TaskFlow Pro"
        if (m := NAME_LINE.match(text)) and (name := product_name(m.group("name"))):
            return name, block
    if document.title and (name := product_name(document.title)):
        # Cite where the document shows the name: its title line, or a heading carrying the name.
        at = next((b for b in document.blocks if document.title in b.text), None) or \
            next((b for b in document.blocks if b.heading and name in b.text), None)
        return name, at or Block(text=document.title, location="the document's title")
    candidates = [b for b in document.blocks if b.heading][:3] or list(document.blocks[:1])
    for block in candidates:
        if len(block.text) <= 100 and not re.search(r"[.!?。]$", block.text) and (name := product_name(block.text)):
            return name, block
    return "", None


# ---- the proposal -----------------------------------------------------------------------------------------------
def propose_offline(document: ImportedDocument, fields: list[FieldSpec]) -> Proposal:
    found: dict[str, list[Passage]] = {f.key: [] for f in fields}
    seen: set[str] = set()
    section: str | None = None
    for block in document.blocks:
        if block.heading:
            section = section_field(block.text)
        cursor = 0
        for sentence in sentences(block.text):
            at = block.text.find(sentence, cursor)  # where it is, so it cites its own line(s)
            cursor = at + len(sentence) if at >= 0 else cursor
            location = block.where(at, at + len(sentence)) if at >= 0 else block.location
            key = re.sub(r"\W+", " ", sentence).strip().lower()
            if key in seen:
                continue  # the same sentence twice (a summary repeated): once is enough
            for field in filed(sentence, None if block.heading else section):
                if field in found:
                    seen.add(key)
                    found[field].append(Passage(quote=sentence, location=location))
    proposals = []
    for spec in fields:
        if spec.key == "app_name":
            name, block = find_name(document)
            name = name[: spec.max_chars]
            proposals.append(FieldProposal(
                field=spec.key, text=name,
                passages=(Passage(quote=block.text, location=block.location),) if block else (),
                note="" if name else NOTHING_FOUND["app_name"]))
            continue
        proposals.append(_field(spec, found.get(spec.key, [])))
    return Proposal(document=document.name, engine="offline", fields=tuple(proposals), notes=document.notes)


def _field(spec: FieldSpec, passages: list[Passage]) -> FieldProposal:
    if not passages:
        return FieldProposal(field=spec.key, text="", note=NOTHING_FOUND.get(spec.key, NOTHING_FOUND_DEFAULT))
    kept: list[Passage] = []
    length = 0
    for passage in passages:
        if len(kept) == MAX_PASSAGES or length + len(passage.quote) + 1 > spec.max_chars:
            break
        kept.append(passage)
        length += len(passage.quote) + 1
    left = len(passages) - len(kept)
    note = (f"{left} more passage{'s' if left > 1 else ''} about this {'were' if left > 1 else 'was'} left out to keep "
            "the answer short." if left else "")
    return FieldProposal(field=spec.key, text="\n".join(p.quote for p in kept), passages=tuple(kept), note=note)
