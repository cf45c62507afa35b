"""Benchmark of the chapter aligner: placed against true section starts, old beside new.

    python bench/chapters.py                     8 generated episodes, seed 1
    python bench/chapters.py --episodes 12 --seed 3 --verbose
    python bench/chapters.py --json figures.json

Generates a show of spoken episodes with known section starts (espeak-ng, two voices,
pauses and fillers; outlines written as a host would: short titles and a few keywords,
every heading untimed), transcribes it with the pipeline (tiny.en, cached in the work
folder), then places the chapters with the frozen greedy aligner (bench/chapters_greedy.py)
and with the pipeline's, and prints how far the placed starts are from the true ones.
Targets for the new aligner: median <= 1.5 s, max <= 5 s, and no worse than the old one on
the median, the max and the share within 2 s. Needs espeak-ng; exits 0 either way.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from pipeline import build, chapters, config, load
from pipeline.audio import decode
from pipeline.errors import Problems
from pipeline.model import Episode, Show
from pipeline.transcribe import read_transcript

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chapters_greedy
import chapters_topics
from chapters_topics import (
    EARLIER,
    FILLERS,
    FRAMES,
    LATER,
    NAMING,
    TOPICS,
    TRANSITIONS,
    WELCOME,
    Topic,
)

SITE = """\
title = "Wet Wheels"
url = "https://bench.example.org/"
description = "Benchmark show for the chapter aligner."
language = "en"
author = "Bench"
email = "bench@example.org"
categories = ["Leisure/Hobbies"]
guid = "0d6c2a1e-7b1f-5c1a-9a43-3f1e8c2b6d21"
hosts = ["Ada", "Ben"]
"""
RATE = 16000
VOICES = ("en-us+m3", "en-gb+f3")
WORDS_PER_MINUTE = 165
SENTENCE_PAUSE = (0.15, 0.7)  # seconds between the lines of a section
SECTION_PAUSE = (0.4, 1.6)  # seconds between the last line of a section and the next
LINES = (6, 12)  # lines per section, the opener included (the welcome is extra)
LEAD_IN = 0.3  # seconds of room tone before the first word
NOISE_DBFS = -60.0
FRAME_BEFORE = 0.35  # chance that a line starts with a generic frame
CROSS_TALK = 0.27  # chance that a line ends with cross-talk: about 1 sentence in 6
MEDIAN_TARGET = 1.5
MAX_TARGET = 5.0
WITHIN = 2.0


# --- the generated show -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a section (a sentence, or two: a frame or cross-talk with one), its voice."""

    text: str
    voice: str
    pause: float  # silence before it, unless it opens the episode


@dataclass(frozen=True)
class SectionPlan:
    """One outline heading and what is said for it, in order."""

    topic: Topic
    lines: tuple[Line, ...]
    pause: float  # silence before its first line, unless it opens the episode


@dataclass(frozen=True)
class EpisodePlan:
    """One generated episode: its folder name, front matter and sections."""

    slug: str
    title: str
    day: date
    sections: tuple[SectionPlan, ...]


def plan_episodes(seed: int, count: int) -> list[EpisodePlan]:
    """Draw the episodes: 4 to 8 sections each, topics dealt from a shuffled deck."""
    rng = random.Random(seed)
    sizes = [4 + i % 5 for i in range(count)]
    rng.shuffle(sizes)
    deck: list[Topic] = []
    plans = []
    for n, size in enumerate(sizes, start=1):
        topics: list[Topic] = []
        while len(topics) < size:
            deck = deck or rng.sample(TOPICS, len(TOPICS))
            topic = deck.pop()
            if topic in topics:  # a repeat at a reshuffle: goes back under the deck
                deck.insert(0, topic)
            else:
                topics.append(topic)
        sections = []
        for i, topic in enumerate(topics):
            lines = section_lines(rng, topic, topics[:i], topics[i + 1 :], first=i == 0)
            sections.append(SectionPlan(topic, lines, rng.uniform(*SECTION_PAUSE)))
        day = date(2027, 1, 4) + timedelta(weeks=n - 1)
        plans.append(
            EpisodePlan(
                slug=f"{day.isoformat()}-wet-wheels-{n}",
                title=f"Wet Wheels {n}: {topics[0].title} and more",
                day=day,
                sections=tuple(sections),
            )
        )
    return plans


