"""The offline drafting engine: a deterministic Performance & Scalability document written from the brief alone."""

from specchain.drafting.writer import draft_document

__all__ = ["draft_document"]
