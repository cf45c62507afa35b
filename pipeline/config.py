"""``site.toml`` into a typed, validated ``Site``; every mistake names the key and the fix."""

from __future__ import annotations

import difflib
import re
import reprlib
import stat
import tomllib
import zoneinfo
from collections.abc import Collection, Iterable
from dataclasses import fields
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import ConfigError
from pipeline.model import (
    AudioSettings,
    NewsletterSettings,
    ShortSettings,
    Site,
    TranscribeSettings,
)

MAX_SITE_BYTES = 1_000_000  # site.toml larger than this is refused unread
MAX_DEPTH = 20  # levels of nested tables and lists; site.toml needs 3
REQUIRED = ("title", "url", "description", "language", "author", "email", "categories")

# Every key site.toml may hold, with the type it must have.
TOP_LEVEL: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "url": str,
    "description": str,
    "language": str,
    "author": str,
    "email": str,
    "categories": list,
    "image": str,
    "explicit": bool,
    "serial": bool,
    "timezone": str,
    "hosts": list,
    "guid": str,
    "locked": bool,
    "license": str,
    "funding_url": str,
    "funding_label": str,
}
TABLES: dict[str, tuple[type, dict[str, type | tuple[type, ...]]]] = {
    "transcribe": (
        TranscribeSettings,
        {"engine": str, "model": str, "language": str, "device": str},
    ),
    "audio": (AudioSettings, {"bitrate": int, "loudness": (int, float)}),
    "short": (ShortSettings, {"minutes": (int, float), "ratio": (int, float)}),
    "newsletter": (
        NewsletterSettings,
        {
            "title": str,
            "description": str,
            "from": str,
            "reply_to": str,
            "postal_address": str,
            "unsubscribe_url": str,
            "subscribers": str,
            "transport": str,
            "smtp_host": str,
            "smtp_port": int,
            "smtp_ca_file": str,
            "api_url": str,
            "rate": (int, float),
        },
    ),
}
# Strings that may hold line breaks and tabs; every other string is one line (see bad_character).
MULTILINE_KEYS = frozenset({"description", "newsletter.description", "newsletter.postal_address"})
# http(s) URLs, with an example for the message; url and unsubscribe_url have rules of their own.
URL_KEYS = {
    "funding_url": "https://example.org/support",
    "newsletter.api_url": "https://api.example.com/v1/",
}
PLACEHOLDERS = ("{email}", "{token}")  # filled per recipient in newsletter.unsubscribe_url
ENGINES = ("faster-whisper", "openai-whisper")
DEVICES = ("auto", "cpu", "cuda")
TRANSPORTS = ("smtp", "buttondown", "postmark")


def load_site(root: Path) -> Site:
    """Read ``<root>/site.toml``; raise ConfigError naming the key and how to fix it."""
    root = Path(root)
    path = root / "site.toml"
    if path.is_symlink():
        try:
            inside = path.resolve().is_relative_to(root.resolve())
        except (OSError, RuntimeError):  # a loop of links
            raise ConfigError(
                f"{path}: is a link that cannot be followed (a loop of links); replace it "
                "with the file itself"
            ) from None
        if not inside:
            raise ConfigError(
                f"{path}: points outside the show folder; replace the link with the file "
                "itself (the show's settings live in the show)"
            )
    if not path.is_file():
        raise ConfigError(
            f"{path}: not found; create it with title, url, description, language, author, "
            "email and categories (see the README), or point --root at the show folder"
        )
    too_big = ConfigError(
        f"{path}: is over the limit of {MAX_SITE_BYTES:,} bytes (1 MB) for site.toml; "
        "it holds settings only, so remove what does not belong there"
    )
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: is not a regular file; replace it with the settings file")
        if info.st_size > MAX_SITE_BYTES:
            raise too_big
        with path.open("rb") as f:
            raw = f.read(MAX_SITE_BYTES + 1)  # the file may grow between stat and read
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be read ({exc.strerror}); check its permissions"
        ) from exc
    if len(raw) > MAX_SITE_BYTES:
        raise too_big
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: is not UTF-8 text ({exc}); save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: is not valid TOML: {exc}") from exc
    except RecursionError:
        raise ConfigError(
            f"{path}: nests too deeply (lists or tables inside one another more than "
            f"{MAX_DEPTH} levels); site.toml needs three at most"
        ) from None
    except ValueError:  # an integer of thousands of digits, which Python will not convert
        raise ConfigError(
            f"{path}: is not valid TOML: a number has too many digits to be read; "
            "write it with fewer"
        ) from None
    return parse_site(data, path)


