"""Chapters: untimed outline headings are placed on the words, all together and in order."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3

from pipeline import phrases
from pipeline.audio import probe
from pipeline.chapters import align, place_episode_chapters
from pipeline.cli import cli
from pipeline.errors import Problems
from pipeline.feeds import PODCAST_NS
from pipeline.formats.times import clock
from pipeline.model import Chapter, Episode, Segment, Transcript, Word
from pipeline.terms import Terms, near_names, words
from pipeline.transcribe import store
from tests.conftest import write_outline, write_tone

SECONDS_PER_WORD = 0.3
LEGACY_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"


def said(*sentences: tuple[float, str]) -> tuple[Word, ...]:
    """Words at 0.3 s each; each sentence starts at its time, ends with its punctuation."""
    spoken = []
    for start, text in sentences:
        for i, word in enumerate(text.split()):
            at = start + SECONDS_PER_WORD * i
            spoken.append(Word(word, round(at, 2), round(at + 0.25, 2), 0.9))
    return tuple(spoken)


def episode(chapters, words, transcript: bool = True) -> Episode:
    t = Transcript((), words, "faster-whisper", "tiny.en", "en", (), "sha")
    return Episode(
        slug="ep",
        folder=Path("ep"),
        title="Ep",
        date=datetime(2026, 9, 3, tzinfo=UTC),
        body="",
        chapters=tuple(chapters),
        transcript=t if transcript else None,
    )


def placed(chapters, words, transcript: bool = True) -> tuple[list[float | None], Problems]:
    problems = Problems()
    ep = place_episode_chapters(episode(chapters, words, transcript), problems)
    return [c.start for c in ep.chapters], problems


def warnings(problems: Problems, short: bool = False) -> list[str]:
    """The warnings, without those about chapters under 30 s unless ``short``."""
    return [p.message for p in problems.warnings if short or "shorter than 30 s" not in p.message]


WORDS = said(
    (0.0, "Hello and welcome to the show about bikes in the rain."),
    (4.0, "We also want to say thanks to everyone who wrote in."),
    (12.0, "Fenders keep the water off your back, and fenders are cheap."),
    (17.0, "Long fenders with mud flaps are best for winter riding."),
    (25.0, "Lights matter when the days get short, so charge your lights."),
    (30.0, "A bright rear light is the one thing to buy this week."),
)


def test_untimed_chapters_start_where_their_subject_starts():
    starts, problems = placed(
        [
            Chapter("Welcome", 0.0, "Hello, thanks to everyone"),
            Chapter("Fenders", None, "Long fenders with mud flaps"),
            Chapter("Lights", None, "Charge your lights when days get short"),
        ],
        WORDS,
    )
    assert starts[0] == 0.0
    assert 11.0 <= starts[1] <= 12.0
    assert 24.0 <= starts[2] <= 25.0
    assert warnings(problems) == []


def test_a_start_is_in_the_pause_before_the_first_word():
    starts, _ = placed(
        [Chapter("Welcome", 0.0), Chapter("Fenders", None), Chapter("Lights", None)], WORDS
    )
    before = max(w.end for w in WORDS if w.start < 12.0)
    assert before < starts[1] <= 12.0
    assert starts[1] == pytest.approx(12.0 - 0.3)  # a little before the word, not on it


def test_timed_chapters_bound_the_search_and_stay_as_written():
    starts, _ = placed(
        [
            Chapter("Welcome", 0.0),
            Chapter("Fenders", None, "fenders"),
            Chapter("Lights", 24.5, timed=True),
        ],
        WORDS,
    )
    assert starts[2] == 24.5
    assert 11.0 <= starts[1] <= 12.0


def test_the_outline_is_aligned_in_order_not_one_heading_at_a_time():
    # The welcome names every subject; a heading placed on its own would start there.
    spoken = said(
        (0.0, "Welcome. Today fenders, then lights, then locks."),
        (5.0, "But first some listener mail about our last show."),
        (12.0, "Fenders first. Full fenders keep you dry."),
        (20.0, "Now lights. Lights on the front and lights on the back."),
        (29.0, "And locks. A good lock costs money, but a lock saves the bike."),
    )
    starts, _ = placed(
        [
            Chapter("Welcome", 0.0),
            Chapter("Fenders", None, "full fenders"),
            Chapter("Lights", None, "front and back lights"),
            Chapter("Locks", None, "a good lock"),
        ],
        spoken,
    )
    assert starts[1:] == [pytest.approx(11.7), pytest.approx(19.7), pytest.approx(28.7)]


def test_a_passing_mention_of_a_later_subject_does_not_pull_its_chapter():
    spoken = said(
        (0.0, "Welcome back, friends."),
        (3.0, "Fenders first: long fenders keep you dry."),
        (8.0, "Hold that thought, because front lights, rear lights and batteries are coming up."),
        (14.0, "Cheap fenders rattle."),
        (17.0, "Lights at night: charge them."),
        (21.0, "Keep a spare one in your bag."),
    )
    starts, _ = placed(
        [
            Chapter("Welcome", 0.0),
            Chapter("Fenders", None, "long fenders, rattle"),
            Chapter("Lights", None, "front and rear lights, batteries"),
        ],
        spoken,
    )
    assert 2.5 <= starts[1] <= 3.0
    assert 16.5 <= starts[2] <= 17.0  # where the lights are talked about, not mentioned


def test_what_a_pointing_phrase_names_is_not_what_is_talked_about():
    sentence = "Like the fenders, more on that in a minute, racks outside the shop are full."
    said_words = sentence.split()
    marked = [w for w, named in zip(said_words, phrases.pointing(said_words), strict=True) if named]
    assert marked == ["Like", "the", "fenders,", "more", "on", "that", "in", "a", "minute,"]
    back = "Going back to the lights for a second, I forgot one thing about them today."
    assert sum(phrases.pointing(back.split())) == 3 + phrases.POINTER_WORDS
    # Speech recognition runs sentences together: the racks are still talked about there.
    spoken = said(
        (0.0, "Welcome back."),
        (3.0, "Soaked socks and wet knees, every single winter."),
        (8.0, "A bit like the fenders, more on that in a minute, the racks at the station"),
        (12.0, "are always full, and covered racks are rare."),
        (16.0, "Now fenders: long fenders with flaps."),
    )
    starts, _ = placed(
        [
            Chapter("Welcome", 0.0),
            Chapter("Rain", None, "soaked socks, wet knees"),
            Chapter("Parking", None, "racks at the station"),
            Chapter("Fenders", None, "long fenders, flaps"),
        ],
        spoken,
    )
    assert starts[2:] == [pytest.approx(7.7), pytest.approx(15.7)]


def test_a_word_common_in_everyday_talk_counts_for_less_than_a_rare_one(monkeypatch):
    english = Terms("en")
    english.of("the way home, offline maps")
    everyday = english.everyday()
    assert everyday[english.term("way")] > everyday[english.term("offline")] + 1.5
    spoken = said(
        (0.0, "Welcome back."),
        (3.0, "Ring your bell early when walkers share the path."),
        (8.0, "Thank everyone who steps aside, it goes a long way."),
        (12.0, "Most people are kind about it, honestly."),
        (16.0, "Download offline maps before a trip."),
        (20.0, "A route app keeps you off the main road."),
    )
    chapters = [
        Chapter("Welcome", 0.0),
        Chapter("Sharing with walkers", None, "share the path, bell"),
        Chapter("Offline maps", None, "a quiet way round, route app, main roads"),
    ]
    starts, _ = placed(chapters, spoken)
    assert starts[2] == pytest.approx(15.7)
    monkeypatch.setattr(align, "COMMON_RANGE", (1.0, 1.0))  # every word as rare as any other
    starts, _ = placed(chapters, spoken)
    assert starts[2] != pytest.approx(15.7)


def test_a_chapter_starts_where_a_sentence_starts_not_at_a_pause_inside_one():
    spoken = said(
        (0.0, "Hello and welcome."),
        (3.0, "Here is the thing about"),  # a pause inside the sentence, then its subject
        (4.8, "mudguards and how mudguards help."),
    )
    starts, _ = placed([Chapter("Welcome", 0.0), Chapter("Mudguards", None)], spoken)
    assert 2.5 <= starts[1] <= 3.0


def test_stems_numbers_and_misspelt_names_are_matched():
    spoken = said(
        (0.0, "Welcome back."),
        (3.0, "We talked about the weather and the ride to work last week."),
        (10.0, "So we asked twelve hundred riders about locking their bikes."),
        (15.0, "And one rider swears by her Bromtan, it folds and comes inside."),
    )
    starts, _ = placed(
        [
            Chapter("Welcome", 0.0, "the weather, the ride to work"),
            Chapter("Locks", None, "1,200 riders; a Brompton folds"),
        ],
        spoken,
    )
    assert 9.5 <= starts[1] <= 10.0


def test_terms_of_outline_and_speech_meet():
    assert words("1,200 riders, twelve hundred riders and twenty twenty-four") == [
        "1200", "riders", "1200", "riders", "and", "2024",
    ]  # fmt: skip
    assert words("fifteen percent and 15% in 1999 or nineteen ninety-nine") == [
        "15", "percent", "and", "15", "in", "1999", "or", "1999",
    ]  # fmt: skip
    english = Terms("en")
    assert english.of("Locks, locking and the locked bikes") == english.of("lock lock lock bike")
    assert english.of("tyres and tires") == [english.term("tires")] * 2
    assert near_names(["bromtan", "brown", "bicycle"], {"brompton"}) == {"bromtan": "brompton"}
    assert Terms("de").of("Die Fahrräder") == ["die", "fahrrad"]  # no English stopwords there


def test_a_heading_never_spoken_is_placed_between_its_neighbours_with_a_warning():
    starts, problems = placed(
        [
            Chapter("Welcome", 0.0),
            Chapter("Fenders", None, "fenders, mud flaps"),
            Chapter("Quantum knitting", None),
            Chapter("Lights", None, "charge your lights"),
        ],
        WORDS,
    )
    assert 11.0 <= starts[1] <= 12.0 and 24.0 <= starts[3] <= 25.0
    assert starts[1] < starts[2] < starts[3]
    at = clock(starts[2])
    assert warnings(problems) == [
        "none of the words of the chapter 'Quantum knitting' (its heading and notes) are "
        f"spoken, so it is placed after 'Fenders' and before 'Lights', at {at}; "
        f"check it with `pipeline chapters ep`, or give it its time (## {at} Quantum knitting)"
    ]


def test_without_a_transcript_untimed_chapters_are_left_out_with_a_warning():
    starts, problems = placed(
        [Chapter("Welcome", 0.0), Chapter("Later", None), Chapter("Mail", 20.0, timed=True)],
        (),
        transcript=False,
    )
    assert starts == [0.0, None, 20.0]
    assert warnings(problems)[0] == (
        "the chapters 'Later' have no time and there is no transcript yet to place them on, so "
        "feeds, chapter files and the MP3 list only the timed ones; run `pipeline transcribe "
        "ep`, or give each heading a time (## 12:30 Title)"
    )


def test_an_outline_without_headings_is_one_chapter_and_no_warning():
    problems = Problems()
    ep = place_episode_chapters(episode([], WORDS), problems)
    assert ep.chapters == (Chapter("Ep", 0.0),)
    assert problems.items == []
    assert place_episode_chapters(ep, problems) == ep and problems.items == []


def test_a_first_heading_timed_after_0_gets_an_intro_chapter():
    words = said((0.0, "Hi."), (3.0, "Rain gear."))
    for timed in ([Chapter("Gear", 2.0, timed=True)], [Chapter("Gear", 2.0, timed=True)] * 1):
        ep = place_episode_chapters(episode(timed, words))
        assert [(c.title, c.start) for c in ep.chapters] == [("Intro", 0.0), ("Gear", 2.0)]
        assert place_episode_chapters(ep) == ep  # final: placing again changes nothing


def test_where_apps_would_ignore_the_chapters_the_host_is_warned():
    long_title = "Everything you ever wanted to know about fenders"
    recording_end = replace(
        episode([Chapter("Welcome", 0.0), Chapter(long_title, 20.0, timed=True)], WORDS)
    )
    problems = Problems()
    place_episode_chapters(recording_end, problems)
    assert warnings(problems, short=True) == [
        "has 2 chapters; Apple and Spotify show chapters from 3 on: add ## headings, or "
        "remove them all",
        f"the chapter title '{long_title}' is 48 characters; Spotify shows at most 40: "
        "shorten the heading",
        "the chapter 'Welcome' lasts 20 s; Spotify ignores chapters shorter than 30 s: join "
        "it with the next one, or move a start (## MM:SS Title)",
    ]


def test_the_first_link_in_the_notes_is_the_chapter_url():
    targets = {"2026-08-old": ("Old one", "https://rain.example.org/episodes/2026-08-old/")}
    ep = place_episode_chapters(
        episode(
            [
                Chapter("Welcome", 0.0, "Write to [us](mailto:a@b.org) or see [[2026-08-old]]."),
                Chapter(
                    "Maps",
                    10.0,
                    "Use <https://www.openstreetmap.org/> and [x](https://x.org)",
                    True,
                ),
                Chapter("Mail", 20.0, "No links here.", True),
            ],
            WORDS,
        ),
        targets=targets,
    )
    assert [c.url for c in ep.chapters] == [
        "https://rain.example.org/episodes/2026-08-old/",
        "https://www.openstreetmap.org/",
        None,
    ]


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --- a host's show, built ---------------------------------------------------------------

OUTLINE_BODY = """The rain is back.

