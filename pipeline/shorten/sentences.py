"""The transcript as whole sentences, each scored for a short version, and fillers removed."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.model import Chapter, Segment, Transcript, Word
from pipeline.terms import Terms, ends_sentence, words

CUT_GAP = 0.25  # seconds between two words (as speech recognition times them) that a cut may
# fall between: the pause the audio has there can be much shorter, and a cut needs 0.1 s
RUN_ON = 1.5  # seconds of silence that end a sentence the transcript did not end
NOTES_WEIGHT = 0.5  # how much a sentence's share of its chapter's outline terms counts
SHORTEST = 3.0  # seconds: a sentence shorter than this says less than its score suggests
FILLER_COST = 1.5  # how much each filler word takes from a sentence's score, as a share

# Words and phrases that fill a pause, in English: they leave key points and cost in scores.
FILLERS = frozenset(["um", "uh", "erm", "er", "ah", "uhm", "hmm", "mm", "mhm"])
FILLER_PHRASES = ("you know", "i mean", "sort of", "kind of")
_FILLER = re.compile(
    r"(?i)(?:^|(?<=[\s,]))(?:"
    + "|".join(sorted(FILLERS, key=len, reverse=True))
    + r")[,.]?(?=\s|$)"
)
# "you know" and "I mean" fill only where commas set them off, or where they open a sentence.
_PHRASE = re.compile(
    r"(?i)^\s*(?:you know|i mean)\b,?|,\s*(?:you know|i mean),(?=\s)|,\s*(?:you know|i mean)"
    r"(?=[.;:!?])"
)
_REPEAT = re.compile(r"(?i)\b(\w+)(?:[,.]?\s+\1\b)+")  # false starts: "the, the", "I, I"


@dataclass(frozen=True)
class Sentence:
    """A whole sentence as said: where it is, whose chapter it is in, how good it is."""

    index: int
    start: float  # its first word's start
    end: float  # its last word's end
    text: str
    before: float  # the silence before it (the start of the audio for the first)
    after: float  # the silence after it (the end of the audio for the last)
    chapter: int  # index in the episode's chapters with a start
    score: float = 0.0

    @property
    def duration(self) -> float:
        return self.end - self.start


def sentences(
    transcript: Transcript, duration: float, chapters: Sequence[Chapter], heard: bool = False
) -> list[Sentence]:
    """The transcript cut into sentences that a short version can be cut between.

    A sentence ends with its punctuation, a long silence or a change of speaker; one that
    a cut cannot follow (the next word starts under ``CUT_GAP`` after it) runs on into the
    next. A hand-corrected transcript is read by segments, so the corrected text is used;
    ``heard`` reads its words instead, as Whisper heard them (which a correction keeps).
    """
    by_words = transcript.words and (heard or not transcript.edited)
    spoken: Sequence[Word | Segment] = transcript.words if by_words else transcript.segments
    spoken = [w for w in spoken if w.text.strip()]
    runs: list[list[Word | Segment]] = []
    for word in spoken:
        if not runs or _ends(runs[-1][-1], word):
            runs.append([word])
        else:
            runs[-1].append(word)
    merged: list[list[Word | Segment]] = []
    for run in runs:
        if merged and not _cuttable(merged[-1][-1], run[0]):
            merged[-1].extend(run)
        else:
            merged.append(run)
    starts = [c.start or 0.0 for c in chapters if c.start is not None]
    found = []
    for i, run in enumerate(merged):
        before = run[0].start - (merged[i - 1][-1].end if i else 0.0)
        after = (merged[i + 1][0].start if i + 1 < len(merged) else duration) - run[-1].end
        middle = (run[0].start + run[-1].end) / 2
        chapter = max((k for k, s in enumerate(starts) if s <= middle), default=0)
        found.append(
            Sentence(
                index=i,
                start=run[0].start,
                end=run[-1].end,
                text=" ".join(" ".join(w.text.split()) for w in run),
                before=max(0.0, before),
                after=max(0.0, after),
                chapter=chapter,
            )
        )
    return found


def _ends(last: Word | Segment, word: Word | Segment) -> bool:
    return (
        ends_sentence(last.text)
        or word.start - last.end >= RUN_ON
        or (word.speaker != last.speaker and word.speaker is not None)
    )


def _cuttable(last: Word | Segment, word: Word | Segment) -> bool:
    return word.start - last.end >= CUT_GAP


def scored(found: Sequence[Sentence], chapters: Sequence[Chapter], language: str) -> list[Sentence]:
    """Each sentence scored by how central it is to the episode (the cosine of its weighted
    terms with the whole episode's) and how much of its chapter's outline it says, less for
    fillers and for sentences too short to say much."""
    terms = Terms(language)
    said = [terms.of(s.text) for s in found]
    spread: Counter[str] = Counter()
    for ts in said:
        spread.update(set(ts))
    total = len(found) + 1
    idf = {t: math.log(total / (n + 0.5)) for t, n in spread.items()}
    centre: Counter[str] = Counter()
    for ts in said:
        centre.update(ts)
    centre_norm = math.sqrt(sum((n * idf[t]) ** 2 for t, n in centre.items())) or 1.0
    timed = [c for c in chapters if c.start is not None]
    outline = [set(terms.of(f"{c.title}\n{c.notes}")) for c in timed]
    out = []
    for sentence, ts in zip(found, said, strict=True):
        counts = Counter(ts)
        norm = math.sqrt(sum((n * idf[t]) ** 2 for t, n in counts.items())) or 1.0
        dot = sum(n * centre[t] * idf[t] ** 2 for t, n in counts.items())
        central = dot / (norm * centre_norm)
        notes = outline[sentence.chapter] if sentence.chapter < len(outline) else set()
        wanted = sum(idf.get(t, 1.0) for t in notes) or 1.0
        overlap = sum(idf.get(t, 1.0) for t in notes.intersection(counts)) / wanted
        fillers = filler_share(sentence.text)
        length = min(1.0, sentence.duration / SHORTEST)
        score = (central + NOTES_WEIGHT * overlap) * length * max(0.0, 1 - FILLER_COST * fillers)
        out.append(replace(sentence, score=score))
    return out


def filler_share(text: str) -> float:
    """The share of a sentence's words that only fill a pause."""
    said = words(text)
    if not said:
        return 1.0
    fill = sum(w in FILLERS for w in said)
    lowered = " ".join(said)
    fill += sum(2 * lowered.count(p) for p in FILLER_PHRASES)
    return min(1.0, fill / len(said))


def without_fillers(text: str) -> str:
    """The sentence as it reads: fillers, "you know", "I mean" and false starts removed."""
    text = " ".join(text.split())
    text = _FILLER.sub("", text)
    text = _REPEAT.sub(r"\1", text)
    text = _PHRASE.sub("", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(?=[,.;:!?])", "", text)
    text = re.sub(r"^[\s,;:]+", "", text)
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]