def parse_site(data: dict[str, Any], path: Path) -> Site:
    """Validate the TOML table of ``site.toml`` and build a Site from it."""

    def fail(message: str) -> ConfigError:
        return ConfigError(f"{path}: {message}")

    problem = text_problem(data, MULTILINE_KEYS)
    if problem:
        raise fail(problem)
    _check_keys(data, TOP_LEVEL.keys() | TABLES.keys(), "", fail)
    for key in REQUIRED:
        if key not in data:
            raise fail(f"missing required key '{key}'; add it at the top level")
    for key, value in data.items():
        if key in TABLES:
            if not isinstance(value, dict):
                raise fail(f"'{key}' must be a table ([{key}])")
            continue
        _check_type(key, value, TOP_LEVEL[key], fail)
    for key in ("title", "description", "author", "language"):
        if not data[key].strip():
            raise fail(f"'{key}' is empty; give it a value")

    url = data["url"].strip()
    if not is_http_url(url):
        raise fail(
            f"'url' must be an absolute http(s) URL, like https://example.org/show/ "
            f"(got {shown(url)})"
        )
    if not url.endswith("/"):
        url += "/"
    if not is_email_address(data["email"].strip()):
        raise fail(
            f"'email' must be an email address, like owner@example.org (got {shown(data['email'])})"
        )
    image = data.get("image")
    if image is not None and not _relative_path(image):
        raise fail(
            "'image' must be a path inside the show folder, relative to site.toml, like "
            f'"artwork.png" (got {shown(image)})'
        )
    categories = data["categories"]
    if not categories or not all(isinstance(c, str) and c.strip() for c in categories):
        raise fail(
            "'categories' must be a list of Apple category names, like [\"Leisure/Hobbies\"]"
        )
    hosts = data.get("hosts", [])
    if not all(isinstance(h, str) and h.strip() for h in hosts):
        raise fail("'hosts' must be a list of names")
    timezone = data.get("timezone", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise fail(
            f"'timezone' {shown(timezone)} is not a time zone name; use one like 'Europe/Berlin'"
        ) from exc

    tables: dict[str, Any] = {}
    for name, (cls, spec) in TABLES.items():
        table = data.get(name, {})
        _check_keys(table, spec.keys(), f"{name}.", fail)
        for key, value in table.items():
            _check_type(f"{name}.{key}", value, spec[key], fail)
        tables[name] = cls(**{("from_" if k == "from" else k): v for k, v in table.items()})
    _check_links(data, fail)

    transcribe: TranscribeSettings = tables["transcribe"]
    if transcribe.engine not in ENGINES:
        raise fail(
            f"'transcribe.engine' must be one of {', '.join(ENGINES)} "
            f"(got {shown(transcribe.engine)})"
        )
    if transcribe.device not in DEVICES:
        raise fail(
            f"'transcribe.device' must be one of {', '.join(DEVICES)} "
            f"(got {shown(transcribe.device)})"
        )
    audio: AudioSettings = tables["audio"]
    if not 16 <= audio.bitrate <= 320:
        raise fail(f"'audio.bitrate' is kbps per channel, between 16 and 320 (got {audio.bitrate})")
    if audio.loudness is not None and not -30 <= audio.loudness <= -10:
        raise fail(f"'audio.loudness' is a LUFS target between -30 and -10 (got {audio.loudness})")
    short: ShortSettings = tables["short"]
    if short.minutes <= 0 or not 0 < short.ratio <= 1:
        raise fail("'short.minutes' must be positive and 'short.ratio' between 0 and 1")
    newsletter: NewsletterSettings = tables["newsletter"]
    if newsletter.transport not in TRANSPORTS:
        raise fail(
            f"'newsletter.transport' must be one of {', '.join(TRANSPORTS)} "
            f"(got {shown(newsletter.transport)})"
        )

    return Site(
        title=data["title"].strip(),
        url=url,
        description=data["description"].strip(),
        language=data["language"].strip(),
        author=data["author"].strip(),
        email=data["email"].strip(),
        categories=tuple(c.strip() for c in categories),
        image=data.get("image"),
        explicit=data.get("explicit", False),
        serial=data.get("serial", False),
        timezone=timezone,
        hosts=tuple(h.strip() for h in hosts),
        guid=data.get("guid"),
        locked=data.get("locked", True),
        license=data.get("license"),
        funding_url=data.get("funding_url"),
        funding_label=data.get("funding_label"),
        **tables,
    )


def _check_links(data: dict[str, Any], fail: Any) -> None:
    """URLs are http(s) with a host; addresses look like addresses (after the type checks)."""
    newsletter = data.get("newsletter", {})
    for key, example in URL_KEYS.items():
        table, name = (newsletter, key.split(".")[1]) if "." in key else (data, key)
        value = table.get(name)
        if value is not None and not is_http_url(value):
            raise fail(
                f"'{key}' must be an absolute http(s) URL, like {example} (got {shown(value)})"
            )
    unsubscribe = newsletter.get("unsubscribe_url")
    if unsubscribe is not None:
        problem = _unsubscribe_problem(unsubscribe)
        if problem:
            raise fail(
                f"'newsletter.unsubscribe_url' {problem} (got {shown(unsubscribe)}); write it "
                "like https://lists.example.org/unsubscribe?email={email}&token={token}"
            )
    for key in ("from", "reply_to"):
        value = newsletter.get(key)
        if value is not None and not is_email_address(value.strip(), display_name=True):
            raise fail(
                f"'newsletter.{key}' must be an email address, like letters@example.org or "
                f"Show Letters <letters@example.org> (got {shown(value)})"
            )


def _unsubscribe_problem(url: str) -> str | None:
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        netloc = ""
    if "{" in netloc or "}" in netloc:
        return "has a placeholder in its host; placeholders belong in the path or the query"
    rest = url
    for placeholder in PLACEHOLDERS:
        rest = rest.replace(placeholder, "")
    stray = re.search(r"\{[^{}]{0,20}\}?|\}", rest)
    if stray:
        return (
            f"has an unknown placeholder {stray.group()}; only {' and '.join(PLACEHOLDERS)} "
            "are filled in"
        )
    filled = url
    for placeholder in PLACEHOLDERS:
        filled = filled.replace(placeholder, "x")
    if not is_http_url(filled, schemes=("https",)):
        return "must be an https URL of your list service"
    return None


def _relative_path(text: str) -> bool:
    """A path that stays inside the folder it is relative to (links are render's concern)."""
    posix = PurePosixPath(text.replace("\\", "/"))
    return not (posix.is_absolute() or ".." in posix.parts or PureWindowsPath(text).drive)


def _check_keys(table: dict[str, Any], valid: Any, prefix: str, fail: Any) -> None:
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
            hint = f"; did you mean '{prefix}{close[0]}'?" if close else ""
            known = ", ".join(sorted(valid))
            raise fail(f"unknown key '{prefix}{clipped(key)}'{hint} (valid keys: {known})")


def _check_type(key: str, value: Any, expected: type | tuple[type, ...], fail: Any) -> None:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    # TOML booleans are not numbers here.
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join(_TYPE_NAMES[k] for k in kinds)
        raise fail(f"'{key}' must be {names} (got {shown(value)})")


_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}  # fmt: skip

