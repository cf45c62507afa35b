"""The published pages in a real browser: a listener follows a transcript timestamp, a shared
``#t=`` link or a search result, and the player is at that moment of the episode.

A host drops a half-minute episode in (generated tones and pauses, with the transcript the
build would otherwise make with Whisper), builds the show and serves it with ``pipeline
serve``'s server. A headless Chromium, the system's (Debian ``chromium``; ``.ci/run``
installs it) driven by Playwright, reads the pages as a listener would. Screenshots at phone
and desktop width go to the git-ignored ``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import build
from pipeline.serve import make_server
from tests.chromium import headless_chromium, require_chromium
from tests.conftest import SITE_TOML
from tests.test_shorten import add_episode, speak

sync_api = require_chromium()

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SLUG = "2026-09-03-windy-days"
WORD = "zeppelin"  # said in the second chapter, and nowhere in the notes
TIMEOUT_MS = 10_000  # for the page to do what it should; a pass takes a fraction of this

CHAPTERS = (
    ("Welcome", "", (
        "Welcome back to Rain and Bikes, the show about riding in any weather.",
        "Today we talk about riding in strong wind, and what to wear.",
        "First a story from a listener who rode across the moor.",
    )),
    ("Wind", "Riding into a headwind, and a story from the moor.", (
        f"She saw a {WORD} drift over the moor as the storm came in.",
        "Tuck your elbows in and shift down before the hill.",
        "Thanks for listening, and see you in two weeks.",
    )),
)  # fmt: skip


def _in_the_transcript_only(chapters: tuple) -> bool:
    """The search test means something only if the word is spoken and not written."""
    written = " ".join(f"{title} {notes}" for title, notes, _said in chapters).lower()
    spoken = " ".join(" ".join(said) for _t, _n, said in chapters).lower()
    return WORD in spoken and WORD not in written


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The show built once and served on a free port; yields its base URL."""
    assert _in_the_transcript_only(CHAPTERS)
    root = tmp_path_factory.mktemp("browser") / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML)
    spoken = speak(CHAPTERS)
    assert spoken.duration >= 20
    add_episode(root, spoken, slug=SLUG, title="Windy days", chapters=CHAPTERS)
    report = build.build(root)
    assert not report.problems.errors, [p.message for p in report.problems.errors]
    server = make_server(root / "feeds", port=0)
    # A short poll interval: shutdown() waits for the loop to look, 0.5 s by default.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module; Playwright downloads no browser of its own."""
    with headless_chromium() as chromium:
        yield chromium


# A click is a gesture, so the page's play() then succeeds and the player moves on from where
# it was sent: each page notes where every seek of its player goes, as the seek starts (while
# it seeks, the player stands still at that moment).
SEEKS = """
window.seeks = [];
document.addEventListener("seeking", (event) => {
  if (event.target.id === "player") { window.seeks.push(event.target.currentTime); }
}, true);
"""


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(SEEKS)
    tab = context.new_page()
    yield tab
    context.close()


def episode_url(site: str) -> str:
    return f"{site}episodes/{SLUG}/index.html"


def wait_until_at(page, seconds: float, within: float = 0.5) -> None:
    """Wait for the player's last seek to go to ``seconds`` and land; fail saying where it is."""
    try:
        page.wait_for_function(
            "([want, within]) => { const p = document.getElementById('player');"
            " const last = window.seeks.at(-1);"
            " return p && last !== undefined && Math.abs(last - want) <= within"
            " && !p.seeking && p.readyState >= 1; }",
            arg=[seconds, within],
            timeout=TIMEOUT_MS,
        )
    except sync_api.TimeoutError:
        at = page.evaluate("[document.getElementById('player')?.currentTime, window.seeks]")
        pytest.fail(
            f"the player is at {at[0]} s after seeks to {at[1]}, not at {seconds} s "
            f"(±{within}), at {page.url}"
        )
    # Where the player is now: at the moment, or just after it where it plays on.
    now = page.evaluate("document.getElementById('player').currentTime")
    assert seconds - within <= now <= seconds + within + 2, now


def test_clicking_a_transcript_timestamp_moves_the_player_there(site, page):
    page.goto(episode_url(site))
    stamps = page.locator("#transcript a.ts[data-start]")
    assert stamps.count() == len(CHAPTERS)  # one speaker: a paragraph per chapter
    second = stamps.nth(1)
    start = float(second.get_attribute("data-start"))
    assert start > 10  # far enough in that a seek is no accident
    second.click()
    wait_until_at(page, start, within=0.05)
    assert page.url.endswith(f"#t={second.get_attribute('data-start')}")


@pytest.mark.parametrize("moment", ["#t=12.5", "#t=0:12", "#t=0:00:12", "?t=12"])
def test_a_shared_link_opens_the_episode_at_its_moment(site, page, moment):
    page.goto(episode_url(site) + moment)
    wait_until_at(page, 12.5 if moment == "#t=12.5" else 12.0, within=0.05)


def test_a_word_that_is_only_spoken_finds_the_episode_at_that_moment(site, page):
    page.goto(episode_url(site))
    said = page.locator("#transcript .paragraph", has_text=WORD)
    assert said.count() == 1
    start = float(said.locator("a.ts[data-start]").get_attribute("data-start"))
    assert WORD not in page.locator("section.notes").inner_text().lower()

    response = page.goto(f"{site}search/index.html?q={WORD}")
    assert response is not None and response.status == 200, "no search page"
    first = page.locator("ol#results a").first
    try:
        first.wait_for()
    except sync_api.TimeoutError:
        status = page.locator("#status").all_inner_texts()
        pytest.fail(f"no result for {WORD!r}; the page says {status}")
    href = first.get_attribute("href")
    assert href.startswith(f"../episodes/{SLUG}/index.html#t="), href
    first.click()
    page.wait_for_url(f"**/episodes/{SLUG}/index.html#t=*")
    wait_until_at(page, start, within=0.5)


def test_without_javascript_timestamps_are_links_and_search_shows_its_form(site, browser):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = context.new_page()
        tab.goto(episode_url(site))
        stamps = tab.locator("#transcript a.ts[data-start]")
        assert stamps.count() == len(CHAPTERS)
        for k in range(stamps.count()):
            stamp = stamps.nth(k)
            assert stamp.get_attribute("href") == f"#t={stamp.get_attribute('data-start')}"
        response = tab.goto(f"{site}search/index.html")
        assert response is not None and response.status == 200, "no search page"
        assert tab.locator('form input[type="search"][name="q"]#q').count() == 1
    finally:
        context.close()


@pytest.mark.parametrize(("name", "width", "height"), [("phone", 390, 844), ("desktop", 1280, 900)])
def test_screenshots_of_the_episode_page_at_phone_and_desktop_width(
    site, browser, name, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = context.new_page()
        tab.goto(episode_url(site))
        # Nothing wider than the screen: a phone reader never scrolls sideways.
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"episode-{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
    finally:
        context.close()
