"""Front matter: the YAML at the top of an outline or an issue, and its typed keys.

``read_document`` splits a file into its front matter, read as the text the host typed
(see FrontMatterLoader), and its body; the converters turn a key's text into the date,
number, flag, names or time ranges it means, raising ContentError with the fix.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import yaml

from pipeline.errors import ContentError
from pipeline.files import NotAFile, TooLarge, read_limited
from pipeline.model import Person
from pipeline.text import (
    bad_character,
    character_problem,
    clipped,
    is_http_url,
    shown,
    text_problem,
)

MAX_TEXT_BYTES = 1_000_000  # an outline or an issue larger than this is refused unread
MAX_DEPTH = 20  # levels of nesting in front matter; a guest in the list of guests is 3
MULTILINE_KEYS = frozenset({"summary"})  # text that may span lines (text.bad_character)

RANGE = re.compile(r"^\s*([\d:.]+)\s*-\s*([\d:.]+)\s*$")
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

    ALLOWED_TAGS: ClassVar[frozenset[str | None]] = frozenset(
        {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
         "tag:yaml.org,2002:null"}
    )  # fmt: skip

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
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


# None of SafeLoader's implicit resolvers (bool, int, float, timestamp...): only null.
FrontMatterLoader.yaml_implicit_resolvers = {}
FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def read_document(path: Path) -> tuple[dict[str, Any], str, int]:
    """Split a Markdown file into its YAML front matter (a mapping), its body, and the line
    of the file the body starts on (so a problem in the body can name its line).

    The file is at most MAX_TEXT_BYTES (checked before it is read); control characters are
    refused in all of it (see ``text.bad_character``), and the front matter's values are
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
    rest = text[4 + end.end() :]
    body = rest.lstrip("\n")
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
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
    return meta, body, body_line


def _read_limited(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_TEXT_BYTES, checked before it is read."""
    too_big = ContentError(
        path,
        f"is over the limit of {MAX_TEXT_BYTES:,} bytes (1 MB) for an outline or an issue; "
        "shorten it (long notes belong on pages of their own, linked from it)",
    )
    try:
        return read_limited(path, MAX_TEXT_BYTES)
    except TooLarge:
        raise too_big from None
    except NotAFile:
        raise ContentError(path, "is not a regular file; replace it with a Markdown file") from None
    except OSError as exc:
        raise ContentError(
            path, f"cannot be read ({exc.strerror}); check that it is there and readable"
        ) from exc


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


def refuse_unknown_keys(meta: dict[str, Any], valid: set[str], path: Path) -> None:
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


def required_text(meta: dict[str, Any], key: str, path: Path) -> str:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ContentError(path, f"the front matter has no '{key}'; add a line '{key}: ...'")
    if not isinstance(value, str):
        raise ContentError(path, f"'{key}' must be text (got {shown(value)})")
    return value.strip()


def optional_text(meta: dict[str, Any], key: str, path: Path) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ContentError(path, f"'{key}' must be text (got {shown(value)})")
    return value.strip()


def boolean(meta: dict[str, Any], key: str, path: Path, default: bool) -> bool:
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


def parse_date(meta: dict[str, Any], path: Path, timezone: str) -> datetime:
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


def positive_int(meta: dict[str, Any], key: str, path: Path) -> int | None:
    """A whole number of at most nine digits, as typed ("010" is 10, not YAML 1.1's 8)."""
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, str) and DIGITS.fullmatch(value.strip()) and int(value) >= 1:
        return int(value)
    raise ContentError(
        path, f"'{key}' must be a positive whole number, like 3 (got {shown(value)})"
    )


def string_list(meta: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = meta.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(
            path, f"'{key}' must be a list of text items, like [one, two] (got {shown(value)})"
        )
    return tuple(v.strip() for v in value)


def names(value: Any, key: str, path: Path) -> tuple[str, ...]:
    return string_list({key: value}, key, path)


def guests(value: Any, path: Path) -> tuple[Person, ...]:
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


def short_ranges(value: Any, path: Path) -> tuple[tuple[float, float], ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ContentError(path, "'short' must be a list of MM:SS-MM:SS ranges")
    ranges: list[tuple[float, float]] = []
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
        if ranges and start < ranges[-1][1]:
            before = value[len(ranges) - 1]
            how = "overlaps" if start >= ranges[-1][0] else "comes before"
            raise ContentError(
                path,
                f"'short' range {shown(item)} {how} {shown(before)}; list the ranges in time "
                "order, without overlaps",
            )
        ranges.append((start, end))
    return tuple(ranges)