# Keep the dataclasses and the key tables in step: a field without a key is a bug.
assert {f.name.rstrip("_") for f in fields(NewsletterSettings)} == set(TABLES["newsletter"][1])


# --- checks shared with load: text from hosts ---------------------------------------------

SHOWN = 40  # characters of a value that a message quotes

_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxlist, _repr.maxdict, _repr.maxtuple, _repr.maxset = 2, 4, 4, 4, 4
_repr.maxstring = _repr.maxother = _repr.maxlong = SHOWN


def shown(value: object, limit: int = SHOWN) -> str:
    """``repr(value)`` for a message: control characters escaped, cut after ``limit`` with "…".

    A host's value may be a megabyte long or nested a thousand deep; the message stays short.
    """
    if isinstance(value, str):
        text = repr(value[:limit])
        cut = len(value) > limit
    else:
        try:
            text = _repr.repr(value)
        except (ValueError, RecursionError):  # an int too long for str(), a pathological value
            text = f"<{type(value).__name__}>"
        cut = False
    if len(text) > limit + 2:  # escapes (\x1b, \ud800) make a repr longer than its value
        text, cut = text[:limit], True
    return text + "…" if cut else text


def clipped(text: str, limit: int = SHOWN) -> str:
    """A key or name as it is, cut after ``limit`` characters with "…"."""
    return text if len(text) <= limit else text[:limit] + "…"


# The rule for characters in host text (front matter, the outline body, site.toml, track file
# names): C0 controls, DEL, C1 controls and lone surrogates (U+D800-U+DFFF, which only escapes
# like "\ud800" produce, or a file name that is not UTF-8) are refused everywhere: they are
# invisible in an editor and break feeds, terminals and XML. Multi-line text (an outline body,
# a summary, a description, a postal address) may hold line breaks and tabs; every other field
# is one line (a title, a name, a URL, an address), so a line break or a tab there is refused
# too, rather than silently joined. A carriage return is refused everywhere: files have their
# CRLF line endings normalised before this check, so a lone one is a stray character.
_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
_BAD_MULTILINE = re.compile(f"[{_CONTROLS}]")
_BAD_SINGLE_LINE = re.compile(f"[{_CONTROLS}\\t\\n]")


