"""The podcast, shorts and newsletter feeds: feedgen plus our own Podcasting 2.0 extension."""

from __future__ import annotations

from pipeline.feeds.build import (
    FUNDING_LABEL_LIMIT,
    FeedResult,
    newsletter_feed,
    podcast_feed,
    shorts_feed,
)
from pipeline.feeds.descriptions import DESCRIPTION_LIMIT
from pipeline.feeds.guids import (
    GUID_NAMESPACE,
    episode_guid,
    feed_url_guid,
    issue_guid,
    newsletter_guid,
    short_guid,
    shorts_guid,
    show_guid,
)
from pipeline.feeds.podcasting import (
    ATOM_NS,
    CHAPTERS_TYPE,
    CONTENT_NS,
    EXTENSION,
    ITUNES_NS,
    PODCAST_NS,
    PSC_NS,
    TRANSCRIPT_TYPES,
    ChannelExtension,
    ItemExtension,
    Tag,
)
from pipeline.formats.chapters import chapter_json, timed_chapters
from pipeline.formats.text import clean_text

__all__ = [
    "ATOM_NS",
    "CHAPTERS_TYPE",
    "CONTENT_NS",
    "DESCRIPTION_LIMIT",
    "EXTENSION",
    "FUNDING_LABEL_LIMIT",
    "GUID_NAMESPACE",
    "ITUNES_NS",
    "PODCAST_NS",
    "PSC_NS",
    "TRANSCRIPT_TYPES",
    "ChannelExtension",
    "FeedResult",
    "ItemExtension",
    "Tag",
    "chapter_json",
    "clean_text",
    "episode_guid",
    "feed_url_guid",
    "issue_guid",
    "newsletter_feed",
    "newsletter_guid",
    "podcast_feed",
    "short_guid",
    "shorts_feed",
    "shorts_guid",
    "show_guid",
    "timed_chapters",
]
