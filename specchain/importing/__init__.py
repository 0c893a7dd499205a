"""Fill the brief from a document the PM already has (a PRD, a spec, a plan), or from pasted text.

    document = read_upload(data, filename, step)      # or read_paste(text, step); raises DocumentProblem
    proposal = propose_offline(document, step.fields) # deterministic, no AI (labelled so)
    proposal = ClaudeReader(api_key).propose(document, step, model)   # structured output; raises GenerationError

Nothing here writes to the brief: a Proposal is shown to the PM, who chooses per field and confirms.
Uploaded text is untrusted like the brief: the prompt's structural tags (and the reader's own) are neutralised as
soon as the text is read, so neither the reading prompt nor a later generation prompt can be steered by it.
"""

from __future__ import annotations

import re

from specchain.importing.document import Block, DocumentProblem, ImportedDocument
from specchain.importing.extract import (
    MAX_BYTES,
    MAX_CHARS,
    MAX_PAGES,
    read_file,
    read_pasted,
)
from specchain.importing.offline import propose_offline
from specchain.importing.proposal import FieldProposal, Passage, Proposal
from specchain.steps import ChainStep

READER_TAGS = ("document", "passage", "fields", "field")  # the tags of the reading prompt (importing.claude)

__all__ = ["MAX_BYTES", "MAX_CHARS", "MAX_PAGES", "Block", "DocumentProblem", "FieldProposal", "ImportedDocument",
           "Passage", "Proposal", "neutralise", "propose_offline", "read_paste", "read_upload"]


def _tag_pattern(step: ChainStep) -> re.Pattern[str]:
    names = "|".join(sorted(map(re.escape, {*step.structural_tags, *READER_TAGS})))
    return re.compile(rf"<\s*/?\s*(?:{names})\b[^<>]*>", re.IGNORECASE)


def neutralise(text: str, step: ChainStep) -> tuple[str, list[str]]:
    """(text with every prompt tag made harmless, the tags found): "</user_data>" reads "‹/user_data›", as the
    prompt renders a brief (specchain.steps)."""
    found: list[str] = []

    def swap(match: re.Match[str]) -> str:
        found.append(match.group(0))
        return "‹" + match.group(0)[1:-1] + "›"

    return _tag_pattern(step).sub(swap, text), found


def _safe(document: ImportedDocument, step: ChainStep) -> ImportedDocument:
    found: list[str] = []
    blocks = []
    for block in document.blocks:
        text, tags = neutralise(block.text, step)
        found += tags
        blocks.append(block.model_copy(update={"text": text}))
    title, tags = neutralise(document.title, step)
    found += tags
    notes = document.notes
    if found:
        shown = ", ".join(dict.fromkeys(found[:5]))
        notes = (*notes, (f"The document contains text that looks like the prompt's own markers ({shown}); it was "
                         "made harmless (‹ › instead of < >), so it is read as plain words."))
    return document.model_copy(update={"blocks": tuple(blocks), "title": title, "notes": notes})


def read_upload(data: bytes, filename: str, step: ChainStep) -> ImportedDocument:
    """An uploaded file's text, made safe. Raises DocumentProblem (plain words) for anything that can't be read."""
    return _safe(read_file(data, filename), step)


def read_paste(text: str, step: ChainStep) -> ImportedDocument:
    return _safe(read_pasted(text), step)
