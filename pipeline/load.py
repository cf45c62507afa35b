"""The ``load`` stage: episode folders and issue files into model objects (the only reader)."""

from __future__ import annotations

import difflib
import re
import stat
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import yaml

from pipeline import audio, markup
from pipeline.config import (
    bad_character,
    character_problem,
    clipped,
    describe_character,
    is_http_url,
    shown,
    text_problem,
)
from pipeline.errors import ContentError, Problems
from pipeline.model import Chapter, Episode, Issue, Person, Recording, Show, Site

MAX_TEXT_BYTES = 1_000_000  # an outline or an issue larger than this is refused unread
MAX_DEPTH = 20  # levels of nesting in front matter; a guest in the list of guests is 3
MULTILINE_KEYS = frozenset({"summary"})  # front matter text that may span lines (see config)

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:\.(\d+))?\s+(.+)$")
RANGE = re.compile(r"^\s*([\d:.]+)\s*-\s*([\d:.]+)\s*$")

EPISODE_KEYS = {
    "title", "date", "summary", "number", "season", "type", "explicit", "topics", "hosts",
    "guests", "draft", "short", "guid",
}  # fmt: skip
ISSUE_KEYS = {"title", "date", "subject", "preheader", "episodes", "draft"}
EPISODE_TYPES = ("full", "trailer", "bonus")
# YAML 1.1's booleans, in any case: outlines written before the loader read text as text.
TRUE_WORDS = frozenset({"true", "yes", "on"})
FALSE_WORDS = frozenset({"false", "no", "off"})
DIGITS = re.compile(r"[0-9]{1,9}")
# Values YAML 1.1 read as a timestamp (its implicit resolver): these keep YAML's reading
# (2026-9-3 18:30:00, a zone after a space); any other date text goes to fromisoformat.
DATE_SHAPED = re.compile(
    r"""^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$""",
    re.VERBOSE,
)


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
            episode = load_episode(path, site, root)
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


def load_episode(folder: Path, site: Site, root: Path) -> Episode | None:
    """Read one episode folder; None for a draft. Raises ContentError naming the file."""
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
    meta, body = read_front_matter(outline)
    _warn_unknown_keys(meta, EPISODE_KEYS, outline)
    if _boolean(meta, "draft", outline, default=False):
        return None

    title = _required_text(meta, "title", outline)
    when = _parse_date(meta, outline, site.timezone)
    kind = meta.get("type", "full")
    if kind not in EPISODE_TYPES:
        raise ContentError(
            outline, f"'type' must be one of full, trailer, bonus (got {shown(kind)})"
        )
    explicit = _boolean(meta, "explicit", outline, default=site.explicit)
    intro, chapters = parse_outline(body, outline)
    # The pipeline writes transcript.json: a link out of the show would be written through.
    _inside(
        folder / "transcript.json",
        root,
        "replace the link with the file itself (the pipeline reads and writes transcript.json "
        "in the episode folder)",
    )

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


def parse_outline(body: str, path: Path | None) -> tuple[str, tuple[Chapter, ...]]:
    """Split an outline into its intro and chapters: each ``## `` heading, with its notes.

    A chapter is a top-level ATX ``## `` heading as Markdown reads it (one in a code block,
    a quote or a list is not); its notes are the lines up to the next chapter heading.
    """
    where = path if path is not None else Path("outline.md")
    lines = body.split("\n")
    headings = markup.chapter_headings(body)

    def text(start: int, end: int) -> str:
        return "\n".join(lines[start:end]).strip()

    intro = text(0, headings[0][0]) if headings else body.strip()
    chapters: list[Chapter] = []
    for i, (_, end_line, written) in enumerate(headings):
        following = headings[i + 1][0] if i + 1 < len(headings) else len(lines)
        notes = text(end_line, following)
        if not written:
            raise ContentError(
                where,
                "a chapter heading has no title; write one after the '## ' (or remove the line)",
            )
        heading = written
        start: float | None = None
        timed = TIMESTAMP.match(heading)
        if timed:
            hours, minutes, seconds, fraction, heading = timed.groups()
            start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
            start += float(f"0.{fraction}") if fraction else 0.0
            if int(seconds) >= 60 or (hours and int(minutes) >= 60):
                raise ContentError(
                    where,
                    f"the chapter heading '## {clipped(written)}' has an invalid time; "
                    "write it as MM:SS or H:MM:SS",
                )
        elif i == 0:
            start = 0.0
        chapters.append(Chapter(title=heading, start=start, notes=notes, timed=bool(timed)))
    if chapters and chapters[0].start and chapters[0].start > 0:
        chapters.insert(0, Chapter(title="Intro", start=0.0, notes="", timed=False))
    timed_starts = [c.start for c in chapters if c.start is not None]
    if timed_starts != sorted(timed_starts):
        raise ContentError(
            where, "chapter timestamps are not in order; put the headings in time order"
        )
    return intro, tuple(chapters)


