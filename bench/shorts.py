"""Benchmark of the short versions on generated episodes whose words are known.

    python bench/shorts.py                       8 generated episodes, seed 1
    python bench/shorts.py --seed 2 --json figures.json

Generates bench/chapters.py's show (espeak-ng, two voices, sections with fillers and
cross-talk, every line's text and time known), builds it with the pipeline (transcription,
chapters, mastering, the shorten stage), then measures each automatic short version:

- its length against the target (within 10 %);
- ``short.mp3`` transcribed again: its word error rate against the true text of what it
  keeps, beside the full episode's transcript on the same stretches (at most 3 points
  more: no clipped or lost words);
- key points: whole sentences of the transcript, no fillers, from three chapters or more;
- soundbites: 15-120 s, starting and ending in pauses (no word within 50 ms);
- every chapter represented;
- clicks: the largest sample-to-sample jump within 5 ms of a cut against the largest
  anywhere else in the short version.

The time the stage adds to the build of a 60-minute episode is bench/episode.py's.
Needs espeak-ng; exits 0 either way.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import jiwer
import numpy as np

from pipeline import audio, build
from pipeline.audio import probe
from pipeline.model import Recording, ShortVersion, Transcript
from pipeline.shorten.sentences import FILLERS, sentences, without_fillers
from pipeline.snapshot import load as load_snapshot
from pipeline.transcribe import transcribe_recording
from pipeline.transcribe.engines import get_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chapters as generator

LENGTH = 0.10  # share of the target the short version may be off
WER_MORE = 3.0  # points the short version's WER may exceed the full episode's
MARGIN = 0.05  # seconds from a word that a cut or soundbite edge must keep
NEAR_CUT = 0.005  # seconds around a cut where a click would be
SILENCE_DB = 30.0  # how far under the speech the audio within MARGIN of a cut must stay
# Fillers as key points must not have them: "you know" set off by commas, not the verb.
FILLER = re.compile(r"(?i)\b(um|uh|erm)\b|(^|,\s*)(you know|i mean)\s*(,|[.!?]|$)")


def normalised(text: str) -> str:
    text = re.sub(r"[^\w\s']", " ", text.lower())
    return " ".join(w for w in text.split() if w not in FILLERS)


def true_text(said: list[tuple[float, float, str]], short: ShortVersion) -> str:
    """The generator's lines that lie mostly inside the excerpts."""
    kept = []
    for start, end, text in said:
        inside = sum(max(0.0, min(end, e.end) - max(start, e.start)) for e in short.excerpts)
        if inside > (end - start) / 2:
            kept.append(text)
    return normalised(" ".join(kept))


def heard_in(transcript: Transcript, short: ShortVersion) -> str:
    """What the full episode's transcript says inside the excerpts."""
    return normalised(
        " ".join(
            w.text
            for w in transcript.words
            if any(e.start <= (w.start + w.end) / 2 <= e.end for e in short.excerpts)
        )
    )


def in_pause(transcript: Transcript, t: float) -> bool:
    """Whether a moment is in a pause, or at the very start of the audio (nothing is cut)."""
    return t <= 0 or all(t <= w.start - MARGIN or t >= w.end + MARGIN for w in transcript.words)


def clicks(path: Path, short: ShortVersion) -> tuple[float, float]:
    """The largest sample-to-sample jump near the cuts, and anywhere else."""
    samples, rate = audio.decode(path, mono=True)
    jumps = np.abs(np.diff(samples[0].astype(np.float64)))
    near = np.zeros(len(jumps), bool)
    for excerpt in short.excerpts[1:]:
        at = int(excerpt.at * rate)
        near[max(0, at - int(NEAR_CUT * rate)) : at + int(NEAR_CUT * rate)] = True
    at_cuts = float(jumps[near].max()) if near.any() else 0.0
    return at_cuts, float(jumps[~near].max())


