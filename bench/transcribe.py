"""Benchmark of the transcription stage: speed, accuracy, speakers and memory; prints figures.

    python bench/transcribe.py            both engines on the same tiny.en weights and audio
                                          (LibriVox + a generated podcast), speaker attribution
    python bench/transcribe.py --long     peak RSS of transcribing a 60-minute recording

Needs espeak-ng; the openai-whisper figures need the ``openai`` extra (skipped otherwise).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

from pipeline.audio import decode, probe
from pipeline.model import Recording, Transcript
from pipeline.transcribe import transcribe_recording
from pipeline.transcribe.engines import get_engine
from pipeline.transcribe.settings import DECODING

REPO = Path(__file__).resolve().parents[1]
LIBRIVOX = REPO / "tests" / "data" / "librivox"
# The openai-whisper checkpoint cannot ship in the repository: used from ../shared when there.
SHARED = REPO.parent / "shared"
OPENAI_CHECKPOINT = SHARED / "models" / "openai-whisper" / "tiny.en.pt"
RATE = 16000

# A podcast-like conversation: two voices, pauses between turns.
SCRIPT = [
    ("Ada", "Welcome back to Rain and Bikes, the show about cycling when the weather is bad."),
    ("Ben", "Thanks for having me again. I rode here this morning and got completely soaked."),
    ("Ada", "Today we talk about fenders, jackets, and how to keep your feet dry in winter."),
    ("Ben", "Let us start with fenders, because they make the biggest difference."),
    ("Ada", "I used to think they were ugly, but now I would never ride without them."),
    ("Ben", "Full length fenders keep the spray off your back and off the rider behind you."),
    ("Ada", "The clip on ones are easier to fit, but they rattle on rough roads."),
    ("Ben", "That is true. Mine rattled so much that I lost one on a gravel path."),
    ("Ada", "Next, jackets. A good rain jacket should breathe, or you get wet from inside."),
    ("Ben", "I wear a light shell and open the zips on long climbs."),
    ("Ada", "Some riders prefer a cape, which lets the air move under it."),
    ("Ben", "A cape is great in the city, but it catches the wind on open roads."),
    ("Ada", "Now the hardest part of all, which is keeping your feet dry."),
    ("Ben", "Overshoes help for an hour, and then the water finds a way in."),
    ("Ada", "I put plastic bags over my socks, which looks silly but it works."),
    ("Ben", "My grandfather did the same thing when he rode to the factory every day."),
    ("Ada", "Lights matter too, because drivers see much less in heavy rain."),
    ("Ben", "I run a steady light in front and a blinking one at the back."),
    ("Ada", "Brakes are the last thing on our list for today."),
    ("Ben", "Disc brakes stop well in the wet, while rim brakes need a moment to clear the water."),
    ("Ada", "Whatever you ride, leave more room and brake earlier than you would in the sun."),
    ("Ben", "And dry your chain when you get home, or it will be rusty by the weekend."),
    ("Ada", "That is all for this week. Next time we test three rain jackets on a long ride."),
    ("Ben", "Bring spare socks. Thanks for listening, everyone."),
]
VOICES = {"Ada": "en-us", "Ben": "en-gb"}
SILENCE_AFTER = 12  # a stretch of room tone after this many turns
SILENCE_SECONDS = 20.0

_NUMBERS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen", "twenty"),
]
_CONTRACTIONS = {
    "i'm": "i am",
    "it's": "it is",
    "that's": "that is",
    "let's": "let us",
    "don't": "do not",
    "doesn't": "does not",
    "can't": "cannot",
    "won't": "will not",
    "you're": "you are",
    "we're": "we are",
    "i'd": "i would",
    "we'll": "we will",
    "it'll": "it will",
}
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor"}


def normalise(text: str) -> str:
    """Lower case, no punctuation, contractions and small numbers spelled out, Mr. = mister."""
    text = text.lower().replace("’", "'").replace("-", " ")
    words = []
    for word in re.sub(r"[^\w\s']", " ", text).split():
        word = word.strip("'")
        word = _CONTRACTIONS.get(word, word)
        word = _ABBREVIATIONS.get(word, word)
        if word.isdigit() and int(word) < len(_NUMBERS):
            word = _NUMBERS[int(word)]
        words.append(word)
    return " ".join(words)


def wer(references: list[str], hypotheses: list[str]) -> float:
    """Word error rate over all utterances together."""
    return jiwer.wer([normalise(r) for r in references], [normalise(h) or "-" for h in hypotheses])


# --- audio --------------------------------------------------------------------------------


def speak(text: str, voice: str, work: Path) -> np.ndarray:
    raw = work / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(raw), text], check=True)
    return decode(raw, RATE, mono=True)[0][0]


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@dataclass
class Podcast:
    """A generated episode: each speaker's track, the mix, and who spoke when."""

    tracks: dict[str, np.ndarray]
    turns: list[tuple[str, float, float]]  # speaker, start, end (seconds)
    text: str

    @property
    def mix(self) -> np.ndarray:
        return sum(self.tracks.values()) / len(self.tracks)


