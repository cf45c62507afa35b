"""An outline's body into its intro and chapters: headings, their times, notes and images."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from pipeline import markup
from pipeline.errors import ContentError, Problems
from pipeline.formats.times import clock
from pipeline.model import Chapter, Image
from pipeline.text import clipped

TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:\.(\d+))?\s+(.+)$")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
IMAGE_LIMIT = 5_000_000  # bytes: chapter art is small; podcast apps fetch it per chapter


def parse_outline(body: str, path: Path | None) -> tuple[str, tuple[Chapter, ...]]:
    """Split an outline into its intro and chapters: each ``## `` heading, with its notes.

    A chapter is a top-level ATX ``## `` heading as Markdown reads it (one in a code block,
    a quote or a list is not); its notes are the lines up to the next chapter heading.
    Raises ContentError naming the heading when its time is invalid, out of order or repeated.
    """
    where = path if path is not None else Path("outline.md")
    lines = body.split("\n")
    headings = markup.chapter_headings(body)

    def text(start: int, end: int) -> str:
        return "\n".join(lines[start:end]).strip()

    intro = text(0, headings[0][0]) if headings else body.strip()
    chapters: list[Chapter] = []
    for i, (_, end_line, written) in enumerate(headings):
        following = headings[i + 1][0] if i + 1 < len(headings) else len(lines)
        notes = text(end_line, following)
        if not written:
            raise ContentError(
                where,
                "a chapter heading has no title; write one after the '## ' (or remove the line)",
            )
        heading = written
        start: float | None = None
        timed = TIMESTAMP.match(heading)
        if timed:
            hours, minutes, seconds, fraction, heading = timed.groups()
            start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
            start += float(f"0.{fraction}") if fraction else 0.0
            if int(seconds) >= 60 or (hours and int(minutes) >= 60):
                raise ContentError(
                    where,
                    f"the chapter heading '## {clipped(written)}' has an invalid time; "
                    "write it as MM:SS or H:MM:SS",
                )
        elif i == 0:
            start = 0.0
        chapters.append(Chapter(title=heading, start=start, notes=notes, timed=bool(timed)))
    _check_order(chapters, [w for _, _, w in headings], where)
    return intro, tuple(chapters)


def _check_order(chapters: list[Chapter], written: list[str], where: Path) -> None:
    """Timed headings in time order, each at a time of its own."""
    earlier: tuple[float, str] | None = None
    for chapter, heading in zip(chapters, written, strict=True):
        if chapter.start is None:
            continue
        if earlier is not None and chapter.start <= earlier[0]:
            same = chapter.start == earlier[0]
            raise ContentError(
                where,
                f"the chapter '## {clipped(heading)}' starts "
                + (f"at {clock(chapter.start)}, as " if same else "before ")
                + f"'## {clipped(earlier[1])}' above it"
                + (" (a first heading without a time starts at 0:00)" if earlier[0] == 0 else "")
                + "; give each heading a later time than the one above it, or put the "
                "headings in time order",
            )
        earlier = (chapter.start, heading)


def check_length(chapters: tuple[Chapter, ...], duration: float, where: Path) -> None:
    """Raise ContentError for a timed heading at or after the end of the recording."""
    for chapter in chapters:
        if chapter.timed and chapter.start is not None and chapter.start >= duration:
            raise ContentError(
                where,
                f"the chapter '## {clock(chapter.start)} {clipped(chapter.title)}' starts after "
                f"the recording ends ({clock(duration)}); correct its time or remove it",
            )


def check_short_ranges(
    ranges: tuple[tuple[float, float], ...], duration: float, where: Path
) -> None:
    """Raise ContentError for a ``short`` range that ends after the recording does."""
    for start, end in ranges:
        if end > duration + 0.5:  # half a second of slack for a range written to the end
            raise ContentError(
                where,
                f"the 'short' range {clock(start)}-{clock(end)} ends after the recording does "
                f"({clock(duration)}); correct it or remove it",
            )


def with_images(
    chapters: tuple[Chapter, ...], folder: Path, where: Path, problems: Problems
) -> tuple[Chapter, ...]:
    """Each chapter with the images its notes show that are files of the episode folder.

    An image that is missing, not an image, too large, or outside the folder is a warning;
    the page then shows its alt text. Images on the web (``https://…``) stay as written.
    """
    placed = []
    for chapter in chapters:
        images: list[Image] = []
        for src in markup.image_sources(chapter.notes):
            image = _image(src, folder, chapter.title, where, problems)
            if image is not None and image.src not in {i.src for i in images}:
                images.append(image)
        placed.append(replace(chapter, images=tuple(images)))
    return tuple(placed)


def _image(src: str, folder: Path, title: str, where: Path, problems: Problems) -> Image | None:
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("//"):
        return None  # on the web: the page links it as written
    relative = PurePosixPath(unquote(parts.path))
    about = f"the image '{clipped(src)}' in the chapter '{clipped(title)}'"
    if not relative.parts or relative.is_absolute() or ".." in relative.parts:
        problems.warning(
            where,
            f"{about} is not a file of the episode folder; copy it into {folder} "
            "and write its name, like ![Map](map.png)",
        )
        return None
    path = folder.joinpath(*relative.parts)
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
        is_file = inside and path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, RuntimeError):
        inside, is_file, size = False, False, 0
    if not inside:
        problems.warning(where, f"{about} leads outside the episode folder; copy the file in")
    elif not is_file:
        problems.warning(where, f"{about} is not in {folder}; add the file or fix the name")
    elif path.suffix.lower() not in IMAGE_SUFFIXES:
        problems.warning(where, f"{about} is not a JPEG, PNG, GIF or WebP file; convert it")
    elif size > IMAGE_LIMIT:
        problems.warning(
            where,
            f"{about} is {size / 1e6:.1f} MB; podcast apps fetch chapter art often, so "
            f"keep it under {IMAGE_LIMIT / 1e6:.0f} MB (a 1400 px JPEG is plenty)",
        )
    else:
        return Image(src=src, path=path)
    return None
