"""The ``chapters`` stage: outline headings become the final chapter list, placed on the words.

Untimed headings are placed all together (``align``): the outline, each heading with its
notes, is aligned in order to the transcript's words, between the headings the host timed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from pipeline import markup, phrases
from pipeline.chapters import align
from pipeline.chapters.align import Outline, Unit
from pipeline.errors import Problems
from pipeline.formats.times import clock
from pipeline.markup import Targets
from pipeline.model import (
    Chapter,
    ChapterPlacement,
    Episode,
    Segment,
    Show,
    Transcript,
    Word,
)
from pipeline.terms import Terms, ends_sentence, names, near_names, words

MIN_CHAPTERS = 3  # Apple and Spotify show chapters from three on
MAX_TITLE = 40  # characters Spotify shows of a chapter title
MIN_SECONDS = 30.0  # Spotify ignores shorter chapters
LEAD = 0.3  # a start is this much before the first word (at most half the pause)
_URL = re.compile(r"\b(?:https?://|www\.)\S+")

__all__ = [
    "Placements",
    "final_chapters",
    "first_words",
    "place_chapters",
    "place_episode_chapters",
]


@dataclass
class Placements:
    """Where untimed chapters were placed, by a key of everything placing them depends on:
    ``earlier`` as the last build left them, ``now`` those this build used (to keep)."""

    earlier: Mapping[str, ChapterPlacement] = field(default_factory=dict)
    now: dict[str, ChapterPlacement] = field(default_factory=dict)


def place_chapters(show: Show, problems: Problems, placements: Placements | None = None) -> Show:
    """Make every episode's chapter list final: placed, starting at 0, in order.

    This is the one place that decides the chapters: pages, feeds, chapter files and ID3
    tags read ``Episode.chapters`` as it leaves this stage and change nothing about it.
    """
    targets = markup.link_targets(show)
    language = show.site.transcription_language
    placements = placements if placements is not None else Placements()
    return replace(
        show,
        episodes=tuple(
            place_episode_chapters(e, problems, language, targets, placements)
            for e in show.episodes
        ),
    )


def place_episode_chapters(
    episode: Episode,
    problems: Problems | None = None,
    language: str = "en",
    targets: Targets | None = None,
    placements: Placements | None = None,
) -> Episode:
    """The episode with its final chapters (see ``final_chapters``); warnings in problems."""
    problems = problems if problems is not None else Problems()
    if not episode.chapters:  # no headings: the whole episode is its one chapter
        return replace(episode, chapters=(Chapter(title=episode.title, start=0.0),))
    chapters = [
        replace(c, url=c.url or markup.first_link(c.notes, targets)) for c in episode.chapters
    ]
    untimed = [c.title for c in chapters if c.start is None]
    if untimed and episode.transcript is None:
        problems.warning(
            episode.outline_path,
            f"the chapters {_titles(untimed)} have no time and there is no transcript yet to "
            f"place them on, so feeds, chapter files and the MP3 list only the timed ones; "
            f"run `pipeline transcribe {episode.slug}`, or give each heading a time "
            "(## 12:30 Title)",
            slug=episode.slug,
        )
    elif untimed and episode.transcript is not None:
        placements = placements if placements is not None else Placements()
        key = placement_key(chapters, episode, language)
        placement = placements.earlier.get(key) or placements.now.get(key)
        if placement is None:
            said = Problems()
            placed = _placed(chapters, episode, Terms(language), said)
            placement = ChapterPlacement(
                starts=tuple(c.start for c in placed),
                guessed=tuple(c.guessed for c in placed),
                warnings=tuple(p.message for p in said.items),
            )
        placements.now[key] = placement
        chapters = [
            replace(c, start=start, guessed=guessed)
            for c, start, guessed in zip(chapters, placement.starts, placement.guessed, strict=True)
        ]
        for message in placement.warnings:
            problems.warning(episode.outline_path, message, slug=episode.slug)
    final = final_chapters(chapters)
    _platform_rules(final, episode, problems)
    return replace(episode, chapters=final)


def placement_key(chapters: Sequence[Chapter], episode: Episode, language: str) -> str:
    """A hash of everything the untimed chapters' places depend on: the aligner's version,
    the language, the headings with their notes and times, the words and their times."""
    transcript = episode.transcript
    assert transcript is not None
    spoken = transcript.words or transcript.segments
    document = [
        align.VERSION,
        language,
        [(c.title, c.notes, c.start, c.timed) for c in chapters],
        episode.recording.duration if episode.recording else None,
        [(w.text, w.start, w.end, w.speaker) for w in spoken],
    ]
    return hashlib.sha256(json.dumps(document, ensure_ascii=False).encode()).hexdigest()


def final_chapters(chapters: Sequence[Chapter]) -> tuple[Chapter, ...]:
    """The rules every published chapter list follows, stated once.

    - Starts are ascending: the outline's timestamps are in order (load refuses others),
      and every untimed heading is placed between its neighbours.
    - A chapter with no start (no transcript yet) is listed on the page without a time;
      feeds, chapter files and ID3 tags list the chapters that have one.
    - The list starts at 0: a first heading timed later gets an "Intro" chapter before it.
    """
    chapters = list(chapters)
    if chapters and chapters[0].start is not None and chapters[0].start > 0:
        chapters = [Chapter(title="Intro", start=0.0), *chapters]
    return tuple(chapters)


def first_words(transcript: Transcript | None, start: float | None, count: int = 8) -> str:
    """What is said from a chapter's start on, its first few words, for a host to check."""
    if transcript is None or start is None:
        return ""
    spoken: Sequence[Word | Segment] = transcript.words or transcript.segments
    said: list[str] = []
    for word in spoken:
        if word.end > start + 0.05:
            said.extend(word.text.split())
        if len(said) >= count:
            break
    text = " ".join(said[:count])
    return text + "…" if len(said) >= count else text


