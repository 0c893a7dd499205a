"""An AI assistant at the wheel: the real app (`streamlit run` with the agent API on) driven as a client would.

Through the official MCP Python SDK over streamable HTTP (/_stcore/agent/mcp) and through plain HTTP
(/_stcore/agent/interact): fill the brief by the widgets' keys, generate, wait, and read the document back. A long
Claude run (the Messages API stand-in, at a pace) can be watched while it is written and waited for. And every
widget and button of every page has a key of its own, never a generated `$$ID-…` one: an agent drives the app by them.
"""

from __future__ import annotations

import ast
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from specchain.steps import load_step
from tests.browser import ROOT, RunningApp, running_app
from tests.fake_anthropic import PLANNING_MARKER, FakeAnthropic

# An agent's call waits at most 4 s here, so a long run is seen while it is written (the page waits half of it).
AGENT_FLAGS = ["--server.enableAgentApi", "true", "--server.agentWaitTimeout", "4"]
OFFLINE = "Offline draft (free, instant)"  # the engine radio's options, as an agent sends them
CLAUDE = "Claude (AI, needs an API key)"
BRIEF = {  # typed by the agent, key by key (not an example)
    "field_app_name": "Harbor Ledger",
    "field_expected_load": "3,000 shipping agents, 400 at the same moment at month end; 60,000 invoices a day",
    "field_performance_requirements": "Invoice search under 1 second for 95% of requests; 99.9% uptime",
    "field_technical_stack": "Django, PostgreSQL, Celery with Redis, on Azure",
    "field_growth_projections": "Twice the agents within two years",
}
Send = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def run_client(main: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async client in a thread of its own: after a browser test, this thread has Playwright's event loop."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = anyio.run(main)
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture(scope="module")
def stand_in() -> Iterator[FakeAnthropic]:
    # About 7 s for the whole document: long enough to be seen while it is written, over several calls.
    fake = FakeAnthropic(chunk_chars=40, delay_s=0.01).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def app(stand_in: FakeAnthropic) -> Iterator[RunningApp]:
    with running_app({"ANTHROPIC_BASE_URL": stand_in.url}, flags=AGENT_FLAGS) as running:
        yield running


# ── Reading a snapshot, as an agent does ──────────────────────────────────────────────────────────────────────────
def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []):
        yield from nodes(child)


def node(snapshot: dict[str, Any], key: str) -> dict[str, Any]:
    found = [n for n in nodes(snapshot["tree"]) if n.get("key") == key]
    assert len(found) == 1, f"{len(found)} elements keyed {key!r} on {snapshot['page']}"
    return found[0]


def text_under(element: dict[str, Any]) -> str:
    """The Markdown of every text element inside an element (a keyed container), in page order."""
    return "\n\n".join(n["props"]["body"] for n in nodes(element)
                       if n["type"] in ("title", "header", "subheader", "markdown", "info", "success", "warning", "error", "caption")
                       and isinstance(n.get("props", {}).get("body"), str))


def page_text(snapshot: dict[str, Any]) -> str:
    return text_under(snapshot["tree"])


def action_keys(snapshot: dict[str, Any]) -> list[str]:
    return [a["key"] for a in snapshot["actions"]]


def headings(markdown: str) -> list[str]:
    return [line.lstrip("#").strip() for line in markdown.splitlines() if re.match(r"#{1,6} ", line)]


def assert_the_document(markdown: str, app_name: str) -> None:
    """The title of the document and every section heading of the template."""
    found = headings(markdown)
    assert found[0] == f"Performance & Scalability: {app_name}", found[:3]
    missing = [title for title in load_step().sections if title not in found]
    assert not missing, f"headings missing from what the agent read: {missing}"
    assert PLANNING_MARKER not in markdown


