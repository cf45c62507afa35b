"""The published transcript files (WebVTT, SRT, Podcasting 2.0 JSON, plain text) from one model."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.formats.times import srt_timestamp, vtt_timestamp
from pipeline.model import Segment, Transcript, Word

LINE = 65  # characters per caption line (Apple's guidance)
LINES_PER_CUE = 2
MIN_ROOM = 10  # text a label must leave on its line to share it as it is (see cues)
PARAGRAPH_PAUSE = 2.0  # seconds of silence that start a new paragraph in the text file
# Control characters that are not whitespace (``str.split`` collapses the others: line breaks,
# tabs, U+001C to U+001F, U+0085) and the halves of surrogate pairs, which UTF-8 cannot encode.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Cue:
    """One caption: at most two lines of at most LINE characters, label included."""

    start: float
    end: float
    lines: tuple[str, ...]


_SRT_ARROW = re.compile(r"-{2,}>")


def to_vtt(t: Transcript) -> str:
    """WebVTT with ``<v Speaker>`` voice tags when the speaker is known."""

    def label(speaker: str | None, _first_of_turn: bool) -> str:
        return f"<v {_vtt_escape(speaker)}>" if speaker else ""

    out = ["WEBVTT", ""]
    for cue in cues(t, label, _vtt_escape, markup=True):
        out.append(f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}")
        out.extend(cue.lines)
        out.append("")
    return "\n".join(out)


def to_srt(t: Transcript) -> str:
    """SubRip captions; ``Speaker:`` opens the first caption of each speaker's turn."""

    def label(speaker: str | None, first_of_turn: bool) -> str:
        return f"{_srt_text(speaker)}: " if speaker and first_of_turn else ""

    out = []
    for n, cue in enumerate(cues(t, label, _srt_text), start=1):
        out.append(str(n))
        out.append(f"{srt_timestamp(cue.start)} --> {srt_timestamp(cue.end)}")
        out.extend(cue.lines)
        out.append("")
    return "\n".join(out)


def to_podcast_json(t: Transcript) -> str:
    """Podcasting 2.0 JSON transcript: one entry per segment, ``speaker`` when known."""
    segments = []
    for s in t.segments:
        body = _one_line(s.text)
        if not body:
            continue
        entry: dict[str, object] = {}
        name = _one_line(s.speaker)
        if name:
            entry["speaker"] = name
        entry.update(startTime=round(s.start, 3), endTime=round(max(s.end, s.start), 3), body=body)
        segments.append(entry)
    doc = {"version": "1.0.0", "segments": segments}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def to_text(t: Transcript) -> str:
    """Plain text: a paragraph per speaker turn (and after long pauses), ``Speaker:`` first."""
    paragraphs: list[str] = []
    current: list[str] = []
    speaker: str | None = None
    last_end: float | None = None
    for s in t.segments:
        text = _one_line(s.text)
        if not text:
            continue
        name = _one_line(s.speaker) or None
        new_turn = last_end is None or name != speaker
        if current and (new_turn or s.start - (last_end or 0.0) >= PARAGRAPH_PAUSE):
            paragraphs.append(" ".join(current))
            current = []
        if not current and new_turn and name:
            current.append(f"{name}:")
        current.append(text)
        speaker, last_end = name, s.end
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""


