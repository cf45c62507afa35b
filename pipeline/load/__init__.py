"""The ``load`` stage: episode folders and issue files into model objects (the only reader).

Folders, file names and paths are checked here; what a file's front matter says is read by
``frontmatter``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from pipeline import audio, frontmatter
from pipeline.errors import ContentError, Problems
from pipeline.load.outline import check_length, check_short_ranges, parse_outline, with_images
from pipeline.model import (
    SLUG,
    AudioFile,
    Episode,
    Issue,
    Person,
    Recording,
    Show,
    Site,
)
from pipeline.text import bad_character, describe_character, shown

__all__ = ["load_episode", "load_show", "parse_outline", "probe_key"]

EPISODE_KEYS = {
    "title", "date", "summary", "number", "season", "type", "explicit", "topics", "hosts",
    "guests", "draft", "short", "guid",
}  # fmt: skip
ISSUE_KEYS = {"title", "date", "subject", "preheader", "episodes", "draft"}
EPISODE_TYPES = ("full", "trailer", "bonus")


Probed = Mapping[str, AudioFile]  # what earlier builds learnt of recordings, by probe_key


def load_show(root: Path, site: Site, problems: Problems, probed: Probed | None = None) -> Show:
    """Read every episode folder and issue file; problems are collected, not raised.

    ``probed`` holds recordings probed before: one whose size, modification time and inode
    are unchanged is not read again (probing hashes the whole file).
    """
    root = Path(root)
    episodes, waiting = _load_episodes(root, site, problems, probed or {})
    issues = _load_issues(root, site, problems)

    # Slugs are link targets ([[slug]]): an episode and an issue may not share one.
    by_slug = {e.slug: e for e in episodes + waiting}
    for issue in list(issues):
        if issue.slug in by_slug:
            problems.error(
                issue.path,
                f"the slug '{issue.slug}' is also the episode {by_slug[issue.slug].folder}; "
                "rename the issue file (slugs are unique across episodes and issues)",
                slug=issue.slug,
            )
            issues.remove(issue)

    newest_first = lambda item: (item.date, item.slug)  # noqa: E731
    return Show(
        root=root,
        site=site,
        episodes=tuple(sorted(episodes, key=newest_first, reverse=True)),
        issues=tuple(sorted(issues, key=newest_first, reverse=True)),
        waiting=tuple(sorted(waiting, key=newest_first, reverse=True)),
        artwork=_artwork(root, site, problems),
    )


def _artwork(root: Path, site: Site, problems: Problems) -> Path | None:
    """The show's artwork file (``image``), or None: then render publishes generated artwork."""
    toml = root / "site.toml"
    if not site.image:
        return None
    path = root / site.image
    try:
        _inside(path, root, "copy the artwork into the show folder")
    except ContentError as exc:
        problems.add(exc)
        return None
    if not path.is_file():
        problems.error(
            toml,
            f"'image' {site.image!r} is not a file inside the show folder; give the path of "
            "the square artwork relative to site.toml",
        )
        return None
    return path


# --- episodes ----------------------------------------------------------------------------


def _load_episodes(
    root: Path, site: Site, problems: Problems, probed: Probed
) -> tuple[list[Episode], list[Episode]]:
    folder = root / "episodes"
    try:
        _inside(folder, root, "move the episodes into the show folder instead of linking them")
        entries = sorted(folder.iterdir()) if folder.is_dir() else []
        folders = [p for p in entries if p.is_dir() and not p.name.startswith(".")]
    except ContentError as exc:
        problems.add(exc)
        return [], []
    except OSError as exc:
        problems.error(folder, f"cannot be read ({exc.strerror}); check its permissions")
        return [], []
    if not folders:
        problems.warning(folder, "no episodes yet; add one with `pipeline new episode SLUG`")
        return [], []
    published: list[Episode] = []
    waiting: list[Episode] = []
    for path in folders:
        try:
            episode = load_episode(path, site, root, probed, problems)
        except ContentError as exc:
            problems.add(exc, slug=path.name)
            continue
        except OSError as exc:  # a file that vanished or may not be read
            problems.error(
                exc.filename or path,
                f"cannot be read ({exc.strerror}); check that it is there and readable",
                slug=path.name,
            )
            continue
        if episode is None:  # a draft
            continue
        if episode.recording is None:
            problems.warning(
                episode.outline_path,
                "has no recording yet, so the episode is not published; add one audio file "
                "(.mp3 .m4a .wav .flac .ogg .opus) or tracks/<Speaker>.<ext> to the folder",
                slug=episode.slug,
            )
            waiting.append(episode)
        else:
            published.append(episode)
    return published, waiting


