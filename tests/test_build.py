"""A host's story: drop recordings and outlines into a show folder, run `pipeline build`."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import write_outline, write_tone

REPO = Path(__file__).resolve().parents[1]

RAIN = """
title: Rain gear that works
date: 2026-09-03
summary: Jackets & fenders, and what keeps you dry.
number: 1
topics: [rain]
"""
ROUTES = """
title: Quiet routes
date: 2026-09-17
number: 2
topics: [rain, routes]
"""


@contextlib.contextmanager
def lock_holder(show: Path) -> Iterator[subprocess.Popen]:
    """Another process holding the show's lock until its stdin closes (or it is killed)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pipeline import state\n"
            "with state.lock(sys.argv[1]):\n"
            "    print('held', flush=True)\n"
            "    sys.stdin.read()\n",
            str(show),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"  # blocks until the lock is taken
        yield holder
    finally:
        holder.stdin.close()
        holder.wait()
        holder.stdout.close()


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def two_episodes(show, speak):
    rain = show / "episodes" / "2026-09-03-rain"
    write_outline(rain, RAIN, "We talk about rain.\n\n## Jackets\n\nSee [[2026-09-17-routes]].\n")
    shutil.copy(speak("Welcome to the show. Today we talk about rain jackets."), rain / "take.wav")
    routes = show / "episodes" / "2026-09-17-routes"
    write_outline(routes, ROUTES, "## Parks\n\nQuiet paths.\n")
    shutil.copy(speak("The quiet route goes through the park.", voice="en-gb"), routes / "take.wav")
    (show / "issues" / "2026-09-letter.md").write_text(
        "---\ntitle: September letter\ndate: 2026-09-30\n---\nListen to [[2026-09-03-rain]].\n"
    )
    return show


