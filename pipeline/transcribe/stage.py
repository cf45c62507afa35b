"""The ``transcribe`` stage: a transcript for every episode, here or on a Dask cluster."""

from __future__ import annotations

import time
from collections.abc import Set
from dataclasses import replace

from pipeline.errors import ContentError, Problems
from pipeline.formats import times
from pipeline.model import Episode, Show
from pipeline.reports import Reporter
from pipeline.transcribe import TranscribeResult, transcribe_episode


def transcribe_all(
    show: Show,
    problems: Problems,
    reporter: Reporter,
    force: Set[str] = frozenset(),
    scheduler: str | None = None,
) -> tuple[Show, list[str]]:
    """A transcript for every episode (cached ones are reused); the slugs transcribed now.

    ``scheduler`` (a Dask scheduler's address) sends the recordings to its workers, one task
    each; nothing about Dask is imported without it. A recording that fails is a problem
    named after its episode, and the others go on.
    """
    if scheduler:
        from pipeline.transcribe.cluster import transcribe_on_cluster

        results = transcribe_on_cluster(show, problems, reporter, force, scheduler)
    else:
        results = _transcribe_here(show, problems, reporter, force)
    episodes: list[Episode] = []
    transcribed: list[str] = []
    for episode in show.episodes:
        result = results.get(episode.slug)
        if result is None:
            continue  # its problem is named already
        for warning in result.warnings:
            problems.warning(episode.transcript_path, warning, slug=episode.slug)
        if result.transcribed:
            transcribed.append(episode.slug)
        episodes.append(replace(episode, transcript=result.transcript))
    return replace(show, episodes=tuple(episodes)), transcribed


def _transcribe_here(
    show: Show, problems: Problems, reporter: Reporter, force: Set[str]
) -> dict[str, TranscribeResult]:
    """One episode after the other on this machine, each with its progress bar."""
    results: dict[str, TranscribeResult] = {}
    for episode in show.episodes:
        assert episode.recording is not None
        progress = reporter.task(f"transcribe {episode.slug}", episode.recording.duration)
        started = time.monotonic()
        try:
            result = transcribe_episode(
                episode, show.site, force=episode.slug in force, progress=progress
            )
        except ContentError as exc:
            problems.add(exc, slug=episode.slug)
            continue
        if result.transcribed:
            reporter.finished(
                f"transcribed {episode.slug}: {times.clock(episode.recording.duration)} of audio "
                f"in {time.monotonic() - started:.0f} s"
            )
        results[episode.slug] = result
    return results
