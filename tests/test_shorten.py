"""Short versions: each episode gets an honest, edited cut of its best parts, key points and
soundbites, in its page and in the shorts feed."""

from __future__ import annotations

import json
import math
import re
import wave
from dataclasses import dataclass, replace
from pathlib import Path

import feedparser
import numpy as np
import podcastparser
import pytest
from mutagen.id3 import ID3

from pipeline import audio, build, master, shorten
from pipeline.config import load_site
from pipeline.errors import Problems
from pipeline.files import sha256_file
from pipeline.load import load_show
from pipeline.model import Chapter, Segment, ShortSettings, Transcript, Word
from pipeline.shorten import cut, plan, sentences
from pipeline.transcribe import store
from pipeline.transcribe.settings import DECODING
from tests.conftest import SITE_TOML, write_outline

RATE = 16000
WORD = 0.28  # seconds a generated word lasts
WORD_GAP = 0.05  # between the words of a sentence: too short to cut in
SENTENCE_GAP = 0.7  # between sentences
SLUG = "2026-09-03-rain-gear"

CHAPTERS = (
    ("Welcome", "", (
        "Welcome back to Rain and Bikes, the show about riding in any weather.",
        "Today we talk about fenders, then lights, then locks.",
    )),
    ("Fenders", "Long fenders with mud flaps keep your back dry.", (
        "Um, so the, the long fenders keep your back dry all winter.",
        "A fender with a mud flap stops the spray from your front wheel.",
        "Cheap plastic fenders rattle, you know, on every cobble.",
        "Metal fenders last for years if you tighten the stays.",
        "Full fenders are the best thing you can buy this autumn.",
        "Our listener Kim fitted fenders to a folding bike last week.",
    )),
    ("Lights", "Bright front and rear lights; charge them every Sunday.", (
        "Bright lights matter when the days get short in November.",
        "A rear light that flashes makes drivers see you from far away.",
        "Charge your lights every Sunday, uh, so they never die on the way home.",
        "Dynamo lights never need charging, and they work in the rain.",
        "A helmet light points where you look, which helps at junctions.",
        "We tested six front lights on a dark canal path.",
    )),
    ("Locks", "A good lock and where to leave the bike.", (
        "A good lock costs money, but a lock saves the bike.",
        "Lock the frame and the back wheel to something solid.",
        "Two different locks slow a thief down more than one big lock.",
        "Leave the bike where people walk past all day.",
        "Thanks for listening, and see you in two weeks.",
    )),
)  # fmt: skip


@dataclass(frozen=True)
class Spoken:
    """A generated episode: its recording, what is said when, and where chapters start."""

    samples: np.ndarray
    words: tuple[Word, ...]
    segments: tuple[Segment, ...]
    starts: tuple[float, ...]  # of each chapter

    @property
    def duration(self) -> float:
        return len(self.samples) / RATE


def speak(chapters=CHAPTERS) -> Spoken:
    """Words as short tones with pauses between them, and the transcript Whisper would give."""
    rng = np.random.default_rng(7)
    pieces, words, segments, starts = [np.zeros(int(0.4 * RATE), np.float32)], [], [], []
    at = 0.4
    for c, (_title, _notes, said) in enumerate(chapters):
        if c:  # chapters start a little after a whole second, as a host would time them
            pad = math.ceil(at) + 0.2 - at
            pieces.append(np.zeros(round(pad * RATE), np.float32))
            at = round(at + pad, 4)
        starts.append(at)
        for sentence in said:
            first = len(words)
            for k, text in enumerate(sentence.split()):
                t = np.arange(int(WORD * RATE)) / RATE
                tone = 0.25 * np.sin(2 * np.pi * (180 + 40 * (k % 5)) * t)
                tone *= np.minimum(1, np.minimum(t, WORD - t) / 0.01)  # no clicks of its own
                pieces.append(tone.astype(np.float32))
                words.append(Word(text, round(at, 3), round(at + WORD, 3), 0.9, "Ada"))
                at += WORD
                pieces.append(np.zeros(round(WORD_GAP * RATE), np.float32))
                at += round(WORD_GAP * RATE) / RATE
            segments.append(Segment(sentence, words[first].start, words[-1].end, "Ada"))
            pieces.append(np.zeros(round(SENTENCE_GAP * RATE), np.float32))
            at += round(SENTENCE_GAP * RATE) / RATE
    samples = np.concatenate(pieces)
    samples += (10 ** (-60 / 20) * rng.standard_normal(len(samples))).astype(np.float32)
    return Spoken(samples, tuple(words), tuple(segments), tuple(starts))


