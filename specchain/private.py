"""Streaming removal of the model's private planning block.

The model is asked to think inside <performance_planning>…</performance_planning> before writing the document.
That text must never be displayed, stored or downloaded. The filter sees the stream chunk by chunk; tags may be
split across any number of chunks, the block may never close, or may not exist at all. It holds back at most one
tag's length of text, so time and memory stay linear in the length of the stream.
"""

from __future__ import annotations


class PrivateBlockFilter:
    """Feed raw model text in, get visible text out. Same output however the stream is chunked."""

    def __init__(self, tag: str, *, strip_leading: bool = True) -> None:
        self._open = f"<{tag}>"
        self._close = f"</{tag}>"
        self._pending = ""  # text that may be the start of a tag; undecided until more arrives
        self._inside = False
        # A document starts at its first non-blank character; a continuation's leading space or blank line is part
        # of the text (" concurrent", "\n\n## Next section") and must reach the join.
        self._seen_visible = not strip_leading
        self.private_chars = 0  # how much was hidden, for progress ("analysing…") without keeping it

    @property
    def inside_private_block(self) -> bool:
        return self._inside

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk
        out: list[str] = []
        pos = 0
        while (found := self._next_marker(text, pos)) is not None:
            at, marker = found
            if self._inside:
                self.private_chars += at - pos
            else:
                out.append(text[pos:at])
            # Outside the block a closing tag is stray markup: drop it, stay outside.
            self._inside = marker == self._open
            pos = at + len(marker)
        keep = max(_partial_suffix(text, pos, m) for m in self._markers())
        if self._inside:
            self.private_chars += len(text) - keep - pos
        else:
            out.append(text[pos : len(text) - keep])
        self._pending = text[len(text) - keep :]
        return self._visible("".join(out))

    def finish(self) -> str:
        """End of stream: an undecided tail outside the block is ordinary text; inside an unclosed block it stays hidden."""
        tail, self._pending = self._pending, ""
        if self._inside:
            self.private_chars += len(tail)
            return ""
        return self._visible(tail)

    def _markers(self) -> tuple[str, ...]:
        return (self._close,) if self._inside else (self._open, self._close)

    def _next_marker(self, text: str, pos: int) -> tuple[int, str] | None:
        hits = [(at, m) for m in self._markers() if (at := text.find(m, pos)) >= 0]
        return min(hits) if hits else None

    def _visible(self, text: str) -> str:
        # The document starts at its first non-blank character: the blank lines after the block don't show.
        if not self._seen_visible:
            text = text.lstrip()
            self._seen_visible = bool(text)
        return text


def _partial_suffix(text: str, start: int, marker: str) -> int:
    """Length of the longest suffix of text[start:] that is a proper prefix of marker."""
    longest = min(len(marker) - 1, len(text) - start)
    for size in range(longest, 0, -1):
        if marker.startswith(text[len(text) - size :]):
            return size
    return 0


def strip_private(text: str, tag: str) -> str:
    """Whole-text version of the filter, for text that is not streamed."""
    f = PrivateBlockFilter(tag)
    return f.feed(text) + f.finish()
