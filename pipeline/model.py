"""Frozen dataclasses for the show: site settings, episodes, recordings, transcripts, issues."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

EpisodeType = Literal["full", "trailer", "bonus"]
# An episode's folder name or an issue's file name: its address, and the target of [[slug]].
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


# --- site.toml ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscribeSettings:
    """``[transcribe]``: which engine and model turn recordings into text."""

    engine: str = "faster-whisper"
    model: str | None = None  # None: tiny.en for English shows, base otherwise
    language: str | None = None  # None: the show's language
    device: str = "auto"
    scheduler: str | None = None  # a Dask scheduler's address (tcp://host:8786): transcribe there


@dataclass(frozen=True)
class AudioSettings:
    """``[audio]``: how the published audio is encoded."""

    bitrate: int = 64  # kbps per channel
    loudness: float | None = None  # LUFS; None: -16 stereo, -19 mono


@dataclass(frozen=True)
class ShortSettings:
    """``[short]``: the target length of the short version."""

    minutes: float = 15
    ratio: float = 0.25


@dataclass(frozen=True)
class NewsletterSettings:
    """``[newsletter]``: the email edition of the show."""

    title: str | None = None
    description: str | None = None
    from_: str | None = None
    reply_to: str | None = None
    postal_address: str | None = None
    unsubscribe_url: str | None = None
    subscribers: str | None = None
    transport: str = "smtp"
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_ca_file: str | None = None
    api_url: str | None = None
    rate: float = 5


@dataclass(frozen=True)
class Site:
    """The show's settings from ``site.toml``."""

    title: str
    url: str  # absolute, always ends with "/"
    description: str
    language: str
    author: str
    email: str
    categories: tuple[str, ...]
    image: str | None = None
    explicit: bool = False
    serial: bool = False
    timezone: str = "UTC"
    hosts: tuple[str, ...] = ()
    guid: str | None = None
    locked: bool = True
    license: str | None = None
    funding_url: str | None = None
    funding_label: str | None = None
    transcribe: TranscribeSettings = field(default_factory=TranscribeSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    short: ShortSettings = field(default_factory=ShortSettings)
    newsletter: NewsletterSettings = field(default_factory=NewsletterSettings)

    @property
    def transcription_language(self) -> str:
        """The language spoken in the recordings, as Whisper names it (``en``, ``de``)."""
        return (self.transcribe.language or self.language).split("-")[0].lower()

    @property
    def transcription_model(self) -> str:
        if self.transcribe.model:
            return self.transcribe.model
        return "tiny.en" if self.transcription_language == "en" else "base"


# --- audio -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioFile:
    """One audio file as probed: what it is and how long it lasts."""

    path: Path
    format: str  # container, as FFmpeg names it: "mp3", "ogg", "wav", ...
    codec: str
    duration: float  # seconds
    size: int  # bytes
    channels: int
    sample_rate: int
    sha256: str


@dataclass(frozen=True)
class Recording:
    """An episode's audio: one file, or one file per speaker from ``tracks/``."""

    files: tuple[AudioFile, ...]
    speakers: tuple[str, ...] = ()  # one per file for tracks/, empty for a single file

    @property
    def is_multitrack(self) -> bool:
        return bool(self.speakers)

    @property
    def duration(self) -> float:
        return max(f.duration for f in self.files)

    @property
    def channels(self) -> int:
        """Channels of the published audio: tracks mix to mono."""
        return 1 if self.is_multitrack else self.files[0].channels

    @property
    def sha256(self) -> str:
        """Identity of the recording: the single file's hash, or of every track and name."""
        if not self.is_multitrack:
            return self.files[0].sha256
        h = hashlib.sha256()
        for speaker, f in zip(self.speakers, self.files, strict=True):
            h.update(f"{speaker}\0{f.sha256}\n".encode())
        return h.hexdigest()


@dataclass(frozen=True)
class PublishedAudio:
    """The mastered, tagged MP3 that is published as ``episodes/<slug>/<slug>.mp3``."""

    path: Path  # the file in .pipeline/ that publish copies into the output
    size: int  # bytes, as the enclosure length
    duration: float  # seconds
    channels: int
    mime_type: str = "audio/mpeg"
    loudness: float | None = None  # LUFS integrated, as measured after mastering
    true_peak: float | None = None  # dBTP
    key: str = ""  # what was mastered and how: the same key is the same audio, tags aside


# --- transcripts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    probability: float
    speaker: str | None = None


@dataclass(frozen=True)
class Segment:
    text: str
    start: float
    end: float
    speaker: str | None = None


@dataclass(frozen=True)
class Transcript:
    """What was said, when and by whom, and what produced it."""

    segments: tuple[Segment, ...]
    words: tuple[Word, ...]
    engine: str
    model: str
    language: str
    settings: tuple[tuple[str, object], ...]  # decoding settings, sorted by name
    recording_sha256: str
    edited: bool = False  # a host corrected it: never overwritten

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


# --- content -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "host"  # Podcasting 2.0 role: host, guest, ...
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class Image:
    """An image a chapter's notes show: its address as written and its file."""

    src: str  # as the Markdown gives it, e.g. "map.png"
    path: Path  # the file, inside the episode folder

    def published(self, folder: Path) -> str:
        """Its path under the episode's page: ``chapters/<path in the episode folder>``."""
        return "chapters/" + self.path.resolve().relative_to(folder.resolve()).as_posix()


@dataclass(frozen=True)
class Chapter:
    """An outline heading: a chapter with its show notes."""

    title: str
    start: float | None  # seconds; None until placed against the transcript
    notes: str = ""  # Markdown under the heading
    timed: bool = False  # the host wrote the timestamp
    images: tuple[Image, ...] = ()  # images of the episode folder the notes show
    url: str | None = None  # the first link in the notes, absolute; set by the chapters stage
    guessed: bool = False  # placed between its neighbours: none of its words were found

    @property
    def image(self) -> Image | None:
        """The chapter's artwork: the first image of its notes."""
        return self.images[0] if self.images else None


@dataclass(frozen=True)
class ChapterPlacement:
    """Where the chapters stage placed an episode's untimed headings, kept for the next build:
    aligning a long transcript takes seconds, and its result only changes with its inputs."""

    starts: tuple[float | None, ...]  # per chapter as written
    guessed: tuple[bool, ...]
    warnings: tuple[str, ...]  # what placing them said, said again when the result is reused


# --- the short version -------------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    """A stretch of the full episode that the short version keeps, whole sentences only."""

    start: float  # seconds in the full episode: the cut, in the pause before its first word
    end: float  # the cut in the pause after its last word
    at: float  # where it begins in the short version
    text: str  # what is said in it


@dataclass(frozen=True)
class Soundbite:
    """A stretch of 15 to 120 seconds that stands on its own, for podcast apps to preview."""

    start: float  # seconds in the full episode, in a pause
    duration: float
    title: str  # its first sentence


@dataclass(frozen=True)
class ShortVersion:
    """An episode's short version: excerpts cut from the mastered audio, and its key points.

    With no excerpts (a target under ``MIN_SHORT_SECONDS``, or no transcript and no ranges
    from the host) the short version is its key points alone, with no audio.
    """

    target: float  # seconds: the smaller of [short] minutes and ratio times the episode
    excerpts: tuple[Excerpt, ...] = ()
    by_host: bool = False  # the front matter's `short` ranges, not chosen by the pipeline
    key_points: tuple[str, ...] = ()  # whole sentences of the transcript, fillers removed
    soundbites: tuple[Soundbite, ...] = ()
    chapters: tuple[Chapter, ...] = ()  # on the short version's timeline
    transcript: Transcript | None = None  # on the short version's timeline
    audio: PublishedAudio | None = None  # short.mp3; set once it is cut
    why_no_audio: str = ""  # for the page, when there are no excerpts

    @property
    def duration(self) -> float:
        return sum(e.end - e.start for e in self.excerpts)

    def full_time(self, at: float) -> float:
        """The moment of the full episode that plays at ``at`` seconds of the short version."""
        for excerpt in reversed(self.excerpts):
            if at >= excerpt.at:
                return excerpt.start + (at - excerpt.at)
        return self.excerpts[0].start if self.excerpts else at


MIN_SHORT_SECONDS = 10.0  # a shorter target gets the key points alone


@dataclass(frozen=True)
class Episode:
    """One folder of ``episodes/``: the outline's front matter and body, and its audio."""

    slug: str
    folder: Path
    title: str
    date: datetime  # timezone-aware
    body: str  # Markdown of the outline, front matter removed
    body_line: int = 1  # the line of outline.md the body starts on
    intro: str = ""  # Markdown before the first chapter heading
    chapters: tuple[Chapter, ...] = ()
    summary: str = ""
    number: int | None = None
    season: int | None = None
    type: EpisodeType = "full"
    explicit: bool = False
    topics: tuple[str, ...] = ()
    hosts: tuple[Person, ...] = ()
    guests: tuple[Person, ...] = ()
    short_ranges: tuple[tuple[float, float], ...] = ()  # the host's, from the front matter
    guid: str | None = None
    cover: Path | None = None
    recording: Recording | None = None
    transcript: Transcript | None = None
    audio: PublishedAudio | None = None  # set by the master stage
    short: ShortVersion | None = None  # set by the shorten stage
    references: tuple[str, ...] = ()  # slugs this episode links to with [[slug]]
    backlinks: tuple[str, ...] = ()  # slugs of episodes and issues that link here
    related: tuple[str, ...] = ()  # episodes sharing topics, most shared first

    @property
    def people(self) -> tuple[Person, ...]:
        return self.hosts + self.guests

    @property
    def outline_path(self) -> Path:
        return self.folder / "outline.md"

    @property
    def transcript_path(self) -> Path:
        return self.folder / "transcript.json"


@dataclass(frozen=True)
class Issue:
    """One newsletter issue from ``issues/<slug>.md``."""

    slug: str
    path: Path
    title: str
    date: datetime
    body: str
    body_line: int = 1  # the line of the file the body starts on
    subject: str = ""
    preheader: str = ""
    episodes: tuple[str, ...] | None = None  # None: chosen by date
    references: tuple[str, ...] = ()
    backlinks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Show:
    """Everything the build publishes."""

    root: Path
    site: Site
    episodes: tuple[Episode, ...]  # published ones, newest first
    issues: tuple[Issue, ...]  # newest first
    waiting: tuple[Episode, ...] = ()  # outlines with no recording yet: not published
    artwork: Path | None = None  # the show's artwork file; None: generated from the title


@dataclass(frozen=True)
class Recipient:
    """Who one newsletter message is for; ``token`` fills ``{token}`` in ``unsubscribe_url``
    (HMAC-SHA256 of the address, design.md section 4; ``preview`` for the built preview)."""

    email: str
    name: str = ""
    token: str = "preview"


# --- output ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """One published file: its path under the output folder and its bytes or source file.

    ``owner`` is the slug of the episode or issue it belongs to (None for show-wide files):
    a broken episode's files are kept as they were.
    """

    path: str  # relative, POSIX
    data: bytes | None = None
    source: Path | None = None
    owner: str | None = None
