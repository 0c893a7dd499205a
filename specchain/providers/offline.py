"""The offline drafting engine as a provider: no key, no network, deterministic, well under a second."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from specchain.drafting.writer import draft_sections
from specchain.providers import Event, Finished, GenerationRequest, Text
from specchain.steps import load_step

CHUNK = 2000  # characters per event: small enough to show progress, big enough to stay cheap


class OfflineProvider:
    name = "offline"
    writes_private_block = False  # its text is the app's own: never filtered, so no user word is taken for a tag

    def __init__(self, **_: object) -> None:
        pass

    def stop(self) -> None:
        pass

    def stream(self, request: GenerationRequest, cancel: threading.Event) -> Iterator[Event]:
        # The same neutralised inputs as the prompt: a tag typed into the brief reads as it does to the model.
        for section in draft_sections(load_step(request.step_id).neutralised(request.inputs)):
            for start in range(0, len(section), CHUNK):
                if cancel.is_set():
                    yield Finished("stopped")
                    return
                yield Text(section[start : start + CHUNK])
        yield Finished("end_turn")
