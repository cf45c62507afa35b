"""The page rules of `pipeline check`: every internal link of the published HTML leads to a
file (and an id) in the output folder, and every episode page carries its transcript."""

from __future__ import annotations

import os
import posixpath
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import lxml.html
from lxml import etree

from pipeline.errors import Level, Problem
from pipeline.model import Site

PAGE_RULES: dict[str, tuple[Level, str]] = {
    "broken-link": ("error", "internal links of the pages lead to files in the output folder"),
    "broken-fragment": ("error", "the #fragment of an internal link names an id in its page"),
    "link-outside": ("error", "internal links stay inside the output folder"),
    "no-transcript": ("warning", "episode pages carry their transcript (WCAG 1.2.1)"),
}

# The attributes that a browser follows or loads, as the pipeline's templates use them.
_LINKS = etree.XPath(
    "//*[self::a or self::link or self::area][@href]/@href"
    " | //*[self::img or self::audio or self::video or self::source or self::track"
    " or self::script or self::iframe][@src]/@src",
    smart_strings=False,
)
_IDS = etree.XPath("//@id | //a/@name", smart_strings=False)
_PLAYER = etree.XPath("boolean(//audio[@id='player'])")
_TRANSCRIPT = etree.XPath("boolean(//section[@id='transcript'])")
_EPISODE_PAGE = re.compile(r"^episodes/([^/]+)/index\.html$")
OUTSIDE: Literal["outside"] = "outside"  # what a link that leaves the output folder leads to
_FIX = "correct it where the page gets it (the notes in the outline, or a template) and rebuild"


@dataclass
class Page:
    """What the rules need of one parsed page: its ids, its links and its audio."""

    ids: frozenset[str] = frozenset()
    links: list[str] = field(default_factory=list)
    player: bool = False  # has <audio id="player">
    transcript: bool = False  # has <section id="transcript">


@dataclass(frozen=True)
class Target:
    """Where an internal link leads: a path relative to the output folder, and a fragment."""

    path: str
    fragment: str


def parse_page(path: Path) -> Page:
    """Read one HTML file; a file that cannot be read as HTML has no ids and no links."""
    try:
        data = path.read_bytes()
    except OSError:  # a dangling link, or a folder named *.html
        return Page()
    try:
        data.decode("utf-8")
        parser = lxml.html.HTMLParser(encoding="utf-8")
    except UnicodeDecodeError:
        parser = lxml.html.HTMLParser()  # its own <meta charset>, or the HTML default
    try:
        root = etree.fromstring(data, parser) if data.strip() else None
    except etree.LxmlError:
        root = None
    if root is None:
        return Page()
    return Page(
        ids=frozenset(_IDS(root)),
        links=list(_LINKS(root)),
        player=bool(_PLAYER(root)),
        transcript=bool(_TRANSCRIPT(root)),
    )


def _listing(out: Path) -> tuple[set[str], set[str]]:
    """Every file and every folder under ``out``, as POSIX paths relative to it."""
    files: set[str] = set()
    folders: set[str] = set()
    for top, dirs, names in os.walk(out):
        base = Path(top).relative_to(out).as_posix()
        prefix = "" if base == "." else base + "/"
        folders.update(prefix + d for d in dirs)
        files.update(prefix + n for n in names)
    return files, folders