# ── One flow, over either transport ───────────────────────────────────────────────────────────────────────────────
class Agent:
    """One agent session: calls interact with the session's id; a call that outlasted the wait is collected."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.session: str | None = None
        self.snapshot: dict[str, Any] = {}
        self.seen: list[dict[str, Any]] = []  # every snapshot, for the keys check

    async def call(self, **body: Any) -> dict[str, Any]:
        if self.session:
            body["session_id"] = self.session
        answer = await self.send(body)
        for _ in range(15):  # wait_timed_out is not a failure: the script goes on; collect it (a minute at most)
            if answer.get("error", {}).get("code") != "wait_timed_out":
                break
            answer = await self.send({"session_id": answer["session_id"]})
        assert "error" not in answer, answer
        assert answer["status"] == "ready", page_text(answer)[-2000:]
        self.session, self.snapshot = answer["session_id"], answer
        self.seen.append(answer)
        return answer

    async def press(self, key: str, **widget_state: Any) -> dict[str, Any]:
        assert key in action_keys(self.snapshot), f"{key!r} not in {action_keys(self.snapshot)}"
        return await self.call(trigger={"key": key}, **({"widget_state": widget_state} if widget_state else {}))

    async def wait_for(self, words: str, calls: int = 40) -> dict[str, Any]:
        """Call with the session's id alone until the page says `words` (a run ends, the page redraws)."""
        for _ in range(calls):
            if words in page_text(self.snapshot):
                return self.snapshot
            await self.call()
        raise AssertionError(f"never said {words!r}: {page_text(self.snapshot)[-2000:]}")


async def brief_to_generate(agent: Agent) -> None:
    """Open the app, type the brief by keys, Next, Next: on the Generate page."""
    first = await agent.call()
    assert first["page"]["url_path"] == "" and set(BRIEF) <= set(action_keys(first))
    filled = await agent.call(widget_state=BRIEF)
    for key, value in BRIEF.items():
        assert node(filled, key)["value"] == value  # each key took its value
    assert (await agent.press("brief_next"))["page"]["url_path"] == "prompt"
    prompt = next(n["props"]["body"] for n in nodes(agent.snapshot["tree"]) if n["type"] == "code")
    assert "Harbor Ledger" in prompt and node(agent.snapshot, "prompt_download")["props"]["mime"] == "text/plain"
    assert (await agent.press("prompt_next"))["page"]["url_path"] == "generate"


async def claude_on_generate(agent: Agent) -> None:
    """The brief typed, on the Generate page, Claude chosen and a key typed (never reported back)."""
    await brief_to_generate(agent)
    await agent.call(widget_state={"engine": CLAUDE})
    await agent.call(widget_state={"api_key": "sk-ant-agent-test"})


async def offline_document(agent: Agent) -> dict[str, Any]:
    """Generate the offline draft, wait until it is a version, open it: the Document page's snapshot."""
    await brief_to_generate(agent)
    await agent.press("generate_start", engine=OFFLINE)
    await agent.wait_for("Version 1 is ready")
    document = await agent.press("generate_open_document")
    assert document["page"]["url_path"] == "document"
    assert "Offline draft, not AI-written" in page_text(document)
    return document


# ── Through MCP ───────────────────────────────────────────────────────────────────────────────────────────────────
def test_an_mcp_client_fills_a_brief_generates_a_draft_and_reads_it_back(app: RunningApp) -> None:
    async def main() -> None:
        async with (streamable_http_client(f"{app.url}/_stcore/agent/mcp") as (read, write),
                    ClientSession(read, write) as session):
            await session.initialize()
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            assert set(tools) == {"interact", "get_data"}
            assert {"session_id", "widget_state", "trigger"} <= set(tools["interact"].input_schema["properties"])

            async def send(body: dict[str, Any]) -> dict[str, Any]:
                result = await session.call_tool("interact", body)
                return json.loads(result.content[0].text)  # a refusal is a result too: its text is the error

            agent = Agent(send)
            document = await offline_document(agent)
            assert_the_document(text_under(node(document, "document_text")), "Harbor Ledger")
            # The exact file: the Markdown download, read through get_data (no URL fetching needed).
            url = node(document, "document_download_md")["props"]["url"]
            read_back = await session.call_tool("get_data", {"session_id": agent.session, "url": url})
            assert not read_back.is_error, read_back.content
            assert_the_document(read_back.content[0].text, "Harbor Ledger")

    run_client(main)


