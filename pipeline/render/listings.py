"""The show's listings: the archive by year, topics and their pages' addresses, the sitemap."""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape as xml_escape

from pipeline.model import Episode, Issue, Output, Show


def archive(
    episodes: tuple[Episode, ...], issues: tuple[Issue, ...]
) -> list[tuple[int, list[tuple[str, Episode | Issue]]]]:
    """Every episode and issue by year, newest first, as the home page's archive lists them."""
    items: list[tuple[str, Episode | Issue]] = [("episode", e) for e in episodes]
    items += [("issue", i) for i in issues]
    items.sort(key=lambda k: (k[1].date, k[1].slug), reverse=True)
    years: dict[int, list[tuple[str, Episode | Issue]]] = {}
    for kind, item in items:
        years.setdefault(item.date.year, []).append((kind, item))
    return list(years.items())


def topic_slug(topic: str) -> str:
    """A topic's address under ``topics/``: ASCII letters and digits with single hyphens
    ("Rain gear" is rain-gear, "Über Räder" uber-rader); empty for a topic with none."""
    ascii_text = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def topics(episodes: tuple[Episode, ...]) -> list[tuple[str, str, list[Episode]]]:
    """Each topic's slug, name (as first written) and episodes (newest first), by name."""
    found: dict[str, tuple[str, list[Episode]]] = {}
    for episode in episodes:
        for topic in dict.fromkeys(t for t in episode.topics if topic_slug(t)):
            _name, listed = found.setdefault(topic_slug(topic), (topic, []))
            if episode not in listed:
                listed.append(episode)
    return sorted(
        ((slug, name, listed) for slug, (name, listed) in found.items()),
        key=lambda item: item[1].casefold(),
    )


def sitemap(url: str, outputs: list[Output], show: Show) -> bytes:
    """Every page, with the date of its content where it has one."""
    dates = {f"episodes/{e.slug}/index.html": e.date for e in show.episodes}
    dates.update({f"issues/{i.slug}/index.html": i.date for i in show.issues})
    newest = max(dates.values(), default=None)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for output in sorted(outputs, key=lambda o: o.path):
        if not output.path.endswith("index.html"):
            continue
        loc = url + output.path.removesuffix("index.html")
        when = dates.get(output.path, newest)
        lastmod = f"<lastmod>{when.date().isoformat()}</lastmod>" if when else ""
        lines.append(f"  <url><loc>{xml_escape(loc)}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode()
