"""Item rules: each item's text, dates, enclosure and audio file, itunes tags, numbers,
transcripts, persons and soundbites, in the order the checks report them."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import mutagen
from lxml import etree

from pipeline.check.channel import check_image, check_person
from pipeline.check.chapters import check_chapters_tags, check_psc
from pipeline.check.feed import (
    Feed,
    absolute_url,
    byte_size,
    itunes_tag,
    podcast_tag,
    positive_int,
    rfc2822_date,
    text_of,
)
from pipeline.check.guids import check_item_guid
from pipeline.check.rules import (
    DESCRIPTION_LIMIT,
    DURATION_TOLERANCE,
    ENCLOSURE_TYPES,
    TRANSCRIPT_TYPES,
)

_EPISODE_PREFIX = re.compile(r"^\s*(?:episode|ep\.?|#)\s*\d+\s*[:.\-–—|]", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


def check_items(feed: Feed, channel: etree._Element) -> None:
    """Every item of the channel, each labelled by its title, guid or position."""
    serial = text_of(channel.find(itunes_tag("type"))) == "serial"
    seen_guids: dict[str, str] = {}
    seen_urls: dict[str, str] = {}
    for index, item in enumerate(channel.findall("item"), start=1):
        title = text_of(item.find("title"))
        guid = text_of(item.find("guid"))
        label = title or guid or f"#{index}"
        _check_item_text(feed, label, item, title)
        check_item_guid(feed, label, item, guid, seen_guids)
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


def _check_item_text(feed: Feed, label: str, item: etree._Element, title: str) -> None:
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
    if not text_of(description):
        feed.report(
            "item-description",
            label,
            "has no <description>",
            "write a summary: in the front matter (or a first paragraph in the outline)",
        )
    elif byte_size(description.text or "") > DESCRIPTION_LIMIT:
        feed.report(
            "description-size",
            label,
            f"<description> is {byte_size(description.text or '')} bytes, over {DESCRIPTION_LIMIT}",
            "shorten summary: in the front matter and rebuild",
        )
    if not text_of(item.find("link")):
        feed.report(
            "item-link", label, "has no <link> to its page", "rebuild with `pipeline build`"
        )
    published = text_of(item.find("pubDate"))
    if not published:
        feed.report("pubdate-missing", label, "has no <pubDate>", "set date: in the front matter")
    elif not rfc2822_date(published):
        feed.report(
            "date-format",
            label,
            f"<pubDate> {published!r} is not an RFC 2822 date",
            'write dates like "Wed, 07 Aug 2024 09:00:00 +0000" (rebuild the feed)',
        )


def _check_enclosure(
    feed: Feed, label: str, item: etree._Element, seen: dict[str, str]
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
    if not absolute_url(url) or not length.isdigit() or int(length) <= 0:
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


def _check_item_itunes(feed: Feed, label: str, item: etree._Element, serial: bool) -> None:
    explicit = item.find(itunes_tag("explicit"))
    if explicit is not None and text_of(explicit) not in ("true", "false"):
        feed.report(
            "explicit",
            label,
            f"itunes:explicit is {text_of(explicit)!r}; Apple accepts true or false",
            "set explicit: true or false in the front matter",
        )
    kind = text_of(item.find(itunes_tag("episodeType"))) or "full"
    if kind not in ("full", "trailer", "bonus"):
        feed.report(
            "episode-type",
            label,
            f"itunes:episodeType is {kind!r}",
            "set type: full, trailer or bonus in the front matter",
        )
    if serial and kind == "full" and item.find(itunes_tag("episode")) is None:
        feed.report(
            "serial-number",
            label,
            "is a full episode of a serial show without an episode number",
            "set number: (and season:) in the episode's front matter",
        )
    image = item.find(itunes_tag("image"))
    if image is not None:
        check_image(feed, label, image.get("href") or "")
    duration = item.find(itunes_tag("duration"))
    if duration is None or _duration_seconds(text_of(duration)) is None:
        feed.report(
            "duration-format",
            label,
            f"itunes:duration is {text_of(duration) or 'missing'!r}",
            "write the duration in whole seconds (rebuild with `pipeline build`)",
        )
    elif not text_of(duration).isdigit():
        feed.report(
            "duration-format",
            label,
            f"itunes:duration {text_of(duration)!r} is not whole seconds",
            "write the duration in whole seconds, e.g. 3725 (rebuild with `pipeline build`)",
        )


def _check_item_podcast(
    feed: Feed, label: str, item: etree._Element, file_duration: float | None
) -> None:
    duration = _duration_seconds(text_of(item.find(itunes_tag("duration"))))
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
    for tag in (
        itunes_tag("episode"),
        itunes_tag("season"),
        podcast_tag("episode"),
        podcast_tag("season"),
    ):
        for element in item.findall(tag):
            if not positive_int(text_of(element)):
                feed.report(
                    "numbers",
                    label,
                    f"{etree.QName(tag).localname} {text_of(element)!r} is not a positive integer",
                    "set number: and season: to whole numbers from 1 in the front matter",
                )
    for transcript in item.findall(podcast_tag("transcript")):
        url, kind = transcript.get("url") or "", transcript.get("type") or ""
        path = feed.local(url) if absolute_url(url) else None
        if kind not in TRANSCRIPT_TYPES or not absolute_url(url) or (path and not path.is_file()):
            feed.report(
                "transcript",
                label,
                f"podcast:transcript url={url!r} type={kind!r}"
                + (" points at a file that is not in the output" if path else ""),
                "use text/vtt, application/x-subrip or application/json with an absolute URL "
                "of a published file; rebuild with `pipeline build`",
            )
    check_chapters_tags(feed, label, item, length)
    persons = item.findall(podcast_tag("person"))
    for person in persons:
        check_person(feed, label, person)
    roles = {(person.get("role") or "host").lower() for person in persons}
    if "guest" in roles and not roles & {"host", "co-host"}:
        feed.report(
            "person-hosts",
            label,
            "lists guests but no host; item persons replace the show's, so the hosts vanish",
            "list the hosts too (hosts: in the front matter, or hosts in site.toml)",
        )
    for bite in item.findall(podcast_tag("soundbite")):
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
    check_psc(feed, label, item)