## Welcome

Who we are.

## Fenders and mud flaps

- Long fenders, [our test](https://rain.example.org/fenders).
- ![The long ones](fenders.png)

## Lights for winter

- Charge the lights.
"""

SPOKEN = (
    (0.0, "Hello and welcome to the show."),
    (3.0, "We are two friends who ride in the rain."),
    (9.0, "Fenders first: long fenders with mud flaps."),
    (14.0, "Without fenders your back gets wet."),
    (19.0, "Lights for winter now: charge the lights every night."),
    (24.0, "A light at the back matters most."),
)


@pytest.fixture
def chaptered(show) -> Path:
    """A show with one episode whose outline has untimed headings and a corrected
    transcript (so no Whisper runs): what a host has after fixing a few words."""
    folder = show / "episodes" / "2026-09-03-rain"
    write_outline(folder, "title: Rain\ndate: 2026-09-03\n", OUTLINE_BODY)
    recording = write_tone(folder / "recording.wav", 30.0)
    (folder / "fenders.png").write_bytes(PNG)
    machine_made = Transcript(
        segments=tuple(
            Segment(text, start, start + SECONDS_PER_WORD * len(text.split()))
            for start, text in SPOKEN
        ),
        words=said(*SPOKEN),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(),
        recording_sha256=probe(recording).sha256,
    )
    doc = store.to_document(machine_made)
    for segment in doc["segments"]:
        segment["speaker"] = "Ada"  # the host named the speaker: corrected, kept as it is
    (folder / "transcript.json").write_text(json.dumps(doc))
    return show


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8ffff3f0005fe02fea7d6a0a00000000049454e44ae426082"
)


def test_every_chapter_output_agrees_and_reads_back(chaptered):
    result = run_cli("build", "--root", str(chaptered))
    assert result.exit_code == 0, result.output
    out = chaptered / "feeds"
    base = "https://rain.example.org/episodes/2026-09-03-rain/"
    doc = json.loads((out / "episodes/2026-09-03-rain/chapters.json").read_text())
    assert doc["version"] == "1.2.0"
    titles = [c["title"] for c in doc["chapters"]]
    starts = [c["startTime"] for c in doc["chapters"]]
    assert titles == ["Welcome", "Fenders and mud flaps", "Lights for winter"]
    assert starts[0] == 0 and 8.5 <= starts[1] <= 9.0 and 18.5 <= starts[2] <= 19.0
    assert doc["chapters"][1]["url"] == "https://rain.example.org/fenders"
    assert doc["chapters"][1]["img"] == base + "chapters/fenders.png"
    assert (out / "episodes/2026-09-03-rain/chapters/fenders.png").read_bytes() == PNG
    # The fields and types of the Podcasting 2.0 JSON chapters spec, and nothing else.
    spec = {"startTime": (int, float), "title": str, "img": str, "url": str, "toc": bool,
            "endTime": (int, float), "location": dict}  # fmt: skip
    for chapter in doc["chapters"]:
        assert set(chapter) <= set(spec) and {"startTime", "title"} <= set(chapter)
        assert all(isinstance(value, spec[key]) for key, value in chapter.items())
        assert all(chapter[k].startswith("https://") for k in ("img", "url") if k in chapter)
    assert set(doc["chapters"][1]) == {"startTime", "title", "url", "img"}

    podcast = (out / "podcast.xml").read_bytes()
    [entry] = feedparser.parse(podcast).entries
    psc = entry.psc_chapters["chapters"]
    assert [c["title"] for c in psc] == titles
    assert psc[1]["href"] == "https://rain.example.org/fenders"
    assert psc[1]["image"] == base + "chapters/fenders.png"
    [episode] = podcastparser.parse(base, io.BytesIO(podcast))["episodes"]
    assert [c["title"] for c in episode["chapters"]] == titles
    assert [c["start"] for c in episode["chapters"]] == [int(s) for s in starts]  # whole seconds
    # podcastparser knows the podcast namespace by its old URI (feeds.md): a copy with it.
    legacy = podcast.replace(PODCAST_NS.encode(), LEGACY_NS.encode())
    [episode] = podcastparser.parse(base, io.BytesIO(legacy))["episodes"]
    assert episode["chapters_json_url"] == base + "chapters.json"
    description = entry.description
    for start, title in zip(starts, titles, strict=True):
        assert f"00:{int(start):02d} {title}" in description

    id3 = ID3(out / "episodes/2026-09-03-rain/2026-09-03-rain.mp3")
    frames = {c.element_id: c for c in id3.getall("CHAP")}
    [toc] = id3.getall("CTOC")
    marks = [frames[i] for i in toc.child_element_ids]
    assert [str(m.sub_frames["TIT2"]) for m in marks] == titles
    assert [m.start_time for m in marks] == [round(s * 1000) for s in starts]
    assert [f.url for f in marks[1].sub_frames.getall("WXXX")] == [
        "https://rain.example.org/fenders"
    ]

    page = (out / "episodes/2026-09-03-rain/index.html").read_text()
    assert '<img src="chapters/fenders.png" alt="The long ones">' in page
    assert 'href="https://rain.example.org/fenders" rel="noopener">link</a>' in page


def test_pipeline_chapters_shows_each_start_with_its_first_words(chaptered):
    result = run_cli("chapters", "--root", str(chaptered), "2026-09-03-rain")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2026-09-03-rain: 3 chapters, 0:30 long\n"
        "    0:00  Welcome                start    Hello and welcome to the show. We are…\n"
        "    0:08  Fenders and mud flaps  placed   Fenders first: long fenders with mud flaps. "
        "Without…\n"
        "    0:18  Lights for winter      placed   Lights for winter now: charge the lights "
        "every…\n"
        "Fix a start by writing its time in the outline: ## 12:30 Title\n"
    )


def test_pipeline_chapters_names_an_unknown_episode(chaptered):
    result = run_cli("chapters", "--root", str(chaptered), "2026-09-04-nope")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no published episode named 2026-09-04-nope; choose from: 2026-09-03-rain\n"
    )


def test_a_rebuild_reuses_the_places_until_the_outline_changes(chaptered, monkeypatch):
    assert run_cli("build", "-q", "--root", str(chaptered)).exit_code == 0
    chapters_json = chaptered / "feeds/episodes/2026-09-03-rain/chapters.json"
    first = chapters_json.read_bytes()

    def no_aligning(*args, **kwargs):
        raise AssertionError("aligned again")

    monkeypatch.setattr(align, "starts", no_aligning)
    assert run_cli("build", "-q", "--root", str(chaptered)).exit_code == 0
    assert chapters_json.read_bytes() == first

    outline = chaptered / "episodes/2026-09-03-rain/outline.md"
    outline.write_text(outline.read_text().replace("Charge the lights.", "Charge them."))
    with pytest.raises(AssertionError, match="aligned again"):
        run_cli("build", "-q", "--root", str(chaptered))


def test_pipeline_check_names_chapter_art_that_is_not_published(chaptered):
    assert run_cli("build", "-q", "--root", str(chaptered)).exit_code == 0
    (chaptered / "feeds/episodes/2026-09-03-rain/chapters/fenders.png").unlink()
    result = run_cli("check", "--root", str(chaptered))
    assert result.exit_code == 1
    art = "https://rain.example.org/episodes/2026-09-03-rain/chapters/fenders.png"
    assert f"the chapter art {art} is not in the output" in result.stderr


SECTIONS = (
    ("en-us", "Hello and welcome to the show. Today we talk about the rain and riding to work."),
    ("en-gb", "Now, fenders. Long fenders with a mud flap keep your back and your shoes dry."),
    (
        "en-us",
        "Anyway, lights. A bright front light and a blinking rear light, charged every night.",
    ),
)


@pytest.mark.slow
def test_whisper_heard_chapters_start_where_the_talk_turns(show, speak):
    """Two voices, real Whisper: each untimed heading starts within a second of its talk."""
    import wave

    folder = show / "episodes" / "2026-09-03-rain"
    write_outline(
        folder,
        "title: Rain\ndate: 2026-09-03\n",
        "## Welcome\n\nRain, riding to work.\n\n## Fenders\n\nMud flap.\n\n"
        "## Lights\n\nFront and rear light.\n",
    )
    frames, starts = b"", []
    for voice, text in SECTIONS:
        with wave.open(str(speak(text, voice=voice))) as clip:
            starts.append(len(frames) / 2 / 16000)
            frames += clip.readframes(clip.getnframes()) + b"\0\0" * 16000  # a second's pause
    with wave.open(str(folder / "recording.wav"), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes(frames)
    assert run_cli("build", "-q", "--root", str(show)).exit_code == 0
    doc = json.loads((show / "feeds/episodes/2026-09-03-rain/chapters.json").read_text())
    placed = [c["startTime"] for c in doc["chapters"]]
    # Each start lies in the second of silence before its section's clip (or in the little
    # silence espeak opens a clip with), not in the talk before it or after it.
    assert placed[0] == 0
    assert all(
        start - 1.0 < p <= start + 0.3 for p, start in zip(placed[1:], starts[1:], strict=True)
    )