def section_lines(
    rng: random.Random, topic: Topic, earlier: list[Topic], later: list[Topic], first: bool
) -> tuple[Line, ...]:
    """What is said in a section: 6 to 12 lines, in turns of one to three lines per voice.

    A line is one of the topic's sentences (each said once; then frames), sometimes after a
    frame filled with the topic's vocabulary, sometimes followed by cross-talk about another
    section of the episode. Half the sections open by naming the topic, a quarter with a
    transition, the rest go straight into a sentence.
    """
    sentences = rng.sample(topic.sentences, len(topic.sentences))
    vocabulary = rng.sample(topic.vocabulary, len(topic.vocabulary))
    frames = 0

    def frame() -> str:
        nonlocal frames
        frames += 1
        return spoken(rng, rng.choice(FRAMES).format(x=vocabulary[frames % len(vocabulary)]))

    texts = [WELCOME] if first else []
    count = rng.randint(*LINES)
    opening = rng.random()
    if opening < 0.5:
        texts.append(spoken(rng, rng.choice(NAMING).format(name=topic.name)))
    elif opening < 0.75:
        texts.append(rng.choice(TRANSITIONS))
    for said in range(count - len(texts) + first):
        parts = [spoken(rng, sentences[said]) if said < len(sentences) else frame()]
        if said and rng.random() < FRAME_BEFORE:
            parts.insert(0, frame())
        if said and rng.random() < CROSS_TALK and (earlier or later):
            go_back = bool(earlier) and (not later or rng.random() < 0.5)
            other = rng.choice(earlier if go_back else later)
            y = rng.choice(other.vocabulary)
            parts.append(spoken(rng, rng.choice(EARLIER if go_back else LATER).format(y=y)))
        texts.append(" ".join(parts))
    voice = rng.randrange(2)
    turn = rng.randint(1, 3)
    lines = []
    for text in texts:
        if turn == 0:
            voice, turn = 1 - voice, rng.randint(1, 3)
        turn -= 1
        lines.append(Line(text, VOICES[voice], rng.uniform(*SENTENCE_PAUSE)))
    return tuple(lines)


def spoken(rng: random.Random, text: str) -> str:
    """The sentence as said: sometimes a filler in front, a false start or a "you know"."""
    if rng.random() < 0.2:
        keep = text.startswith(("I ", "I'", "Okay", "Right"))
        text = rng.choice(FILLERS) + (text if keep else text[0].lower() + text[1:])
    if rng.random() < 0.12:
        text = re.sub(r"\b(the|a|I|it|we|my)\b ", r"\1, \1 ", text, count=1)
    if rng.random() < 0.08:
        text = text.replace(", ", ", you know, ", 1)
    return text


