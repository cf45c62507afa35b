"""The published chapter lists: Podcasting 2.0 JSON, Podlove Simple Chapters, description lines."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipeline.formats.text import clean_text
from pipeline.formats.times import description_clock, json_seconds, npt
from pipeline.model import Episode

PSC_VERSION = "1.2"  # the psc:chapters version attribute

TimedChapter = tuple[float, str]  # (start in seconds, title)


def timed_chapters(episode: Episode) -> list[TimedChapter]:
    """(start, title) of the chapters that have a start, as the chapters stage left them."""
    return [
        (float(c.start), clean_text(c.title).strip())
        for c in episode.chapters
        if c.start is not None
    ]


def chapter_json(episode: Episode) -> str | None:
    """Podcasting 2.0 JSON chapters of the episode, or None when no chapter has a start."""
    timed = timed_chapters(episode)
    if not timed:
        return None
    chapters = [{"startTime": json_seconds(start), "title": title} for start, title in timed]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, ensure_ascii=False, indent=2)


def psc_chapters(chapters: Sequence[TimedChapter]) -> list[dict[str, str]]:
    """The attributes of each ``psc:chapter`` element: ``start`` (normal play time), ``title``."""
    return [{"start": npt(start), "title": title} for start, title in chapters]


def description_lines(chapters: Sequence[TimedChapter], duration: float) -> list[str]:
    """``MM:SS Title`` per chapter for a feed description, ``HH:MM:SS Title`` from an hour on.

    An hour on: the episode's duration, or a chapter start, is an hour or more.
    """
    hours = max([duration, *(start for start, _ in chapters)]) >= 3600
    return [f"{description_clock(start, hours)} {title}" for start, title in chapters]