def podcast(work: Path) -> Podcast:
    rng = np.random.default_rng(1)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in VOICES}
    turns = []
    position = 0

    def add(own: dict[str, np.ndarray]) -> None:
        nonlocal position
        length = len(next(iter(own.values())))
        for name in parts:
            parts[name].append(own.get(name, np.zeros(length, np.float32)))
        position += length

    for i, (who, line) in enumerate(SCRIPT):
        voice = speak(line, VOICES[who], work)
        turns.append((who, position / RATE, (position + len(voice)) / RATE))
        add({who: voice})
        pause = rng.uniform(0.4, 1.5) if i != SILENCE_AFTER else SILENCE_SECONDS
        add({who: np.zeros(int(pause * RATE), np.float32)})
    tracks = {}
    for name, pieces in parts.items():
        own = np.concatenate(pieces)
        tone = 10 ** (-55 / 20) * rng.standard_normal(len(own))  # room tone at -55 dBFS
        tracks[name] = (own + tone).astype(np.float32)
    # each microphone hears the other speaker 20 dB down (bleed)
    ada, ben = tracks["Ada"], tracks["Ben"]
    tracks = {"Ada": ada + 0.1 * ben, "Ben": ben + 0.1 * ada}
    return Podcast(tracks, turns, " ".join(line for _, line in SCRIPT))


def recording(*paths: Path, speakers: tuple[str, ...] = ()) -> Recording:
    return Recording(tuple(probe(p) for p in paths), speakers)


# --- measurements -------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    audio: float
    texts: list[str]

    @property
    def rtf(self) -> float:
        return self.seconds / self.audio


Transcriber = Callable[[Recording], str]


def pipeline_engine(name: str, model: str, threads: int) -> Transcriber:
    """An engine as the pipeline runs it: windows, VAD, decoding settings, post-filters."""
    engine = get_engine(name, model, device="cpu", threads=threads)
    return lambda rec: transcribe_recording(rec, engine, language="en").text


def plain_openai_whisper(threads: int) -> Transcriber:
    """openai-whisper as its README uses it (no VAD), with the pipeline's decoding settings."""
    import torch
    import whisper

    torch.set_num_threads(threads)
    model = whisper.load_model(str(OPENAI_CHECKPOINT), device="cpu")

    def transcribe(rec: Recording) -> str:
        audio = decode(rec.files[0].path, RATE, mono=True)[0][0]
        options = {k: v for k, v in DECODING.items() if k != "vad_filter"}
        return whisper.transcribe(model, audio, language="en", fp16=False, **options)["text"]

    return transcribe


def timed(transcribe: Transcriber, recordings: list[Recording]) -> Run:
    start = time.perf_counter()
    texts = [transcribe(rec) for rec in recordings]
    return Run(time.perf_counter() - start, sum(r.duration for r in recordings), texts)


def attribution(t: Transcript, turns: list[tuple[str, float, float]]) -> tuple[int, int]:
    def said_by(start: float, end: float) -> str:
        middle = (start + end) / 2
        return min(turns, key=lambda turn: max(turn[1] - middle, middle - turn[2], 0))[0]

    right = sum(w.speaker == said_by(w.start, w.end) for w in t.words)
    return right, len(t.words)


