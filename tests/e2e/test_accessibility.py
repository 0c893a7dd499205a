"""Everyone in the room can use it: WCAG 2.1 A/AA (axe-core) on every flow's end state in both themes, the whole
flow with the keyboard alone and the focus always visible, and every page at 200% zoom on a 1280×720 projector
without sideways scrolling."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import choose_claude, go_to, open_app, use_example
from tests.e2e.test_flows import assert_fits_the_screen, finish_offline_document
from tests.fake_anthropic import FakeAnthropic

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Violations that come from Streamlit's own markup and that the app cannot change: (axe rule, CSS selector of the
# Streamlit part the failing element is, or is inside) → why. Each is matched against the failing element in the
# page (Element.closest), so the same rule anywhere else still fails the test.
STREAMLIT_OWNED: dict[tuple[str, str], str] = {
    ("color-contrast", "[data-testid=stRadio]:has(input:disabled)"):
        "While a document is being written the engine choice is disabled, and Streamlit greys its label. WCAG 1.4.3 "
        "exempts inactive controls; axe can't tell, since Streamlit draws the group's label apart from the inputs.",
}
# Worked around by the app (so no longer listed above):
# - list, listitem: Streamlit draws a titled navigation section as a <div> inside the sidebar's <ul>; app.py passes
#   st.navigation a plain list, which Streamlit draws as <ul><li>.
# - label: Streamlit's Markdown draws a task list as unlabelled disabled check boxes; the screen shows ☐ / ☑
#   instead (specchain.document.for_screen).
# - scrollable-region-focusable: code blocks in the document wrap (app.py's CSS) and st.code has no fixed height.
# - color-contrast: captions, and white text on the dark theme's light-blue primary buttons (app.py's CSS).
# Not an axe rule but checked by the keyboard test: Streamlit draws no focus ring on the sidebar's steps or on the
# main area (a Tab stop of its own); app.py's CSS adds one.

# Where the counts go when AXE_COUNTS names a file: {"<theme> · <state>": {rule: {"app": n, "streamlit": n}}}.
COUNTS_FILE = os.environ.get("AXE_COUNTS")

# axe.run, then a contrast check of its own for what axe leaves undecided ("incomplete": a background it can't
# determine because the element is overlapped or has a pseudo-element, as the sidebar's captions and the tab labels
# are): the text colour composited over the backgrounds of its ancestors, with their opacity.
RUN_AXE = """async ([tags, owned]) => {
    const results = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                             resultTypes: ['violations', 'incomplete']});
    const rgba = css => { const v = css.match(/[\\d.]+/g).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
    const over = (top, bottom, alpha) => top.slice(0, 3).map((c, i) => c * alpha + bottom[i] * (1 - alpha));
    const luminance = rgb => { const l = rgb.map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
                               return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
    const contrast = element => {
        const layers = [];
        let opacity = 1;
        for (let n = element; n; n = n.parentElement) {
            const style = getComputedStyle(n);
            opacity *= Number(style.opacity);
            layers.push(rgba(style.backgroundColor));
        }
        let background = [255, 255, 255];
        for (const layer of layers.reverse()) background = over(layer, background, layer[3]);
        const color = rgba(getComputedStyle(element).color);
        const text = over(color, background, color[3] * opacity);
        const [a, b] = [luminance(text), luminance(background)];
        const style = getComputedStyle(element), size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
        return {ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), needed: size >= 24 || (bold && size >= 18.66) ? 3 : 4.5};
    };
    const find = target => target.length === 1 && typeof target[0] === 'string' ? document.querySelector(target[0]) : null;
    const report = v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => {
        const element = find(n.target);
        const excuse = owned.find(([rule, part]) => rule === v.id && element && element.closest(part));
        const data = (n.any[0] || n.all[0] || n.none[0] || {}).data;
        return {selector: n.target.flat(Infinity).join(' '), html: n.html.slice(0, 200),
                summary: JSON.stringify(data || n.failureSummary || ''), owned: excuse ? excuse[1] : null};
    })});
    const violations = results.violations.map(report);
    const undecided = results.incomplete.filter(v => v.id === 'color-contrast').map(report)[0];
    if (undecided) {
        const failing = undecided.nodes.filter(n => {
            const element = document.querySelector(n.selector);
            if (!element || !element.getClientRects().length) return false;
            const measured = contrast(element);
            n.summary = `computed ${measured.ratio.toFixed(2)}:1, needs ${measured.needed}:1`;
            return measured.ratio < measured.needed;
        });
        const decided = violations.find(v => v.id === 'color-contrast');
        if (decided) decided.nodes.push(...failing);
        else if (failing.length) violations.push({...undecided, nodes: failing});
    }
    return violations;
}"""


def audit(page: Page, state: str, *, wait_for_script: bool = True) -> list[str]:
    """axe-core's WCAG 2.1 A/AA rules on the page as it is: one line per problem the app could fix."""
    if wait_for_script:
        expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached(timeout=30_000)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(RUN_AXE, [AXE_TAGS, [list(key) for key in STREAMLIT_OWNED]])
    record_counts(page, state, violations)
    return [f"{state}: {v['id']} ({v['impact']}) {v['help']} at {n['selector']}: {n['html']} {n['summary']}"
            for v in violations for n in v["nodes"] if n["owned"] is None]


