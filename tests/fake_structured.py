"""What the Messages API stand-in (tests/fake_anthropic.py) answers to a structured-output request: the brief read
from the <document> in the prompt, by the offline reader, in the shape the request's schema asks for.

A request with `output_config.format` (a json_schema, as `messages.parse(output_format=...)` sends it) gets the JSON
as the text of one text block; a request with `tools` and a forced `tool_choice` gets one tool_use block whose input
is that JSON. Both are whole (non-streaming) messages, as the real API answers a request without `stream: true`.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from specchain.importing.document import Block, ImportedDocument
from specchain.importing.offline import propose_offline
from specchain.steps import load_step

PASSAGE = re.compile(r'<passage n="(\d+)" where="([^"]*)"( kind="heading")?>(.*?)</passage>', re.DOTALL)


def _prompt(body: dict[str, Any]) -> str:
    messages = body.get("messages") or [{}]
    content = messages[0].get("content", "")
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content if isinstance(block, dict))


def reading(body: dict[str, Any]) -> dict[str, Any]:
    """The five fields read from the prompt's passages, each citing the passages (by number) it came from."""
    found = PASSAGE.findall(_prompt(body))
    blocks = [Block(text=text, location=where, heading=bool(heading)) for _, where, heading, text in found]
    document = ImportedDocument(name="document", kind="text", blocks=tuple(blocks))
    proposal = propose_offline(document, load_step().fields)
    answer: dict[str, Any] = {}
    for field in proposal.fields:
        cited = []
        for passage in field.passages:
            number = next((int(n) for n, where, _, text in found
                           if passage.quote in text and where == passage.location), 0)
            cited.append({"passage": number, "quote": passage.quote})
        answer[field.field] = {"text": field.text, "passages": cited}
    return answer


def wants_structure(body: dict[str, Any]) -> bool:
    output_format = (body.get("output_config") or {}).get("format") or {}
    return not body.get("stream") and (output_format.get("type") == "json_schema" or bool(body.get("tools")))


def message(body: dict[str, Any], answer: dict[str, Any] | str, *, cut: bool = False) -> dict[str, Any]:
    """A whole Messages API response carrying `answer` (a str is sent as it is: broken JSON, for tests)."""
    text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
    stop_reason = "end_turn"
    if body.get("tools"):
        tool = (body.get("tool_choice") or {}).get("name") or body["tools"][0]["name"]
        content: list[dict[str, Any]] = [{"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}", "name": tool,
                                          "input": answer if isinstance(answer, dict) else {}}]
        stop_reason = "tool_use"
    else:
        content = [{"type": "text", "text": text[: len(text) // 2] if cut else text}]
    return {
        "id": f"msg_{uuid.uuid4().hex[:16]}", "type": "message", "role": "assistant", "model": body.get("model"),
        "content": content, "stop_reason": "max_tokens" if cut else stop_reason, "stop_sequence": None,
        "usage": {"input_tokens": max(1, len(_prompt(body)) // 4), "output_tokens": max(1, len(text) // 4)},
    }