def quietness(master: Path, short: ShortVersion) -> float:
    """How far under the episode's speech the loudest 10 ms within ``MARGIN`` of any cut is,
    in dB: a cut that clips a word is close to 0."""
    samples, rate = audio.decode(master, mono=True)
    x = samples[0].astype(np.float64)
    frame = int(0.01 * rate)
    frames = x[: len(x) // frame * frame].reshape(-1, frame)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    speech = float(np.percentile(level, 90))
    worst = -np.inf
    for e in short.excerpts:
        for t in (e.start, e.end):
            a, b = int((t - MARGIN) / 0.01), int((t + MARGIN) / 0.01) + 1
            if b > 0 and a < len(level):
                worst = max(worst, float(level[max(a, 0) : b].max()))
    return speech - worst


def measure(root: Path, truth: dict[str, generator.Generated], engine) -> list[dict]:
    """Each episode's figures, from the build's outputs and its snapshot of the episode."""
    rows = []
    for slug, generated in truth.items():
        episode = load_snapshot(root / ".pipeline" / "published" / f"{slug}.json", root)
        short, transcript = episode.short, episode.transcript
        assert short is not None and short.audio is not None and transcript is not None
        out = root / "feeds" / "episodes" / slug / "short.mp3"
        again = transcribe_recording(Recording(files=(probe(out),)), engine, language="en")
        reference = true_text(generated.said, short)
        full_wer = 100 * jiwer.wer(reference, heard_in(transcript, short))
        short_wer = 100 * jiwer.wer(reference, normalised(again.text))
        said = sentences(transcript, generated.duration, episode.chapters)
        cleaned = [(without_fillers(s.text).lower(), s.chapter) for s in said]
        found = [[c for text, c in cleaned if point.lower() in text] for point in short.key_points]
        whole = [bool(chapters_of) for chapters_of in found]
        filler = [bool(FILLER.search(p)) for p in short.key_points]
        of_point = {chapters_of[0] for chapters_of in found if chapters_of}
        chapters = [c for c in episode.chapters if c.start is not None]
        bites_ok = all(
            15 <= b.duration <= 120
            and in_pause(transcript, b.start)
            and in_pause(transcript, b.start + b.duration)
            for b in short.soundbites
        )
        represented = {c.title for c in short.chapters}
        at_cuts, elsewhere = clicks(out, short)
        quiet = quietness(episode.audio.path, short)
        rows.append(
            {
                "slug": slug,
                "length": round(short.audio.duration, 2),
                "episode": round(generated.duration, 2),
                "target": round(short.target, 2),
                "off": round(short.audio.duration / short.target - 1, 4),
                "excerpts": len(short.excerpts),
                "wer_full": round(full_wer, 2),
                "wer_short": round(short_wer, 2),
                "key_points": len(short.key_points),
                "key_points_whole": all(whole),
                "key_points_clean": not any(filler),
                "key_point_chapters": len(of_point),
                "chapters": len(chapters),
                "soundbites": len(short.soundbites),
                "soundbites_ok": bites_ok,
                "represented": len(represented & {c.title for c in chapters}),
                "cut_quiet_db": round(quiet, 1),
                "reference": reference,
                "heard_full": heard_in(transcript, short),
                "heard_short": normalised(again.text),
                "jump_at_cuts": round(at_cuts, 4),
                "jump_elsewhere": round(elsewhere, 4),
            }
        )
    return rows


class Log:
    def task(self, label: str, total: float):
        return lambda done, total: None

    def finished(self, line: str) -> None:
        print(f"  {line}", flush=True)

    def done(self) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-shorts"))
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed to generate the episodes (apt-get install espeak-ng)")
    root = args.work.resolve()
    truth, fresh = generator.generate(root, args.seed, args.episodes)
    if fresh:
        print(f"generated {root}")
    generator.describe(truth, args.seed)
    started = time.perf_counter()
    report = build.build(root, reporter=Log())
    print(f"built in {time.perf_counter() - started:.0f} s")
    if report.problems.errors:
        sys.exit(f"the build failed: {[p.message for p in report.problems.errors]}")
    engine = get_engine("faster-whisper", "tiny.en", "cpu")
    rows = measure(root, truth, engine)

    print(
        f"\n{'episode':26} {'length':>7} {'target':>7} {'off':>6} {'parts':>5} {'WER full':>8} "
        f"{'WER short':>9} {'points':>6} {'chapters':>8} {'bites':>5} {'jump cut':>8} {'else':>6}"
    )
    for r in rows:
        print(
            f"{r['slug']:26} {r['length']:7.1f} {r['target']:7.1f} {r['off']:6.1%} "
            f"{r['excerpts']:5} {r['wer_full']:8.2f} {r['wer_short']:9.2f} "
            f"{r['key_points']:6} {r['represented']:>3}/{r['chapters']:<4} {r['soundbites']:5} "
            f"{r['jump_at_cuts']:8.4f} {r['jump_elsewhere']:6.4f}"
        )
    references = [r["reference"] for r in rows]
    pooled_full = 100 * jiwer.wer(references, [r["heard_full"] for r in rows])
    pooled_short = 100 * jiwer.wer(references, [r["heard_short"] for r in rows])
    checks = {
        f"length within {LENGTH:.0%} of the target": all(abs(r["off"]) <= LENGTH for r in rows),
        f"WER of short.mp3 at most {WER_MORE:g} points over the full episode's, all episodes "
        f"together ({pooled_short:.2f} % against {pooled_full:.2f} %)": pooled_short
        <= pooled_full + WER_MORE,
        f"every cut {SILENCE_DB:g} dB or more under the speech within {MARGIN * 1000:.0f} ms "
        f"(least: {min(r['cut_quiet_db'] for r in rows):.1f} dB)": all(
            r["cut_quiet_db"] >= SILENCE_DB for r in rows
        ),
        "key points are whole transcript sentences": all(r["key_points_whole"] for r in rows),
        "key points have no fillers": all(r["key_points_clean"] for r in rows),
        "key points from 3 chapters or more (where there are 3)": all(
            r["key_point_chapters"] >= min(3, r["chapters"]) for r in rows
        ),
        "soundbites 15-120 s, in pauses": all(r["soundbites_ok"] and r["soundbites"] for r in rows),
        "every chapter represented": all(r["represented"] == r["chapters"] for r in rows),
        "no click at a cut": all(r["jump_at_cuts"] <= r["jump_elsewhere"] for r in rows),
    }
    print(
        f"\nmean |off| {statistics.mean(abs(r['off']) for r in rows):.1%}; WER full "
        f"{statistics.mean(r['wer_full'] for r in rows):.2f} %, short "
        f"{statistics.mean(r['wer_short'] for r in rows):.2f} %"
    )
    for label, ok in checks.items():
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "checks": checks}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
