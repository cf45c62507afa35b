"""Benchmark: faster-whisper decoding settings, speed against accuracy, on the same audio.

    python bench/decoding.py

Today's setting (beam 5, VAD, word timings, no conditioning) against greedy decoding,
BatchedInferencePipeline at batch sizes 4-16, and one or two CPU threads, on the LibriVox
clips and the generated two-voice podcast of bench/transcribe.py (tiny.en, int8). Each row
is timed in this process against the first, so the ratios hold on a shared machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pipeline.audio import decode
from pipeline.transcribe import models
from pipeline.transcribe.settings import DECODING

sys.path.insert(0, str(Path(__file__).resolve().parent))
from transcribe import LIBRIVOX, podcast, wer

RATE = 16000


def transcribe(model, audio: np.ndarray, batch: int, beam: int) -> str:
    from faster_whisper import BatchedInferencePipeline

    options = {**DECODING, "beam_size": beam}
    if batch:
        pipeline = BatchedInferencePipeline(model=model)
        segments, _ = pipeline.transcribe(audio, language="en", batch_size=batch, **options)
    else:
        segments, _ = model.transcribe(audio, language="en", **options)
    return " ".join(s.text.strip() for s in segments)


def main() -> None:
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed to generate the podcast (apt-get install espeak-ng)")
    from faster_whisper import WhisperModel

    source = models.resolve_faster_whisper("tiny.en")
    wavs = sorted(LIBRIVOX.glob("*.wav"))
    clips = [decode(w, RATE, mono=True)[0][0] for w in wavs]
    refs = [w.with_suffix(".txt").read_text() for w in wavs]
    with tempfile.TemporaryDirectory() as tmp:
        cast = podcast(Path(tmp))
    talk = cast.mix.astype(np.float32)
    seconds = sum(len(c) for c in clips) / RATE, len(talk) / RATE
    print(f"LibriVox {seconds[0]:.1f} s in {len(clips)} clips; podcast {seconds[1]:.1f} s\n")

    rows = [
        ("today: beam 5, 2 threads", 2, 0, 5),
        ("greedy, 2 threads", 2, 0, 1),
        ("beam 5, 1 thread", 1, 0, 5),
        ("batched 4, beam 5", 2, 4, 5),
        ("batched 8, beam 5", 2, 8, 5),
        ("batched 16, beam 5", 2, 16, 5),
        ("batched 8, greedy", 2, 8, 1),
    ]
    loaded: dict[int, object] = {}
    baseline: tuple[float, float] | None = None
    print(f"{'setting':28} {'LibriVox s':>10} {'WER':>7} {'podcast s':>10} {'WER':>7} {'time':>6}")
    for label, threads, batch, beam in rows:
        if threads not in loaded:
            loaded[threads] = WhisperModel(source, device="cpu", compute_type="int8",
                                           cpu_threads=threads)  # fmt: skip
        model = loaded[threads]
        transcribe(model, clips[0][: RATE * 2], batch, beam)  # warm up
        start = time.perf_counter()
        texts = [transcribe(model, c, batch, beam) for c in clips]
        reading = time.perf_counter() - start
        start = time.perf_counter()
        said = transcribe(model, talk, batch, beam)
        talking = time.perf_counter() - start
        total = reading + talking
        baseline = baseline or (total, 0.0)
        print(
            f"{label:28} {reading:10.2f} {wer(refs, texts):7.2%} {talking:10.2f} "
            f"{wer([cast.text], [said]):7.2%} {total / baseline[0]:6.2f}"
        )


if __name__ == "__main__":
    main()