def speak(text: str, voice: str, work: Path) -> np.ndarray:
    """The line spoken by espeak-ng at 16 kHz, its leading and trailing silence cut."""
    with tempfile.NamedTemporaryFile(dir=work, suffix=".wav", delete=False) as f:
        raw = Path(f.name)
    command = ["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(raw), text]
    subprocess.run(command, check=True)
    samples = decode(raw, RATE, mono=True)[0][0]
    raw.unlink()
    loud = np.flatnonzero(np.abs(samples) > 10 ** (-50 / 20))
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def synthesize(section: SectionPlan, work: Path) -> list[tuple[Line, np.ndarray]]:
    """Speak the section's lines."""
    return [(line, speak(line.text, line.voice, work)) for line in section.lines]


@dataclass
class Generated:
    """What the bench knows of an episode: true section starts, titles, length, pauses."""

    starts: list[float]  # seconds: the first sample of each section's speech (the first: 0)
    titles: list[str]
    duration: float
    inner_pauses: list[float]  # seconds between lines of a section
    section_pauses: list[float]  # seconds between sections
    lines: list[int]  # per section
    speech: list[float]  # seconds of speech per section, pauses left out
    said: list[tuple[float, float, str]] = field(default_factory=list)  # each line's times


def make_episode(
    plan: EpisodePlan, folder: Path, work: Path, noise: np.random.Generator
) -> Generated:
    """Write the episode's recording.wav and outline.md; return its true section starts."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        sections = list(pool.map(lambda s: synthesize(s, work), plan.sections))
    pieces = [np.zeros(int(LEAD_IN * RATE), np.float32)]
    position = len(pieces[0])
    result = Generated([], [], 0.0, [], [], [], [], [])
    for i, (section, said) in enumerate(zip(plan.sections, sections, strict=True)):
        for j, (line, clip) in enumerate(said):
            if j or i:
                pause = line.pause if j else section.pause
                (result.inner_pauses if j else result.section_pauses).append(pause)
                pieces.append(np.zeros(int(pause * RATE), np.float32))
                position += len(pieces[-1])
            if j == 0:
                result.starts.append(position / RATE if i else 0.0)
                result.titles.append(section.topic.title)
            pieces.append(clip)
            result.said.append((position / RATE, (position + len(clip)) / RATE, line.text))
            position += len(clip)
        result.lines.append(len(said))
        result.speech.append(sum(len(clip) for _, clip in said) / RATE)
    pieces.append(np.zeros(int(LEAD_IN * RATE), np.float32))
    samples = np.concatenate(pieces)
    samples = samples + 10 ** (NOISE_DBFS / 20) * noise.standard_normal(len(samples))
    result.duration = len(samples) / RATE
    folder.mkdir(parents=True, exist_ok=True)
    with wave.open(str(folder / "recording.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    (folder / "outline.md").write_text(outline(plan))
    return result


def outline(plan: EpisodePlan) -> str:
    """The outline a host would write: a line of intro, then a heading and a notes line each."""
    names = [s.topic.name for s in plan.sections]
    head = f"---\ntitle: {json.dumps(plan.title)}\ndate: {plan.day.isoformat()}\n---\n"
    intro = f"Ada and Ben on {', '.join(names[:-1])} and {names[-1]}.\n"
    body = "".join(f"\n## {s.topic.title}\n\n{s.topic.notes}\n" for s in plan.sections)
    return head + intro + body


GENERATOR: tuple[Callable[..., object], ...] = (
    plan_episodes,
    section_lines,
    spoken,
    speak,
    synthesize,
    make_episode,
    outline,
)


def signature(seed: int, count: int) -> str:
    """A hash of everything the generated show depends on: code, topics, seed, espeak-ng."""
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    h = hashlib.sha256(Path(chapters_topics.__file__).read_bytes())
    for part in (*(inspect.getsource(f) for f in GENERATOR), SITE, espeak):
        h.update(part.encode())
    constants = (RATE, VOICES, WORDS_PER_MINUTE, SENTENCE_PAUSE, SECTION_PAUSE, LINES)
    h.update(repr((constants, LEAD_IN, NOISE_DBFS, FRAME_BEFORE, CROSS_TALK, seed, count)).encode())
    return h.hexdigest()


def generate(root: Path, seed: int, count: int) -> tuple[dict[str, Generated], bool]:
    """The show in ``root`` and its truth; written again only when the generator changed."""
    stamp, truth_path = root / "generated.txt", root / "truth.json"
    wanted = signature(seed, count)
    if stamp.is_file() and stamp.read_text() == wanted and truth_path.is_file():
        truth = json.loads(truth_path.read_text())
        return {slug: Generated(**g) for slug, g in truth.items()}, False
    if root.is_dir() and any(root.iterdir()) and not stamp.is_file():
        sys.exit(f"{root} is not a folder this bench made; choose a new or empty --work")
    plans = plan_episodes(seed, count)
    episodes = root / "episodes"
    shutil.rmtree(episodes, ignore_errors=True)  # the transcripts of other audio too
    root.mkdir(parents=True, exist_ok=True)
    stamp.write_text("")  # ours from now on, generated once it holds the signature
    (root / "site.toml").write_text(SITE)
    noise = np.random.default_rng(seed)
    truth = {}
    with tempfile.TemporaryDirectory(prefix="bench-chapters-") as tmp:
        for plan in plans:
            truth[plan.slug] = make_episode(plan, episodes / plan.slug, Path(tmp), noise)
    truth_path.write_text(json.dumps({s: vars(g) for s, g in truth.items()}, indent=1))
    stamp.write_text(wanted)
    return truth, True


# --- placing and measuring ----------------------------------------------------------------

Placed = dict[str, dict[str, float | None]]  # slug: chapter title: start (None: not placed)


class Log:
    """A reporter that prints each transcribed episode's line as it finishes."""

    def task(self, label: str, total: float) -> Callable[[float, float], None]:
        return lambda done, total: None

    def finished(self, line: str) -> None:
        print(f"  {line}", flush=True)

    def done(self) -> None:
        pass


def transcribed_show(root: Path) -> Show:
    """The show as the build has it after the transcribe stage: transcripts attached."""
    site = config.load_site(root)
    show = load.load_show(root, site, Problems())
    episodes = [replace(e, transcript=read_transcript(e.transcript_path)) for e in show.episodes]
    return replace(show, episodes=tuple(episodes))


def place_old(show: Show) -> Placed:
    """Chapters placed by the frozen greedy aligner."""
    return starts(chapters_greedy.place_episode_chapters(e) for e in show.episodes)


def place_new(show: Show) -> Placed:
    """Chapters placed by the pipeline's aligner, as the build calls it."""
    problems = Problems()
    return starts(chapters.place_chapters(show, problems).episodes)


def starts(episodes: Iterable[Episode]) -> Placed:
    """Each episode's chapter starts by title (titles are unique within an episode)."""
    return {e.slug: {c.title: c.start for c in e.chapters} for e in episodes}


@dataclass(frozen=True)
class Row:
    """One chapter after the first: where it truly starts and where each aligner put it."""

    slug: str
    title: str
    true: float
    placed: dict[str, float | None]  # aligner: start

    def error(self, aligner: str) -> float | None:
        start = self.placed[aligner]
        return None if start is None else abs(start - self.true)


@dataclass(frozen=True)
class Figures:
    """How far one aligner's starts are from the truth, over every chapter but the first."""

    chapters: int
    median: float
    max: float
    within: float  # share of chapters within WITHIN seconds of the truth
    missing: int  # chapters left without a start: their error is the episode's length


def rows(placed: dict[str, Placed], truth: dict[str, Generated]) -> list[Row]:
    """Every chapter but each episode's first (that one is fixed at 0)."""
    return [
        Row(slug, title, true, {name: p.get(slug, {}).get(title) for name, p in placed.items()})
        for slug, generated in truth.items()
        for title, true in list(zip(generated.titles, generated.starts, strict=True))[1:]
    ]


def measure(rows: list[Row], aligner: str, truth: dict[str, Generated]) -> Figures:
    """The aligner's distances to the true starts; a missing start counts as the length."""
    errors = [row.error(aligner) for row in rows]
    counted = [
        truth[row.slug].duration if e is None else e for row, e in zip(rows, errors, strict=True)
    ]
    return Figures(
        chapters=len(counted),
        median=statistics.median(counted),
        max=max(counted),
        within=sum(e <= WITHIN for e in counted) / len(counted),
        missing=sum(e is None for e in errors),
    )


def unheard(show: Show, table: list[Row]) -> list[Row]:
    """Chapters whose first words are missing from the transcript: no word in the 3 s after."""
    words = {e.slug: e.transcript.words if e.transcript else () for e in show.episodes}
    return [
        row
        for row in table
        if not any(row.true - 0.5 <= w.start <= row.true + 3 for w in words[row.slug])
    ]


def shown(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def describe(truth: dict[str, Generated], seed: int) -> dict[str, object]:
    """Print what was generated; return the same figures for --json."""
    sections = [len(g.starts) for g in truth.values()]
    minutes = sum(g.duration for g in truth.values()) / 60
    lines = [n for g in truth.values() for n in g.lines]
    speech = [s for g in truth.values() for s in g.speech]
    inner = [p for g in truth.values() for p in g.inner_pauses]
    between = [p for g in truth.values() for p in g.section_pauses]
    outlast = sum(p > min(between) for p in inner)
    print(
        f"episodes: {len(truth)} (seed {seed}), {sum(sections)} sections "
        f"({min(sections)}-{max(sections)} each) of {min(lines)}-{max(lines)} lines and "
        f"{min(speech):.0f}-{max(speech):.0f} s of speech, {minutes:.1f} min in all; "
        f"voices {' and '.join(VOICES)}"
    )
    print(
        f"pauses: {min(inner):.2f}-{max(inner):.2f} s inside sections, {min(between):.2f}-"
        f"{max(between):.2f} s between; {outlast} inside outlast the shortest between"
    )
    return {"episodes": len(truth), "sections": sum(sections), "minutes": round(minutes, 2)}


def verdict(figures: dict[str, Figures]) -> dict[str, bool]:
    """The new aligner against the targets and against the old one."""
    old, new = figures["old"], figures["new"]
    return {
        f"median <= {MEDIAN_TARGET:g} s": new.median <= MEDIAN_TARGET,
        f"max <= {MAX_TARGET:g} s": new.max <= MAX_TARGET,
        "median no worse than old": new.median <= old.median,
        "max no worse than old": new.max <= old.max,
        f"within {WITHIN:g} s no worse than old": new.within >= old.within,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-chapters"))
    parser.add_argument("--verbose", action="store_true", help="one row per chapter")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed to generate the episodes (apt-get install espeak-ng)")
    root = args.work.resolve()

    started = time.perf_counter()
    truth, fresh = generate(root, args.seed, args.episodes)
    if fresh:
        print(f"generated {root} in {time.perf_counter() - started:.0f} s")
    generated = describe(truth, args.seed)

    started = time.perf_counter()
    report = build.transcribe(root, reporter=Log())
    if report.problems.errors:
        sys.exit(f"transcription failed: {report.problems.errors}")
    if report.transcribed:
        seconds = time.perf_counter() - started
        print(f"transcription: {len(report.transcribed)} episodes in {seconds:.0f} s")
    else:
        print(f"transcription: all {len(report.current)} transcripts current")

    show = transcribed_show(root)
    table = rows({"old": place_old(show), "new": place_new(show)}, truth)
    figures = {name: measure(table, name, truth) for name in ("old", "new")}
    lost = unheard(show, table)
    print(f"section starts with no word heard in the 3 s after them: {len(lost)}")
    for row in lost:
        print(f"  {row.slug} {row.title!r} at {row.true:.2f} s")
    print(
        f"\n{'aligner':8} {'chapters':>8} {'median s':>9} {'max s':>7} {'within 2 s':>11} missing"
    )
    for name, f in figures.items():
        print(
            f"{name:8} {f.chapters:8} {f.median:9.2f} {f.max:7.2f} {f.within:11.0%} {f.missing:7}"
        )
    checks = verdict(figures)
    print()
    for label, ok in checks.items():
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    print("targets met" if all(checks.values()) else "targets missed")

    if args.verbose:
        print(
            f"\n{'slug':24} {'title':28} {'true':>7} {'old':>7} {'new':>7} {'old err':>7} new err"
        )
        for row in table:
            print(
                f"{row.slug:24} {row.title[:28]:28} {row.true:7.2f} {shown(row.placed['old']):>7} "
                f"{shown(row.placed['new']):>7} {shown(row.error('old')):>7} "
                f"{shown(row.error('new')):>7}"
            )
    if args.json:
        figures_json = {
            **generated,
            "seed": args.seed,
            "targets": {"median": MEDIAN_TARGET, "max": MAX_TARGET, "within": WITHIN},
            "aligners": {name: vars(f) for name, f in figures.items()},
            "checks": checks,
            "unheard": [vars(row) for row in lost],
            "met": all(checks.values()),
            "chapters": [vars(row) for row in table],
        }
        args.json.write_text(json.dumps(figures_json, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
