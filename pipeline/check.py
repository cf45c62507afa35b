"""Feed rules of `pipeline check`: what apps and directories require of the published feeds."""

from __future__ import annotations

import difflib
import email.utils
import itertools
import json
import os
import re
import tempfile
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import mutagen
from lxml import etree

from pipeline.artwork import artwork_problems
from pipeline.errors import Level, Problem
from pipeline.model import Site

FEED_NAMES = ("podcast.xml", "shorts.xml", "newsletter.xml")
STATE_FILE = "guids.json"

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
LEGACY_PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PSC_NS = "http://podlove.org/simple-chapters"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
NAMESPACES = {
    "itunes": ITUNES_NS,
    "podcast": PODCAST_NS,
    "psc": PSC_NS,
    "atom": ATOM_NS,
    "content": CONTENT_NS,
}
NS = NAMESPACES

DESCRIPTION_LIMIT = 4000  # bytes
NAME_LIMIT = 128  # characters: podcast:funding label, podcast:person name
DURATION_TOLERANCE = 2.0  # seconds between itunes:duration and the file
ENCLOSURE_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a"}
TRANSCRIPT_TYPES = {
    "text/vtt",
    "application/x-subrip",
    "application/srt",
    "text/srt",
    "application/json",
    "text/html",
    "text/plain",
}
CHAPTERS_TYPE = "application/json+chapters"
MEDIUMS = {
    "podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
    "course", "mixed", "podcastL", "musicL", "videoL", "filmL", "audiobookL", "newsletterL",
    "blogL", "publisherL", "courseL",
}  # fmt: skip

# Apple Podcasts categories and subcategories (podcasters.apple.com/support/1691), exact case.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip

# ISO 639-1 language codes (the primary subtag of an RSS <language>).
ISO_639_1 = frozenset(
    {
        "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg",
        "bh", "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv",
        "cy", "da", "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi",
        "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr",
        "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja",
        "jv", "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw",
        "ky", "la", "lb", "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml",
        "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv",
        "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro",
        "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr",
        "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr",
        "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi",
        "yo", "za", "zh", "zu",
    }
)  # fmt: skip

# rule id -> (level, what it checks). Every message ends with its rule id in brackets.
RULES: dict[str, tuple[Level, str]] = {
    "feed-missing": ("error", "podcast.xml, shorts.xml and newsletter.xml are in the output"),
    "xml-malformed": ("error", "the feed is well-formed XML"),
    "rss-root": ("error", 'the root is <rss version="2.0"> with one <channel>'),
    "namespace-uri": ("error", "namespace URIs are exactly the ones apps look for"),
    "namespace-legacy": ("warning", "the podcast namespace uses its current URI"),
    "channel-title": ("error", "the channel has a title"),
    "channel-link": ("error", "the channel links to the website, not to the feed"),
    "channel-description": ("error", "the channel has a description"),
    "description-size": ("error", "channel and item descriptions are at most 4000 bytes"),
    "language": ("error", "<language> is an ISO 639 code"),
    "atom-self": ("error", "atom:link rel=self points at the published feed URL"),
    "itunes-image": ("error", "itunes:image is an absolute URL ending .jpg or .png"),
    "artwork": ("error", "artwork is square, 1400–3000 px, RGB JPEG/PNG named for its format"),
    "category-missing": ("error", "the show has an itunes:category"),
    "category-name": ("error", "itunes:category names are Apple's, exact case"),
    "category-sub": ("error", "a subcategory belongs to its parent category"),
    "explicit": ("error", "itunes:explicit is true or false"),
    "itunes-author": ("warning", "the show has an itunes:author"),
    "itunes-owner": ("warning", "the show has an itunes:owner with itunes:email"),
    "itunes-type": ("error", "itunes:type is episodic or serial"),
    "itunes-type-missing": ("warning", "the show has an itunes:type"),
    "podcast-guid": ("error", "podcast:guid is a UUID"),
    "podcast-guid-missing": ("warning", "the show has a podcast:guid"),
    "locked": ("error", "podcast:locked is yes/no with the owner's email"),
    "locked-missing": ("warning", "the show has podcast:locked"),
    "funding": ("error", "podcast:funding has a URL and a label of at most 128 characters"),
    "medium": ("error", "podcast:medium is a known medium"),
    "date-format": ("error", "dates are RFC 2822"),
    "item-title": ("error", "every item has a title"),
    "title-episode-number": ("warning", 'titles do not start with "Episode N:"'),
    "title-show-name": ("warning", "item titles do not repeat the show's title"),
    "enclosure-count": ("error", "every podcast item has exactly one enclosure"),
    "enclosure-attributes": ("error", "enclosures have an absolute URL and a byte length"),
    "enclosure-type": ("error", "enclosure types are audio/mpeg or audio/x-m4a, as named"),
    "enclosure-unique": ("error", "enclosure URLs are unique in the feed"),
    "enclosure-file": ("error", "a published enclosure file exists in the output"),
    "enclosure-length": ("error", "enclosure length is the file's size in bytes"),
    "duration": ("error", "itunes:duration matches the audio file"),
    "duration-format": ("warning", "itunes:duration is whole seconds"),
    "guid-missing": ("error", "every item has a guid"),
    "guid-unique": ("error", "guids are unique in the feed"),
    "guid-permalink": ("warning", 'guids that are not URLs say isPermaLink="false"'),
    "guid-stable": ("error", "an item keeps its guid from one check to the next"),
    "pubdate-missing": ("warning", "every item has a pubDate"),
    "numbers": ("error", "episode and season numbers are positive integers"),
    "serial-number": ("error", "every full episode of a serial show has an episode number"),
    "episode-type": ("error", "itunes:episodeType is full, trailer or bonus"),
    "transcript": ("error", "podcast:transcript has a known type and a published file"),
    "chapters-tag": ("error", "podcast:chapters has the JSON chapters type and a URL"),
    "chapters-file": ("error", "chapters files are JSON chapters, ascending, the first at 0"),
    "chapters-count": ("warning", "episodes with chapters have at least three"),
    "person": ("error", "podcast:person has a name of at most 128 characters"),
    "person-hosts": ("warning", "items that list guests repeat the hosts"),
    "item-description": ("warning", "every item has a description"),
    "item-link": ("warning", "every item links to its page"),
    "soundbite": ("warning", "soundbites last 15–120 seconds"),
    "psc-chapters": ("error", "psc:chapter starts are normal play time, ascending"),
}

