"""Claude through the official anthropic SDK, streamed.

The SDK's own retries are off (it honours any retry-after with no upper bound, which could freeze a run with no
word to the user); this module retries a bounded number of times, tells the user while it waits, and turns every
failure into one plain sentence.

Every request, retries and Continue included, first waits for its turn at the fair queue (specchain/queue.py) when
the provider is given one (RunService does): a 429 goes back to the queue, keeping its place at the head, and
pauses everyone until its retry-after, instead of each run retrying on its own.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx2

from specchain.catalog import estimate_tokens
from specchain.providers import (
    CONTINUE_INSTRUCTION,
    Event,
    Finished,
    GenerationError,
    GenerationRequest,
    Notice,
    Started,
    Text,
    Usage,
    input_estimate,
)
from specchain.queue import Gate, Queued, Ticket, TooLarge, Turn

ATTEMPTS = 3
MAX_QUEUED_REFUSALS = 10  # a run's 429s through the queue before it gives up (each paused everyone first)
# ... or sooner, once refused for this long: a refusal's pause can reach a minute, and ten minutes is too long.
MAX_REFUSING_S = 180.0
# Through the queue, a notice says what happened and never when: the queue's place line, shown with it, is the one
# time the user reads (a notice's own countdown went stale and contradicted it).
QUEUED_REFUSAL_NOTICE = ("Claude has had too many requests from this key for now; your request keeps its place at "
                         "the front of the line.")
MAX_RETRY_WAIT_S = 30.0
# Long documents take minutes, so no total limit; but no single read may hang: the API sends pings while busy.
TIMEOUT = httpx2.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)


# While waiting to retry, say only that and when: the failure's own advice ("try again in a minute") would
# contradict it.
RETRY_NOTICES = {
    "rate_limit": "Claude has had too many requests from this key for now",
    "overloaded": "Claude is busy",
    "timeout": "Claude stopped answering",
    "network": "Can't reach Claude",
}


class ClaudeProvider:
    name = "claude"
    writes_private_block = True

    def __init__(self, api_key: str, base_url: str | None = None, timeout: httpx2.Timeout = TIMEOUT,
                 key_source: str = "session") -> None:
        self._key_source = key_source  # who can fix a rejected key: the user ("session") or the server's operator
        self._sockets = Sockets()
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL") or None,
            max_retries=0,
            timeout=timeout,
            http_client=anthropic.DefaultHttpxClient(timeout=timeout, event_hooks={"request": [self._sockets.watch]}),
        )
        self._active: Any = None  # the open event stream, so stop() can close it from another thread
        self._gate: Gate | None = None
        self._ticket: Ticket | None = None

    def use_gate(self, gate: Gate, request: GenerationRequest, run_id: str = "", ticket: Ticket | None = None) -> None:
        """Send every request of this provider through the fair queue, as the run run_id, with ticket: the place
        taken when Generate was pressed (RunService joins before this provider, and the SDK, are made). No ticket:
        the place is taken now (first come is who pressed first, not whose worker thread got going first)."""
        self._gate = gate
        self._ticket = ticket or gate.join(input_tokens=input_estimate(request),
                                           output_tokens=request.settings.max_tokens, run_id=run_id)

    def stop(self) -> None:
        """Close the connection now, so the server stops writing (and billing) a response nobody reads.

        A request still waiting for the response's headers has no stream to close, and closing the client does not
        end a request in flight; shutting the provider's sockets does, at once, whatever the reading thread is doing.
        One provider serves one run, so every socket it opened belongs to this run."""
        self._sockets.shut()
        if self._gate is not None:
            self._gate.wake()  # a run waiting for its turn leaves the queue now
        stream = self._active
        if stream is not None:
            # Closing a half-read response may raise; the reading thread sees the stop either way.
            with contextlib.suppress(Exception):
                stream.close()

    def stream(self, request: GenerationRequest, cancel: threading.Event) -> Iterator[Event | Queued]:
        gate, ticket = self._gate, self._ticket
        if gate is not None and ticket is None:
            ticket = gate.join(input_tokens=input_estimate(request), output_tokens=request.settings.max_tokens)
        self._ticket = None  # one stream per provider; the ticket is this stream's
        turn = Turn(gate, ticket) if gate is not None and ticket is not None else None
        used: Usage | None = None  # the last attempt's counts, to give back what it reserved and did not use
        retries = Retries(turn)
        noticed = False  # a notice is showing: cleared when the request goes again, its wait being over
        try:
            while True:
                if turn is not None:
                    check_fits(turn)
                    for place in turn.wait(cancel):
                        yield Queued(place)
                        if place.reason in ("input", "output"):  # waiting for tokens: another run may have
                            check_fits(turn)           # learned meanwhile that they never suffice
                    if turn.left:  # left the queue: nothing was sent, no request used
                        yield Finished("stopped")
                        return
                    yield Queued(None)  # its turn: the request goes now
                if noticed:
                    yield Notice("")
                    noticed = False
                sent_text, used = False, None
                try:
                    for event in self._one_attempt(request, cancel):
                        sent_text = sent_text or isinstance(event, Text)
                        used = event if isinstance(event, Usage) else used
                        yield event
                    return
                except GenerationError:
                    raise
                except Exception as exc:  # every failure becomes a sentence for the user
                    if cancel.is_set():
                        yield Finished("stopped")
                        return
                    error = explain(exc, request.settings.model, partial=sent_text, key_source=self._key_source)
                    retry = retries.after(exc, error, partial=sent_text)
                    if retry is None:
                        raise error from exc
                    if turn is not None:  # the refusal's headers may have told the limits: ends now if never met
                        check_fits(turn)
                    yield Notice(retry.notice)
                    noticed = True
                    if turn is None and cancel.wait(retry.wait_s):  # through the queue, the wait is its turn
                        yield Finished("stopped")
                        return
        finally:
            if turn is not None:
                # No counts: the server never started a message (a refusal, a cut connection), so nothing was used.
                turn.end(input_tokens=used.input_tokens if used else 0, output_tokens=used.output_tokens if used else 0)

    def _one_attempt(self, request: GenerationRequest, cancel: threading.Event) -> Iterator[Event]:
        settings = request.settings
        messages: list[dict[str, str]] = [{"role": "user", "content": request.prompt}]
        if request.continue_from:
            messages += [
                {"role": "assistant", "content": request.continue_from.rstrip()},
                {"role": "user", "content": CONTINUE_INSTRUCTION},
            ]
        input_tokens = output_tokens = 0
        counted = False  # the server's final output count arrived (message_delta); otherwise it is estimated
        text_out: list[str] = []  # what Claude wrote, private plan included, for that estimate
        stop_reason: str | None = None
        finished = False
        options: dict[str, Any] = {}
        if settings.temperature is not None:
            # SDK 2.x dropped the parameter (current Claude models refuse it); local servers may still take it.
            options["extra_body"] = {"temperature": settings.temperature}
        # The raw event stream, not the messages.stream() helper: the helper rebuilds a snapshot of the whole message
        # on every delta, which this code never reads; at one event per token that doubled the stream's CPU
        # (bench/stream_cpu.py). The raw stream still raises an error event as an APIStatusError.
        with self._client.messages.create(
            model=settings.model,
            max_tokens=settings.max_tokens,
            messages=messages,  # type: ignore[arg-type]
            stream=True,
            **options,
        ) as stream:
            self._active = stream
            if self._gate is not None:
                self._gate.observe(stream.response.headers)  # the API's own count of the key's limits
            try:
                for event in stream:
                    if cancel.is_set():
                        break
                    if event.type == "message_start":
                        input_tokens = event.message.usage.input_tokens or 0
                        output_tokens = event.message.usage.output_tokens or 0
                        yield Started()
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        text_out.append(event.delta.text)
                        yield Text(event.delta.text)
                    elif event.type == "message_delta":
                        stop_reason = event.delta.stop_reason or stop_reason
                        if event.usage.output_tokens:
                            output_tokens, counted = event.usage.output_tokens, True
                        input_tokens = getattr(event.usage, "input_tokens", None) or input_tokens
                    elif event.type == "message_stop":
                        finished = True
            except Exception:  # not GeneratorExit: a closed generator must not yield
                # Tokens already spent are still billed: report them before the failure.
                if input_tokens:
                    yield _usage(input_tokens, output_tokens, counted, text_out)
                raise
            finally:
                self._active = None
        if input_tokens:
            yield _usage(input_tokens, output_tokens, counted, text_out)
        if cancel.is_set():
            yield Finished("stopped")
        elif not finished or stop_reason is None:
            # The stream ended without message_stop: the connection was cut somewhere on the way.
            yield Finished("cut")
        else:
            yield Finished(stop_reason)


def check_fits(turn: Turn, message: Callable[[TooLarge], str] | None = None) -> None:
    """End the request now, with what to do (message, by default a generation's), when it needs more than a known
    per-minute limit: it would wait (or be refused) for ever."""
    over = turn.gate.too_large(turn.ticket)
    if over is not None:
        raise GenerationError((message or too_large_message)(over), kind="over_limit")


def allowed_by(over: TooLarge) -> str:
    """Who set the limit a request is over: "This key's organisation allows" or "Spec Chain Studio is set to use at
    most"."""
    return "This key's organisation allows" if over.source == "key" else "Spec Chain Studio is set to use at most"


def too_large_message(over: TooLarge) -> str:
    """One sentence: which limit, whose, and what to change."""
    higher = "or ask whoever runs Spec Chain Studio for a higher limit."
    if over.kind == "output":
        who = allowed_by(over)
        return (f"{who} {over.limit:,} output tokens a minute, less than this run's Maximum length of {over.need:,}: "
                f"lower Maximum length under Claude settings on the Generate page (to {over.limit:,} or less), "
                + higher)
    who = "this key's organisation allows" if over.source == "key" else "Spec Chain Studio is set to use"
    return (f"This brief's prompt is about {over.need:,} tokens, more than the {over.limit:,} input tokens a minute "
            f"{who}: shorten the longest answers in the Brief, " + higher)


class Sockets:
    """The sockets a client opens, noted through httpx's public request hook and httpcore's trace extension.
    shut() ends every request in flight at once (a Stop, a Cancel), and any connection still being made."""

    def __init__(self) -> None:
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._shut = False

    def watch(self, request: httpx2.Request) -> None:
        request.extensions["trace"] = self._trace

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        # connect_tcp for plain HTTP, start_tls for HTTPS (the TLS socket takes over the TCP one's descriptor).
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")) and info.get("return_value") is not None:
            sock = info["return_value"].get_extra_info("socket")
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._open.append(sock)
                    shut = self._shut
                if shut:  # Stop came while this connection was being made
                    self.shut()

    def shut(self) -> None:
        with self._lock:
            self._shut = True
            sockets, self._open = self._open, []
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed, or a TCP socket whose descriptor TLS took over
                sock.shutdown(socket.SHUT_RDWR)


def _usage(input_tokens: int, output_tokens: int, counted: bool, text_out: list[str]) -> Usage:
    """The server's counts, or, for a stream cut before its final count, an estimate from the text received
    (message_start reports a placeholder output count of about 1)."""
    if counted:
        return Usage(input_tokens, output_tokens)
    return Usage(input_tokens, max(output_tokens, estimate_tokens("".join(text_out)) if text_out else 0),
                 estimated=True)


@dataclass(frozen=True)
class Retry:
    wait_s: float
    notice: str  # what the user reads meanwhile


class Retries:
    """Whether a failed request goes again, after how long, and what the user is told: a failure uses one of a
    request's ATTEMPTS. Through the queue a 429 uses none: the queue pauses everyone and the request keeps the head
    (the wait is the queue's); only a key refused MAX_QUEUED_REFUSALS times (something else using up the
    organisation's limit) ends it."""

    def __init__(self, turn: Turn | None) -> None:
        self.attempt = 1
        self._turn = turn
        self._refusals = 0
        self._first_refusal_at: float | None = None

    def after(self, exc: Exception, error: GenerationError, *, partial: bool = False) -> Retry | None:
        """None: it must not go again (text was already shown, the error is final, or no tries are left)."""
        queued_refusal = self._turn is not None and error.kind == "rate_limit"
        refusing_s = 0.0
        if queued_refusal:
            self._refusals += 1
            self._first_refusal_at = self._first_refusal_at or time.monotonic()
            refusing_s = time.monotonic() - self._first_refusal_at
        last = (self._refusals >= MAX_QUEUED_REFUSALS or refusing_s >= MAX_REFUSING_S) if queued_refusal \
            else self.attempt >= ATTEMPTS
        if queued_refusal and last and not partial:
            raise GenerationError(
                f"Claude refused this key's requests {self._refusals} times in a row over about {_duration(refusing_s)} "
                "(too many requests for its organisation's limits, perhaps from other apps using the same key). "
                "Nothing you typed is lost: wait a minute, then try again.", kind="rate_limit") from exc
        if not error.retryable or partial or last:
            return None
        wait = retry_wait(exc, self.attempt)
        if not queued_refusal:
            self.attempt += 1
        if self._turn is not None:  # back to the head of the queue; the wait happens there
            headers = getattr(getattr(exc, "response", None), "headers", None)
            wait = self._turn.failed(rate_limited=queued_refusal, wait_s=wait, headers=headers)
            return Retry(wait, QUEUED_REFUSAL_NOTICE if queued_refusal else queued_retry_notice(error, self.attempt))
        return Retry(wait, retry_notice(error, wait, self.attempt))


def _duration(seconds: float) -> str:
    return f"{max(1, math.ceil(seconds)):.0f} s" if seconds < 90 else f"{round(seconds / 60):.0f} min"


def queued_retry_notice(error: GenerationError, attempt: int) -> str:
    """"Claude is busy; this request goes again (attempt 2 of 3), keeping its place at the front of the line." No
    time: the queue's place line says when."""
    reason = RETRY_NOTICES.get(error.kind, "Claude did not answer")
    return f"{reason}; this request goes again (attempt {attempt} of {ATTEMPTS}), keeping its place at the front of the line."


def retry_notice(error: GenerationError, wait: float, attempt: int) -> str:
    """"Claude is busy; trying again in 2 s (attempt 2 of 3)." One instruction: wait, it is being handled."""
    reason = RETRY_NOTICES.get(error.kind, "Claude did not answer")
    return f"{reason}; trying again in {wait:.0f} s (attempt {attempt} of {ATTEMPTS})."


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


def explain(exc: BaseException, model: str, *, partial: bool = False, key_source: str = "session") -> GenerationError:
    """One sentence a product manager can act on, naming who can act where the user can't. Never includes the key.

    key_source says where the key came from: "session" (typed on the Generate page), or the server's own setting
    ("environment", "secrets"), which only whoever runs Spec Chain Studio can change."""
    kept = " What was written so far is kept." if partial else " Your brief is kept."
    # The next step: with part of the document written, Continue finishes it; with none, Generate starts again.
    again = "press Continue writing" if partial else "generate again"
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
            if key_source == "session":
                fix = ("Check the key you typed under Claude settings on this page (it starts with “sk-ant-”), "
                       "or choose the offline draft.")
            else:
                fix = ("This key is part of the server's setup, so only whoever runs Spec Chain Studio can replace "
                       "it; meanwhile, choose the offline draft.")
            return GenerationError("Claude did not accept the API key. " + fix + kept, kind="auth")
        if status == 403:
            return GenerationError(
                "This API key is not allowed to use that model or feature. Try another model, or ask whoever "
                "manages your Anthropic account." + kept,
                kind="permission",
            )
        if status == 404:
            return GenerationError(
                f"The model “{model}” is not available to this key or server. Choose another model under Claude "
                "settings."
                + kept,
                kind="model",
            )
        if status == 429:
            return GenerationError(
                "Claude has had too many requests from this key for now." + kept + f" Wait a minute, then {again}.",
                kind="rate_limit",
                retryable=True,
            )
        if status == 529 or status >= 500:
            return GenerationError(
                "Claude is overloaded or having a problem right now." + kept + f" In a minute, {again}, "
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
