"""A build killed at any stage, or stopped by a full disk, loses nothing that was published.

The story: the example show was built last week. This week a host adds an episode and a
newsletter issue and retitles an older episode, then runs ``pipeline build``, and the
laptop dies (SIGKILL at a named point, ``tests/killer.py``) or the disk fills up (a fault
injected where every file is written, ``pipeline.files._fill``). Every file under a
published name is then either last week's or this week's, never a part of one, and the next
build finishes the work without transcribing anything again.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

from pipeline import build, files
from pipeline.cli import cli

REPO = Path(__file__).resolve().parents[1]
NEW_EPISODE = "2026-10-01-flat-tires"
NEW_ISSUE = "2026-10-newsletter.md"
RETITLED = "2026-09-03-rain-gear"
SITE_URL = "https://example.org/rain-and-bikes/"  # the example show's site.toml
KILL_TIMEOUT = 300.0  # seconds: a build of the example show takes a few


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file in the output folder, by its path inside it."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def lay_out(root: Path, week: int) -> None:
    """The example show as it was last week (1) or is this week (2)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name in ("site.toml", "artwork.png"):
        shutil.copy(REPO / name, root / name)
    for name in ("episodes", "issues", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.rmtree(root / "episodes" / NEW_EPISODE)
    (root / "issues" / NEW_ISSUE).unlink()
    if week == 2:
        this_week(root)


def this_week(root: Path) -> None:
    """What the host changed since last week's build."""
    shutil.copytree(REPO / "episodes" / NEW_EPISODE, root / "episodes" / NEW_EPISODE)
    shutil.copy(REPO / "issues" / NEW_ISSUE, root / "issues" / NEW_ISSUE)
    outline = root / "episodes" / RETITLED / "outline.md"
    text = outline.read_text()
    assert "title: " in text
    outline.write_text(re.sub(r"(?m)^title: .*$", 'title: "Rain Gear, Revisited"', text, count=1))


class Weeks:
    """Last week's show (built), kept pristine, and this week's output as a clean build gives it."""

    def __init__(self, base: Path) -> None:
        self.root = base / "show"  # every test works here: the manifest names this folder
        self.pristine = base / "pristine"
        lay_out(self.pristine, 1)
        report = build.build(self.pristine)
        assert [str(p) for p in report.problems.errors] == []
        self.last_week = snapshot(self.pristine / "feeds")
        reference = base / "reference"
        lay_out(reference, 2)
        report = build.build(reference)
        assert [str(p) for p in report.problems.errors] == []
        self.this_week = snapshot(reference / "feeds")
        assert self.this_week != self.last_week

    def restore(self) -> Path:
        """Last week's show, built, with this week's changes made and not yet built."""
        if self.root.exists():
            shutil.rmtree(self.root)
        shutil.copytree(self.pristine, self.root, symlinks=True)
        # The manifest is named after the output folder's path: carry last week's over.
        state = self.root / ".pipeline"
        for manifest in state.glob("manifest-*.json"):
            manifest.unlink()
        build.build(self.root)  # same content, now recorded for this folder
        assert snapshot(self.root / "feeds") == self.last_week
        this_week(self.root)
        return self.root


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> Weeks:
    return Weeks(tmp_path_factory.mktemp("weeks"))


def assert_nothing_half_published(out: Path, weeks: Weeks) -> None:
    """Each published name holds last week's file or this week's; the feed's files exist."""
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(out).as_posix()
        if files.LEFTOVER.match(path.name):
            continue  # a hidden temporary file, which the next build removes
        assert path.read_bytes() in (weeks.last_week.get(name), weeks.this_week.get(name)), name
    feed = feedparser.parse((out / "podcast.xml").read_bytes())
    for entry in feed.entries:
        for enclosure in entry.enclosures:
            relative = enclosure.href.removeprefix(SITE_URL)
            assert (out / relative).is_file(), f"the feed points at a missing {relative}"


def kill_build_at(point: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.killer", point, str(root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=KILL_TIMEOUT,
    )


POINTS = [
    "after:load",
    "after:transcribe",
    "after:master",
    "after:shorten",
    "partial:3",
    "rename:1",
    "rename:40",
]  # after:render and manifest: the two tests below


@pytest.mark.parametrize("point", POINTS)
def test_a_build_killed_at_any_stage_is_finished_by_the_next(weeks: Weeks, point: str):
    root = weeks.restore()
    killed = kill_build_at(point, root)
    assert killed.returncode == -9, f"never reached {point}:\n{killed.stdout}{killed.stderr}"
    out = root / "feeds"
    assert_nothing_half_published(out, weeks)

    report = build.build(root)
    assert [str(p) for p in report.problems.errors] == []
    assert report.transcribed == []
    assert snapshot(out) == weeks.this_week  # no leftover, nothing missing, nothing old
    assert not [p for p in root.rglob("*") if files.LEFTOVER.match(p.name)]


def test_a_kill_before_anything_is_published_leaves_last_week_exactly(weeks: Weeks):
    root = weeks.restore()
    assert kill_build_at("after:render", root).returncode == -9
    assert snapshot(root / "feeds") == weeks.last_week


def test_a_kill_at_the_last_rename_leaves_last_weeks_feeds(weeks: Weeks):
    """Feeds are written last, so until the end a podcast app sees last week's feed."""
    root = weeks.restore()
    assert kill_build_at("manifest", root).returncode == -9
    out = root / "feeds"
    # Everything is written by then, feeds included: the manifest comes after them.
    assert snapshot(out) == weeks.this_week


# --- a full disk, a folder without permission ---------------------------------------------


@pytest.fixture
def failing_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[int, int], None]:
    """Make the n-th file written into the show's output fail with ``code`` half-way."""
    real_fill = files._fill

    def fail_at(n: int, code: int) -> None:
        seen = 0

        def fill(dest: Path, f: Any, data: bytes | None, source: Path | None) -> None:
            nonlocal seen
            if "feeds" in dest.parts:
                seen += 1
                if seen == n:
                    content = data if data is not None else Path(source or "").read_bytes()
                    f.write(content[: len(content) // 2])
                    raise OSError(code, os.strerror(code))
            real_fill(dest, f, data, source)

        monkeypatch.setattr(files, "_fill", fill)

    return fail_at


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        (errno.ENOSPC, "the disk is full: free some space, then build again"),
        (
            errno.EACCES,
            "no permission to write there: make the folder yours and writable (chmod u+w), "
            "or publish elsewhere with --out",
        ),
    ],
)
def test_a_write_error_stops_the_build_and_keeps_what_was_published(
    weeks: Weeks,
    failing_disk: Callable[[int, int], None],
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    fix: str,
):
    root = weeks.restore()
    failing_disk(5, code)
    result = CliRunner().invoke(cli, ["build", "-q", "--root", str(root)])
    assert result.exit_code == 4, result.output
    (line,) = result.stderr.splitlines()
    failed = re.fullmatch(
        r"error: (\S+): cannot write it \((.+)\); (.+)\. The file there is the one published "
        r"before\.",
        line,
    )
    assert failed, line
    assert failed.group(3) == fix
    out = root / "feeds"
    name = Path(failed.group(1)).relative_to(out).as_posix()
    assert not (out / name).exists() or (out / name).read_bytes() == weeks.last_week[name]
    assert_nothing_half_published(out, weeks)
    assert (out / "podcast.xml").read_bytes() == weeks.last_week["podcast.xml"]
    assert not [p for p in out.rglob("*") if files.LEFTOVER.match(p.name)]

    monkeypatch.undo()  # the host freed space: the next build publishes everything
    report = build.build(root)
    assert [str(p) for p in report.problems.errors] == []
    assert snapshot(out) == weeks.this_week
