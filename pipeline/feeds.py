"""The podcast, shorts and newsletter feeds: feedgen plus our own Podcasting 2.0 extension."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from pipeline import markup
from pipeline.model import Episode, Issue, Person, PublishedAudio, Show, Site

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PSC_NS = "http://podlove.org/simple-chapters"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"

# podcast:guid is UUIDv5 in this namespace over the feed URL without scheme (feeds.md).
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

DESCRIPTION_LIMIT = 4000  # bytes, Apple's limit for channel and item descriptions
FUNDING_LABEL_LIMIT = 128  # characters, podcast:funding
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPES = (  # suffix, MIME type, rel
    ("vtt", "text/vtt", None),
    ("srt", "application/x-subrip", "captions"),
    ("json", "application/json", None),
)
EXTENSION = "podcastindex"  # feedgen's own "podcast" extension is iTunes: not that name

# Characters XML 1.0 cannot hold, and other control characters: dropped from all text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class FeedResult:
    """A rendered feed and what the host should know about it."""

    xml: bytes
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShortVersion:
    """One item of the shorts feed: the short cut of an episode, published as short.mp3."""

    episode: Episode
    audio: PublishedAudio
    text: str = ""  # the short text; empty: the episode's summary


# --- identity ----------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Drop control characters (and anything else XML 1.0 cannot carry) from text."""
    return _CONTROL.sub("", text)


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


# --- chapters ----------------------------------------------------------------------------


def timed_chapters(episode: Episode) -> list[tuple[float, str]]:
    """(start, title) of the chapters that have a start, ascending, the first at 0.

    A first chapter within a second of the start is moved to 0; one later than that gets an
    "Intro" chapter at 0 before it (design.md §1).
    """
    timed = sorted(
        (
            (max(0.0, float(c.start)), clean_text(c.title).strip())
            for c in episode.chapters
            if c.start is not None
        ),
        key=lambda chapter: chapter[0],
    )
    if timed and timed[0][0] > 0:
        if timed[0][0] < 1.0:
            timed[0] = (0.0, timed[0][1])
        else:
            timed.insert(0, (0.0, "Intro"))
    return timed


def _seconds(value: float) -> int | float:
    value = round(value, 3)
    return int(value) if value == int(value) else value


def chapter_json(episode: Episode) -> str | None:
    """Podcasting 2.0 JSON chapters of the episode, or None when no chapter has a start."""
    timed = timed_chapters(episode)
    if not timed:
        return None
    chapters = [{"startTime": _seconds(start), "title": title} for start, title in timed]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, ensure_ascii=False, indent=2)


def _clock(seconds: float, hours: bool) -> str:
    """``MM:SS``, or ``H:MM:SS`` for long episodes: how show notes write chapter starts."""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if hours else f"{h * 60 + m:02d}:{s:02d}"


