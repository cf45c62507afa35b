"""The ``shorten`` stage: each episode's short version, its key points and soundbites.

A short version is at most ``[short] minutes`` long and ``ratio`` of the episode: whole
sentences chosen from the transcript (``sentences``, ``plan``), or the ranges the host
listed under ``short:``, cut from the mastered audio in its pauses (``cut``), with its own
transcript and chapters (``timeline``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from pipeline.errors import ContentError, Problems
from pipeline.formats.times import clock
from pipeline.model import Episode, Show
from pipeline.reports import Reporter
from pipeline.shorten import cut, plan, sentences

__all__ = ["shorten_episode", "shorten_show"]


def shorten_show(show: Show, cache_dir: Path, problems: Problems, reporter: Reporter) -> Show:
    """Every mastered episode with its short version (``Episode.short``)."""
    episodes = []
    for episode in show.episodes:
        length = episode.audio.duration if episode.audio else 0.0
        progress = reporter.task(f"shorten {episode.slug}", length)
        started = time.monotonic()
        try:
            shortened, made = shorten_episode(episode, show, cache_dir, problems)
        except ContentError as exc:
            problems.add(exc, slug=episode.slug)
            continue
        progress(length, length)
        short = shortened.short
        if made and short is not None and short.audio is not None:
            reporter.finished(
                f"shortened {episode.slug}: {clock(short.audio.duration)} of "
                f"{clock(length)} in {time.monotonic() - started:.0f} s"
            )
        episodes.append(shortened)
    return replace(show, episodes=tuple(episodes))


def shorten_episode(
    episode: Episode, show: Show, cache_dir: Path, problems: Problems
) -> tuple[Episode, bool]:
    """The episode with its short version; True when its audio was cut now (not cached)."""
    if episode.audio is None or episode.recording is None:
        return episode, False
    duration = episode.audio.duration
    target = plan.target_seconds(duration, show.site.short)
    transcript = episode.transcript
    if transcript is None and not episode.short_ranges:
        problems.warning(
            episode.outline_path,
            "has no transcript yet, so no short version can be chosen for it; it gets one "
            f"once `pipeline transcribe {episode.slug}` has run, or list the parts to keep "
            "under `short:` (MM:SS-MM:SS)",
            slug=episode.slug,
        )
        return episode, False
    found, heard = [], None
    language = show.site.transcription_language
    if transcript is not None:
        said = sentences.sentences(transcript, duration, episode.chapters)
        found = sentences.scored(said, episode.chapters, language)
        if transcript.edited and transcript.words:
            # The excerpts are chosen on what Whisper heard, which a correction keeps: fixing a
            # word never moves the short version's audio (nor costs cutting it again).
            words = sentences.sentences(transcript, duration, episode.chapters, heard=True)
            heard = sentences.scored(words, episode.chapters, language)
    short = plan.plan(episode, found, target, duration, language == "en", heard)
    made = False
    if short.excerpts:
        short, made = cut.cut_short(episode, short, show.site, cache_dir, show.artwork)
    return replace(episode, short=short), made
