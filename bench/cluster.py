"""Benchmark of transcription on a Dask cluster against a local run; prints figures.

    python bench/cluster.py [--recordings 8] [--minutes 2]

Eight generated recordings of about two minutes (espeak-ng): a local run (Whisper on two
threads) is the baseline; then a LocalCluster on loopback of one worker, and of two, each
running one recording at a time with one Whisper thread (a one-core machine each), so the
ratio of the two is the speed-up one more machine gives. Also: the time from the command's
start to the first task running on a worker, and the bytes sent out and back per recording.
Needs espeak-ng and the cluster extra; skips, saying so, without them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.transcribe import SCRIPT  # noqa: E402
from pipeline import build as builder  # noqa: E402
from tests.conftest import SITE_TOML, _resample_16k  # noqa: E402


def make_show(root: Path, recordings: int, minutes: float) -> None:
    """A show of ``recordings`` episodes, each the script read over and over to ``minutes``."""
    import av

    (root / "episodes").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML)
    lines = [text for _speaker, text in SCRIPT]
    for k in range(recordings):
        folder = root / "episodes" / f"2026-02-{k + 1:02d}-part-{k + 1}"
        folder.mkdir()
        (folder / "outline.md").write_text(
            f"---\ntitle: Part {k + 1}\ndate: 2026-02-{k + 1:02d}\n---\n"
        )
        pieces, seconds, n = [], 0.0, k
        while seconds < minutes * 60:
            text = lines[n % len(lines)]
            n += 3
            raw, wav = folder / "raw.wav", folder / "line.wav"
            voice = ("en-us", "en-gb")[n % 2]
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(150 + 5 * k), "-w", str(raw), text],
                check=True,
                capture_output=True,
            )
            _resample_16k(raw, wav)
            with av.open(str(wav)) as f:
                samples = np.concatenate([fr.to_ndarray()[0] for fr in f.decode(audio=0)])
            pieces += [samples, np.zeros(8000, np.int16)]
            seconds += (len(samples) + 8000) / 16000
            raw.unlink()
            wav.unlink()
        write_wav(folder / "take.wav", np.concatenate(pieces))


def write_wav(path: Path, samples: np.ndarray) -> None:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(samples.astype("<i2").tobytes())


def local_run(template: Path, work: Path) -> tuple[float, dict[str, bytes]]:
    root = work / "local"
    shutil.copytree(template, root)
    started = time.perf_counter()
    report = builder.transcribe(root)
    took = time.perf_counter() - started
    assert not report.problems.items, report.problems.items
    return took, transcripts(root)


def cluster_run(template: Path, work: Path, workers: int) -> dict[str, object]:
    import distributed

    root = work / f"cluster-{workers}"
    shutil.copytree(template, root)
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            preload=["pipeline.transcribe.cluster"],
            env={"PIPELINE_WHISPER_THREADS": "1"},  # a one-core machine each
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as watcher,
    ):
        with distributed.get_task_stream(watcher) as stream:
            wall = time.time()
            started = time.perf_counter()
            report = builder.transcribe(root, scheduler=cluster.scheduler_address)
            took = time.perf_counter() - started
        assert not report.problems.items, report.problems.items
        starts = [
            s["start"]
            for task in stream.data
            for s in task.get("startstops", ())
            if s["action"] == "compute"
        ]
    return {
        "seconds": took,
        "first_task": min(starts) - wall,
        "transcripts": transcripts(root),
    }


def transcripts(root: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(root.glob("episodes/*/transcript.json"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=2.0)
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print("skipped: espeak-ng is not installed (apt-get install espeak-ng)")
        return
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("skipped: needs the cluster extra (pip install -e '.[cluster]')")
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = work / "show"
        make_show(template, args.recordings, args.minutes)
        takes = sorted(template.glob("episodes/*/take.wav"))
        audio = sum(os.path.getsize(t) - 44 for t in takes) / 32000
        sent = sum(os.path.getsize(t) for t in takes) / len(takes)
        print(f"{len(takes)} recordings, {audio / 60:.1f} min of audio, cores: {os.cpu_count()}")

        local, reference = local_run(template, work)
        back = sum(len(b) for b in reference.values()) / len(reference)
        one = cluster_run(template, work, 1)
        two = cluster_run(template, work, 2)
        speed = audio / local
        print(f"local run, Whisper on 2 threads     {local:7.1f} s  ({speed:.1f}x real time)")
        for name, r in (("1 worker  x 1 thread", one), ("2 workers x 1 thread", two)):
            seconds = float(r["seconds"])  # type: ignore[arg-type]
            same = "identical" if r["transcripts"] == reference else "DIFFERENT"
            print(
                f"cluster, {name}        {seconds:7.1f} s  ({local / seconds:.2f} of local "
                f"speed; first task after {float(r['first_task']):.2f} s; "  # type: ignore[arg-type]
                f"transcripts {same})"
            )
        speedup = float(one["seconds"]) / float(two["seconds"])  # type: ignore[arg-type]
        print(f"speed-up of a second one-core worker: {speedup:.2f}x")
        print(
            f"bytes per recording: {sent / 1e6:.2f} MB out (the audio file, client to "
            f"scheduler to worker), {back / 1e3:.0f} kB back (the transcript document)"
        )


if __name__ == "__main__":
    main()
