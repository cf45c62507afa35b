"""The transcript as a reader reads it: paragraphs by speaker turn, under chapter headings."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.model import Chapter, Transcript

PAUSE = 2.0  # seconds of silence that start a new paragraph within one speaker's turn
WORDS = 120  # a paragraph ends at the first segment end after about this many words
# A paragraph whose words speech recognition gave a mean probability under this is marked:
# on real speech tiny.en's misheard words mostly sit under it (transcription.md).
DOUBT = 0.6


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the transcript page: where it starts, who says it, what is said."""

    start: float
    end: float
    speaker: str | None
    text: str
    chapter: str | None = None  # the title of the chapter it opens, if it opens one
    new_speaker: bool = True  # the first paragraph of a speaker's turn: the name is shown
    doubtful: bool = False  # speech recognition was unsure of its words (and no host fixed it)
    corrected: bool = False  # a host corrected a segment of it


def paragraphs(transcript: Transcript, chapters: Sequence[Chapter] = ()) -> list[Paragraph]:
    """Consecutive segments of one speaker merged into paragraphs, split at a pause of
    ``PAUSE`` seconds, after about ``WORDS`` words, and where a chapter starts; each
    chapter's title on the paragraph that opens it."""
    starts = sorted(
        (c.start, c.title) for c in chapters if c.start is not None and len(chapters) > 1
    )
    found: list[Paragraph] = []
    texts: list[str] = []
    said: list[float] = []  # the probabilities of the paragraph's words
    middles = [(w.start + w.end) / 2 for w in transcript.words]  # in time order
    next_chapter = 0
    for segment in transcript.segments:
        text = " ".join(segment.text.split())
        if not text:
            continue
        words = transcript.words[
            bisect.bisect_left(middles, segment.start) : bisect.bisect_right(middles, segment.end)
        ]
        fixed = transcript.edited and _plain(text) != _plain(" ".join(w.text for w in words))
        heard = [] if fixed else [w.probability for w in words]
        opens = None
        while next_chapter < len(starts) and starts[next_chapter][0] <= segment.start + 0.5:
            opens = starts[next_chapter][1]
            next_chapter += 1
        last = found[-1] if found else None
        joins = (
            last is not None
            and opens is None
            and segment.speaker == last.speaker
            and segment.start - last.end < PAUSE
            and len(" ".join(texts).split()) < WORDS
        )
        if joins and last is not None:
            texts.append(text)
            said.extend(heard)
            found[-1] = replace(
                last,
                end=segment.end,
                text=" ".join(texts),
                doubtful=_doubtful(said),
                corrected=last.corrected or fixed,
            )
            continue
        texts, said = [text], list(heard)
        new_speaker = last is None or opens is not None or segment.speaker != last.speaker
        found.append(
            Paragraph(
                start=segment.start,
                end=segment.end,
                speaker=segment.speaker,
                text=text,
                chapter=opens,
                new_speaker=new_speaker,
                doubtful=_doubtful(said),
                corrected=fixed,
            )
        )
    return found


def _doubtful(probabilities: list[float]) -> bool:
    return bool(probabilities) and sum(probabilities) / len(probabilities) < DOUBT


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())
