"""What a short version keeps: sentences chosen under the target length, key points, soundbites.

The excerpts planned here cut in the middle of pauses; ``cut`` moves each cut to the
quietest moment of its pause when it cuts the audio.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from pipeline import phrases
from pipeline.formats.times import clock
from pipeline.model import (
    MIN_SHORT_SECONDS,
    Episode,
    Excerpt,
    ShortSettings,
    ShortVersion,
    Soundbite,
)
from pipeline.shorten.sentences import Sentence, without_fillers
from pipeline.shorten.timeline import one_after_another

OPENING = 12.0  # seconds: the short version opens with the episode's first sentences
PAD = 0.35  # seconds of pause kept at most on either side of an excerpt
TOLERANCE = 0.05  # the short version may run this share over its target
NEXT_TO = 0.6  # how much more a sentence next to a kept one is worth: fewer, longer excerpts
KEY_POINTS = (3, 6)  # how many, at least and at most
KEY_WORDS = (6, 45)  # words in a key point
# Speech recognition starts some sentences in lower case ("doesn't it? you know, my...").
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?\w)")
SOUNDBITE = (15.0, 120.0)  # seconds, Podcasting 2.0's range
SOUNDBITE_AIM = 60.0  # seconds: a soundbite grows to about this long
SOUNDBITES = 3
TITLE = 120  # characters of a soundbite's title


def target_seconds(duration: float, settings: ShortSettings) -> float:
    """The short version's length: the smaller of ``minutes`` and ``ratio`` of the episode."""
    return min(settings.minutes * 60.0, settings.ratio * duration)


def plan(
    episode: Episode,
    found: Sequence[Sentence],
    target: float,
    duration: float,
    english: bool = True,
    heard: Sequence[Sentence] | None = None,
) -> ShortVersion:
    """The short version's excerpts, key points and soundbites, before the audio is cut.

    The host's ``short`` ranges are the excerpts when there are any; otherwise they are
    chosen from the sentences ``heard`` (default ``found``; none without a transcript: then
    ``found`` is empty). Their text, the key points and the soundbites come from ``found``.
    """
    heard = found if heard is None else heard
    points = key_points(found, english)
    bites = soundbites(found, duration)
    if episode.short_ranges:
        excerpts = [(start, min(end, duration)) for start, end in episode.short_ranges]
        by_host = True
    elif target < MIN_SHORT_SECONDS:
        return ShortVersion(
            target=target,
            key_points=points,
            soundbites=bites,
            why_no_audio=(
                f"The episode is {clock(duration)} long, so its short version is these key "
                "points, without audio of its own."
            ),
        )
    else:
        excerpts = [_span(heard, run) for run in _runs(choose(heard, target))]
        by_host = False
    placed = [
        Excerpt(round(start, 3), round(end, 3), 0.0, said(found, start, end))
        for start, end in excerpts
    ]
    return ShortVersion(
        target=target,
        excerpts=one_after_another(placed),
        by_host=by_host,
        key_points=points,
        soundbites=bites,
    )


def said(found: Sequence[Sentence], start: float, end: float) -> str:
    """What is said between two moments: the sentences that lie mostly inside."""
    return " ".join(s.text for s in found if min(s.end, end) - max(s.start, start) > s.duration / 2)


def choose(found: Sequence[Sentence], target: float) -> list[int]:
    """The sentences the short version keeps, in order: the opening, the best of each chapter
    as far as the target allows, then the best of the rest (more for those next to a kept
    one), until nothing more fits."""
    kept: set[int] = set()
    limit = target * (1 + TOLERANCE)
    total = 0.0

    def add(i: int) -> bool:
        nonlocal total
        more = _added(found, kept, i)
        if total + more > limit:
            return False
        kept.add(i)
        total += more
        return True

    if not found:
        return []
    first = found[0].start
    for s in found:
        if s.index and s.end > first + OPENING:
            break
        if not add(s.index):
            break
    chapters = sorted({s.chapter for s in found})
    for chapter in chapters:
        if any(found[i].chapter == chapter for i in kept):
            continue
        mine = sorted((s for s in found if s.chapter == chapter), key=lambda s: -s.score)
        left = max(0.0, limit - total) / max(1, len(chapters))
        fitting = [s for s in mine if s.duration <= max(left, 2 * PAD + mine[-1].duration)]
        for s in fitting or mine:
            if add(s.index):
                break
    while True:
        best, value = -1, -math.inf
        for s in found:
            if s.index in kept or total + _added(found, kept, s.index) > limit:
                continue
            next_to = (s.index - 1 in kept) or (s.index + 1 in kept)
            worth = s.score * (1 + NEXT_TO if next_to else 1.0)
            if worth > value:
                best, value = s.index, worth
        if best < 0:
            break
        add(best)
    return sorted(kept)