def load_episode(
    folder: Path,
    site: Site,
    root: Path,
    probed: Probed | None = None,
    problems: Problems | None = None,
) -> Episode | None:
    """Read one episode folder; None for a draft. Raises ContentError naming the file.

    What does not stop the episode from being published (a chapter image that is missing)
    is a warning in ``problems``.
    """
    slug = folder.name
    if bad_character(slug):
        raise ContentError(
            folder.parent,
            f"the folder name {shown(slug)} is not a valid slug; rename it with lower-case "
            "letters, digits and single hyphens only (like 2024-08-07-rain-and-bikes)",
        )
    if not SLUG.match(slug):
        raise ContentError(
            folder,
            "the folder name is not a valid slug; rename it with lower-case letters, digits "
            "and single hyphens only (like 2024-08-07-rain-and-bikes)",
        )
    _inside(folder, root, "move the episode folder into the show instead of linking to it")
    outline = _inside(folder / "outline.md", root)
    if not outline.is_file():
        raise ContentError(
            folder,
            f"has no outline.md; create one with `pipeline new episode {slug}` "
            "(front matter with title and date, then the outline)",
        )
    meta, body, body_line = frontmatter.read_document(outline)
    frontmatter.refuse_unknown_keys(meta, EPISODE_KEYS, outline)
    if frontmatter.boolean(meta, "draft", outline, default=False):
        return None

    title = frontmatter.required_text(meta, "title", outline)
    when = frontmatter.parse_date(meta, outline, site.timezone)
    kind = meta.get("type", "full")
    if kind not in EPISODE_TYPES:
        raise ContentError(
            outline, f"'type' must be one of full, trailer, bonus (got {shown(kind)})"
        )
    explicit = frontmatter.boolean(meta, "explicit", outline, default=site.explicit)
    intro, chapters = parse_outline(body, outline)
    # The pipeline writes transcript.json: a link out of the show would be written through.
    _inside(
        folder / "transcript.json",
        root,
        "replace the link with the file itself (the pipeline reads and writes transcript.json "
        "in the episode folder)",
    )

    chapters = with_images(chapters, folder, outline, problems or Problems())
    recording = _recording(folder, root, probed or {})
    short = frontmatter.short_ranges(meta.get("short", []), outline)
    if recording is not None:
        check_length(chapters, recording.duration, outline)
        check_short_ranges(short, recording.duration, outline)

    hosts = meta.get("hosts", list(site.hosts))
    return Episode(
        slug=slug,
        folder=folder,
        title=title,
        date=when,
        body=body,
        body_line=body_line,
        intro=intro,
        chapters=chapters,
        summary=frontmatter.optional_text(meta, "summary", outline),
        number=frontmatter.positive_int(meta, "number", outline),
        season=frontmatter.positive_int(meta, "season", outline),
        type=kind,
        explicit=explicit,
        topics=frontmatter.string_list(meta, "topics", outline),
        hosts=tuple(Person(name) for name in frontmatter.names(hosts, "hosts", outline)),
        guests=frontmatter.guests(meta.get("guests", []), outline),
        short_ranges=short,
        guid=frontmatter.optional_text(meta, "guid", outline) or None,
        cover=_cover(folder, root),
        recording=recording,
    )


def probe_key(path: Path, root: Path) -> str:
    """What identifies a recording file without reading it: path, size, mtime and inode."""
    info = path.stat()
    relative = path.relative_to(root).as_posix()
    return f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}"


def _probe(path: Path, root: Path, probed: Probed) -> AudioFile:
    known = probed.get(probe_key(path, root))
    return replace(known, path=path) if known is not None else audio.probe(path)


