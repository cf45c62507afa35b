"""The text of feeds: descriptions within the bytes apps accept, show notes and summaries."""

from __future__ import annotations

import html
from collections.abc import Mapping

from pipeline import markup
from pipeline.formats.text import clean_text
from pipeline.model import Episode

DESCRIPTION_LIMIT = 4000  # bytes, Apple's limit for channel and item descriptions

Targets = Mapping[str, tuple[str, str]]  # slug: (title, URL) of each [[slug]] link target


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def cut(text: str, limit: int) -> str:
    """Cut text to at most ``limit`` UTF-8 bytes on a character boundary, ending in "…"."""
    if _size(text) <= limit:
        return text
    room = limit - _size("…")
    return text.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip() + "…"


def plain_description(text: str, where: str, warnings: list[str], what: str) -> str:
    """Plain text within DESCRIPTION_LIMIT; cutting it adds a warning about ``where``."""
    if _size(text) > DESCRIPTION_LIMIT:
        warnings.append(
            f"{where}: the {what} is {_size(text)} bytes, over the {DESCRIPTION_LIMIT} that "
            f"podcast apps accept; the feed carries it cut short. Shorten it."
        )
        return cut(text, DESCRIPTION_LIMIT)
    return text


def html_description(text: str, lines: list[str], extra: str = "") -> tuple[str, bool]:
    """A paragraph of text, then lines (chapter starts), then extra HTML, within the limit.

    Returns the HTML and whether anything had to be cut. Chapter lines are dropped from the
    end only when they alone would fill most of the room; then the text is cut to fit.
    """
    was_cut = False
    listing = ""
    while lines:
        listing = "<p>" + "<br>".join(html.escape(line, quote=False) for line in lines) + "</p>"
        if _size(listing) + _size(extra) <= DESCRIPTION_LIMIT - 500:
            break
        lines, listing, was_cut = lines[:-1], "", True
    room = DESCRIPTION_LIMIT - _size(listing) - _size(extra)
    paragraph = f"<p>{html.escape(text, quote=False)}</p>" if text else ""
    budget = room - _size("<p></p>")
    while _size(paragraph) > room and budget > 0:
        was_cut = True
        paragraph = f"<p>{html.escape(cut(text, budget), quote=False)}</p>"
        budget -= max(1, _size(paragraph) - room)
    if _size(paragraph) > room:
        paragraph = ""
    return paragraph + listing + extra, was_cut


def show_notes(body: str, targets: Targets) -> str:
    """The outline (or issue) body as HTML for ``content:encoded``."""
    return clean_text(markup.to_html(clean_text(body), targets))


def first_paragraph(markdown: str, targets: Targets) -> str:
    """The first paragraph of Markdown that is not a heading, as plain text."""
    for block in clean_text(markdown).split("\n\n"):
        if block.strip() and not block.lstrip().startswith("#"):
            return markup.to_plain(block, targets)
    return ""


def summary(episode: Episode, targets: Targets) -> str:
    """The episode in one paragraph: its summary, else the outline's first paragraph."""
    text = clean_text(episode.summary).strip() or first_paragraph(episode.body, targets)
    return " ".join(text.split())
