"""The short version's own timeline: its transcript and chapters, mapped from the episode's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pipeline.model import Chapter, Episode, Excerpt, Segment, ShortVersion, Transcript, Word

INSIDE = 0.3  # seconds a segment may reach past an excerpt and still be shown whole


def one_after_another(excerpts: Sequence[Excerpt]) -> tuple[Excerpt, ...]:
    """The excerpts with ``at``, where each begins in the short version: one after another."""
    placed, at = [], 0.0
    for excerpt in excerpts:
        placed.append(replace(excerpt, at=round(at, 3)))
        at += excerpt.end - excerpt.start
    return tuple(placed)


def on_short_timeline(episode: Episode, short: ShortVersion) -> ShortVersion:
    """The short version with its chapters and transcript on its own timeline."""
    transcript = episode.transcript
    return replace(
        short,
        chapters=short_chapters(episode.chapters, short.excerpts),
        transcript=short_transcript(transcript, short.excerpts) if transcript else None,
    )


def short_chapters(chapters: Sequence[Chapter], excerpts: Sequence[Excerpt]) -> tuple[Chapter, ...]:
    """The chapters that the excerpts reach into, each starting where the short version
    first plays it; the first at 0."""
    timed = [c for c in chapters if c.start is not None]
    found: list[Chapter] = []
    for k, chapter in enumerate(timed):
        assert chapter.start is not None
        ends = timed[k + 1].start if k + 1 < len(timed) else float("inf")
        assert ends is not None
        for excerpt in excerpts:
            if excerpt.start < ends and chapter.start < excerpt.end:
                at = excerpt.at + max(0.0, chapter.start - excerpt.start)
                found.append(replace(chapter, start=round(0.0 if not found else at, 3)))
                break
    return tuple(found)


def short_transcript(transcript: Transcript, excerpts: Sequence[Excerpt]) -> Transcript:
    """The words and segments said in the excerpts, at their times in the short version.

    A segment that lies inside an excerpt keeps its text (a host's correction included);
    one that an excerpt cuts through keeps the words inside the excerpt.
    """
    words: list[Word] = []
    segments: list[Segment] = []
    for excerpt in excerpts:

        def moved(t: float, ex: Excerpt = excerpt) -> float:
            return round(ex.at + min(max(t, ex.start), ex.end) - ex.start, 3)

        inside = [
            w
            for w in transcript.words
            if (w.start + w.end) / 2 >= excerpt.start and (w.start + w.end) / 2 <= excerpt.end
        ]
        words.extend(replace(w, start=moved(w.start), end=moved(w.end)) for w in inside)
        for segment in transcript.segments:
            if segment.end <= excerpt.start or segment.start >= excerpt.end:
                continue
            whole = segment.start >= excerpt.start - INSIDE and segment.end <= excerpt.end + INSIDE
            if whole:
                text = segment.text
            else:
                text = " ".join(
                    w.text.strip() for w in inside if segment.start <= w.start < segment.end
                )
            if text.strip():
                segments.append(
                    Segment(text, moved(segment.start), moved(segment.end), segment.speaker)
                )
    return replace(transcript, words=tuple(words), segments=tuple(segments))
