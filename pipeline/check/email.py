"""The email rules of `pipeline check` (docs email.md): each built issue's email.html,
email.txt and email.eml as mail clients and mailbox providers need them."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import lxml.html
from lxml import etree

from pipeline.check.email_html import (
    Mail,
    Report,
    email_image,
    html_rules,
    style,
    style_rules,
)
from pipeline.errors import Level, Problem
from pipeline.model import Site

EMAIL_RULES: dict[str, tuple[Level, str]] = {
    "email-size": ("error", "the HTML is at most 102,000 bytes, the message under 10 MB"),
    "email-doctype": ("error", "<!DOCTYPE html>, <html lang> and UTF-8 in a meta and the MIME"),
    "email-head": ("warning", "a viewport meta and a <title> equal to the subject"),
    "email-unsafe": ("error", "no script, handlers, javascript:, frames, forms, media, svg"),
    "email-css": ("error", "no external CSS; <style> in <head>, small, only what cannot inline"),
    "email-inline": ("error", "an element styled by a class carries the inline style"),
    "email-tables": ("warning", "layout tables are role=presentation with no spacing or border"),
    "email-width": ("error", "at most 600 px wide, an Outlook-only 600 px wrapper"),
    "email-images": ("error", "images have alt and a width, absolute https JPG/PNG/GIF"),
    "email-links": ("error", "every link is absolute https or mailto:"),
    "email-link-text": ("warning", 'no URL shorteners, no "click here" or "read more"'),
    "email-unsubscribe-link": ("error", "an unsubscribe and a view-in-browser link, the address"),
    "email-unsubscribe-header": ("error", "List-Unsubscribe, and List-Unsubscribe-Post for https"),
    "email-one-click": ("warning", "an https unsubscribe_url for one-click unsubscribe"),
    "email-parts": ("error", "multipart/alternative: text/plain first with the URLs, html last"),
    "email-preheader": ("warning", "a hidden preheader of 40–140 characters opens the body"),
    "email-color-scheme": ("warning", "color-scheme metas; no black text without a background"),
    "email-placeholders": ("error", "no {{, {% or TK left in subject, HTML or text"),
    "email-subject": ("warning", "the subject has 10–78 characters"),
    "email-headers": ("error", "Date, Message-ID and From; Message-ID in From's domain"),
    "email-episode-card": ("error", "an episode card links to the episode page, never <audio>"),
}

MESSAGE_LIMIT = 10_000_000  # bytes
SHORTENERS = frozenset(
    ("bit.ly", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
     "cutt.ly", "shorturl.at", "t.ly", "rb.gy", "tiny.cc", "lnkd.in", "dlvr.it", "s.id", "v.gd",
     "bl.ink", "short.io")
)  # fmt: skip
VAGUE = re.compile(r"^(click here|here|read more|more|learn more|this link|link)\W*$", re.I)


def _parse(folder: Path) -> Mail | None:
    """The issue's email read and parsed; None when its HTML cannot be read as HTML."""
    try:
        data = (folder / "email.html").read_bytes()
        root = lxml.html.document_fromstring(data, lxml.html.HTMLParser(encoding="utf-8"))
    except (OSError, etree.LxmlError, ValueError):
        return None
    message, size, text = None, 0, None
    try:
        raw = (folder / "email.eml").read_bytes()
    except OSError:
        raw = None
    if raw is not None:
        size = len(raw)
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        message = parsed
        plain = message.get_body(("plain",))
        try:
            text = plain.get_content() if isinstance(plain, EmailMessage) else None
        except (LookupError, ValueError):  # an unknown charset or a broken encoding
            text = None
    return Mail(folder.name, data, root, message, size, text)


def _reporter(out: Path, rel: str, skip: frozenset[str], problems: list[Problem]) -> Report:
    said: set[str] = set()  # each problem once, however many elements share it

    def report(rule: str, name: str, text: str, level: Level | None = None) -> None:
        message = f"{rel}{name}: {text} [{rule}]"
        if rule not in skip and message not in said:
            said.add(message)
            problems.append(Problem(level or EMAIL_RULES[rule][0], out / rel / name, message))

    return report