# ── Through plain HTTP ────────────────────────────────────────────────────────────────────────────────────────────
def http_send(app: RunningApp) -> Send:
    def post(body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(f"{app.url}/_stcore/agent/interact", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:  # 202 wait_timed_out is a success status; errors carry a body
            return json.loads(error.read())

    async def send(body: dict[str, Any]) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(post, body)

    return send


def test_plain_http_fills_a_brief_generates_a_draft_and_reads_it_back(app: RunningApp) -> None:
    async def main() -> str:
        agent = Agent(http_send(app))
        document = await offline_document(agent)
        assert_the_document(text_under(node(document, "document_text")), "Harbor Ledger")
        return str(node(document, "document_download_md")["props"]["url"])

    # The exact file: the Markdown download's URL, relative to the interact URL.
    url = urljoin(f"{app.url}/_stcore/agent/interact", run_client(main))
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert_the_document(answer.read().decode(), "Harbor Ledger")


def test_a_long_claude_run_is_seen_while_written_then_waited_for_and_read(app: RunningApp) -> None:
    """Each call returns within the agent's wait limit with the run as it is (status, the document so far, Stop);
    calling again with the session's id alone waits on, until the version is ready."""
    async def main() -> None:
        agent = Agent(http_send(app))
        await claude_on_generate(agent)
        assert "value" not in node(agent.snapshot, "api_key")
        writing = await agent.press("generate_start")
        progress = [writing]
        while "Version 1 is ready" not in page_text(agent.snapshot):
            assert len(progress) < 60, page_text(agent.snapshot)[-2000:]
            progress.append(await agent.call())
        during = [s for s in progress if "generate_stop" in action_keys(s)]
        assert during, "no call returned while the document was being written"
        assert any(re.search(r"Writing \d+ of 17: ", page_text(s)) for s in during)
        partial = [text_under(node(s, "generate_document")) for s in during]
        assert any(headings(text) for text in partial), "the document so far was never readable during the run"
        document = await agent.press("generate_open_document")
        assert "Written by Claude" in page_text(document)
        assert_the_document(text_under(node(document, "document_text")), "Harbor Ledger")

    run_client(main)


def test_stop_is_in_reach_of_an_agent_while_a_run_is_written(app: RunningApp, stand_in: FakeAnthropic) -> None:
    async def main() -> None:
        agent = Agent(http_send(app))
        await claude_on_generate(agent)
        stand_in.scenarios.append("hang")  # it never finishes by itself: only Stop ends it
        await agent.press("generate_start")
        assert "generate_stop" in action_keys(agent.snapshot)
        await agent.press("generate_stop")
        await agent.wait_for("No document was produced")
        assert "generate_stop" not in action_keys(agent.snapshot)

    run_client(main)


def test_an_agent_continues_a_run_that_was_cut_off(app: RunningApp, stand_in: FakeAnthropic) -> None:
    async def main() -> None:
        agent = Agent(http_send(app))
        await claude_on_generate(agent)
        stand_in.scenarios.append("max_tokens")  # cut off part-way; the continuation writes the rest
        await agent.press("generate_start")
        await agent.wait_for("Version 1 reached the maximum length")
        await agent.press("generate_continue")
        await agent.wait_for("Version 2 is ready")
        document = await agent.press("generate_open_document")
        assert_the_document(text_under(node(document, "document_text")), "Harbor Ledger")

    run_client(main)


# ── Every widget has a key of its own ─────────────────────────────────────────────────────────────────────────────
WIDGETS = {"button", "download_button", "form_submit_button", "checkbox", "toggle", "radio", "selectbox",
           "multiselect", "slider", "select_slider", "text_input", "text_area", "number_input", "date_input",
           "time_input", "datetime_input", "file_uploader", "camera_input", "audio_input", "color_picker",
           "data_editor", "chat_input", "feedback", "pills", "segmented_control", "menu_button"}
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


def test_every_widget_call_in_the_source_names_its_key() -> None:
    """Also the widgets a walk of the pages doesn't reach (error paths, a second tab's warning): each call passes
    `key=` (or a mapping of arguments that holds one, as the brief's fields do)."""
    unkeyed = []
    for path in SOURCES:
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in WIDGETS):
                continue
            keywords = {k.arg for k in call.keywords}
            if "key" not in keywords and None not in keywords:
                unkeyed.append(f"{path.relative_to(ROOT)}:{call.lineno} st.{call.func.attr}")
    assert not unkeyed, "widgets without key= (an AI agent can't find them by name): " + ", ".join(unkeyed)


def test_a_walk_through_every_page_finds_no_generated_key(app: RunningApp) -> None:
    """Every page as a real session shows it, with its optional parts open: a generated `$$ID-…` key fails."""
    async def main() -> None:
        agent = Agent(http_send(app))
        await agent.call()
        await agent.call(widget_state={"brief_example": "Consumer marketplace with a mobile app"})
        await agent.press("brief_use_example")
        await agent.call(widget_state={"brief_facts_panel": True})
        fact = next(k for k in action_keys(agent.snapshot) if k.startswith("fact_"))
        await agent.call(widget_state={fact: "12345"})  # a correction: its Undo button appears
        if not node(agent.snapshot, "brief_facts_panel")["value"]:  # closed again: what needs checking changed
            await agent.call(widget_state={"brief_facts_panel": True})
        assert any(k.startswith("undo_fact_") for k in action_keys(agent.snapshot))
        await agent.press("brief_next")
        await agent.press("prompt_next")
        await agent.call(widget_state={"engine": CLAUDE})
        await agent.call(widget_state={"model": "Other model ID (for a local server)…"})
        await agent.call(widget_state={"custom_model": "llama3.1"})
        await agent.call(widget_state={"set_temperature": True})
        await agent.call(widget_state={"engine": OFFLINE})
        for version in (1, 2):
            await agent.press("generate_start")
            await agent.wait_for(f"Version {version} is ready")
        await agent.press("generate_open_document")
        await agent.call(widget_state={"comparing": True})
        await agent.press("document_share_create")
        share = node(agent.snapshot, "document_share_off")  # the link's own page is walked too
        link = next(n["props"]["body"] for n in nodes(agent.snapshot["tree"])
                    if n["type"] == "code" and "?s=" in n.get("props", {}).get("body", ""))
        assert share
        await agent.call(widget_state={"answer_v2_0": "Within 30 minutes"})
        await agent.press("document_run_again")
        await agent.wait_for("Version 3 is ready")
        visitor = Agent(http_send(app))
        await visitor.call(query_params={"s": [link.split("?s=")[1]]})
        assert "read-only copy" in page_text(visitor.snapshot)
        stranger = Agent(http_send(app))
        await stranger.call(query_params={"w": ["not-a-real-link"]})
        assert "This link doesn't open any saved work" in page_text(stranger.snapshot)

        for page in agent.snapshot["pages"]:  # every page of the navigation, new ones too, as this work shows it
            await agent.call(page=page["url_path"])
        assert {s["page"]["url_path"] for s in agent.seen} >= {"", "prompt", "generate", "document"}
        snapshots = [*agent.seen, *visitor.seen, *stranger.seen]
        keys = {n["key"]: n["type"] for s in snapshots for n in nodes(s["tree"]) if n.get("key")}
        generated = {k: t for k, t in keys.items() if k.startswith("$$ID")}
        assert not generated, f"widgets without a key of their own: {generated}"
        # The walk reached the optional parts, so the check above looked at them.
        for key in ("brief_undo_example", "brief_facts_panel", "temperature", "custom_model", "compare_old",
                    "document_download_pdf", "shared_download_md", "link_problem_new_document",
                    "sidebar_delete_work", "generate_open_document", "api_key", "max_tokens"):
            assert key in keys, f"the walk never showed {key!r}"

    run_client(main)


def test_keys_are_snake_case() -> None:
    """Keys read like names: lower snake case (an f-string key's fixed parts too)."""
    bad = []
    for path in SOURCES:
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(call, ast.Call):
                for keyword in call.keywords:
                    if keyword.arg == "key" and isinstance(keyword.value, ast.Constant | ast.JoinedStr):
                        parts = ([keyword.value] if isinstance(keyword.value, ast.Constant)
                                 else [v for v in keyword.value.values if isinstance(v, ast.Constant)])
                        if any(not re.fullmatch(r"[a-z0-9_]*", str(part.value)) for part in parts):
                            bad.append(f"{Path(path).name}:{call.lineno}")
    assert not bad, bad