def _recording(folder: Path, root: Path) -> Recording | None:
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
        return Recording(files=(audio.probe(files[0]),))
    if tracks:
        speakers = tuple(p.stem.strip() for p in tracks)
        if not all(speakers):
            raise ContentError(
                tracks_dir, "a track has no speaker name; name each file after its speaker"
            )
        if len(set(speakers)) != len(speakers):
            raise ContentError(tracks_dir, "two tracks have the same speaker name; rename one")
        return Recording(files=tuple(audio.probe(p) for p in tracks), speakers=speakers)
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
    meta, body = read_front_matter(path)
    _warn_unknown_keys(meta, ISSUE_KEYS, path)
    if _boolean(meta, "draft", path, default=False):
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


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that front matter may not use (aliases, deep nesting, tags, a key twice)."""


class FrontMatterLoader(yaml.SafeLoader):
    """YAML that reads every plain value as the text the host typed.

    PyYAML's YAML 1.1 types plain scalars by their look: ``title: No`` became False and
    ``title: 1.10`` the float 1.1. Here only ``~``, ``null`` and an empty value are typed
    (null); everything else is a string, and the keys that are not text (date, number,
    season, explicit, draft) are converted by the code that reads them, so quoted and
    unquoted values mean the same. Anchors and aliases (the "billion laughs"), tags and
    nesting deeper than MAX_DEPTH are refused while composing, before any value is built.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}
    ALLOWED_TAGS: ClassVar[frozenset[str | None]] = frozenset(
        {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
         "tag:yaml.org,2002:null"}
    )  # fmt: skip

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            raise _Refused(
                problem="YAML anchors and aliases are not allowed (&name, *name); write each "
                "value out in full",
                problem_mark=event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag not in self.ALLOWED_TAGS:
            raise _Refused(
                problem=f"the YAML tag {shown(str(tag).replace('tag:yaml.org,2002:', '!!'))} "
                "is not allowed; remove it (every value is read as text)",
                problem_mark=event.start_mark,
            )
        if self._depth >= MAX_DEPTH:
            raise _Refused(
                problem=f"the front matter nests deeper than {MAX_DEPTH} levels (lists and "
                "mappings inside one another); flatten it: a guest in 'guests' is three deep",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise _Refused(
                            problem=f"the key {shown(key.value)} appears twice; keep one of them",
                            problem_mark=key.start_mark,
                        )
                    seen.add(key.value)
        return node


FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter (a mapping) and its body.

    The file is at most MAX_TEXT_BYTES (checked before it is read); control characters are
    refused in all of it (see ``config.bad_character``), and the front matter's values are
    strings, lists, mappings or None (see FrontMatterLoader).
    """
    data = _read_limited(path)
    try:
        text = data.decode("utf-8-sig")
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
    bad = bad_character(text, multiline=True)
    if bad:
        raise ContentError(path, _raw_character_message(text, bad, 4 + end.start()))
    raw = text[4 : 4 + end.start()]
    body = text[4 + end.end() :].lstrip("\n")
    try:
        meta = yaml.load(raw, Loader=FrontMatterLoader)  # a SafeLoader subclass
    except _Refused as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 2}: " if mark is not None else ""
        raise ContentError(path, f"{where}{exc.problem}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses, like U+FFFE
        line = raw.count("\n", 0, exc.position) + 2
        raise ContentError(
            path,
            f"line {line}: the front matter holds the character U+{int(exc.character):04X}, "
            "which YAML does not allow; remove it",
        ) from None
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
    problem = text_problem(meta, MULTILINE_KEYS)
    if problem:
        raise ContentError(path, problem)
    return meta, body


def _read_limited(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_TEXT_BYTES, checked before it is read."""
    too_big = ContentError(
        path,
        f"is over the limit of {MAX_TEXT_BYTES:,} bytes (1 MB) for an outline or an issue; "
        "shorten it (long notes belong on pages of their own, linked from it)",
    )
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ContentError(path, "is not a regular file; replace it with a Markdown file")
        if info.st_size > MAX_TEXT_BYTES:
            raise too_big
        with path.open("rb") as f:
            data = f.read(MAX_TEXT_BYTES + 1)  # the file may grow between stat and read
    except OSError as exc:
        raise ContentError(
            path, f"cannot be read ({exc.strerror}); check that it is there and readable"
        ) from exc
    if len(data) > MAX_TEXT_BYTES:
        raise too_big
    return data


_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)


def _raw_character_message(text: str, bad: re.Match[str], front_end: int) -> str:
    """Where a refused character sits in the file: the front matter key's line, or the text."""
    line = text.count("\n", 0, bad.start()) + 1
    if bad.start() < front_end:
        keys = _TOP_LEVEL_KEY.findall(text, 4, bad.start() + 1)
        where = f"'{clipped(keys[-1])}'" if keys else "the front matter"
    else:
        where = "the text below the front matter"
    return f"line {line}: {where} {character_problem(bad.group(), where)}"


def _warn_unknown_keys(meta: dict[str, Any], valid: set[str], path: Path) -> None:
    for key in meta:
        if key not in valid:
            name = str(key)
            close = (
                difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.5)
                if len(name) <= 100
                else []
            )
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ContentError(
                path,
                f"unknown front matter key '{clipped(name)}'{hint} "
                f"(valid: {', '.join(sorted(valid))})",
            )


