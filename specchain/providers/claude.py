"""Claude through the official anthropic SDK, streamed.

The SDK's own retries are off (it honours any retry-after with no upper bound, which could freeze a run with no
word to the user); this module retries a bounded number of times, tells the user while it waits, and turns every
failure into one plain sentence.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2

from specchain.providers import (
    Event,
    Finished,
    GenerationError,
    GenerationRequest,
    Notice,
    Started,
    Text,
    Usage,
)

ATTEMPTS = 3
MAX_RETRY_WAIT_S = 30.0
# Long documents take minutes, so no total limit; but no single read may hang: the API sends pings while busy.
TIMEOUT = httpx2.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)
CONTINUE_INSTRUCTION = (
    "Your previous answer stopped at the output limit; it is repeated above as your last message. "
    "Continue the document exactly from where it stopped. Do not repeat any text, do not add a preamble or "
    "any comment, and do not plan again: output only the rest of the document."
)


class ClaudeProvider:
    name = "claude"

    def __init__(self, api_key: str, base_url: str | None = None, timeout: httpx2.Timeout = TIMEOUT) -> None:
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL") or None,
            max_retries=0,
            timeout=timeout,
        )
        self._active: Any = None  # the open MessageStream, so stop() can close it from another thread

    def stop(self) -> None:
        stream = self._active
        if stream is not None:
            # Closing a half-read response may raise; the reading thread sees the stop either way.
            with contextlib.suppress(Exception):
                stream.close()

    def stream(self, request: GenerationRequest, cancel: threading.Event) -> Iterator[Event]:
        for attempt in range(1, ATTEMPTS + 1):
            sent_text = False
            try:
                for event in self._one_attempt(request, cancel):
                    sent_text = sent_text or isinstance(event, Text)
                    yield event
                return
            except GenerationError:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence for the user
                if cancel.is_set():
                    yield Finished("stopped")
                    return
                error = explain(exc, request.settings.model, partial=sent_text)
                if not error.retryable or sent_text or attempt == ATTEMPTS:
                    raise error from exc
                wait = retry_wait(exc, attempt)
                yield Notice(f"{error.message} Trying again in {wait:.0f} s (attempt {attempt + 1} of {ATTEMPTS}).")
                if cancel.wait(wait):
                    yield Finished("stopped")
                    return

    def _one_attempt(self, request: GenerationRequest, cancel: threading.Event) -> Iterator[Event]:
        settings = request.settings
        messages: list[dict[str, str]] = [{"role": "user", "content": request.prompt}]
        if request.continue_from:
            messages += [
                {"role": "assistant", "content": request.continue_from.rstrip()},
                {"role": "user", "content": CONTINUE_INSTRUCTION},
            ]
        input_tokens = output_tokens = 0
        stop_reason: str | None = None
        finished = False
        options: dict[str, Any] = {}
        if settings.temperature is not None:
            # SDK 2.x dropped the parameter (current Claude models refuse it); local servers may still take it.
            options["extra_body"] = {"temperature": settings.temperature}
        with self._client.messages.stream(
            model=settings.model,
            max_tokens=settings.max_tokens,
            messages=messages,  # type: ignore[arg-type]
            **options,
        ) as stream:
            self._active = stream
            try:
                for event in stream:
                    if cancel.is_set():
                        break
                    if event.type == "message_start":
                        input_tokens = event.message.usage.input_tokens or 0
                        output_tokens = event.message.usage.output_tokens or 0
                        yield Started()
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield Text(event.delta.text)
                    elif event.type == "message_delta":
                        stop_reason = event.delta.stop_reason or stop_reason
                        output_tokens = event.usage.output_tokens or output_tokens
                        input_tokens = getattr(event.usage, "input_tokens", None) or input_tokens
                    elif event.type == "message_stop":
                        finished = True
            except Exception:  # not GeneratorExit: a closed generator must not yield
                # Tokens already spent are still billed: report them before the failure.
                if input_tokens:
                    yield Usage(input_tokens, output_tokens)
                raise
            finally:
                self._active = None
        yield Usage(input_tokens, output_tokens)
        if cancel.is_set():
            yield Finished("stopped")
        elif not finished or stop_reason is None:
            # The stream ended without message_stop: the connection was cut somewhere on the way.
            yield Finished("cut")
        else:
            yield Finished(stop_reason)


def retry_wait(exc: Exception, attempt: int) -> float:
    """The server's retry-after if it gave one, else a short backoff; never more than MAX_RETRY_WAIT_S."""
    wait = 2.0 * 2 ** (attempt - 1)
    response = getattr(exc, "response", None)
    if response is not None:
        header = response.headers.get("retry-after")
        with contextlib.suppress(ValueError):  # an HTTP date instead of seconds: keep the backoff
            wait = float(header) if header else wait
    return max(1.0, min(wait, MAX_RETRY_WAIT_S))


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    return str(error.get("type", "")) if isinstance(error, dict) else ""


