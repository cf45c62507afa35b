"""A host checks the published site: every internal link leads somewhere, and every episode
page carries its transcript (the GitHub issue "linked text posts")."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import build
from pipeline.check.pages import PAGE_RULES, check_pages
from pipeline.errors import Problem
from tests.factories import make_site
from tests.test_shorten import SLUG, add_episode, speak

SITE = make_site()  # https://rain.example.org/
EPISODE = "episodes/2026-09-03-rain-gear/index.html"
FIX = "correct it where the page gets it (the notes in the outline, or a template) and rebuild"


def write(out: Path, rel: str, body: str, head: str = "") -> Path:
    """One page of the site, as the templates would write it."""
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )
    return path


def episode_page(transcript: bool = True, extra: str = "") -> str:
    section = (
        '<section class="transcript" id="transcript"><h2>Transcript</h2>'
        '<p><a class="ts" href="#t=12.5">0:12</a> Fenders keep you dry.</p></section>'
        if transcript
        else ""
    )
    return (
        '<audio id="player" controls src="2026-09-03-rain-gear.mp3">'
        '<track kind="captions" src="transcript.vtt" srclang="en"></audio>'
        '<h2 id="chapters">Chapters</h2><a href="#chapter-1" id="chapter-1">Welcome</a>'
        f'<a href="../../index.html">Home</a>{extra}{section}'
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A small, clean output folder: home page, one episode, one text post, feeds, artwork."""
    out = tmp_path / "feeds"
    head = (
        '<link rel="alternate" type="application/rss+xml" '
        'href="https://rain.example.org/podcast.xml">'
        '<link rel="icon" href="{root}artwork.png">'
        '<link rel="canonical" href="https://rain.example.org/{here}">'
        '<script src="https://cdn.example.com/x.js"></script>'
    )
    write(
        out,
        "index.html",
        '<img src="artwork.png" alt=""><ul id="archive">'
        f'<li><a href="{EPISODE}">Rain gear</a></li>'
        '<li><a href="issues/2026-09-letter/">September letter</a></li></ul>',
        head.format(root="", here=""),
    )
    write(out, EPISODE, episode_page(), head.format(root="../../", here=EPISODE[:-10]))
    write(
        out,
        "issues/2026-09-letter/index.html",
        "<p>Dear riders, listen to "
        '<a href="../../episodes/2026-09-03-rain-gear/index.html#t=30">the fenders</a> and '
        '<a href="https://rain.example.org/episodes/2026-09-03-rain-gear/#transcript">read it</a>.'
        '</p><a href="mailto:owner@rain.example.org?subject=Hi">Write</a>',
        head.format(root="../../", here="issues/2026-09-letter/"),
    )
    for name in ("podcast.xml", "artwork.png", "episodes/2026-09-03-rain-gear/transcript.vtt"):
        (out / name).write_bytes(b"x")
    (out / "episodes/2026-09-03-rain-gear/2026-09-03-rain-gear.mp3").write_bytes(b"x")
    return out


def error(out: Path, page: str, rule: str, text: str) -> Problem:
    return Problem(PAGE_RULES[rule][0], out / page, f"{page}: {text} [{rule}]")


def test_a_clean_site_passes_every_page_rule(site: Path):
    assert check_pages(site, SITE) == []


def test_a_relative_link_to_a_missing_file_is_named_with_its_fix(site: Path):
    write(site, "about/index.html", '<a href="../episodes/2026-09-10-lights/">Lights</a>')
    assert check_pages(site, SITE) == [
        error(
            site,
            "about/index.html",
            "broken-link",
            "the link “../episodes/2026-09-10-lights/” leads to "
            "episodes/2026-09-10-lights/index.html, which is not in the output folder; " + FIX,
        )
    ]


