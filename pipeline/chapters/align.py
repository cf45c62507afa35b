"""The outline aligned to the words all at once: where each chapter starts, by dynamic programming.

The transcript is cut into units, runs of words between pauses. Each unit scores how well
its terms fit each chapter's outline (title and notes), weighted by how rarely the term is
spoken, and shared a little with its neighbours. A dynamic program finds the one ordered
division of the units into chapters with the best total score, starts only where a sentence
or a turn ends, each start gaining from a long pause, a turn of subject and the chapter's
title said soon after. Then each chapter learns the words its units use, the units are
divided again, and each start is moved to the best place near it on the units' own fit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

VERSION = 2  # of the aligner: part of the key under which its results are kept
UNIT_PAUSE = 0.25  # seconds of silence that end a unit
OPEN_PAUSE = 0.6  # a pause this long is a place a chapter may start, sentence end or not
COMPOUND_PART = 4  # the shortest outline term found at the end of a compound
TITLE_WEIGHT = 2.0  # a title term counts twice a notes term
SMOOTHING = 0.2  # added to every term's count in a chapter's outline
PAUSE_BONUS = 4.0  # per second of pause (up to two) before a chapter start
CUE_BONUS = 3.0  # a start that opens with a turn of subject ("moving on", "next")
TITLE_BONUS = 1.0  # per title term said in the first seconds of a chapter
TITLE_SECONDS = 12.0
SOON_BONUS = 0.3  # times the chapter's fit to the units soon after its start
SOON_SECONDS = 8.0  # how fast that weight decays after the start
SPREAD_SECONDS = 4.0  # how far a unit's fit is shared with its neighbours
REFINE_SECONDS = 12.0  # how far a start may move when placed on the units' own fit
ROUNDS = 3  # divisions after the first, each with the words the chapters were found to use
SPOKEN_WEIGHT = 0.1  # how much those words count beside the outline's
SHIFT_BONUS = 1.0  # per standard deviation the talk's words change more at a start than usual
SHIFT_SECONDS = 40.0  # the stretch of talk before and after a start that is compared
# Terms common in everyday language say little about a subject ("way", "work", "say"): a
# term's weight is scaled by (COMMON - its Zipf frequency) / COMMON_SCALE, within the range.
COMMON = 6.5
COMMON_SCALE = 2.0
COMMON_RANGE = (0.2, 1.5)


@dataclass(frozen=True)
class Unit:
    """A run of words between pauses: where a chapter could start, and what it is about."""

    start: float  # the first word's start
    end: float
    terms: tuple[str, ...]  # what it is about (not what it names as said elsewhere)
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


def with_compounds(units: Sequence[Unit], outline: set[str]) -> list[Unit]:
    """Units whose compound terms name an outline term: "crosswind" says "wind" as well."""
    parts = [t for t in outline if len(t) >= COMPOUND_PART and not t[0].isdigit()]
    found: dict[str, str | None] = {}

    def part(term: str) -> str | None:
        if term not in found:
            found[term] = None
            if term not in outline and len(term) > COMPOUND_PART + 2:
                found[term] = next((p for p in parts if term.endswith(p)), None)
        return found[term]

    return [
        replace(u, terms=tuple(part(t) or t for t in u.terms))
        if any(part(t) for t in u.terms)
        else u
        for u in units
    ]


def spoken_weights(units: Sequence[Unit]) -> dict[str, float]:
    """How much each term says about where it is: terms spoken all through weigh little."""
    spread: Counter[str] = Counter()
    for unit in units:
        spread.update(set(unit.terms))
    total = len(units) + 1
    return {t: max(0.0, math.log(total / (n + 0.5))) for t, n in spread.items()}


def rarer(weights: dict[str, float], everyday: dict[str, float]) -> dict[str, float]:
    """The weights, scaled down for terms common in everyday language and up for rare ones.

    ``everyday`` holds each term's Zipf frequency (``Terms.everyday``). A short episode says
    "way" as seldom as "offline", so how often the episode says a term cannot tell them
    apart; how often the language does can.
    """
    low, high = COMMON_RANGE
    scale = {t: min(high, max(low, (COMMON - z) / COMMON_SCALE)) for t, z in everyday.items()}
    return {t: w * scale.get(t, 1.0) for t, w in weights.items()}


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


def shifts(units: Sequence[Unit], weights: dict[str, float]) -> list[float]:
    """Per unit, how much the words spoken change there, more than they usually do: 1 minus
    the cosine similarity of the weighted terms of the talk just before it and just after it,
    as a standard score (0 where it changes no more than on average).

    Talk about one subject keeps using its words; where the subject changes, so do they.
    """
    starts = [u.start for u in units]
    found = []
    for i, unit in enumerate(units):
        before: Counter[str] = Counter()
        after: Counter[str] = Counter()
        j = i - 1
        while j >= 0 and starts[j] >= unit.start - SHIFT_SECONDS:
            before.update(units[j].terms)
            j -= 1
        j = i
        while j < len(units) and starts[j] < unit.start + SHIFT_SECONDS:
            after.update(units[j].terms)
            j += 1
        if not before or not after:
            found.append(0.0)
            continue
        dot = sum(before[t] * after[t] * weights.get(t, 0.0) ** 2 for t in before)
        norm = math.sqrt(sum((n * weights.get(t, 0.0)) ** 2 for t, n in before.items()))
        norm *= math.sqrt(sum((n * weights.get(t, 0.0)) ** 2 for t, n in after.items()))
        found.append(1.0 - dot / norm if norm else 0.0)
    if len(found) > 1:  # as standard scores: how unusual the change here is
        mean = sum(found) / len(found)
        spread = math.sqrt(sum((f - mean) ** 2 for f in found) / len(found)) or 1.0
        found = [max(0.0, (f - mean) / spread) for f in found]
    return found


def evidence(units: Sequence[Unit], outline: Outline) -> int:
    """How many units say a term of this chapter's outline."""
    wanted = set(outline.title) | set(outline.notes)
    return sum(1 for u in units if wanted.intersection(u.terms))


