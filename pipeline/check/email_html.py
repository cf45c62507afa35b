"""The document rules of `pipeline check` for a built issue's email.html (docs email.md):
size, head, safety, CSS, tables, width, images, preheader, colours, placeholders, cards."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

from lxml import etree

from pipeline.model import Site

HTML_LIMIT, HTML_NEAR, STYLE_LIMIT = 102_000, 90_000, 16_384
WIDTH = 600
SPACERS = frozenset("\u200c\u00a0\u034f\u2007\ufeff\u200b\u200d\u2060\u00ad \t\r\n")
UNSAFE_TAGS = (
    "script", "iframe", "frame", "form", "input", "button", "select", "textarea", "object",
    "embed", "audio", "video", "svg",
)  # fmt: skip
HIDE = ("display:none", "max-height:0", "overflow:hidden", "mso-hide:all")
_WIDTH_CSS = re.compile(r"(?:^|[;\s])((?:max-|min-)?width)\s*:\s*(\d+(?:\.\d+)?)px", re.I)
_BRACES, _TK = re.compile(r"\{\{|\{%"), re.compile(r"\bTK\b")
_SIMPLE = re.compile(r"^[a-z][a-z0-9]*$|^[a-z0-9]*\.[\w-]+$", re.I)
_BLACK = re.compile(r"(?:^|;)\s*color\s*:\s*(#000\b|#000000\b|black\b|rgb\(\s*0,\s*0,\s*0\s*\))")
_BACKGROUND = re.compile(r"(?:^|;)\s*background(?:-color)?\s*:", re.I)


Report = Callable[..., None]  # (rule, file name, text, level=None)


def email_image(src: str) -> bool:
    """Whether mail clients show an image at ``src``: absolute https, JPG, PNG or GIF."""
    try:
        parts = urlsplit(src.strip())
    except ValueError:  # an invalid IPv6 host and the like
        return False
    return (
        parts.scheme == "https"
        and bool(parts.netloc)
        and bool(re.search(r"\.(jpe?g|png|gif)$", parts.path, re.I))
    )


def style(element: etree._Element) -> str:
    """The inline style of an element, without whitespace, in lower case."""
    return re.sub(r"\s+", "", element.get("style") or "").lower()


@dataclass
class Mail:
    """One built issue's email: its files, parsed."""

    slug: str
    html: bytes
    root: etree._Element
    message: EmailMessage | None
    size: int  # bytes of the .eml
    text: str | None  # the text/plain part


def html_rules(mail: Mail, site: Site, buttondown: bool, report: Report) -> None:
    """Rules 1–4, 8, 9, 15–17 and 20: the document, its size, width, images and cards."""
    root, html, h = mail.root, mail.html.decode("utf-8", "replace"), "email.html"
    if len(mail.html) > HTML_LIMIT:
        report(
            "email-size",
            h,
            f"is {len(mail.html):,} bytes; Gmail clips HTML above "
            f"{HTML_LIMIT:,}, footer and unsubscribe link with it: shorten the issue",
        )
    elif len(mail.html) > HTML_NEAR:
        report(
            "email-size",
            h,
            f"is {len(mail.html):,} bytes, near Gmail's clipping at {HTML_LIMIT:,}",
            "warning",
        )
    if not re.match(r"\s*<!doctype html>", html, re.I):
        report("email-doctype", h, "does not start with <!DOCTYPE html>")
    if (root.get("lang") or "und").lower() == "und":
        report("email-doctype", h, "has no <html lang>; set the show's language")
    charsets = [m.get("charset", "") for m in root.iter("meta")] + [
        m.get("content", "") for m in root.iter("meta") if m.get("http-equiv")
    ]
    if not any(re.search(r"utf-?8", c, re.I) for c in charsets):
        report("email-doctype", h, "declares no UTF-8 charset in a <meta>")
    metas = {(m.get("name") or "").lower() for m in root.iter("meta")}
    if "viewport" not in metas:
        report("email-head", h, "has no viewport <meta>; phones zoom it out")
    if not {"color-scheme", "supported-color-schemes"} <= metas:
        report(
            "email-color-scheme",
            h,
            "lacks the color-scheme and supported-color-schemes "
            "<meta>s; dark-mode clients invert its colours at will",
        )
    title = " ".join("".join(root.xpath("//title//text()")).split())
    subject = str(mail.message["Subject"] or "") if mail.message is not None else None
    if not title or (subject is not None and title != " ".join(subject.split())):
        report("email-head", h, f"has the <title> “{title}”, not the subject “{subject}”")
    for tag in UNSAFE_TAGS:
        if root.xpath(f"//{tag}"):
            report("email-unsafe", h, f"has <{tag}>, which mail clients strip or refuse")
    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                report("email-unsafe", h, f"has an {name}= handler on <{element.tag}>")
            if re.sub(r"\s", "", value).lower().startswith(("javascript:", "vbscript:")):
                report("email-unsafe", h, f"has a javascript: URL in <{element.tag} {name}>")
        css = style(element)
        for prop, px in _WIDTH_CSS.findall(css):
            if float(px) > WIDTH:
                report("email-width", h, f"<{element.tag}> has {prop}:{px}px, over {WIDTH} px")
        width = element.get("width") or ""
        if width.isdigit() and int(width) > WIDTH:
            report("email-width", h, f'<{element.tag} width="{width}"> is over {WIDTH} px')
        if _BLACK.search(css) and not any(
            _BACKGROUND.search(style(e)) or e.get("bgcolor")
            for e in (element, *element.iterancestors())
        ):
            report("email-color-scheme", h, f"<{element.tag}> has black text on no background")
    comments = [str(c.text or "") for c in root.iter(etree.Comment)]
    if not any("[if mso" in c and re.search(r'width="600"|width:600px', c) for c in comments):
        report("email-width", h, "has no Outlook-only (<!--[if mso]>) 600 px wrapper table")
    if len(re.findall(r"<!--\[if", html)) != len(re.findall(r"<!\[endif\]", html)):
        report("email-width", h, "has unbalanced <!--[if mso]> … <![endif]--> comments")
    for img in root.iter("img"):
        src = img.get("src") or ""
        if img.get("alt") is None:
            report("email-images", h, f"the image {src} has no alt attribute")
        if not (img.get("width") or "").isdigit():
            report("email-images", h, f"the image {src} has no numeric width attribute")
        if not email_image(src):
            report("email-images", h, f"the image {src} is not an absolute https JPG/PNG/GIF")
    shown = " ".join(root.xpath("//body//text()"))  # TK in the text, {{ anywhere
    plain = mail.text or ""
    for where, raw, text in (
        ("subject", subject, subject),
        ("HTML", html, shown),
        ("text", plain, plain),
    ):
        found = _BRACES.search(raw or "") or _TK.search(text or "")
        if found:
            report("email-placeholders", h, f"the {where} holds the placeholder “{found[0]}”")
    _preheader(root, report)
    for card in root.find_class("episode-card"):
        if card.xpath(".//audio | .//video"):
            report("email-episode-card", h, "an episode card holds a player; link to the page")
        if not [a for a in card.iter("a") if (a.get("href") or "").startswith(site.url)]:
            report("email-episode-card", h, "an episode card does not link to the episode page")


