"""The ``load`` stage: episode folders and issue files into model objects (the only reader)."""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from pipeline import audio
from pipeline.errors import ContentError, Problems
from pipeline.model import Chapter, Episode, Issue, Person, Recording, Show, Site

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HEADING = re.compile(r"^## +(.+?)\s*#*\s*$", re.MULTILINE)
TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:\.(\d+))?\s+(.+)$")
RANGE = re.compile(r"^\s*([\d:.]+)\s*-\s*([\d:.]+)\s*$")

EPISODE_KEYS = {
    "title", "date", "summary", "number", "season", "type", "explicit", "topics", "hosts",
    "guests", "draft", "short", "guid",
}  # fmt: skip
ISSUE_KEYS = {"title", "date", "subject", "preheader", "episodes", "draft"}
EPISODE_TYPES = ("full", "trailer", "bonus")


def load_show(root: Path, site: Site, problems: Problems) -> Show:
    """Read every episode folder and issue file; problems are collected, not raised."""
    root = Path(root)
    episodes, waiting = _load_episodes(root, site, problems)
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
    )


# --- episodes ----------------------------------------------------------------------------


def _load_episodes(
    root: Path, site: Site, problems: Problems
) -> tuple[list[Episode], list[Episode]]:
    folder = root / "episodes"
    if not folder.is_dir() or not any(p.is_dir() for p in folder.iterdir()):
        problems.warning(folder, "no episodes yet; add one with `pipeline new episode SLUG`")
        return [], []
    published: list[Episode] = []
    waiting: list[Episode] = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            episode = load_episode(path, site, root)
        except ContentError as exc:
            problems.add(exc, slug=path.name)
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


def load_episode(folder: Path, site: Site, root: Path) -> Episode | None:
    """Read one episode folder; None for a draft. Raises ContentError naming the file."""
    slug = folder.name
    if not SLUG.match(slug):
        raise ContentError(
            folder,
            "the folder name is not a valid slug; rename it with lower-case letters, digits "
            "and single hyphens only (like 2024-08-07-rain-and-bikes)",
        )
    outline = folder / "outline.md"
    if not outline.is_file():
        raise ContentError(
            folder,
            f"has no outline.md; create one with `pipeline new episode {slug}` "
            "(front matter with title and date, then the outline)",
        )
    meta, body = read_front_matter(outline)
    _warn_unknown_keys(meta, EPISODE_KEYS, outline)
    if meta.get("draft") is True:
        return None

    title = _required_text(meta, "title", outline)
    when = _parse_date(meta, outline, site.timezone)
    kind = meta.get("type", "full")
    if kind not in EPISODE_TYPES:
        raise ContentError(outline, f"'type' must be one of full, trailer, bonus (got {kind!r})")
    explicit = meta.get("explicit", site.explicit)
    if not isinstance(explicit, bool):
        raise ContentError(outline, f"'explicit' must be true or false (got {explicit!r})")
    intro, chapters = parse_outline(body, outline)

    hosts = meta.get("hosts", list(site.hosts))
    return Episode(
        slug=slug,
        folder=folder,
        title=title,
        date=when,
        body=body,
        intro=intro,
        chapters=chapters,
        summary=_optional_text(meta, "summary", outline),
        number=_positive_int(meta, "number", outline),
        season=_positive_int(meta, "season", outline),
        type=kind,
        explicit=explicit,
        topics=_string_list(meta, "topics", outline),
        hosts=tuple(Person(name) for name in _names(hosts, "hosts", outline)),
        guests=_guests(meta.get("guests", []), outline),
        short=_short_ranges(meta.get("short", []), outline),
        guid=_optional_text(meta, "guid", outline) or None,
        cover=_cover(folder, root),
        recording=_recording(folder, root),
    )