def record_counts(page: Page, state: str, violations: list[dict]) -> None:
    if not COUNTS_FILE:
        return
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'")
    path = Path(COUNTS_FILE)
    counts = json.loads(path.read_text()) if path.exists() else {}
    counts[f"{scheme} · {state}"] = {
        v["id"]: {"app": sum(n["owned"] is None for n in v["nodes"]),
                  "streamlit": sum(n["owned"] is not None for n in v["nodes"])} for v in violations}
    path.write_text(json.dumps(counts, indent=1, sort_keys=True))


BOTH_THEMES = pytest.mark.parametrize("color_scheme", ["light", "dark"], indirect=True)


@BOTH_THEMES
def test_brief_and_prompt_pass_wcag_aa(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    problems = audit(page, "Brief, cold start")
    use_example(page)
    problems += audit(page, "Brief from an example")
    go_to(page, "Prompt", "Check the prompt")
    problems += audit(page, "Prompt")
    assert not problems, "\n".join(problems)


DOCUMENT_TABS = ["Document", "Template check", "Figures check", "Questions", "Edit", "History and compare",
                 "Download and share", "Run details"]


@BOTH_THEMES
def test_generate_and_every_document_tab_pass_wcag_aa(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    use_example(page)
    finish_offline_document(page)
    expect(page.locator("[data-testid=stMarkdownContainer] li", has_text="Load testing completed")).to_contain_text(
        "☐")  # the task list, drawn with boxes that are text
    go_to(page, "Generate", "Generate the document")
    expect(page.get_by_text(re.compile(r"Version 1 is ready"))).to_be_visible()
    problems = audit(page, "Generate after an offline draft")
    go_to(page, "Document", "Your document")
    for name in DOCUMENT_TABS:
        tab = page.get_by_role("tab", name=re.compile(re.escape(name)))
        if not tab.count():  # a tab this version of the page doesn't have
            continue
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        if name == "Figures check":  # drawn once the tab is open: axe must see the four charts too
            expect(page.locator("[data-testid=stVegaLiteChart]")).to_have_count(4)
            expect(page.locator("[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg").first
                   ).to_be_visible()
        if name == "Run details":
            page.get_by_text("The prompt this version was written from").click()
            expect(page.get_by_test_id("stExpander").get_by_test_id("stCode")).to_be_visible()
        problems += audit(page, f"Document · {name}")
    assert not problems, "\n".join(problems)


@BOTH_THEMES
def test_a_claude_run_in_progress_passes_wcag_aa_and_its_progress_is_announced(
    page: Page, app_url: str, api: FakeAnthropic
) -> None:
    api.delay_s, api.chunk_chars = 0.05, 10  # slow enough that the run is still going while axe looks
    open_app(page, app_url)
    use_example(page)
    choose_claude(page)
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()
    # The status line is a live region (role="status"): a screen reader announces it as it changes.
    live = page.get_by_role("status").filter(has_text=re.compile(r"Writing 2 of 17: .+"))
    expect(live).to_be_visible(timeout=30_000)
    problems = audit(page, "Generate, Claude writing", wait_for_script=False)  # the page's script runs till the end
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text(re.compile(r"Version 1 is unfinished"))).to_be_visible(timeout=15_000)
    assert not problems, "\n".join(problems)


def test_the_end_of_a_run_is_announced_in_the_same_live_region(page: Page, app_url: str, api: FakeAnthropic) -> None:
    """The status line's last words say how the run ended, in the region a screen reader was already following."""
    api.delay_s, api.chunk_chars = 0.01, 40
    open_app(page, app_url)
    use_example(page)
    choose_claude(page)
    page.evaluate("""() => { window.__announced = [];
        new MutationObserver(() => document.querySelectorAll('[role=status]').forEach(region => {
            const text = region.innerText.trim();
            if (text && window.__announced[window.__announced.length - 1] !== text) window.__announced.push(text);
        })).observe(document.body, {subtree: true, childList: true, characterData: true}); }""")
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()
    expect(page.get_by_text(re.compile(r"Version 1 is ready\."))).to_be_visible(timeout=60_000)
    announced = page.evaluate("window.__announced")
    assert any(re.search(r"Writing \d+ of 17: ", line) for line in announced), announced
    assert any("Run ended: Finished" in line for line in announced), announced
    assert not any(re.search(r"\d+ s\b", line) for line in announced), announced  # no ticking clock read out


# ── The keyboard alone ────────────────────────────────────────────────────────────────────────────────────────
FOCUS = """primary => {
    const e = document.activeElement;
    if (!e || e === document.body) return {name: '(nothing)', visible: true, indicator: true};
    const box = e.getBoundingClientRect();
    const visible = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 && box.top < innerHeight
        && box.left < innerWidth && getComputedStyle(e).visibility !== 'hidden';
    let indicator = false;  // a focus ring (outline or box-shadow) on it, or a wrapper's border in the focus colour
    for (let n = e, level = 0; n && level < 4 && !indicator; n = n.parentElement, level++) {
        const style = getComputedStyle(n);
        indicator = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none'
            || (level > 0 && style.borderTopColor === primary);
    }
    const name = (e.getAttribute('aria-label') || e.innerText || e.getAttribute('placeholder') || e.tagName).trim();
    const where = `${Math.round(box.left)},${Math.round(box.top)} ${Math.round(box.width)}×${Math.round(box.height)}`;
    return {name: name.replace(/\\s+/g, ' ').slice(0, 100), visible, indicator, where,
            stale: e.closest('[data-stale=true]') !== null};
}"""
NOTHING = "(nothing)"
PRIMARY_LIGHT = "rgb(36, 87, 214)"  # .streamlit/config.toml [theme.light] primaryColor #2457d6, the focus colour


@dataclass
class Keyboard:
    """Presses keys and, after each, checks that the focused element is visible and shows that it has focus."""

    page: Page
    presses: int = 0

    def focused(self, timeout_ms: int = 2_000) -> dict:
        """The focused element, once it has scrolled into view and its focus style has settled (Streamlit's fields
        fade their border in)."""
        try:
            self.page.wait_for_function(f"primary => {{ const f = ({FOCUS})(primary); return f.visible && f.indicator; }}",
                                        arg=PRIMARY_LIGHT, timeout=timeout_ms)
        except PlaywrightTimeoutError:
            pass  # reported below, with the element's name
        return self.page.evaluate(FOCUS, PRIMARY_LIGHT)

    def move_to(self, name: str | re.Pattern[str], key: str = "Tab", budget: int = 60, *, required: bool = True) -> bool:
        wanted: Callable[[str], bool] = (name.search if isinstance(name, re.Pattern)  # type: ignore[assignment]
                                         else lambda text: name in text)
        # Keys pressed while the page's script still runs may land on elements about to be redrawn.
        expect(self.page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached(
            timeout=30_000)
        passed: list[str] = []
        for _ in range(budget):
            self.page.keyboard.press(key)
            self.presses += 1
            focus = self.focused()
            if focus["name"] == NOTHING:  # past the end of the page, or on an element a rerun just replaced
                passed.append(NOTHING)
                continue  # as in any browser, the next Tab comes back to the page
            if not (focus["visible"] and focus["indicator"]):  # a redraw or a layout shift may be under way
                expect(self.page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
                focus = self.focused(timeout_ms=3_000)
            assert focus["visible"], (f"{key} moved the focus to something not on the screen: {focus['name']} at "
                                      f"{focus['where']}, after {passed}")
            assert focus["indicator"], f"no visible focus indicator on {focus['name']!r}"
            if wanted(focus["name"]):
                return True
            passed.append(focus["name"])
        assert not required, f"{name!r} not reached with {budget} presses of {key}; passed {passed}"
        return False

    def move_near(self, name: str) -> None:
        """After a redraw the browser resumes from where the focused element was: look a few steps back first,
        then forward."""
        if not self.move_to(name, key="Shift+Tab", budget=8, required=False):
            self.move_to(name, budget=200)  # through the whole document, if the focus was in it

    def press(self, key: str) -> None:
        assert key in ("Enter", "Space")
        self.page.keyboard.press(key)
        self.presses += 1


def test_the_whole_flow_with_the_keyboard_alone(page: Page, app_url: str) -> None:
    """Example → prompt → generate (offline) → document → answer a question → run again → download: Tab, Shift+Tab,
    Enter and Space, typing only the answer. In the tab list the arrow keys move between tabs (the WAI-ARIA tabs
    pattern that Streamlit follows: only the chosen tab is in the Tab order)."""
    open_app(page, app_url)
    keys = Keyboard(page)
    keys.move_to("Example brief")
    keys.press("Space")  # opens the list, the first example highlighted
    keys.press("Enter")  # chooses it
    expect(page.get_by_role("combobox", name="Example brief")).to_have_value(re.compile("B2B"))
    keys.move_to("Use this example")
    keys.press("Enter")
    expect(page.get_by_label("Product name (required)", exact=True)).not_to_have_value("")
    keys.move_to("Next: check the prompt")
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1, name=re.compile("Check the prompt"))).to_be_visible()

    keys.move_to("Next: generate the document")
    keys.press("Space")
    expect(page.get_by_role("heading", level=1, name=re.compile("Generate the document"))).to_be_visible()
    keys.move_to("Generate version 1")
    keys.press("Enter")
    expect(page.get_by_text(re.compile(r"Version 1 is ready"))).to_be_visible(timeout=30_000)
    keys.move_near("Open the document")
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1, name=re.compile("Your document"))).to_be_visible()

    open_tab(keys, "Questions")
    first_question = page.get_by_role("tabpanel").get_by_role("textbox").first.get_attribute("aria-label") or "?"
    keys.move_to(first_question)
    page.keyboard.type("The busiest hour is 9 AM Eastern, with 12,000 people online at once")
    keys.move_to(re.compile("."))  # Tab out of the box: Streamlit keeps the answer
    expect(page.get_by_text(re.compile(r"1 of \d+ answered"))).to_be_visible()
    keys.move_to("Run again with these answers")
    keys.press("Enter")
    expect(page.get_by_text(re.compile(r"Version 2 is ready"))).to_be_visible(timeout=30_000)
    keys.move_near("Open the document")
    keys.press("Enter")
    expect(page.get_by_text("What changed since the previous version")).to_be_visible()

    open_tab(keys, "Download and share")
    keys.move_to("Markdown (.md)")
    with page.expect_download() as download:
        keys.press("Enter")
    assert download.value.suggested_filename.endswith("-v2.md")
    assert "9 AM Eastern" in download.value.path().read_text()