class Published:
    """The output folder as the browser sees it: which URLs are internal, and where they lead."""

    def __init__(self, out: Path, site_url: str) -> None:
        self.out = out
        self.url = site_url
        self.root_path = urllib.parse.urlsplit(site_url).path or "/"  # where "/" links start
        self.files, self.folders = _listing(out)
        self.top = {name.split("/", 1)[0] for name in self.files | self.folders}
        self.pages: dict[str, Page] = {}

    def page(self, rel: str) -> Page:
        """The parsed page at ``rel``, parsed once."""
        if rel not in self.pages:
            self.pages[rel] = parse_page(self.out / rel)
        return self.pages[rel]

    def resolve(self, page: str, url: str) -> Target | Literal["outside"] | None:
        """Where ``url`` on ``page`` leads: None for a link that is not this output's to
        answer for, OUTSIDE for one that leaves the output folder.

        A link from the site's root (its absolute URL, or a path from "/") is held to the
        output only where it leads into a file or folder the output has: the rest of the
        host's site (a support page, a people folder) may be served from elsewhere.
        """
        url = url.strip()
        if url.startswith("#"):  # the most common link of all: a place on this very page
            return Target(page, urllib.parse.unquote(url[1:]))
        rooted = url.startswith(self.url) or url == self.url.rstrip("/")
        if rooted:
            parts = urllib.parse.urlsplit(url[len(self.url) :])
            path = urllib.parse.unquote(parts.path).lstrip("/") or "./"
        else:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme or parts.netloc:
                return None  # another site, mailto:, data:, javascript:
            path = urllib.parse.unquote(parts.path)
            if path.startswith("/"):  # from the host's root, which may be above the site's
                if not (path + "/").startswith(self.root_path):
                    return None  # another part of the host's site
                path, rooted = path[len(self.root_path) :] or "./", True
        fragment = urllib.parse.unquote(parts.fragment)
        if not path:  # "?x" or "#x": this very page
            return Target(page, fragment)
        folder = path.endswith("/") or posixpath.basename(path) in (".", "..")
        joined = posixpath.normpath(posixpath.join("" if rooted else posixpath.dirname(page), path))
        if joined == ".." or joined.startswith("../") or joined.startswith("/"):
            return OUTSIDE
        joined = "" if joined == "." else joined
        if rooted and joined and joined.split("/", 1)[0] not in self.top:
            return None  # a part of the site that this output does not publish
        if folder or not joined or (joined in self.folders and joined not in self.files):
            joined = posixpath.join(joined, "index.html")  # a folder is served by its index
        return Target(joined, fragment)


def _report(
    problems: list[Problem], skip: frozenset[str], out: Path, page: str, rule: str, text: str
) -> None:
    if rule not in skip:
        problems.append(Problem(PAGE_RULES[rule][0], out / page, f"{page}: {text} [{rule}]"))


def check_links(
    output: Published, page: str, problems: list[Problem], skip: frozenset[str]
) -> None:
    """Every internal link of ``page`` leads to a file in the output, and to an id there."""
    seen: set[str] = set()
    for url in output.page(page).links:
        if url in seen:
            continue
        seen.add(url)
        target = output.resolve(page, url)
        if target is None:
            continue
        if target == OUTSIDE:
            _report(
                problems,
                skip,
                output.out,
                page,
                "link-outside",
                f"the link “{url}” leads outside the output folder, where nothing is "
                "published; link to a file of the site, or to an absolute https:// URL",
            )
            continue
        if target.path not in output.files:
            _report(
                problems,
                skip,
                output.out,
                page,
                "broken-link",
                f"the link “{url}” leads to {target.path}, which is not in the output folder; "
                + _FIX,
            )
            continue
        wanted = target.fragment
        if (
            not wanted
            or wanted.startswith("t=")  # a time in the audio, which the page's script seeks
            or wanted.lower() == "top"  # HTML scrolls to the top for #top without an id
            or not target.path.endswith(".html")
            or wanted in output.page(target.path).ids
        ):
            continue
        _report(
            problems,
            skip,
            output.out,
            page,
            "broken-fragment",
            f"the link “{url}” leads to #{wanted}, but {target.path} has no element with "
            f'id="{wanted}"; ' + _FIX,
        )


def check_transcript(
    output: Published, page: str, problems: list[Problem], skip: frozenset[str]
) -> None:
    """An episode page with a player also carries the transcript section."""
    match = _EPISODE_PAGE.match(page)
    parsed = output.page(page)
    if not match or not parsed.player or parsed.transcript:
        return
    slug = match.group(1)
    _report(
        problems,
        skip,
        output.out,
        page,
        "no-transcript",
        "is published without a transcript, so readers who cannot listen get no text "
        f"alternative (WCAG 1.2.1); run `pipeline transcribe {slug}` (with --force when "
        f"its transcript.json has no text), then `pipeline build` to publish it",
    )


def check_pages(out: Path, site: Site, skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Apply the page rules to every ``*.html`` file in the output folder.

    Each page is parsed once. Rules in ``skip`` are not reported.
    """
    out = Path(out)
    problems: list[Problem] = []
    if not out.is_dir():
        return problems
    output = Published(out, site.url)
    for page in sorted(p for p in output.files if p.endswith(".html")):
        check_links(output, page, problems, skip)
        check_transcript(output, page, problems, skip)
    return problems