def parse_outline(body: str, path: Path) -> tuple[str, tuple[Chapter, ...]]:
    """Split an outline into its intro and chapters: each ``## `` heading, with its notes."""
    matches = list(HEADING.finditer(body))
    intro = body[: matches[0].start()].strip() if matches else body.strip()
    chapters: list[Chapter] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        notes = body[m.end() : end].strip()
        heading = m.group(1).strip()
        start: float | None = None
        timed = TIMESTAMP.match(heading)
        if timed:
            hours, minutes, seconds, fraction, heading = timed.groups()
            start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
            start += float(f"0.{fraction}") if fraction else 0.0
            if int(seconds) >= 60 or (hours and int(minutes) >= 60):
                raise ContentError(
                    path, f"the chapter heading '## {m.group(1)}' has an invalid time"
                )
        elif i == 0:
            start = 0.0
        chapters.append(Chapter(title=heading, start=start, notes=notes, timed=bool(timed)))
    if chapters and chapters[0].start and chapters[0].start > 0:
        chapters.insert(0, Chapter(title="Intro", start=0.0, notes="", timed=False))
    timed_starts = [c.start for c in chapters if c.start is not None]
    if timed_starts != sorted(timed_starts):
        raise ContentError(
            path, "chapter timestamps are not in order; put the headings in time order"
        )
    return intro, tuple(chapters)


