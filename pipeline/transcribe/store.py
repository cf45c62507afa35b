"""``transcript.json``: writing it, reading it back, knowing whether a host corrected it.

Hosts correct the file by hand and the show folder is shared, so ``read`` trusts nothing in
it: every value is checked (see ``validate``), and anything wrong becomes a ContentError that
names the field (``segments[3].start``) and says how to fix it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ContentError
from pipeline.files import NotAFile, TooLarge, read_limited, write_atomic
from pipeline.model import Transcript
from pipeline.transcribe import validate
from pipeline.transcribe.validate import AGAIN, MAX_SECONDS

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "MAX_SECONDS",
    "cache_key",
    "content_hash",
    "dumps",
    "keep_edited",
    "key_for",
    "read",
    "to_document",
    "write",
]

FORMAT = 1
MAX_BYTES = 64 * 1024 * 1024  # a two-hour episode's transcript.json is about 3 MiB


def cache_key(t: Transcript) -> tuple[str, str, str, str, str]:
    """Whether a transcript is current: same recording, engine, model, language and settings."""
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
    """Write atomically (a hidden temporary file beside it, then a rename), keeping its mode."""
    write_atomic(path, data=dumps(t).encode(), mode=_mode(path))


def write_corrected(path: Path, t: Transcript, heard_sha256: object) -> bytes:
    """Write a host's correction atomically, marked as corrected; returns the bytes written.

    A transcript is corrected when its ``content_sha256`` is not the hash of its content
    (``read``). The hash the file had (``heard_sha256``) is kept: the machine's hash of what
    it heard, which the corrected content no longer matches (none, when the file had none).
    """
    doc = to_document(t)
    if isinstance(heard_sha256, str):
        doc["content_sha256"] = heard_sha256
    else:
        del doc["content_sha256"]
    data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
    write_atomic(path, data=data, mode=_mode(path))
    return data


def read(path: Path) -> Transcript | None:
    """The transcript in ``path``; None when there is none. ``edited`` when a host changed it.

    Raises ContentError naming the file, the field and the fix for anything that is not a
    transcript: broken JSON, a file over MAX_BYTES, NaN and other non-finite numbers, times
    beyond MAX_SECONDS, control characters, lone surrogates, deep nesting.
    """
    raw = _read_bytes(path)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(
            path, f"is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8, {AGAIN}"
        ) from None
    doc = validate.document(text, path)
    return validate.transcript(doc, path, edited=doc.get("content_sha256") != content_hash(doc))


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, refusing anything but a regular file of at most MAX_BYTES."""
    try:
        return read_limited(path, MAX_BYTES)
    except FileNotFoundError:
        return None
    except NotAFile:
        raise _not_regular(path) from None
    except TooLarge:
        raise _too_large(path) from None
    except OSError as exc:
        raise ContentError(
            path, f"cannot be read ({exc.strerror}); make it readable, {AGAIN}"
        ) from None


def _not_regular(path: Path) -> ContentError:
    return ContentError(
        path,
        "is not a regular file; put the transcript there, or delete it to transcribe again",
    )


def _too_large(path: Path) -> ContentError:
    return ContentError(
        path,
        f"is larger than {MAX_BYTES // 2**20} MiB, the most a transcript may be (a two-hour "
        f"episode needs about 3 MiB); remove what does not belong in it, {AGAIN}",
    )


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
        write_atomic(backup, data=data, mode=0o644)
    return backup


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _mode(path: Path) -> int:
    """The permissions of the file ``path`` replaces, so the host's other tools still read it."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o644