def outline(spoken: Spoken, chapters=CHAPTERS) -> str:
    """Each chapter's heading timed to the second, and its notes."""
    return "".join(
        f"## {int(start) // 60}:{int(start) % 60:02d} {title}\n\n{notes}\n\n"
        for (title, notes, _said), start in zip(chapters, spoken.starts, strict=True)
    )


def add_episode(
    show: Path,
    spoken: Spoken,
    front: str = "",
    transcript: bool = True,
    slug: str = SLUG,
    title: str = "Rain gear",
    chapters=CHAPTERS,
) -> Path:
    """The episode folder: outline, recording.wav and the transcript the build will use."""
    folder = show / "episodes" / slug
    when = slug[:10]
    write_outline(folder, f"title: {title}\ndate: {when}\n{front}", outline(spoken, chapters))
    path = folder / "recording.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(spoken.samples, -1, 1) * 32767).astype("<i2").tobytes())
    if transcript:
        store.write(
            folder / "transcript.json",
            Transcript(
                segments=spoken.segments,
                words=spoken.words,
                engine="faster-whisper",
                model="tiny.en",
                language="en",
                settings=tuple(sorted(DECODING.items())),
                recording_sha256=sha256_file(path),
            ),
        )
    return folder


def in_a_pause(spoken: Spoken, t: float, margin: float = 0.05) -> bool:
    """Whether a moment of the full episode is in a pause, ``margin`` from every word."""
    return all(t <= w.start - margin or t >= w.end + margin for w in spoken.words)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """The example story: a host drops a 70-second episode in and builds the show once."""
    root = tmp_path_factory.mktemp("shorten") / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML)
    spoken = speak()
    add_episode(root, spoken)
    report = build.build(root)
    return root, spoken, report


def page(root: Path) -> str:
    return (root / "feeds" / "episodes" / SLUG / "index.html").read_text()


def excerpt_starts(html: str) -> list[float]:
    """Where each part of the short version comes from, as its page links to it."""
    listed = html.split('<ol class="excerpts"')[1].split("</ol>")[0]
    return [float(t) for t in re.findall(r'href="#t=([\d.]+)"', listed)]


def test_the_short_version_is_about_a_quarter_of_the_episode_in_whole_sentences(built):
    root, spoken, report = built
    assert report.problems.errors == []
    assert not [p for p in report.problems.warnings if "not kept" in p.message]
    short = root / "feeds" / "episodes" / SLUG / "short.mp3"
    samples, rate = audio.decode(short, mono=True)
    target = plan.target_seconds(spoken.duration, ShortSettings())
    assert target == pytest.approx(0.25 * spoken.duration)
    assert samples.shape[1] / rate == pytest.approx(target, rel=0.10)
    starts = excerpt_starts(page(root))
    assert starts[0] < 0.4  # it opens with the episode's opening
    assert all(in_a_pause(spoken, t) for t in starts)


def test_the_page_says_it_is_an_edited_excerpt_and_where_each_part_comes_from(built):
    root, _spoken, _report = built
    html = page(root)
    assert '<audio id="short-player" controls preload="none" src="short.mp3">' in html
    assert re.search(
        r"An edited excerpt: 0:\d\d of the 1:\d\d episode, in \d parts chosen from the "
        r"transcript, in order\.",
        html,
    )
    assert len(excerpt_starts(html)) >= 2
    assert "Welcome back to Rain and Bikes, the show about riding in any weather." in html


