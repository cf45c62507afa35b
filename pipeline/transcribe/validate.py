"""The checks on a hand-edited ``transcript.json``: every value, in a folder that is shared.

``document`` refuses what no transcript holds anywhere in the file (NaN and numbers Python
cannot use, lone surrogates, deep nesting); ``transcript`` checks each field. A mistake is a
ContentError naming the file, the field (``segments[3].start``) and how to fix it.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.errors import ContentError
from pipeline.model import Segment, Transcript, Word

MAX_SECONDS = 7 * 24 * 3600  # 604800: no recording lasts a week, so a later time is a typo
MAX_DEPTH = 16  # levels of arrays and objects; a transcript needs four
MAX_DIGITS = 20  # of an integer; Python refuses to read those of over 4300 digits
_SHOWN = 40  # characters of a value that a message quotes
FIX = "fix the JSON or delete the file to transcribe again"
AGAIN = "or delete the file to transcribe again"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Only a \u escape makes one in JSON: UTF-8 cannot encode a surrogate, so text without
# such an escape is not searched for them.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
# Neither text nor names may hold anything but printable characters and spaces: C0 and C1
# controls (line breaks and tabs included) and the Unicode line and paragraph separators.
# Bidirectional embeddings, overrides and isolates too: see pipeline/text.py.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
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


def document(text: str, path: Path) -> dict[str, Any]:
    """The JSON object in ``text``; ContentError for broken JSON, NaN and other unusable
    numbers, lone surrogates and deep nesting, wherever they are in the file ``path``."""
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
            path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); {FIX}"
        ) from None
    except RecursionError:
        raise ContentError(
            path, f"nests arrays or objects far deeper than any transcript; {FIX}"
        ) from None
    try:
        _check_values(
            doc, strings=_ESCAPED_SURROGATE.search(text) is not None, numbers=numbers.unusable
        )
        if not isinstance(doc, dict):
            raise _Invalid(f"the file must hold one JSON object, not {_kind(doc)}; correct it")
    except _Invalid as exc:
        raise ContentError(path, f"is not a transcript: {exc.problem}, {AGAIN}") from None
    return doc


def transcript(doc: dict[str, Any], path: Path, *, edited: bool) -> Transcript:
    """The transcript in a ``document``; ContentError naming a field that is wrong or missing
    (times are 0 to MAX_SECONDS, text and names hold no control characters or line breaks)."""
    try:
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
            edited=edited,
        )
    except _Missing as exc:
        missing = f"('{_where(exc.at)}' is missing)"
        raise ContentError(path, f"is not a transcript {missing}; {FIX}") from None
    except _Invalid as exc:
        raise ContentError(path, f"is not a transcript: {exc.problem}, {AGAIN}") from None


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


# A transcript holds tens of thousands of words: each is first tried with one quick test,
# and only one that fails it goes through the checks that name what is wrong.


def _segment(s: Any, i: int) -> Segment:
    if type(s) is dict:
        get: Any = s.get  # what the host wrote: anything, until the quick test passes
        text, start, end, speaker = get("text"), get("start"), get("end"), get("speaker")
        if (
            type(text) is str
            and type(start) in _REAL
            and type(end) in _REAL
            and 0 <= start <= MAX_SECONDS
            and 0 <= end <= MAX_SECONDS
            and not CONTROL.search(text)
            and (speaker is None or (type(speaker) is str and not CONTROL.search(speaker)))
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
        get: Any = w.get  # what the host wrote: anything, until the quick test passes
        text, start, end, speaker = get("text"), get("start"), get("end"), get("speaker")
        p = get("probability")
        if (
            type(text) is str
            and type(start) in _REAL
            and type(end) in _REAL
            and type(p) in _REAL
            and 0 <= start <= MAX_SECONDS
            and 0 <= end <= MAX_SECONDS
            and 0 <= p <= 1
            and not CONTROL.search(text)
            and (speaker is None or (type(speaker) is str and not CONTROL.search(speaker)))
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
            f"{_where((*at, key))} is {value:.15g}, a negative time; write the seconds "
            "since the start of the recording"
        )
    if value > MAX_SECONDS:
        raise _Invalid(
            f"{_where((*at, key))} is {value:.15g} seconds, more than 7 days "
            f"({MAX_SECONDS} s); write the seconds since the start of the recording"
        )
    return value


def _probability(obj: dict[str, Any], at: Where, key: str) -> float:
    value = _number(obj, at, key)
    if not 0 <= value <= 1:
        raise _Invalid(f"{_where((*at, key))} is {value:.15g}; write a probability between 0 and 1")
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
    found = CONTROL.search(text)
    if found:
        code = ord(found.group())
        if code in _SPACE_LIKE:
            what, fix = _SPACE_LIKE[code], "replace it with a space"
        else:
            what, fix = "a control character", "remove it"
            if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
                what = "a bidirectional control, which makes text read in another order"
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
