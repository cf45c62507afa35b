"""The outline aligned to the words in one pass: where each chapter starts, by dynamic programming.

The transcript is cut into units, runs of words between pauses. Each unit scores how well
its terms fit each chapter's outline (title and notes), weighted by how rarely the term is
spoken. A dynamic program then finds the one ordered division of the units into chapters
with the best total score, with chapter starts only where a sentence or a turn ends.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

UNIT_PAUSE = 0.25  # seconds of silence that end a unit
OPEN_PAUSE = 0.6  # a pause this long is a place a chapter may start, sentence end or not
TITLE_WEIGHT = 2.0  # a title term counts twice a notes term
SMOOTHING = 0.2  # added to every term's count in a chapter's outline
PAUSE_BONUS = 0.5  # per second of pause (up to two) before a chapter start
CUE_BONUS = 1.0  # a start that opens with a turn of subject ("moving on", "next")
TITLE_BONUS = 1.0  # per title term said in the first seconds of a chapter
TITLE_SECONDS = 12.0
SOON_BONUS = 0.3  # times the chapter's fit to the units soon after its start
SOON_SECONDS = 8.0  # how fast that weight decays after the start
SENTENCE_END = (".", "?", "!", "…")
# How hosts turn to a new subject, in English: a unit opening with one of these is a cue.
CUES = (
    ("moving", "on"), ("next",), ("let's", "talk"), ("let's", "turn"), ("let's", "move"),
    ("turning", "to"), ("now", "let's"), ("okay", "so"), ("ok", "so"), ("alright", "so"),
    ("all", "right", "so"), ("right", "so"), ("speaking", "of"), ("on", "to"), ("onto",),
    ("another", "thing"), ("our", "next"), ("which", "brings"), ("that", "brings"),
)  # fmt: skip


@dataclass(frozen=True)
class Unit:
    """A run of words between pauses: where a chapter could start, and what it is about."""

    start: float  # the first word's start
    end: float
    terms: tuple[str, ...]
    pause: float  # silence before it, seconds
    opens: bool  # a chapter may start here: after a sentence end, a turn or a long pause
    cue: bool = False  # opens with words that turn to a new subject


@dataclass(frozen=True)
class Outline:
    """One chapter's outline as terms: its title's and its notes'."""

    title: tuple[str, ...]
    notes: tuple[str, ...]

    def counts(self) -> dict[str, float]:
        counts: dict[str, float] = {}
        for term in self.notes:
            counts[term] = counts.get(term, 0.0) + 1.0
        for term in self.title:
            counts[term] = counts.get(term, 0.0) + TITLE_WEIGHT
        return counts


def opens_with_cue(words: Sequence[str]) -> bool:
    """Whether lower-cased words open with a phrase that turns to a new subject."""
    cleaned = [w.strip(",.;:!?\"'").lower() for w in words[:4]]
    return any(tuple(cleaned[: len(cue)]) == cue for cue in CUES)


def ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"'”’)").endswith(SENTENCE_END)


def spoken_weights(units: Sequence[Unit]) -> dict[str, float]:
    """How much each term says about where it is: terms spoken all through weigh little."""
    spread: Counter[str] = Counter()
    for unit in units:
        spread.update(set(unit.terms))
    total = len(units) + 1
    return {t: max(0.0, math.log(total / (n + 0.5))) for t, n in spread.items()}


def fits(units: Sequence[Unit], outlines: Sequence[Outline], weights: dict[str, float]):
    """Per unit, how much better each chapter fits it than the chapters on average.

    A chapter's outline is a smoothed bag of terms; a unit's fit to it is the weighted sum of
    the log-probability of its outline terms, less the mean over all chapters, so a term
    every chapter shares says nothing and a term only one chapter names says most.
    """
    counts = [o.counts() for o in outlines]
    vocabulary = set().union(*counts) if counts else set()
    size = max(len(vocabulary), 1)
    logp: dict[str, list[float]] = {}
    for term in vocabulary:
        row = [
            math.log((c.get(term, 0.0) + SMOOTHING) / (sum(c.values()) + SMOOTHING * size))
            for c in counts
        ]
        mean = sum(row) / len(row)
        logp[term] = [p - mean for p in row]
    table = []
    for unit in units:
        row = [0.0] * len(outlines)
        for term in unit.terms:
            if term in logp:
                weight = weights.get(term, 0.0)
                row = [r + weight * p for r, p in zip(row, logp[term], strict=True)]
        table.append(row)
    return table


def evidence(units: Sequence[Unit], outline: Outline) -> int:
    """How many units say a term of this chapter's outline."""
    wanted = set(outline.title) | set(outline.notes)
    return sum(1 for u in units if wanted.intersection(u.terms))


def starts(units: Sequence[Unit], outlines: Sequence[Outline], weights: dict[str, float]):
    """The unit each chapter starts at: the first at unit 0, the rest in order.

    Returns None when there are fewer places to start than chapters.
    """
    n, m = len(units), len(outlines)
    if m == 1:
        return [0]
    opens = [u.opens for u in units]
    if sum(opens[1:]) < m - 1:
        opens = [True] * n
        if n < m:
            return None
    fit = fits(units, outlines, weights)
    title_terms = [set(o.title) for o in outlines]

    def bonus(k: int, u: int) -> float:
        """What a start of chapter k at unit u gains from where it is."""
        unit = units[u]
        said: set[str] = set()
        soon = 0.0
        for v in range(u, n):
            after = units[v].start - unit.start
            if after > 2.5 * SOON_SECONDS:
                break
            if after <= TITLE_SECONDS:
                said.update(title_terms[k].intersection(units[v].terms))
            soon += max(0.0, fit[v][k]) * math.exp(-after / SOON_SECONDS)
        return (
            PAUSE_BONUS * min(unit.pause, 2.0)
            + CUE_BONUS * unit.cue
            + TITLE_BONUS * sum(weights.get(t, 0.0) > 0 for t in said)
            + SOON_BONUS * soon
        )

    # best[k][u]: the best score of units 0..u with unit u in chapter k.
    minus = -math.inf
    best = [[minus] * n for _ in range(m)]
    came = [[False] * n for _ in range(m)]  # True: chapter k started at unit u
    best[0][0] = fit[0][0]
    for u in range(1, n):
        best[0][u] = best[0][u - 1] + fit[u][0]
        for k in range(1, min(m, u + 1)):
            stay = best[k][u - 1]
            start = best[k - 1][u - 1] + bonus(k, u) if opens[u] else minus
            if start > stay:
                best[k][u], came[k][u] = start + fit[u][k], True
            elif stay > minus:
                best[k][u] = stay + fit[u][k]
    if best[m - 1][n - 1] == minus:
        return None
    found = [0] * m
    k, u = m - 1, n - 1
    while k > 0:
        while not came[k][u]:
            u -= 1
        found[k] = u
        k, u = k - 1, u - 1
    return found