def explain(exc: BaseException, model: str, *, partial: bool = False) -> GenerationError:
    """One sentence a product manager can act on. Never includes the key."""
    kept = " What was written so far is kept." if partial else " Your brief is kept."
    if isinstance(exc, anthropic.APIStatusError):
        kind = _error_type(exc)
        status = exc.status_code
        if status == 200 or kind:  # an error event inside a stream is reported with the stream's status, 200
            status = {
                "authentication_error": 401,
                "permission_error": 403,
                "not_found_error": 404,
                "rate_limit_error": 429,
                "overloaded_error": 529,
                "api_error": 500,
                "invalid_request_error": 400,
            }.get(kind, status if status != 200 else 500)
        if status == 401:
            return GenerationError(
                "Claude did not accept the API key. Check the key in Settings (it starts with “sk-ant-”), "
                "or choose the offline draft." + kept,
                kind="auth",
            )
        if status == 403:
            return GenerationError(
                "This API key is not allowed to use that model or feature. Try another model, or ask whoever "
                "manages your Anthropic account." + kept,
                kind="permission",
            )
        if status == 404:
            return GenerationError(
                f"The model “{model}” is not available to this key or server. Choose another model in Settings."
                + kept,
                kind="model",
            )
        if status == 429:
            return GenerationError(
                "Claude has had too many requests from this key for now." + kept + " Wait a minute, then try again.",
                kind="rate_limit",
                retryable=True,
            )
        if status == 529 or status >= 500:
            return GenerationError(
                "Claude is overloaded or having a problem right now." + kept + " Try again in a minute, "
                "or use the offline draft.",
                kind="overloaded",
                retryable=True,
            )
        if status == 413:
            return GenerationError(
                "The prompt is too long for Claude. Shorten the longest answers in the Brief." + kept, kind="too_long"
            )
        message = _server_message(exc)
        return GenerationError(
            f"Claude could not use this request ({message}). Check the settings, such as the maximum length, "
            "then try again." + kept,
            kind="bad_request",
        )
    if isinstance(exc, (anthropic.APITimeoutError, httpx2.TimeoutException)):
        return GenerationError(
            "Claude stopped answering for too long." + kept + " Try again; if it keeps happening, use the offline draft.",
            kind="timeout",
            retryable=not partial,
        )
    if partial and isinstance(exc, (anthropic.APIConnectionError, httpx2.TransportError)):
        return GenerationError(
            "The connection dropped while Claude was writing. What was written so far is kept: "
            "press Continue to finish it, or Generate to start again.",
            kind="cut",
        )
    if isinstance(exc, (anthropic.APIConnectionError, httpx2.TransportError, OSError)):
        return GenerationError(
            "Can't reach Claude: the network is down or the server address is wrong." + kept
            + " Check the connection, or use the offline draft.",
            kind="network",
            retryable=True,
        )
    return GenerationError(
        f"Something unexpected went wrong while talking to Claude ({type(exc).__name__})." + kept
        + " Try again, or use the offline draft.",
        kind="unexpected",
    )


def _server_message(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or f"error {exc.status_code}")[:200]
