"""A show folder shared by a collective: what one member drops in never runs code, never
reaches outside the folder, and never takes the build down; a broken episode stays online."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from pipeline import feeds, state
from pipeline.cli import cli
from tests.conftest import write_outline, write_tone

pytestmark = pytest.mark.slow  # each build runs Whisper over two short tones

RAIN = """
title: Rain gear that works
date: 2026-09-03
number: 1
"""
ROUTES = """
title: Quiet routes
date: 2026-09-17
number: 2
"""
RAIN_MP3 = "episodes/2026-09-03-rain/2026-09-03-rain.mp3"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def tones(show: Path) -> Path:
    """Two episodes with a short tone each, and an issue, built once into feeds/."""
    rain = show / "episodes" / "2026-09-03-rain"
    write_outline(rain, RAIN, "Rain.\n\n## Jackets\n\nDry.\n")
    write_tone(rain / "take.wav", 1.5)
    routes = show / "episodes" / "2026-09-17-routes"
    write_outline(routes, ROUTES, "## Parks\n\nQuiet paths.\n")
    write_tone(routes / "take.wav", 1.5)
    (show / "issues" / "2026-09-letter.md").write_text(
        "---\ntitle: September letter\ndate: 2026-09-30\n---\nListen to [[2026-09-03-rain]].\n"
    )
    result = run("build", "--root", str(show))
    assert result.exit_code == 0, result.stderr
    return show


def break_episode(show: Path, slug: str = "2026-09-03-rain") -> Path:
    outline = show / "episodes" / slug / "outline.md"
    outline.write_text(outline.read_text().replace("number: 1", "number: [1"))
    return outline


def titles(feed: Path) -> list[str]:
    return [e.title for e in feedparser.parse(feed.read_bytes()).entries]


def outside_file(show: Path, name: str = "secret.txt", text: str = "not the show's") -> Path:
    path = show.parent / name
    path.write_text(text)
    return path


# --- the last good version: JSON, never pickle --------------------------------------------


def test_the_last_good_version_is_json(tones: Path):
    kept = tones / ".pipeline/published"
    assert sorted(p.name for p in kept.iterdir()) == [
        "2026-09-03-rain.json",
        "2026-09-17-routes.json",
        "2026-09-letter.json",
    ]
    doc = json.loads((kept / "2026-09-03-rain.json").read_text())
    assert doc["kind"] == "Episode" and doc["item"]["title"] == "Rain gear that works"
    assert doc["item"]["folder"] == "episodes/2026-09-03-rain"  # relative to the show
    stamps = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}
    assert run("build", "-q", "--root", str(tones)).exit_code == 0
    assert {p.name: p.stat().st_mtime_ns for p in kept.iterdir()} == stamps  # nothing new


def test_a_pickle_in_the_state_folder_never_runs(tones: Path):
    marker = tones.parent / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    kept = tones / ".pipeline/published"
    (kept / "2026-09-03-rain.json").unlink()
    (kept / "2026-09-03-rain.pickle").write_bytes(pickle.dumps(Payload()))
    break_episode(tones)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert not marker.exists()
    assert (
        f"warning: {kept}/2026-09-03-rain.pickle: was kept by an older version of the pipeline "
        "and is never read; 2026-09-03-rain stays offline until it is fixed"
    ) in result.stderr
    assert titles(tones / "feeds/podcast.xml") == ["Quiet routes"]
    assert not (tones / "feeds" / RAIN_MP3).exists()  # no enclosure left pointing at nothing
    assert not (kept / "2026-09-03-rain.pickle").exists()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "cannot be read (JSONDecodeError)"),
        (json.dumps({"format": 99, "kind": "Episode", "item": {}}), "another version"),
        ("[" * 100_000, "cannot be read (RecursionError)"),
    ],
)
def test_an_unreadable_last_good_version_is_ignored_with_a_warning(tones: Path, content, why):
    kept = tones / ".pipeline/published/2026-09-03-rain.json"
    kept.write_text(content)
    break_episode(tones)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert f"warning: {kept}: " in result.stderr and why in result.stderr
    assert "so 2026-09-03-rain stays offline until it is fixed" in result.stderr
    assert titles(tones / "feeds/podcast.xml") == ["Quiet routes"]
    assert "Traceback" not in result.output


def test_a_tampered_last_good_version_cannot_publish_a_file_from_outside(tones: Path):
    secret = outside_file(tones)
    kept = tones / ".pipeline/published/2026-09-03-rain.json"
    doc = json.loads(kept.read_text())
    doc["item"]["audio"]["path"] = "../secret.txt"
    kept.write_text(json.dumps(doc))
    shutil.rmtree(tones / "feeds")
    break_episode(tones)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert "item.audio.path: leads outside the show folder" in result.stderr
    published = [p.read_bytes() for p in (tones / "feeds").rglob("*") if p.is_file()]
    assert secret.read_bytes() not in published


# --- a broken episode stays online ---------------------------------------------------------


def test_a_broken_episode_stays_online_in_a_new_output_folder(tones: Path, tmp_path: Path):
    page = (tones / "feeds/episodes/2026-09-03-rain/index.html").read_bytes()
    shutil.rmtree(tones / "feeds")
    break_episode(tones)
    elsewhere = tmp_path / "public"
    for out in (tones / "feeds", elsewhere):
        result = run("build", "--root", str(tones), "--out", str(out))
        assert result.exit_code == 1
        assert "kept the last published version of 2026-09-03-rain" in result.stdout
        assert (out / "episodes/2026-09-03-rain/index.html").read_bytes() == page
        assert (out / RAIN_MP3).stat().st_size > 1000
        assert (out / "episodes/2026-09-03-rain/transcript.vtt").is_file()
        assert titles(out / "podcast.xml") == ["Quiet routes", "Rain gear that works"]
        assert "September letter" in (out / "index.html").read_text()


def test_without_cache_the_published_audio_keeps_the_item(tones: Path):
    shutil.rmtree(tones / ".pipeline/master")
    break_episode(tones)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert titles(tones / "feeds/podcast.xml") == ["Quiet routes", "Rain gear that works"]
    assert (tones / "feeds" / RAIN_MP3).stat().st_size > 1000


def test_with_its_audio_gone_everywhere_the_item_is_dropped(tones: Path):
    shutil.rmtree(tones / ".pipeline/master")
    shutil.rmtree(tones / "feeds")
    break_episode(tones)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert "the last published audio of 2026-09-03-rain is gone" in result.stderr
    assert titles(tones / "feeds/podcast.xml") == ["Quiet routes"]
    assert not (tones / "feeds/episodes/2026-09-03-rain").exists()


def test_a_removed_episode_goes_offline(tones: Path):
    shutil.rmtree(tones / "episodes/2026-09-03-rain")
    result = run("build", "--root", str(tones))
    assert result.exit_code == 0, result.stderr
    assert titles(tones / "feeds/podcast.xml") == ["Quiet routes"]
    assert not (tones / ".pipeline/published/2026-09-03-rain.json").exists()


# --- templates run in the sandbox -----------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('touch pwned') }}",
        "{{ site.__class__.__init__.__globals__ }}",
    ],
)
def test_a_template_that_reaches_for_python_fails_with_its_name(tones: Path, expression):
    page = tones / "feeds/index.html"
    before = page.read_bytes()
    (tones / "templates").mkdir()
    (tones / "templates/footer.html").write_text(f"<footer>{expression}</footer>\n")
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert f"error: {tones}/templates/footer.html: the template footer.html (line 1) failed: " in (
        result.stderr
    )
    assert "(index.html is kept as it was)" in result.stderr
    assert page.read_bytes() == before  # the last good page stays
    assert not (tones / "pwned").exists() and not Path("pwned").exists()
    assert "Traceback" not in result.output


def test_a_typo_in_a_template_names_the_template_and_line(tones: Path):
    (tones / "templates").mkdir()
    (tones / "templates/footer.html").write_text("<footer>\n{{ site.titel }}\n</footer>\n")
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert (
        f"error: {tones}/templates/footer.html: the template footer.html (line 2) failed: "
        "'pipeline.model.Site object' has no attribute 'titel'; fix it in templates/"
    ) in result.stderr


def test_a_template_linked_from_outside_is_refused(tones: Path):
    secret = outside_file(tones, "footer.html", "<footer>{{ site.title }} from outside</footer>")
    (tones / "templates").mkdir()
    (tones / "templates/footer.html").symlink_to(secret)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert (
        f"error: {tones}/templates/footer.html: the template footer.html failed: "
        "templates/footer.html leads outside the show folder; replace the link"
    ) in result.stderr
    assert "from outside" not in (tones / "feeds/index.html").read_text()


# --- the output and state folders ------------------------------------------------------------


@pytest.mark.parametrize("inside", [".", "episodes", "episodes/2026-09-03-rain", "feeds/sub"])
def test_out_inside_the_show_other_than_feeds_is_refused(tones: Path, inside: str):
    before = sorted(p.relative_to(tones) for p in tones.rglob("*"))
    result = run("build", "--root", str(tones), "--out", str(tones / inside))
    assert result.exit_code == 2
    assert "choose" in result.stderr
    assert sorted(p.relative_to(tones) for p in tones.rglob("*")) == before


def test_out_may_name_feeds_itself(tones: Path):
    result = run("build", "--root", str(tones), "--out", str(tones / "feeds"))
    assert result.exit_code == 0, result.stderr
    assert "0 files written" in result.stdout


def test_feeds_that_links_out_of_the_show_is_refused(tones: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    shutil.move(tones / "feeds", elsewhere)
    (tones / "feeds").symlink_to(elsewhere)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {tones.resolve()}/feeds: is a link to {elsewhere}; remove the link, or "
        f"publish there on purpose with --out {elsewhere}\n"
    )


def test_links_in_the_state_folder_are_not_written_through(tones: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(tones / ".pipeline/master")
    (tones / ".pipeline/master").symlink_to(elsewhere)
    assert run("build", "--root", str(tones)).exit_code == 0
    assert list(elsewhere.iterdir()) == []
    assert not (tones / ".pipeline/master").is_symlink()
    shutil.rmtree(tones / ".pipeline")
    (tones / ".pipeline").symlink_to(elsewhere)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 2
    assert "is a link or leads outside the show folder; remove it" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_the_state_folder_is_never_committed(tones: Path):
    assert (tones / ".pipeline/.gitignore").read_text().splitlines()[-1] == "*"


def test_a_tampered_manifest_removes_nothing_outside_the_output(tones: Path):
    victim = outside_file(tones, "victim.txt", "a host's file")
    (manifest,) = (tones / ".pipeline").glob("manifest-*.json")
    doc = json.loads(manifest.read_text())
    for path in ("../../victim.txt", str(victim), "../victim.txt", "episodes/../../victim.txt"):
        doc["files"][path] = {"sha256": "0", "size": 1, "owner": None}
    manifest.write_text(json.dumps(doc))
    result = run("build", "--root", str(tones))
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "a host's file"
    assert f"warning: {manifest}: names '../../victim.txt', which is not a file" in result.stderr
    assert json.loads(manifest.read_text())["files"].keys() == {
        p.relative_to(tones / "feeds").as_posix()
        for p in (tones / "feeds").rglob("*")
        if p.is_file()
    }


def test_a_link_inside_the_output_is_not_written_through(tones: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = tones / "feeds/episodes/2026-09-03-rain"
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere)
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert "lies in a folder that links out of the output folder" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_a_killed_build_leaves_no_temporary_files_behind(tones: Path):
    leftovers = [
        tones / "feeds/.index.html.k2j3h4.tmp",
        tones / "feeds/episodes/2026-09-03-rain/.transcript.vtt.x1.tmp",
        tones / ".pipeline/master/.2026-09-03-rain.0123.mp3.77.tmp",
        tones / "episodes/2026-09-03-rain/.transcript.json.abc.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b"half written")
    own = tones / "episodes/2026-09-03-rain/.notes.tmp"  # a host's file, by its name
    own.write_text("mine")
    assert run("build", "--root", str(tones)).exit_code == 0
    assert [p for p in leftovers if p.exists()] == []
    assert own.read_text() == "mine"


# --- a feed that would not parse is never published ---------------------------------------


def test_a_feed_that_would_not_parse_keeps_the_last_good_one(tones: Path, monkeypatch):
    feed = tones / "feeds/newsletter.xml"
    before = feed.read_bytes()
    (tones / "issues/2026-10-letter.md").write_text(
        "---\ntitle: October letter\ndate: 2026-10-30\n---\nHello.\n"
    )
    good = feeds.newsletter_feed
    monkeypatch.setattr(
        feeds, "newsletter_feed", lambda show, art: feeds.FeedResult(good(show, art).xml[:-40])
    )
    result = run("build", "--root", str(tones))
    assert result.exit_code == 1
    assert "newsletter.xml could not be written" in result.stderr
    assert "the last good newsletter.xml stays published" in result.stderr
    assert feed.read_bytes() == before
    assert "October letter" in (tones / "feeds/index.html").read_text()  # the rest is built


def test_the_lock_is_held_by_every_writing_command(tones: Path):
    with state.lock(tones):
        for command in ("build", "transcribe", "check"):
            result = run(command, "--root", str(tones))
            assert result.exit_code == 3, command
            assert "another build" in result.stderr


# --- what a rebuild does not redo -----------------------------------------------------------


def test_a_rebuild_reads_no_recording_that_did_not_change(tones: Path, monkeypatch):
    from pipeline import audio

    probed: list[str] = []
    original = audio.probe

    def counted(path):
        probed.append(Path(path).name)
        return original(path)

    monkeypatch.setattr(audio, "probe", counted)
    assert run("build", "-q", "--root", str(tones)).exit_code == 0
    assert probed == []  # size, mtime and inode unchanged: the last build's probe is used
    take = tones / "episodes/2026-09-17-routes/take.wav"
    os.utime(take, ns=(take.stat().st_atime_ns, take.stat().st_mtime_ns + 1_000_000))
    assert run("build", "-q", "--root", str(tones)).exit_code == 0
    assert probed == ["take.wav"]
    (tones / ".pipeline/probes.json").write_text('{"format": 1, "probes": {"x": 1e999}}')
    assert run("build", "-q", "--root", str(tones)).exit_code == 0  # unusable: probe again
    assert probed == ["take.wav", "take.wav", "take.wav"]


def test_a_rebuild_with_nothing_to_do_loads_no_audio_or_whisper_library(tones: Path):
    script = (
        "import sys\n"
        "from pipeline.build import build\n"
        "report = build(sys.argv[1])\n"
        "assert report.written == [], report.written\n"
        "print(sorted(m for m in ('av', 'numpy', 'faster_whisper', 'ctranslate2', 'torch')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tones)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
