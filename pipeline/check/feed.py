"""The feed being checked (where its problems go, how its URLs map to output files, how it
is parsed) and the readers of tags, text, URLs and dates that every rule uses."""

from __future__ import annotations

import email.utils
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.check.rules import RULES
from pipeline.errors import Problem
from pipeline.model import Site

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

_RFC2822 = re.compile(
    r"^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UT|[ECMP][SD]T|[A-IK-Z])$"
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def podcast_tag(name: str) -> str:
    """A tag of the podcast namespace, as lxml names it."""
    return f"{{{PODCAST_NS}}}{name}"


def itunes_tag(name: str) -> str:
    """A tag of the itunes namespace, as lxml names it."""
    return f"{{{ITUNES_NS}}}{name}"


def text_of(element: etree._Element | None) -> str:
    """An element's text, stripped; empty when the element is missing."""
    return (element.text or "").strip() if element is not None else ""


def absolute_url(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def byte_size(text: str) -> int:
    return len(text.encode("utf-8"))


def rfc2822_date(text: str) -> bool:
    match = _RFC2822.match(text.strip())
    if not match:
        return False
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return False
    return not match.group(1) or _WEEKDAYS[when.weekday()] == match.group(1)


def positive_int(text: str) -> bool:
    return text.isdigit() and int(text) > 0


@dataclass
class Feed:
    """The feed being checked: where problems go and how URLs map to files in the output."""

    name: str
    path: Path
    out: Path
    site: Site
    problems: list[Problem]
    podcast: bool = True  # itunes rules apply (podcast:medium is not newsletter)
    guids: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (guid, label)
    skip: frozenset[str] = frozenset()  # rules reported elsewhere already

    def report(self, rule: str, item: str | None, what: str, fix: str) -> None:
        if rule in self.skip:
            return
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


def parse_feed(feed: Feed) -> tuple[etree._Element, list[tuple[str, str]]] | None:
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
