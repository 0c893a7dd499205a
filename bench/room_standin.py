"""The Messages API stand-in (tests/fake_anthropic.py) in a process of its own, logging every request: bench/room.py's
Claude.

Run: python -m bench.room_standin --port 8765 --log arrivals.jsonl [--document-bytes 20000] [--chunk-chars 16]
                                  [--delay 0.04] [--rpm 50] [--input-tpm 30000] [--output-tpm 90000]

Each line of the log is one event, as JSON with the wall clock (time.time()) of this machine:
  {"t": …, "kind": "arrival", "n": 7, "app_name": "Room user 07", "continuation": false, "max_tokens": 32000,
   "input_tokens": 6100}
  {"t": …, "kind": "status", "n": 7, "status": 429}
`n` numbers the requests in the order they reached the stand-in. The app names say whose request it was (each
simulated user types their own), so the benchmark can compare the order people pressed Generate with the order their
requests reached "Anthropic". In a process of its own, the stand-in's CPU is not counted in the benchmark's, and its
threads don't compete with the benchmark's for one interpreter's lock.

--rpm, --input-tpm and --output-tpm set the stand-in's per-minute limits (FakeAnthropic.rate_limits), enforced as the
API does: 429 with retry-after when a bucket is short, anthropic-ratelimit-* headers on every answer.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import fake_anthropic
from tests.fake_anthropic import FakeAnthropic

APP_NAME = re.compile(r"<app_name>\s*(.*?)\s*</app_name>", re.DOTALL)


class RequestLog(list):  # type: ignore[type-arg]
    """FakeAnthropic.requests, which also writes each arrival to the log, and notes whose request this thread is
    answering (a keep-alive connection is served by one thread, one request after another)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file = path.open("a", buffering=1, encoding="utf-8")
        self._lock = threading.Lock()
        self.current = threading.local()

    def write(self, **event: Any) -> None:
        with self._lock:
            self._file.write(json.dumps({"t": time.time(), **event}) + "\n")

    def append(self, request: dict[str, Any]) -> None:
        body = request.get("body") or {}
        messages = body.get("messages") or []
        first = fake_anthropic._text(messages[0]) if messages else ""
        name = APP_NAME.search(first)
        with self._lock:
            n = len(self)
            super().append({"path": request.get("path"), "body": {"max_tokens": body.get("max_tokens")}})
        self.current.n = n
        self.write(kind="arrival", n=n, app_name=name.group(1) if name else "",
                   continuation=len(messages) >= 3, max_tokens=body.get("max_tokens"),
                   input_tokens=sum(len(fake_anthropic._text(m)) for m in messages) // 4)


def log_statuses(log: RequestLog) -> None:
    """Every response's status, by the request it answers (send_response is where the stand-in picks it)."""
    original = fake_anthropic._Handler.send_response

    def send_response(handler: Any, code: int, message: str | None = None) -> None:
        log.write(kind="status", n=getattr(log.current, "n", -1), status=code)
        original(handler, code, message)

    fake_anthropic._Handler.send_response = send_response  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--document-bytes", type=int, default=20_000)
    parser.add_argument("--chunk-chars", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.04, help="seconds between text deltas")
    parser.add_argument("--rpm", type=int, help="requests per minute (default: no limit)")
    parser.add_argument("--input-tpm", type=int, help="input tokens per minute (default: no limit)")
    parser.add_argument("--output-tpm", type=int, help="output tokens per minute, max_tokens counted at the start")
    args = parser.parse_args()
    log = RequestLog(args.log)
    log_statuses(log)
    fake = FakeAnthropic(args.port, chunk_chars=args.chunk_chars, delay_s=args.delay,
                         document_bytes=args.document_bytes)
    fake.rate_limits = fake_anthropic.RateLimits.per_minute(args.rpm, args.input_tpm, args.output_tpm)
    fake.requests = log
    fake.start()
    print(f"listening on {fake.url}", flush=True)
    fake_anthropic.serve_until_interrupted(fake)


if __name__ == "__main__":
    main()
