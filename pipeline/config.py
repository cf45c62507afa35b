"""``site.toml`` into a typed, validated ``Site``; every mistake names the key and the fix."""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
import zoneinfo
from dataclasses import fields, is_dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import ConfigError
from pipeline.files import NotAFile, TooLarge, read_limited
from pipeline.model import (
    AudioSettings,
    NewsletterSettings,
    ShortSettings,
    Site,
    TranscribeSettings,
)
from pipeline.text import MAX_DEPTH, clipped, is_email_address, is_http_url, shown, text_problem

MAX_SITE_BYTES = 1_000_000  # site.toml larger than this is refused unread
REQUIRED = ("title", "url", "description", "language", "author", "email", "categories")

# Strings that may hold line breaks and tabs; every other is one line (text.bad_character).
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
SCHEDULER_SCHEMES = ("tcp", "tls")  # the Dask protocols that reach another machine


# --- the schema ------------------------------------------------------------------------
# Declared once, by the model: site.toml's keys are the fields of Site and of its settings
# dataclasses (a table each), and a key's TOML types come from the field's type hint.

Kinds = tuple[type, ...]  # the TOML types a key may have: str, int, float, bool, list, dict


def _toml_key(name: str) -> str:
    """The site.toml key of a settings field: ``from_`` (a Python keyword) is ``from``."""
    return name.rstrip("_")


def _kinds(hint: Any) -> Kinds:
    """The TOML types that a field of type ``hint`` accepts.

    ``float`` takes whole numbers too, ``tuple[str, ...]`` is a list, a settings dataclass
    is a table, and the ``None`` of an optional field is the key left out.
    """
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    members = typing.get_args(hint) if union else (hint,)
    kinds: list[type] = []
    for member in members:
        if member is type(None):
            continue
        if member is float:
            accepted: Kinds = (int, float)
        elif typing.get_origin(member) is tuple:
            accepted = (list,)
        elif is_dataclass(member):
            accepted = (dict,)
        elif member in (str, int, bool):
            accepted = (member,)
        else:
            raise TypeError(f"no TOML type for the settings type {member!r}")
        kinds += [kind for kind in accepted if kind not in kinds]
    return tuple(kinds)


def _keys(cls: type[Any]) -> dict[str, Kinds]:
    """Every key of a settings dataclass as site.toml spells it, with the types it may have."""
    hints = typing.get_type_hints(cls)
    return {_toml_key(f.name): _kinds(hints[f.name]) for f in fields(cls)}


_SITE_TYPES = typing.get_type_hints(Site)
# Every key site.toml may hold, with the types it may have; each table with its dataclass.
TOP_LEVEL: dict[str, Kinds] = {k: v for k, v in _keys(Site).items() if v != (dict,)}
TABLES: dict[str, tuple[type[Any], dict[str, Kinds]]] = {
    f.name: (_SITE_TYPES[f.name], _keys(_SITE_TYPES[f.name]))
    for f in fields(Site)
    if is_dataclass(_SITE_TYPES[f.name])
}


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
        raw = read_limited(path, MAX_SITE_BYTES)
    except TooLarge:
        raise too_big from None
    except NotAFile:
        raise ConfigError(
            f"{path}: is not a regular file; replace it with the settings file"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be read ({exc.strerror}); check its permissions"
        ) from exc
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
        names = {_toml_key(f.name): f.name for f in fields(cls)}
        tables[name] = cls(**{names[k]: v for k, v in table.items()})
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
    problem = scheduler_problem(transcribe.scheduler)
    if problem:
        raise fail(f"'transcribe.scheduler' {problem} (got {shown(transcribe.scheduler)})")
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


def scheduler_problem(address: str | None) -> str | None:
    """What is wrong with a Dask scheduler's address (``tcp://host:port``); None when nothing."""
    if address is None:
        return None
    example = "like tcp://192.168.1.20:8786, where `dask scheduler` runs"
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        return f"must be a Dask scheduler's address, {example}"
    if parts.scheme not in SCHEDULER_SCHEMES or not parts.hostname or port is None:
        return f"must be a Dask scheduler's address, {example}"
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return f"must be only the scheduler's scheme, host and port, {example}"
    return None


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


def _check_type(key: str, value: Any, kinds: Kinds, fail: Any) -> None:
    # TOML booleans are not numbers here.
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join(_TYPE_NAMES[k] for k in kinds)
        raise fail(f"'{key}' must be {names} (got {shown(value)})")


_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}  # fmt: skip
