"""Benchmark: one long episode from recording to published feed, end to end.

    python bench/episode.py                 10 minutes of dense speech
    python bench/episode.py --minutes 60

A show with one episode of LibriVox speech tiled to length (bench/master.py's generator)
is built from scratch in a child process: transcription, chapters, mastering (beside the
transcription), the short version, render and publish. Prints the whole build against the
transcription alone and the time the short version adds, measured in the same run, and the
build's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from master import make_recording

SITE = """\
title = "Bench"
url = "https://bench.example.org/"
description = "Benchmark show."
language = "en"
author = "Bench"
email = "bench@example.org"
categories = ["Technology"]
hosts = ["Ada"]
guid = "5b4c1a54-1f3e-5d4e-9b1e-2c7f3e0a8d11"
"""
OUTLINE = "---\ntitle: Long\ndate: 2026-12-01\n---\nA long one.\n\n## Start\n\nNotes.\n"


class Clock:
    """A reporter that times the transcription, from its task's start to its last line, and
    the shorten stage, from its task's start to its end."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.transcribed: float | None = None
        self.shortening: float | None = None
        self.shortened = 0.0

    def task(self, label: str, total: float):
        if label.startswith("transcribe") and self.started is None:
            self.started = time.perf_counter()
        if label.startswith("shorten"):
            self.shortening = time.perf_counter()

            def done(so_far: float, whole: float) -> None:
                if so_far >= whole and self.shortening is not None:
                    self.shortened += time.perf_counter() - self.shortening
                    self.shortening = None

            return done
        return lambda done, total: None

    def finished(self, line: str) -> None:
        if line.startswith("transcribed") and self.started is not None:
            self.transcribed = time.perf_counter() - self.started

    def done(self) -> None:
        pass


def child(root: Path) -> None:
    from pipeline.build import build

    clock = Clock()
    started = time.perf_counter()
    report = build(root, reporter=clock)
    total = time.perf_counter() - started
    assert not report.problems.errors, report.problems.errors
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"total": total, "transcribe": clock.transcribed, "shorten": clock.shortened}
    print(json.dumps({**figures, "rss_mb": rss}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "show"
        folder = root / "episodes" / "2026-12-01-long"
        folder.mkdir(parents=True)
        (root / "site.toml").write_text(SITE)
        (folder / "outline.md").write_text(OUTLINE)
        make_recording(folder / "recording.wav", args.minutes, 1, "wav")
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(root)],
            capture_output=True,
            text=True,
        )
        if result.returncode:
            sys.exit(f"the build failed:\n{result.stderr[-4000:]}")
        r = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"recording:     {args.minutes:g} min of dense speech, mono WAV 44.1 kHz")
    print(f"transcription: {r['transcribe']:.1f} s")
    print(
        f"whole build:   {r['total']:.1f} s = transcription + "
        f"{r['total'] / r['transcribe'] - 1:.0%} (target <= 15%)"
    )
    print(
        f"short version: {r['shorten']:.1f} s, {r['shorten'] / (r['total'] - r['shorten']):.1%} "
        "added to the rest of the build (target <= 10%)"
    )
    print(f"peak RSS:      {r['rss_mb']:.0f} MB (target < 1.5 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
