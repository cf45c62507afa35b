"""Our feedgen extension for the tags feedgen lacks: Podcasting 2.0, psc chapters, explicit."""

from __future__ import annotations

from dataclasses import dataclass

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from pipeline.formats.text import clean_text
from pipeline.model import Person

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PSC_NS = "http://podlove.org/simple-chapters"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"

EXTENSION = "podcastindex"  # feedgen's own "podcast" extension is iTunes: not that name
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPES = (  # suffix, MIME type, rel
    ("vtt", "text/vtt", None),
    ("srt", "application/x-subrip", "captions"),
    ("json", "application/json", None),
)


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


def podcast_name(name: str) -> str:
    """The Clark-notation name of a Podcasting 2.0 element."""
    return f"{{{PODCAST_NS}}}{name}"


def itunes_name(name: str) -> str:
    """The Clark-notation name of an iTunes element."""
    return f"{{{ITUNES_NS}}}{name}"


def psc_name(name: str) -> str:
    """The Clark-notation name of a Podlove Simple Chapters element."""
    return f"{{{PSC_NS}}}{name}"


def attrs(**values: str | None) -> tuple[tuple[str, str], ...]:
    """Attributes for a Tag, in the order given: those that are None left out, text cleaned."""
    return tuple((k, clean_text(v)) for k, v in values.items() if v is not None)


def persons(people: tuple[Person, ...], guest: bool = False) -> list[Tag]:
    """``podcast:person`` tags; with ``guest``, hosts among the people are named as guests."""
    tags = []
    for person in people:
        name = clean_text(person.name).strip()
        if not name:
            continue
        role = person.role if not guest or person.role != "host" else "guest"
        tags.append(
            Tag(
                podcast_name("person"),
                name[:128],
                attrs(role=role.lower(), href=person.href, img=person.img),
            )
        )
    return tags