def _required_text(meta: dict[str, Any], key: str, path: Path) -> str:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ContentError(path, f"the front matter has no '{key}'; add a line '{key}: ...'")
    if not isinstance(value, str):
        raise ContentError(path, f"'{key}' must be text (got {shown(value)})")
    return value.strip()


def _optional_text(meta: dict[str, Any], key: str, path: Path) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ContentError(path, f"'{key}' must be text (got {shown(value)})")
    return value.strip()


def _boolean(meta: dict[str, Any], key: str, path: Path, default: bool) -> bool:
    """true/false, and yes/no/on/off as YAML 1.1 read them, in any case; empty: default."""
    value = meta.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ContentError(path, f"'{key}' must be true or false (got {shown(value)})")


def _parse_date(meta: dict[str, Any], path: Path, timezone: str) -> datetime:
    value = meta.get("date")
    if value is None:
        raise ContentError(path, "the front matter has no 'date'; add a line 'date: YYYY-MM-DD'")
    zone = ZoneInfo(timezone)
    if isinstance(value, str):
        text = value.strip()
        if DATE_SHAPED.match(text):
            try:
                value = _yaml_timestamp(text)
            except ValueError as exc:  # a date-shaped value that is no date, like 2026-13-45
                raise ContentError(
                    path,
                    f"the front matter holds an impossible date ({exc}); write it as YYYY-MM-DD",
                ) from None
        else:
            try:
                value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ContentError(
                    path,
                    f"'date' {shown(value)} is not a date; write it as YYYY-MM-DD or an ISO "
                    "datetime",
                ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=zone)
    raise ContentError(path, f"'date' {shown(value)} is not a date; write it as YYYY-MM-DD")


def _yaml_timestamp(text: str) -> date | datetime:
    """A DATE_SHAPED value read as YAML 1.1 reads a timestamp; ValueError when impossible."""
    loader = yaml.SafeLoader("")
    try:
        node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
        value: date | datetime = loader.construct_yaml_timestamp(node)
        return value
    finally:
        loader.dispose()


def _positive_int(meta: dict[str, Any], key: str, path: Path) -> int | None:
    """A whole number of at most nine digits, as typed ("010" is 10, not YAML 1.1's 8)."""
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, str) and DIGITS.fullmatch(value.strip()) and int(value) >= 1:
        return int(value)
    raise ContentError(
        path, f"'{key}' must be a positive whole number, like 3 (got {shown(value)})"
    )


def _string_list(meta: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = meta.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(
            path, f"'{key}' must be a list of text items, like [one, two] (got {shown(value)})"
        )
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
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            name = item["name"].strip()
            unknown = sorted(str(k) for k in set(item) - {"name", "role", "href", "img"})
            if unknown:
                keys = ", ".join(shown(k) for k in unknown[:3])
                raise ContentError(
                    path, f"a guest has unknown keys ({keys}); use name, role, href, img"
                )
            role = item.get("role")
            if role is not None and not (isinstance(role, str) and role.strip()):
                raise ContentError(
                    path, f"guest {shown(name)}: 'role' must be text (got {shown(role)})"
                )
            links: dict[str, str | None] = {}
            for link in ("href", "img"):
                url = item.get(link)
                if url is None or url == "":
                    links[link] = None
                elif isinstance(url, str) and is_http_url(url.strip()):
                    links[link] = url.strip()
                else:
                    raise ContentError(
                        path,
                        f"guest {shown(name)}: '{link}' must be an http(s) URL, like "
                        f"https://example.org/ (got {shown(url)})",
                    )
            guests.append(
                Person(name, role.strip() if role else "guest", links["href"], links["img"])
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
        m = RANGE.match(item) if isinstance(item, str) else None
        try:
            if m is None:
                raise ValueError(item)
            start, end = parse_time(m.group(1)), parse_time(m.group(2))
        except ValueError:
            raise ContentError(path, f"'short' range {shown(item)} is not MM:SS-MM:SS") from None
        if end <= start:
            raise ContentError(path, f"'short' range {shown(item)} ends before it starts")
        ranges.append((start, end))
    return tuple(ranges)
