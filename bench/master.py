"""Benchmark: mastering speed as a real-time factor, the cached rebuild, and peak memory.

    python bench/master.py                 10 minutes of mono speech, WAV 44.1 kHz
    python bench/master.py --minutes 60    a long episode
    python bench/master.py --stereo --source mp3

Each run masters in a fresh child process, so the peak RSS printed is the mastering's own
(the parent generates the recording). The speech is the LibriVox clips of tests/data, tiled with
random levels and a noise floor so that the limiter has peaks to work on.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from pipeline import audio, master
from pipeline.model import Episode, Recording, Site

REPO = Path(__file__).resolve().parents[1]
LIBRIVOX = REPO / "tests" / "data" / "librivox"
RATE = 44100


def make_recording(path: Path, minutes: float, channels: int, source: str) -> None:
    """Write ``minutes`` of speech-like audio, 44.1 kHz, as WAV or 128 kbps MP3."""
    clips = [
        audio.decode(p, sample_rate=RATE, mono=True)[0][0] for p in sorted(LIBRIVOX.glob("*.wav"))
    ]
    if not clips:
        clips = [np.sin(2 * np.pi * 220 * np.arange(RATE * 5) / RATE).astype(np.float32) * 0.3]
    rng = np.random.default_rng(7)
    total = int(minutes * 60 * RATE)
    if source == "mp3":
        writer = audio.Mp3Writer(path, RATE, channels, 128 * channels)
    else:
        writer = _WavWriter(path, channels)
    written = 0
    while written < total:
        clip = clips[rng.integers(len(clips))]
        level = np.float32(10 ** (rng.uniform(-12, 0) / 20))
        block = clip[: total - written] * level
        block = block + rng.normal(0, 0.002, len(block)).astype(np.float32)
        if channels == 2:
            block = np.vstack([block, np.roll(block, 17) * np.float32(0.8)])
        writer.write(block)
        written += block.shape[-1]
    writer.close()


class _WavWriter:
    def __init__(self, path: Path, channels: int) -> None:
        import av

        self.layout = "mono" if channels == 1 else "stereo"
        self.container = av.open(str(path), "w", format="wav")
        self.stream = self.container.add_stream("pcm_s16le", rate=RATE, layout=self.layout)
        self.av = av

    def write(self, block: np.ndarray) -> None:
        block = np.atleast_2d(block)
        pcm = (np.clip(block, -1, 1) * 32767).astype(np.int16)
        interleaved = pcm.T.reshape(1, -1)
        frame = self.av.AudioFrame.from_ndarray(interleaved, format="s16", layout=self.layout)
        frame.sample_rate = RATE
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode(None):
            self.container.mux(packet)
        self.container.close()


def floor(source: Path, dest: Path, channels: int) -> float:
    """Seconds to decode the file and encode it, at one fixed gain, to the same MP3 (PyAV):
    what no mastering can beat."""
    started = time.perf_counter()
    with audio.Mp3Writer(dest, RATE, channels, 64 * channels) as writer:
        for block in audio.Blocks(source, RATE, "mono" if channels == 1 else "stereo"):
            writer.write(block * np.float32(0.5))
    return time.perf_counter() - started


def child(recording_path: Path, cache: Path) -> None:
    """Master the recording three ways and print the timings as JSON."""
    site = Site(
        title="Bench",
        url="https://bench.example.org/",
        description="Benchmark show.",
        language="en",
        author="Bench",
        email="bench@example.org",
        categories=("Technology",),
    )
    started = time.perf_counter()
    recording = Recording((audio.probe(recording_path),))
    probe_s = time.perf_counter() - started
    episode = Episode(
        slug="bench",
        folder=recording_path.parent,
        title="Bench",
        date=datetime(2024, 1, 1, tzinfo=UTC),
        body="",
        recording=recording,
    )
    marks: list[tuple[float, float]] = []
    started = time.perf_counter()
    first = master.master_episode(
        episode,
        site,
        cache,
        None,
        lambda done, total: marks.append((time.perf_counter(), done / total)),
    )
    first_s = time.perf_counter() - started
    # master.py reports decode and measure up to 10 %, the limiter's loudness fit up to
    # 30 %, the encode up to 85 %, the check of the encoded file up to 100 %.
    phases = {}
    previous = started
    for name, edge in (("decode+measure", 0.1), ("fit", 0.3), ("limit+encode", 0.85)):
        at = next((t for t, f in marks if f >= edge - 1e-9), previous)
        phases[name] = at - previous
        previous = at
    phases["verify"] = started + first_s - previous
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floor_s = floor(recording_path, cache / "floor.mp3", 1 if recording.channels == 1 else 2)
    started = time.perf_counter()
    master.master_episode(episode, site, cache, None)
    cached_s = time.perf_counter() - started
    started = time.perf_counter()
    master.master_episode(replace(episode, title="Bench, retitled"), site, cache, None)
    retag_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "duration": recording.duration,
                "probe_s": probe_s,
                "first_s": first_s,
                "cached_s": cached_s,
                "retag_s": retag_s,
                "rss_mb": rss_mb,
                "loudness": first.loudness,
                "true_peak": first.true_peak,
                "size": first.size,
                "phases": phases,
                "floor_s": floor_s,
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--stereo", action="store_true")
    parser.add_argument("--source", choices=("wav", "mp3"), default="wav")
    parser.add_argument("--child", nargs=2, metavar=("RECORDING", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / f"recording.{args.source}"
        started = time.perf_counter()
        make_recording(recording, args.minutes, 2 if args.stereo else 1, args.source)
        print(f"generated {args.minutes:g} min in {time.perf_counter() - started:.1f} s")
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(recording), str(Path(tmp) / "cache")],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(result.stdout.strip().splitlines()[-1])
    kind = f"{'stereo' if args.stereo else 'mono'} {args.source.upper()} 44.1 kHz"
    print(f"recording:  {r['duration'] / 60:.1f} min, {kind}")
    print(f"probe:      {r['probe_s']:.1f} s (load stage, not mastering)")
    print(f"master:     {r['first_s']:.1f} s = {r['duration'] / r['first_s']:.1f}x real time")
    print("  phases:   " + ", ".join(f"{k} {v:.1f} s" for k, v in r["phases"].items()))
    print(
        f"floor:      {r['floor_s']:.1f} s to decode and encode at a fixed gain (PyAV, LAME): "
        f"mastering takes {r['first_s'] / r['floor_s']:.2f}x that (target <= 3x)"
    )
    print(f"cached:     {r['cached_s'] * 1000:.1f} ms")
    print(f"re-tag:     {r['retag_s'] * 1000:.1f} ms")
    print(f"peak RSS:   {r['rss_mb']:.0f} MB (mastering child process)")
    print(f"published:  {r['loudness']} LUFS, {r['true_peak']} dBTP, {r['size'] / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