def check_emails(out: Path, site: Site, skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Apply the email rules to every ``issues/*/email.html`` (with its .eml and .txt)."""
    out = Path(out)
    problems: list[Problem] = []
    folders = sorted(p.parent for p in out.glob("issues/*/email.html"))
    buttondown = site.newsletter.transport == "buttondown"
    for folder in folders:
        report = _reporter(out, f"issues/{folder.name}/", skip, problems)
        mail = _parse(folder)
        if mail is None:
            report("email-doctype", "email.html", "cannot be read as HTML; rebuild the issue")
            continue
        for rule in (html_rules, style_rules, _link_rules, _message_rules):
            rule(mail, site, buttondown, report)
    if folders and not buttondown and not site.newsletter.unsubscribe_url:
        rel = f"issues/{folders[0].name}/email.eml"
        if "email-one-click" not in skip:
            problems.append(
                Problem(
                    "warning",
                    out / rel,
                    f"{rel}: every issue carries only a mailto: unsubscribe; Gmail and Yahoo "
                    "expect one-click unsubscribe (RFC 8058) from bulk senders: set "
                    "unsubscribe_url in [newsletter] to your list service's https endpoint "
                    "[email-one-click]",
                )
            )
    return problems


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:  # an invalid IPv6 host and the like: a link to nowhere
        return SplitResult("", "", url, "", "")


def _link_rules(mail: Mail, site: Site, buttondown: bool, report: Report) -> None:
    """Rules 10–12: absolute https links, meaningful ones, unsubscribe and view in browser."""
    root, h = mail.root, "email.html"
    for a in root.xpath("//a[@href] | //area[@href]"):
        href = (a.get("href") or "").strip()
        parts = _split(href)
        scheme = parts.scheme.lower()
        if not (scheme == "mailto" or (scheme == "https" and parts.netloc)):
            why = (
                "uses plain http; link to its https:// address"
                if scheme == "http"
                else "is not an absolute https:// or mailto: URL; mail has no page to be "
                "relative to"
            )
            report("email-links", h, f"the link “{href}” {why}")
        host = parts.netloc.lower().removeprefix("www.")
        if host in SHORTENERS:
            report(
                "email-link-text",
                h,
                f"the link {href} uses a URL shortener, which spam "
                "filters distrust; link to the page itself",
            )
        if VAGUE.match(" ".join(a.text_content().split())):
            report(
                "email-link-text",
                h,
                f"the link to {href} says “{a.text_content().strip()}”; say where it leads",
            )
    links = {
        (a.get("href") or "").strip()
        for a in root.iter("a")
        if not any("display:none" in style(e) for e in (a, *a.iterancestors()))
    }
    page = f"{site.url}issues/{mail.slug}/"
    if not links & {page, page + "index.html"}:
        report("email-unsubscribe-link", h, f"has no “view in browser” link to {page}")
    address = " ".join((site.newsletter.postal_address or "").split())
    if address and address not in " ".join(root.text_content().split()):
        report("email-unsubscribe-link", h, f"does not carry the postal address “{address}”")
    if buttondown:
        return  # Buttondown adds its own unsubscribe link
    header = _unsubscribe_urls(mail)
    if not (links & set(header) if header else any("unsubscribe" in u.lower() for u in links)):
        report(
            "email-unsubscribe-link",
            h,
            "has no visible unsubscribe link equal to the List-Unsubscribe URL",
        )


def _unsubscribe_urls(mail: Mail) -> list[str]:
    value = str(mail.message["List-Unsubscribe"] or "") if mail.message is not None else ""
    return re.findall(r"<([^>]+)>", value)


def _message_rules(mail: Mail, site: Site, buttondown: bool, report: Report) -> None:
    """Rules 1 (message), 2 (MIME charset), 13, 14, 18 and 19: the .eml and its parts."""
    e = "email.eml"
    message = mail.message
    if message is None:
        report("email-parts", e, "is missing; rebuild to write the complete message")
        return
    if mail.size >= MESSAGE_LIMIT:
        report("email-size", e, f"is {mail.size:,} bytes; stay under 10 MB")
    if any(True for _ in message.iter_attachments()):
        report("email-size", e, "has attachments; link to files instead")
    parts = [p.get_content_type() for p in message.iter_parts()]
    if (
        message.get_content_type() != "multipart/alternative"
        or parts[:1] != ["text/plain"]
        or (parts[-1:] != ["text/html"])
    ):
        report(
            "email-parts",
            e,
            f"is {message.get_content_type()} with {parts}, not "
            "multipart/alternative with text/plain first and text/html last",
        )
    for part in message.iter_parts():
        if part.get_content_maintype() == "text" and part.get_content_charset() != "utf-8":
            report("email-doctype", e, f"its {part.get_content_type()} part is not UTF-8")
    text, html = mail.text or "", mail.html.decode("utf-8", "replace")
    wanted = {f"{site.url}issues/{mail.slug}/"}
    wanted |= set(re.findall(rf'href="({re.escape(site.url)}episodes/[^"#]+/)"', html))
    urls = _unsubscribe_urls(mail)
    if not text.strip():
        report("email-parts", e, "has an empty text/plain part")
    for url in sorted(wanted - {u for u in wanted if u in text}):
        report("email-parts", e, f"its text/plain part lacks {url}")
    if not buttondown and urls and not any(u in text for u in urls):
        report("email-parts", e, "its text/plain part lacks the unsubscribe URL")
    subject = str(message["Subject"] or "")
    if not 10 <= len(subject) <= 78:
        report(
            "email-subject",
            e,
            f"the subject has {len(subject)} characters; 10–78 show whole in inboxes",
        )
    for name in ("Date", "Message-ID", "From"):
        if message[name] is None:
            report("email-headers", e, f"has no {name} header")
    sender = parseaddr(str(message["From"] or ""))[1].rpartition("@")[2].lower()
    msgid = str(message["Message-ID"] or "").strip("<> ").rpartition("@")[2].lower()
    if message["Message-ID"] and msgid != sender:
        report("email-headers", e, f"its Message-ID is of {msgid}, not of From's {sender}")
    if buttondown:
        return
    if not urls or not all(u.startswith(("https://", "mailto:")) for u in urls):
        report(
            "email-unsubscribe-header", e, "has no List-Unsubscribe with an https or mailto: URL"
        )
    post = str(message["List-Unsubscribe-Post"] or "")
    if any(u.startswith("https://") for u in urls) and post != "List-Unsubscribe=One-Click":
        report(
            "email-unsubscribe-header",
            e,
            "has an https List-Unsubscribe without "
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)",
        )


__all__ = ["EMAIL_RULES", "check_emails", "email_image"]
