"""The body of a ``PUT /api/episodes/<slug>/transcript``, checked strictly before anything is saved.

The editor (or a script) sends back what ``GET`` gave, changed: each segment's text and
speaker. Anything else is refused with a message that names the field, like
``segments[3].text``: JSON that is not one object, unknown keys, wrong types, non-finite
numbers, a start after its end, times changed, text with line breaks or control characters.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from pipeline.model import Segment
from pipeline.transcribe.validate import CONTROL, MAX_SECONDS

MAX_TEXT = 20_000  # characters of one segment's text: a whole minute of speech is about 1,000
MAX_SPEAKER = 200  # characters of a speaker's name
MAX_DIGITS = 20  # of an integer: Python refuses to read those of over 4,300 digits
# What GET gives: only the segments are read, the rest may be sent back as it came.
TOP_KEYS = frozenset({"slug", "segments", "corrected", "audio", "doubt"})
SEGMENT_KEYS = frozenset({"start", "end", "speaker", "text", "words"})
WORD_KEYS = frozenset({"start", "end", "text", "probability", "speaker"})


class BadBody(ValueError):
    """The body cannot be saved; the message says which field and why (HTTP 400)."""


@dataclass(frozen=True)
class Change:
    """What the host sent for one segment: its text and speaker (None: no speaker)."""

    text: str
    speaker: str | None


def parse(raw: bytes, stored: tuple[Segment, ...], slug: str) -> list[Change]:
    """The segments' new text and speaker, in order; BadBody naming what is wrong.

    ``stored`` are the segments of the file the body was made from: there must be as many,
    with the same times (the editor changes text and speakers, never times).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody(f"the body is not UTF-8 text (byte {exc.start})") from None
    try:
        doc = json.loads(text, parse_constant=_constant, parse_int=_integer)
    except json.JSONDecodeError as exc:
        raise BadBody(
            f"the body is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise BadBody("the body nests arrays or objects far too deep") from None
    if not isinstance(doc, dict):
        raise BadBody(f"the body must be one JSON object, not {_kind(doc)}")
    _keys(doc, TOP_KEYS, "the body")
    if "slug" in doc and doc["slug"] != slug:
        raise BadBody(f"slug is {_shown(doc['slug'])}, but this is {slug}'s transcript")
    segments = doc.get("segments")
    if not isinstance(segments, list):
        raise BadBody(f"segments must be a list of objects, not {_kind(segments)}")
    if len(segments) != len(stored):
        raise BadBody(
            f"segments holds {len(segments)} segments, the transcript {len(stored)}: the "
            "editor changes segments in place and neither adds nor removes them"
        )
    return [_segment(s, i, stored[i]) for i, s in enumerate(segments)]


def _segment(s: Any, i: int, stored: Segment) -> Change:
    at = f"segments[{i}]"
    if not isinstance(s, dict):
        raise BadBody(f"{at} must be an object, not {_kind(s)}")
    _keys(s, SEGMENT_KEYS, at)
    for key in ("start", "end", "text", "speaker"):
        if key not in s:
            raise BadBody(f"{at}.{key} is missing")
    start, end = _seconds(s["start"], f"{at}.start"), _seconds(s["end"], f"{at}.end")
    if start > end:
        raise BadBody(f"{at}.start ({start:g}) is after its end ({end:g})")
    if (start, end) != (stored.start, stored.end):
        raise BadBody(
            f"{at} runs {start:g}–{end:g} s, but was transcribed at {stored.start:g}–"
            f"{stored.end:g} s: times stay as transcribed; change the text and speaker only"
        )
    if "words" in s:
        _words(s["words"], f"{at}.words")
    return Change(_text(s["text"], f"{at}.text", MAX_TEXT), _speaker(s["speaker"], at))


def _words(words: Any, at: str) -> None:
    """Words are read-only (the file keeps them as heard), but what is sent is checked too."""
    if not isinstance(words, list):
        raise BadBody(f"{at} must be a list of objects, not {_kind(words)}")
    for k, w in enumerate(words):
        here = f"{at}[{k}]"
        if not isinstance(w, dict):
            raise BadBody(f"{here} must be an object, not {_kind(w)}")
        _keys(w, WORD_KEYS, here)
        start = _seconds(w.get("start"), f"{here}.start")
        if start > _seconds(w.get("end"), f"{here}.end"):
            raise BadBody(f"{here}.start is after its end")
        _text(w.get("text"), f"{here}.text", MAX_TEXT)
        p = _number(w.get("probability"), f"{here}.probability")
        if not 0 <= p <= 1:
            raise BadBody(f"{here}.probability is {p:g}; it lies between 0 and 1")
        if w.get("speaker") is not None:
            _speaker(w["speaker"], here)


def _keys(obj: dict[str, Any], known: frozenset[str], at: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        raise BadBody(
            f"{at} has the unknown key {_shown(unknown[0])}; it may hold "
            + ", ".join(sorted(known))
        )


def _number(value: Any, at: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadBody(f"{at} must be a number, not {_kind(value)}")
    if not math.isfinite(value):
        raise BadBody(f"{at} is not a finite number")
    return float(value)


def _seconds(value: Any, at: str) -> float:
    seconds = _number(value, at)
    if not 0 <= seconds <= MAX_SECONDS:
        raise BadBody(f"{at} is {seconds:g}; a time lies between 0 and {MAX_SECONDS} seconds")
    return seconds


def _text(value: Any, at: str, limit: int) -> str:
    if not isinstance(value, str):
        raise BadBody(f"{at} must be text, not {_kind(value)}")
    if len(value) > limit:
        raise BadBody(f"{at} is {len(value)} characters long; at most {limit} are allowed")
    found = CONTROL.search(value)  # what transcript.json refuses in text and names
    if found:
        raise BadBody(
            f"{at} holds U+{ord(found.group()):04X} (a line break, tab, bidirectional or other "
            "control character); write it on one line, with spaces, and without it"
        )
    return value


def _speaker(value: Any, at: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadBody(f"{at}.speaker must be a name (text) or null, not {_kind(value)}")
    name = " ".join(_text(value, f"{at}.speaker", MAX_SPEAKER).split())
    return name or None


def _constant(name: str) -> float:
    raise BadBody(f"the body holds {name}, which is not a finite number")


def _integer(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_DIGITS:
        raise BadBody(f"the body holds an integer of {len(literal)} digits")
    return int(literal)


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)[:40]
    return json.dumps(text[:40] + ("…" if len(text) > 40 else ""), ensure_ascii=True)


def _kind(value: object) -> str:
    """What a JSON value is, in words: never the value itself, which may be huge."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"
