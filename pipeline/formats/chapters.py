"""The published chapter lists: Podcasting 2.0 JSON, Podlove Simple Chapters, description lines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import quote

from pipeline.formats.text import clean_text
from pipeline.formats.times import description_clock, json_seconds, npt
from pipeline.model import Chapter, Episode

PSC_VERSION = "1.2"  # the psc:chapters version attribute


class TimedChapter(NamedTuple):
    """A chapter as the published lists give it: start, title, and its link and artwork."""

    start: float  # seconds
    title: str
    url: str | None = None  # absolute
    img: str | None = None  # absolute URL of its artwork


def timed_chapters(
    episode: Episode, base: str, chapters: Sequence[Chapter] | None = None
) -> list[TimedChapter]:
    """The chapters that have a start, as the chapters stage left them (or ``chapters``:
    the short version's).

    ``base`` is the absolute URL of the episode's page folder, where chapter art is published.
    """
    return [
        TimedChapter(
            float(c.start),
            clean_text(c.title).strip(),
            c.url,
            base + quote(c.image.published(episode.folder)) if c.image else None,
        )
        for c in (episode.chapters if chapters is None else chapters)
        if c.start is not None
    ]


def chapter_json(
    episode: Episode, base: str, chapters: Sequence[Chapter] | None = None
) -> str | None:
    """Podcasting 2.0 JSON chapters of the episode (or of ``chapters``: the short version's),
    or None when no chapter has a start."""
    timed = timed_chapters(episode, base, chapters)
    if not timed:
        return None
    listed = []
    for c in timed:
        chapter: dict[str, object] = {"startTime": json_seconds(c.start), "title": c.title}
        if c.img:
            chapter["img"] = c.img
        if c.url:
            chapter["url"] = c.url
        listed.append(chapter)
    return json.dumps({"version": "1.2.0", "chapters": listed}, ensure_ascii=False, indent=2)


def psc_chapters(chapters: Sequence[TimedChapter]) -> list[dict[str, str]]:
    """The attributes of each ``psc:chapter``: ``start`` (normal play time), ``title``, and
    ``href`` and ``image`` where the chapter has a link and artwork."""
    marks = []
    for c in chapters:
        mark = {"start": npt(c.start), "title": c.title}
        if c.url:
            mark["href"] = c.url
        if c.img:
            mark["image"] = c.img
        marks.append(mark)
    return marks


def description_lines(chapters: Sequence[TimedChapter], duration: float) -> list[str]:
    """``MM:SS Title`` per chapter for a feed description, ``HH:MM:SS Title`` from an hour on.

    An hour on: the episode's duration, or a chapter start, is an hour or more.
    """
    hours = max([duration, *(c.start for c in chapters)]) >= 3600
    return [f"{description_clock(c.start, hours)} {c.title}" for c in chapters]
