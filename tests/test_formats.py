"""The time formats of pages, feeds, captions and chapters, and the chapter writers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from pipeline import feeds, render
from pipeline.formats import chapters, times
from pipeline.formats.chapters import TimedChapter as T
from pipeline.formats.transcripts import to_srt, to_vtt
from pipeline.model import Chapter, Episode, Image, PublishedAudio, Segment, Show, Transcript
from tests import factories

PSC = "{http://podlove.org/simple-chapters}"


def episode(*chapter_list: Chapter, duration: float = 200.0) -> Episode:
    audio = PublishedAudio(path=Path("/nowhere/e.mp3"), size=1000, duration=duration, channels=1)
    return Episode(
        slug="2024-08-07-storm",
        folder=Path("/nowhere/episodes/2024-08-07-storm"),
        title="Riding through the storm",
        date=datetime(2024, 8, 7, 9, 0, tzinfo=UTC),
        body="",
        summary="We ride home in the rain.",
        chapters=chapter_list,
        audio=audio,
    )


# --- pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0:00"), (5.9, "0:05"), (65, "1:05"), (599, "9:59"), (3599.9, "59:59"),
     (3600, "1:00:00"), (3903, "1:05:03"), (36_000, "10:00:00"), (None, "")],
)  # fmt: skip
def test_pages_show_m_ss_and_h_mm_ss(seconds: float | None, shown: str):
    assert times.clock(seconds) == shown


def test_the_page_filter_named_clock_is_the_page_format(tmp_path: Path):
    env = render.environment(tmp_path)
    assert env.from_string("{{ 3903 | clock }} {{ 65 | clock }}").render() == "1:05:03 1:05"


# --- feed descriptions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "hours", "shown"),
    [(0, False, "00:00"), (65, False, "01:05"), (3599, False, "59:59"),
     (0, True, "00:00:00"), (65, True, "00:01:05"), (3903, True, "01:05:03"),
     (36_000, True, "10:00:00")],
)  # fmt: skip
def test_descriptions_show_zero_padded_mm_ss_and_hh_mm_ss(seconds: float, hours: bool, shown: str):
    assert times.description_clock(seconds, hours) == shown


def test_description_lines_of_a_short_episode_are_mm_ss():
    timed = [T(0.0, "Intro"), T(65.0, "Capes"), T(185.4, "Mail")]
    assert chapters.description_lines(timed, 200.0) == ["00:00 Intro", "01:05 Capes", "03:05 Mail"]


def test_description_lines_of_an_hour_long_episode_are_all_hh_mm_ss():
    timed = [T(0.0, "Intro"), T(65.0, "Capes"), T(3903.0, "Mail")]
    assert chapters.description_lines(timed, 4000.0) == [
        "00:00:00 Intro",
        "00:01:05 Capes",
        "01:05:03 Mail",
    ]
    # A chapter start past the audio's end still counts towards the hour.
    assert chapters.description_lines(timed, 1800.0)[-1] == "01:05:03 Mail"


def test_the_feed_description_of_a_long_episode_lists_hh_mm_ss(tmp_path: Path):
    long = episode(
        Chapter("Intro", 0.0), Chapter("Capes", 65.0), Chapter("Mail", 3903.0), duration=4000.0
    )
    show = Show(root=tmp_path, site=factories.make_site(), episodes=(long,), issues=())
    root = etree.fromstring(feeds.podcast_feed(show, "https://rain.example.org/artwork.png").xml)
    description = root.find("channel/item/description").text
    assert "00:00:00 Intro<br>00:01:05 Capes<br>01:05:03 Mail" in description
    npts = root.xpath("//psc:chapter/@start", namespaces={"psc": PSC[1:-1]})
    assert npts == ["00:00:00.000", "00:01:05.000", "01:05:03.000"]


# --- captions and chapters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "vtt", "srt"),
    [(0, "00:00:00.000", "00:00:00,000"), (-1, "00:00:00.000", "00:00:00,000"),
     (65.4321, "00:01:05.432", "00:01:05,432"), (3903.0005, "01:05:03.000", "01:05:03,000"),
     (3599.9996, "01:00:00.000", "01:00:00,000"), (36_000.25, "10:00:00.250", "10:00:00,250")],
)  # fmt: skip
def test_caption_timestamps(seconds: float, vtt: str, srt: str):
    assert times.vtt_timestamp(seconds) == vtt
    assert times.srt_timestamp(seconds) == srt


def test_psc_normal_play_time_is_hh_mm_ss_mmm():
    assert times.npt(0) == "00:00:00.000"
    assert times.npt(50.5) == "00:00:50.500"
    assert times.npt(3903.25) == "01:05:03.250"


def test_json_chapter_start_times_are_seconds_to_the_millisecond():
    assert times.json_seconds(0.0) == 0 and isinstance(times.json_seconds(0.0), int)
    assert times.json_seconds(50.5) == 50.5
    assert times.json_seconds(65.00049) == 65
    assert times.json_seconds(3903.1234) == 3903.123


def test_itunes_duration_is_whole_seconds():
    assert times.duration_seconds(3903.4) == "3903"
    assert times.duration_seconds(65.6) == "66"


def test_chapter_writers_agree_on_the_chapters(tmp_path: Path):
    map_file = tmp_path / "ep" / "maps" / "canal map.png"
    ep = replace(
        episode(
            Chapter("Intro", 0.0),
            Chapter("Capes", 30.0, url="https://capes.example.org/"),
            Chapter("Unplaced", None),
            Chapter("Mail", 3903.25, images=(Image("maps/canal%20map.png", map_file),)),
        ),
        folder=tmp_path / "ep",
    )
    base = "https://rain.example.org/episodes/ep/"
    timed = chapters.timed_chapters(ep, base)
    art = base + "chapters/maps/canal%20map.png"
    assert timed == [
        (0.0, "Intro", None, None),
        (30.0, "Capes", "https://capes.example.org/", None),
        (3903.25, "Mail", None, art),
    ]
    doc = json.loads(chapters.chapter_json(ep, base) or "")
    assert doc == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro"},
            {"startTime": 30, "title": "Capes", "url": "https://capes.example.org/"},
            {"startTime": 3903.25, "title": "Mail", "img": art},
        ],
    }
    assert chapters.psc_chapters(timed) == [
        {"start": "00:00:00.000", "title": "Intro"},
        {"start": "00:00:30.000", "title": "Capes", "href": "https://capes.example.org/"},
        {"start": "01:05:03.250", "title": "Mail", "image": art},
    ]


def test_the_transcript_writers_use_the_caption_timestamps():
    t = Transcript(
        segments=(Segment("Hello there.", 3903.0, 3904.5, None),),
        words=(),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(),
        recording_sha256="0" * 64,
    )
    assert "01:05:03.000 --> 01:05:04.500" in to_vtt(t)
    assert "01:05:03,000 --> 01:05:04,500" in to_srt(t)


def test_feeds_keeps_its_names_for_callers():
    assert feeds.chapter_json is chapters.chapter_json
    assert feeds.timed_chapters is chapters.timed_chapters
    assert feeds.clean_text("a\x00b") == "ab"
    for name in ("podcast_feed", "shorts_feed", "newsletter_feed", "FeedResult",
                 "show_guid", "episode_guid", "feed_url_guid", "short_guid", "shorts_guid",
                 "newsletter_guid", "issue_guid", "DESCRIPTION_LIMIT", "PODCAST_NS"):  # fmt: skip
        assert hasattr(feeds, name), name


def test_the_transcript_reads_in_paragraphs_by_speaker_turn_under_chapter_headings():
    from pipeline.formats.reading import WORDS, Paragraph, paragraphs

    segments = (
        Segment("Hello.", 0.0, 2.0, "Ada"),
        Segment(" Welcome  back.", 2.5, 4.0, "Ada"),
        Segment("Thanks.", 4.2, 6.0, "Ben"),
        Segment("After a pause.", 9.0, 10.0, "Ben"),
        Segment("Fenders now.", 12.0, 13.0, "Ben"),
        *(Segment("word " * 50, 14.0 + k, 14.9 + k, "Ben") for k in range(4)),
    )
    t = Transcript(segments, (), "faster-whisper", "tiny.en", "en", (), "0" * 64)
    chapters = (Chapter("Welcome", 0.0), Chapter("Fenders", 11.7))
    found = paragraphs(t, chapters)
    assert found[:4] == [
        Paragraph(0.0, 4.0, "Ada", "Hello. Welcome back.", "Welcome", True),
        Paragraph(4.2, 6.0, "Ben", "Thanks.", None, True),
        Paragraph(9.0, 10.0, "Ben", "After a pause.", None, False),
        Paragraph(12.0, 16.9, "Ben", "Fenders now. " + ("word " * 150).strip(), "Fenders", True),
    ]
    assert all(len(p.text.split()) <= WORDS + 50 for p in found)
    assert [p.new_speaker for p in found[4:]] == [False] * len(found[4:])
    assert [p.chapter for p in paragraphs(t, (Chapter("Ep", 0.0),))] == [None] * len(found)


def test_unsure_paragraphs_are_marked_and_corrected_ones_never_are():
    from pipeline.formats.reading import DOUBT, paragraphs
    from pipeline.model import Word

    def spoken(text: str, start: float, probability: float) -> tuple[Word, ...]:
        return tuple(
            Word(w, start + 0.3 * i, start + 0.3 * i + 0.25, probability)
            for i, w in enumerate(text.split())
        )

    sure, unsure = DOUBT + 0.3, DOUBT - 0.3
    words = (
        *spoken("Fenders keep you dry.", 0.0, sure),
        *spoken("The Bromtan folds small.", 5.0, unsure),
        *spoken("Locks cost money.", 10.0, unsure),
    )
    segments = (
        Segment("Fenders keep you dry.", 0.0, 1.2, "Ada"),
        Segment("The Bromtan folds small.", 5.0, 6.2, "Ben"),
        Segment("Locks cost money.", 10.0, 11.0, "Ada"),
    )
    t = Transcript(segments, words, "faster-whisper", "tiny.en", "en", (), "0" * 64)
    assert [(p.doubtful, p.corrected) for p in paragraphs(t)] == [
        (False, False), (True, False), (True, False),
    ]  # fmt: skip
    fixed = (segments[0], replace(segments[1], text="The Brompton folds small."), segments[2])
    edited = replace(t, segments=fixed, edited=True)
    assert [(p.doubtful, p.corrected) for p in paragraphs(edited)] == [
        (False, False), (False, True), (True, False),
    ]  # fmt: skip
