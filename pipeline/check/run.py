"""The entry point of the feed rules: each published feed is read, held to the document
rules (present, well-formed, RSS 2.0, namespaces), then to the channel, item and guid rules;
then the pages beside the feeds are held to the page rules (links, transcripts), and each
issue's email to the email rules."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.check.channel import check_channel
from pipeline.check.email import check_emails
from pipeline.check.feed import (
    LEGACY_PODCAST_NS,
    NAMESPACES,
    PODCAST_NS,
    Feed,
    parse_feed,
    podcast_tag,
    text_of,
)
from pipeline.check.guids import check_stability, load_guids, save_guids
from pipeline.check.items import check_items
from pipeline.check.pages import check_pages
from pipeline.errors import Problem
from pipeline.model import Site
from pipeline.state import guids_path

FEED_NAMES = ("podcast.xml", "shorts.xml", "newsletter.xml")


def _norm(uri: str) -> str:
    uri = re.sub(r"^[a-z]+://", "", uri.strip().lower()).rstrip("/")
    return uri.removeprefix("www.")


def _check_namespaces(feed: Feed, declarations: list[tuple[str, str]]) -> None:
    known = {_norm(uri): (prefix, uri) for prefix, uri in NAMESPACES.items()}
    for prefix, uri in sorted(set(declarations)):
        if uri in NAMESPACES.values():
            continue
        if uri == LEGACY_PODCAST_NS:
            feed.report(
                "namespace-legacy",
                None,
                f"declares the podcast namespace with its legacy URI {uri}",
                f'declare xmlns:{prefix}="{PODCAST_NS}"',
            )
            continue
        expected = known.get(_norm(uri)) or (
            (prefix, NAMESPACES[prefix]) if prefix in NAMESPACES else None
        )
        if expected:
            feed.report(
                "namespace-uri",
                None,
                f'declares xmlns:{prefix}="{uri}", which apps do not recognise',
                f'use exactly xmlns:{expected[0]}="{expected[1]}" (case and slashes matter)',
            )


def check_feeds(
    out: Path, site: Site, state_dir: Path, skip: frozenset[str] = frozenset()
) -> list[Problem]:
    """Apply the feed rules to podcast.xml, shorts.xml and newsletter.xml in the output folder.

    Records each item's guid in ``<state_dir>/guids.json`` so that the next check can tell
    when one changed. Then applies the page rules (``check.pages``) to the HTML pages beside
    the feeds, and the email rules (``check.email``) to each issue's built email. Rules in
    ``skip`` are not reported (the build reported them already).
    """
    out, state_path = Path(out), guids_path(Path(state_dir))
    problems: list[Problem] = []
    state = load_guids(state_path)
    for name in FEED_NAMES:
        feed = Feed(name, out / name, out, site, problems, skip=skip)
        if not feed.path.is_file():
            feed.report(
                "feed-missing", None, f"{name} is not in {out}", "run `pipeline build` first"
            )
            continue
        parsed = parse_feed(feed)
        if parsed is None:
            continue
        root, declarations = parsed
        channels = root.findall("channel")
        if root.tag != "rss" or root.get("version") != "2.0" or len(channels) != 1:
            feed.report(
                "rss-root",
                None,
                f"the root is <{root.tag} version={root.get('version')!r}> with "
                f"{len(channels)} <channel>",
                'publish RSS 2.0: <rss version="2.0"> with one <channel> (rebuild the feed)',
            )
            continue
        _check_namespaces(feed, declarations)
        channel = channels[0]
        medium = text_of(channel.find(podcast_tag("medium")))
        feed.podcast = medium not in ("newsletter", "newsletterL")
        check_channel(feed, channel)
        check_items(feed, channel)
        state[name] = check_stability(feed, state.get(name, {}), state_path)
    save_guids(state_path, state)
    problems += check_pages(out, site, skip)
    problems += check_emails(out, site, skip)
    return problems
