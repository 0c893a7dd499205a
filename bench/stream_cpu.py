"""The Claude provider's own CPU per streamed document: the SDK reading the stream, nothing else.

Run: python bench/stream_cpu.py [--kb 20] [--chunk-chars 4] [--repeat 7]

The Messages API stand-in (tests/fake_anthropic.py) runs in its own process with no delay, writing a model-style
document in deltas of --chunk-chars characters (4 ≈ one token, as the real API streams); this process reads it
through ClaudeProvider.stream and prints the median CPU time of this process per document (time.process_time, so
the stand-in's work is not counted), after a warm-up run. Beside it, in the same run: the SDK alone, through its
messages.stream() helper (which rebuilds the whole message on every event) and through the raw event stream, and
the floor: the same HTTP response read as bytes with httpx, no parsing at all.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from specchain.catalog import load_catalog
from specchain.inputs import ChainInputs
from specchain.providers import EngineSettings, GenerationRequest, Text
from specchain.providers.claude import ClaudeProvider
from tests.browser import ROOT, free_port

MODEL = load_catalog().default
PROMPT = "<user_data>\n<app_name>\n  Bench\n  </app_name>\n</user_data>"


def provider_cpu(url: str) -> tuple[float, int]:
    request = GenerationRequest("performance_scalability", ChainInputs(values={"app_name": "Bench"}), PROMPT,
                                EngineSettings(engine="claude", model=MODEL, max_tokens=32000))
    provider = ClaudeProvider(api_key="bench", base_url=url)
    started = time.process_time()
    chars = sum(len(e.text) for e in provider.stream(request, threading.Event()) if isinstance(e, Text))
    return time.process_time() - started, chars


def sdk_cpu(url: str, helper: bool) -> tuple[float, int]:
    """The SDK alone reading the stream: the messages.stream() helper (what the provider used before), or the raw
    event stream of messages.create(stream=True) (what it uses now)."""
    import anthropic

    client = anthropic.Anthropic(api_key="bench", base_url=url, max_retries=0)
    options: dict[str, Any] = {"model": MODEL, "max_tokens": 32000,
                               "messages": [{"role": "user", "content": PROMPT}]}
    started = time.process_time()
    chars = 0
    with client.messages.stream(**options) if helper else client.messages.create(**options, stream=True) as events:
        for event in events:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                chars += len(event.delta.text)
    return time.process_time() - started, chars


def raw_cpu(url: str) -> tuple[float, int]:
    body = {"model": MODEL, "max_tokens": 32000, "stream": True,
            "messages": [{"role": "user", "content": PROMPT}]}
    started = time.process_time()
    size = 0
    headers = {"x-api-key": "bench", "anthropic-version": "2023-06-01"}
    with httpx2.Client() as client, client.stream("POST", f"{url}/v1/messages", json=body, headers=headers) as response:
        for chunk in response.iter_bytes():
            size += len(chunk)
    return time.process_time() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=20)
    parser.add_argument("--chunk-chars", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    port = free_port()
    fake = subprocess.Popen([sys.executable, "-m", "tests.fake_anthropic", "--port", str(port), "--delay", "0",
                             "--chunk-chars", str(args.chunk_chars), "--document-bytes", str(args.kb * 1000)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # wait for the stand-in to listen
            try:
                httpx2.get(url, timeout=1)
                break
            except httpx2.TransportError:
                time.sleep(0.1)
        figures = {}
        readers = {
            "ClaudeProvider.stream": provider_cpu,
            "SDK messages.stream() helper (before)": lambda url: sdk_cpu(url, helper=True),
            "SDK raw events (now)": lambda url: sdk_cpu(url, helper=False),
            "raw bytes (floor)": raw_cpu,
        }
        for name, read in readers.items():
            read(url)  # warm-up: imports, connection pool
            runs = [read(url) for _ in range(args.repeat)]
            figures[name] = statistics.median(cpu for cpu, _ in runs), runs[0][1]
        print(f"{args.kb} KB document, {args.chunk_chars}-character deltas, median of {args.repeat}, this process's CPU")
        floor = figures["raw bytes (floor)"][0]
        for name, (cpu, size) in figures.items():
            unit = "bytes" if "floor" in name else "characters of text"
            print(f"{name:40}{cpu * 1000:>7.0f} ms{cpu / floor:>7.1f}× floor   ({size:,} {unit})")
    finally:
        fake.terminate()
        fake.wait(10)


if __name__ == "__main__":
    main()