def starts(units: Sequence[Unit], outlines: Sequence[Outline], weights: dict[str, float]):
    """The unit each chapter starts at: the first at unit 0, the rest in order.

    A first division scores the units against the outline alone. Then, for a few rounds,
    each chapter also learns the words its units use (what a host says about a subject
    goes well beyond the notes), and the units are divided again: a passing mention of a
    later subject no longer pulls that chapter's start onto it. Returns None when there are
    fewer places to start than chapters.
    """
    n, m = len(units), len(outlines)
    if m == 1:
        return [0]
    opens = [u.opens for u in units]
    if sum(opens[1:]) < m - 1:
        opens = [True] * n
        if n < m:
            return None
    outline_fit = smoothed(units, fits(units, outlines, weights))
    change = shifts(units, weights)
    placed = place_gains(units, change, [set(o.title) for o in outlines], weights)
    found = divide(outline_fit, opens, start_gains(units, outline_fit, placed))
    for _ in range(ROUNDS):
        spoken = smoothed(units, spoken_fits(units, found, m, weights))
        fit = [
            [a + SPOKEN_WEIGHT * b for a, b in zip(row, more, strict=True)]
            for row, more in zip(outline_fit, spoken, strict=True)
        ]
        again = divide(fit, opens, start_gains(units, fit, placed))
        if again == found:
            break
        found = again
    if REFINE_SECONDS > 0:
        raw = fits(units, outlines, weights)
        found = refined(units, raw, opens, found, start_gains(units, raw, placed))
    return found


def smoothed(units: Sequence[Unit], fit: list[list[float]]) -> list[list[float]]:
    """Each unit's fit shared with the units around it: a subject is talked about for a while,
    so a lone mention counts for less than a stretch of them."""
    if SPREAD_SECONDS <= 0:
        return fit
    out = []
    first = 0  # the first unit close enough to the one being smoothed
    for i, unit in enumerate(units):
        while unit.start - units[first].start > 3 * SPREAD_SECONDS:
            first += 1
        if not any(fit[i]):  # a unit that names no outline term stays neutral
            out.append(fit[i])
            continue
        row = [0.0] * len(fit[i])
        total = 0.0
        for j in range(first, len(units)):
            distance = abs(units[j].start - unit.start)
            if units[j].start - unit.start > 3 * SPREAD_SECONDS:
                break
            share = math.exp(-distance / SPREAD_SECONDS)
            total += share
            row = [r + share * f for r, f in zip(row, fit[j], strict=True)]
        out.append([r / total for r in row])
    return out


def spoken_fits(
    units: Sequence[Unit], found: Sequence[int], m: int, weights: dict[str, float]
) -> list[list[float]]:
    """Per unit, how much better each chapter's spoken words (as ``found`` divides the units)
    fit it than the chapters' on average; a unit's own words are left out of its chapter."""
    chapter_of = []
    for k in range(m):
        end = found[k + 1] if k + 1 < m else len(units)
        chapter_of.extend([k] * (end - found[k]))
    counts: list[Counter[str]] = [Counter() for _ in range(m)]
    for unit, k in zip(units, chapter_of, strict=True):
        counts[k].update(unit.terms)
    totals = [sum(c.values()) for c in counts]
    size = max(len(set().union(*counts)), 1)

    def logp(count: float, total: float) -> float:
        return math.log((count + SMOOTHING) / (total + SMOOTHING * size))

    centred: dict[str, list[float]] = {}
    table = []
    for unit, own in zip(units, chapter_of, strict=True):
        row = [0.0] * m
        for term, times in Counter(unit.terms).items():
            weight = weights.get(term, 0.0) * times
            if not weight:
                continue
            if term not in centred:
                full = [logp(c[term], t) for c, t in zip(counts, totals, strict=True)]
                mean = sum(full) / m
                centred[term] = [p - mean for p in full]
            row = [r + weight * p for r, p in zip(row, centred[term], strict=True)]
            # the unit's own words left out of its chapter
            shift = logp(counts[own][term] - times, totals[own] - len(unit.terms))
            shift -= logp(counts[own][term], totals[own])
            row = [r - weight * shift / m for r in row]
            row[own] += weight * shift
        table.append(row)
    return table


