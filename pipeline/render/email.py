"""The newsletter email of each issue: its HTML (MJML, MRML, CSS inlined), its text and its MIME."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import css_inline

# MRML (the Rust port of MJML) under its own name on PyPI: `mrml.to_html` takes render
# options that turn the default Google Fonts off, and the package ships type hints;
# mjml-python wraps the same renderer without either.
import mrml
from jinja2 import Environment
from markupsafe import Markup

from pipeline import markup
from pipeline.check.email_html import email_image
from pipeline.errors import Problems
from pipeline.feeds.descriptions import first_paragraph
from pipeline.formats.text import clean_text
from pipeline.formats.times import clock
from pipeline.model import Episode, Issue, Output, Recipient, Show, Site
from pipeline.render import TemplateFailed, environment, issue_episodes, render_page
from pipeline.render.message import mailbox, mime_message, preview_recipient

EMAIL_FILES = ("email.html", "email.txt", "email.eml")
FONTS = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
CONTENT_WIDTH = 552  # px: the 600 px email less its 24 px margins
TEXT_SCHEMES = ("http", "https", "mailto")  # what a link of the text part may offer
PREHEADER_MAX = 140  # characters: inbox previews show at most about this many
SPACER = "\u200c\u00a0" * 90  # after the preheader, so no client fills the preview with body text
COLOR_SCHEME = (
    '<meta name="color-scheme" content="light">'
    '<meta name="supported-color-schemes" content="light">'
)
_INLINER = css_inline.CSSInliner(
    keep_style_tags=True,  # media queries and Outlook fixes cannot be inlined
    keep_at_rules=True,
    remove_inlined_selectors=True,  # what was inlined leaves the <style>
    load_remote_stylesheets=False,
)
_WEB_FONTS = re.compile(
    r"<link\b[^>]*fonts\.googleapis[^>]*>|@import\s+url\([^)]*\)\s*;?|<style[^>]*>\s*</style>",
    re.IGNORECASE,
)
_START_TAG = re.compile(r"<[a-zA-Z][^\s/>]*(?:\s+[^\s\"'=<>/]+(?:=\"[^\"]*\")?)*\s*/?>")
_BODY_URL = re.compile(r'(<(?:a|img)\b(?:[^>"]|"[^"]*")*?\s(?:href|src)=")([^"]*)(")')
_IMG = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>')
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_MD_LINK = re.compile(  # the address may hold balanced parentheses: (javascript:alert(1))
    r"(!?)\[((?:\\.|[^\]\\])*)\]\(\s*<?((?:[^()\s>]|\([^()\s>]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)"
)
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash escape of ASCII punctuation
_MD_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_HIDDEN_TEXT = re.compile(
    r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|</?[a-zA-Z][^>]*>", re.DOTALL | re.IGNORECASE
)


@dataclass(frozen=True)
class Card:
    """One episode of the issue as the email presents it: a linked card, never a player."""

    title: str
    date: datetime
    url: str  # the episode page
    transcript_url: str | None  # its transcript section; None without one
    artwork_url: str
    duration: str
    key_points: tuple[str, ...]


@dataclass(frozen=True)
class Email:
    """One rendered message: its subject, HTML, text, and the unsubscribe URL it carries."""

    subject: str
    html: str
    text: str
    unsubscribe: str | None  # None with Buttondown, which adds its own


def issue_outputs(
    show: Show, issue: Issue, env: Environment, problems: Problems | None = None
) -> list[Output]:
    """``issues/<slug>/email.html``, ``email.txt`` and ``email.eml`` for the preview recipient.

    Raises TemplateFailed naming the template (Jinja's or MRML's complaint).
    """
    recipient = preview_recipient(show.site)
    rendered = render_email(show, issue, recipient, env, problems=problems)
    message = mime_message(show.site, issue, recipient, rendered)
    base = f"issues/{issue.slug}/"
    return [
        Output(base + "email.html", rendered.html.encode(), owner=issue.slug),
        Output(base + "email.txt", rendered.text.encode(), owner=issue.slug),
        Output(base + "email.eml", bytes(message), owner=issue.slug),
    ]


def issue_message(
    show: Show,
    issue: Issue,
    recipient: Recipient,
    *,
    date: datetime | None = None,
    message_id: str | None = None,
    test: bool = False,
) -> EmailMessage:
    """The message of an issue for one recipient, from the same templates as the preview.

    ``date`` and ``message_id`` default to the preview's (derived from the issue); a real
    send passes its own. ``test`` prefixes the subject with "[Test] ".
    """
    rendered = render_email(show, issue, recipient, environment(show.root), test=test)
    return mime_message(show.site, issue, recipient, rendered, date=date, message_id=message_id)


def render_email(
    show: Show,
    issue: Issue,
    recipient: Recipient,
    env: Environment,
    *,
    test: bool = False,
    problems: Problems | None = None,
) -> Email:
    """The issue's HTML and text for one recipient; raises TemplateFailed."""
    site = show.site
    subject = ("[Test] " if test else "") + " ".join(
        clean_text(issue.subject or issue.title).split()
    )
    web_url = f"{site.url}issues/{issue.slug}/"
    targets = markup.link_targets(show)
    unsubscribe = unsubscribe_url(site, recipient)
    context: dict[str, Any] = {
        "site": site,
        "issue": issue,
        "subject": subject,
        "newsletter_title": site.newsletter.title or site.title,
        "web_url": web_url,
        "cards": cards(show, issue),
        "unsubscribe": unsubscribe,
        "postal_address": site.newsletter.postal_address,
        "links": [
            ("Website", site.url),
            ("Podcast feed", f"{site.url}podcast.xml"),
            ("Newsletter feed", f"{site.url}newsletter.xml"),
        ],
    }
    body = _email_body(markup.to_html(issue.body, targets), web_url, issue, problems)
    mjml = render_page(
        env,
        "email.mjml",
        **context,
        body=Markup(body),
        fonts=FONTS,
        preheader=preheader(issue, targets),
        spacer=SPACER,
    ).decode()
    # The text part is no HTML: the same templates, rendered without autoescape.
    text = render_page(
        env.overlay(autoescape=False),
        "email.txt",
        **context,
        body=markdown_text(issue.body, targets, web_url),
    )
    own = show.root / "templates" / "email.mjml"  # where MRML's complaint points
    return Email(
        subject, compile_mjml(mjml, own if own.is_file() else None), text.decode(), unsubscribe
    )