def units(transcript: Transcript, terms: Terms, aliases: dict[str, str]) -> list[Unit]:
    """The transcript as runs of words between pauses (segments, when it has no word times)."""
    spoken: Sequence[Word | Segment] = transcript.words or transcript.segments
    runs: list[list[Word | Segment]] = []
    for word in spoken:
        last = runs[-1][-1] if runs else None
        if (
            last is None
            or word.start - last.end >= align.UNIT_PAUSE
            or ends_sentence(last.text)
            or word.speaker != last.speaker
        ):
            runs.append([word])
        else:
            runs[-1].append(word)
    # The words that point elsewhere ("more on locks later"), per sentence and per run.
    sentences = [0] if runs else []  # per run, the index of its sentence
    for previous in runs[:-1]:
        sentences.append(sentences[-1] + ends_sentence(previous[-1].text))
    said: dict[int, list[str]] = {}
    for run, sentence in zip(runs, sentences, strict=True):
        said.setdefault(sentence, []).extend(w.text.strip() for w in run)
    pointed = {
        k: phrases.pointing(v) if terms.english else [False] * len(v) for k, v in said.items()
    }
    taken: dict[int, int] = {}  # per sentence, how many of its words the runs so far hold
    first = [i == 0 or sentences[i] != sentences[i - 1] for i in range(len(runs))]
    found = []
    for i, run in enumerate(runs):
        before = runs[i - 1][-1] if i else None
        pause = run[0].start - before.end if before else run[0].start
        opens = (
            before is None
            or before.speaker != run[0].speaker
            or pause >= align.OPEN_PAUSE
            or ends_sentence(before.text)
        )
        at = taken.get(sentences[i], 0)
        taken[sentences[i]] = at + len(run)
        marks = pointed[sentences[i]][at : at + len(run)]
        about = " ".join(w.text for w, named in zip(run, marks, strict=True) if not named)
        found.append(
            Unit(
                start=run[0].start,
                end=run[-1].end,
                terms=tuple(_terms(about, terms, aliases)),
                pause=max(0.0, pause),
                opens=opens,
                cue=first[i] and terms.english and phrases.opens_with_cue(said[sentences[i]]),
            )
        )
    return found


def _terms(text: str, terms: Terms, aliases: dict[str, str]) -> list[str]:
    return [t for w in words(text) if (t := terms.term(aliases.get(w, w))) is not None]


def _placed(
    chapters: list[Chapter], episode: Episode, terms: Terms, problems: Problems
) -> list[Chapter]:
    """Every untimed chapter placed: aligned where its words are said, else in between."""
    assert episode.transcript is not None
    outline_text = " ".join(f"{c.title}\n{c.notes}" for c in chapters)
    spoken_words = [w for u in episode.transcript.words for w in words(u.text)]
    aliases = near_names(spoken_words, names(outline_text))
    outlines = [Outline(tuple(terms.of(c.title)), tuple(terms.of(_plain(c)))) for c in chapters]
    outline_terms = {t for o in outlines for t in (*o.title, *o.notes)}
    every = align.with_compounds(units(episode.transcript, terms, aliases), outline_terms)
    weights = align.rarer(align.spoken_weights(every), terms.everyday())
    end = episode.recording.duration if episode.recording else (every[-1].end if every else 0.0)
    anchors = [i for i, c in enumerate(chapters) if c.start is not None]  # the first is one
    placed = list(chapters)
    for a, b in zip(anchors, [*anchors[1:], len(chapters)], strict=True):
        if b - a == 1:
            continue
        low = chapters[a].start or 0.0
        high = chapters[b].start if b < len(chapters) else end
        assert high is not None
        here = [u for u in every if low <= u.start < high]
        group, written = chapters[a:b], outlines[a:b]
        chosen = [0] + [j for j in range(1, len(group)) if align.evidence(here, written[j])]
        found = align.starts(here, [written[j] for j in chosen], weights) if here else None
        if found is None:
            chosen, found = [0], [0]
        starts: dict[int, float] = {0: low}
        for j, u in zip(chosen[1:], found[1:], strict=True):
            starts[j] = round(_start_at(here[u]), 2)
        between = _between(group, starts, here, high)
        for j, chapter in enumerate(group):
            if j in between:
                placed[a + j] = replace(chapter, start=between[j], guessed=True)
                _guessed(placed[a + j], group, j, episode, problems)
            elif j:
                placed[a + j] = replace(chapter, start=starts[j])
    return placed


