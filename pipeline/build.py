"""``build()``: runs the stages in order, load to publish; the only module that sequences them."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import replace
from pathlib import Path

from pipeline import (
    chapters,
    config,
    link,
    load,
    master,
    publish,
    render,
    shorten,
    snapshot,
    state,
)
from pipeline import check as feed_check
from pipeline import transcribe as transcription
from pipeline.errors import ConfigError, ContentError, Problems
from pipeline.files import remove_leftovers
from pipeline.formats import times
from pipeline.model import SLUG, AudioFile, Episode, Issue, PublishedAudio, Show
from pipeline.reports import BuildReport, ChaptersReport, Quiet, Reporter, TranscribeReport
from pipeline.snapshot import SnapshotError
from pipeline.transcribe.stage import transcribe_all


def output_folder(root: Path, out: Path | None) -> Path:
    """Where the show is published; raises ConfigError for a folder that is no place for it.

    Inside the show folder only its own ``feeds/`` is: anywhere else there, a build would
    write among (and remove from) the hosts' files. ``feeds/`` that is a link out of the show
    is refused too; a folder elsewhere is fine when it is asked for with ``--out``.
    """
    root = Path(root).resolve()
    default = root / "feeds"
    if out is None:
        if default.is_symlink() or (default.exists() and not default.resolve() == default):
            raise ConfigError(
                f"{default}: is a link to {default.resolve()}; remove the link, or publish "
                f"there on purpose with --out {default.resolve()}"
            )
        return default
    target = Path(out).resolve()
    if target != default and (target == root or target.is_relative_to(root)):
        raise ConfigError(
            f"--out {out}: is inside the show folder {root}, where only feeds/ may hold the "
            "output; choose feeds/ or a folder outside the show"
        )
    if root.is_relative_to(target):
        raise ConfigError(
            f"--out {out}: would publish over the show folder; choose a folder of its own"
        )
    return Path(out)


def build(
    root: Path,
    out: Path | None = None,
    reporter: Reporter | None = None,
    scheduler: str | None = None,
) -> BuildReport:
    """Build the show in ``root`` into ``out`` (default ``<root>/feeds``).

    ``scheduler`` (a Dask scheduler's address; default site.toml's ``[transcribe] scheduler``)
    transcribes on that cluster; everything else is built here.

    Raises ConfigError for a broken site.toml or output folder and LockedError when another
    build runs; every content problem is collected in the report instead, and the rest
    still builds.
    """
    root = Path(root)
    out = output_folder(root, out)
    reporter = reporter or Quiet()
    site = config.load_site(root)
    with state.lock(root) as state_dir:
        clear_leftovers(root, out)
        problems = Problems()
        probes = state.probes_path(state_dir)
        show = load.load_show(root, site, problems, snapshot.load_probes(probes, root))
        snapshot.save_probes(probes, probed(show), root)
        ahead = Premastering(show, state.master_dir(state_dir))  # uses the idle core
        try:
            show, transcribed = transcribe_all(
                show, problems, reporter, scheduler=scheduler or site.transcribe.scheduler
            )
            placed = state.placements_path(state_dir)
            placements = chapters.Placements(snapshot.load_placements(placed, root))
            show = chapters.place_chapters(show, problems, placements)
            snapshot.save_placements(placed, placements.now, root)
            show = link.link(show, problems)
            show = master_all(show, state_dir, problems, reporter, ahead)
        finally:
            ahead.stop()
        show = shorten.shorten_show(show, state.master_dir(state_dir), problems, reporter)
        kept = last_good(show, state_dir, out, problems)
        rendered = render.render_show(show, problems, kept, state.search_dir(state_dir))
        written = publish.publish(
            rendered.outputs,
            out,
            state_dir,
            problems,
            rendered.keep,
            [*kept.episodes, *kept.issues],
        )
        remember(show, state_dir, problems)
        # The chapters stage warned about too few chapters already, naming the outline.
        skip = frozenset({"chapters-count"})
        problems.items += feed_check.check_feeds(out, site, state_dir, skip)
        reporter.done()
    return BuildReport(
        problems=problems,
        out=out,
        published=[e.slug for e in show.episodes],
        kept=sorted(kept.episodes),
        transcribed=sorted(transcribed),
        written=written.written,
        unchanged=written.unchanged,
        removed=written.removed,
    )


def transcribe(
    root: Path,
    slugs: tuple[str, ...] = (),
    force: bool = False,
    reporter: Reporter | None = None,
    scheduler: str | None = None,
) -> TranscribeReport:
    """Transcribe the episodes named by ``slugs`` (all when empty) into their transcript.json.

    ``force`` transcribes again, keeping a hand-corrected file as a backup; ``scheduler``
    as for ``build``. Raises ConfigError for a slug that names no published episode.
    """
    root = Path(root)
    reporter = reporter or Quiet()
    site = config.load_site(root)
    with state.lock(root):
        problems = Problems()
        show = load.load_show(root, site, problems)
        known = {e.slug for e in show.episodes}
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise ConfigError(
                f"no published episode named {', '.join(unknown)}; "
                f"choose from: {', '.join(sorted(known)) or '(none)'}"
            )
        chosen = set(slugs) or known
        show = replace(show, episodes=tuple(e for e in show.episodes if e.slug in chosen))
        show, done = transcribe_all(
            show,
            problems,
            reporter,
            force=chosen if force else set(),
            scheduler=scheduler or site.transcribe.scheduler,
        )
        reporter.done()
    current = sorted(e.slug for e in show.episodes if e.slug not in done)
    return TranscribeReport(problems, sorted(done), current)


def episode_chapters(root: Path, slug: str) -> ChaptersReport:
    """One episode's chapters as the next build places them, on its transcript.json as it is.

    Transcribes nothing and writes nothing. Raises ConfigError for a slug that names no
    published episode; the problems are the episode's own.
    """
    root = Path(root)
    site = config.load_site(root)
    everything = Problems()
    show = load.load_show(root, site, everything)
    episode = next((e for e in show.episodes if e.slug == slug), None)
    if episode is None:
        known = ", ".join(sorted(e.slug for e in show.episodes)) or "(none)"
        raise ConfigError(f"no published episode named {slug}; choose from: {known}")
    problems = Problems()
    problems.items = [
        p for p in everything.items if p.slug == slug or Path(p.path).is_relative_to(episode.folder)
    ]
    transcript = None
    try:
        transcript = transcription.read_transcript(episode.transcript_path)
    except ContentError as exc:
        problems.add(exc, slug=slug)
    if transcript and episode.recording and transcript.recording_sha256 != episode.recording.sha256:
        problems.warning(
            episode.transcript_path,
            "is of an earlier version of the recording, so these chapters may move when the "
            f"next build transcribes it again; run `pipeline transcribe {slug}` first",
            slug=slug,
        )
    show = replace(show, episodes=(replace(episode, transcript=transcript),))
    placed = chapters.place_chapters(show, problems).episodes[0]
    said = tuple(chapters.first_words(transcript, c.start) for c in placed.chapters)
    return ChaptersReport(problems, placed, said)


def check(root: Path, out: Path | None = None) -> Problems:
    """Check site.toml, the content and the published feeds; changes nothing but guids.json."""
    root = Path(root)
    out = output_folder(root, out)
    site = config.load_site(root)
    with state.lock(root) as state_dir:  # the check remembers guids in the state folder
        problems = Problems()
        load.load_show(root, site, problems)
        if not (out / "podcast.xml").is_file():
            problems.error(out, "has no podcast.xml; run `pipeline build` first")
        else:
            problems.items += feed_check.check_feeds(out, site, state_dir)
    return problems


def probed(show: Show) -> dict[str, AudioFile]:
    """What load learnt of each recording, by ``load.probe_key``, for the next build."""
    known: dict[str, AudioFile] = {}
    for episode in show.episodes:
        for f in episode.recording.files if episode.recording else ():
            try:
                known[load.probe_key(f.path, show.root)] = f
            except (OSError, ValueError):
                continue  # gone since, or not under the show: probed again next time
    return known


def clear_leftovers(root: Path, out: Path) -> None:
    """Remove the temporary files a killed build left: in the output, and our transcripts'."""
    remove_leftovers(out)
    episodes = Path(root) / "episodes"
    for folder in sorted(episodes.iterdir()) if episodes.is_dir() else ():
        if folder.is_dir() and not folder.is_symlink():
            remove_leftovers(folder, recursive=False, prefix=".transcript.")