def compile_mjml(source: str, template: Path | None = None) -> str:
    """MJML to the final HTML: compiled, web fonts stripped, color-scheme declared, CSS inlined.

    Raises TemplateFailed naming ``template`` (the show's own email.mjml) when MRML refuses.
    """
    try:
        compiled = mrml.to_html(source, render_options=mrml.RenderOptions(fonts={})).content
        compiled = _WEB_FONTS.sub("", compiled)
        compiled = compiled.replace("</head>", COLOR_SCHEME + "</head>", 1)
        inlined = _INLINER.inline(compiled)
    except (OSError, ValueError, RuntimeError, css_inline.InlineError) as exc:
        failed = TemplateFailed("email.mjml", exc)
        failed.path = failed.path or template
        raise failed from None
    # The serializer leaves < and > raw in attribute values; some mail filters choke on them.
    return _START_TAG.sub(_escape_attributes, _WEB_FONTS.sub("", inlined)).rstrip() + "\n"


def _escape_attributes(match: re.Match[str]) -> str:
    tag = match.group()
    if "<" not in tag[1:] and ">" not in tag[:-1]:
        return tag
    return re.sub(
        r'="([^"]*)"',
        lambda m: '="' + m.group(1).replace("<", "&lt;").replace(">", "&gt;") + '"',
        tag,
    )


def cards(show: Show, issue: Issue) -> list[Card]:
    """The issue's episodes as cards, in the order the issue names them."""
    by_slug = {e.slug: e for e in show.episodes}
    return [_card(show, by_slug[slug]) for slug in issue_episodes(issue, show) if slug in by_slug]


def _card(show: Show, episode: Episode) -> Card:
    url = f"{show.site.url}episodes/{episode.slug}/"
    if episode.cover is not None:
        art = f"{url}cover{episode.cover.suffix.lower()}"
    else:
        art = show.site.url + artwork_name(show)
    has_transcript = episode.transcript is not None and bool(episode.transcript.text.strip())
    return Card(
        title=clean_text(episode.title).strip() or episode.slug,
        date=episode.date,
        url=url,
        transcript_url=f"{url}#transcript" if has_transcript else None,
        artwork_url=art,
        duration=clock(episode.audio.duration) if episode.audio else "",
        key_points=episode.short.key_points if episode.short else (),
    )