def compare(threads: int) -> None:
    try:
        import whisper  # noqa: F401

        have_openai = OPENAI_CHECKPOINT.is_file()
    except ImportError:
        have_openai = False
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed to generate the podcast (apt-get install espeak-ng)")

    with tempfile.TemporaryDirectory(prefix="bench-transcribe-") as tmp:
        work = Path(tmp)
        cast = podcast(work)
        mix_path = write_wav(work / "podcast.wav", cast.mix)
        track_paths = [write_wav(work / f"{n}.wav", a) for n, a in cast.tracks.items()]
        wavs = sorted(LIBRIVOX.glob("*.wav"))
        refs = [w.with_suffix(".txt").read_text() for w in wavs]
        librivox = [recording(w) for w in wavs]
        pod = [recording(mix_path)]
        print(f"threads: {threads}; model: tiny.en on both engines (same weights)")
        print(f"LibriVox: {len(wavs)} utterances, {sum(r.duration for r in librivox):.1f} s")
        print(
            f"podcast: {pod[0].duration:.1f} s, {len(SCRIPT)} turns, two voices, "
            f"{SILENCE_SECONDS:.0f} s of room tone\n"
        )

        contestants: dict[str, Callable[[], Transcriber]] = {
            "faster-whisper": lambda: pipeline_engine("faster-whisper", "tiny.en", threads)
        }
        if have_openai:
            contestants["openai-whisper"] = lambda: pipeline_engine(
                "openai-whisper", str(OPENAI_CHECKPOINT), threads
            )
            contestants["(plain openai)"] = lambda: plain_openai_whisper(threads)
        else:
            print(
                "openai-whisper: skipped; needs pip install 'showfolder-pipeline[openai]' and "
                f"the checkpoint {OPENAI_CHECKPOINT}\n"
            )
        results: dict[str, dict[str, Run]] = {}
        print(f"{'engine':16} {'audio':9} {'seconds':>8} {'RTF':>7} {'x real time':>12} {'WER':>7}")
        for name, make in contestants.items():
            load = time.perf_counter()
            transcribe = make()
            load = time.perf_counter() - load
            transcribe(librivox[0])  # warm up
            results[name] = {
                "LibriVox": timed(transcribe, librivox),
                "podcast": timed(transcribe, pod),
            }
            for audio, r in results[name].items():
                reference = refs if audio == "LibriVox" else [cast.text]
                print(
                    f"{name:16} {audio:9} {r.seconds:8.2f} {r.rtf:7.3f} {1 / r.rtf:11.1f}x "
                    f"{wer(reference, r.texts):7.2%}"
                )
            print(f"{'':16} (model load {load:.1f} s, not counted)")
        if have_openai:
            print("\n(plain openai) is openai-whisper without VAD, as its README runs it.")
            for slow_name in ("openai-whisper", "(plain openai)"):
                for audio in ("LibriVox", "podcast"):
                    fast, slow = results["faster-whisper"][audio], results[slow_name][audio]
                    print(
                        f"{audio:9} faster-whisper / {slow_name} time = "
                        f"{fast.seconds / slow.seconds:.3f} "
                        f"(faster-whisper is {slow.seconds / fast.seconds:.1f}x faster)"
                    )

        engine = get_engine("faster-whisper", "tiny.en", device="cpu", threads=threads)
        multitrack = recording(*track_paths, speakers=tuple(cast.tracks))
        t = transcribe_recording(multitrack, engine, language="en")
        right, total = attribution(t, cast.turns)
        print(
            f"\nspeaker attribution (tracks/Ada.wav + tracks/Ben.wav, bleed at -20 dB): "
            f"{right}/{total} words = {right / total:.1%}; "
            f"WER of the mix {wer([cast.text], [t.text]):.2%}"
        )


def long_run(minutes: float, threads: int) -> None:
    """Build a long recording from the podcast, then transcribe it in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="bench-transcribe-long-") as tmp:
        work = Path(tmp)
        mix = podcast(work).mix
        repeats = int(np.ceil(minutes * 60 * RATE / len(mix)))
        path = work / "long.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            block = (np.clip(mix, -1, 1) * 32767).astype("<i2")
            remaining = int(minutes * 60 * RATE)
            for _ in range(repeats):
                w.writeframes(block[:remaining].tobytes())
                remaining -= min(remaining, len(block))
        child = subprocess.run(
            [sys.executable, __file__, "--long-child", str(path), "--threads", str(threads)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{figures['audio'] / 60:.1f} minutes (WAV {path.stat().st_size / 1e6:.0f} MB) with "
            f"faster-whisper tiny.en, {threads} threads: {figures['seconds']:.0f} s "
            f"({figures['audio'] / figures['seconds']:.1f}x real time), "
            f"{figures['words']} words, peak RSS {figures['peak_rss_mb']:.0f} MB"
        )


def long_child(path: Path, threads: int) -> None:
    rec = recording(path)
    engine = get_engine("faster-whisper", "tiny.en", device="cpu", threads=threads)
    start = time.perf_counter()
    t = transcribe_recording(rec, engine, language="en")
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {"audio": rec.duration, "seconds": elapsed, "words": len(t.words), "peak_rss_mb": peak}
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--long", action="store_true", help="peak RSS of a long recording")
    parser.add_argument("--minutes", type=float, default=60.0, help="length for --long")
    parser.add_argument("--long-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.long_child:
        long_child(args.long_child, args.threads)
    elif args.long:
        long_run(args.minutes, args.threads)
    else:
        compare(args.threads)


if __name__ == "__main__":
    main()
