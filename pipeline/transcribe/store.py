"""``transcript.json``: writing it, reading it back, knowing whether a host corrected it."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ContentError
from pipeline.model import Segment, Transcript, Word

FORMAT = 1
_FIX = "fix the JSON or delete the file to transcribe again"


def cache_key(t: Transcript) -> tuple[str, str, str, str, str]:
    """What decides whether a transcript is current: hotwords are deliberately not in it."""
    return (t.recording_sha256, t.engine, t.model, t.language, _canonical(dict(t.settings)))


def key_for(
    recording_sha256: str, engine: str, model: str, language: str, settings: Mapping[str, object]
) -> tuple[str, str, str, str, str]:
    """The cache key a transcript made with these settings would have."""
    return (recording_sha256, engine, model, language, _canonical(dict(settings)))


def to_document(t: Transcript) -> dict[str, Any]:
    """The JSON document of a transcript, with the hash of its content as written."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "engine": t.engine,
        "model": t.model,
        "language": t.language,
        "settings": dict(t.settings),
        "recording_sha256": t.recording_sha256,
        "segments": [
            {"start": s.start, "end": s.end, "speaker": s.speaker, "text": s.text}
            for s in t.segments
        ],
        "words": [
            {
                "text": w.text,
                "start": w.start,
                "end": w.end,
                "probability": w.probability,
                "speaker": w.speaker,
            }
            for w in t.words
        ],
    }
    return {"content_sha256": content_hash(doc), **doc}


def content_hash(doc: dict[str, Any]) -> str:
    """SHA-256 of everything but the hash itself, independent of indentation and key order."""
    body = {k: v for k, v in doc.items() if k != "content_sha256"}
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def dumps(t: Transcript) -> str:
    return json.dumps(to_document(t), indent=2, ensure_ascii=False) + "\n"


def write(path: Path, t: Transcript) -> None:
    """Write atomically: a temporary file beside it, then a rename."""
    _atomic_write(path, dumps(t).encode())


def read(path: Path) -> Transcript | None:
    """The transcript in ``path``; None when there is none. ``edited`` when a host changed it."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, f"cannot be read ({exc}); {_FIX}") from exc
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ContentError(
            path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); {_FIX}"
        ) from exc
    try:
        return _from_document(doc)
    except KeyError as exc:
        raise ContentError(path, f"is not a transcript ({exc} is missing); {_FIX}") from exc
    except (TypeError, ValueError) as exc:
        raise ContentError(path, f"is not a transcript ({exc}); {_FIX}") from exc


def keep_edited(path: Path, now: datetime | None = None) -> Path:
    """Copy a corrected transcript to ``transcript.edited-YYYYMMDDTHHMMSSZ.json`` beside it."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    data = path.read_bytes()
    backup = path.with_name(f"transcript.edited-{stamp}.json")
    n = 1
    while backup.exists() and backup.read_bytes() != data:
        n += 1
        backup = path.with_name(f"transcript.edited-{stamp}-{n}.json")
    if not backup.exists():
        _atomic_write(backup, data)
    return backup


def _from_document(doc: Any) -> Transcript:
    if not isinstance(doc, dict):
        raise TypeError("the top level must be an object")
    segments = tuple(
        Segment(
            text=_str(s, "text"),
            start=_seconds(s, "start"),
            end=_seconds(s, "end"),
            speaker=_speaker(s),
        )
        for s in _list(doc, "segments")
    )
    words = tuple(
        Word(
            text=_str(w, "text"),
            start=_seconds(w, "start"),
            end=_seconds(w, "end"),
            probability=_number(w, "probability"),
            speaker=_speaker(w),
        )
        for w in _list(doc, "words")
    )
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise TypeError("settings must be an object")
    return Transcript(
        segments=segments,
        words=words,
        engine=_str(doc, "engine"),
        model=_str(doc, "model"),
        language=_str(doc, "language"),
        settings=tuple(sorted((k, _frozen(v)) for k, v in settings.items())),
        recording_sha256=_str(doc, "recording_sha256"),
        edited=doc.get("content_sha256") != content_hash(doc),
    )


def _list(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(f"{key} must be a list of objects")
    return value


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} must be text, not {value!r}")
    return value


def _number(obj: dict[str, Any], key: str) -> float:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{key} must be a number, not {value!r}")
    return float(value)


def _seconds(obj: dict[str, Any], key: str) -> float:
    value = _number(obj, key)
    if value < 0:
        raise ValueError(f"{key} must not be negative, not {value!r}")
    return value


def _speaker(obj: dict[str, Any]) -> str | None:
    value = obj.get("speaker")
    if value is not None and not isinstance(value, str):
        raise TypeError(f"speaker must be a name or null, not {value!r}")
    return value or None


def _frozen(value: object) -> object:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _atomic_write(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)  # mkstemp's 0600 would hide the file from the host's other tools
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
