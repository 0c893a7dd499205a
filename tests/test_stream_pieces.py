"""The Generate page shows a streaming document in pieces: each sent once, the same pieces as the finished text."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from specchain.document import split_blocks, split_sections, stream_pieces
from specchain.drafting import draft_document
from specchain.exports import MARKDOWN
from specchain.providers import EngineSettings
from specchain.steps import ChainStep
from specchain.workspace import Workspace
from tests.conftest import example_inputs
from tests.fake_anthropic import FakeAnthropic
from tests.long_document import long_document

DOCUMENTS = [draft_document(inputs) for _, inputs in example_inputs()] + [long_document(20_000)]


def test_blocks_never_cut_a_table_code_block_or_list_item() -> None:
    text = ("## A\npara one\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```yaml\nkey: 1\n\nmore: 2\n```\n\n"
            "1. first\n\n   still the first item\n\n2. second\n\nunfinished li")
    blocks, rest = split_blocks(text)
    assert blocks == ["## A\npara one", "| a | b |\n|---|---|\n| 1 | 2 |", "```yaml\nkey: 1\n\nmore: 2\n```",
                      "1. first\n\n   still the first item", "2. second"]
    assert rest == "unfinished li"


@settings(max_examples=60, deadline=None)
@given(document=st.sampled_from(DOCUMENTS), data=st.data())
def test_pieces_of_a_streaming_section_are_the_first_pieces_of_the_finished_one(document: str, data: st.DataObject) -> None:
    for section in split_sections(document):
        final = stream_pieces(section.markdown, finished=True)
        cut = data.draw(st.integers(0, len(section.markdown)))
        so_far = stream_pieces(section.markdown[:cut], finished=False)
        assert so_far == final[: len(so_far)]


def test_pieces_hold_the_whole_text_render_alike_and_are_about_a_kilobyte() -> None:
    for document in DOCUMENTS:
        for section in split_sections(document):
            pieces = stream_pieces(section.markdown, finished=True)
            assert " ".join(pieces).split() == section.markdown.split()  # nothing lost or repeated
            assert all(len(piece) >= 1000 for piece in pieces[:-1])
            rendered_apart = "".join(MARKDOWN.render(p) for p in pieces)
            rendered_whole = MARKDOWN.render(section.markdown)
            assert rendered_apart.count("<table>") == rendered_whole.count("<table>")
            assert rendered_apart.count("<pre>") == rendered_whole.count("<pre>")


def test_a_follower_wakes_on_new_text_and_on_the_end(step: ChainStep, fake_api: FakeAnthropic) -> None:
    fake_api.delay_s = 0.002
    settings = EngineSettings(engine="claude", model="claude-sonnet-5-5")
    job = Workspace().start(step, example_inputs()[0][1], settings, api_key="sk-test")
    seen, wakes = -1, 0
    while job.progress().record is None:
        seen = job.wait_for_change(seen, timeout=5)  # returns with news, long before the timeout
        wakes += 1
    assert wakes > 5 and job.wait(5)
    started = time.monotonic()
    assert job.wait_for_change(seen, timeout=0.05) == seen  # no news: back at the timeout, with the same number
    assert time.monotonic() - started >= 0.05
