"""Cheap checks that drop what Whisper invents: too-fast text, repeats, doubt, text over silence."""

from __future__ import annotations

import re

import numpy as np

from pipeline.transcribe.engines import RawSegment
from pipeline.transcribe.windows import RATE

MAX_WORDS_PER_SECOND = 8.0  # fast talkers reach about 5
MIN_SPAN = 0.1  # seconds: a segment's span is counted as at least this long
MIN_MEAN_PROBABILITY = 0.15  # invented words come out near 0, heard ones above 0.5
SILENCE_BELOW_SPEECH_DB = 35.0  # quieter than the window's speech by this much: silence
SILENCE_DBFS = -60.0  # and anything this quiet is silence whatever the speech level
_FRAME = RATE // 20  # 50 ms level frames

_WORD = re.compile(r"\w", re.UNICODE)


def normalised(text: str) -> str:
    """Lower case letters and digits only, single-spaced: what two texts share when 'same'."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def drop_hallucinations(segments: list[RawSegment], audio: np.ndarray) -> list[RawSegment]:
    """Keep the segments that were heard; ``audio`` is what the segments' times refer to."""
    levels = _frame_levels(audio)
    silence = max(SILENCE_DBFS, _speech_level(levels) - SILENCE_BELOW_SPEECH_DB)
    kept: list[RawSegment] = []
    previous = ""
    for segment in segments:
        text = normalised(segment.text)
        if not (
            not _WORD.search(text)  # "🎵", "...": no words at all
            or _too_fast(segment)
            or text == previous  # a repetition loop
            or _doubtful(segment)
            or _peak_level(levels, segment.start, segment.end) < silence
        ):
            kept.append(segment)
        previous = text
    return kept


def _too_fast(segment: RawSegment) -> bool:
    count = len(segment.words) or len(segment.text.split())
    if segment.words:
        start, end = segment.words[0].start, segment.words[-1].end
    else:
        start, end = segment.start, segment.end
    return count / max(end - start, MIN_SPAN) > MAX_WORDS_PER_SECOND


def _doubtful(segment: RawSegment) -> bool:
    if not segment.words:
        return False
    mean = sum(w.probability for w in segment.words) / len(segment.words)
    return mean < MIN_MEAN_PROBABILITY


def _frame_levels(audio: np.ndarray) -> np.ndarray:
    """Level of each 50 ms frame in dBFS."""
    frames = len(audio) // _FRAME
    if frames == 0:
        return np.full(1, -120.0)
    power = np.square(audio[: frames * _FRAME], dtype=np.float64).reshape(frames, _FRAME)
    return 10 * np.log10(power.mean(axis=1) + 1e-12)


def _speech_level(levels: np.ndarray) -> float:
    """The level speech reaches in this audio: the 90th percentile of its frames."""
    return float(np.percentile(levels, 90))


def _peak_level(levels: np.ndarray, start: float, end: float) -> float:
    first = max(0, int(start * RATE) // _FRAME)
    last = max(first + 1, int(np.ceil(end * RATE / _FRAME)))
    span = levels[first:last]
    return float(span.max()) if len(span) else -120.0
