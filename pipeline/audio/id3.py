"""ID3v2.4 tags (mutagen) of an MP3: title, show, date, summary, cover and chapters."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from pipeline.errors import ContentError
from pipeline.files import atomic_path
from pipeline.model import Episode, Site

# ISO 639-1 to ISO 639-2/T for the ID3 comment frame; others are "XXX" (unknown).
LANGUAGES = {
    "ar": "ara", "ca": "cat", "cs": "ces", "da": "dan", "de": "deu", "el": "ell",
    "en": "eng", "es": "spa", "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin",
    "hu": "hun", "it": "ita", "ja": "jpn", "ko": "kor", "nb": "nob", "nl": "nld",
    "nn": "nno", "no": "nor", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus",
    "sv": "swe", "tr": "tur", "uk": "ukr", "zh": "zho",
}  # fmt: skip

_IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}


class ChapterMark(NamedTuple):
    """One CHAP frame: a chapter's times in seconds, its title, and its link (WXXX)."""

    start: float
    end: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Tags:
    """What a player shows for an MP3: ID3v2.4 frames written by ``write_tags``.

    ``chapters`` are in order, written as CHAP frames under one ordered top-level CTOC.
    """

    title: str
    album: str = ""  # the show's title
    artist: str = ""  # the show's author
    date: datetime | None = None
    track: int | None = None  # the episode number
    comment: str = ""  # the episode summary
    language: str = "eng"  # ISO 639-2 code of the comment
    cover: Path | None = None  # JPEG or PNG
    chapters: tuple[ChapterMark, ...] = ()
    podcast: bool = True  # PCST flag and genre "Podcast"

    def fingerprint(self) -> str:
        """A hash of everything written, the cover image's bytes included."""
        fields = {
            "title": self.title,
            "album": self.album,
            "artist": self.artist,
            "date": _id3_date(self.date),
            "track": self.track,
            "comment": self.comment,
            "language": self.language,
            "cover": hashlib.sha256(_image(self.cover)[0]).hexdigest() if self.cover else None,
            "chapters": [[round(s, 3), round(e, 3), t, u] for s, e, t, u in self.chapters],
            "podcast": self.podcast,
        }
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _image(path: Path) -> tuple[bytes, str]:
    """The bytes and MIME type of a cover image; ContentError naming it when unusable."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ContentError(path, f"cannot be read ({exc.strerror}); fix or remove it") from exc
    mime = next((m for magic, m in _IMAGE_TYPES.items() if data.startswith(magic)), None)
    if mime is None:
        raise ContentError(path, "is not a JPEG or PNG image; save it as one")
    return data, mime


def _id3_date(date: datetime | None) -> str | None:
    """The date as written by the host: a day, or a local time when one was given."""
    if date is None:
        return None
    if (date.hour, date.minute, date.second) == (0, 0, 0):
        return date.strftime("%Y-%m-%d")
    return date.strftime("%Y-%m-%dT%H:%M:%S")


def tagged_copy(source: Path, dest: Path, tags: Tags) -> None:
    """``dest``: a copy of the MP3 ``source`` with these tags; written once, atomically."""
    if not dest.is_file():
        with atomic_path(dest) as tmp:
            shutil.copyfile(source, tmp)
            write_tags(tmp, tags)


def write_tags(path: Path, tags: Tags) -> None:
    """Replace the ID3 tags of the MP3 at ``path`` (in place) with ID3v2.4 frames from ``tags``.

    Any earlier ID3v2 tag is replaced and an ID3v1 tag is removed; the audio is untouched.
    Tag a copy, never a host's file. Raises ContentError naming the cover when it is not a
    readable JPEG or PNG.
    """
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        ID3,
        PCST,
        TALB,
        TCON,
        TDRC,
        TIT2,
        TPE1,
        TRCK,
        WXXX,
        CTOCFlags,
        PictureType,
    )

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    if tags.album:
        id3.add(TALB(encoding=3, text=[tags.album]))
    if tags.artist:
        id3.add(TPE1(encoding=3, text=[tags.artist]))
    date = _id3_date(tags.date)
    if date:
        id3.add(TDRC(encoding=3, text=[date]))
    if tags.track is not None:
        id3.add(TRCK(encoding=3, text=[str(tags.track)]))
    if tags.comment:
        id3.add(COMM(encoding=3, lang=tags.language, desc="", text=[tags.comment]))
    if tags.podcast:
        id3.add(TCON(encoding=3, text=["Podcast"]))
        id3.add(PCST(value=1))
    if tags.cover is not None:
        data, mime = _image(tags.cover)
        id3.add(APIC(encoding=3, mime=mime, type=PictureType.COVER_FRONT, desc="Cover", data=data))
    if tags.chapters:
        ids = [f"chp{i}" for i in range(len(tags.chapters))]
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=["Chapters"])],
            )
        )
        for element_id, (start, end, title, url) in zip(ids, tags.chapters, strict=True):
            frames: list[object] = [TIT2(encoding=3, text=[title])]
            if url:
                frames.append(WXXX(encoding=3, desc="", url=url))
            id3.add(
                CHAP(
                    element_id=element_id,
                    start_time=round(start * 1000),
                    end_time=round(end * 1000),
                    start_offset=0xFFFFFFFF,
                    end_offset=0xFFFFFFFF,
                    sub_frames=frames,
                )
            )
    id3.save(str(path), v1=0, v2_version=4)


def episode_tags(episode: Episode, site: Site, artwork: Path | None, duration: float) -> Tags:
    """The ID3 tags of the published MP3, its chapters those that have a start."""
    # The chapters stage made the list final (ascending, from 0); a chapter past the end of
    # the audio has no place in it.
    timed = [c for c in episode.chapters if c.start is not None and c.start < duration]
    ends = [c.start for c in timed[1:]] + [duration] if timed else []
    chapters = tuple(
        ChapterMark(c.start, end, c.title, c.url)
        for c, end in zip(timed, ends, strict=True)
        if c.start is not None and end is not None
    )
    language = site.language.split("-")[0].lower()
    return Tags(
        title=episode.title,
        album=site.title,
        artist=site.author,
        date=episode.date,
        track=episode.number,
        comment=episode.summary,
        language=LANGUAGES.get(language, "XXX"),
        cover=episode.cover or artwork,
        chapters=chapters,
    )
