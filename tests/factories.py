"""Model objects for tests that need a show without loading one from disk."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipeline.audio import probe
from pipeline.model import PublishedAudio, Segment, Site, Transcript

SITE_GUID = "5b4c1a54-1f3e-5d4e-9b1e-2c7f3e0a8d11"


def make_site(**changes: object) -> Site:
    """The test show's settings, with any field changed."""
    site = Site(
        title="Rain and Bikes",
        url="https://rain.example.org/",
        description="Two friends talk about cycling in bad weather.",
        language="en",
        author="Ada and Ben",
        email="owner@rain.example.org",
        categories=("Sports/Wilderness", "Leisure/Hobbies"),
        hosts=("Ada", "Ben"),
        guid=SITE_GUID,
        license="CC-BY-4.0",
        funding_url="https://rain.example.org/support",
        funding_label="Buy us a rain cape",
        image="artwork.png",
    )
    return replace(site, **changes)  # type: ignore[arg-type]


def make_transcript(text: str = "Hello and welcome.", end: float = 0.9) -> Transcript:
    """A one-segment transcript spoken by Ada."""
    return Transcript(
        segments=(Segment(text, 0.0, end, "Ada"),),
        words=(),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(),
        recording_sha256="0" * 64,
    )


def published(path: Path) -> PublishedAudio:
    """PublishedAudio for an MP3, as the master stage would describe it."""
    info = probe(path)
    return PublishedAudio(path=path, size=info.size, duration=info.duration, channels=1)
