"""The document as the screen shows it: task lists carry their state in text, never as unlabelled check boxes."""

from __future__ import annotations

from specchain.document import for_screen
from specchain.drafting import draft_document
from specchain.exports import MARKDOWN, ExportMeta, to_markdown
from specchain.inputs import ChainInputs
from specchain.steps import load_step

TASKS = """## Launch Readiness Checklist

Before launch:
- [ ] Load testing completed at 2x expected peak
- [x] CDN configured
* [X] Backups restored
1. [ ] Numbered task
> - [ ] Quoted task
- [ ] Parent task
  - [x] Nested task
"""


def test_each_task_box_becomes_a_character_that_says_its_state() -> None:
    shown = for_screen(TASKS)
    assert "- ☐ Load testing completed at 2x expected peak" in shown
    assert "- ☑ CDN configured" in shown
    assert "* ☑ Backups restored" in shown
    assert "1. ☐ Numbered task" in shown
    assert "> - ☐ Quoted task" in shown
    assert "  - ☑ Nested task" in shown
    assert "[ ]" not in shown and "[x]" not in shown.lower()


def test_the_screen_renders_no_check_box_where_the_markdown_had_task_lists() -> None:
    """Rendered as Streamlit does (CommonMark + GitHub's task lists): the same list items, with no <input>."""
    original, shown = MARKDOWN.render(TASKS), MARKDOWN.render(for_screen(TASKS))
    assert original.count('type="checkbox"') == 7
    assert "<input" not in shown
    assert shown.count("<li>") == original.count("<li")  # the same list items, with the same words
    for words in ("Load testing completed at 2x expected peak", "CDN configured", "Nested task"):
        assert words in shown


def test_text_that_only_looks_like_a_task_is_left_as_it_is() -> None:
    text = """A sentence with [x] in it and a [link](https://example.com).
- [link text](https://example.com)
- [ ]no space after the box
- [y] not a box

```markdown
- [ ] a task list shown as code stays as typed
```
"""
    assert for_screen(text) == text


def test_the_offline_draft_shows_its_checklist_as_boxes_and_downloads_keep_real_task_lists() -> None:
    step = load_step()
    example = step.examples[0]
    document = draft_document(ChainInputs(values=example.values))
    assert "- [ ] " in document
    shown = for_screen(document)
    assert "- ☐ " in shown and "<input" not in MARKDOWN.render(shown)
    assert for_screen(shown) == shown  # drawing it twice (a redraw) changes nothing
    meta = ExportMeta(app_name=example.values["app_name"], engine_label="Offline draft (not AI-written)",
                      created="2026-11-28 18:00 UTC", version=1)
    assert b"- [ ] " in to_markdown(document, meta)  # the download is the document, not the screen's version