def test_a_fragment_must_name_an_id_in_its_page(site: Path):
    write(
        site,
        "about/index.html",
        '<a href="../index.html#archive">all</a> <a href="../index.html#episodes">all</a>'
        ' <a href="#team">team</a> <a href="#top">top</a>',
    )
    assert check_pages(site, SITE) == [
        error(
            site,
            "about/index.html",
            "broken-fragment",
            "the link “../index.html#episodes” leads to #episodes, but index.html has no "
            'element with id="episodes"; ' + FIX,
        ),
        error(
            site,
            "about/index.html",
            "broken-fragment",
            "the link “#team” leads to #team, but about/index.html has no element with "
            'id="team"; ' + FIX,
        ),
    ]


def test_a_time_link_is_left_to_the_player(site: Path):
    write(site, EPISODE, episode_page(extra='<a href="#t=61.2">1:01</a><a href="#t=x">?</a>'))
    assert check_pages(site, SITE) == []


def test_a_link_to_the_sites_own_url_is_checked_in_the_output_folder(site: Path):
    write(
        site,
        "about/index.html",
        '<a href="https://rain.example.org/podcast.xml">feed</a>'
        '<a href="https://rain.example.org">home</a>'
        '<a href="https://rain.example.org/episodes/2026-09-03-rain-gear/#chapters">ch</a>'
        '<a href="https://rain.example.org/episodes/gone/">gone</a>'
        '<a href="https://rain.example.org/index.html#episodes">list</a>',
    )
    assert check_pages(site, SITE) == [
        error(
            site,
            "about/index.html",
            "broken-link",
            "the link “https://rain.example.org/episodes/gone/” leads to "
            "episodes/gone/index.html, which is not in the output folder; " + FIX,
        ),
        error(
            site,
            "about/index.html",
            "broken-fragment",
            "the link “https://rain.example.org/index.html#episodes” leads to #episodes, but "
            'index.html has no element with id="episodes"; ' + FIX,
        ),
    ]


def test_the_rest_of_the_hosts_site_is_left_to_it(site: Path):
    """The host's support page and people pages are served beside the output, not from it."""
    write(
        site,
        "about/index.html",
        '<a href="https://rain.example.org/support/">support</a>'
        '<a href="https://rain.example.org/people/maria-santos/">Maria</a>'
        '<a href="/shop/index.html">shop</a>',
    )
    assert check_pages(site, SITE) == []


def test_a_link_is_read_as_a_browser_reads_it(site: Path):
    write(site, "topics/über räder/index.html", '<h1 id="top-1">Über Räder</h1>')
    write(
        site,
        "about/index.html",
        '<a href="../topics/%C3%BCber%20r%C3%A4der/?sort=new#top-1">topic</a>'
        '<a href="../topics/über räder">no slash</a>'
        '<a href="/episodes/2026-09-03-rain-gear/transcript.vtt">root</a>'
        '<a href="./../artwork.png?v=2">art</a> <a href="">here</a> <a href="?page=2">here</a>'
        '<a href=" ../podcast.xml ">spaced</a>',
    )
    assert check_pages(site, SITE) == []


def test_links_to_other_sites_are_not_followed(site: Path):
    write(
        site,
        "about/index.html",
        '<a href="https://example.com/nowhere/">x</a><a href="http://rain.example.org/x">x</a>'
        '<a href="//cdn.example.com/x.js">x</a><a href="mailto:ada@example.org">x</a>'
        '<img src="data:image/png;base64,AAAA" alt=""><a href="javascript:void(0)">x</a>'
        '<a href="tel:+4912345">x</a><script src="https://cdn.example.com/y.js"></script>',
    )
    assert check_pages(site, SITE) == []


def test_a_link_out_of_the_output_folder_is_refused(site: Path):
    (site.parent / "site.toml").write_text("title = 'Rain and Bikes'\n")
    write(
        site,
        "about/index.html",
        '<a href="../../site.toml">settings</a>'
        '<a href="https://rain.example.org/../site.toml">again</a>',
    )
    refused = "leads outside the output folder, where nothing is published; link to a file of "
    refused += "the site, or to an absolute https:// URL"
    assert check_pages(site, SITE) == [
        error(site, "about/index.html", "link-outside", f"the link “../../site.toml” {refused}"),
        error(
            site,
            "about/index.html",
            "link-outside",
            f"the link “https://rain.example.org/../site.toml” {refused}",
        ),
    ]