class Premastering:
    """Masters the episodes in a thread of its own while the main thread transcribes.

    Transcription keeps about one and a half of two cores busy and mastering one, and the
    untagged master needs nothing from the transcript, so the master stage finds most of
    its work done (``master.premaster``). A failure here is left for the master stage,
    which meets it again and reports it as usual.
    """

    def __init__(self, show: Show, cache: Path) -> None:
        self.seconds: dict[str, float] = {}  # the episodes mastered here, and how long it took
        self._done = {e.slug: threading.Event() for e in show.episodes}
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(show, cache), name="premaster", daemon=True
        )
        self._thread.start()

    def _run(self, show: Show, cache: Path) -> None:
        for episode in show.episodes:
            started = time.monotonic()
            # A failure is master_all's to meet again and report.
            with contextlib.suppress(Exception):
                if not self._stop.is_set() and master.premaster(episode, show.site, cache):
                    self.seconds[episode.slug] = time.monotonic() - started
            self._done[episode.slug].set()

    def wait(self, slug: str) -> None:
        """Until the episode is mastered here, or was never going to be."""
        if slug in self._done:
            self._done[slug].wait()

    def stop(self) -> None:
        """Start no further episode (the one under way finishes: its write is atomic)."""
        self._stop.set()


def master_all(
    show: Show,
    state_dir: Path,
    problems: Problems,
    reporter: Reporter,
    ahead: Premastering | None = None,
) -> Show:
    """The ``master`` stage: the published, tagged MP3 of every episode."""
    art = show.artwork  # None: the generated artwork, which the MP3 does not carry
    episodes: list[Episode] = []
    for episode in show.episodes:
        assert episode.recording is not None
        progress = reporter.task(f"master {episode.slug}", episode.recording.duration)
        if ahead is not None:
            ahead.wait(episode.slug)
        started, cache = time.monotonic(), state.master_dir(state_dir)
        encode = not master.is_mastered(episode, show.site, cache)
        try:
            audio = master.master_episode(episode, show.site, cache, art, progress)
        except ContentError as exc:
            problems.add(exc, slug=episode.slug)
            continue
        took = ahead.seconds.get(episode.slug) if ahead is not None else None
        if encode or took is not None:
            seconds = took if took is not None else time.monotonic() - started
            reporter.finished(
                f"mastered {episode.slug}: {times.clock(episode.recording.duration)} of audio "
                f"in {seconds:.0f} s"
            )
        episodes.append(replace(episode, audio=audio))
    return replace(show, episodes=tuple(episodes))


