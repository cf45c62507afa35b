"""``pipeline watch``: a recording dropped into the show is published once it has arrived."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline import build, state
from pipeline.watch import watch, watched
from tests.conftest import SITE_TOML, write_outline
from tests.test_shorten import SLUG, add_episode, speak

CHAPTERS = (
    ("Welcome", "", ("Welcome back to Rain and Bikes.",)),
    ("Fenders", "Long fenders keep your back dry.", ("Long fenders keep your back dry.",)),
)
# No -u: the watcher flushes each line itself.
WATCH = (sys.executable, "-m", "pipeline", "watch")
TIMEOUT = 15.0  # seconds any one thing the watcher does may take on a slow machine


class Log:
    """What a ``pipeline watch`` subprocess printed, read by a thread as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    @property
    def text(self) -> str:
        with self.changed:
            return "\n".join(self.lines)

    def wait_for(self, found: Callable[[str], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while not found("\n".join(self.lines)):
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    pytest.fail(f"the watcher never printed {what}:\n" + "\n".join(self.lines))
                self.changed.wait(min(left, 0.1))

    def count(self, line: str) -> int:
        with self.changed:
            return self.lines.count(line)


@pytest.fixture
def watcher(show: Path) -> Iterator[Callable[..., Log]]:
    """Start ``pipeline watch --settle 0.5`` (polling unless told) on the show; killed after."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str, poll: bool = True) -> Log:
        process = subprocess.Popen(
            [*WATCH, "--root", str(show), "--settle", "0.5", *args] + (["--poll"] if poll else []),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        processes.append(process)
        log = Log(process)
        log.wait_for(lambda text: "Watching " in text, "that it watches")
        return log

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=TIMEOUT)
        assert process.stdout is not None
        process.stdout.close()


@pytest.mark.parametrize("poll", [True, False], ids=["polling", "events"])
def test_a_recording_is_published_once_it_has_been_copied_in(
    show: Path, tmp_path: Path, watcher: Callable[..., Log], poll: bool
):
    staging = tmp_path / "staging"
    (staging / "episodes").mkdir(parents=True)
    (staging / "site.toml").write_text(SITE_TOML)
    prepared = add_episode(staging, speak(CHAPTERS), chapters=CHAPTERS)  # about 5 s long
    log = watcher(poll=poll)
    assert f"published {SLUG}" not in log.text
    folder = show / "episodes" / SLUG
    folder.mkdir()
    shutil.copy(prepared / "transcript.json", folder / "transcript.json")
    shutil.copy(prepared / "outline.md", folder / "outline.md")
    data = (prepared / "recording.wav").read_bytes()
    chunks = 8
    size = -(-len(data) // chunks)
    with (folder / "recording.wav").open("wb") as copy:
        for k in range(chunks):
            assert f"published {SLUG}" not in log.text, f"published before chunk {k}:\n{log.text}"
            copy.write(data[k * size : (k + 1) * size])
            copy.flush()
            time.sleep(0.2)  # the slow copy itself (a synced drive); not waiting for the watcher
    copied = time.monotonic()
    log.wait_for(lambda text: f"published {SLUG}" in text, f"published {SLUG}")
    log.wait_for(lambda text: text.rstrip().endswith("removed."), "the build's summary")
    assert time.monotonic() - copied < TIMEOUT
    assert (show / "feeds" / "episodes" / SLUG / f"{SLUG}.mp3").is_file()
    assert log.count(f"published {SLUG}") == 1, log.text
    assert "Built 1 episode into" in log.text


def test_a_recording_without_an_outline_is_reported_and_watching_goes_on(
    show: Path, watcher: Callable[..., Log]
):
    log = watcher()
    folder = show / "episodes" / "2026-09-10-no-outline"
    folder.mkdir()
    (folder / "recording.wav.part").write_bytes(b"RIFF")  # still copying: no build for it
    (folder / "recording.wav.part").rename(folder / "recording.wav")
    log.wait_for(
        lambda text: "pipeline new episode 2026-09-10-no-outline" in text,
        "the command that creates the outline",
    )
    assert log.process.poll() is None
    write_outline(show / "episodes" / "2026-09-11-later", "title: Later\ndate: 2026-09-11\n", "")
    log.wait_for(lambda text: "2026-09-11-later" in text, "the next build's report")
    assert log.process.poll() is None
    log.process.send_signal(signal.SIGINT)
    assert log.process.wait(timeout=TIMEOUT) == 0


def test_it_waits_for_another_build_then_builds(show: Path):
    said: list[str] = []
    news = threading.Condition()

    def echo(message: str, *, err: bool = False) -> None:
        with news:
            said.append(message)
            news.notify_all()

    def wait_for(text: str) -> None:
        with news:
            assert news.wait_for(lambda: any(text in line for line in said), TIMEOUT), said

    stop = threading.Event()
    with state.lock(show):
        run = threading.Thread(
            target=watch,
            args=(show,),
            kwargs={"settle": 0.2, "echo": echo, "stop_event": stop, "build": build.build},
        )
        run.start()
        wait_for("waiting: ")
    try:
        wait_for("Watching ")
        assert any(line.startswith("Built 0 episodes into") for line in said)
    finally:
        stop.set()
        run.join(TIMEOUT)
    assert not run.is_alive()
    assert sum(line.startswith("waiting: ") for line in said) == 1


@pytest.mark.parametrize(
    ("name", "asks"),
    [
        ("episodes/2026-09-03-rain-gear/recording.wav", True),
        ("episodes/2026-09-03-rain-gear/outline.md", True),
        ("issues/2026-09.md", True),
        ("site.toml", True),
        ("templates/episode.html", True),
        ("episodes/2026-09-03-rain-gear/recording.wav.part", False),
        ("episodes/2026-09-03-rain-gear/recording.wav.crdownload", False),
        ("episodes/2026-09-03-rain-gear/recording.wav.tmp", False),
        ("episodes/2026-09-03-rain-gear/recording.wav.download", False),
        ("episodes/2026-09-03-rain-gear/~$outline.md", False),
        ("episodes/2026-09-03-rain-gear/.DS_Store", False),
        ("episodes/2026-09-03-rain-gear/.transcript.json.1234", False),
        ("feeds/podcast.xml", False),
        (".pipeline/lock", False),
        ("notes.txt", False),
    ],
)
def test_which_changes_ask_for_a_build(show: Path, name: str, asks: bool):
    assert watched(show, show / name) is asks
