"""Newsletter issues as email: a host writes an issue that features an episode, builds the
show, and finds beside the issue's page the email a subscriber will get (``email.html``,
``email.txt`` and the complete ``email.eml`` for the preview recipient), held to the rules of
docs email.md by `pipeline check`."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from pipeline import build, link
from pipeline.check.email import EMAIL_RULES, check_emails
from pipeline.config import load_site
from pipeline.errors import Problems
from pipeline.load import load_show
from pipeline.model import Recipient
from pipeline.render.email import issue_message, markdown_text
from tests.chromium import headless_chromium
from tests.conftest import SITE_TOML
from tests.test_shorten import SLUG, add_episode, speak

ISSUE = "2026-09-20-letter"
SUBJECT = "Rain and Bikes, September: fenders, lights and locks"
PREHEADER = "A new episode on rain gear, and a reader's trick for keeping the saddle dry."
URL = "https://rain.example.org/"
UNSUBSCRIBE = "https://lists.example.org/unsubscribe?email={email}&token={token}"
NEWSLETTER = f"""
[newsletter]
title = "Rain and Bikes Letters"
from = "letters@rain.example.org"
reply_to = "hello@rain.example.org"
postal_address = "Rain and Bikes, Radweg 12, 10115 Berlin, Germany"
unsubscribe_url = "{UNSUBSCRIBE}"
"""
ISSUE_TEXT = f"""---
title: September letter
date: 2026-09-20
subject: "{SUBJECT}"
preheader: "{PREHEADER}"
episodes: [{SLUG}]
---
Dear riders,

