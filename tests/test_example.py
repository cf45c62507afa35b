"""The example show as a reader meets it: the structure of an episode page, and a site in
which every link resolves.

The example ships its transcripts (as a host's folder holds them after the first build), so
this builds it without Whisper. When a change to transcription makes them stale, this test
runs Whisper and the suite says so: build the example show again and commit its
transcript.json files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import lxml.html
import pytest

from pipeline import build

REPO = Path(__file__).resolve().parents[1]
SLUG = "2026-09-17-quiet-routes"  # two speakers, one track each; episodes before and after


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, build.BuildReport]:
    root = tmp_path_factory.mktemp("example") / "show"
    root.mkdir()
    for name in ("site.toml", "artwork.png"):
        shutil.copy(REPO / name, root / name)
    for name in ("episodes", "issues", "templates"):
        shutil.copytree(REPO / name, root / name)
    return root, build.build(root)


def test_the_example_show_builds_with_every_link_resolving(example):
    root, report = example
    assert [str(p) for p in report.problems.errors] == []
    assert report.transcribed == []  # its transcripts are current
    assert [str(p) for p in build.check(root).errors] == []


def test_an_episode_page_reads_as_an_article_with_its_player_and_links(example):
    root, _report = example
    html = (root / "feeds" / "episodes" / SLUG / "index.html").read_text()
    page = lxml.html.fromstring(html)
    assert page.get("lang") == "en"
    assert [h.text_content() for h in page.iter("h1")] == ["Finding Quiet Routes Across Town"]
    player = page.get_element_by_id("player")
    assert player.tag == "audio" and player.get("src") == f"{SLUG}.mp3"
    assert player.find("track").get("src") == "transcript.vtt"
    sections = [h.text_content() for h in page.iter("h2")]
    assert sections[:2] == ["Key points", "The short version"]
    assert {"Chapters", "Show notes", "Transcript"} <= set(sections)
    assert {"Mentioned here", "Mentioned in", "Related episodes"} <= set(sections)
    chapters = page.xpath("//ol[@class='chapters']/li")
    assert len(chapters) >= 3
    transcript = page.get_element_by_id("transcript")
    paragraphs = transcript.xpath(".//div[contains(@class, 'paragraph')]")
    assert len(paragraphs) >= 5
    for paragraph in paragraphs:
        link = paragraph.xpath(".//a[@class='ts']")[0]
        assert link.get("href") == f"#t={link.get('data-start')}"
        assert paragraph.get("id") == f"at-{link.get('data-start')}"
        assert paragraph.xpath(".//details[@class='cite']/p[@class='citation']")
    speakers = {s.text_content() for s in transcript.xpath(".//span[@class='speaker']")}
    assert speakers == {"Emma Brown:", "Ben Carter:"}
    headings = [h.text_content() for h in transcript.xpath(".//h3[@class='transcript-chapter']")]
    assert (
        headings
        == [c.xpath("./a[not(@class)]")[0].text_content() for c in chapters][: len(headings)]
    )
    [data] = page.xpath("//script[@type='application/ld+json']")
    assert json.loads(data.text)["@type"] == "PodcastEpisode"
    around = page.xpath("//nav[@class='around']/a")
    assert [a.get("rel") for a in around] == ["prev", "next"]
    assert page.xpath("//link[@rel='canonical']")[0].get("href") == (
        f"https://example.org/rain-and-bikes/episodes/{SLUG}/"
    )