def _recording(folder: Path, root: Path) -> Recording | None:
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and _is_audio(p)]
    tracks_dir = folder / "tracks"
    tracks = (
        [p for p in sorted(tracks_dir.iterdir()) if p.is_file() and _is_audio(p)]
        if tracks_dir.is_dir()
        else []
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
        return Recording(files=(audio.probe(files[0]),))
    if tracks:
        speakers = tuple(p.stem.strip() for p in tracks)
        if len(set(speakers)) != len(speakers):
            raise ContentError(tracks_dir, "two tracks have the same speaker name; rename one")
        return Recording(files=tuple(audio.probe(p) for p in tracks), speakers=speakers)
    return None


def _is_audio(path: Path) -> bool:
    return path.suffix.lower() in audio.AUDIO_SUFFIXES and not path.name.startswith(".")


def _cover(folder: Path, root: Path) -> Path | None:
    for name in ("cover.jpg", "cover.png"):
        if (folder / name).is_file():
            return _inside(folder / name, root)
    return None


def _inside(path: Path, root: Path) -> Path:
    """Refuse a file (or a link) that leads outside the show folder."""
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise ContentError(
            path, "points outside the show folder; copy the file into the show instead"
        )
    return path


# --- issues ------------------------------------------------------------------------------


def _load_issues(root: Path, site: Site, problems: Problems) -> list[Issue]:
    folder = root / "issues"
    if not folder.is_dir():
        return []
    issues: list[Issue] = []
    for path in sorted(folder.glob("*.md")):
        try:
            issue = load_issue(path, site)
        except ContentError as exc:
            problems.add(exc, slug=path.stem)
            continue
        if issue is not None:
            issues.append(issue)
    return issues


def load_issue(path: Path, site: Site) -> Issue | None:
    """Read one newsletter issue; None for a draft. Raises ContentError naming the file."""
    slug = path.stem
    if not SLUG.match(slug):
        raise ContentError(
            path,
            "the file name is not a valid slug; rename it with lower-case letters, digits and "
            "single hyphens only (like 2024-08-newsletter.md)",
        )
    meta, body = read_front_matter(path)
    _warn_unknown_keys(meta, ISSUE_KEYS, path)
    if meta.get("draft") is True:
        return None
    title = _required_text(meta, "title", path)
    episodes = meta.get("episodes")
    if episodes is not None:
        episodes = tuple(_string_list(meta, "episodes", path))
    return Issue(
        slug=slug,
        path=path,
        title=title,
        date=_parse_date(meta, path, site.timezone),
        body=body,
        subject=_optional_text(meta, "subject", path) or title,
        preheader=_optional_text(meta, "preheader", path),
        episodes=episodes,
    )


# --- front matter ------------------------------------------------------------------------


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter (a mapping) and its body."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(
            path, f"is not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from exc
    text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ContentError(
            path,
            "has no front matter; start the file with a line '---', then 'title:' and "
            "'date:', then another '---'",
        )
    end = re.search(r"^(---|\.\.\.)\s*$", text[4:], re.MULTILINE)
    if end is None:
        raise ContentError(path, "the front matter is not closed; add a line '---' after it")
    raw = text[4 : 4 + end.start()]
    body = text[4 + end.end() :].lstrip("\n")
    try:
        meta = yaml.safe_load(raw)
    except ValueError as exc:  # a date-shaped value that is no date, like 2026-13-45
        raise ContentError(
            path, f"the front matter holds an impossible date ({exc}); write it as YYYY-MM-DD"
        ) from exc
    except yaml.YAMLError as exc:
        # Lines count from the file's first line, the opening '---'.
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start is not None and (mark is None or start.line != mark.line):
            problem += f"; {context} on line {start.line + 2}"
        raise ContentError(
            path, f"{where}the front matter is not valid YAML ({problem}); fix that line"
        ) from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ContentError(path, "the front matter must be 'key: value' lines")
    return meta, body


def _warn_unknown_keys(meta: dict[str, Any], valid: set[str], path: Path) -> None:
    for key in meta:
        if key not in valid:
            close = difflib.get_close_matches(str(key), sorted(valid), n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ContentError(
                path, f"unknown front matter key '{key}'{hint} (valid: {', '.join(sorted(valid))})"
            )


def _required_text(meta: dict[str, Any], key: str, path: Path) -> str:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ContentError(path, f"the front matter has no '{key}'; add a line '{key}: ...'")
    if not isinstance(value, str | int | float):
        raise ContentError(path, f"'{key}' must be text")
    return str(value).strip()


def _optional_text(meta: dict[str, Any], key: str, path: Path) -> str:
    value = meta.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ContentError(path, f"'{key}' must be text")
    return str(value).strip()


def _parse_date(meta: dict[str, Any], path: Path, timezone: str) -> datetime:
    value = meta.get("date")
    if value is None:
        raise ContentError(path, "the front matter has no 'date'; add a line 'date: YYYY-MM-DD'")
    zone = ZoneInfo(timezone)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ContentError(
                path, f"'date' {value!r} is not a date; write it as YYYY-MM-DD or an ISO datetime"
            ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=zone)
    raise ContentError(path, f"'date' {value!r} is not a date; write it as YYYY-MM-DD")


def _positive_int(meta: dict[str, Any], key: str, path: Path) -> int | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ContentError(path, f"'{key}' must be a positive whole number (got {value!r})")
    return value


def _string_list(meta: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = meta.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(path, f"'{key}' must be a list of text items")
    return tuple(v.strip() for v in value)


def _names(value: Any, key: str, path: Path) -> tuple[str, ...]:
    return _string_list({key: value}, key, path)


def _guests(value: Any, path: Path) -> tuple[Person, ...]:
    if not isinstance(value, list):
        raise ContentError(path, "'guests' must be a list of names or {name, role, href, img}")
    guests = []
    for item in value:
        if isinstance(item, str) and item.strip():
            guests.append(Person(item.strip(), role="guest"))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            unknown = set(item) - {"name", "role", "href", "img"}
            if unknown:
                raise ContentError(
                    path, f"a guest has unknown keys {sorted(unknown)}; use name, role, href, img"
                )
            for link in ("href", "img"):
                if item.get(link) and not str(item[link]).startswith(("https://", "http://")):
                    raise ContentError(
                        path, f"guest '{item['name']}': '{link}' must be an http(s) URL"
                    )
            guests.append(
                Person(
                    item["name"].strip(),
                    str(item.get("role", "guest")),
                    item.get("href"),
                    item.get("img"),
                )
            )
        else:
            raise ContentError(path, "each guest must be a name or {name, role, href, img}")
    return tuple(guests)


def parse_time(text: str) -> float:
    """``MM:SS``, ``H:MM:SS`` (fractions allowed) into seconds; ValueError when malformed."""
    parts = text.strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(parts):
        raise ValueError(text)
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[0]) if len(parts) == 3 else 0
    if seconds >= 60 or (len(parts) == 3 and minutes >= 60):
        raise ValueError(text)
    return hours * 3600 + minutes * 60 + seconds


def _short_ranges(value: Any, path: Path) -> tuple[tuple[float, float], ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ContentError(path, "'short' must be a list of MM:SS-MM:SS ranges")
    ranges = []
    for item in value:
        m = RANGE.match(str(item))
        try:
            if m is None:
                raise ValueError(item)
            start, end = parse_time(m.group(1)), parse_time(m.group(2))
        except ValueError:
            raise ContentError(path, f"'short' range {item!r} is not MM:SS-MM:SS") from None
        if end <= start:
            raise ContentError(path, f"'short' range {item!r} ends before it starts")
        ranges.append((start, end))
    return tuple(ranges)