def place_gains(
    units: Sequence[Unit],
    change: Sequence[float],
    title_terms: Sequence[set[str]],
    weights: dict[str, float],
) -> list[list[float]]:
    """[k][u]: what a start of chapter k at unit u gains from where it is: a long pause, a
    turn of subject, the talk's words changing, the chapter's title said soon after it."""
    here = [
        PAUSE_BONUS * min(u.pause, 2.0) + CUE_BONUS * u.cue + SHIFT_BONUS * c
        for u, c in zip(units, change, strict=True)
    ]
    gains = []
    for terms in title_terms:
        wanted = {t for t in terms if weights.get(t, 0.0) > 0}
        hits = [(u.start, found) for u in units if (found := wanted & set(u.terms))]
        row = []
        first = 0
        for u, unit in enumerate(units):
            while first < len(hits) and hits[first][0] < unit.start:
                first += 1
            said: set[str] = set()
            for at, found in hits[first:]:
                if at - unit.start > TITLE_SECONDS:
                    break
                said |= found
            row.append(here[u] + TITLE_BONUS * len(said))
        gains.append(row)
    return gains


def start_gains(
    units: Sequence[Unit], fit: Sequence[Sequence[float]], placed: Sequence[Sequence[float]]
) -> list[list[float]]:
    """[k][u]: ``place_gains`` and what a start of chapter k at unit u gains from its words
    said soon after it (each later unit's fit for k, decaying with its distance)."""
    n = len(units)
    decay = [math.exp(-(units[u + 1].start - units[u].start) / SOON_SECONDS) for u in range(n - 1)]
    gains = []
    for k, row in enumerate(placed):
        soon = [0.0] * n
        carried = 0.0
        for u in range(n - 1, -1, -1):
            carried = max(0.0, fit[u][k]) + (carried * decay[u] if u + 1 < n else 0.0)
            soon[u] = carried
        gains.append([g + SOON_BONUS * s for g, s in zip(row, soon, strict=True)])
    return gains


def refined(
    units: Sequence[Unit],
    fit: Sequence[Sequence[float]],
    opens: Sequence[bool],
    found: list[int],
    gains: Sequence[Sequence[float]],
) -> list[int]:
    """Each start moved to the best place near it, scored on the units' own fit.

    The division is found on fits shared between neighbours (``smoothed``), which keeps a
    lone mention from moving a chapter but blurs where exactly the talk turns.
    """
    found = list(found)
    for k in range(1, len(found)):
        here = found[k]
        low = found[k - 1] + 1
        high = found[k + 1] - 1 if k + 1 < len(found) else len(units) - 1
        best, best_score = here, gains[k][here]
        for u in range(low, high + 1):
            if not opens[u] or abs(units[u].start - units[here].start) > REFINE_SECONDS:
                continue
            if u < here:
                moved = sum(fit[v][k] - fit[v][k - 1] for v in range(u, here))
            else:
                moved = -sum(fit[v][k] - fit[v][k - 1] for v in range(here, u))
            score = gains[k][u] + moved
            if score > best_score:
                best, best_score = u, score
        found[k] = best
    return found


def divide(
    fit: Sequence[Sequence[float]], opens: Sequence[bool], gains: Sequence[Sequence[float]]
) -> list[int]:
    """The best ordered division of the units into chapters (dynamic programming)."""
    n, m = len(fit), len(gains)

    # best[k][u]: the best score of units 0..u with unit u in chapter k.
    minus = -math.inf
    best = [[minus] * n for _ in range(m)]
    came = [[False] * n for _ in range(m)]  # True: chapter k started at unit u
    best[0][0] = fit[0][0]
    for u in range(1, n):
        best[0][u] = best[0][u - 1] + fit[u][0]
        for k in range(1, min(m, u + 1)):
            stay = best[k][u - 1]
            start = best[k - 1][u - 1] + gains[k][u] if opens[u] else minus
            if start > stay:
                best[k][u], came[k][u] = start + fit[u][k], True
            elif stay > minus:
                best[k][u] = stay + fit[u][k]
    found = [0] * m
    k, u = m - 1, n - 1
    while k > 0:
        while not came[k][u]:
            u -= 1
        found[k] = u
        k, u = k - 1, u - 1
    return found