def test_a_site_below_its_host_resolves_links_from_its_own_root(site: Path):
    below = make_site(url="https://example.org/rain/")
    write(
        site,
        "about/index.html",
        '<a href="/rain/podcast.xml">feed</a><a href="/rain">home</a>'
        '<a href="https://example.org/rain/index.html#archive">archive</a>'
        '<a href="/other/podcast.xml">another show of the host</a>'
        '<a href="/rain/episodes/gone/">gone</a><a href="/rain/../secret.txt">escape</a>',
    )
    assert check_pages(site, below) == [
        error(
            site,
            "about/index.html",
            "broken-link",
            "the link “/rain/episodes/gone/” leads to episodes/gone/index.html, which is not "
            "in the output folder; " + FIX,
        ),
        error(
            site,
            "about/index.html",
            "link-outside",
            "the link “/rain/../secret.txt” leads outside the output folder, where nothing is "
            "published; link to a file of the site, or to an absolute https:// URL",
        ),
    ]


def test_an_episode_published_without_a_transcript_is_warned(site: Path):
    write(site, EPISODE, episode_page(transcript=False))
    write(site, "episodes/index.html", '<audio id="player" src="../podcast.xml"></audio>')
    assert check_pages(site, SITE) == [
        Problem(
            "warning",
            site / EPISODE,
            f"{EPISODE}: is published without a transcript, so readers who cannot listen get "
            "no text alternative (WCAG 1.2.1); run `pipeline transcribe 2026-09-03-rain-gear` "
            "(with --force when its transcript.json has no text), then `pipeline build` to "
            "publish it [no-transcript]",
        ),
        error(  # and the text post that sends readers to it finds nothing to read
            site,
            "issues/2026-09-letter/index.html",
            "broken-fragment",
            "the link “https://rain.example.org/episodes/2026-09-03-rain-gear/#transcript” "
            "leads to #transcript, but episodes/2026-09-03-rain-gear/index.html has no element "
            'with id="transcript"; ' + FIX,
        ),
    ]


def test_a_broken_page_link_is_reported_once_per_page_and_skippable(site: Path):
    write(site, "about/index.html", '<a href="gone.html">a</a><a href="gone.html">b</a>')
    (site / "episodes/2026-09-03-rain-gear/transcript.vtt").unlink()  # the track is gone
    assert [p.path for p in check_pages(site, SITE)] == [site / "about/index.html", site / EPISODE]
    assert check_pages(site, SITE, skip=frozenset({"broken-link"})) == []


def test_an_empty_or_missing_folder_has_no_pages_to_check(tmp_path: Path):
    assert check_pages(tmp_path / "feeds", SITE) == []
    write(tmp_path, "feeds/index.html", "")
    (tmp_path / "feeds" / "blank.html").write_text("")
    assert check_pages(tmp_path / "feeds", SITE) == []


# --- the real build ---------------------------------------------------------------------------


def test_a_built_show_has_no_broken_links_and_every_transcript(show: Path):
    spoken = speak()
    add_episode(show, spoken, front='topics: ["Rain gear", "Über Räder"]\n')
    older = "2026-08-20-first-ride"
    add_episode(show, spoken, slug=older, title="First ride", front="topics: [rain GEAR]\n")
    (show / "issues" / "2026-09-letter.md").write_text(
        f"---\ntitle: September letter\ndate: 2026-09-10\n---\nDear riders,\n\n"
        f"Listen to [[{SLUG}]] and [[{older}]].\n"
    )
    report = build.build(show)
    assert report.problems.errors == []
    page_rules = tuple(f"[{rule}]" for rule in PAGE_RULES)
    assert [str(p) for p in report.problems.items if p.message.endswith(page_rules)] == []
    out = show / "feeds"
    assert (out / "issues" / "2026-09-letter" / "index.html").is_file()
    assert check_pages(out, SITE) == []
    assert [str(p) for p in build.check(show).items if p.message.endswith(page_rules)] == []
