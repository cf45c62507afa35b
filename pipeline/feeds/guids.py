"""The guids of the feeds and their items, each a UUIDv5 so that it never changes.

The show: ``site.toml`` ``guid``, else UUIDv5 of the feed URL in the Podcasting 2.0
namespace. An episode: its front matter ``guid``, else UUIDv5 of its slug in the show's guid.
The shorts and newsletter feeds: UUIDv5 of ``shorts`` / ``newsletter`` in the show's guid,
their items the same rule under it.
"""

from __future__ import annotations

import re
import uuid

from pipeline.model import Episode, Issue, Site

# The Podcasting 2.0 namespace's own: podcast:guid is UUIDv5 in it over the feed URL, without
# its scheme and trailing slashes (podcastindex.org/namespace/1.0, the guid tag).
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def feed_url_guid(feed_url: str) -> str:
    """The podcast:guid of a feed URL: UUIDv5 over the URL without scheme and trailing slashes."""
    return str(uuid.uuid5(GUID_NAMESPACE, _SCHEME.sub("", feed_url.strip()).rstrip("/")))


def show_guid(site: Site) -> str:
    """The show's podcast:guid: ``site.toml`` ``guid`` if set, else derived from the feed URL."""
    if site.guid and site.guid.strip():
        return site.guid.strip()
    return feed_url_guid(site.url + "podcast.xml")


def _uuid_namespace(guid: str) -> uuid.UUID:
    try:
        return uuid.UUID(guid)
    except ValueError:  # a guid that is not a UUID still names a stable namespace
        return uuid.uuid5(GUID_NAMESPACE, guid)


def episode_guid(episode: Episode, site: Site) -> str:
    """An episode's guid: its front matter ``guid``, else UUIDv5 of its slug in the show's guid."""
    if episode.guid and episode.guid.strip():
        return episode.guid.strip()
    return str(uuid.uuid5(_uuid_namespace(show_guid(site)), episode.slug))


def shorts_guid(site: Site) -> str:
    """The shorts feed's podcast:guid: UUIDv5 of ``shorts`` in the show's guid."""
    return str(uuid.uuid5(_uuid_namespace(show_guid(site)), "shorts"))


def short_guid(episode: Episode, site: Site) -> str:
    """The guid of an episode's short version: UUIDv5 of its slug in the shorts feed's guid."""
    return str(uuid.uuid5(uuid.UUID(shorts_guid(site)), episode.slug))


def newsletter_guid(site: Site) -> str:
    """The newsletter feed's podcast:guid: UUIDv5 of ``newsletter`` in the show's guid."""
    return str(uuid.uuid5(_uuid_namespace(show_guid(site)), "newsletter"))


def issue_guid(issue: Issue, site: Site) -> str:
    """An issue's guid: UUIDv5 of its slug in the newsletter feed's guid."""
    return str(uuid.uuid5(uuid.UUID(newsletter_guid(site)), issue.slug))
