"""Markdown from hosts into sanitised HTML, with ``[[slug]]`` links resolved to absolute URLs."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.formats.text import clean_text
from pipeline.model import Show

Targets = Mapping[str, tuple[str, str]]  # slug: (title, URL of its page)

WIKI_LINK = re.compile(r"\[\[([^\[\]|]+?)(?:\|([^\[\]]+))?\]\]")

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}


def chapter_headings(text: str) -> list[tuple[int, int, str]]:
    """The top-level ``## `` (ATX) headings of text, as (first line, end line, heading text).

    Lines count from 0 and the end is exclusive, as markdown-it's ``map``. A ``## `` line in a
    fenced or indented code block, an HTML block, a quote or a list is no heading here, and
    neither is a setext heading (text underlined with ``---``).
    """
    tokens = _md.parse(text)
    headings: list[tuple[int, int, str]] = []
    for token, inline in itertools.pairwise(tokens):
        if token.type == "heading_open" and token.level == 0 and token.markup == "##":
            start, end = token.map or (0, 0)
            headings.append((start, end, inline.content.strip()))
    return headings


def wiki_links(text: str) -> list[str]:
    """The slugs that ``[[slug]]`` links in text point to, in order of appearance."""
    return [slug for slug, _line in wiki_links_by_line(text)]


def wiki_links_by_line(text: str) -> list[tuple[str, int]]:
    """Each ``[[slug]]`` link's slug and the line of ``text`` it is on (the first is 0)."""
    return [(m.group(1).strip(), text.count("\n", 0, m.start())) for m in WIKI_LINK.finditer(text)]


def resolve_wiki_links(text: str, targets: Mapping[str, tuple[str, str]]) -> str:
    """Replace ``[[slug]]`` and ``[[slug|label]]`` with Markdown links.

    ``targets`` maps a slug to (title, absolute URL); an unknown slug is left as plain text.
    """

    def repl(m: re.Match[str]) -> str:
        slug, label = m.group(1).strip(), m.group(2)
        if slug not in targets:
            return label or slug
        title, url = targets[slug]
        label = (label or title).replace("[", "\\[").replace("]", "\\]")
        return f"[{label}]({url})"

    return WIKI_LINK.sub(repl, text)


def link_targets(show: Show) -> dict[str, tuple[str, str]]:
    """Where ``[[slug]]`` links point: every published episode and issue, by absolute URL."""
    url = show.site.url
    targets = {e.slug: (clean_text(e.title), f"{url}episodes/{e.slug}/") for e in show.episodes}
    targets.update({i.slug: (clean_text(i.title), f"{url}issues/{i.slug}/") for i in show.issues})
    return targets


def image_sources(text: str) -> list[str]:
    """The address of every Markdown image (``![alt](src)``) in text, in order."""
    return [
        str(child.attrGet("src") or "")
        for token in _md.parse(text)
        for child in token.children or ()
        if child.type == "image"
    ]


def first_link(text: str, targets: Targets | None = None) -> str | None:
    """The first link of Markdown that leads to the web (``[[slug]]`` links included)."""
    for match in re.finditer(r'<a href="([^"]*)"', to_html(text, targets)):
        url = html.unescape(match.group(1))
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return None


def to_html(
    text: str,
    targets: Targets | None = None,
    images: Mapping[str, str] | None = None,
) -> str:
    """Render host Markdown to HTML that is safe to embed: scripts, styles and handlers go.

    ``images`` maps an image's address as written to where it is published; with it, an
    image of the folder that is not published shows its alt text.
    """
    tokens = _md.parse(resolve_wiki_links(text, targets or {}))
    if images is not None:
        for token in tokens:
            if token.children:
                token.children = [_published_image(c, images) for c in token.children]
    html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    ).strip()


def _published_image(token: Token, images: Mapping[str, str]) -> Token:
    if token.type != "image":
        return token
    src = str(token.attrGet("src") or "")
    if src in images:
        token.attrSet("src", images[src])
        return token
    if urlsplit(src).scheme or src.startswith("//"):
        return token
    alt = Token("text", "", 0)
    alt.content = token.content
    return alt


def to_plain(text: str, targets: Mapping[str, tuple[str, str]] | None = None) -> str:
    """Markdown to plain text for summaries and descriptions: tags stripped, entities decoded."""
    return html.unescape(nh3.clean(to_html(text, targets), tags=set())).strip()
