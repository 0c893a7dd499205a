"""The private planning block never reaches the user, however the stream is chunked."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from specchain.private import PrivateBlockFilter, strip_private

TAG = "performance_planning"
OPEN, CLOSE = f"<{TAG}>", f"</{TAG}>"
SECRET = "SECRET"


def run(chunks: list[str]) -> str:
    f = PrivateBlockFilter(TAG)
    return "".join(f.feed(c) for c in chunks) + f.finish()


def reference(text: str) -> str:
    """What the user should see: closed blocks removed, an unclosed block hides the rest, stray closers dropped."""
    text = re.sub(re.escape(OPEN) + ".*?" + re.escape(CLOSE), "", text, flags=re.DOTALL)
    text = text.split(OPEN)[0]
    return text.replace(CLOSE, "").lstrip()


pieces = st.lists(
    st.sampled_from([OPEN, CLOSE, SECRET, "# Doc\n", "text ", "<", "</", "<perf", "performance_", ">", "\n\n", "é"]),
    max_size=30,
)


def split_at(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]


@settings(max_examples=400)
@given(pieces, st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_any_chunking_gives_the_same_visible_text(parts: list[str], cuts: list[int]) -> None:
    text = "".join(parts)
    assert run(split_at(text, cuts)) == run([text]) == reference(text)


@settings(max_examples=200)
@given(st.text(max_size=60), st.text(max_size=60), st.lists(st.integers(min_value=0, max_value=500), max_size=30))
def test_planning_text_never_shows(before: str, after: str, cuts: list[int]) -> None:
    before, after = before.replace("<", "("), after.replace("<", "(")  # no tags of their own
    text = f"{before}{OPEN}{SECRET} plans {SECRET}{CLOSE}{after}"
    visible = run(split_at(text, cuts))
    assert SECRET not in visible
    assert visible == (before + after).lstrip()


def test_character_by_character_stream() -> None:
    text = f"{OPEN}\nthinking about {SECRET}\n{CLOSE}\n\n# Performance & Scalability: Acme\n\nBody"
    assert run(list(text)) == "# Performance & Scalability: Acme\n\nBody"


def test_unclosed_block_hides_everything_after_it() -> None:
    assert run(["Intro ", OPEN[:5], OPEN[5:], SECRET, " never closed"]) == "Intro "


def test_no_block_passes_everything_through_including_lookalikes() -> None:
    text = "# Doc\n<performance_plan> is not the tag; a < b and <perf"
    assert run(list(text)) == text


def test_held_back_text_is_bounded_by_the_tag_length() -> None:
    f = PrivateBlockFilter(TAG)
    out = f.feed("a" * 10_000 + "<performance_plan")
    assert len(out) >= 10_000  # only a possible tag prefix is held back, never the document
    assert f.feed("x") == "<performance_planx"


def test_counts_hidden_characters_for_progress() -> None:
    f = PrivateBlockFilter(TAG)
    f.feed(OPEN + "12345")
    assert f.inside_private_block and f.private_chars == 5
    assert strip_private(f"{OPEN}x{CLOSE}Doc", TAG) == "Doc"
