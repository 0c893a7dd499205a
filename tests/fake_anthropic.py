"""A local stand-in for the Anthropic Messages API, for tests and offline demos.

It speaks the real wire format over real HTTP: `POST /v1/messages` with `stream: true` answers with the documented
server-sent events (message_start, content_block_start, ping, content_block_delta, content_block_stop,
message_delta, message_stop), chunked like the real API. The document it writes is the offline draft of the brief
found in the prompt's <user_data>, preceded by a private <performance_planning> block that must never reach a user.

Run it on its own:  python -m tests.fake_anthropic --port 8765
Then start the app with ANTHROPIC_BASE_URL=http://127.0.0.1:8765 and any API key.

Scenarios (--scenario, or FakeAnthropic.scenarios in tests; one is used per request):
  document      the whole document, stop_reason end_turn (default)
  max_tokens    stops part-way with stop_reason max_tokens; a "continue" request then gets the rest, resumed
                as FakeAnthropic.resume says: "line" rewrites the unfinished line (default), "exact" goes on
                exactly after the text it was sent, "lines" repeats its last three lines, "block" drops the
                line breaks before the next block
  401 403 404 413 429 500 529   an HTTP error with the API's JSON error body (429 and 529 carry retry-after)
  error_event   some text, then an `event: error` (overloaded) inside the 200 stream
  drop          some text, then the connection is cut mid-body (a transport error in the client)
  truncated     some text, then the body ends cleanly but without message_delta / message_stop
  hang          sends headers and one ping, then nothing until the client gives up
  silent        accepts the request but never answers, not even with headers
  planning_only writes only its private planning block, then ends normally (end_turn)
  planning_cut  writes only its private planning block, then stops at the output limit (max_tokens)
Structured output (a request without `stream`, with `output_config.format` json_schema or forced `tools`): a whole
message with the brief read from the prompt's <document> (tests/fake_structured.py), as JSON text or a tool_use
block; FakeAnthropic.structured replaces that answer (a dict, or a str sent as it is). Scenario no_structured_output
refuses `output_config` with a 400, as a server without structured output does; max_tokens cuts the JSON.
Per-minute limits (FakeAnthropic.rate_limits = RateLimits(requests=…, input_tokens=…, output_tokens=…)) are enforced
like the API: token buckets refilling continuously, max_tokens counted when a request starts and the unused part
given back at its end, anthropic-ratelimit-* headers on every answer, and a 429 with retry-after when a bucket is
short. .in_flight / .max_in_flight count the answers (streamed or whole) being written at once.
Every request's end is recorded: .disconnects holds the time.time() at which the server saw a client close a
request early (a failed write, or end-of-file while it was silent).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import select
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from specchain.drafting import draft_document
from specchain.inputs import Answer, ChainInputs
from tests import fake_structured
from tests.long_document import long_document

PLANNING_MARKER = "PRIVATE-PLANNING-7f3a"
PLANNING = (
    "<performance_planning>\n"
    f"{PLANNING_MARKER}: analysing load patterns, bottlenecks and caching layers.\n"
    "1. Expected load patterns: weekday peaks.\n2. Bottlenecks: database reads.\n"
    "</performance_planning>\n\n"
)
FIELDS = ("app_name", "expected_load", "performance_requirements", "technical_stack", "growth_projections")
ERRORS = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
    413: "request_too_large", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error",
}


def inputs_from_prompt(prompt: str) -> ChainInputs:
    values = {}
    for key in FIELDS:
        m = re.search(rf"<{key}>\n  (.*?)\n  </{key}>", prompt, re.DOTALL)
        values[key] = m.group(1) if m else ""
    answers = tuple(
        Answer(version=int(v), question=q, answer=a)
        for v, q, a in re.findall(
            r'<answer to_version="(\d+)">\n  Question: (.*?)\n  Answer: (.*?)\n  </answer>', prompt, re.DOTALL
        )
    )
    return ChainInputs(values=values, answers=answers)


class FakeAnthropic:
    """Start with .start(); .url is the base URL; .requests records what each request sent."""

    def __init__(self, port: int = 0, *, scenario: str = "document", chunk_chars: int = 40,
                 delay_s: float = 0.0, cut_fraction: float = 0.45, document_bytes: int | None = None) -> None:
        self.default_scenario = scenario
        self.document_bytes = document_bytes  # set: a long model-style document of this size, not the draft
        self.scenarios: list[str] = []  # consumed one per request, before falling back to the default
        self.chunk_chars = chunk_chars
        self.delay_s = delay_s
        self.cut_fraction = cut_fraction
        self.resume = "line"  # how a "continue" request resumes: "line", "exact", "lines" or "block"
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()  # lets a "hang" end when the test is over
        self.text_sent = threading.Event()  # set once any text delta has gone out
        self.last_text_at = 0.0  # time.time() just after the latest text delta was flushed to the socket
        self.disconnects: list[float] = []  # when a client closed a request before its response was complete
        self.rate_limits: RateLimits | None = None  # per-minute limits enforced like the API's (see RateLimits)
        self.in_flight = self.max_in_flight = 0  # streams being written now, and the most at once
        self.rate_limited = 0  # 429s sent because a bucket was short
        self._count_lock = threading.Lock()
        self.structured: dict[str, Any] | str | None = None  # the answer to structured-output requests, if set
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def next_scenario(self) -> str:
        return self.scenarios.pop(0) if self.scenarios else self.default_scenario

    def answer_text(self, body: dict[str, Any]) -> tuple[str, bool]:
        """(text to stream, is_continuation). A continuation resumes as `resume` says (see `resumed`)."""
        messages = body.get("messages", [])
        prompt = _text(messages[0]) if messages else ""
        inputs = inputs_from_prompt(prompt)
        if self.document_bytes:
            document = long_document(self.document_bytes, app_name=inputs.values["app_name"] or "Untitled")
        else:
            document = draft_document(inputs)
        if len(messages) >= 3 and messages[1].get("role") == "assistant":
            return self.resumed(document, _text(messages[1])), True
        return PLANNING + document, False

    def resumed(self, document: str, partial: str) -> str:
        """The rest of `document` after `partial`, the text it was sent (the app strips its trailing white space).

        "line" rewrites the unfinished last line from its start, as models often do, "lines" its last three lines;
        "exact" goes on right after it (mid-word if the cut was); "block" drops the line breaks it could not see.
        """
        if not document.startswith(partial):
            return document
        rest = document[len(partial):]
        if self.resume == "exact":
            return rest
        if self.resume == "block":
            return rest.lstrip("\n")
        start = len(partial)
        for _ in range(3 if self.resume == "lines" else 1):
            start = partial.rfind("\n", 0, max(start - 1, 0)) + 1 if start else 0
        return document[start:]


def _text(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content if isinstance(block, dict))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeAnthropic

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass

    def do_POST(self) -> None:
        fake = self.server_fake
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        auth = self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer ").strip()
        fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "at": time.monotonic()})
        if self.path.rstrip("/") != "/v1/messages":
            return self._error(404, "not_found_error", f"no route {self.path}")
        if not auth:
            return self._error(401, "authentication_error", "x-api-key header is required")
        limits = fake.rate_limits
        reserved = int(body.get("max_tokens") or 0)
        if limits is not None and (wait := limits.take(_prompt_chars(body) // 4, reserved)) is not None:
            with fake._count_lock:
                fake.rate_limited += 1
            return self._error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute "
                               "rate limit", retry_after=str(math.ceil(wait)), headers=limits.headers())
        scenario = fake.next_scenario()
        if scenario.isdigit():
            status = int(scenario)
            return self._error(status, ERRORS.get(status, "api_error"), f"simulated {status}",
                               retry_after="1" if status in (429, 529) else None)
        if scenario == "silent":
            self._wait_silently(60)
            return
        if not str(body.get("model", "")).startswith("claude-"):
            return self._error(404, "not_found_error", f"model: {body.get('model')}")
        structured = fake_structured.wants_structure(body)
        text, continuation = ("", False) if structured else fake.answer_text(body)
        self.output_tokens = reserved  # what was written, given back to the output bucket when less than reserved
        self.settled = False  # per request: one connection can carry several
        with fake._count_lock:
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            if structured:
                self._structured(body, scenario)
            else:
                self._stream(body, text, scenario, continuation)
        except (BrokenPipeError, ConnectionResetError):
            fake.disconnects.append(time.time())
            self.close_connection = True
        finally:
            with fake._count_lock:
                fake.in_flight -= 1
            self._settle(limits, reserved)

    def _settle(self, limits: RateLimits | None, reserved: int) -> None:
        """Give back the unused part of max_tokens, once: before the answer's last event (the API has counted the
        answer by the time the client reads its end, so a client released by message_stop finds the tokens back)."""
        if limits is not None and not self.settled:
            self.settled = True
            limits.give_back(reserved - self.output_tokens)

    def _wait_silently(self, timeout: float) -> None:
        """Say nothing until released, but notice a client that gives up (end-of-file on the socket)."""
        deadline = time.monotonic() + timeout
        while not self.server_fake.release.is_set() and time.monotonic() < deadline:
            ready, _, _ = select.select([self.connection], [], [], 0.05)
            if ready and not self.connection.recv(1, socket.MSG_PEEK):
                self.server_fake.disconnects.append(time.time())
                self.close_connection = True
                return

    def _error(self, status: int, kind: str, message: str, retry_after: str | None = None,
               headers: dict[str, str] | None = None) -> None:
        payload = json.dumps({"type": "error", "error": {"type": kind, "message": message},
                              "request_id": f"req_{uuid.uuid4().hex[:12]}"}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        if retry_after:
            self.send_header("retry-after", retry_after)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _structured(self, body: dict[str, Any], scenario: str) -> None:
        if scenario == "no_structured_output" and body.get("output_config"):
            self.output_tokens = 0  # refused: nothing written
            return self._error(400, "invalid_request_error", "output_config: Extra inputs are not permitted")
        fake = self.server_fake
        answer = fake.structured if fake.structured is not None else fake_structured.reading(body)
        message = fake_structured.message(body, answer, cut=scenario == "max_tokens")
        self.output_tokens = message["usage"]["output_tokens"]
        payload = json.dumps(message).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:12]}")
        for name, value in (fake.rate_limits.headers() if fake.rate_limits else {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, name: str, data: dict[str, Any]) -> None:
        self._chunk(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())

    def _stream(self, body: dict[str, Any], text: str, scenario: str, continuation: bool) -> None:
        fake = self.server_fake
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:12]}")
        for name, value in (fake.rate_limits.headers() if fake.rate_limits else {}).items():
            self.send_header(name, value)
        self.end_headers()
        prompt_chars = sum(len(_text(m)) for m in body.get("messages", []))
        model = body.get("model")
        self._event("message_start", {"type": "message_start", "message": {
            "id": f"msg_{uuid.uuid4().hex[:16]}", "type": "message", "role": "assistant", "content": [],
            "model": model, "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": max(1, prompt_chars // 4), "output_tokens": 1}}})
        if scenario == "hang":
            self._event("ping", {"type": "ping"})
            fake.release.wait(30)
            return
        self._event("content_block_start", {"type": "content_block_start", "index": 0,
                                            "content_block": {"type": "text", "text": ""}})
        self._event("ping", {"type": "ping"})
        stop_reason = "end_turn"
        if scenario in ("planning_only", "planning_cut"):
            text, stop_reason = PLANNING, "end_turn" if scenario == "planning_only" else "max_tokens"
        elif scenario == "max_tokens" and not continuation:
            text, stop_reason = text[: int(len(text) * fake.cut_fraction)], "max_tokens"
        elif scenario in ("error_event", "drop", "truncated"):
            text = text[: max(len(PLANNING) + 200, len(text) // 3)]
        limit = body.get("max_tokens")
        if isinstance(limit, int) and len(text) // 4 > limit:
            text, stop_reason = text[: limit * 4], "max_tokens"
        self.output_tokens = max(1, len(text) // 4)
        step = max(1, fake.chunk_chars)
        for start in range(0, len(text), step):
            self._event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                "delta": {"type": "text_delta", "text": text[start:start + step]}})
            fake.last_text_at = time.time()
            fake.text_sent.set()
            if fake.delay_s:
                time.sleep(fake.delay_s)
        if scenario == "error_event":
            self._event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
            self._chunk(b"")
            return
        if scenario == "drop":
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)  # no final chunk: the body is cut mid-way
            self.close_connection = True
            return
        if scenario == "truncated":
            self._chunk(b"")
            return
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        self._settle(fake.rate_limits, int(body.get("max_tokens") or 0))
        self._event("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                                      "usage": {"output_tokens": max(1, len(text) // 4)}})
        self._event("message_stop", {"type": "message_stop"})
        self._chunk(b"")


def _prompt_chars(body: dict[str, Any]) -> int:
    return sum(len(_text(m)) for m in body.get("messages", []))


class RateLimits:
    """The API's per-minute limits: a token bucket per kind, each refilling at its limit / 60 per second.

    A request takes one request, its input tokens and its max_tokens at the start (as the API counts output);
    give_back returns what it did not write. None for a kind: no limit."""

    KINDS = ("requests", "input-tokens", "output-tokens")

    def __init__(self, *, requests: int | None = None, input_tokens: int | None = None,
                 output_tokens: int | None = None) -> None:
        self.limits = dict(zip(self.KINDS, (requests, input_tokens, output_tokens), strict=True))
        self.levels = {kind: float(limit) for kind, limit in self.limits.items() if limit}
        self._at = time.monotonic()
        self._lock = threading.Lock()

    @classmethod
    def per_minute(cls, requests: int | None, input_tokens: int | None,
                   output_tokens: int | None) -> RateLimits | None:
        """Limits from a command line's --rpm/--input-tpm/--output-tpm; None when none is given."""
        if not (requests or input_tokens or output_tokens):
            return None
        return cls(requests=requests, input_tokens=input_tokens, output_tokens=output_tokens)

    def _refill(self) -> None:
        now = time.monotonic()
        for kind, level in self.levels.items():
            limit = float(self.limits[kind] or 0)
            self.levels[kind] = min(limit, level + limit / 60.0 * (now - self._at))
        self._at = now

    def take(self, input_tokens: int, output_tokens: int) -> float | None:
        """Take what a request needs: None when it may go, else the seconds until it could (its retry-after)."""
        needs = {"requests": 1.0, "input-tokens": float(input_tokens), "output-tokens": float(output_tokens)}
        with self._lock:
            self._refill()
            short = [(needs[kind] - level) / (float(self.limits[kind] or 1) / 60.0)
                     for kind, level in self.levels.items() if level < needs[kind]]
            if short:
                return max(1.0, max(short))
            for kind in self.levels:
                self.levels[kind] -= needs[kind]
            return None

    def give_back(self, output_tokens: int) -> None:
        with self._lock:
            self._refill()
            if "output-tokens" in self.levels and output_tokens > 0:
                limit = float(self.limits["output-tokens"] or 0)
                self.levels["output-tokens"] = min(limit, self.levels["output-tokens"] + output_tokens)

    def headers(self) -> dict[str, str]:
        """anthropic-ratelimit-{kind}-limit / -remaining / -reset (RFC 3339: when the bucket is full again)."""
        with self._lock:
            self._refill()
            out = {}
            for kind, level in self.levels.items():
                limit = float(self.limits[kind] or 0)
                full_at = time.time() + (limit - level) / (limit / 60.0)
                out[f"anthropic-ratelimit-{kind}-limit"] = str(int(limit))
                out[f"anthropic-ratelimit-{kind}-remaining"] = str(max(0, int(level)))
                out[f"anthropic-ratelimit-{kind}-reset"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(full_at))
            return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", default="document")
    parser.add_argument("--chunk-chars", type=int, default=12, help="characters per text delta")
    parser.add_argument("--delay", type=float, default=0.01, help="seconds between text deltas")
    parser.add_argument("--document-bytes", type=int, help="write a long model-style document of this size")
    parser.add_argument("--rpm", type=int, help="enforce this many requests per minute (429 beyond)")
    parser.add_argument("--input-tpm", type=int, help="enforce this many input tokens per minute")
    parser.add_argument("--output-tpm", type=int, help="enforce this many output tokens per minute (max_tokens counts)")
    args = parser.parse_args()
    fake = FakeAnthropic(args.port, scenario=args.scenario, chunk_chars=args.chunk_chars, delay_s=args.delay,
                         document_bytes=args.document_bytes)
    fake.rate_limits = RateLimits.per_minute(args.rpm, args.input_tpm, args.output_tpm)
    fake.start()
    print(f"Fake Anthropic Messages API on {fake.url} (scenario: {args.scenario}). Start the app with:")
    print(f"  ANTHROPIC_BASE_URL={fake.url} ANTHROPIC_API_KEY=any-key streamlit run app.py")
    serve_until_interrupted(fake)


def serve_until_interrupted(fake: FakeAnthropic) -> None:
    """Keep a started stand-in answering until Ctrl-C (or SIGINT from whoever started it)."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
