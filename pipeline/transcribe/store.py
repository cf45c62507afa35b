"""``transcript.json``: writing it, reading it back, knowing whether a host corrected it.

Hosts correct the file by hand and the show folder is shared, so ``read`` trusts nothing in
it: every value is checked, and anything wrong becomes a ContentError that names the field
(``segments[3].start``) and says how to fix it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ContentError
from pipeline.files import write_atomic
from pipeline.model import Segment, Transcript, Word

FORMAT = 1
MAX_BYTES = 64 * 1024 * 1024  # a two-hour episode's transcript.json is about 3 MiB
MAX_SECONDS = 7 * 24 * 3600  # 604800: no recording lasts a week, so a later time is a typo
MAX_DEPTH = 16  # levels of arrays and objects; a transcript needs four
MAX_DIGITS = 20  # of an integer; Python refuses to read those of over 4300 digits
_SHOWN = 40  # characters of a value that a message quotes
_FIX = "fix the JSON or delete the file to transcribe again"
_AGAIN = "or delete the file to transcribe again"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Only a \u escape makes one in JSON: UTF-8 cannot encode a surrogate, so text without
# such an escape is not searched for them.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
# Neither text nor names may hold anything but printable characters and spaces: C0 and C1
# controls (line breaks and tabs included) and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SPACE_LIKE = {
    0x09: "a tab",
    0x0A: "a line break",
    0x0D: "a carriage return",
    0x2028: "a line separator",
    0x2029: "a paragraph separator",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_CONTAINERS = frozenset({dict, list})
_REAL = frozenset({int, float})  # the types of JSON numbers; not bool, which is an int

Where = tuple[str | int, ...]  # a value's place in the document: ("segments", 3, "start")


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
    """Write atomically (a hidden temporary file beside it, then a rename), keeping its mode."""
    write_atomic(path, data=dumps(t).encode(), mode=_mode(path))


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
            path, f"is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8, {_AGAIN}"
        ) from None
    numbers = _Numbers()
    try:
        doc = json.loads(
            text,
            parse_constant=numbers.constant,
            parse_float=numbers.decimal,
            parse_int=numbers.integer,
        )
    except json.JSONDecodeError as exc:
        raise ContentError(
            path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); {_FIX}"
        ) from None
    except RecursionError:
        raise ContentError(
            path,
            f"nests arrays or objects far deeper than any transcript; {_FIX}",
        ) from None
    try:
        _check_values(
            doc, strings=_ESCAPED_SURROGATE.search(text) is not None, numbers=numbers.unusable
        )
        return _from_document(doc)
    except _Missing as exc:
        missing = f"('{_where(exc.at)}' is missing)"
        raise ContentError(path, f"is not a transcript {missing}; {_FIX}") from None
    except _Invalid as exc:
        raise ContentError(path, f"is not a transcript: {exc.problem}, {_AGAIN}") from None


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, refusing anything but a regular file of at most MAX_BYTES."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: a named pipe must not hang the build
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise _not_regular(path) from None
    except OSError as exc:
        raise ContentError(
            path, f"cannot be read ({exc.strerror}); make it readable, {_AGAIN}"
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path)
        if info.st_size > MAX_BYTES:
            raise _too_large(path)
        with os.fdopen(fd, "rb") as f:
            fd = -1  # closed with f
            data = f.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:  # it grew while it was read
            raise _too_large(path)
    except OSError as exc:
        raise ContentError(
            path, f"cannot be read ({exc.strerror}); make it readable, {_AGAIN}"
        ) from None
    finally:
        if fd >= 0:
            os.close(fd)
    return data


def _not_regular(path: Path) -> ContentError:
    return ContentError(
        path,
        "is not a regular file; put the transcript there, or delete it to transcribe again",
    )


def _too_large(path: Path) -> ContentError:
    return ContentError(
        path,
        f"is larger than {MAX_BYTES // 2**20} MiB, the most a transcript may be (a two-hour "
        f"episode needs about 3 MiB); remove what does not belong in it, {_AGAIN}",
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


class _Invalid(Exception):
    """A value of the document that a transcript cannot hold; ``problem`` says which and why."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _Missing(Exception):
    def __init__(self, at: Where) -> None:
        super().__init__(at)
        self.at = at


class _Unusable:
    """What the JSON parser makes of a number Python cannot use: NaN, 1e400, 5000 digits."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


class _Numbers:
    """The JSON parser's hooks for numbers: those Python cannot use become _Unusable."""

    def __init__(self) -> None:
        self.unusable = False

    def constant(self, name: str) -> _Unusable:
        return self._unusable(f"is {name}, which is not a finite number")

    def decimal(self, literal: str) -> float | _Unusable:
        value = float(literal)
        if math.isfinite(value):
            return value
        return self._unusable(f"is {_quoted(literal)}, too large to be a finite number")

    def integer(self, literal: str) -> int | _Unusable:
        digits = len(literal.lstrip("-"))
        if digits > MAX_DIGITS:
            return self._unusable(f"is an integer of {digits} digits")
        return int(literal)

    def _unusable(self, problem: str) -> _Unusable:
        self.unusable = True
        return _Unusable(problem)