@pytest.mark.slow
def test_build_publishes_pages_feeds_and_transcripts(two_episodes):
    show = two_episodes
    result = run("build", "--root", str(show))
    assert result.exit_code == 0, result.output
    feeds = show / "feeds"
    assert result.stdout.startswith(f"Built 2 episodes into {feeds}: ")
    assert "transcribed 2026-09-03-rain, 2026-09-17-routes." in result.stdout

    index = (feeds / "index.html").read_text()
    assert "Rain gear that works" in index and "Quiet routes" in index
    assert "Jackets &amp; fenders" in index  # escaped, intact

    page = (feeds / "episodes/2026-09-03-rain/index.html").read_text()
    assert 'src="2026-09-03-rain.mp3"' in page
    assert "welcome to the show" in page.lower()  # the transcript, from the real model
    assert 'href="../../episodes/2026-09-17-routes/index.html"' in page  # [[slug]]
    assert (feeds / "episodes/2026-09-03-rain/2026-09-03-rain.mp3").stat().st_size > 1000
    vtt = (feeds / "episodes/2026-09-03-rain/transcript.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "<v Ada>" in vtt  # the show's only host

    assert "Listen to" in (feeds / "issues/2026-09-letter/index.html").read_text()
    feed = feedparser.parse((feeds / "podcast.xml").read_bytes())
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Quiet routes", "Rain gear that works"]
    enclosure = feed.entries[1].enclosures[0]
    size = (feeds / "episodes/2026-09-03-rain/2026-09-03-rain.mp3").stat().st_size
    assert int(enclosure.length) == size
    assert enclosure.href == "https://rain.example.org/episodes/2026-09-03-rain/2026-09-03-rain.mp3"
    # The host's files are untouched; only transcript.json is added.
    assert sorted(p.name for p in (show / "episodes/2026-09-03-rain").iterdir()) == [
        "outline.md",
        "take.wav",
        "transcript.json",
    ]


@pytest.mark.slow
def test_rebuild_with_nothing_changed_changes_no_byte(two_episodes):
    show = two_episodes
    assert run("build", "--root", str(show)).exit_code == 0
    before = files(show / "feeds")
    transcripts = files(show / "episodes")
    result = run("build", "--root", str(show))
    assert result.exit_code == 0
    assert (
        f"Built 2 episodes into {show / 'feeds'}: 0 files written, {len(before)} unchanged"
        in result.stdout
    )
    assert "transcribed" not in result.stdout
    assert files(show / "feeds") == before
    assert files(show / "episodes") == transcripts


@pytest.mark.slow
def test_broken_episode_keeps_its_last_good_output(two_episodes):
    show = two_episodes
    assert run("build", "--root", str(show)).exit_code == 0
    page = show / "feeds/episodes/2026-09-17-routes/index.html"
    published = page.read_bytes()

    outline = show / "episodes/2026-09-17-routes/outline.md"
    outline.write_text(outline.read_text().replace("number: 2", "number: [2"))
    rain = show / "episodes/2026-09-03-rain/outline.md"
    rain.write_text(rain.read_text().replace("Rain gear that works", "Rain gear, revised"))

    result = run("build", "--root", str(show))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(
        f"error: {outline}: line 5: the front matter is not valid YAML (expected ',' or ']', "
        "but got ':'; while parsing a flow sequence on line 4); fix that line"
    )
    assert "kept the last published version of 2026-09-17-routes" in result.stdout
    assert page.read_bytes() == published
    feed = feedparser.parse((show / "feeds/podcast.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Quiet routes", "Rain gear, revised"]
    assert "Rain gear, revised" in (show / "feeds/index.html").read_text()


@pytest.mark.slow
def test_removed_or_draft_episode_is_unpublished(two_episodes):
    show = two_episodes
    assert run("build", "--root", str(show)).exit_code == 0
    outline = show / "episodes/2026-09-17-routes/outline.md"
    outline.write_text(outline.read_text().replace("number: 2", "number: 2\ndraft: true"))
    result = run("build", "--root", str(show))
    assert result.exit_code == 0
    assert not (show / "feeds/episodes/2026-09-17-routes").exists()
    feed = feedparser.parse((show / "feeds/podcast.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Rain gear that works"]


def test_waiting_episode_warns_and_strict_fails(show, speak):
    write_outline(show / "episodes" / "soon", RAIN)
    result = run("build", "--root", str(show))
    assert result.exit_code == 0
    assert f"warning: {show}/episodes/soon/outline.md: has no recording yet" in result.stderr
    assert not (show / "feeds/episodes/soon").exists()
    assert run("build", "--root", str(show), "--strict").exit_code == 1


@pytest.mark.slow
def test_unreadable_recording_names_the_file_and_others_still_build(two_episodes):
    show = two_episodes
    (show / "episodes/2026-09-17-routes/take.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    result = run("build", "--root", str(show))
    assert result.exit_code == 1
    assert f"error: {show}/episodes/2026-09-17-routes/take.wav: " in result.stderr
    assert (show / "feeds/episodes/2026-09-03-rain/index.html").is_file()


def test_another_build_holds_the_lock(show):
    with lock_holder(show) as holder:
        result = run("build", "--root", str(show))
        assert result.exit_code == 3
        assert result.stderr == (
            f"error: {show}/.pipeline/lock: another build (pid {holder.pid}) is running on "
            "this show; wait for it to finish\n"
        )
        assert run("transcribe", "--root", str(show)).exit_code == 3
        assert run("check", "--root", str(show)).exit_code == 3


def test_a_lock_left_by_a_killed_build_frees_itself(show):
    with lock_holder(show) as holder:
        holder.kill()  # killed while it holds the lock: no chance to clean up
        holder.wait()
        assert (show / ".pipeline/lock.pid").read_text() == f"{holder.pid}\n"
        result = run("build", "--root", str(show))
    assert result.exit_code == 0, result.stderr


@pytest.mark.slow
def test_out_elsewhere(show, tmp_path):
    write_tone(show / "episodes" / "tone" / "a.wav", 2.0)
    write_outline(show / "episodes" / "tone", RAIN)
    out = tmp_path / "public"
    assert run("build", "--root", str(show), "--out", str(out)).exit_code == 0
    assert (out / "episodes/tone/tone.mp3").is_file()
    assert not (show / "feeds").exists()


def test_new_episode_and_issue_never_overwrite(show):
    result = run("new", "episode", "2026-10-01-fog", "--root", str(show))
    assert result.exit_code == 0
    outline = show / "episodes/2026-10-01-fog/outline.md"
    assert result.stdout.startswith(f"Created {outline}.")
    outline.write_text("mine")
    again = run("new", "episode", "2026-10-01-fog", "--root", str(show))
    assert again.exit_code == 1
    assert again.stderr == f"error: {outline} already exists; it was left as it is\n"
    assert outline.read_text() == "mine"
    assert run("new", "issue", "2026-10-letter", "--root", str(show)).exit_code == 0
    assert (show / "issues/2026-10-letter.md").read_text().startswith("---\ntitle: ")
    bad = run("new", "episode", "Bad_Slug", "--root", str(show))
    assert bad.exit_code == 2 and "is not a valid slug" in bad.stderr


def test_new_outline_builds_as_a_waiting_episode(show):
    run("new", "episode", "2026-10-01-fog", "--root", str(show))
    result = run("build", "--root", str(show))
    assert result.exit_code == 0, result.stderr
    assert "has no recording yet" in result.stderr


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("build", "transcribe", "check", "new", "serve"):
        assert command in result.stdout
