"""Who said each word: the loudest track of a tracks/ recording, or the show's only host."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pipeline.transcribe.engines import RawSegment, RawWord
from pipeline.transcribe.windows import RATE

MIN_WORD_SPAN = 0.05  # seconds: very short words are measured over at least this much


def by_loudest_track(
    segments: list[RawSegment], tracks: tuple[np.ndarray, ...], names: tuple[str, ...]
) -> list[RawSegment]:
    """Give each word to the track where it is loudest, then split segments where that changes.

    Bleed (a voice picked up by another speaker's microphone) is quieter there than on the
    speaker's own track, so it never wins; the mix was transcribed, so nothing is doubled.
    """
    out: list[RawSegment] = []
    for segment in segments:
        words = tuple(replace(w, speaker=_loudest(w, tracks, names)) for w in segment.words)
        if not words:
            out.append(segment)
            continue
        runs: list[list[RawWord]] = [[words[0]]]
        for w in words[1:]:
            if w.speaker == runs[-1][-1].speaker:
                runs[-1].append(w)
            else:
                runs.append([w])
        if len(runs) == 1:
            out.append(replace(segment, words=words, speaker=words[0].speaker))
            continue
        for i, run in enumerate(runs):
            out.append(
                RawSegment(
                    text="".join(w.text for w in run),
                    start=segment.start if i == 0 else run[0].start,
                    end=segment.end if i == len(runs) - 1 else run[-1].end,
                    words=tuple(run),
                    speaker=run[0].speaker,
                )
            )
    return out


def everyone_is(segments: list[RawSegment], name: str) -> list[RawSegment]:
    """The one voice of a single-host episode without guests."""
    return [
        replace(s, speaker=name, words=tuple(replace(w, speaker=name) for w in s.words))
        for s in segments
    ]


def _loudest(word: RawWord, tracks: tuple[np.ndarray, ...], names: tuple[str, ...]) -> str:
    """The track with the highest RMS over the word's span (energy over one span compares alike)."""
    middle = (word.start + word.end) / 2
    half = max(word.end - word.start, MIN_WORD_SPAN) / 2
    first = max(0, int((middle - half) * RATE))
    last = max(first + 1, int((middle + half) * RATE))
    energy = [float(np.square(t[first:last], dtype=np.float64).sum()) for t in tracks]
    return names[int(np.argmax(energy))]
