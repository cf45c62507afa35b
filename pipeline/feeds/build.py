"""The podcast, shorts and newsletter feeds, built with feedgen and our Podcasting 2.0 extension."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import datetime

from feedgen.feed import FeedEntry, FeedGenerator

from pipeline.feeds.descriptions import (
    DESCRIPTION_LIMIT,
    edited_excerpt,
    first_paragraph,
    html_description,
    show_notes,
    summary,
    text_description,
)
from pipeline.feeds.guids import (
    episode_guid,
    issue_guid,
    newsletter_guid,
    short_guid,
    shorts_guid,
    show_guid,
)
from pipeline.feeds.podcasting import (
    CHAPTERS_TYPE,
    EXTENSION,
    PODCAST_NS,
    PSC_NS,
    TRANSCRIPT_TYPES,
    ChannelExtension,
    ItemExtension,
    Tag,
    attrs,
    itunes_name,
    persons,
    podcast_name,
    psc_name,
)
from pipeline.formats.chapters import (
    PSC_VERSION,
    TimedChapter,
    description_lines,
    psc_chapters,
    timed_chapters,
)
from pipeline.formats.text import clean_text
from pipeline.formats.times import duration_seconds
from pipeline.markup import link_targets
from pipeline.model import (
    Episode,
    Person,
    PublishedAudio,
    Show,
    Site,
    Soundbite,
    Transcript,
)

FUNDING_LABEL_LIMIT = 128  # characters, podcast:funding


@dataclass(frozen=True)
class FeedResult:
    """A rendered feed and what the host should know about it."""

    xml: bytes
    warnings: tuple[str, ...] = ()


# --- channel -----------------------------------------------------------------------------


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
    # An RSS description is HTML to every reader, the channel's too: the plain text is
    # escaped for it (iTunes' summary and subtitle, were they set, are plain text).
    fg.description(text_description(description, "site.toml", warnings, "description"))
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
        tags.append(Tag(itunes_name("explicit"), "true" if site.explicit else "false"))
    tags.append(Tag(podcast_name("guid"), guid))
    tags.append(Tag(podcast_name("medium"), medium))
    if itunes:
        tags.append(
            Tag(podcast_name("locked"), "yes" if site.locked else "no", attrs(owner=site.email))
        )
        if site.funding_url:
            label = clean_text(site.funding_label or "Support the show").strip()
            if len(label) > FUNDING_LABEL_LIMIT:
                warnings.append(
                    f"site.toml: funding_label is {len(label)} characters, over the "
                    f"{FUNDING_LABEL_LIMIT} of podcast:funding; the feed carries it cut short. "
                    f"Shorten it."
                )
                label = label[: FUNDING_LABEL_LIMIT - 1] + "…"
            tags.append(Tag(podcast_name("funding"), label, attrs(url=site.funding_url)))
        tags.extend(persons(_site_hosts(site)))
    if site.license:
        tags.append(Tag(podcast_name("license"), clean_text(site.license)))
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
    notes: str,
    chapters: list[TimedChapter],
    transcript: Transcript | None,
    number: bool,
    files: str = "",
    soundbites: tuple[Soundbite, ...] = (),
) -> None:
    """One item with an enclosure: an episode, or the short version of one.

    Its transcript and chapter files are ``<files>transcript.vtt`` and so on in the
    episode's folder (``files`` is "short." for the short version's).
    """
    slug = episode.slug
    base = f"{site.url}episodes/{slug}/"
    entry, ext = _add_item(fg)
    entry.title(clean_text(episode.title).strip() or slug)
    entry.link(href=base)
    entry.guid(guid, permalink=False)
    entry.pubDate(episode.date)
    entry.description(description)
    ext.html_description = True
    if notes:
        entry.content(notes, type=None if "]]>" in notes else "CDATA")
    entry.enclosure(audio_url, str(audio.size), audio.mime_type)
    podcast = entry.podcast  # feedgen's iTunes entry extension
    podcast.itunes_duration(duration_seconds(audio.duration))
    podcast.itunes_episode_type(episode.type)
    if number and episode.season is not None:
        podcast.itunes_season(episode.season)
    if number and episode.number is not None:
        podcast.itunes_episode(episode.number)
    if episode.cover is not None:
        suffix = episode.cover.suffix.lower()
        if suffix in (".jpg", ".png"):
            podcast.itunes_image(f"{base}cover{suffix}")

    tags = [Tag(itunes_name("explicit"), "true" if episode.explicit else "false")]
    if transcript is not None:
        language = clean_text(transcript.language or site.language)
        for suffix, mime, rel in TRANSCRIPT_TYPES:
            if files and suffix != "vtt":  # the short version has its WebVTT only
                continue
            url = f"{base}{files or 'transcript.'}{suffix}"
            tags.append(
                Tag(
                    podcast_name("transcript"),
                    None,
                    attrs(url=url, type=mime, language=language, rel=rel),
                )
            )
    if chapters:
        tags.append(
            Tag(
                podcast_name("chapters"),
                None,
                attrs(url=f"{base}{files}chapters.json", type=CHAPTERS_TYPE),
            )
        )
    for bite in soundbites:
        tags.append(
            Tag(
                podcast_name("soundbite"),
                clean_text(bite.title),
                attrs(startTime=f"{bite.start:.2f}", duration=f"{bite.duration:.2f}"),
            )
        )
    if number and episode.season is not None:
        tags.append(Tag(podcast_name("season"), str(episode.season)))
    if number and episode.number is not None:
        tags.append(Tag(podcast_name("episode"), str(episode.number)))
    if episode.guests:
        # Item persons replace the channel's: repeat the hosts on items that list guests.
        tags.extend(persons(episode.hosts or _site_hosts(site)))
        tags.extend(persons(episode.guests, guest=True))
    if chapters:
        marks = tuple(Tag(psc_name("chapter"), None, attrs(**a)) for a in psc_chapters(chapters))
        tags.append(Tag(psc_name("chapters"), None, (("version", PSC_VERSION),), marks))
    ext.tags = tags


def _rss(fg: FeedGenerator) -> bytes:
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _guid_warning(site: Site) -> list[str]:
    if site.guid and site.guid.strip():
        return []
    return [
        f"site.toml: guid is not set, so the show's podcast:guid is derived from the feed URL "
        f'and changes if the feed ever moves; add guid = "{show_guid(site)}" to site.toml'
    ]


def podcast_feed(show: Show, artwork_url: str) -> FeedResult:
    """``podcast.xml``: every published episode with audio, newest first."""
    site = show.site
    warnings = _guid_warning(site)
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
    targets = link_targets(show)
    for episode, audio in published:
        chapters = timed_chapters(episode, f"{site.url}episodes/{episode.slug}/")
        lines = description_lines(chapters, audio.duration)
        text = summary(episode, targets) or ("" if lines else clean_text(episode.title))
        description, cut = html_description(text, lines)
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
            notes=show_notes(episode.body, targets),
            chapters=chapters,
            transcript=episode.transcript,
            number=True,
            soundbites=episode.short.soundbites if episode.short else (),
        )
        if episode.cover is not None and episode.cover.suffix.lower() not in (".jpg", ".png"):
            warnings.append(
                f"{episode.cover}: episode artwork must be named .jpg or .png for podcast apps; "
                f"rename it to cover.jpg or cover.png"
            )
    return FeedResult(_rss(fg), tuple(warnings))


def shorts_feed(show: Show, artwork_url: str) -> FeedResult:
    """``shorts.xml``: the short versions that have audio, as a podcast of their own; each
    says it is an edited excerpt and where its parts come from in the full episode."""
    site = show.site
    warnings: list[str] = []
    shorts = sorted(
        ((e, e.short) for e in show.episodes if e.short is not None and e.short.audio is not None),
        key=lambda pair: (pair[0].date, pair[0].slug),
        reverse=True,
    )
    fg = _new_feed(
        site,
        title=f"{site.title} (shorts)",
        description=f"The short versions of {site.title}. {site.description}",
        feed_url=site.url + "shorts.xml",
        artwork_url=artwork_url,
        guid=shorts_guid(site),
        medium="podcast",
        itunes=True,
        newest=_newest([e.date for e, _short in shorts]),
        warnings=warnings,
    )
    targets = link_targets(show)
    for episode, short in shorts:
        assert short.audio is not None
        page = f"{site.url}episodes/{episode.slug}/"
        parts = edited_excerpt(episode, short, page)
        # As many whole key points as fit beside the list of parts (the page has them all).
        room = DESCRIPTION_LIMIT - len(parts.encode()) - 100
        points: list[str] = []
        for point in (clean_text(p) for p in short.key_points):
            if len(html.escape(" ".join([*points, point]), quote=False).encode()) <= room:
                points.append(point)
        description, _cut = html_description(
            " ".join(points) or summary(episode, targets), [], parts
        )
        _audio_item(
            fg,
            site,
            replace(episode, title=f"{episode.title} (short)"),
            guid=short_guid(episode, site),
            audio=short.audio,
            audio_url=f"{page}short.mp3",
            description=description,
            notes="",
            chapters=timed_chapters(episode, page, short.chapters),
            transcript=short.transcript,
            number=True,
            files="short.",
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
    targets = link_targets(show)
    for issue in issues:
        entry, _ext = _add_item(fg)
        entry.title(clean_text(issue.title).strip() or issue.slug)
        entry.link(href=f"{site.url}issues/{issue.slug}/")
        entry.guid(issue_guid(issue, site), permalink=False)
        entry.pubDate(issue.date)
        body = show_notes(issue.body, targets)
        first = first_paragraph(issue.body, targets)
        text = " ".join((clean_text(issue.preheader).strip() or first).split())
        # An RSS description is HTML to every reader: the plain text is escaped for it.
        text = text_description(text or entry.title(), str(issue.path), warnings, "description")
        entry.description(text)
        if body:
            entry.content(body, type=None if "]]>" in body else "CDATA")
    return FeedResult(_rss(fg), tuple(warnings))