def test_every_chapter_is_in_the_short_version_on_its_own_timeline(built):
    root, _spoken, _report = built
    folder = root / "feeds" / "episodes" / SLUG
    chapters = json.loads((folder / "short.chapters.json").read_text())["chapters"]
    assert [c["title"] for c in chapters] == ["Welcome", "Fenders", "Lights", "Locks"]
    assert chapters[0]["startTime"] == 0
    tags = ID3(folder / "short.mp3")
    assert str(tags["TIT2"]) == "Rain gear (short)"
    chap = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    assert [str(f.sub_frames["TIT2"]) for f in chap] == ["Welcome", "Fenders", "Lights", "Locks"]
    assert [f.start_time for f in chap] == [round(c["startTime"] * 1000) for c in chapters]
    vtt = (folder / "short.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    assert "00:00:00." in vtt and "Welcome back to Rain and Bikes" in vtt


def test_cuts_make_no_clicks(built):
    root, _spoken, _report = built
    folder = root / "feeds" / "episodes" / SLUG
    samples, rate = audio.decode(folder / "short.mp3", mono=True)
    x = samples[0]
    jumps = np.abs(np.diff(x))
    cuts = json.loads((folder / "short.chapters.json").read_text())["chapters"][1:]
    near = np.zeros(len(jumps), bool)
    for c in cuts:  # each chapter after the first starts at a cut here
        at = int(c["startTime"] * rate)
        near[max(0, at - rate // 20) : at + rate // 20] = True
    assert near.any()
    assert jumps[near].max() <= jumps[~near].max()


def test_key_points_are_whole_sentences_without_fillers_from_three_chapters(built):
    root, _spoken, _report = built
    html = page(root)
    points = re.findall(r"<li>([^<]+)</li>", html.split('class="key-points"')[1].split("</ul>")[0])
    assert 3 <= len(points) <= 6
    said = [s for _t, _n, sentences_ in CHAPTERS for s in sentences_]
    for point in points:
        assert point.endswith(".")
        assert not re.search(r"\b(um|uh|you know)\b|\bthe, the\b", point, re.I)
    chapter_of = {s: title for title, _n, ss in CHAPTERS for s in ss}
    cleaned = {sentences.without_fillers(s): chapter_of[s] for s in said}
    assert all(p.replace("&#39;", "'") in cleaned for p in points)
    assert len({cleaned[p.replace("&#39;", "'")] for p in points}) >= 3


def test_soundbites_start_and_end_in_pauses_and_last_15_to_120_seconds(built):
    root, spoken, _report = built
    feed = feedparser.parse(str(root / "feeds" / "podcast.xml"))
    xml = (root / "feeds" / "podcast.xml").read_text()
    bites = re.findall(r'<podcast:soundbite startTime="([\d.]+)" duration="([\d.]+)">', xml)
    assert 1 <= len(bites) <= 3
    for start, duration in bites:
        assert 15 <= float(duration) <= 120
        assert in_a_pause(spoken, float(start))
        assert in_a_pause(spoken, float(start) + float(duration))
    assert not feed.bozo


def test_the_shorts_feed_carries_the_short_version_and_passes_check(built):
    root, _spoken, _report = built
    url = "https://rain.example.org/shorts.xml"
    with open(root / "feeds" / "shorts.xml", "rb") as f:
        parsed = podcastparser.parse(url, f)
    (item,) = parsed["episodes"]
    assert item["title"] == "Rain gear (short)"
    assert item["enclosures"][0]["url"].endswith(f"/episodes/{SLUG}/short.mp3")
    assert [c["title"] for c in item["chapters"]] == ["Welcome", "Fenders", "Lights", "Locks"]
    assert "An edited excerpt of the full episode" in item["description_html"]
    entry = feedparser.parse(str(root / "feeds" / "shorts.xml")).entries[0]
    assert entry.podcast_transcript["url"].endswith("short.vtt")
    problems = build.check(root)
    assert [p.message for p in problems.items] == []


def test_a_rebuild_cuts_nothing_again(built):
    root, _spoken, _report = built
    short = root / "feeds" / "episodes" / SLUG / "short.mp3"
    before = short.stat().st_mtime_ns
    report = build.build(root)
    assert report.problems.errors == []
    assert short.stat().st_mtime_ns == before
    assert f"episodes/{SLUG}/short.mp3" not in report.written


def test_a_hosts_ranges_are_the_short_version_moved_into_pauses(show: Path):
    spoken = speak()
    start, end = spoken.words[12].start + 0.1, spoken.words[40].end - 0.1  # inside words
    clock = lambda t: f"{int(t) // 60}:{t % 60:05.2f}"  # noqa: E731
    add_episode(show, spoken, f'short: ["{clock(start)}-{clock(end)}"]\n')
    report = build.build(show)
    assert report.problems.errors == []
    html = page(show)
    assert "the hosts chose" in html
    [cut] = excerpt_starts(html)
    assert abs(cut - start) <= 1.0 and in_a_pause(spoken, cut)
    samples, rate = audio.decode(show / "feeds" / "episodes" / SLUG / "short.mp3", mono=True)
    assert samples.shape[1] / rate == pytest.approx(end - start, abs=2.0)


def test_without_a_transcript_only_the_hosts_ranges_make_a_short_version(show: Path):
    spoken = speak()
    add_episode(show, spoken, transcript=False)
    loaded = load_show(show, load_site(show), Problems())
    (episode,) = loaded.episodes
    cache = show / ".pipeline" / "master"
    episode = replace(episode, audio=master.master_episode(episode, loaded.site, cache, None))
    problems = Problems()
    same, made = shorten.shorten_episode(episode, loaded, cache, problems)
    assert (same.short, made) == (None, False)
    [warning] = [p.message for p in problems.warnings]
    assert warning == (
        "has no transcript yet, so no short version can be chosen for it; it gets one once "
        f"`pipeline transcribe {SLUG}` has run, or list the parts to keep under `short:` "
        "(MM:SS-MM:SS)"
    )
    ranged = replace(episode, short_ranges=((10.0, 20.0),))
    shortened, made = shorten.shorten_episode(ranged, loaded, cache, Problems())
    assert made and shortened.short is not None and shortened.short.audio is not None
    [excerpt] = shortened.short.excerpts
    assert abs(excerpt.start - 10.0) <= 1.0 and abs(excerpt.end - 20.0) <= 1.0
    assert shortened.short.audio.duration == pytest.approx(10.0, abs=2.0)


def test_a_target_under_ten_seconds_publishes_key_points_and_no_audio(show: Path):
    (show / "site.toml").write_text(SITE_TOML + "\n[short]\nminutes = 0.1\n")
    add_episode(show, speak())
    report = build.build(show)
    assert report.problems.errors == []
    html = page(show)
    assert 'class="key-points"' in html and "short-player" not in html
    assert "so its short version is these key points, without audio of its own." in html
    assert not (show / "feeds" / "episodes" / SLUG / "short.mp3").exists()
    assert feedparser.parse(str(show / "feeds" / "shorts.xml")).entries == []


def test_under_ten_seconds_the_short_version_is_its_key_points_alone():
    spoken = speak()
    found = sentences.scored(
        sentences.sentences(_transcript(spoken), spoken.duration, _chapters(spoken)),
        _chapters(spoken),
        "en",
    )
    episode = _episode(spoken)
    short = plan.plan(episode, found, 8.0, spoken.duration)
    assert short.excerpts == () and short.audio is None
    assert len(short.key_points) >= 3
    assert "without audio of its own" in short.why_no_audio


@pytest.mark.parametrize("minutes, ratio, expected", [(15, 0.25, 900.0), (15, 0.1, 360.0)])
def test_the_target_is_the_smaller_of_minutes_and_ratio(minutes, ratio, expected):
    assert plan.target_seconds(3600.0, ShortSettings(minutes, ratio)) == expected


def test_the_chosen_sentences_fill_the_target_and_cover_every_chapter():
    spoken = speak()
    chapters = _chapters(spoken)
    found = sentences.scored(
        sentences.sentences(_transcript(spoken), spoken.duration, chapters), chapters, "en"
    )
    for target in (20.0, 30.0, 40.0):
        short = plan.plan(_episode(spoken), found, target, spoken.duration)
        assert short.duration == pytest.approx(target, rel=0.10)
        kept = [
            s for s in found if any(e.start <= s.start and s.end <= e.end for e in short.excerpts)
        ]
        assert {s.chapter for s in kept} == {0, 1, 2, 3}
        assert kept[0].index == 0


@pytest.mark.parametrize(
    "said, read",
    [
        ("Um, so the, the fenders, you know, are long.", "So the fenders are long."),
        ("I, I mean, it works, uh, mostly.", "It works, mostly."),
        ("I know you know that.", "I know you know that."),
        ("It is cheap, you know.", "It is cheap."),
    ],
)
def test_fillers_and_false_starts_leave_a_key_point(said, read):
    assert sentences.without_fillers(said) == read


def _transcript(spoken: Spoken) -> Transcript:
    return Transcript(spoken.segments, spoken.words, "faster-whisper", "tiny.en", "en", (), "0")


def _chapters(spoken: Spoken) -> tuple[Chapter, ...]:
    return tuple(
        Chapter(title, start, notes)
        for (title, notes, _s), start in zip(CHAPTERS, spoken.starts, strict=True)
    )


def _episode(spoken: Spoken):
    from datetime import UTC, datetime

    from pipeline.model import Episode

    return Episode(
        slug=SLUG,
        folder=Path(SLUG),
        title="Rain gear",
        date=datetime(2026, 9, 3, tzinfo=UTC),
        body="",
        chapters=_chapters(spoken),
        transcript=_transcript(spoken),
    )


@pytest.mark.parametrize("length", [10, 1000, (1 << 17) + 7, 3 * (1 << 17) - 5])
def test_each_part_fades_in_and_out_across_blocks(length: int):
    rate = 16000
    held = cut._Held([(0, length + 10)], [np.ones((1, length + 10), np.float32)], length + 10)
    blocks = list(cut.faded_blocks(held, [(5, 5 + length)], rate))
    assert all(b.shape[1] <= 1 << 17 for b in blocks)
    x = np.concatenate(blocks, axis=1)[0]
    fade = min(int(cut.FADE * rate), length // 2)
    assert len(x) == length
    assert np.all(np.diff(x[:fade]) > 0) and x[0] < 0.05
    assert np.all(np.diff(x[length - fade :]) < 0) and x[-1] < 0.05
    assert np.all(x[fade : length - fade] == 1.0)
    assert np.allclose(x[:fade], x[length - fade :][::-1])


def test_correcting_the_transcript_never_moves_the_short_versions_audio(tmp_path: Path):
    """The excerpts are chosen on what Whisper heard, which a correction keeps: the host's
    fixes show in the short version's text, and its audio is neither moved nor cut again."""
    root = tmp_path / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML)
    add_episode(root, speak())
    build.build(root)
    before = page(root)
    transcript = root / "episodes" / SLUG / "transcript.json"
    doc = json.loads(transcript.read_text())
    for segment in doc["segments"]:  # a host rewords every sentence, and so every score
        segment["text"] = "Honestly, " + segment["text"].replace("rain", "drizzle")
    transcript.write_text(json.dumps(doc))

    report = build.build(root)
    assert report.problems.errors == []
    after = page(root)
    assert excerpt_starts(after) == excerpt_starts(before)
    assert f"episodes/{SLUG}/short.mp3" not in report.written
    listed = after.split('<ol class="excerpts"')[1].split("</ol>")[0]
    assert "Honestly," in listed