# --- the last good version of each episode and issue ---------------------------------------
# A broken episode keeps its pages and its item in the feeds: what was last published is
# kept in .pipeline/published/<slug>.json and rendered again from there.


def remember(show: Show, state_dir: Path, problems: Problems) -> None:
    """Keep what this build published; forget what is neither online nor broken now."""
    folder = state.published_dir(state_dir)
    online: set[str] = set()
    items: tuple[Episode | Issue, ...] = (*show.episodes, *show.issues)
    for item in items:
        try:
            snapshot.save(folder / f"{item.slug}.json", item, show.root)
        except (TypeError, ValueError) as exc:  # a path outside the show: never kept
            problems.warning(folder / f"{item.slug}.json", f"not kept ({exc})", slug=item.slug)
        online.add(item.slug)
    keep = online | problems.broken_slugs()
    for old in sorted(folder.iterdir()) if folder.is_dir() else ():
        stale = old.stem not in keep or old.suffix != ".json"
        if stale and (old.is_file() or old.is_symlink()):
            old.unlink()  # ours: a snapshot of something unpublished, or an old format


def last_good(show: Show, state_dir: Path, out: Path, problems: Problems) -> render.Kept:
    """The last published version of each broken episode and issue that can stay online.

    An episode's audio comes from the mastering cache, else from the published copy in the
    output folder; where both are gone its item is dropped (an enclosure must not point at
    nothing).
    """
    built = {e.slug for e in show.episodes} | {i.slug for i in show.issues}
    folder = state.published_dir(state_dir)
    episodes: dict[str, Episode] = {}
    issues: dict[str, Issue] = {}
    for slug in sorted(problems.broken_slugs() - built):
        if not SLUG.match(slug):
            continue  # an invalid folder name: never published
        path = folder / f"{slug}.json"
        try:
            item = snapshot.load(path, show.root)
        except FileNotFoundError:
            if (folder / f"{slug}.pickle").exists():
                problems.warning(
                    folder / f"{slug}.pickle",
                    "was kept by an older version of the pipeline and is never read; "
                    f"{slug} stays offline until it is fixed",
                    slug=slug,
                )
            continue
        except SnapshotError as exc:
            problems.warning(
                path, f"{exc}; it is ignored, so {slug} stays offline until it is fixed", slug=slug
            )
            continue
        if item.slug != slug:
            problems.warning(path, f"holds {item.slug}, not {slug}; it is ignored", slug=slug)
        elif isinstance(item, Issue):
            issues[slug] = item
        else:
            episode = _with_sources(item, state_dir, out)
            if episode is None:
                problems.warning(
                    path,
                    f"the last published audio of {slug} is gone (from .pipeline/master and "
                    f"from {out}); its item is dropped from the feeds until it is fixed",
                    slug=slug,
                )
            else:
                episodes[slug] = episode
    return render.Kept(episodes=episodes, issues=issues)


def _with_sources(episode: Episode, state_dir: Path, out: Path) -> Episode | None:
    """The kept episode with files that still exist, or None when its audio is gone."""
    base = Path(out) / "episodes" / episode.slug
    cache = state.master_dir(state_dir).resolve()
    audio = _still_there(episode.audio, cache, base / f"{episode.slug}.mp3")
    if audio is None:
        return None
    short = episode.short
    if short is not None and short.audio is not None:
        short = replace(short, audio=_still_there(short.audio, cache, base / "short.mp3"))
    cover = episode.cover
    if cover is not None and not cover.is_file():
        copy = base / f"cover{cover.suffix.lower()}"
        cover = copy if copy.is_file() and not copy.is_symlink() else None
    return replace(episode, audio=audio, cover=cover, short=short)


def _still_there(audio: PublishedAudio | None, cache: Path, copy: Path) -> PublishedAudio | None:
    """Published audio from the mastering cache, else its published copy; None when gone."""
    if audio is None:
        return None
    if audio.path.is_file() and audio.path.resolve().is_relative_to(cache):
        return audio
    if copy.is_file() and not copy.is_symlink():
        return replace(audio, path=copy)
    return None
