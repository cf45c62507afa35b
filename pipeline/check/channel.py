"""Channel rules: the show's title, link, description, language, self link, dates, podcast
and itunes tags, categories and artwork, and the image and person checks items share."""

from __future__ import annotations

import difflib
import re
import uuid

from lxml import etree

from pipeline.artwork import artwork_problems
from pipeline.check.feed import (
    ATOM_NS,
    Feed,
    absolute_url,
    byte_size,
    itunes_tag,
    podcast_tag,
    rfc2822_date,
    text_of,
)
from pipeline.check.rules import (
    APPLE_CATEGORIES,
    DESCRIPTION_LIMIT,
    ISO_639_1,
    MEDIUMS,
    NAME_LIMIT,
)

_LANGUAGE = re.compile(r"^([A-Za-z]{2})(?:-[A-Za-z0-9]{1,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_channel(feed: Feed, channel: etree._Element) -> None:
    """The channel's own tags; the itunes ones only in a podcast feed."""
    site = feed.site
    feed_url = site.url + feed.name
    title = text_of(channel.find("title"))
    if not title:
        feed.report("channel-title", None, "has no <title>", "set title in site.toml")
    link = text_of(channel.find("link"))
    if not link or not absolute_url(link) or link.rstrip("/") == feed_url.rstrip("/"):
        feed.report(
            "channel-link",
            None,
            f"<link> is {link or 'missing'!r}; it must be the website's absolute URL",
            f"set url in site.toml (the channel link should be {site.url}, not the feed)",
        )
    description = channel.find("description")
    if not text_of(description):
        feed.report(
            "channel-description", None, "has no <description>", "set description in site.toml"
        )
    elif byte_size(description.text or "") > DESCRIPTION_LIMIT:
        feed.report(
            "description-size",
            None,
            f"<description> is {byte_size(description.text or '')} bytes, over {DESCRIPTION_LIMIT}",
            "shorten description in site.toml",
        )
    language = text_of(channel.find("language"))
    match = _LANGUAGE.match(language)
    if not match or match.group(1).lower() not in ISO_639_1:
        feed.report(
            "language",
            None,
            f"<language> is {language or 'missing'!r}, not an ISO 639 code",
            'set language in site.toml to a code such as "en" or "en-us"',
        )
    selfs = [el for el in channel.findall(f"{{{ATOM_NS}}}link") if el.get("rel") == "self"]
    if not selfs:
        feed.report(
            "atom-self",
            None,
            'has no <atom:link rel="self">',
            f'add <atom:link rel="self" type="application/rss+xml" href="{feed_url}"/> '
            "(rebuild with `pipeline build`)",
        )
    for el in selfs:
        if el.get("href") != feed_url or el.get("type") != "application/rss+xml":
            feed.report(
                "atom-self",
                None,
                f'atom:link rel="self" is href={el.get("href")!r} type={el.get("type")!r}',
                f'it must be href="{feed_url}" type="application/rss+xml"; check url in '
                "site.toml and rebuild",
            )
    for tag in ("lastBuildDate", "pubDate"):
        value = text_of(channel.find(tag))
        if value and not rfc2822_date(value):
            feed.report(
                "date-format",
                None,
                f"<{tag}> {value!r} is not an RFC 2822 date",
                'write dates like "Wed, 07 Aug 2024 09:00:00 +0000" (rebuild the feed)',
            )
    _check_podcast_channel(feed, channel)
    if feed.podcast:
        _check_itunes_channel(feed, channel)


def _check_podcast_channel(feed: Feed, channel: etree._Element) -> None:
    guid = channel.find(podcast_tag("guid"))
    if guid is None:
        if feed.podcast:
            feed.report(
                "podcast-guid-missing",
                None,
                "has no podcast:guid",
                "rebuild with `pipeline build`; set guid in site.toml so it never changes",
            )
    else:
        try:
            uuid.UUID(text_of(guid))
        except ValueError:
            feed.report(
                "podcast-guid",
                None,
                f"podcast:guid {text_of(guid)!r} is not a UUID",
                "set guid in site.toml to the show's UUID (or remove it to derive one)",
            )
    locked = channel.find(podcast_tag("locked"))
    if locked is None:
        if feed.podcast:
            feed.report(
                "locked-missing",
                None,
                "has no podcast:locked",
                "set locked = true in site.toml so other platforms cannot import the show",
            )
    elif text_of(locked) not in ("yes", "no") or not _EMAIL.match(locked.get("owner") or ""):
        feed.report(
            "locked",
            None,
            f"podcast:locked is {text_of(locked)!r} with owner={locked.get('owner')!r}",
            "it must be yes or no with owner set to the owner's email (email in site.toml)",
        )
    for funding in channel.findall(podcast_tag("funding")):
        label, url = text_of(funding), funding.get("url") or ""
        if not label or len(label) > NAME_LIMIT or not absolute_url(url):
            feed.report(
                "funding",
                None,
                f"podcast:funding has url={url!r} and a label of {len(label)} characters",
                f"set funding_url to an absolute URL and funding_label to 1–{NAME_LIMIT} "
                "characters in site.toml",
            )
    medium = channel.find(podcast_tag("medium"))
    if medium is not None and text_of(medium) not in MEDIUMS:
        feed.report(
            "medium",
            None,
            f"podcast:medium {text_of(medium)!r} is not a known medium",
            "use podcast (or newsletter for the newsletter feed); rebuild the feed",
        )
    for person in channel.findall(podcast_tag("person")):
        check_person(feed, None, person)


def _category_problem(feed: Feed, name: str, parent: str | None) -> None:
    choices = list(APPLE_CATEGORIES) if parent is None else list(APPLE_CATEGORIES[parent])
    lowered = {c.lower(): c for c in choices}
    guess = lowered.get(name.lower()) or next(
        iter(difflib.get_close_matches(name, choices, n=1, cutoff=0.6)), None
    )
    if parent is None:
        owner = next((p for p, subs in APPLE_CATEGORIES.items() if name in subs), None)
        if owner:
            guess = f"{owner}/{name}"
    hint = f"; did you mean {guess!r}?" if guess else ""
    if parent is None:
        feed.report(
            "category-name",
            None,
            f"itunes:category {name!r} is not one of Apple's categories{hint}",
            "use a name from Apple's list, exact case, in categories in site.toml "
            '("Parent/Sub" for a subcategory)',
        )
    else:
        feed.report(
            "category-sub",
            None,
            f"itunes:category {name!r} is not a subcategory of {parent!r}{hint}",
            f"use one of {', '.join(APPLE_CATEGORIES[parent]) or 'none (it has none)'} in "
            "categories in site.toml",
        )


def _check_itunes_channel(feed: Feed, channel: etree._Element) -> None:
    image = channel.find(itunes_tag("image"))
    if image is None:
        feed.report(
            "itunes-image",
            None,
            "has no itunes:image",
            "set image in site.toml (or leave it out to publish generated artwork) and rebuild",
        )
    else:
        check_image(feed, None, image.get("href") or "")
    categories = channel.findall(itunes_tag("category"))
    if not categories:
        feed.report(
            "category-missing",
            None,
            "has no itunes:category",
            'set categories in site.toml to Apple category names, e.g. ["Leisure/Hobbies"]',
        )
    for category in categories:
        name = category.get("text") or ""
        if name not in APPLE_CATEGORIES:
            _category_problem(feed, name, None)
            continue
        for sub in category.findall(itunes_tag("category")):
            if (sub.get("text") or "") not in APPLE_CATEGORIES[name]:
                _category_problem(feed, sub.get("text") or "", name)
    explicit = channel.find(itunes_tag("explicit"))
    if text_of(explicit) not in ("true", "false"):
        feed.report(
            "explicit",
            None,
            f"itunes:explicit is {text_of(explicit) or 'missing'!r}; Apple accepts true or false",
            "set explicit = true or false in site.toml and rebuild",
        )
    if not text_of(channel.find(itunes_tag("author"))):
        feed.report("itunes-author", None, "has no itunes:author", "set author in site.toml")
    if not text_of(channel.find(f"{itunes_tag('owner')}/{itunes_tag('email')}")):
        feed.report(
            "itunes-owner",
            None,
            "has no itunes:owner with itunes:email (Spotify mails it to verify ownership)",
            "set email in site.toml",
        )
    kind = channel.find(itunes_tag("type"))
    if kind is None:
        feed.report(
            "itunes-type-missing",
            None,
            "has no itunes:type",
            "set serial = true or false in site.toml and rebuild",
        )
    elif text_of(kind) not in ("episodic", "serial"):
        feed.report(
            "itunes-type",
            None,
            f"itunes:type is {text_of(kind)!r}; Apple accepts episodic or serial",
            "set serial = true or false in site.toml and rebuild",
        )


def check_image(feed: Feed, item: str | None, href: str) -> None:
    """itunes:image: an absolute .jpg/.png URL; the file itself when it is in the output."""
    if not absolute_url(href) or not href.endswith((".jpg", ".png")):
        feed.report(
            "itunes-image",
            item,
            f"itunes:image href {href!r} is not an absolute URL ending in .jpg or .png",
            "publish the artwork as .jpg or .png under the site's url and rebuild",
        )
        return
    path = feed.local(href)
    if path is None:
        return
    for problem in artwork_problems(path):
        feed.report("artwork", item, problem, "then rebuild with `pipeline build`")


def check_person(feed: Feed, item: str | None, person: etree._Element) -> None:
    name = text_of(person)
    bad_urls = [
        f"{a}={person.get(a)!r}"
        for a in ("href", "img")
        if person.get(a) is not None and not absolute_url(person.get(a) or "")
    ]
    if not name or len(name) > NAME_LIMIT or bad_urls:
        feed.report(
            "person",
            item,
            f"podcast:person {name[:40]!r} ({len(name)} characters"
            + (f", {', '.join(bad_urls)}" if bad_urls else "")
            + ")",
            f"give each host and guest a name of 1–{NAME_LIMIT} characters and absolute href/img "
            "URLs (hosts in site.toml, guests in the outline's front matter)",
        )
