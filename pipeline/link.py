"""The ``link`` stage: ``[[slug]]`` references, backlinks, and related episodes by shared
topics and by what their talk is about."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import replace

from pipeline.errors import Problems
from pipeline.markup import wiki_links_by_line
from pipeline.model import Show
from pipeline.terms import Terms

RELATED_MAX = 3
TALK_TERMS = 40  # the terms that say most about what an episode's talk is about
SIMILAR = 0.15  # a cosine of talk under this is chance, not a shared subject


def link(show: Show, problems: Problems) -> Show:
    """Resolve every ``[[slug]]``; an unknown target is a warning naming the file and line."""
    targets = {e.slug for e in show.episodes} | {i.slug for i in show.issues}
    known_elsewhere = {e.slug for e in show.waiting}
    references: dict[str, tuple[str, ...]] = {}
    sources = [(e.slug, e.outline_path, e.body, e.body_line) for e in show.episodes]
    sources += [(i.slug, i.path, i.body, i.body_line) for i in show.issues]
    for slug, path, text, first_line in sources:
        found: list[str] = []
        for target, line in wiki_links_by_line(text):
            if target not in targets:
                if target in known_elsewhere:
                    why = "is not published yet (it has no recording); it is shown as plain text"
                else:
                    why = (
                        "names no episode or issue; it is shown as plain text: use the name of "
                        "a folder in episodes/ or of a file in issues/ (without .md)"
                    )
                problems.warning(path, f"line {first_line + line}: [[{target}]] {why}")
            elif target != slug and target not in found:
                found.append(target)
        references[slug] = tuple(found)
    _check_issue_episodes(show, problems)

    backlinks: dict[str, list[str]] = defaultdict(list)
    for slug, refs in references.items():
        for target in refs:
            backlinks[target].append(slug)

    alike = similar_talk(talked_about(show))
    episodes = []
    for episode in show.episodes:
        topics = {t.casefold() for t in episode.topics}
        scored = [
            (
                len(topics & {t.casefold() for t in other.topics})
                + alike[episode.slug].get(other.slug, 0.0),
                other.date,
                other.slug,
            )
            for other in show.episodes
            if other.slug != episode.slug
        ]
        related = [slug for score, _, slug in sorted(scored, reverse=True) if score][:RELATED_MAX]
        episodes.append(
            replace(
                episode,
                references=references[episode.slug],
                backlinks=tuple(sorted(backlinks[episode.slug])),
                related=tuple(related),
            )
        )
    issues = [
        replace(i, references=references[i.slug], backlinks=tuple(sorted(backlinks[i.slug])))
        for i in show.issues
    ]
    return replace(show, episodes=tuple(episodes), issues=tuple(issues))


def _check_issue_episodes(show: Show, problems: Problems) -> None:
    """An issue's ``episodes:`` names published episodes only: an error names each other."""
    published = {e.slug for e in show.episodes}
    waiting = {e.slug for e in show.waiting}
    for issue in show.issues:
        for slug in dict.fromkeys(issue.episodes or ()):
            if slug in published:
                continue
            why = (
                "has no recording yet, so it is not published"
                if slug in waiting
                else "names no published episode (no folder of episodes/ has that name, or "
                "its outline is a draft)"
            )
            problems.error(
                issue.path,
                f"episodes: '{slug}' {why}; the issue's page and email leave it out: correct "
                "the name or remove it from the list",
            )


def talked_about(show: Show) -> dict[str, dict[str, float]]:
    """Each episode's talk as its ``TALK_TERMS`` most telling terms, weighted (tf-idf over
    the episodes' transcripts) and normalised to length 1; empty without a transcript."""
    terms = Terms(show.site.transcription_language)
    counts = {
        e.slug: Counter(terms.of(e.transcript.text)) if e.transcript else Counter()
        for e in show.episodes
    }
    spread: Counter[str] = Counter()
    for said in counts.values():
        spread.update(said.keys())
    n = len(counts) + 1
    talk = {}
    for slug, said in counts.items():
        weighted = {t: c * math.log(n / (spread[t] + 0.5)) for t, c in said.items()}
        top = dict(sorted(weighted.items(), key=lambda item: -item[1])[:TALK_TERMS])
        norm = math.sqrt(sum(w * w for w in top.values())) or 1.0
        talk[slug] = {t: w / norm for t, w in top.items() if w > 0}
    return talk


def similar_talk(talk: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """For each episode, the others whose talk is about the same things: the cosine of
    their terms, where it is at least ``SIMILAR``. Only episodes that share a term are
    compared (an index of the terms), so a large show is not compared pair by pair."""
    postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for slug, weights in talk.items():
        for term, weight in weights.items():
            postings[term].append((slug, weight))
    alike = {}
    for slug, weights in talk.items():
        dots: defaultdict[str, float] = defaultdict(float)
        for term, weight in weights.items():
            for other, theirs in postings[term]:
                if other != slug:
                    dots[other] += weight * theirs
        alike[slug] = {other: dot for other, dot in dots.items() if dot >= SIMILAR}
    return alike
