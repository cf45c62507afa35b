"""The text of feeds: descriptions within the bytes apps accept, show notes and summaries."""

from __future__ import annotations

import html
from collections.abc import Mapping

from pipeline import markup
from pipeline.formats.text import clean_text
from pipeline.formats.times import clock
from pipeline.model import Episode, ShortVersion

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


def text_description(text: str, where: str, warnings: list[str], what: str) -> str:
    """Plain text as the HTML of an RSS description (channel or item): escaped, so that
    readers, which take a description for HTML, show ``<b>`` as text; within
    DESCRIPTION_LIMIT, and cutting it adds a warning about ``where``.

    The XML writer escapes the result once more: ``<`` is ``&amp;lt;`` in the feed.
    """
    escaped = html.escape(text, quote=False)
    if _size(escaped) <= DESCRIPTION_LIMIT:
        return escaped
    warnings.append(
        f"{where}: the {what} is {_size(escaped)} bytes, over the {DESCRIPTION_LIMIT} that "
        f"podcast apps accept; the feed carries it cut short. Shorten it."
    )
    budget = DESCRIPTION_LIMIT
    while True:  # cut the text, not its escaped form, so no entity is cut in half
        escaped = html.escape(cut(text, budget), quote=False)
        if _size(escaped) <= DESCRIPTION_LIMIT:
            return escaped
        budget -= _size(escaped) - DESCRIPTION_LIMIT


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


EXCERPTS_ROOM = 2500  # bytes of an item description the list of a short version's parts fills


def edited_excerpt(episode: Episode, short: ShortVersion, page: str) -> str:
    """HTML that says the short version is an edited excerpt, and lists its parts, each
    linked to the moment of the full episode it comes from; as many as fit in
    ``EXCERPTS_ROOM`` bytes, then how many more the episode page lists."""
    title = html.escape(clean_text(episode.title).strip() or episode.slug, quote=False)
    chosen = "chosen by the hosts" if short.by_host else "chosen from the transcript"
    full = clock(episode.audio.duration) if episode.audio else ""
    count = len(short.excerpts)
    parts: list[str] = []
    for e in short.excerpts:
        part = (
            f'<li><a href="{html.escape(page)}#t={e.start:g}">{clock(e.start)}</a>: '
            f"{html.escape(_said(e.text), quote=False)}</li>"
        )
        if _size("".join(parts) + part) > EXCERPTS_ROOM:
            more = count - len(parts)
            parts.append(
                f'<li>and {more} more, listed on <a href="{html.escape(page)}#short">the '
                "episode page</a></li>"
            )
            break
        parts.append(part)
    return (
        f"<p>An edited excerpt of the full episode ({full}), {chosen}: "
        f"{count} part{'s' if count != 1 else ''} of it, in order.</p><ol>{''.join(parts)}</ol>"
        f'<p>Full episode: <a href="{html.escape(page)}">{title}</a></p>'
    )


def _said(text: str, limit: int = 90) -> str:
    text = " ".join(clean_text(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
