"""The published transcript files (WebVTT, SRT, Podcasting 2.0 JSON, plain text) from one model."""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.model import Segment, Transcript, Word

LINE = 65  # characters per caption line (Apple's guidance)
LINES_PER_CUE = 2
PARAGRAPH_PAUSE = 2.0  # seconds of silence that start a new paragraph in the text file


@dataclass(frozen=True)
class Cue:
    """One caption: at most two lines of at most LINE characters, label included."""

    start: float
    end: float
    lines: tuple[str, ...]


def to_vtt(t: Transcript) -> str:
    """WebVTT with ``<v Speaker>`` voice tags when the speaker is known."""

    def label(speaker: str | None, _first_of_turn: bool) -> str:
        return f"<v {_vtt_escape(speaker)}>" if speaker else ""

    out = ["WEBVTT", ""]
    for cue in cues(t, label, _vtt_escape):
        out.append(f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}")
        out.extend(cue.lines)
        out.append("")
    return "\n".join(out)


def to_srt(t: Transcript) -> str:
    """SubRip captions; ``Speaker:`` opens the first caption of each speaker's turn."""

    def label(speaker: str | None, first_of_turn: bool) -> str:
        return f"{speaker}: " if speaker and first_of_turn else ""

    out = []
    for n, cue in enumerate(cues(t, label, lambda s: s), start=1):
        out.append(str(n))
        out.append(f"{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}")
        out.extend(cue.lines)
        out.append("")
    return "\n".join(out)


def to_podcast_json(t: Transcript) -> str:
    """Podcasting 2.0 JSON transcript: one entry per segment, ``speaker`` when known."""
    segments = []
    for s in t.segments:
        body = " ".join(s.text.split())
        if not body:
            continue
        entry: dict[str, object] = {}
        if s.speaker:
            entry["speaker"] = s.speaker
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
        text = " ".join(s.text.split())
        if not text:
            continue
        new_turn = last_end is None or s.speaker != speaker
        if current and (new_turn or s.start - (last_end or 0.0) >= PARAGRAPH_PAUSE):
            paragraphs.append(" ".join(current))
            current = []
        if not current and new_turn and s.speaker:
            current.append(f"{s.speaker}:")
        current.append(text)
        speaker, last_end = s.speaker, s.end
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""


def cues(
    t: Transcript,
    label: Callable[[str | None, bool], str],
    escape: Callable[[str], str],
) -> list[Cue]:
    """Captions from segment text (so corrections show), timed by the words under it.

    A long segment becomes several cues. While its words still match the text one for one,
    each cue starts and ends with its own words; after a correction that changed the number
    of words, times are shared out by where the characters stand in the segment.
    ``label(speaker, first_of_turn)`` opens each cue's first line and counts against it.
    """
    midpoints = [(w.start + w.end) / 2 for w in t.words]
    result: list[Cue] = []
    previous_speaker: str | None = None
    previous_end = 0.0
    for segment in t.segments:
        tokens = segment.text.split()
        if not tokens:
            continue
        first = bisect.bisect_left(midpoints, segment.start)
        last = bisect.bisect_right(midpoints, segment.end)
        timing = _Timing(segment, tokens, t.words[first:last])
        first_of_turn = not result or segment.speaker != previous_speaker
        width = max(10, LINE - len(label(segment.speaker, True)))
        units = [
            (piece, k) for k, tok in enumerate(tokens) for piece in _pieces(tok, width, escape)
        ]
        i = 0
        while i < len(units):
            lines, used = _fill([u[0] for u in units[i:]], label(segment.speaker, first_of_turn))
            start = max(timing.start(units[i][1]), previous_end)
            end = max(timing.end(units[i + used - 1][1]), start + 0.001)
            result.append(Cue(start, end, lines))
            previous_end = end
            first_of_turn = False
            i += used
        previous_speaker = segment.speaker
    return result


def _fill(units: list[str], prefix: str) -> tuple[tuple[str, ...], int]:
    """Pack units into one cue's lines; returns the lines and how many units they hold."""
    lines: list[str] = []
    used = 0
    for n in range(LINES_PER_CUE):
        line, empty = (prefix, True) if n == 0 else ("", True)
        while used < len(units):
            sep = "" if empty else " "
            if len(line) + len(sep) + len(units[used]) > LINE:
                break
            line += sep + units[used]
            empty = False
            used += 1
        if not empty:
            lines.append(line)
        if used == len(units):
            break
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


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _timestamp(seconds: float, marker: str) -> str:
    ms = round(max(seconds, 0.0) * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{marker}{ms:03d}"
