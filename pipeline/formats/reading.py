"""The transcript as a reader reads it: paragraphs by speaker turn, under chapter headings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model import Chapter, Transcript

PAUSE = 2.0  # seconds of silence that start a new paragraph within one speaker's turn
WORDS = 120  # a paragraph ends at the first segment end after about this many words


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the transcript page: where it starts, who says it, what is said."""

    start: float
    end: float
    speaker: str | None
    text: str
    chapter: str | None = None  # the title of the chapter it opens, if it opens one
    new_speaker: bool = True  # the first paragraph of a speaker's turn: the name is shown


def paragraphs(transcript: Transcript, chapters: Sequence[Chapter] = ()) -> list[Paragraph]:
    """Consecutive segments of one speaker merged into paragraphs, split at a pause of
    ``PAUSE`` seconds, after about ``WORDS`` words, and where a chapter starts; each
    chapter's title on the paragraph that opens it."""
    starts = sorted(
        (c.start, c.title) for c in chapters if c.start is not None and len(chapters) > 1
    )
    found: list[Paragraph] = []
    texts: list[str] = []
    next_chapter = 0
    for segment in transcript.segments:
        text = " ".join(segment.text.split())
        if not text:
            continue
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
            found[-1] = Paragraph(
                last.start, segment.end, last.speaker, " ".join(texts), last.chapter,
                last.new_speaker,
            )  # fmt: skip
            continue
        texts = [text]
        new_speaker = last is None or opens is not None or segment.speaker != last.speaker
        found.append(
            Paragraph(segment.start, segment.end, segment.speaker, text, opens, new_speaker)
        )
    return found
