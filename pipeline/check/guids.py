"""Guid rules: every item has a guid, unique in its feed and marked when it is not a URL,
and keeps it from one check to the next through the state file ``guids.json``."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

from lxml import etree

from pipeline.check.feed import Feed, absolute_url, text_of
from pipeline.files import write_atomic

_SLUG_PATH = re.compile(r"/((?:episodes|issues)/[a-z0-9]+(?:-[a-z0-9]+)*)/")


def _item_key(item: etree._Element) -> str | None:
    """What identifies an item across builds and moves: its slug path, else its URL."""
    enclosure = item.find("enclosure")
    for url in (
        enclosure.get("url") if enclosure is not None else None,
        text_of(item.find("link")),
    ):
        if not url:
            continue
        match = _SLUG_PATH.search(urllib.parse.urlsplit(url).path + "/")
        if match:
            return match.group(1)
    url = enclosure.get("url") if enclosure is not None else text_of(item.find("link"))
    return url or None


def check_item_guid(
    feed: Feed, label: str, item: etree._Element, guid: str, seen: dict[str, str]
) -> None:
    """An item's guid: present, unique in the feed, marked when it is not a URL; remembered."""
    element = item.find("guid")
    if not guid:
        feed.report(
            "guid-missing",
            label,
            "has no <guid>, so apps cannot tell it from other items",
            "rebuild with `pipeline build` (it gives every item a permanent guid)",
        )
        return
    if guid in seen:
        feed.report(
            "guid-unique",
            label,
            f"has the same guid {guid!r} as item “{seen[guid]}”",
            "give one of them its own guid: in the front matter (or remove the copied one)",
        )
    seen.setdefault(guid, label)
    permalink = element.get("isPermaLink", "true") if element is not None else "false"
    if permalink != "false" and not absolute_url(guid):
        feed.report(
            "guid-permalink",
            label,
            f'guid {guid!r} is not a URL but isPermaLink is not "false"',
            'write <guid isPermaLink="false"> (rebuild the feed)',
        )
    key = _item_key(item)
    if key:
        feed.guids[key] = (guid, label)


def load_guids(path: Path) -> dict[str, dict[str, str]]:
    """Each feed's item guids by item key as the last check saw them; empty when unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(feeds, dict):
        return {}
    return {
        name: {str(k): str(v) for k, v in items.items()}
        for name, items in feeds.items()
        if isinstance(items, dict)
    }


def save_guids(path: Path, state: dict[str, dict[str, str]]) -> None:
    """Write the guid state atomically, so that a killed check leaves the old or the new one."""
    text = json.dumps({"version": 1, "feeds": state}, indent=2, sort_keys=True) + "\n"
    write_atomic(path, data=text.encode("utf-8"))


def check_stability(feed: Feed, previous: dict[str, str], state_path: Path) -> dict[str, str]:
    """Compare guids with the last check; a changed guid keeps its old one in the state."""
    recorded = dict(previous)
    for key, (guid, label) in feed.guids.items():
        old = previous.get(key)
        if old is not None and old != guid:
            feed.report(
                "guid-stable",
                label,
                f"its guid changed from {old} to {guid} since the last check, so apps will "
                "offer it again as a new episode",
                f"set guid: {old} in its front matter, or delete the {key!r} entry of "
                f"{state_path} to accept the new guid",
            )
            continue
        recorded[key] = guid
    return recorded