def _check_values(doc: Any, strings: bool, numbers: bool) -> None:
    """Refuse deep nesting and, where the text may hold them, lone surrogates (``strings``)
    and unusable numbers (``numbers``), wherever they are, naming the first in the file.

    Iterative, so that no nesting the JSON parser accepts can exhaust the stack here.
    """
    if not (strings or numbers):
        too_deep = _too_deep(doc)
        if too_deep is not None:
            raise _nested(too_deep)
        return
    queue: deque[tuple[dict[str, Any] | list[Any], Where]] = deque()
    if isinstance(doc, dict | list):
        queue.append((doc, ()))
    elif numbers and isinstance(doc, _Unusable):
        raise _Invalid(f"the file {doc.problem}; it must hold a transcript")
    while queue:
        container, at = queue.popleft()
        if len(at) >= MAX_DEPTH:
            raise _nested(at)
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, item in items:
            if strings and isinstance(key, str):
                _no_surrogate(key, (*at, key))
            if isinstance(item, dict | list):
                queue.append((item, (*at, key)))
            elif strings and isinstance(item, str):
                _no_surrogate(item, (*at, key))
            elif numbers and isinstance(item, _Unusable):
                raise _Invalid(
                    f"{_where((*at, key))} {item.problem}; write an ordinary number, such as 12.5"
                )


def _too_deep(doc: Any) -> Where | None:
    """The first array or object nested MAX_DEPTH levels deep, level by level; None: none is.

    Only containers are visited, and those holding none are passed over at C speed.
    """
    level: list[tuple[Any, Where]] = [(doc, ())]
    for _ in range(MAX_DEPTH):
        nested: list[tuple[Any, Where]] = []
        for container, at in level:
            if type(container) is dict:
                if _CONTAINERS.isdisjoint(map(type, container.values())):
                    continue
                items: Iterable[tuple[str | int, Any]] = container.items()
            elif type(container) is list:
                if _CONTAINERS.isdisjoint(map(type, container)):
                    continue
                items = enumerate(container)
            else:
                continue
            nested.extend((item, (*at, key)) for key, item in items if type(item) in _CONTAINERS)
        if not nested:
            return None
        level = nested
    return level[0][1]


def _nested(at: Where) -> _Invalid:
    return _Invalid(
        f"{_where(at)} nests arrays or objects more than {MAX_DEPTH} levels deep, which no "
        "transcript does; remove the extra brackets"
    )


def _no_surrogate(text: str, at: Where) -> None:
    found = _SURROGATE.search(text)
    if found:
        raise _Invalid(
            f"{_where(at)} holds U+{ord(found.group()):04X}, half of a surrogate pair without "
            f"its other half (a broken \\u escape): {_excerpt(text, found.start())}; write the "
            "character itself instead of the escape"
        )


def _from_document(doc: Any) -> Transcript:
    if not isinstance(doc, dict):
        raise _Invalid(f"the file must hold one JSON object, not {_kind(doc)}; correct it")
    segments = tuple(_segment(s, i) for i, s in enumerate(_list(doc, "segments")))
    words = tuple(_word(w, i) for i, w in enumerate(_list(doc, "words")))
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise _Invalid(f"settings must be an object, not {_kind(settings)}; correct it")
    return Transcript(
        segments=segments,
        words=words,
        engine=_text(doc, (), "engine"),
        model=_text(doc, (), "model"),
        language=_text(doc, (), "language"),
        settings=tuple(sorted((k, _frozen(v)) for k, v in settings.items())),
        recording_sha256=_text(doc, (), "recording_sha256"),
        edited=doc.get("content_sha256") != content_hash(doc),
    )


# A transcript holds tens of thousands of words: each is first tried with one quick test,
# and only one that fails it goes through the checks that name what is wrong.


def _segment(s: Any, i: int) -> Segment:
    if type(s) is dict:
        text, start, end, speaker = s.get("text"), s.get("start"), s.get("end"), s.get("speaker")
        if (
            type(text) is str
            and type(start) in _REAL
            and type(end) in _REAL
            and 0 <= start <= MAX_SECONDS
            and 0 <= end <= MAX_SECONDS
            and not _CONTROL.search(text)
            and (speaker is None or (type(speaker) is str and not _CONTROL.search(speaker)))
        ):
            return Segment(text, float(start), float(end), speaker or None)
    at = _object(s, "segments", i)
    return Segment(
        text=_text(s, at, "text"),
        start=_seconds(s, at, "start"),
        end=_seconds(s, at, "end"),
        speaker=_speaker(s, at),
    )