def _preheader(root: etree._Element, report: Report) -> None:
    """Rule 15: the first text of the body is the hidden preheader, then spacers."""
    spacers = "".join(SPACERS)
    first = next((e for e in root.xpath("//body//*") if (e.text or "").strip(spacers)), None)
    css = style(first) if first is not None else ""
    if first is None or not all(rule in css.replace("0px", "0") for rule in HIDE):
        report(
            "email-preheader",
            "email.html",
            "does not open with a hidden preheader "
            "(display:none;max-height:0;overflow:hidden;mso-hide:all)",
        )
        return
    text = first.text_content()
    shown = text.rstrip(spacers)
    if not 40 <= len(shown.strip()) <= 140:
        report(
            "email-preheader",
            "email.html",
            f"the preheader has {len(shown.strip())} "
            "characters; inbox previews want 40–140: set preheader in the issue",
        )
    if len(text) - len(shown) < 10:
        report(
            "email-preheader",
            "email.html",
            "no spacer characters follow the preheader, "
            "so clients fill the preview with the body's first words",
        )


def style_rules(mail: Mail, site: Site, buttondown: bool, report: Report) -> None:
    """Rules 5–7: CSS in <head> only, inlined, and tables that lay out and nothing more."""
    root, h = mail.root, "email.html"
    for link in root.iter("link"):
        if "stylesheet" in (link.get("rel") or "").lower() or "fonts." in (link.get("href") or ""):
            report("email-css", h, f"loads the stylesheet {link.get('href')}; clients drop it")
    selectors: list[str] = []
    size = 0
    for sheet in root.iter("style"):
        css = sheet.text or ""
        size += len(css.encode())
        if "@import" in css:
            report("email-css", h, "a <style> uses @import, which clients drop")
        if sheet.xpath("ancestor::body"):
            report("email-css", h, "has a <style> in <body>; Gmail removes it")
        if not sheet.get("media"):
            selectors += _top_level_selectors(css)
    if size > STYLE_LIMIT:
        report("email-css", h, f"its <style> holds {size:,} bytes, over {STYLE_LIMIT:,}")
    body = root.find("body")
    elements = list(body.iter(etree.Element)) if body is not None else []
    for selector in selectors:
        if _SIMPLE.match(selector) and any(_matches(e, selector) for e in elements):
            report("email-css", h, f"the <style> rule {selector} could be inlined; inline it")
    classes = {c for s in selectors for c in re.findall(r"\.([\w-]+)", s)}
    for name in sorted(classes):
        bare = [e for e in elements if name in (e.get("class") or "").split() and not style(e)]
        if bare:
            report(
                "email-inline",
                h,
                f"{len(bare)} element(s) of class {name} carry no inline "
                "style; clients that drop <style> show them unstyled",
            )
    for table in root.iter("table"):
        if table.xpath("./tr/th | ./*/tr/th"):
            continue  # a data table of the issue, not layout
        attrs = {k: table.get(k) for k in ("role", "cellpadding", "cellspacing", "border")}
        if attrs != {"role": "presentation", "cellpadding": "0", "cellspacing": "0", "border": "0"}:
            report(
                "email-tables",
                h,
                f"a layout table has {attrs}; screen readers read it "
                'as data: role="presentation", cellpadding/cellspacing/border 0',
            )


def _top_level_selectors(css: str) -> list[str]:
    """The selectors of the rules outside any @-block (@media rules cannot be inlined)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found, depth, start, at_rule = [], 0, 0, False
    for i, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude = css[start:i].strip()
                at_rule = prelude.startswith("@")
                if not at_rule:
                    found += [s.strip() for s in prelude.split(",") if s.strip()]
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
            if depth == 0:
                start = i + 1
        elif char == ";" and depth == 0:
            start = i + 1  # @charset and the like
    return found


def _matches(element: etree._Element, selector: str) -> bool:
    tag, _, name = selector.partition(".")
    classes = (element.get("class") or "").split()
    return (not tag or element.tag == tag.lower()) and (not name or name in classes)