def _recording(folder: Path, root: Path, probed: Probed) -> Recording | None:
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and _is_audio(p)]
    tracks_dir = folder / "tracks"
    _inside(tracks_dir, root)
    tracks = (
        [p for p in sorted(tracks_dir.iterdir()) if p.is_file() and _is_audio(p)]
        if tracks_dir.is_dir()
        else []
    )
    for path in files + tracks:
        bad = bad_character(path.name)
        if bad:
            kind, like = (
                ("track", "after its speaker, like Ada.ogg")
                if path.parent == tracks_dir
                else ("recording", "like recording.mp3")
            )
            raise ContentError(
                path.parent,
                f"the {kind} {shown(path.name)} has {describe_character(bad.group())} in its "
                f"name; rename the file {like}",
            )
    if files and tracks:
        raise ContentError(
            folder,
            f"has both a recording ({files[0].name}) and tracks/; keep one of them "
            "(move the other out of the episode folder)",
        )
    if len(files) > 1:
        names = ", ".join(p.name for p in files)
        raise ContentError(
            folder,
            f"has {len(files)} recordings ({names}); keep exactly one audio file per episode",
        )
    for path in files + tracks:
        _inside(path, root)
    if files:
        return Recording(files=(_probe(files[0], root, probed),))
    if tracks:
        speakers = tuple(p.stem.strip() for p in tracks)
        if not all(speakers):
            raise ContentError(
                tracks_dir, "a track has no speaker name; name each file after its speaker"
            )
        if len(set(speakers)) != len(speakers):
            raise ContentError(tracks_dir, "two tracks have the same speaker name; rename one")
        return Recording(files=tuple(_probe(p, root, probed) for p in tracks), speakers=speakers)
    return None


def _is_audio(path: Path) -> bool:
    return path.suffix.lower() in audio.AUDIO_SUFFIXES and not path.name.startswith(".")


def _cover(folder: Path, root: Path) -> Path | None:
    for name in ("cover.jpg", "cover.png"):
        path = _inside(folder / name, root)
        if path.is_file():
            return path
    return None


def _inside(path: Path, root: Path, fix: str = "copy the file into the show instead") -> Path:
    """Refuse a path (or a link, even a dangling one) that leads outside the show folder.

    A path that does not exist, and is no link, is inside: its callers say it is missing.
    """
    try:
        inside = path.resolve().is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):  # a loop of links
        raise ContentError(
            path, "is a link that cannot be followed (a loop of links); replace it with the file"
        ) from None
    if not inside:
        raise ContentError(path, f"points outside the show folder; {fix}")
    return path


# --- issues ------------------------------------------------------------------------------


def _load_issues(root: Path, site: Site, problems: Problems) -> list[Issue]:
    folder = root / "issues"
    try:
        _inside(folder, root, "move the issues into the show folder instead of linking them")
        paths = sorted(folder.glob("*.md")) if folder.is_dir() else []
    except ContentError as exc:
        problems.add(exc)
        return []
    except OSError as exc:
        problems.error(folder, f"cannot be read ({exc.strerror}); check its permissions")
        return []
    issues: list[Issue] = []
    for path in paths:
        try:
            issue = load_issue(path, site, root)
        except ContentError as exc:
            problems.add(exc, slug=path.stem)
            continue
        if issue is not None:
            issues.append(issue)
    return issues


def load_issue(path: Path, site: Site, root: Path | None = None) -> Issue | None:
    """Read one newsletter issue; None for a draft. Raises ContentError naming the file.

    ``root`` is the show folder (default: the folder above ``issues/``).
    """
    slug = path.stem
    if bad_character(path.name):
        raise ContentError(
            path.parent,
            f"the file name {shown(path.name)} is not a valid slug; rename it with lower-case "
            "letters, digits and single hyphens only (like 2024-08-newsletter.md)",
        )
    if not SLUG.match(slug):
        raise ContentError(
            path,
            "the file name is not a valid slug; rename it with lower-case letters, digits and "
            "single hyphens only (like 2024-08-newsletter.md)",
        )
    _inside(path, root if root is not None else path.parent.parent)
    meta, body, body_line = frontmatter.read_document(path)
    frontmatter.refuse_unknown_keys(meta, ISSUE_KEYS, path)
    if frontmatter.boolean(meta, "draft", path, default=False):
        return None
    title = frontmatter.required_text(meta, "title", path)
    episodes = meta.get("episodes")
    if episodes is not None:
        episodes = tuple(frontmatter.string_list(meta, "episodes", path))
    return Issue(
        slug=slug,
        path=path,
        title=title,
        date=frontmatter.parse_date(meta, path, site.timezone),
        body=body,
        body_line=body_line,
        subject=frontmatter.optional_text(meta, "subject", path) or title,
        preheader=frontmatter.optional_text(meta, "preheader", path),
        episodes=episodes,
    )
