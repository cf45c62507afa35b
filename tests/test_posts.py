"""Episode pages for people who read: the transcript as paragraphs under chapter headings."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline import build
from tests.test_shorten import CHAPTERS, SLUG, add_episode, page, speak


def test_the_transcript_reads_like_an_article(show: Path):
    add_episode(show, speak())
    assert build.build(show).problems.errors == []
    html = page(show)
    section = html.split('<section class="transcript" id="transcript">')[1].split("</section>")[0]
    headings = re.findall(r'<h3 class="transcript-chapter">([^<]+)</h3>', section)
    assert headings == [title for title, _notes, _said in CHAPTERS]
    paragraphs = re.findall(
        r"<p><a class=\"ts\" href=\"#t=([\d.]+)\"[^>]*>[^<]+</a>(.*?)</p>", section
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
    assert 'href="mailto:owner@rain.example.org?subject=Transcript%20of%20Rain%20gear"' in section
    assert '<track kind="captions" src="transcript.vtt" srclang="en" label="Transcript">' in html
    assert (show / "feeds" / "episodes" / SLUG / "transcript.vtt").is_file()
