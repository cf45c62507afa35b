"""``site.toml`` into a typed, validated ``Site``; every mistake names the key and the fix."""

from __future__ import annotations

import difflib
import tomllib
import zoneinfo
from dataclasses import fields
from pathlib import Path
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
ENGINES = ("faster-whisper", "openai-whisper")
DEVICES = ("auto", "cpu", "cuda")
TRANSPORTS = ("smtp", "buttondown", "postmark")


def load_site(root: Path) -> Site:
    """Read ``<root>/site.toml``; raise ConfigError naming the key and how to fix it."""
    path = Path(root) / "site.toml"
    if not path.is_file():
        raise ConfigError(
            f"{path}: not found; create it with title, url, description, language, author, "
            "email and categories (see the README), or point --root at the show folder"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: is not UTF-8 text ({exc}); save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: is not valid TOML: {exc}") from exc
    return parse_site(data, path)


def parse_site(data: dict[str, Any], path: Path) -> Site:
    """Validate the TOML table of ``site.toml`` and build a Site from it."""

    def fail(message: str) -> ConfigError:
        return ConfigError(f"{path}: {message}")

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
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail(
            f"'url' must be an absolute http(s) URL, like https://example.org/show/ (got {url!r})"
        )
    if not url.endswith("/"):
        url += "/"
    if "@" not in data["email"]:
        raise fail(f"'email' must be an email address (got {data['email']!r})")
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
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(
            f"'timezone' {timezone!r} is not a time zone name; use one like 'Europe/Berlin'"
        ) from exc

    tables: dict[str, Any] = {}
    for name, (cls, spec) in TABLES.items():
        table = data.get(name, {})
        _check_keys(table, spec.keys(), f"{name}.", fail)
        for key, value in table.items():
            _check_type(f"{name}.{key}", value, spec[key], fail)
        tables[name] = cls(**{("from_" if k == "from" else k): v for k, v in table.items()})

    transcribe: TranscribeSettings = tables["transcribe"]
    if transcribe.engine not in ENGINES:
        raise fail(
            f"'transcribe.engine' must be one of {', '.join(ENGINES)} (got {transcribe.engine!r})"
        )
    if transcribe.device not in DEVICES:
        raise fail(
            f"'transcribe.device' must be one of {', '.join(DEVICES)} (got {transcribe.device!r})"
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
            f"(got {newsletter.transport!r})"
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


def _check_keys(table: dict[str, Any], valid: Any, prefix: str, fail: Any) -> None:
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
            hint = f"; did you mean '{prefix}{close[0]}'?" if close else ""
            known = ", ".join(sorted(valid))
            raise fail(f"unknown key '{prefix}{key}'{hint} (valid keys: {known})")


def _check_type(key: str, value: Any, expected: type | tuple[type, ...], fail: Any) -> None:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    # TOML booleans are not numbers here.
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join(_TYPE_NAMES[k] for k in kinds)
        raise fail(f"'{key}' must be {names} (got {value!r})")


_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}  # fmt: skip

# Keep the dataclasses and the key tables in step: a field without a key is a bug.
assert {f.name.rstrip("_") for f in fields(NewsletterSettings)} == set(TABLES["newsletter"][1])
