"""Engines that write the document. Each turns a GenerationRequest into a stream of events.

A provider is any object with a `name` and a `stream(request, cancel)` generator; the registry maps an engine id to
a factory, so another engine (another vendor, a local model server) is a new module, not a change to the callers.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from specchain.inputs import ChainInputs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    engine: Literal["offline", "claude", "edited"] = "offline"  # "edited": a version the PM edited by hand
    model: str = ""
    max_tokens: int = 32000
    temperature: float | None = None  # None: the model's default (current Claude models refuse any other)

    @property
    def label(self) -> str:
        if self.engine == "edited":
            return "Edited by you"
        return "Offline draft (not AI-written)" if self.engine == "offline" else f"Claude · {self.model}"


@dataclass(frozen=True)
class GenerationRequest:
    step_id: str
    inputs: ChainInputs
    prompt: str
    settings: EngineSettings
    # For "Continue": the document so far; the engine is asked to go on from its last line.
    continue_from: str = ""


# Events a provider yields, in order: Started? Text* … Usage? … Finished. Notices can come at any time.
@dataclass(frozen=True)
class Started:
    """The model accepted the request and is working (it may think for a while before writing anything)."""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int
    # A stream cut short never sends its final count: the output tokens are then estimated from the text received.
    estimated: bool = False


@dataclass(frozen=True)
class Notice:
    """Something the user should see while waiting, e.g. "Claude is busy; trying again in 5 s"."""

    message: str


@dataclass(frozen=True)
class Finished:
    # "end_turn", "max_tokens", "stop_sequence", "refusal", or "cut" when the stream ended early.
    stop_reason: str


Event = Started | Text | Usage | Notice | Finished


class GenerationError(Exception):
    """A failure explained in one plain sentence that says what to do next."""

    def __init__(self, message: str, *, kind: str = "error", retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retryable = retryable


class Provider(Protocol):
    name: str
    # True for a model that is asked to plan inside a private block first: its text goes through the private-block
    # filter. Text the app writes itself (the offline draft) never does, so a user's words are never taken for a tag.
    writes_private_block: bool

    def stream(self, request: GenerationRequest, cancel: threading.Event) -> Iterator[Event]: ...

    def stop(self) -> None:
        """Interrupt a stream blocked on the network (called from another thread)."""


@dataclass
class ProviderRegistry:
    factories: dict[str, Callable[..., Provider]] = field(default_factory=dict)

    def register(self, engine: str, factory: Callable[..., Provider]) -> None:
        self.factories[engine] = factory

    def create(self, engine: str, **options: object) -> Provider:
        return self.factories[engine](**options)

    def lazy(self, engine: str) -> LazyFactory | None:
        """The engine's factory when it imports its module on first use (what it is known to need before)."""
        factory = self.factories.get(engine)
        return factory if isinstance(factory, LazyFactory) else None

    def warm(self, engine: str) -> None:
        """Import the engine's module in the background now, if it is lazy and not yet loaded: the first run of a
        server that just saw the engine chosen need not wait for it."""
        if (factory := self.lazy(engine)) is not None:
            factory.warm()


@dataclass(frozen=True)
class LazyFactory:
    """A factory that imports its provider's module on the first create, not before.

    The Claude provider brings the anthropic SDK (about 1.2 s and 42 MB to import): a session that only ever makes
    offline drafts, and a fresh server's first page, should not pay for it. What a caller must know before the
    module is loaded is declared here: whether its requests wait their turn at the fair queue (a run joins the
    queue when Generate is pressed, before the import), and whether its text goes through the private-block
    filter."""

    module: str
    name: str
    queued: bool = False
    writes_private_block: bool = False

    def __call__(self, **options: object) -> Provider:
        provider: Callable[..., Provider] = getattr(importlib.import_module(self.module), self.name)
        return provider(**options)

    @property
    def loaded(self) -> bool:
        """Imported and ready (a module being imported on another thread is in sys.modules already)."""
        module = sys.modules.get(self.module)
        return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)

    def warm(self) -> None:
        if self.loaded:
            return
        with _WARMING_LOCK:
            if self.module in _WARMING:
                return
            _WARMING.add(self.module)
        threading.Thread(target=self._import, name=f"warm-{self.module}", daemon=True).start()

    def _import(self) -> None:
        try:
            importlib.import_module(self.module)
        except Exception:  # the first run imports it again and explains the failure
            log.warning("could not load %s in the background", self.module, exc_info=True)
        finally:
            with _WARMING_LOCK:
                _WARMING.discard(self.module)


_WARMING: set[str] = set()
_WARMING_LOCK = threading.Lock()


def lazy_factory(module: str, name: str, *, queued: bool = False,
                 writes_private_block: bool = False) -> LazyFactory:
    return LazyFactory(module, name, queued=queued, writes_private_block=writes_private_block)


def default_registry() -> ProviderRegistry:
    registry = ProviderRegistry()
    registry.register("offline", lazy_factory("specchain.providers.offline", "OfflineProvider"))
    registry.register("claude", lazy_factory("specchain.providers.claude", "ClaudeProvider", queued=True,
                                             writes_private_block=True))
    return registry


# Sent after the document so far when a run continues one cut at the output limit (here, not in the Claude module,
# so the queue's estimate of a request is made without loading the SDK).
CONTINUE_INSTRUCTION = (
    "Your previous answer stopped at the output limit; it is repeated above as your last message. "
    "Continue the document exactly from where it stopped. Do not repeat any text, do not add a preamble or "
    "any comment, and do not plan again: output only the rest of the document."
)


def input_estimate(request: GenerationRequest) -> int:
    """The input tokens a request will use, estimated from what is sent (the queue reserves them)."""
    from specchain.catalog import estimate_tokens

    sent = request.prompt + (request.continue_from + CONTINUE_INSTRUCTION if request.continue_from else "")
    return estimate_tokens(sent)