def artwork_name(show: Show) -> str:
    """The show artwork's published name, as render publishes it."""
    if show.artwork is None:
        return "artwork.png"
    return "artwork" + show.artwork.suffix.lower().replace(".jpeg", ".jpg")


def preheader(issue: Issue, targets: markup.Targets) -> str:
    """The inbox preview: the issue's ``preheader``, else its first paragraph, shortened."""
    text = " ".join(clean_text(issue.preheader).split()) or " ".join(
        first_paragraph(issue.body, targets).split()
    )
    if len(text) <= PREHEADER_MAX:
        return text
    cut = text[: PREHEADER_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def unsubscribe_url(site: Site, recipient: Recipient) -> str | None:
    """The recipient's unsubscribe link: the list service's, else a mailto; None with
    Buttondown, which adds its own link and headers."""
    newsletter = site.newsletter
    if newsletter.transport == "buttondown":
        return None
    if newsletter.unsubscribe_url:
        return newsletter.unsubscribe_url.replace(
            "{email}", quote(recipient.email, safe="")
        ).replace("{token}", quote(recipient.token, safe=""))
    address = mailbox(newsletter.reply_to or newsletter.from_ or site.email)
    return f"mailto:{address}?subject=unsubscribe"


def _email_body(body: str, base: str, issue: Issue, problems: Problems | None) -> str:
    """The issue's sanitised HTML made fit for mail: every link absolute, every image an
    absolute https JPG, PNG or GIF as wide as the text (else its alt text), with a width."""

    def absolute(match: re.Match[str]) -> str:
        url = urljoin(base, html.unescape(match.group(2).strip()))
        return match.group(1) + html.escape(url) + match.group(3)

    def image(match: re.Match[str]) -> str:
        attrs = {k: html.unescape(v) for k, v in _ATTR.findall(match.group())}
        src, alt = attrs.get("src", ""), attrs.get("alt", "")
        if not alt.strip() and problems is not None:
            problems.warning(
                issue.path,
                f"the image {src} has no alt text, so readers whose mail hides images (and "
                "screen readers) get nothing; write ![what it shows](address)",
            )
        if not email_image(src):
            if problems is not None:
                problems.warning(
                    issue.path,
                    f"the image {src} is shown as its alt text in the email: mail clients show "
                    "only absolute https:// JPG, PNG or GIF images",
                )
            return html.escape(alt)
        title = f' title="{html.escape(attrs["title"])}"' if "title" in attrs else ""
        return (
            f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"{title} '
            f'width="{CONTENT_WIDTH}" style="display:block;width:100%;'
            f'max-width:{CONTENT_WIDTH}px;height:auto;border:0">'
        )

    return _IMG.sub(image, _BODY_URL.sub(absolute, body))


def _offered(base: str, url: str) -> bool:
    """Whether the text part may write out the address of a Markdown link: http(s) or mailto,
    once relative to ``base`` and read as Markdown reads it (entities and escapes decoded)."""
    try:
        url = urljoin(base, html.unescape(_MD_ESCAPE.sub(r"\1", url)))
        return urlsplit(url).scheme.lower() in TEXT_SCHEMES
    except ValueError:  # an unparsable address, "http://[" say
        return False


def markdown_text(body: str, targets: markup.Targets, base: str) -> str:
    """The issue's Markdown as the text part: ``[[slug]]`` and links written as
    "text (URL)" with absolute URLs; a link to anything but http(s) or mailto (a
    ``javascript:`` URL, say) as its text alone; comments and HTML tags left out."""

    def link(m: re.Match[str]) -> str:
        image, label, url = m.groups()
        label = re.sub(r"\\(.)", r"\1", label).strip()
        if image:
            return f"[{label or 'image'}]"
        if not _offered(base, url):
            return label  # javascript: and the like: the text alone, no address
        url = urljoin(base, url)
        return url if label in ("", url) else f"{label} ({url})"

    text = _MD_AUTOLINK.sub(r"\1", clean_text(body))
    text = _HIDDEN_TEXT.sub("", text)
    return _MD_LINK.sub(link, markup.resolve_wiki_links(text, targets)).strip()