def bad_character(text: str, multiline: bool = False) -> re.Match[str] | None:
    """The first character of ``text`` that host text may not hold (the rule above)."""
    return (_BAD_MULTILINE if multiline else _BAD_SINGLE_LINE).search(text)


def describe_character(char: str) -> str:
    """A refused character for a message: 'the control character U+001B', 'a tab (U+0009)'."""
    code = f"U+{ord(char):04X}"
    names = {"\n": "a line break", "\t": "a tab", "\r": "a carriage return"}
    if char in names:
        return f"{names[char]} ({code})"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate ({code})"
    return f"the control character {code}"


def character_problem(char: str, field: str = "it") -> str:
    """What is wrong with ``char`` and how to fix it, for a message: 'holds ...; ...'."""
    if char == "\n":
        fix = f"keep {field} on one line"
    elif char == "\t":
        fix = "use a space instead"
    elif "\ud800" <= char <= "\udfff":
        fix = (
            "it is half of an escaped character: write the character itself (an emoji as it "
            "is, or escaped whole, like \\U0001F600)"
        )
    elif char == "\r":
        fix = "remove it"
    else:
        fix = "remove it (most editors do not show it)"
    return f"holds {describe_character(char)}; {fix}"


def text_problem(value: Any, multiline: Collection[str] = ()) -> str | None:
    """The first string, key or value, in a parsed document that breaks the character rule.

    ``multiline`` names the dotted keys (``newsletter.description``) whose text may span
    lines. Nesting deeper than MAX_DEPTH is a problem too. Iterative: no depth can recurse.
    """
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        trail, item = stack.pop()
        if len(trail) > MAX_DEPTH:
            return (
                f"{_label(trail[:1])} nests too deeply (more than {MAX_DEPTH} levels); flatten it"
            )
        if isinstance(item, str):
            dotted = ".".join(s for s in trail if isinstance(s, str))
            bad = bad_character(item, multiline=dotted in multiline)
            if bad:
                return f"{_label(trail)} {character_problem(bad.group(), _label(trail))}"
        elif isinstance(item, dict):
            for key in item:
                bad = bad_character(str(key))
                if bad:
                    where = f" in {_label(trail)}" if trail else ""
                    return f"the key {shown(key)}{where} {character_problem(bad.group())}"
            stack.extend(reversed([((*trail, str(k)), v) for k, v in item.items()]))
        elif isinstance(item, list | tuple):
            stack.extend(reversed([((*trail, i), v) for i, v in enumerate(item)]))
    return None


def _label(trail: Iterable[str | int]) -> str:
    """('guests', 0, 'name') as "'guests' (item 1, 'name')"; ('newsletter', 'from') dotted."""
    names: list[str] = []
    inner: list[str] = []
    for step in trail:
        if isinstance(step, int):
            inner.append(f"item {step + 1}")
        elif inner:
            inner.append(f"'{clipped(step)}'")
        else:
            names.append(clipped(step))
    label = "'" + ".".join(names) + "'"
    return f"{label} ({', '.join(inner)})" if inner else label


def is_http_url(value: str, schemes: Collection[str] = ("http", "https")) -> bool:
    """An absolute http(s) URL with a host: no ``javascript:``, ``//host``, ``http:/path``."""
    if not value or any(c.isspace() or c == "\\" for c in value) or bad_character(value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises for a port that is no number or out of range
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname)


_ATOM = r"[^\s@<>()\[\]\\,;:\"]"
_DOMAIN_LABEL = r"[^\s@<>()\[\]\\,;:\".]"
_ADDRESS = re.compile(f"{_ATOM}+@(?:{_DOMAIN_LABEL}+\\.)+{_DOMAIN_LABEL}+")
_NAMED_ADDRESS = re.compile(r'[^<>@"]*<([^<>]+)>')


def is_email_address(value: str, display_name: bool = False) -> bool:
    """One ``@``, a dot in the domain, no spaces or controls; ``Name <addr>`` if allowed."""
    if bad_character(value):
        return False
    named = _NAMED_ADDRESS.fullmatch(value) if display_name else None
    address = named.group(1) if named else value
    return len(address) <= 254 and _ADDRESS.fullmatch(address) is not None
