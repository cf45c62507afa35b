"""Benchmark of ``pipeline watch``: how soon a dropped-in episode is out, and what idling costs.

    python bench/watch.py                  --settle 3 (the default), events and polling
    python bench/watch.py --settle 1 --idle 10

For each way of watching (file events, then --poll) it starts ``pipeline watch`` on a new
show, measures the CPU time the watcher uses while nothing changes for ``--idle`` seconds
(utime + stime of /proc/<pid>/stat), then copies in a generated episode of about a minute
(tones for words, with the transcript Whisper would give, so no Whisper runs): outline and
transcript.json first, then recording.wav in 8 chunks. It reports the time from the end of
the copy to ``published <slug>`` (the feed written), of which ``--settle`` is the wait for
the copy to be complete. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the generated episode of tests/test_shorten.py

from tests.conftest import SITE_TOML  # noqa: E402
from tests.test_shorten import CHAPTERS, SLUG, add_episode, speak  # noqa: E402

MINUTE = CHAPTERS[:3]  # 14 sentences: about a minute of words and pauses
CHUNKS = 8
TICKS = os.sysconf("SC_CLK_TCK")


class Watching:
    """A ``pipeline watch`` subprocess and the lines it printed, each with when it came."""

    def __init__(self, root: Path, settle: float, poll: bool) -> None:
        command = [sys.executable, "-m", "pipeline", "watch", "--root", str(root)]
        command += ["--settle", str(settle)] + (["--poll"] if poll else [])
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
        )
        self.lines: list[tuple[float, str]] = []
        self.news = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.news:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.news.notify_all()

    def when(self, text: str, timeout: float = 120.0) -> float:
        """When a line holding ``text`` came (waits for it)."""
        with self.news:
            found = self.news.wait_for(
                lambda: any(text in line for _t, line in self.lines), timeout
            )
            if not found:
                shown = "\n".join(line for _t, line in self.lines)
                raise SystemExit(f"the watcher never printed {text!r}:\n{shown}")
            return next(t for t, line in self.lines if text in line)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def measure(prepared: Path, settle: float, idle: float, poll: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "show"
        (root / "episodes").mkdir(parents=True)
        (root / "issues").mkdir()
        (root / "site.toml").write_text(SITE_TOML)
        watcher = Watching(root, settle, poll)
        try:
            watcher.when("Watching ")
            time.sleep(1.0)  # let the first build's aftermath pass
            before, started = watcher.cpu_seconds(), time.monotonic()
            time.sleep(idle)
            cpu = (watcher.cpu_seconds() - before) / (time.monotonic() - started)

            folder = root / "episodes" / SLUG
            folder.mkdir()
            shutil.copy(prepared / "outline.md", folder / "outline.md")
            shutil.copy(prepared / "transcript.json", folder / "transcript.json")
            data = (prepared / "recording.wav").read_bytes()
            size = -(-len(data) // CHUNKS)
            with (folder / "recording.wav").open("wb") as copy:
                for k in range(CHUNKS):
                    copy.write(data[k * size : (k + 1) * size])
                    copy.flush()
                    time.sleep(0.1)
            copied = time.monotonic()
            published = watcher.when(f"published {SLUG}")
            assert (root / "feeds" / "episodes" / SLUG / f"{SLUG}.mp3").is_file()
        finally:
            status = watcher.stop()
        return {"cpu": cpu, "latency": published - copied, "status": status}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=3.0, help="seconds (default 3)")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds idle (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "staging"
        (staging / "episodes").mkdir(parents=True)
        (staging / "site.toml").write_text(SITE_TOML)
        spoken = speak(MINUTE)
        prepared = add_episode(staging, spoken, chapters=MINUTE)
        megabytes = (prepared / "recording.wav").stat().st_size / 1e6
        print(f"episode: {spoken.duration:.0f} s of audio, recording.wav {megabytes:.1f} MB")
        print(f"settle: {args.settle:g} s; idle: {args.idle:g} s")
        for poll in (False, True):
            figures = measure(prepared, args.settle, args.idle, poll)
            how = "--poll " if poll else "events "
            print(
                f"{how}: copy end -> published {figures['latency']:5.2f} s "
                f"({figures['latency'] - args.settle:4.2f} s beyond the settle wait); "
                f"idle CPU {100 * figures['cpu']:5.2f} % of a core; "
                f"Ctrl-C exit status {figures['status']:.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
