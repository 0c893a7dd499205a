"""Many briefs at once, in a real browser: a 3-row CSV uploaded, offline drafts for every row, the zip downloaded,
and one row's link opened on its own."""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from specchain.steps import load_step
from tests.browser import free_port, open_app, running_app, screenshot
from tests.e2e.test_accessibility import audit
from tests.fake_anthropic import FakeAnthropic

LABELS = [spec.label for spec in load_step().fields]


def three_briefs() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([
        LABELS,
        ["Café Zürich", "2,000 guests a day,\nup to 300 at once at lunch", "", "Django, PostgreSQL", "2x in a year"],
        ["タスク管理", "1万 users", "99.9% uptime", "", ""],
        ["Acme Tasks", "5,000 users", "Pages in under 2 s", "React, Node.js", ""],
    ])
    return out.getvalue().encode("utf-8-sig")


@pytest.mark.parametrize("color_scheme", ["light", "dark"], indirect=True)  # the accessibility audit in both themes
def test_three_briefs_become_three_documents_a_zip_and_three_links(page: Page, app_url: str, color_scheme: str) -> None:
    open_app(page, app_url)
    page.get_by_role("link", name="Many briefs at once").click()
    expect(page.get_by_role("heading", level=1, name="Many briefs at once")).to_be_visible()

    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        {"name": "briefs.csv", "mimeType": "text/csv", "buffer": three_briefs()})
    expect(page.get_by_text("3 briefs found, all ready.")).to_be_visible(timeout=20_000)
    problems = audit(page, "Many briefs, a file checked")
    page.get_by_role("button", name="Generate 3 documents").click()
    expect(page.get_by_text(re.compile(r"Finished: 3 of 3 documents written"))).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    if color_scheme == "light":
        screenshot(page, "12-many-briefs")
    problems += audit(page, "Many briefs, results")
    assert not problems, "\n".join(problems)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download 3 documents (.zip)").click()
    with zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes())) as archive:
        assert sorted(archive.namelist()) == sorted([
            "café-zürich-performance-scalability-v1.md", "タスク管理-performance-scalability-v1.md",
            "acme-tasks-performance-scalability-v1.md"])
        assert "# Performance & Scalability" in archive.read("acme-tasks-performance-scalability-v1.md").decode()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the list of links (.csv)").click()
    listed = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    assert [(r["Row"], r["Product name"], r["Result"]) for r in listed] == [
        ("2", "Café Zürich", "Done"), ("3", "タスク管理", "Done"), ("4", "Acme Tasks", "Done")]
    link = listed[1]["Link to its work"]
    assert re.fullmatch(rf"{re.escape(app_url)}/document\?w=[\w-]{{40,}}", link), link  # the sidebar's link, on its page

    page.goto(link)  # the row's work, on its own, open at its document
    expect(page.get_by_role("heading", level=1, name=re.compile("Your document"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Offline draft, not AI-written").first).to_be_visible()
    expect(page.get_by_text("タスク管理").first).to_be_visible()
    page.get_by_role("link", name=re.compile(r"· Brief$")).click()
    expect(page.get_by_label("Product name (required)", exact=True)).to_have_value("タスク管理")


def test_stop_keeps_the_finished_documents(page: Page, app_url: str, api: FakeAnthropic) -> None:
    api.delay_s = 0.001
    api.scenarios = ["document", "document", "hang"]  # the third row's request never gets an answer: Stop ends it
    open_app(page, app_url, "batch")
    expect(page.get_by_role("heading", level=1, name="Many briefs at once")).to_be_visible()
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        {"name": "briefs.csv", "mimeType": "text/csv", "buffer": three_briefs()})
    expect(page.get_by_text("3 briefs found, all ready.")).to_be_visible(timeout=20_000)
    page.get_by_text("Claude (AI, needs an API key)").click()
    key = page.get_by_label("Anthropic API key", exact=True).and_(page.locator("input"))
    key.fill("sk-ant-e2e-batch")
    key.press("Enter")
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    page.get_by_role("button", name="Generate 3 documents").click()
    expect(page.get_by_text("2 of 3 documents written · 1 being written")).to_be_visible(timeout=60_000)
    screenshot(page, "12b-many-briefs-progress")
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text(re.compile(r"Stopped: 2 of 3 documents written · 1 not started\."))).to_be_visible(
        timeout=20_000)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download 2 documents (.zip)").click()
    with zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes())) as archive:
        assert sorted(archive.namelist()) == ["café-zürich-performance-scalability-v1.md",
                                              "タスク管理-performance-scalability-v1.md"]


def test_a_rows_link_opens_its_document_on_a_restarted_server(browser: Browser) -> None:
    """The link's page is in its path (/document?w=…): a server started afresh must open that page, not the Brief
    page or Streamlit's old pages-directory mode (pages/shared.py leave_pages_directory_mode)."""
    env = {"SPECCHAIN_DB_PATH": str(Path(tempfile.mkdtemp(prefix="specchain-batch-")) / "work.sqlite3")}
    port = free_port()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    with running_app(env, port) as app:
        open_app(page, app.url, "batch")
        page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
            {"name": "briefs.csv", "mimeType": "text/csv", "buffer": three_briefs()})
        page.get_by_role("button", name="Generate 3 documents").click()
        expect(page.get_by_text(re.compile(r"Finished: 3 of 3 documents written"))).to_be_visible(timeout=60_000)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the list of links (.csv)").click()
        listed = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    link = listed[2]["Link to its work"]
    assert "/document?w=" in link, link
    with running_app(env, port):  # a new server process: its first request is the row's link
        fresh = context.new_page()
        fresh.goto(link)
        expect(fresh.get_by_role("heading", level=1, name=re.compile("Your document"))).to_be_visible(timeout=60_000)
        expect(fresh.get_by_text("Acme Tasks").first).to_be_visible()
        assert not fresh.locator("[data-testid=stException]").all_inner_texts()
    context.close()