def _word(w: Any, i: int) -> Word:
    if type(w) is dict:
        text, start, end, speaker = w.get("text"), w.get("start"), w.get("end"), w.get("speaker")
        p = w.get("probability")
        if (
            type(text) is str
            and type(start) in _REAL
            and type(end) in _REAL
            and type(p) in _REAL
            and 0 <= start <= MAX_SECONDS
            and 0 <= end <= MAX_SECONDS
            and 0 <= p <= 1
            and not _CONTROL.search(text)
            and (speaker is None or (type(speaker) is str and not _CONTROL.search(speaker)))
        ):
            return Word(text, float(start), float(end), float(p), speaker or None)
    at = _object(w, "words", i)
    return Word(
        text=_text(w, at, "text"),
        start=_seconds(w, at, "start"),
        end=_seconds(w, at, "end"),
        probability=_probability(w, at, "probability"),
        speaker=_speaker(w, at),
    )


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = _get(doc, (), key)
    if not isinstance(value, list):
        raise _Invalid(f"{key} must be a list of objects, not {_kind(value)}; correct it")
    return value


def _object(item: Any, key: str, i: int) -> Where:
    if not isinstance(item, dict):
        raise _Invalid(f"{key}[{i}] must be an object {{...}}, not {_kind(item)}; correct it")
    return (key, i)


def _get(obj: dict[str, Any], at: Where, key: str) -> Any:
    try:
        return obj[key]
    except KeyError:
        raise _Missing((*at, key)) from None


def _text(obj: dict[str, Any], at: Where, key: str) -> str:
    value = _get(obj, at, key)
    if not isinstance(value, str):
        raise _Invalid(f"{_where((*at, key))} must be text, not {_kind(value)}; correct it")
    _no_control(value, (*at, key))
    return value


def _number(obj: dict[str, Any], at: Where, key: str) -> float:
    value = _get(obj, at, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"{_where((*at, key))} must be a number, not {_kind(value)}; correct it")
    if not math.isfinite(value):
        raise _Invalid(f"{_where((*at, key))} is not a finite number; write one, such as 12.5")
    return float(value)


def _seconds(obj: dict[str, Any], at: Where, key: str) -> float:
    value = _number(obj, at, key)
    if value < 0:
        raise _Invalid(
            f"{_where((*at, key))} is {_number_text(value)}, a negative time; write the seconds "
            "since the start of the recording"
        )
    if value > MAX_SECONDS:
        raise _Invalid(
            f"{_where((*at, key))} is {_number_text(value)} seconds, more than 7 days "
            f"({MAX_SECONDS} s); write the seconds since the start of the recording"
        )
    return value


def _probability(obj: dict[str, Any], at: Where, key: str) -> float:
    value = _number(obj, at, key)
    if not 0 <= value <= 1:
        raise _Invalid(
            f"{_where((*at, key))} is {_number_text(value)}; write a probability between 0 and 1"
        )
    return value


def _speaker(obj: dict[str, Any], at: Where) -> str | None:
    value = obj.get("speaker")
    if value is not None and not isinstance(value, str):
        raise _Invalid(
            f"{_where((*at, 'speaker'))} must be a name or null, not {_kind(value)}; correct it"
        )
    if value:
        _no_control(value, (*at, "speaker"))
    return value or None


def _no_control(text: str, at: Where) -> None:
    found = _CONTROL.search(text)
    if found:
        code = ord(found.group())
        if code in _SPACE_LIKE:
            what, fix = _SPACE_LIKE[code], "replace it with a space"
        else:
            what, fix = "a control character", "remove it"
        raise _Invalid(
            f"{_where(at)} holds U+{code:04X} ({what}): {_excerpt(text, found.start())}; {fix}"
        )


def _where(at: Where) -> str:
    """``segments[3].start``: a place in the document, as a host finds it in the file."""
    if not at:
        return "the top level"
    parts: list[str] = []
    for part in at:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            parts.append(f".{part}" if parts else part)
        else:
            parts.append(f"[{_quoted(part)}]")
    where = "".join(parts)
    return where if len(where) <= 2 * _SHOWN else where[: 2 * _SHOWN] + "…"


def _excerpt(text: str, index: int) -> str:
    """At most _SHOWN characters of ``text`` around ``index``, quoted and made printable."""
    first = max(0, index - _SHOWN // 2)
    return _quoted(text[first:], ellipsis_before=first > 0)


def _quoted(text: str, ellipsis_before: bool = False) -> str:
    """Text for a message: at most _SHOWN characters, anything invisible as a \\u escape."""
    shown = "".join(
        ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" for ch in text[:_SHOWN]
    ).replace('"', '\\"')
    return f'"{"…" if ellipsis_before else ""}{shown}{"…" if len(text) > _SHOWN else ""}"'


def _number_text(value: float) -> str:
    return f"{value:.15g}"


def _kind(value: object) -> str:
    """What a JSON value is, in words: never the value itself, which may be huge."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float | _Unusable):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _frozen(value: object) -> object:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _mode(path: Path) -> int:
    """The permissions of the file ``path`` replaces, so the host's other tools still read it."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o644
