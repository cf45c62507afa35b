"""Markdown from hosts into sanitised HTML, with ``[[slug]]`` links resolved to absolute URLs."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt

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
    return [m.group(1).strip() for m in WIKI_LINK.finditer(text)]


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


def to_html(text: str, targets: Mapping[str, tuple[str, str]] | None = None) -> str:
    """Render host Markdown to HTML that is safe to embed: scripts, styles and handlers go."""
    html = _md.render(resolve_wiki_links(text, targets or {}))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    ).strip()


def to_plain(text: str, targets: Mapping[str, tuple[str, str]] | None = None) -> str:
    """Markdown to plain text for summaries and descriptions: tags stripped, entities decoded."""
    return html.unescape(nh3.clean(to_html(text, targets), tags=set())).strip()