def cues(
    t: Transcript,
    label: Callable[[str | None, bool], str],
    escape: Callable[[str], str],
    markup: bool = False,
) -> list[Cue]:
    """Captions from segment text (so corrections show), timed by the words under it.

    A long segment becomes several cues. While its words still match the text one for one,
    each cue starts and ends with its own words; after a correction that changed the number
    of words, times are shared out by where the characters stand in the segment.
    ``label(speaker, first_of_turn)`` opens each cue's first line and counts against it while
    it leaves MIN_ROOM characters for text. A longer label still opens the first line when it
    is ``markup`` (a WebVTT voice tag, which players do not show) but no longer counts; a
    longer label that is shown (``Speaker: ``) takes a line of its own.
    """
    midpoints = [(w.start + w.end) / 2 for w in t.words]
    result: list[Cue] = []
    previous_speaker: str | None = None
    previous_end = 0.0
    for segment in t.segments:
        tokens = _one_line(segment.text).split()
        if not tokens:
            continue
        speaker = _one_line(segment.speaker) or None
        first = bisect.bisect_left(midpoints, segment.start)
        last = bisect.bisect_right(midpoints, segment.end)
        timing = _Timing(segment, tokens, t.words[first:last])
        first_of_turn = not result or speaker != previous_speaker
        width = _room(label(speaker, True), markup) or LINE
        units = [
            (piece, k) for k, tok in enumerate(tokens) for piece in _pieces(tok, width, escape)
        ]
        i = 0
        while i < len(units):
            prefix = label(speaker, first_of_turn)
            lines, used = _fill([u[0] for u in units[i:]], prefix, _room(prefix, markup))
            start = max(timing.start(units[i][1]), previous_end)
            end = max(timing.end(units[i + used - 1][1]), start + 0.001)
            result.append(Cue(start, end, lines))
            previous_end = end
            first_of_turn = False
            i += used
        previous_speaker = speaker
    return result


def _room(prefix: str, markup: bool) -> int | None:
    """Characters of text the first line holds after ``prefix``; None: it needs its own line."""
    if len(prefix) <= LINE - MIN_ROOM:
        return LINE - len(prefix)
    return LINE if markup else None


def _fill(units: list[str], prefix: str, room: int | None) -> tuple[tuple[str, ...], int]:
    """Pack units into one cue's lines; returns the lines and how many units they hold.

    The first line opens with ``prefix`` and holds ``room`` characters of text after it;
    with ``room`` None, the prefix is a line of its own. A cue holds at least one unit.
    """
    lines: list[str] = []
    if room is None:
        lines.append(prefix.rstrip())
        prefix, room = "", LINE
    used = 0
    while len(lines) < LINES_PER_CUE and used < len(units):
        head, limit = (prefix, room) if used == 0 else ("", LINE)
        text = units[used]  # a unit never waits for the next cue: its line holds it
        used += 1
        while used < len(units) and len(text) + 1 + len(units[used]) <= limit:
            text += " " + units[used]
            used += 1
        lines.append(head + text)
    return tuple(lines), used


def _pieces(token: str, width: int, escape: Callable[[str], str]) -> list[str]:
    """The escaped token, cut into pieces of at most ``width`` characters (URLs, mostly)."""
    if len(escape(token)) <= width:
        return [escape(token)]
    pieces, current = [], ""
    for ch in token:
        if current and len(escape(current + ch)) > width:
            pieces.append(escape(current))
            current = ""
        current += ch
    pieces.append(escape(current))
    return pieces


class _Timing:
    """When each token of a segment's text starts and ends."""

    def __init__(self, segment: Segment, tokens: list[str], words: tuple[Word, ...]) -> None:
        self.segment = segment
        self.words = words if len(words) == len(tokens) else None
        self.offsets: list[int] = []
        self.lengths = [len(tok) for tok in tokens]
        position = 0
        for length in self.lengths:
            self.offsets.append(position)
            position += length + 1
        self.total = max(position - 1, 1)

    def start(self, k: int) -> float:
        if self.words:
            return self._clamp(self.words[k].start)
        return self._at(self.offsets[k])

    def end(self, k: int) -> float:
        if self.words:
            return self._clamp(self.words[k].end)
        return self._at(self.offsets[k] + self.lengths[k])

    def _at(self, chars: int) -> float:
        s = self.segment
        return s.start + max(s.end - s.start, 0.0) * chars / self.total

    def _clamp(self, seconds: float) -> float:
        return min(max(seconds, self.segment.start), max(self.segment.end, self.segment.start))


def _one_line(text: str | None) -> str:
    """``text`` as one line of plain text: control characters and lone surrogates removed,
    whitespace (line breaks included) collapsed to single spaces.

    ``store.read`` refuses such characters; this keeps them out of published files whatever a
    Transcript carries, so that a speaker name can never start a cue or a line.
    """
    return " ".join(_INVISIBLE.sub("", text).split()) if text else ""


def _srt_text(text: str) -> str:
    """SubRip has no escapes, and a line holding ``-->`` reads as a cue's times: shorten it."""
    return _SRT_ARROW.sub("->", text)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