_RFC2822 = re.compile(
    r"^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UT|[ECMP][SD]T|[A-IK-Z])$"
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LANGUAGE = re.compile(r"^([A-Za-z]{2})(?:-[A-Za-z0-9]{1,8})*$")
_EPISODE_PREFIX = re.compile(r"^\s*(?:episode|ep\.?|#)\s*\d+\s*[:.\-–—|]", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_NPT = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d{1,2})(?:\.(\d{1,3}))?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG_PATH = re.compile(r"/((?:episodes|issues)/[a-z0-9]+(?:-[a-z0-9]+)*)/")


def _p(name: str) -> str:
    return f"{{{PODCAST_NS}}}{name}"


def _i(name: str) -> str:
    return f"{{{ITUNES_NS}}}{name}"


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _absolute(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _rfc2822(text: str) -> bool:
    match = _RFC2822.match(text.strip())
    if not match:
        return False
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return False
    return not match.group(1) or _WEEKDAYS[when.weekday()] == match.group(1)


def _positive_int(text: str) -> bool:
    return text.isdigit() and int(text) > 0


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _npt_seconds(text: str) -> float | None:
    match = _NPT.match(text.strip())
    if not match:
        return None
    h, m, s, ms = match.groups()
    return int(h or 0) * 3600 + int(m or 0) * 60 + int(s) + int((ms or "0").ljust(3, "0")) / 1000


# --- one feed ----------------------------------------------------------------------------


@dataclass
class _Feed:
    """The feed being checked: where problems go and how URLs map to files in the output."""

    name: str
    path: Path
    out: Path
    site: Site
    problems: list[Problem]
    podcast: bool = True  # itunes rules apply (podcast:medium is not newsletter)
    show_title: str = ""
    guids: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (guid, label)

    def report(self, rule: str, item: str | None, what: str, fix: str) -> None:
        where = f"{self.name}, item “{item}”" if item is not None else f"{self.name}, channel"
        self.problems.append(Problem(RULES[rule][0], self.path, f"{where}: {what}; {fix} [{rule}]"))

    def local(self, url: str) -> Path | None:
        """The output file an absolute URL under the site's URL names, if it does."""
        if not url.startswith(self.site.url):
            return None
        relative = urllib.parse.unquote(urllib.parse.urlsplit(url[len(self.site.url) :]).path)
        root = self.out.resolve()
        path = (root / relative).resolve()
        return path if path.is_relative_to(root) and path != root else None


def _parse(feed: _Feed) -> tuple[etree._Element, list[tuple[str, str]]] | None:
    """The feed's root and every namespace declaration in it, or None when it is not XML."""
    declarations: list[tuple[str, str]] = []
    try:
        events = etree.iterparse(
            str(feed.path), events=("start-ns",), resolve_entities=False, no_network=True
        )
        for _event, declaration in events:
            declarations.append(declaration)
        root = events.root
    except etree.XMLSyntaxError as exc:
        feed.report(
            "xml-malformed",
            None,
            f"is not well-formed XML ({exc})",
            "rebuild it with `pipeline build`; a hand-edited feed must be fixed at that line",
        )
        return None
    return root, declarations


def _norm(uri: str) -> str:
    uri = re.sub(r"^[a-z]+://", "", uri.strip().lower()).rstrip("/")
    return uri.removeprefix("www.")


def _check_namespaces(feed: _Feed, declarations: list[tuple[str, str]]) -> None:
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


def _check_channel(feed: _Feed, channel: etree._Element) -> None:
    site = feed.site
    feed_url = site.url + feed.name
    title = _text(channel.find("title"))
    feed.show_title = title
    if not title:
        feed.report("channel-title", None, "has no <title>", "set title in site.toml")
    link = _text(channel.find("link"))
    if not link or not _absolute(link) or link.rstrip("/") == feed_url.rstrip("/"):
        feed.report(
            "channel-link",
            None,
            f"<link> is {link or 'missing'!r}; it must be the website's absolute URL",
            f"set url in site.toml (the channel link should be {site.url}, not the feed)",
        )
    description = channel.find("description")
    if not _text(description):
        feed.report(
            "channel-description", None, "has no <description>", "set description in site.toml"
        )
    elif _size(description.text or "") > DESCRIPTION_LIMIT:
        feed.report(
            "description-size",
            None,
            f"<description> is {_size(description.text or '')} bytes, over {DESCRIPTION_LIMIT}",
            "shorten description in site.toml",
        )
    language = _text(channel.find("language"))
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
        value = _text(channel.find(tag))
        if value and not _rfc2822(value):
            feed.report(
                "date-format",
                None,
                f"<{tag}> {value!r} is not an RFC 2822 date",
                'write dates like "Wed, 07 Aug 2024 09:00:00 +0000" (rebuild the feed)',
            )
    _check_podcast_channel(feed, channel)
    if feed.podcast:
        _check_itunes_channel(feed, channel)


def _check_podcast_channel(feed: _Feed, channel: etree._Element) -> None:
    guid = channel.find(_p("guid"))
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
            uuid.UUID(_text(guid))
        except ValueError:
            feed.report(
                "podcast-guid",
                None,
                f"podcast:guid {_text(guid)!r} is not a UUID",
                "set guid in site.toml to the show's UUID (or remove it to derive one)",
            )
    locked = channel.find(_p("locked"))
    if locked is None:
        if feed.podcast:
            feed.report(
                "locked-missing",
                None,
                "has no podcast:locked",
                "set locked = true in site.toml so other platforms cannot import the show",
            )
    elif _text(locked) not in ("yes", "no") or not _EMAIL.match(locked.get("owner") or ""):
        feed.report(
            "locked",
            None,
            f"podcast:locked is {_text(locked)!r} with owner={locked.get('owner')!r}",
            "it must be yes or no with owner set to the owner's email (email in site.toml)",
        )
    for funding in channel.findall(_p("funding")):
        label, url = _text(funding), funding.get("url") or ""
        if not label or len(label) > NAME_LIMIT or not _absolute(url):
            feed.report(
                "funding",
                None,
                f"podcast:funding has url={url!r} and a label of {len(label)} characters",
                f"set funding_url to an absolute URL and funding_label to 1–{NAME_LIMIT} "
                "characters in site.toml",
            )
    medium = channel.find(_p("medium"))
    if medium is not None and _text(medium) not in MEDIUMS:
        feed.report(
            "medium",
            None,
            f"podcast:medium {_text(medium)!r} is not a known medium",
            "use podcast (or newsletter for the newsletter feed); rebuild the feed",
        )
    for person in channel.findall(_p("person")):
        _check_person(feed, None, person)


def _category_problem(feed: _Feed, name: str, parent: str | None) -> None:
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


def _check_itunes_channel(feed: _Feed, channel: etree._Element) -> None:
    image = channel.find(_i("image"))
    if image is None:
        feed.report(
            "itunes-image",
            None,
            "has no itunes:image",
            "set image in site.toml (or leave it out to publish generated artwork) and rebuild",
        )
    else:
        _check_image(feed, None, image.get("href") or "")
    categories = channel.findall(_i("category"))
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
        for sub in category.findall(_i("category")):
            if (sub.get("text") or "") not in APPLE_CATEGORIES[name]:
                _category_problem(feed, sub.get("text") or "", name)
    explicit = channel.find(_i("explicit"))
    if _text(explicit) not in ("true", "false"):
        feed.report(
            "explicit",
            None,
            f"itunes:explicit is {_text(explicit) or 'missing'!r}; Apple accepts true or false",
            "set explicit = true or false in site.toml and rebuild",
        )
    if not _text(channel.find(_i("author"))):
        feed.report("itunes-author", None, "has no itunes:author", "set author in site.toml")
    if not _text(channel.find(f"{_i('owner')}/{_i('email')}")):
        feed.report(
            "itunes-owner",
            None,
            "has no itunes:owner with itunes:email (Spotify mails it to verify ownership)",
            "set email in site.toml",
        )
    kind = channel.find(_i("type"))
    if kind is None:
        feed.report(
            "itunes-type-missing",
            None,
            "has no itunes:type",
            "set serial = true or false in site.toml and rebuild",
        )
    elif _text(kind) not in ("episodic", "serial"):
        feed.report(
            "itunes-type",
            None,
            f"itunes:type is {_text(kind)!r}; Apple accepts episodic or serial",
            "set serial = true or false in site.toml and rebuild",
        )


def _check_image(feed: _Feed, item: str | None, href: str) -> None:
    """itunes:image: an absolute .jpg/.png URL; the file itself when it is in the output."""
    if not _absolute(href) or not href.endswith((".jpg", ".png")):
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


def _check_person(feed: _Feed, item: str | None, person: etree._Element) -> None:
    name = _text(person)
    bad_urls = [
        f"{a}={person.get(a)!r}"
        for a in ("href", "img")
        if person.get(a) is not None and not _absolute(person.get(a) or "")
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


# --- items -------------------------------------------------------------------------------


def _item_key(item: etree._Element) -> str | None:
    """What identifies an item across builds and moves: its slug path, else its URL."""
    enclosure = item.find("enclosure")
    for url in (enclosure.get("url") if enclosure is not None else None, _text(item.find("link"))):
        if not url:
            continue
        match = _SLUG_PATH.search(urllib.parse.urlsplit(url).path + "/")
        if match:
            return match.group(1)
    url = enclosure.get("url") if enclosure is not None else _text(item.find("link"))
    return url or None


def _check_items(feed: _Feed, channel: etree._Element) -> None:
    serial = _text(channel.find(_i("type"))) == "serial"
    seen_guids: dict[str, str] = {}
    seen_urls: dict[str, str] = {}
    for index, item in enumerate(channel.findall("item"), start=1):
        title = _text(item.find("title"))
        guid = _text(item.find("guid"))
        label = title or guid or f"#{index}"
        _check_item_text(feed, label, item, title)
        _check_item_guid(feed, label, item, guid, seen_guids)
        duration = _check_enclosure(feed, label, item, seen_urls)
        if feed.podcast:
            _check_item_itunes(feed, label, item, serial)
        _check_item_podcast(feed, label, item, duration)


def _repeats_show(title: str, show: str) -> bool:
    """Whether an item title carries the show's title: as a prefix or suffix, or anywhere when
    the show's title is more than one word (a one-word title is too often an ordinary word)."""
    title, show = title.strip().lower(), " ".join(show.split()).lower()
    if not show or title == show:
        return bool(show)
    separators = (":", "-", "–", "—", "|", "#")
    if title.startswith(show) and title[len(show) :].lstrip()[:1] in separators:
        return True
    if title.endswith(show) and title[: -len(show)].rstrip()[-1:] in separators:
        return True
    return " " in show and re.search(rf"\b{re.escape(show)}\b", title) is not None


def _check_item_text(feed: _Feed, label: str, item: etree._Element, title: str) -> None:
    if not title:
        feed.report("item-title", label, "has no <title>", "give the episode or issue a title")
    elif _EPISODE_PREFIX.match(title):
        feed.report(
            "title-episode-number",
            label,
            "the title starts with an episode number; apps show the number themselves",
            "remove it from the title and set number: in the front matter instead",
        )
    if title and _repeats_show(title, feed.site.title):
        feed.report(
            "title-show-name",
            label,
            "the title repeats the show's title, which apps already show",
            "remove the show's name from the title in the front matter",
        )
    description = item.find("description")
    if not _text(description):
        feed.report(
            "item-description",
            label,
            "has no <description>",
            "write a summary: in the front matter (or a first paragraph in the outline)",
        )
    elif _size(description.text or "") > DESCRIPTION_LIMIT:
        feed.report(
            "description-size",
            label,
            f"<description> is {_size(description.text or '')} bytes, over {DESCRIPTION_LIMIT}",
            "shorten summary: in the front matter and rebuild",
        )
    if not _text(item.find("link")):
        feed.report(
            "item-link", label, "has no <link> to its page", "rebuild with `pipeline build`"
        )
    published = _text(item.find("pubDate"))
    if not published:
        feed.report("pubdate-missing", label, "has no <pubDate>", "set date: in the front matter")
    elif not _rfc2822(published):
        feed.report(
            "date-format",
            label,
            f"<pubDate> {published!r} is not an RFC 2822 date",
            'write dates like "Wed, 07 Aug 2024 09:00:00 +0000" (rebuild the feed)',
        )


def _check_item_guid(
    feed: _Feed, label: str, item: etree._Element, guid: str, seen: dict[str, str]
) -> None:
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
    if permalink != "false" and not _absolute(guid):
        feed.report(
            "guid-permalink",
            label,
            f'guid {guid!r} is not a URL but isPermaLink is not "false"',
            'write <guid isPermaLink="false"> (rebuild the feed)',
        )
    key = _item_key(item)
    if key:
        feed.guids[key] = (guid, label)


def _check_enclosure(
    feed: _Feed, label: str, item: etree._Element, seen: dict[str, str]
) -> float | None:
    """Enclosure rules; returns the audio file's duration when the file could be read."""
    enclosures = item.findall("enclosure")
    if feed.podcast and len(enclosures) != 1:
        feed.report(
            "enclosure-count",
            label,
            f"has {len(enclosures)} enclosures; podcast apps play exactly one",
            "give the episode one recording and rebuild",
        )
    if not enclosures:
        return None
    enclosure = enclosures[0]
    url, length, kind = (enclosure.get(a) or "" for a in ("url", "length", "type"))
    if not _absolute(url) or not length.isdigit() or int(length) <= 0:
        feed.report(
            "enclosure-attributes",
            label,
            f"enclosure has url={url!r} length={length!r}",
            "enclosures need an absolute URL and the file's size in bytes; rebuild the feed",
        )
    suffix = Path(urllib.parse.urlsplit(url).path).suffix.lower()
    if kind not in ENCLOSURE_TYPES.values() or ENCLOSURE_TYPES.get(suffix, kind) != kind:
        feed.report(
            "enclosure-type",
            label,
            f"enclosure type {kind!r} for a {suffix or 'nameless'} file",
            "publish .mp3 as audio/mpeg or .m4a as audio/x-m4a; rebuild the feed",
        )
    if url in seen:
        feed.report(
            "enclosure-unique",
            label,
            f"enclosure {url} is also the enclosure of item “{seen[url]}”",
            "each episode needs its own audio file",
        )
    seen.setdefault(url, label)
    path = feed.local(url)
    if path is None:
        return None
    if not path.is_file():
        feed.report(
            "enclosure-file",
            label,
            f"enclosure file {path} is not in the output",
            "run `pipeline build` so the audio is published before the feed",
        )
        return None
    size = path.stat().st_size
    if length.isdigit() and int(length) != size:
        feed.report(
            "enclosure-length",
            label,
            f"enclosure length {length} differs from the {size} bytes of {path}",
            "rebuild with `pipeline build` so the feed carries the file's size",
        )
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError:
        audio = None
    if audio is None or not getattr(audio.info, "length", 0):
        feed.report(
            "duration",
            label,
            f"the duration of {path} cannot be read",
            "publish a valid MP3 or M4A file (rebuild with `pipeline build`)",
        )
        return None
    return float(audio.info.length)


def _duration_seconds(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    match = _CLOCK.match(text)
    if match:
        h, m, s = match.groups()
        return int(h or 0) * 3600 + int(m) * 60 + int(s)
    return None


def _check_item_itunes(feed: _Feed, label: str, item: etree._Element, serial: bool) -> None:
    explicit = item.find(_i("explicit"))
    if explicit is not None and _text(explicit) not in ("true", "false"):
        feed.report(
            "explicit",
            label,
            f"itunes:explicit is {_text(explicit)!r}; Apple accepts true or false",
            "set explicit: true or false in the front matter",
        )
    kind = _text(item.find(_i("episodeType"))) or "full"
    if kind not in ("full", "trailer", "bonus"):
        feed.report(
            "episode-type",
            label,
            f"itunes:episodeType is {kind!r}",
            "set type: full, trailer or bonus in the front matter",
        )
    if serial and kind == "full" and item.find(_i("episode")) is None:
        feed.report(
            "serial-number",
            label,
            "is a full episode of a serial show without an episode number",
            "set number: (and season:) in the episode's front matter",
        )
    image = item.find(_i("image"))
    if image is not None:
        _check_image(feed, label, image.get("href") or "")
    duration = item.find(_i("duration"))
    if duration is None or _duration_seconds(_text(duration)) is None:
        feed.report(
            "duration-format",
            label,
            f"itunes:duration is {_text(duration) or 'missing'!r}",
            "write the duration in whole seconds (rebuild with `pipeline build`)",
        )
    elif not _text(duration).isdigit():
        feed.report(
            "duration-format",
            label,
            f"itunes:duration {_text(duration)!r} is not whole seconds",
            "write the duration in whole seconds, e.g. 3725 (rebuild with `pipeline build`)",
        )


def _check_item_podcast(
    feed: _Feed, label: str, item: etree._Element, file_duration: float | None
) -> None:
    duration = _duration_seconds(_text(item.find(_i("duration"))))
    if (
        feed.podcast
        and file_duration is not None
        and duration is not None
        and abs(duration - file_duration) > DURATION_TOLERANCE
    ):
        feed.report(
            "duration",
            label,
            f"itunes:duration says {duration} s but the audio file lasts {file_duration:.1f} s",
            "rebuild with `pipeline build` so the feed carries the file's duration",
        )
    length = file_duration if file_duration is not None else duration
    for tag in (_i("episode"), _i("season"), _p("episode"), _p("season")):
        for element in item.findall(tag):
            if not _positive_int(_text(element)):
                feed.report(
                    "numbers",
                    label,
                    f"{etree.QName(tag).localname} {_text(element)!r} is not a positive integer",
                    "set number: and season: to whole numbers from 1 in the front matter",
                )
    for transcript in item.findall(_p("transcript")):
        url, kind = transcript.get("url") or "", transcript.get("type") or ""
        path = feed.local(url) if _absolute(url) else None
        if kind not in TRANSCRIPT_TYPES or not _absolute(url) or (path and not path.is_file()):
            feed.report(
                "transcript",
                label,
                f"podcast:transcript url={url!r} type={kind!r}"
                + (" points at a file that is not in the output" if path else ""),
                "use text/vtt, application/x-subrip or application/json with an absolute URL "
                "of a published file; rebuild with `pipeline build`",
            )
    for chapters in item.findall(_p("chapters")):
        url, kind = chapters.get("url") or "", chapters.get("type") or ""
        if kind != "application/json+chapters" or not _absolute(url):
            feed.report(
                "chapters-tag",
                label,
                f"podcast:chapters url={url!r} type={kind!r}",
                'use type="application/json+chapters" and an absolute URL; rebuild the feed',
            )
            continue
        path = feed.local(url)
        if path is not None:
            _check_chapters_file(feed, label, path, length)
    persons = item.findall(_p("person"))
    for person in persons:
        _check_person(feed, label, person)
    roles = {(person.get("role") or "host").lower() for person in persons}
    if "guest" in roles and not roles & {"host", "co-host"}:
        feed.report(
            "person-hosts",
            label,
            "lists guests but no host; item persons replace the show's, so the hosts vanish",
            "list the hosts too (hosts: in the front matter, or hosts in site.toml)",
        )
    for bite in item.findall(_p("soundbite")):
        try:
            bite_length = float(bite.get("duration") or "")
            float(bite.get("startTime") or "")
        except ValueError:
            bite_length = -1.0
        if not 15 <= bite_length <= 120:
            feed.report(
                "soundbite",
                label,
                f"podcast:soundbite startTime={bite.get('startTime')!r} "
                f"duration={bite.get('duration')!r}",
                "soundbites need numeric times and 15–120 seconds; rebuild the feed",
            )
    _check_psc(feed, label, item)


def _check_psc(feed: _Feed, label: str, item: etree._Element) -> None:
    for group in item.findall(f"{{{PSC_NS}}}chapters"):
        previous = -1.0
        for chapter in group.findall(f"{{{PSC_NS}}}chapter"):
            start = _npt_seconds(chapter.get("start") or "")
            if start is None or not chapter.get("title") or start <= previous:
                feed.report(
                    "psc-chapters",
                    label,
                    f"psc:chapter start={chapter.get('start')!r} title={chapter.get('title')!r}"
                    " is not a normal-play-time start after the previous chapter",
                    "order the outline's chapters by time (## 12:30 Title) and rebuild",
                )
                break
            previous = start


def _check_chapters_file(feed: _Feed, label: str, path: Path, length: float | None) -> None:
    fix = "order the outline's chapter timestamps (## 12:30 Title) and rebuild"
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        feed.report(
            "chapters-file",
            label,
            f"chapters file {path} is not in the output",
            "run `pipeline build` so the chapters are published before the feed",
        )
        return
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        feed.report("chapters-file", label, f"{path} is not valid JSON ({exc})", fix)
        return
    chapters = data.get("chapters") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("version"), str)
        or not (
            isinstance(chapters, list)
            and chapters
            and all(isinstance(c, dict) and _number(c.get("startTime")) for c in chapters)
        )
    ):
        feed.report(
            "chapters-file",
            label,
            f'{path} is not JSON chapters ({{"version", "chapters": [{{"startTime"}}]}})',
            fix,
        )
        return
    starts = [float(c["startTime"]) for c in chapters]
    if starts[0] != 0:
        feed.report(
            "chapters-file", label, f"{path}: the first chapter starts at {starts[0]} s, not 0", fix
        )
    if any(b <= a for a, b in itertools.pairwise(starts)):
        feed.report("chapters-file", label, f"{path}: chapter starts are not ascending", fix)
    if length is not None and starts[-1] >= length:
        feed.report(
            "chapters-file",
            label,
            f"{path}: a chapter starts at {starts[-1]} s, after the audio ends ({length:.0f} s)",
            fix,
        )
    if len(chapters) < 3:
        feed.report(
            "chapters-count",
            label,
            f"has {len(chapters)} chapter(s); Apple and Spotify show chapters from three on",
            "add ## headings to the outline, or remove them all",
        )


# --- guid stability ----------------------------------------------------------------------


def _load_state(path: Path) -> dict[str, dict[str, str]]:
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


def _save_state(path: Path, state: dict[str, dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": 1, "feeds": state}, indent=2, sort_keys=True) + "\n"
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _check_stability(feed: _Feed, previous: dict[str, str], state_path: Path) -> dict[str, str]:
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


# --- entry point -------------------------------------------------------------------------


def check_feeds(out: Path, site: Site, state_dir: Path) -> list[Problem]:
    """Apply the feed rules to podcast.xml, shorts.xml and newsletter.xml in the output folder.

    Records each item's guid in ``<state_dir>/guids.json`` so that the next check can tell
    when one changed.
    """
    out, state_path = Path(out), Path(state_dir) / STATE_FILE
    problems: list[Problem] = []
    state = _load_state(state_path)
    for name in FEED_NAMES:
        feed = _Feed(name, out / name, out, site, problems)
        if not feed.path.is_file():
            feed.report(
                "feed-missing", None, f"{name} is not in {out}", "run `pipeline build` first"
            )
            continue
        parsed = _parse(feed)
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
        feed.podcast = _text(channel.find(_p("medium"))) not in ("newsletter", "newsletterL")
        _check_channel(feed, channel)
        _check_items(feed, channel)
        state[name] = _check_stability(feed, state.get(name, {}), state_path)
    _save_state(state_path, state)
    return problems
