"""JSON-LD for search engines: what an episode page is, in schema.org's words."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from pipeline import markup
from pipeline.model import Episode, Site


def structured_data(episode: Episode, site: Site) -> Markup:
    """JSON-LD for search engines: a schema.org PodcastEpisode with its audio and transcript,
    safe inside a <script> element."""
    page = f"{site.url}episodes/{episode.slug}/"
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": page,
        "datePublished": episode.date.isoformat(),
        "description": episode.summary or markup.to_plain(episode.intro),
        "partOfSeries": {"@type": "PodcastSeries", "name": site.title, "url": site.url},
    }
    if episode.number is not None:
        doc["episodeNumber"] = episode.number
    if episode.audio is not None:
        media: dict[str, Any] = {
            "@type": "AudioObject",
            "contentUrl": f"{page}{episode.slug}.mp3",
            "encodingFormat": episode.audio.mime_type,
            "duration": f"PT{round(episode.audio.duration)}S",
        }
        if episode.transcript is not None:
            media["transcript"] = episode.transcript.text
        doc["associatedMedia"] = media
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return Markup(text)