def _npt(seconds: float) -> str:
    """Normal play time as Podlove Simple Chapters write it: ``HH:MM:SS.mmm``."""
    millis = round(seconds * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


# --- our feedgen extension ---------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    """One element the extension appends: a Clark-notation name, text, attributes, children."""

    name: str
    text: str | None = None
    attrib: tuple[tuple[str, str], ...] = ()
    children: tuple[Tag, ...] = ()

    def append_to(self, parent: etree._Element) -> None:
        element = etree.SubElement(parent, self.name, dict(self.attrib))
        element.text = self.text
        for child in self.children:
            child.append_to(element)


class ChannelExtension(BaseExtension):
    """feedgen extension for channel tags feedgen lacks: Podcasting 2.0 and true/false explicit."""

    def __init__(self) -> None:
        self.namespaces: dict[str, str] = {}
        self.tags: list[Tag] = []
        self.drop: tuple[str, ...] = ()  # channel elements feedgen writes that must not be there

    def extend_ns(self) -> dict[str, str]:
        return dict(self.namespaces)

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed[0]
        for name in self.drop:
            for element in channel.findall(name):
                channel.remove(element)
        for tag in self.tags:
            tag.append_to(channel)
        return feed

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        return feed


class ItemExtension(BaseEntryExtension):
    """feedgen extension for item tags: Podcasting 2.0, psc chapters, HTML descriptions."""

    def __init__(self) -> None:
        self.tags: list[Tag] = []
        self.html_description = False

    def extend_rss(self, item: etree._Element) -> etree._Element:
        description = item.find("description")
        text = description.text if description is not None else None
        # CDATA cannot hold "]]>"; escaped text is as valid there.
        if self.html_description and description is not None and text and "]]>" not in text:
            description.text = etree.CDATA(text)
        for tag in self.tags:
            tag.append_to(item)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        return entry


def _p(name: str) -> str:
    return f"{{{PODCAST_NS}}}{name}"


def _attrs(**values: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((k, clean_text(v)) for k, v in values.items() if v is not None)


# --- text --------------------------------------------------------------------------------


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    """Cut text to at most ``limit`` UTF-8 bytes on a character boundary, ending in "…"."""
    if _size(text) <= limit:
        return text
    room = limit - _size("…")
    return text.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip() + "…"


def _plain_description(text: str, where: str, warnings: list[str], what: str) -> str:
    if _size(text) > DESCRIPTION_LIMIT:
        warnings.append(
            f"{where}: the {what} is {_size(text)} bytes, over the {DESCRIPTION_LIMIT} that "
            f"podcast apps accept; the feed carries it cut short. Shorten it."
        )
        return _cut(text, DESCRIPTION_LIMIT)
    return text


def _html_description(text: str, lines: list[str], extra: str = "") -> tuple[str, bool]:
    """A paragraph of text, then lines (chapter starts), then extra HTML, within the limit.

    Returns the HTML and whether anything had to be cut. Chapter lines are dropped from the
    end only when they alone would fill most of the room; then the text is cut to fit.
    """
    cut = False
    listing = ""
    while lines:
        listing = "<p>" + "<br>".join(html.escape(line, quote=False) for line in lines) + "</p>"
        if _size(listing) + _size(extra) <= DESCRIPTION_LIMIT - 500:
            break
        lines, listing, cut = lines[:-1], "", True
    room = DESCRIPTION_LIMIT - _size(listing) - _size(extra)
    paragraph = f"<p>{html.escape(text, quote=False)}</p>" if text else ""
    budget = room - _size("<p></p>")
    while _size(paragraph) > room and budget > 0:
        cut = True
        paragraph = f"<p>{html.escape(_cut(text, budget), quote=False)}</p>"
        budget -= max(1, _size(paragraph) - room)
    if _size(paragraph) > room:
        paragraph = ""
    return paragraph + listing + extra, cut


def _link_targets(show: Show) -> dict[str, tuple[str, str]]:
    """Where ``[[slug]]`` links point: every published episode and issue, by absolute URL."""
    url = show.site.url
    targets = {e.slug: (clean_text(e.title), f"{url}episodes/{e.slug}/") for e in show.episodes}
    targets.update({i.slug: (clean_text(i.title), f"{url}issues/{i.slug}/") for i in show.issues})
    return targets


def _show_notes(body: str, targets: Mapping[str, tuple[str, str]]) -> str:
    return clean_text(markup.to_html(clean_text(body), targets))


# --- channel -----------------------------------------------------------------------------


def _persons(people: tuple[Person, ...], guest: bool = False) -> list[Tag]:
    tags = []
    for person in people:
        name = clean_text(person.name).strip()
        if not name:
            continue
        role = person.role if not guest or person.role != "host" else "guest"
        tags.append(
            Tag(
                _p("person"),
                name[:128],
                _attrs(role=role.lower(), href=person.href, img=person.img),
            )
        )
    return tags


def _site_hosts(site: Site) -> tuple[Person, ...]:
    return tuple(Person(name) for name in site.hosts)


def _newest(dates: list[datetime]) -> datetime | None:
    return max(dates) if dates else None


def _new_feed(
    site: Site,
    *,
    title: str,
    description: str,
    feed_url: str,
    artwork_url: str,
    guid: str,
    medium: str,
    itunes: bool,
    newest: datetime | None,
    warnings: list[str],
) -> FeedGenerator:
    """A feed with every channel tag set; items are added by the caller."""
    fg = FeedGenerator()
    if itunes:
        fg.load_extension("podcast", atom=False, rss=True)
    fg.register_extension(EXTENSION, ChannelExtension, ItemExtension, atom=False, rss=True)
    ext: ChannelExtension = getattr(fg, EXTENSION)
    ext.namespaces = {"podcast": PODCAST_NS}
    if itunes:
        ext.namespaces["psc"] = PSC_NS

    title = clean_text(title).strip() or clean_text(site.url)
    fg.title(title)
    # RSS <link> comes from the last link() call: the self link first, the website last.
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=site.url, rel="alternate")
    description = clean_text(description).strip() or title
    fg.description(_plain_description(description, "site.toml", warnings, "description"))
    fg.language(clean_text(site.language))
    fg.generator("showfolder-pipeline")
    fg.image(url=artwork_url, title=title, link=site.url)
    if newest is not None:
        fg.lastBuildDate(newest)
        fg.pubDate(newest)
    else:
        ext.drop = ("lastBuildDate",)  # an empty feed has no date from content

    tags: list[Tag] = []
    if itunes:
        podcast = fg.podcast  # feedgen's iTunes extension
        podcast.itunes_author(clean_text(site.author))
        podcast.itunes_owner(name=clean_text(site.author), email=clean_text(site.email))
        podcast.itunes_type("serial" if site.serial else "episodic")
        for category in site.categories:
            parent, _, sub = (part.strip() for part in clean_text(category).partition("/"))
            podcast.itunes_category({"cat": parent, "sub": sub} if sub else {"cat": parent})
        if artwork_url.endswith((".jpg", ".png")):
            podcast.itunes_image(artwork_url)
        else:
            warnings.append(
                f"site.toml: the artwork URL {artwork_url} does not end in .jpg or .png, so "
                f"podcast apps ignore it; publish the artwork as .jpg or .png"
            )
        tags.append(Tag(f"{{{ITUNES_NS}}}explicit", "true" if site.explicit else "false"))
    tags.append(Tag(_p("guid"), guid))
    tags.append(Tag(_p("medium"), medium))
    if itunes:
        tags.append(Tag(_p("locked"), "yes" if site.locked else "no", _attrs(owner=site.email)))
        if site.funding_url:
            label = clean_text(site.funding_label or "Support the show").strip()
            if len(label) > FUNDING_LABEL_LIMIT:
                warnings.append(
                    f"site.toml: funding_label is {len(label)} characters, over the "
                    f"{FUNDING_LABEL_LIMIT} of podcast:funding; the feed carries it cut short. "
                    f"Shorten it."
                )
                label = label[: FUNDING_LABEL_LIMIT - 1] + "…"
            tags.append(Tag(_p("funding"), label, _attrs(url=site.funding_url)))
        tags.extend(_persons(_site_hosts(site)))
    if site.license:
        tags.append(Tag(_p("license"), clean_text(site.license)))
    ext.tags = tags
    return fg


def _add_item(fg: FeedGenerator) -> tuple[FeedEntry, ItemExtension]:
    entry = fg.add_entry(order="append")
    return entry, getattr(entry, EXTENSION)


def _audio_item(
    fg: FeedGenerator,
    site: Site,
    episode: Episode,
    *,
    guid: str,
    audio: PublishedAudio,
    audio_url: str,
    description: str,
    show_notes: str,
    chapters: list[tuple[float, str]],
    transcripts: bool,
    number: bool,
) -> None:
    """One item with an enclosure: an episode, or the short version of one."""
    slug = episode.slug
    base = f"{site.url}episodes/{slug}/"
    entry, ext = _add_item(fg)
    entry.title(clean_text(episode.title).strip() or slug)
    entry.link(href=base)
    entry.guid(guid, permalink=False)
    entry.pubDate(episode.date)
    entry.description(description)
    ext.html_description = True
    if show_notes:
        entry.content(show_notes, type=None if "]]>" in show_notes else "CDATA")
    entry.enclosure(audio_url, str(audio.size), audio.mime_type)
    podcast = entry.podcast  # feedgen's iTunes entry extension
    podcast.itunes_duration(str(round(audio.duration)))
    podcast.itunes_episode_type(episode.type)
    if number and episode.season is not None:
        podcast.itunes_season(episode.season)
    if number and episode.number is not None:
        podcast.itunes_episode(episode.number)
    if episode.cover is not None:
        suffix = episode.cover.suffix.lower()
        if suffix in (".jpg", ".png"):
            podcast.itunes_image(f"{base}cover{suffix}")

    tags = [Tag(f"{{{ITUNES_NS}}}explicit", "true" if episode.explicit else "false")]
    if transcripts and episode.transcript is not None:
        language = clean_text(episode.transcript.language or site.language)
        for suffix, mime, rel in TRANSCRIPT_TYPES:
            url = f"{base}transcript.{suffix}"
            tags.append(
                Tag(_p("transcript"), None, _attrs(url=url, type=mime, language=language, rel=rel))
            )
    if chapters:
        tags.append(
            Tag(_p("chapters"), None, _attrs(url=f"{base}chapters.json", type=CHAPTERS_TYPE))
        )
    if number and episode.season is not None:
        tags.append(Tag(_p("season"), str(episode.season)))
    if number and episode.number is not None:
        tags.append(Tag(_p("episode"), str(episode.number)))
    if episode.guests:
        # Item persons replace the channel's: repeat the hosts on items that list guests.
        tags.extend(_persons(episode.hosts or _site_hosts(site)))
        tags.extend(_persons(episode.guests, guest=True))
    if chapters:
        psc = tuple(
            Tag(f"{{{PSC_NS}}}chapter", None, _attrs(start=_npt(start), title=title))
            for start, title in chapters
        )
        tags.append(Tag(f"{{{PSC_NS}}}chapters", None, (("version", "1.2"),), psc))
    ext.tags = tags


def _rss(fg: FeedGenerator) -> bytes:
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


# --- the three feeds ---------------------------------------------------------------------


def _guid_warning(site: Site) -> list[str]:
    if site.guid and site.guid.strip():
        return []
    return [
        f"site.toml: guid is not set, so the show's podcast:guid is derived from the feed URL "
        f'and changes if the feed ever moves; add guid = "{show_guid(site)}" to site.toml'
    ]


def _artwork_warning(site: Site) -> list[str]:
    if site.image:
        return []
    return [
        "site.toml: no image is set, so generated artwork (the title on a plain square) is "
        'published; add image = "artwork.jpg" (square, 1400–3000 px, RGB JPEG or PNG)'
    ]


def _first_paragraph(markdown: str, targets: Mapping[str, tuple[str, str]]) -> str:
    for block in clean_text(markdown).split("\n\n"):
        if block.strip() and not block.lstrip().startswith("#"):
            return markup.to_plain(block, targets)
    return ""


def _summary(episode: Episode, targets: Mapping[str, tuple[str, str]]) -> str:
    """The episode in one paragraph: its summary, else the outline's first paragraph."""
    text = clean_text(episode.summary).strip() or _first_paragraph(episode.body, targets)
    return " ".join(text.split())


def podcast_feed(show: Show, artwork_url: str) -> FeedResult:
    """``podcast.xml``: every published episode with audio, newest first."""
    site = show.site
    warnings = _guid_warning(site) + _artwork_warning(site)
    published = sorted(
        ((e, e.audio) for e in show.episodes if e.audio is not None),
        key=lambda pair: (pair[0].date, pair[0].slug),
        reverse=True,
    )
    fg = _new_feed(
        site,
        title=site.title,
        description=site.description,
        feed_url=site.url + "podcast.xml",
        artwork_url=artwork_url,
        guid=show_guid(site),
        medium="podcast",
        itunes=True,
        newest=_newest([e.date for e, _audio in published]),
        warnings=warnings,
    )
    targets = _link_targets(show)
    for episode, audio in published:
        chapters = timed_chapters(episode)
        duration = max([audio.duration, *(start for start, _ in chapters)])
        lines = [f"{_clock(start, duration >= 3600)} {title}" for start, title in chapters]
        summary = _summary(episode, targets) or ("" if lines else clean_text(episode.title))
        description, cut = _html_description(summary, lines)
        if cut:
            warnings.append(
                f"{episode.outline_path}: the feed description (summary and chapter list) is "
                f"over the {DESCRIPTION_LIMIT} bytes podcast apps accept and was cut short; "
                f"shorten the summary (the full show notes stay in content:encoded)"
            )
        _audio_item(
            fg,
            site,
            episode,
            guid=episode_guid(episode, site),
            audio=audio,
            audio_url=f"{site.url}episodes/{episode.slug}/{episode.slug}.mp3",
            description=description,
            show_notes=_show_notes(episode.body, targets),
            chapters=chapters,
            transcripts=True,
            number=True,
        )
        if episode.cover is not None and episode.cover.suffix.lower() not in (".jpg", ".png"):
            warnings.append(
                f"{episode.cover}: episode artwork must be named .jpg or .png for podcast apps; "
                f"rename it to cover.jpg or cover.png"
            )
    return FeedResult(_rss(fg), tuple(warnings))


def shorts_feed(show: Show, artwork_url: str, shorts: tuple[ShortVersion, ...] = ()) -> FeedResult:
    """``shorts.xml``: the short versions as a podcast of their own, linking to the episodes."""
    site = show.site
    warnings: list[str] = []
    shorts = tuple(sorted(shorts, key=lambda s: (s.episode.date, s.episode.slug), reverse=True))
    fg = _new_feed(
        site,
        title=f"{site.title} (shorts)",
        description=f"The short versions of {site.title}. {site.description}",
        feed_url=site.url + "shorts.xml",
        artwork_url=artwork_url,
        guid=shorts_guid(site),
        medium="podcast",
        itunes=True,
        newest=_newest([s.episode.date for s in shorts]),
        warnings=warnings,
    )
    targets = _link_targets(show)
    for short in shorts:
        episode = short.episode
        page = f"{site.url}episodes/{episode.slug}/"
        title = clean_text(episode.title).strip() or episode.slug
        back = (
            f'<p>Full episode: <a href="{html.escape(page)}">'
            f"{html.escape(title, quote=False)}</a></p>"
        )
        text = " ".join(clean_text(short.text).split()) or _summary(episode, targets)
        description, cut = _html_description(text, [], back)
        if cut:
            warnings.append(
                f"{episode.outline_path}: the short version's description is over the "
                f"{DESCRIPTION_LIMIT} bytes podcast apps accept and was cut short; shorten it"
            )
        _audio_item(
            fg,
            site,
            episode,
            guid=short_guid(episode, site),
            audio=short.audio,
            audio_url=f"{page}short.mp3",
            description=description,
            show_notes="",
            chapters=[],
            transcripts=False,
            number=True,
        )
    return FeedResult(_rss(fg), tuple(warnings))


def newsletter_feed(show: Show, artwork_url: str) -> FeedResult:
    """``newsletter.xml``: the newsletter issues with their full content, no enclosures."""
    site = show.site
    warnings: list[str] = []
    issues = sorted(show.issues, key=lambda i: (i.date, i.slug), reverse=True)
    fg = _new_feed(
        site,
        title=site.newsletter.title or site.title,
        description=site.newsletter.description or site.description,
        feed_url=site.url + "newsletter.xml",
        artwork_url=artwork_url,
        guid=newsletter_guid(site),
        medium="newsletter",
        itunes=False,
        newest=_newest([i.date for i in issues]),
        warnings=warnings,
    )
    targets = _link_targets(show)
    for issue in issues:
        entry, _ext = _add_item(fg)
        entry.title(clean_text(issue.title).strip() or issue.slug)
        entry.link(href=f"{site.url}issues/{issue.slug}/")
        entry.guid(issue_guid(issue, site), permalink=False)
        entry.pubDate(issue.date)
        body = _show_notes(issue.body, targets)
        first = _first_paragraph(issue.body, targets)
        text = " ".join((clean_text(issue.preheader).strip() or first).split())
        text = _plain_description(text or entry.title(), str(issue.path), warnings, "description")
        # An RSS description is HTML to every reader: the plain text is escaped for it.
        entry.description(html.escape(text, quote=False))
        if body:
            entry.content(body, type=None if "]]>" in body else "CDATA")
    return FeedResult(_rss(fg), tuple(warnings))
