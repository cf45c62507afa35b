"""The chapter aligner before issue 10 (greedy, one heading at a time), frozen for
bench/chapters.py to compare against.

Copied from pipeline/chapters.py as it stood; do not improve it, it is the baseline.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.model import Chapter, Episode, Word

WINDOW_WORDS = 40  # how much speech after a candidate start is compared with a chapter
MIN_PAUSE = 0.3  # seconds of silence before a word that makes it a candidate start
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    ]
)
_TOKEN = re.compile(r"[a-z0-9']+")


def place_episode_chapters(episode: Episode) -> Episode:
    """The episode with its untimed chapters placed one at a time, in outline order."""
    words = episode.transcript.words if episode.transcript else ()
    chapters = list(episode.chapters)
    for i, chapter in enumerate(chapters):
        if chapter.start is not None or not words:
            continue
        lower = chapters[i - 1].start or 0.0
        upper = next((c.start for c in chapters[i + 1 :] if c.start is not None), float("inf"))
        start = _best_start(chapter, chapters[i - 1], words, lower, upper)
        if start is not None:
            chapters[i] = replace(chapter, start=start)
    return replace(episode, chapters=final_chapters(chapters))


def final_chapters(chapters: list[Chapter]) -> tuple[Chapter, ...]:
    """The list starting at 0: a first heading timed later gets an "Intro" chapter before it."""
    if chapters and chapters[0].start is not None and chapters[0].start > 0:
        chapters = [Chapter(title="Intro", start=0.0, notes="", timed=False), *chapters]
    return tuple(chapters)


def _best_start(
    chapter: Chapter, previous: Chapter, words: tuple[Word, ...], lower: float, upper: float
) -> float | None:
    wanted = _tokens(f"{chapter.title} {chapter.notes}")
    before = _tokens(f"{previous.title} {previous.notes}")
    best: tuple[float, float] | None = None
    for k, word in enumerate(words):
        if not lower < word.start < upper:
            continue
        pause = word.start - words[k - 1].end if k else word.start
        if pause < MIN_PAUSE:
            continue
        ahead = _tokens(" ".join(w.text for w in words[k : k + WINDOW_WORDS]))
        behind = _tokens(" ".join(w.text for w in words[max(0, k - WINDOW_WORDS) : k]))
        score = len(ahead & wanted) - len(ahead & before - wanted) * 0.5
        score += len(behind & before) * 0.5 + min(pause, 3.0)
        if best is None or score > best[0]:
            best = (score, max(0.0, word.start - min(pause, 0.5) / 2))
    return round(best[1], 2) if best else None


def _tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and len(t) > 2}
