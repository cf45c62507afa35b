"""``build()``: runs the stages in order, load to publish; the only module that sequences them."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from pipeline import chapters, check, config, link, load, master, publish, render, transcribe
from pipeline.errors import ConfigError, ContentError, Problems
from pipeline.model import Episode, Show

Progress = Callable[[float, float], None]


class Reporter(Protocol):
    """How long work shows progress: the CLI draws bars on a terminal, tests pass nothing."""

    def task(self, label: str, total: float) -> Progress: ...

    def done(self) -> None: ...


class Quiet:
    def task(self, label: str, total: float) -> Progress:
        return lambda done, total: None

    def done(self) -> None:
        pass


@dataclass
class BuildReport:
    problems: Problems
    out: Path
    published: list[str] = field(default_factory=list)  # slugs of episodes built now
    kept: list[str] = field(default_factory=list)  # broken episodes left as last published
    transcribed: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def paths(root: Path, out: Path | None) -> tuple[Path, Path]:
    """The output folder and the state folder of a show."""
    root = Path(root)
    return (Path(out) if out is not None else root / "feeds"), root / ".pipeline"


def build(root: Path, out: Path | None = None, reporter: Reporter | None = None) -> BuildReport:
    """Build the show in ``root`` into ``out`` (default ``<root>/feeds``).

    Raises ConfigError for a broken site.toml and LockedError when another build runs;
    every content problem is collected in the report instead, and the rest still builds.
    """
    root = Path(root)
    out, state = paths(root, out)
    if out.resolve() == root.resolve() or root.resolve().is_relative_to(out.resolve()):
        raise ConfigError(
            f"--out {out}: would publish over the show folder; choose a folder of its own"
        )
    reporter = reporter or Quiet()
    site = config.load_site(root)
    with publish.build_lock(state):
        problems = Problems()
        show = load.load_show(root, site, problems)
        show, transcribed = transcribe_all(show, problems, reporter)
        show = chapters.place_chapters(show)
        show = link.link(show, problems)
        show = master_all(show, state, problems, reporter)
        kept = last_good(state, problems.broken_slugs(), {e.slug for e in show.episodes})
        rendered = render.render_show(show, problems, kept)
        written = publish.publish(rendered.outputs, out, state, keep=set(kept))
        remember(state, show)
        problems.items += check.check_feeds(out, site, state)
        reporter.done()
    return BuildReport(
        problems=problems,
        out=out,
        published=[e.slug for e in show.episodes],
        kept=sorted(kept),
        transcribed=sorted(transcribed),
        written=written.written,
        unchanged=written.unchanged,
        removed=written.removed,
    )


def transcribe_all(
    show: Show, problems: Problems, reporter: Reporter, force: set[str] = frozenset()
) -> tuple[Show, list[str]]:
    """The ``transcribe`` stage: a transcript for every episode (cached ones are reused)."""
    episodes: list[Episode] = []
    transcribed: list[str] = []
    for episode in show.episodes:
        assert episode.recording is not None
        progress = reporter.task(f"transcribe {episode.slug}", episode.recording.duration)
        try:
            result = transcribe.transcribe_episode(
                episode, show.site, force=episode.slug in force, progress=progress
            )
        except ContentError as exc:
            problems.add(exc, slug=episode.slug)
            continue
        for warning in result.warnings:
            problems.warning(episode.transcript_path, warning, slug=episode.slug)
        if result.transcribed:
            transcribed.append(episode.slug)
        episodes.append(replace(episode, transcript=result.transcript))
    return replace(show, episodes=tuple(episodes)), transcribed


def master_all(show: Show, state: Path, problems: Problems, reporter: Reporter) -> Show:
    """The ``master`` stage: the published, tagged MP3 of every episode."""
    art = show.root / show.site.image if show.site.image else None
    if art is not None and not (
        art.is_file() and art.resolve().is_relative_to(show.root.resolve())
    ):
        art = None  # render reports it
    episodes: list[Episode] = []
    for episode in show.episodes:
        assert episode.recording is not None
        progress = reporter.task(f"master {episode.slug}", episode.recording.duration)
        try:
            audio = master.master_episode(episode, show.site, state / "master", art, progress)
        except ContentError as exc:
            problems.add(exc, slug=episode.slug)
            continue
        episodes.append(replace(episode, audio=audio))
    return replace(show, episodes=tuple(episodes))


# --- the last good version of each episode -----------------------------------------------
# A broken episode keeps its published files and its item in the feeds: the episode as it
# was last published is kept in .pipeline/published/<slug>.pickle (local state, ours only).


def remember(state: Path, show: Show) -> None:
    folder = state / "published"
    for episode in show.episodes:
        publish.write_atomic(folder / f"{episode.slug}.pickle", pickle.dumps(episode))
    published = {e.slug for e in show.episodes}
    for stale in folder.glob("*.pickle") if folder.is_dir() else ():
        if stale.stem not in published and not (show.root / "episodes" / stale.stem).is_dir():
            stale.unlink()


def last_good(state: Path, broken: set[str], built: set[str]) -> dict[str, Episode]:
    kept: dict[str, Episode] = {}
    for slug in sorted(broken - built):
        try:
            episode = pickle.loads((state / "published" / f"{slug}.pickle").read_bytes())
        except (OSError, pickle.UnpicklingError, AttributeError, TypeError, EOFError):
            continue  # never published, or saved by another version: nothing to keep
        if isinstance(episode, Episode) and episode.audio is not None:
            kept[slug] = episode
    return kept
