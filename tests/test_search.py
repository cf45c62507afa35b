"""Searching the show: every transcript paragraph is found at its moment, and the index is
rebuilt only when a page's text changes."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from pipeline import build
from pipeline.render import search
from tests.test_shorten import SLUG, add_episode, speak


def pagefind_files(show: Path) -> dict[str, bytes]:
    folder = show / "feeds" / "pagefind"
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def indexed(show: Path) -> dict[str, dict]:
    """What the search index holds, by address: Pagefind's fragments are gzipped JSON."""
    found = {}
    for name, data in pagefind_files(show).items():
        if name.startswith("fragment/"):
            record = json.loads(gzip.decompress(data).removeprefix(b"pagefind_dcd"))
            found[record["url"]] = record
    return found


def test_every_paragraph_is_found_at_its_moment(show: Path):
    spoken = speak()
    add_episode(show, spoken, front='summary: "Capes & <b>boots</b>"\n')
    (show / "issues" / "2026-09-30-letter.md").write_text(
        "---\ntitle: September letter\ndate: 2026-09-30\n---\nZeppelins over the moor.\n"
    )
    assert build.build(show).problems.errors == []
    files = pagefind_files(show)
    assert {"pagefind.js", "pagefind-entry.json", "wasm.en.pagefind"} <= set(files)
    assert any(name.startswith("index/") for name in files)
    assert not any("-ui." in name or name.startswith("playground") for name in files)
    records = indexed(show)
    page = f"/episodes/{SLUG}/index.html"
    assert set(records) == {page, "/issues/2026-09-30-letter/index.html"}  # no listing pages
    episode = records[page]
    assert episode["meta"]["title"] == "Rain gear"
    words = episode["content"]
    assert "Capes & <b>boots</b>" in words  # as text: the page escapes it
    assert "Welcome back to Rain and Bikes" in words  # what was said
    assert "Link to this paragraph" not in words and "Made by speech" not in words
    html = (show / "feeds" / page.lstrip("/")).read_text()
    starts = re.findall(r'<div class="paragraph[^"]*" id="at-([\d.]+)"', html)
    anchors = [a for a in episode["anchors"] if a["id"].startswith("at-")]
    assert [a["id"][3:] for a in anchors] == starts
    assert starts[0] == str(spoken.segments[0].start)
    # Each paragraph's anchor stands where its words start among the page's words.
    where = {a["id"]: a["location"] for a in anchors}
    second = words.split()[where[f"at-{starts[1]}"] :]
    assert second[:3] == ["0:10", "Ada:", spoken.segments[2].text.split()[0]]
    search_page = (show / "feeds" / "search" / "index.html").read_text()
    assert '<input type="search" name="q" id="q"' in search_page
    assert 'import("../pagefind/pagefind.js")' in search_page
    assert "<noscript>" in search_page


def test_the_index_is_rebuilt_only_when_a_text_changes(show: Path):
    add_episode(show, speak())
    build.build(show)
    before = pagefind_files(show)
    again = build.build(show)
    assert not [p for p in again.written if p.startswith("pagefind/")]
    assert pagefind_files(show) == before
    issue = show / "issues" / "2026-09-30-letter.md"
    issue.write_text("---\ntitle: September letter\ndate: 2026-09-30\n---\nZeppelins.\n")
    changed = build.build(show)
    assert "pagefind/pagefind-entry.json" in changed.written
    assert pagefind_files(show) != before
    cached = list((show / ".pipeline" / "search").iterdir())
    assert len(cached) == 1  # the older index is forgotten


def test_when_the_index_cannot_be_built_the_last_one_stays(show: Path, monkeypatch):
    add_episode(show, speak())
    build.build(show)
    before = pagefind_files(show)

    def broken(*_args: object) -> None:
        raise OSError("pagefind: exec format error")

    monkeypatch.setattr(search, "_build", broken)
    (show / "issues" / "2026-09-30-letter.md").write_text(
        "---\ntitle: September letter\ndate: 2026-09-30\n---\nZeppelins.\n"
    )
    report = build.build(show)
    [warning] = [p for p in report.problems.warnings if "search index" in p.message]
    assert warning.message == (
        "the search index could not be built (pagefind: exec format error); search finds what "
        "the last index held. Check that the pagefind package is installed (pip install "
        "'pagefind[bin]')"
    )
    assert pagefind_files(show) == before
