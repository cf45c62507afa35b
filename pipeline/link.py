"""The ``link`` stage: ``[[slug]]`` references, backlinks and related episodes by topic."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from pipeline.errors import Problems
from pipeline.markup import wiki_links
from pipeline.model import Show

RELATED_MAX = 3


def link(show: Show, problems: Problems) -> Show:
    """Resolve every ``[[slug]]``; an unknown target is a warning naming the file."""
    targets = {e.slug for e in show.episodes} | {i.slug for i in show.issues}
    known_elsewhere = {e.slug for e in show.waiting}
    references: dict[str, tuple[str, ...]] = {}
    sources = [(e.slug, e.outline_path, e.body) for e in show.episodes]
    sources += [(i.slug, i.path, i.body) for i in show.issues]
    for slug, path, text in sources:
        found: list[str] = []
        for target in wiki_links(text):
            if target not in targets:
                why = "is not published yet" if target in known_elsewhere else "does not exist"
                problems.warning(path, f"[[{target}]] {why}; it is shown as plain text until it is")
            elif target != slug and target not in found:
                found.append(target)
        references[slug] = tuple(found)

    backlinks: dict[str, list[str]] = defaultdict(list)
    for slug, refs in references.items():
        for target in refs:
            backlinks[target].append(slug)

    episodes = []
    for episode in show.episodes:
        topics = {t.casefold() for t in episode.topics}
        scored = [
            (len(topics & {t.casefold() for t in other.topics}), other.date, other.slug)
            for other in show.episodes
            if other.slug != episode.slug
        ]
        related = [slug for shared, _, slug in sorted(scored, reverse=True) if shared][:RELATED_MAX]
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