def _pad(silence: float) -> float:
    return min(silence / 2, PAD)


def _added(found: Sequence[Sentence], kept: set[int], i: int) -> float:
    """How much longer the short version gets with sentence i kept as well."""
    s = found[i]
    more = s.duration
    if i - 1 in kept:
        more += s.before - _pad(s.before)  # the pause joins it to the excerpt before
    else:
        more += _pad(s.before)
    if i + 1 in kept:
        more += s.after - _pad(s.after)
    else:
        more += _pad(s.after)
    return more


def _runs(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive kept sentences as (first, last) runs: each is one excerpt."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _span(found: Sequence[Sentence], run: tuple[int, int]) -> tuple[float, float]:
    first, last = found[run[0]], found[run[1]]
    return first.start - _pad(first.before), last.end + _pad(last.after)


def key_points(found: Sequence[Sentence], english: bool = True) -> tuple[str, ...]:
    """Three to six of the best whole sentences, fillers removed, from as many chapters as
    there are (the best of each first), in the order they are said. A sentence that turns
    to another subject or points at one ("more on locks later") makes no point of its own."""
    ready = []
    for s in found:  # one sentence each: a run-on unit offers its longest whole sentence
        parts = [without_fillers(part) for part in _SENTENCE_BREAK.split(s.text)]
        whole = [
            part
            for part in parts
            if KEY_WORDS[0] <= len(part.split()) <= KEY_WORDS[1]
            and part.endswith((".", "!", "?"))
            and not (english and _aside(part))
        ]
        if whole:
            ready.append((s, max(whole, key=lambda part: len(part.split()))))
    if not ready:
        return ()
    chapters = len({s.chapter for s, _ in ready})
    wanted = min(KEY_POINTS[1], max(KEY_POINTS[0], chapters))
    by_score = sorted(ready, key=lambda pair: -pair[0].score)
    chosen: list[tuple[Sentence, str]] = []
    for s, text in by_score:  # the best of each chapter, best chapters first
        if len(chosen) < wanted and all(c.chapter != s.chapter for c, _ in chosen):
            chosen.append((s, text))
    for pair in by_score:
        if len(chosen) < wanted and pair not in chosen and pair[1] not in {t for _, t in chosen}:
            chosen.append(pair)
    return tuple(text for _, text in sorted(chosen, key=lambda pair: pair[0].start))


def _aside(sentence: str) -> bool:
    said = sentence.split()
    return any(phrases.pointing(said)) or phrases.opens_with_cue(said)


def soundbites(found: Sequence[Sentence], duration: float) -> tuple[Soundbite, ...]:
    """Up to three stretches of 15 to 120 s inside one chapter each, starting and ending in
    pauses, whose sentences score best on average; from different chapters where possible."""
    windows: list[tuple[float, float, float, int, int]] = []  # value, start, end, i, chapter
    for i, first in enumerate(found):
        total, best = 0.0, None
        for j in range(i, len(found)):
            s = found[j]
            if s.chapter != first.chapter:
                break
            total += s.score
            start = first.start - _pad(first.before)
            end = min(s.end + _pad(s.after), duration)
            length = end - start
            if length > min(SOUNDBITE[1], SOUNDBITE_AIM * 1.5):
                break
            if length >= SOUNDBITE[0]:
                value = total / (j - i + 1) * min(1.0, length / SOUNDBITE_AIM) ** 0.5
                if best is None or value > best[0]:
                    best = (value, start, end, i, first.chapter)
        if best is not None:
            windows.append(best)
    windows.sort(key=lambda w: -w[0])
    chosen: list[tuple[float, float, float, int, int]] = []
    for distinct in (True, False):
        for w in windows:
            if len(chosen) >= SOUNDBITES:
                break
            overlaps = any(w[1] < c[2] and c[1] < w[2] for c in chosen)
            if overlaps or (distinct and any(c[4] == w[4] for c in chosen)):
                continue
            chosen.append(w)
    chosen.sort(key=lambda w: w[1])
    return tuple(
        Soundbite(round(start, 2), round(end - start, 2), _title(found[i].text))
        for _value, start, end, i, _chapter in chosen
    )


def _title(text: str) -> str:
    text = without_fillers(text)
    return text if len(text) <= TITLE else text[: TITLE - 1].rsplit(" ", 1)[0] + "…"