def _between(
    group: list[Chapter], starts: dict[int, float], here: list[Unit], high: float
) -> dict[int, float]:
    """Starts for the chapters none of whose words are said: evenly between their neighbours,
    each at the place a chapter may start nearest to its share."""
    missing = [j for j in range(len(group)) if j not in starts]
    guesses: dict[int, float] = {}
    j = 0
    while j < len(missing):
        first = missing[j]
        last = first
        while last + 1 in missing:
            last += 1
        low = starts[first - 1] if first - 1 in starts else guesses[first - 1]
        upper = starts.get(last + 1, high)
        count = last - first + 1
        for k, index in enumerate(range(first, last + 1)):
            target = low + (upper - low) * (k + 1) / (count + 1)
            floor = guesses.get(index - 1, low)
            near = [t for u in here if u.opens and floor < (t := _start_at(u)) < upper]
            at = min(near, key=lambda t: abs(t - target)) if near else target
            guesses[index] = round(max(at, floor + 0.01), 2)
        j += count
    return guesses


def _start_at(unit: Unit) -> float:
    """Where a chapter starting at this unit starts: a little before its first word, in the
    pause before it."""
    return unit.start - min(LEAD, unit.pause / 2)


def _guessed(
    chapter: Chapter, group: list[Chapter], j: int, episode: Episode, problems: Problems
) -> None:
    after = next((c.title for c in group[j + 1 :]), None)
    where = f"after '{group[j - 1].title}'" + (f" and before '{after}'" if after else "")
    at = clock(chapter.start)
    problems.warning(
        episode.outline_path,
        f"none of the words of the chapter '{chapter.title}' (its heading and notes) are "
        f"spoken, so it is placed {where}, at {at}; check it with `pipeline chapters "
        f"{episode.slug}`, or give it its time (## {at} {chapter.title})",
        slug=episode.slug,
    )


def _platform_rules(chapters: tuple[Chapter, ...], episode: Episode, problems: Problems) -> None:
    """Where podcast apps would ignore the chapters: warnings that say how to fix it."""
    where = episode.outline_path
    whole = chapters == (Chapter(title=episode.title, start=0.0),)  # no headings: no warning
    if len(chapters) < MIN_CHAPTERS and not whole:
        problems.warning(
            where,
            f"has {len(chapters)} chapter{'s' if len(chapters) > 1 else ''}; Apple and Spotify "
            f"show chapters from {MIN_CHAPTERS} on: add ## headings, or remove them all",
            slug=episode.slug,
        )
    for chapter in chapters:
        if len(chapter.title) > MAX_TITLE:
            problems.warning(
                where,
                f"the chapter title '{chapter.title}' is {len(chapter.title)} characters; "
                f"Spotify shows at most {MAX_TITLE}: shorten the heading",
                slug=episode.slug,
            )
    timed = [c for c in chapters if c.start is not None]
    duration = episode.recording.duration if episode.recording else None
    ends = [c.start for c in timed[1:]] + [duration]
    for chapter, end in zip(timed, ends, strict=True):
        if end is not None and chapter.start is not None and end - chapter.start < MIN_SECONDS:
            problems.warning(
                where,
                f"the chapter '{chapter.title}' lasts {end - chapter.start:.0f} s; Spotify "
                f"ignores chapters shorter than {MIN_SECONDS:.0f} s: join it with the next "
                "one, or move a start (## MM:SS Title)",
                slug=episode.slug,
            )


def _plain(chapter: Chapter) -> str:
    """A chapter's notes as words: Markdown and web addresses removed."""
    return _URL.sub(" ", markup.to_plain(chapter.notes))


def _titles(titles: list[str]) -> str:
    return ", ".join(f"'{t}'" for t in titles)