This month it's all about [[{SLUG}]]: what to wear & what to fit. The
[river path](https://www.openstreetmap.org/) is open again.

![A cargo bike in the rain](https://rain.example.org/photos/cargo.jpg)

Ride safe, and stay dry.
"""
REPO = Path(__file__).resolve().parents[1]  # the example show
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def write_show(root: Path, newsletter: str = NEWSLETTER) -> None:
    (root / "issues").mkdir(parents=True, exist_ok=True)
    site = SITE_TOML.replace('language = "en"', 'language = "en-GB"')
    (root / "site.toml").write_text(site + newsletter)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The host's show: one episode with its transcript, one issue featuring it, built once."""
    root = tmp_path_factory.mktemp("email") / "show"
    write_show(root)
    add_episode(root, speak())
    (root / "issues" / f"{ISSUE}.md").write_text(ISSUE_TEXT)
    report = build.build(root)
    assert [str(p) for p in report.problems.errors] == []
    return root


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    """A copy of the built show (with its .pipeline cache) for a test that changes it."""
    root = tmp_path / "show"
    shutil.copytree(built, root, symlinks=True)
    return root


def files(root: Path) -> Path:
    return root / "feeds" / "issues" / ISSUE


def message(root: Path) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes((files(root) / "email.eml").read_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(root: Path) -> tuple[str, str]:
    plain, html = message(root).iter_parts()
    return plain.get_content(), html.get_content()


def email_problems(root: Path) -> list[str]:
    return [str(p) for p in build.check(root).items if "[email-" in p.message]


# --- the built message ----------------------------------------------------------------------


def test_the_message_is_text_then_html_with_headers_derived_from_the_issue(built: Path):
    msg = message(built)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in msg.iter_parts()] == ["utf-8", "utf-8"]
    assert not list(msg.iter_attachments())
    assert msg["From"] == "Rain and Bikes Letters <letters@rain.example.org>"
    assert msg["To"] == "preview@rain.example.org"
    assert msg["Reply-To"] == "hello@rain.example.org"
    assert msg["Subject"] == SUBJECT
    assert parsedate_to_datetime(msg["Date"]) == datetime(2026, 9, 20, tzinfo=UTC)
    assert msg["Date"] == format_datetime(datetime(2026, 9, 20, tzinfo=ZoneInfo("UTC")))
    assert re.fullmatch(rf"<{ISSUE}\.[0-9a-f]{{16}}@rain\.example\.org>", msg["Message-ID"])
    assert msg["List-Unsubscribe"] == (
        "<https://lists.example.org/unsubscribe?email=preview%40rain.example.org&token=preview>, "
        "<mailto:hello@rain.example.org?subject=unsubscribe>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = (files(built) / "email.eml").read_bytes()
    head, _, body = raw.partition(b"\n\n")
    assert f"\nList-Unsubscribe: {msg['List-Unsubscribe']}\n".encode() in head  # one line
    assert max(len(line) for line in body.split(b"\n")) <= 76  # quoted-printable
    plain, html = parts(built)
    assert (files(built) / "email.txt").read_text() == plain
    assert (files(built) / "email.html").read_text() == html


def test_the_html_links_absolutely_and_presents_the_episode_as_a_card(built: Path):
    html = (files(built) / "email.html").read_text()
    page = lxml.html.fromstring(html)
    assert page.get("lang") == "en-GB"
    assert "fonts.googleapis" not in html and "@import" not in html and "<audio" not in html
    assert len(html.encode()) < 102_000
    assert page.findtext(".//title") == SUBJECT
    for href in page.xpath("//a/@href"):
        assert href.startswith(("https://", "mailto:")), href
    for img in page.iter("img"):
        assert img.get("src").startswith("https://") and img.get("width").isdigit()
        assert img.get("alt")
    episode = f"{URL}episodes/{SLUG}/"
    links = {a.text_content().strip(): a.get("href") for a in page.iter("a")}
    assert links["View in your browser"] == f"{URL}issues/{ISSUE}/"
    assert links["Rain gear"] == episode  # the [[slug]] of the body and the card's title
    assert links["Listen to Rain gear"] == episode
    assert links["Read the transcript"] == episode + "#transcript"
    assert links["river path"] == "https://www.openstreetmap.org/"
    assert links["Unsubscribe"] == (
        "https://lists.example.org/unsubscribe?email=preview%40rain.example.org&token=preview"
    )
    assert not [t for t in links if t.lower() in ("click here", "read more")]
    [card] = page.find_class("episode-card")
    assert card.xpath(f".//img[@alt='Rain gear' and starts-with(@src, '{URL}artwork.')]")
    points = [li.text_content() for li in card.iter("li")]
    on_page = (built / "feeds" / "episodes" / SLUG / "index.html").read_text()
    key_points = on_page.split('class="key-points"')[1].split("</ul>")[0]
    assert len(points) >= 3 and all(p.replace("'", "&#39;") in key_points for p in points)
    footer = " ".join(page.text_content().split())
    assert "Rain and Bikes, Radweg 12, 10115 Berlin, Germany" in footer
    assert {links["Podcast feed"], links["Newsletter feed"]} == {
        f"{URL}podcast.xml",
        f"{URL}newsletter.xml",
    }


def test_a_hidden_preheader_opens_the_body(built: Path):
    page = lxml.html.fromstring((files(built) / "email.html").read_bytes())
    first = next(e for e in page.xpath("//body//*") if (e.text or "").strip())
    style = first.get("style").replace(" ", "")
    for rule in ("display:none", "max-height:0", "overflow:hidden", "mso-hide:all"):
        assert rule in style
    assert first.text.startswith(PREHEADER)
    assert set(first.text[len(PREHEADER) :]) <= {"\u200c", "\u00a0"}
    assert len(first.text) > len(PREHEADER) + 100


def test_the_text_part_comes_from_the_markdown_with_every_url(built: Path):
    plain, _html = parts(built)
    assert "This month it's all about Rain gear (https://rain.example.org/episodes/" in plain
    assert "what to wear & what to fit" in plain  # no HTML escaping in text
    assert "river path (https://www.openstreetmap.org/) is open again" in plain
    assert f"Listen: {URL}episodes/{SLUG}/" in plain
    assert f"Transcript: {URL}episodes/{SLUG}/#transcript" in plain
    assert f"{URL}issues/{ISSUE}/" in plain
    assert "Unsubscribe: https://lists.example.org/unsubscribe?email=preview%40rain" in plain
    assert "<" not in plain and "&amp;" not in plain and "&#39;" not in plain


def test_a_rebuild_changes_no_byte_and_check_finds_nothing(built: Path):
    before = {p.name: p.read_bytes() for p in files(built).iterdir()}
    assert {"email.html", "email.txt", "email.eml", "index.html"} <= set(before)
    report = build.build(built)
    assert [str(p) for p in report.problems.errors] == []
    assert {p.name: p.read_bytes() for p in files(built).iterdir()} == before
    assert email_problems(built) == []


# --- what the host configured -------------------------------------------------------------


def test_without_an_unsubscribe_url_a_mailto_and_a_warning_about_one_click(copy: Path):
    write_show(copy, NEWSLETTER.replace(f'unsubscribe_url = "{UNSUBSCRIBE}"\n', ""))
    assert build.build(copy).problems.errors == []
    msg = message(copy)
    assert msg["List-Unsubscribe"] == "<mailto:hello@rain.example.org?subject=unsubscribe>"
    assert msg["List-Unsubscribe-Post"] is None
    page = lxml.html.fromstring(parts(copy)[1])
    [unsubscribe] = [a for a in page.iter("a") if a.text_content() == "Unsubscribe"]
    assert unsubscribe.get("href") == "mailto:hello@rain.example.org?subject=unsubscribe"
    [warning] = email_problems(copy)
    assert warning.startswith("warning: ") and warning.endswith("[email-one-click]")
    assert "Gmail and Yahoo expect one-click unsubscribe" in warning


def test_with_buttondown_the_service_adds_the_unsubscribe_link_and_headers(copy: Path):
    write_show(copy, NEWSLETTER + 'transport = "buttondown"\n')
    assert build.build(copy).problems.errors == []
    msg = message(copy)
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None
    plain, html = parts(copy)
    assert "unsubscribe" not in html.lower() and "unsubscribe" not in plain.lower()
    assert "Rain and Bikes, Radweg 12" in html and "View in your browser" in html
    assert email_problems(copy) == []


def test_a_real_send_renders_for_the_recipient_with_its_own_date_and_id(built: Path):
    problems = Problems()
    site = load_site(built)
    show = link.link(load_show(built, site, problems), problems)
    [issue] = show.issues
    sent = datetime(2026, 9, 21, 8, 30, tzinfo=UTC)
    msg = issue_message(
        show,
        issue,
        Recipient("ada@example.org", "Ada", "a+b/c="),
        date=sent,
        message_id="<one@rain.example.org>",
        test=True,
    )
    assert msg["Subject"] == "[Test] " + SUBJECT
    assert msg["To"] == "Ada <ada@example.org>"
    assert (msg["Date"], msg["Message-ID"]) == (format_datetime(sent), "<one@rain.example.org>")
    personal = "https://lists.example.org/unsubscribe?email=ada%40example.org&token=a%2Bb%2Fc%3D"
    assert msg["List-Unsubscribe"].startswith(f"<{personal}>, <mailto:")
    html = msg.get_body(("html",))
    assert html is not None and f'href="{personal.replace("&", "&amp;")}"' in html.get_content()
    preview = issue_message(show, issue, Recipient("preview@rain.example.org"))
    assert preview["Message-ID"] == message(built)["Message-ID"]


def test_a_missing_episode_is_an_error_and_an_image_without_alt_a_warning(copy: Path):
    (copy / "issues" / "2026-10-01-october.md").write_text(
        "---\ntitle: October letter\ndate: 2026-10-01\nepisodes: [2026-09-03-rain-gear, "
        "2026-09-30-nowhere]\n---\nHello.\n\n![](https://rain.example.org/photos/wet.png)\n"
    )
    report = build.build(copy)
    issue = copy / "issues" / "2026-10-01-october.md"
    [error] = report.problems.errors
    assert error.path == issue and "'2026-09-30-nowhere'" in error.message
    assert [p for p in report.problems.warnings if p.path == issue and "alt text" in p.message]
    out = copy / "feeds" / "issues" / "2026-10-01-october"
    assert "Listen to Rain gear" in (out / "email.html").read_text()


def test_a_broken_email_template_is_reported_and_the_last_email_kept(copy: Path):
    before = (files(copy) / "email.html").read_bytes()
    (copy / "templates").mkdir()
    (copy / "templates" / "email.mjml").write_text("<mjml><mj-body><mj-section>")
    report = build.build(copy)
    [error] = report.problems.errors
    assert "email.mjml" in error.message and f"issues/{ISSUE}/email.html" in error.message
    assert (files(copy) / "email.html").read_bytes() == before
    assert (files(copy) / "index.html").is_file()


# --- the rules of pipeline check --------------------------------------------------------------


END = "</body>"
BROKEN = [  # (what the built email.html has, what replaces it once, the rule that fires)
    (END, "<script>alert(1)</script>" + END, "email-unsafe"),
    (END, '<a href="../other/">Other</a>' + END, "email-links"),
    (END, '<img src="https://a.example/x.png">' + END, "email-images"),
    (END, '<img src="/x.webp" alt="" width="9">' + END, "email-images"),
    ('<a href="https://rain', '<a onclick="x()" href="https://rain', "email-unsafe"),
    ('class="episode-card"', 'class="episode-card"><audio></audio', "email-episode-card"),
    ("lists.example.org/unsubscribe?", "lists.example.org/?", "email-unsubscribe-link"),
    ("<!DOCTYPE html>", "", "email-doctype"),
    ("max-width:600px", "max-width:640px", "email-width"),
    ("</head>", '<link rel="stylesheet" href="https://fonts.example/css"></head>', "email-css"),
    (END, "<p>{{ name }}</p>" + END, "email-placeholders"),
    (END, '<a href="https://bit.ly/x">Click here</a>' + END, "email-link-text"),
    ("mso-hide:all", "", "email-preheader"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "rule"), BROKEN)
def test_each_rule_names_what_breaks_it(built: Path, tmp_path: Path, old: str, new: str, rule: str):
    out = tmp_path / "feeds"
    shutil.copytree(files(built), out / "issues" / ISSUE)
    site = load_site(built)
    assert check_emails(out, site) == []
    html = out / "issues" / ISSUE / "email.html"
    text = html.read_text()
    assert old in text
    html.write_text(text.replace(old, new, 1))
    found = check_emails(out, site)
    assert [p for p in found if p.message.endswith(f"[{rule}]")], [str(p) for p in found]
    for problem in found:
        assert problem.message.startswith(f"issues/{ISSUE}/email.")
        level = "warning" if problem.message.endswith("[email-size]") else None
        rule_of = problem.message.rsplit("[", 1)[1].rstrip("]")
        assert problem.level == (level or EMAIL_RULES[rule_of][0])
    assert check_emails(out, site, skip=frozenset({rule})) == [
        p for p in found if not p.message.endswith(f"[{rule}]")
    ]


def test_a_message_without_its_headers_breaks_the_message_rules(built: Path, tmp_path: Path):
    out = tmp_path / "feeds"
    shutil.copytree(files(built), out / "issues" / ISSUE)
    eml = out / "issues" / ISSUE / "email.eml"
    msg = message(built)
    for name in ("List-Unsubscribe-Post", "Message-ID"):
        del msg[name]
    del msg["Subject"]
    msg["Subject"] = "Hi"
    eml.write_bytes(msg.as_bytes(policy=policy.SMTP))
    rules = {p.message.rsplit("[", 1)[1] for p in check_emails(out, load_site(built))}
    assert rules >= {"email-unsubscribe-header]", "email-headers]", "email-subject]"}
    assert "email-head]" in rules  # the <title> is no longer the subject


# --- the example show -------------------------------------------------------------------------


def test_the_example_shows_issues_pass_every_error_rule(tmp_path: Path):
    root = tmp_path / "show"
    root.mkdir()
    for name in ("site.toml", "artwork.png"):
        shutil.copy(REPO / name, root / name)
    for name in ("episodes", "issues", "templates"):
        shutil.copytree(REPO / name, root / name)
    report = build.build(root)
    assert [str(p) for p in report.problems.errors] == []
    assert report.transcribed == []
    out = root / "feeds"
    emails = sorted(out.glob("issues/*/email.html"))
    assert len(emails) == len(list((REPO / "issues").glob("*.md"))) == 2
    found = check_emails(out, load_site(root))
    assert [str(p) for p in found if p.level == "error"] == []
    assert all(len(p.read_bytes()) < 90_000 for p in emails)


# --- in a browser ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [375, 600])
def test_the_email_fits_a_phone_and_a_desktop_pane_without_scrolling_sideways(
    built: Path, width: int
):
    artwork = (built / "feeds" / "artwork.png").read_bytes()
    with headless_chromium() as chromium:
        page = chromium.new_page(viewport={"width": width, "height": 800})
        # Remote images (the artwork, the issue's photo) come from here, not the network.
        page.route(
            "http*://**/*",
            lambda route: route.fulfill(status=200, content_type="image/png", body=artwork),
        )
        page.goto((files(built) / "email.html").as_uri())
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner == width
        boxes = page.evaluate(
            "[...document.images].map(i => {const r = i.getBoundingClientRect();"
            " return [i.src, r.left, r.right, r.width];})"
        )
        assert len(boxes) == 2  # the issue's photo and the episode's artwork
        for src, left, right, shown in boxes:
            assert left >= 0 and right <= width and shown > 0, src
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"email-{width}.png"), full_page=True)


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("[click](javascript:alert(1)) now", "click now"),
        ("[c](JavaScript:alert(1))", "c"),
        ("[c](javascript&#58;alert(1))", "c"),
        ("[c](data:text/html,x) [f](ftp://e.org/)", "c f"),
        ("[mail](mailto:a@e.org)", "mail (mailto:a@e.org)"),
        ("[w](https://e.org/Foo_(bar)).", "w (https://e.org/Foo_(bar))."),
        ("[here](/x)", "here (https://rain.example.org/x)"),
    ],
)
def test_the_text_part_offers_only_web_and_mail_addresses(markdown: str, text: str):
    """A link to anything but http(s) or mailto is its text alone in the text part."""
    assert markdown_text(markdown, {}, "https://rain.example.org/issues/i/") == text
