"""The transcript editor in a real browser: a host opens ``/edit/<slug>/`` from the printed
address, listens, corrects a segment, names a speaker and saves; the page is rebuilt and a
later build keeps the correction.

The show is the one of ``tests/test_edit.py`` (generated tones with the transcript Whisper
would give); the browser is the system's Chromium driven by Playwright, as in
``tests/test_browser.py``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import build
from pipeline.edit import Editor
from pipeline.transcribe import store
from tests.chromium import headless_chromium, require_chromium
from tests.test_edit import SLUG, TOKEN, Served, make_show, serve_editor

sync_api = require_chromium()

TIMEOUT_MS = 15_000  # for the page to do what it should; a pass takes a fraction of this
FIXED = "So the long fenders keep Rufus dry all winter."


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_show(tmp_path_factory.mktemp("edit-browser") / "show")


@pytest.fixture
def served(built: Path, tmp_path: Path) -> Iterator[Served]:
    root = tmp_path / "show"
    shutil.copytree(built, root)
    yield from serve_editor(root, Editor(root, root / "feeds", build=build.build))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module; Playwright downloads no browser of its own."""
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def open_editor(page, served: Served) -> None:
    """From the printed address's list of episodes to the editor, segments loaded."""
    page.goto(f"{served.url}edit/?token={TOKEN}")
    page.get_by_role("link", name=SLUG).click()
    page.wait_for_url(f"**/edit/{SLUG}/?token=*")
    page.locator("#segments li.segment").first.wait_for()


def test_a_host_corrects_a_segment_names_a_speaker_and_saves(page, served: Served):
    open_editor(page, served)
    segments = page.locator("#segments li.segment")
    t = store.read(served.transcript)
    assert t is not None
    assert segments.count() == len(t.segments)
    assert page.locator("#segments mark.unsure").count() == 1  # the word heard at p = 0.3
    assert page.locator("#save").is_disabled()

    # A click on a segment plays it from its start.
    third = segments.nth(2)
    third.locator(".text").click()
    page.wait_for_function(
        "want => { const p = document.getElementById('player');"
        " return !p.seeking && Math.abs(p.currentTime - want) < 0.5; }",
        arg=t.segments[2].start,
    )
    assert "active" in (third.get_attribute("class") or "")
    page.keyboard.press("Escape")  # pause
    page.wait_for_function("() => document.getElementById('player').paused")

    # Correct the text: select it all and type.
    third.locator(".text").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(FIXED)
    assert page.locator("#change-count").inner_text() == "1 segment"
    assert "changed" in (third.get_attribute("class") or "")

    # Name SPEAKER_1 everywhere at once.
    rename = page.locator("#speakers input.rename").nth(1)
    assert rename.input_value() == "SPEAKER_1"
    rename.fill("Ben")
    rename.press("Tab")
    speakers = [segments.nth(i).locator("input.speaker").input_value() for i in range(4)]
    assert speakers == ["SPEAKER_0", "Ben", "SPEAKER_0", "Ben"]
    odd = len(t.segments) // 2
    assert page.locator("#change-count").inner_text() == f"{1 + odd} segments"

    page.keyboard.press("Control+S")
    status = page.locator("#status")
    status.filter(has_text="Saved; the page is rebuilt").wait_for()
    assert page.locator("#change-count").inner_text() == "none"

    after = store.read(served.transcript)
    assert after is not None and after.edited
    assert after.segments[2].text == FIXED
    assert {s.speaker for s in after.segments[1::2]} == {"Ben"}
    assert [w.start for w in after.words] == [w.start for w in t.words]

    page.goto(f"{served.url}episodes/{SLUG}/index.html")
    assert page.locator("#transcript", has_text="keep Rufus dry all winter").count() == 1
    report = build.build(served.root)
    assert not report.problems.errors
    assert store.read(served.transcript) == after
    page.reload()
    assert page.locator("#transcript", has_text="keep Rufus dry all winter").count() == 1


def test_a_stale_save_keeps_the_hosts_text_and_one_click_keeps_both_versions(page, served: Served):
    open_editor(page, served)
    text = page.locator("#segments li.segment").first.locator(".text")
    text.click()
    page.keyboard.press("End")
    page.keyboard.type(" (fixed)")
    edited = text.inner_text()
    doc = json.loads(served.transcript.read_text())
    doc["segments"][-1]["text"] += " (by hand)"  # a co-host's edit, in another segment
    served.transcript.write_text(json.dumps(doc))
    page.locator("#save").click()
    page.locator("#status").filter(has_text="changed on disk").wait_for()
    assert text.inner_text() == edited
    assert page.locator("#change-count").inner_text() == "1 segment"
    assert "(fixed)" not in served.transcript.read_text()

    page.get_by_role("button", name="Load the new version and keep my changes").click()
    page.locator("#status").filter(has_text="check and save").wait_for()
    assert text.inner_text() == edited
    page.locator("#save").click()
    page.locator("#status").filter(has_text="Saved").wait_for()
    saved = json.loads(served.transcript.read_text())["segments"]
    assert saved[0]["text"] == edited and saved[-1]["text"].endswith(" (by hand)")


def test_without_the_token_the_editor_reads_but_cannot_save(page, served: Served):
    page.goto(f"{served.url}edit/{SLUG}/")
    page.locator("#segments li.segment").first.wait_for()
    assert "Read only" in page.locator("#status").inner_text()
    page.locator("#segments li.segment .text").first.click()
    page.keyboard.type("x")
    assert page.locator("#save").is_disabled()