def open_tab(keys: Keyboard, name: str) -> None:
    keys.move_to(re.compile(r"^\S+ Document$"))  # the document's tab list: the chosen tab is its Tab stop
    keys.move_to(name, key="ArrowRight", budget=10)
    keys.press("Enter")
    expect(keys.page.get_by_role("tab", name=re.compile(name))).to_have_attribute("aria-selected", "true")


# ── 200% zoom on a 1280×720 projector ─────────────────────────────────────────────────────────────────────────
@pytest.fixture
def zoomed_page(browser: Browser) -> Iterator[Page]:
    """1280×720 at 200% zoom: 640×360 CSS pixels, each drawn with 2×2 device pixels."""
    context = browser.new_context(viewport={"width": 640, "height": 360}, device_scale_factor=2)
    yield context.new_page()
    context.close()


def test_every_page_at_200_percent_zoom_needs_no_sideways_scrolling(zoomed_page: Page, app_url: str) -> None:
    page = zoomed_page  # on a screen this narrow Streamlit folds the sidebar away: each page's own button leads on
    open_app(page, app_url)
    assert_fits_the_screen(page)
    name = page.get_by_label("Product name (required)", exact=True)
    name.fill("TaskFlow Pro, a project-management app for teams of 5 to 500 people")
    name.press("Enter")
    expect(page.get_by_test_id("stSidebarNavLink").nth(0)).to_contain_text("check_circle")  # the brief is done
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Next: check the prompt").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Check the prompt"))).to_be_visible()
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Next: generate the document").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Generate the document"))).to_be_visible()
    page.get_by_text("Offline draft").first.click()
    page.get_by_role("button", name=re.compile(r"Generate version \d")).click()
    expect(page.get_by_text(re.compile(r"Version \d+ is ready"))).to_be_visible(timeout=30_000)
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Open the document").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Your document"))).to_be_visible()
    assert_fits_the_screen(page)
    for name in ("Questions", "Edit", "History and compare", "Download and share"):
        page.get_by_role("tab", name=re.compile(name)).click()
        expect(page.get_by_role("tab", name=re.compile(name))).to_have_attribute("aria-selected", "true")
        assert_fits_the_screen(page)
