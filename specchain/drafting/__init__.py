"""The offline drafting engine: a deterministic Performance & Scalability document written from the brief alone.

Every figure comes from specchain.facts: the facts read from the brief and its answers, and the capacity model.
"""

from specchain.drafting.writer import draft_document, draft_sections

__all__ = ["draft_document", "draft_sections"]
