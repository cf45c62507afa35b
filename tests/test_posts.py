"""Episode pages for people who read: the transcript as paragraphs under chapter headings."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from pipeline import build, link
from pipeline.errors import Problems
from pipeline.model import Episode, Segment, Show, Transcript
from tests.factories import make_site
from tests.test_shorten import CHAPTERS, SLUG, add_episode, page, speak


def test_the_transcript_reads_like_an_article(show: Path):
    add_episode(show, speak())
    assert build.build(show).problems.errors == []
    html = page(show)
    section = html.split('<section class="transcript" id="transcript">')[1].split("</section>")[0]
    headings = re.findall(r'<h3 class="transcript-chapter">([^<]+)</h3>', section)
    assert headings == [title for title, _notes, _said in CHAPTERS]
    paragraphs = re.findall(
        r"<p><a class=\"ts\" href=\"#t=([\d.]+)\"[^>]*>[^<]+</a> (.*?)</p>", section
    )
    # One speaker, one paragraph per chapter: the name once, where each chapter opens.
    assert len(paragraphs) == len(CHAPTERS)
    assert all(text.startswith('<span class="speaker">Ada:</span> ') for _t, text in paragraphs)
    assert (
        "Welcome back to Rain and Bikes, the show about riding in any weather. Today we"
        in (paragraphs[0][1])
    )
    assert float(paragraphs[1][0]) > float(paragraphs[0][0])
    assert "Made by speech recognition, so it may get a word wrong" in section
    assert "unsure" not in section and "corrected" not in section  # clear speech, as heard
    cites = re.findall(r'<summary>Cite</summary><p class="citation">(.*?)</p><p>(.*?)</p>', section)
    [(cite, own)] = cites[:1]
    start = paragraphs[0][0]
    here = f"https://rain.example.org/episodes/{SLUG}/#t={start}"
    assert cite == (
        f'Ada, “Rain gear”, Rain and Bikes, 3 September 2026, at 0:00. <a href="{here}">{here}</a>'
    )
    assert own == f'<a class="own" href="#at-{start}">Link to this paragraph</a>'
    assert f'id="at-{start}"' in section
    assert 'href="mailto:owner@rain.example.org?subject=Transcript%20of%20Rain%20gear"' in section
    assert '<track kind="captions" src="transcript.vtt" srclang="en" label="Transcript">' in html
    assert (show / "feeds" / "episodes" / SLUG / "transcript.vtt").is_file()


def test_every_page_can_be_found_shared_and_followed(show: Path):
    spoken = speak()
    add_episode(show, spoken)
    older = "2026-08-20-first-ride"
    add_episode(show, spoken, slug=older, title="First ride </script><script>alert(1)</script>")
    assert build.build(show).problems.errors == []
    out = show / "feeds"
    url = "https://rain.example.org/"
    for path in ("index.html", f"episodes/{SLUG}/index.html", f"episodes/{older}/index.html"):
        html = (out / path).read_text()
        here = url + path.removesuffix("index.html")
        assert f'<link rel="canonical" href="{here}">' in html
        assert f'<meta property="og:url" content="{here}">' in html
        assert f'<meta property="og:image" content="{url}artwork.png">' in html
        for feed in ("podcast", "shorts", "newsletter"):
            assert (
                f'type="application/rss+xml" title="Rain and Bikes ({feed})" href="{url}{feed}.xml"'
                in html
            )
    newest = page(show)
    assert f'<a rel="prev" href="../{older}/index.html">' in newest and 'rel="next"' not in newest
    first = (out / "episodes" / older / "index.html").read_text()
    assert f'<a rel="next" href="../{SLUG}/index.html">Rain gear →</a>' in first
    assert "<script>alert(1)</script>" not in first
    [ld] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', first, re.S)
    doc = json.loads(ld)
    assert doc["@type"] == "PodcastEpisode"
    assert doc["name"] == "First ride </script><script>alert(1)</script>"
    assert doc["url"] == f"{url}episodes/{older}/"
    assert doc["associatedMedia"]["contentUrl"] == f"{url}episodes/{older}/{older}.mp3"
    assert "Welcome back to Rain and Bikes" in doc["associatedMedia"]["transcript"]
    assert doc["partOfSeries"] == {"@type": "PodcastSeries", "name": "Rain and Bikes", "url": url}


def test_topic_pages_list_the_episodes_about_each_topic(show: Path):
    spoken = speak()
    add_episode(show, spoken, front='topics: ["Rain gear", "Über Räder", "<b>x</b>"]\n')
    older = "2026-08-20-first-ride"
    add_episode(show, spoken, front="topics: [rain GEAR]\n", slug=older, title="First ride")
    assert build.build(show).problems.errors == []
    out = show / "feeds" / "topics"
    assert sorted(p.name for p in out.iterdir()) == [
        "b-x-b",
        "index.html",
        "rain-gear",
        "uber-rader",
    ]
    rain = (out / "rain-gear" / "index.html").read_text()
    assert "<h1>Rain gear</h1>" in rain and "2 episodes" in rain
    assert rain.index(f"episodes/{SLUG}/index.html") < rain.index(f"episodes/{older}/index.html")
    assert "<h1>&lt;b&gt;x&lt;/b&gt;</h1>" in (out / "b-x-b" / "index.html").read_text()
    index = (out / "index.html").read_text()
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a> \((\d+)\)</li>', index) == [
        ("b-x-b/index.html", "&lt;b&gt;x&lt;/b&gt;", "1"),
        ("rain-gear/index.html", "Rain gear", "2"),
        ("uber-rader/index.html", "Über Räder", "1"),
    ]
    assert '<a href="../../topics/uber-rader/index.html">Über Räder</a>' in page(show)
    sitemap = (show / "feeds" / "sitemap.xml").read_text()
    assert "<loc>https://rain.example.org/topics/rain-gear/</loc>" in sitemap
    assert "<loc>https://rain.example.org/topics/</loc>" in sitemap
    assert (
        '<a href="topics/index.html">Browse by topic</a>'
        in (show / "feeds" / "index.html").read_text()
    )


def _talking(slug: str, topics: tuple[str, ...], text: str):

    transcript = Transcript(
        (Segment(text, 0.0, 60.0),), (), "faster-whisper", "tiny.en", "en", (), "0"
    )
    return Episode(
        slug=slug,
        folder=Path(slug),
        title=slug,
        date=datetime(2026, 9, int(slug[8:10]), tzinfo=UTC),
        body="",
        topics=topics,
        transcript=transcript,
    )


def test_episodes_with_no_shared_topic_but_similar_talk_are_related():

    fenders = "Long fenders with mud flaps keep the spray off your back and your chain clean. "
    council = "The council voted on the budget for the new tram line and the parking fees. "
    episodes = (
        _talking("2026-09-03-a", ("gear",), fenders * 3 + "Mudguards rattle on cobbles."),
        _talking("2026-09-10-b", ("winter",), fenders * 2 + "Mudguards and spray in winter."),
        _talking("2026-09-17-c", (), council * 3),
        _talking("2026-09-24-d", ("gear",), council * 2 + "Tram tracks and parking."),
    )
    show = Show(Path("."), make_site(), episodes, ())
    related = {e.slug: e.related for e in link.link(show, Problems()).episodes}
    assert related["2026-09-10-b"] == ("2026-09-03-a",)  # no shared topic: the talk
    assert related["2026-09-03-a"][:2] == ("2026-09-24-d", "2026-09-10-b")  # topic, then talk
    assert related["2026-09-17-c"] == ("2026-09-24-d",)
    assert all(slug not in related[slug] for slug in related)


def test_a_link_to_an_episode_that_does_not_exist_names_the_file_and_line(show: Path):
    add_episode(show, speak(), front="summary: Capes.\n")
    (show / "issues" / "2026-09-30-letter.md").write_text(
        "---\ntitle: September letter\ndate: 2026-09-30\n---\n\nDear riders,\n\n"
        f"Listen to [[{SLUG}]], then [[2026-09-31-typo]].\n"
    )
    report = build.build(show)
    issue = show / "issues" / "2026-09-30-letter.md"
    [problem] = [p for p in report.problems.items if "typo" in p.message]
    assert (problem.level, problem.path) == ("warning", issue)
    assert problem.message == (
        "line 8: [[2026-09-31-typo]] names no episode or issue; it is shown as plain text: use "
        "the name of a folder in episodes/ or of a file in issues/ (without .md)"
    )
    letter = (show / "feeds" / "issues" / "2026-09-30-letter" / "index.html").read_text()
    assert f'<a href="../../episodes/{SLUG}/index.html" rel="noopener">Rain gear</a>' in letter
    assert "then 2026-09-31-typo." in letter


def test_script_in_any_text_of_the_show_is_shown_as_text_on_every_page(show: Path):
    attack = "<script>alert(1)</script>"
    spoken = speak()
    spoken = replace(
        spoken,
        segments=(replace(spoken.segments[0], text=f"Welcome {attack}"), *spoken.segments[1:]),
    )
    front = (
        f'summary: "Capes {attack}"\ntopics: ["{attack}"]\n'
        f'guests: [{{name: "Kim {attack}", href: "https://kim.example.org/"}}]\n'
    )
    add_episode(show, spoken, front=front, title=f"Rain {attack}")
    folder = show / "episodes" / SLUG
    text = (folder / "outline.md").read_text()
    (folder / "outline.md").write_text(
        text.replace("Welcome\n", f"Welcome {attack}\n\nNotes {attack}\n", 1)
    )
    (show / "issues" / "2026-09-30-letter.md").write_text(
        f"---\ntitle: Letter {attack}\ndate: 2026-09-30\n---\nDear riders {attack}\n"
    )
    assert build.build(show).problems.errors == []
    pages = sorted((show / "feeds").rglob("*.html"))
    assert len(pages) >= 6  # home, episode, issue, topic, topics, search
    for path in pages:
        html = path.read_text()
        assert "alert(1)</script>" not in html, path
    episode = page(show)
    assert "Rain &lt;script&gt;alert(1)&lt;/script&gt;" in episode
    assert "Kim &lt;script&gt;alert(1)&lt;/script&gt;" in episode
    assert "Welcome &lt;script&gt;alert(1)&lt;/script&gt;" in episode  # the transcript
