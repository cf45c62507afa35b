"""Transcription: recordings into cached, correctable transcripts.

``transcribe_episode`` reads the episode's ``transcript.json``, keeps it when it is current or
a host corrected it, and otherwise transcribes the recording window by window (so memory stays
bounded), drops hallucinated text, names speakers and writes the file atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ContentError
from pipeline.model import Episode, Recording, Segment, Site, Transcript, Word
from pipeline.transcribe import store
from pipeline.transcribe.settings import DECODING

if TYPE_CHECKING:  # the engines, numpy and PyAV load only when there is audio to transcribe
    from pipeline.transcribe.engines import Engine

__all__ = [
    "TranscribeResult",
    "cached",
    "read_transcript",
    "save",
    "single_speaker",
    "transcribe_episode",
    "transcribe_recording",
]

Progress = Callable[[float, float], None]


@dataclass(frozen=True)
class TranscribeResult:
    """The episode's transcript, whether it was transcribed just now, and what to tell the host."""

    transcript: Transcript
    transcribed: bool  # False: the cached (or host-corrected) transcript.json was used
    warnings: tuple[str, ...] = ()  # about episode.transcript_path, which they do not repeat


def read_transcript(path: Path) -> Transcript | None:
    """The transcript stored in ``path`` (None when there is none).

    Raises ContentError naming the file when it is not valid JSON or not a transcript.
    """
    return store.read(path)


def transcribe_episode(
    episode: Episode,
    site: Site,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> TranscribeResult:
    """Return the episode's current transcript, transcribing the recording when needed.

    Same recording, engine, model, language and decoding settings: the cached file is used.
    A file a host corrected is never overwritten; ``force`` copies it to
    ``transcript.edited-YYYYMMDDTHHMMSSZ.json`` and transcribes again.
    """
    recording = episode.recording
    if recording is None:
        raise ValueError(f"episode {episode.slug} has no recording to transcribe")
    kept = cached(episode, site, force=force)
    if kept is not None:
        return kept
    from pipeline.transcribe.engines import get_engine

    engine = get_engine(site.transcribe.engine, site.transcription_model, site.transcribe.device)
    transcript = transcribe_recording(
        recording,
        engine,
        language=site.transcription_language,
        speaker=single_speaker(episode),
        progress=progress,
    )
    return save(episode, transcript, force=force)


def cached(episode: Episode, site: Site, *, force: bool = False) -> TranscribeResult | None:
    """The episode's transcript.json when it stays as it is: current, or corrected by a host.

    None: the recording is to be transcribed (then ``save`` the result). Raises ContentError
    for a broken file unless ``force``.
    """
    assert episode.recording is not None
    recording = episode.recording
    try:
        existing = store.read(episode.transcript_path)
    except ContentError:
        if not force:
            raise
        return None  # a broken file is the host's too: save keeps it, then replaces it
    if existing is None or force:
        return None
    if existing.edited:
        warnings: tuple[str, ...] = ()
        if existing.recording_sha256 != recording.sha256:
            warnings = (
                "the recording changed since this transcript was corrected; the "
                f"corrections are kept but may no longer match the audio: check them, or "
                f"run `pipeline transcribe --force {episode.slug}` to transcribe again "
                f"(the corrected file is kept as transcript.edited-<time>.json)",
            )
        return TranscribeResult(existing, False, warnings)
    wanted = store.key_for(
        recording.sha256,
        site.transcribe.engine,  # one of config.ENGINES, checked in site.toml
        site.transcription_model,
        site.transcription_language,
        DECODING,
    )
    if store.cache_key(existing) == wanted:
        return TranscribeResult(existing, False, ())
    return None


def single_speaker(episode: Episode) -> str | None:
    """The one voice of a single recording with one host and no guests, who says every word."""
    recording = episode.recording
    if recording and not recording.is_multitrack and len(episode.hosts) == 1:
        return None if episode.guests else episode.hosts[0].name
    return None


def save(episode: Episode, transcript: Transcript, *, force: bool = False) -> TranscribeResult:
    """Write a fresh transcript atomically, never over a host's correction.

    With ``force`` a corrected (or broken) file is kept as a backup first; without it, a file
    a host corrected while the recording was transcribed stays, and the fresh one is dropped.
    """
    path = episode.transcript_path
    try:
        existing = store.read(path)
    except ContentError:
        if not force:
            raise  # a host is editing it: theirs, like a corrected file
        existing = None
    if existing is not None and existing.edited and not force:
        return TranscribeResult(
            existing, False, ("was corrected while it was transcribed; the correction is kept",)
        )
    warnings: list[str] = []
    if force and path.exists() and (existing is None or existing.edited):
        backup = store.keep_edited(path)
        warnings.append(
            f"transcribed again; the corrected transcript is kept as {backup.name} "
            f"beside it: copy the corrections you still want into the new transcript.json"
        )
    store.write(path, transcript)
    return TranscribeResult(transcript, True, tuple(warnings))


def transcribe_recording(
    recording: Recording,
    engine: Engine,
    *,
    language: str,
    speaker: str | None = None,
    progress: Progress | None = None,
) -> Transcript:
    """Transcribe a recording window by window; ``speaker`` names a single voice.

    Tracks of a tracks/ recording are mixed for transcription, and each word then goes to
    the speaker whose track is loudest while it is said.
    """
    from pipeline.transcribe.engines import RawSegment
    from pipeline.transcribe.filters import drop_hallucinations
    from pipeline.transcribe.speakers import by_loudest_track, everyone_is
    from pipeline.transcribe.windows import iter_windows

    total = recording.duration
    segments: list[Segment] = []
    words: list[Word] = []
    for window in iter_windows(recording):
        heard: list[RawSegment] = []
        for s in engine.transcribe(window.mix, language=language):
            heard.append(s)
            if progress:
                progress(min(window.start + s.end, total), total)
        heard = drop_hallucinations(heard, window.mix)
        if recording.is_multitrack:
            heard = by_loudest_track(heard, window.tracks, recording.speakers)
        elif speaker:
            heard = everyone_is(heard, speaker)
        for s in heard:
            text = " ".join(s.text.split())
            if not text:
                continue
            segments.append(
                Segment(text, _t(window.start + s.start), _t(window.start + s.end), s.speaker)
            )
            words.extend(
                Word(
                    w.text.strip(),
                    _t(window.start + w.start),
                    _t(window.start + w.end),
                    round(w.probability, 3),
                    w.speaker,
                )
                for w in s.words
                if w.text.strip()
            )
    if progress:
        progress(total, total)
    return Transcript(
        segments=tuple(segments),
        words=tuple(words),
        engine=engine.name,
        model=engine.model,
        language=language,
        settings=tuple(sorted(DECODING.items())),
        recording_sha256=recording.sha256,
    )


def _t(seconds: float) -> float:
    return round(max(seconds, 0.0), 3)
