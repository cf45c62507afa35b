"""Untimed outline headings are found in the transcript's word timings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.chapters import place_episode_chapters
from pipeline.model import Chapter, Episode, Transcript, Word


def spoken(*phrases: tuple[float, str]) -> tuple[Word, ...]:
    """Words at 0.3 s each, each phrase starting at its time."""
    words = []
    for start, text in phrases:
        for i, word in enumerate(text.split()):
            words.append(Word(word, start + 0.3 * i, start + 0.3 * i + 0.25, 0.9))
    return tuple(words)


def episode(chapters, words) -> Episode:
    transcript = Transcript((), words, "faster-whisper", "tiny.en", "en", (), "sha")
    return Episode(
        slug="ep",
        folder=Path("ep"),
        title="Ep",
        date=datetime(2026, 9, 3, tzinfo=UTC),
        body="",
        chapters=tuple(chapters),
        transcript=transcript,
    )


WORDS = spoken(
    (0.0, "hello and welcome to the show about bikes in the rain"),
    (4.0, "we also want to say thanks to everyone who wrote in"),
    (12.0, "fenders keep the water off your back and fenders are cheap"),
    (17.0, "long fenders with mud flaps are best for winter riding"),
    (25.0, "lights matter when the days get short so charge your lights"),
)


def test_untimed_chapters_start_where_their_subject_starts():
    placed = place_episode_chapters(
        episode(
            [
                Chapter("Welcome", 0.0, "Hello, thanks to everyone"),
                Chapter("Fenders", None, "Long fenders with mud flaps"),
                Chapter("Lights", None, "Charge your lights when days get short"),
            ],
            WORDS,
        )
    )
    starts = [c.start for c in placed.chapters]
    assert starts[0] == 0.0
    assert 11.0 <= starts[1] <= 12.0
    assert 24.0 <= starts[2] <= 25.0


def test_timed_chapters_bound_the_search_and_stay_as_written():
    placed = place_episode_chapters(
        episode(
            [
                Chapter("Welcome", 0.0),
                Chapter("Fenders", None, "fenders mud flaps"),
                Chapter("Lights", 24.5, "", timed=True),
            ],
            WORDS,
        )
    )
    assert placed.chapters[2].start == 24.5
    assert 11.0 <= placed.chapters[1].start <= 12.0


def test_without_a_transcript_untimed_chapters_keep_no_time():
    ep = episode([Chapter("Welcome", 0.0), Chapter("Later", None)], ())
    assert place_episode_chapters(ep).chapters[1].start is None


def test_a_first_heading_timed_after_0_gets_an_intro_chapter():
    timed = [Chapter("Hello", 30.0, timed=True), Chapter("Bye", 3600.0, timed=True)]
    for words in ((), WORDS):
        placed = place_episode_chapters(episode(timed, words))
        assert [(c.title, c.start) for c in placed.chapters] == [
            ("Intro", 0.0),
            ("Hello", 30.0),
            ("Bye", 3600.0),
        ]
        assert place_episode_chapters(placed) == placed  # final: placing again changes nothing
