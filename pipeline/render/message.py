"""The MIME message of a newsletter issue: its headers, unsubscribe headers and two parts."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING

from pipeline.model import Issue, Recipient, Site

if TYPE_CHECKING:
    from pipeline.render.email import Email

# The message's headers fold at 998 characters, so no URL of List-Unsubscribe is ever
# split or encoded; its parts are encoded in quoted-printable lines of at most 76 (RFC 2045).
# The file has Unix line ends (smtplib sends CRLF whatever the policy).
POLICY = policy.default.clone(max_line_length=998)
PARTS_POLICY = policy.default.clone(max_line_length=76)


def mailbox(address: str) -> str:
    """The bare address of ``Name <address>`` (or of an address alone)."""
    return parseaddr(address)[1] or address.strip()


def sender(site: Site) -> Address:
    """From: the newsletter's ``from`` (else the show's email), named as it names itself, else
    by the newsletter's or the show's title."""
    configured = site.newsletter.from_ or site.email
    name, address = parseaddr(configured)
    return Address(name or site.newsletter.title or site.title, addr_spec=address or configured)


def sending_domain(site: Site) -> str:
    """The domain of ``from``: Message-IDs and the preview recipient's address use it."""
    return sender(site).domain.lower()


def preview_recipient(site: Site) -> Recipient:
    """Who the built preview is addressed to: ``preview@<domain of from>``, token ``preview``."""
    return Recipient(email=f"preview@{sending_domain(site)}", token="preview")


def preview_message_id(site: Site, issue: Issue) -> str:
    """``<slug.hash@domain>``, from the issue alone: a rebuild changes no byte."""
    digest = hashlib.sha256(f"{site.url}\0{issue.slug}\0{issue.date.isoformat()}".encode())
    return f"<{issue.slug}.{digest.hexdigest()[:16]}@{sending_domain(site)}>"


def list_unsubscribe(site: Site, unsubscribe: str | None) -> list[str]:
    """The URLs of ``List-Unsubscribe``, the https one first (RFC 2369: the leftmost is the
    preferred); none with Buttondown, which adds its own."""
    newsletter = site.newsletter
    if newsletter.transport == "buttondown":
        return []
    address = mailbox(newsletter.reply_to or newsletter.from_ or site.email)
    urls = [f"mailto:{address}?subject=unsubscribe"]
    if unsubscribe and unsubscribe.startswith("https://"):
        urls.insert(0, unsubscribe)
    return urls


def mime_message(
    site: Site,
    issue: Issue,
    recipient: Recipient,
    rendered: Email,
    *,
    date: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """``multipart/alternative``: text/plain first, text/html last, both UTF-8.

    Without ``date`` and ``message_id`` both derive from the issue, and the MIME boundary
    always does: the same issue gives the same bytes.
    """
    message = EmailMessage(policy=PARTS_POLICY)
    message["From"] = sender(site)
    message["To"] = Address(" ".join(recipient.name.split()), addr_spec=recipient.email)
    if site.newsletter.reply_to:
        message["Reply-To"] = site.newsletter.reply_to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date or issue.date)
    message["Message-ID"] = message_id or preview_message_id(site, issue)
    urls = list_unsubscribe(site, rendered.unsubscribe)
    if urls:
        message["List-Unsubscribe"] = ", ".join(f"<{url}>" for url in urls)
    if urls and urls[0].startswith("https://"):
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    key = f"{issue.slug}\0{recipient.email}\0{rendered.subject}".encode()
    message.set_boundary(f"=_issue_{hashlib.sha256(key).hexdigest()[:32]}")
    message.policy = POLICY
    return message
