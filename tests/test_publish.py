"""Publishing: atomic writes, unchanged files left alone, broken episodes kept, one build."""

from __future__ import annotations

import pytest

from pipeline.model import Output
from pipeline.publish import publish, publish_order


def test_publish_writes_then_skips_unchanged(tmp_path):
    out, state = tmp_path / "feeds", tmp_path / ".pipeline"
    media = tmp_path / "a.mp3"
    media.write_bytes(b"mp3 bytes")
    outputs = [
        Output("podcast.xml", b"<rss/>"),
        Output("episodes/a/index.html", b"<p>a</p>", owner="a"),
        Output("episodes/a/a.mp3", source=media, owner="a"),
    ]
    first = publish(outputs, out, state)
    assert sorted(first.written) == ["episodes/a/a.mp3", "episodes/a/index.html", "podcast.xml"]
    assert (out / "episodes/a/a.mp3").read_bytes() == b"mp3 bytes"
    stamps = {p: (out / p).stat().st_mtime_ns for p in first.written}

    second = publish(outputs, out, state)
    assert second.written == [] and len(second.unchanged) == 3
    assert {p: (out / p).stat().st_mtime_ns for p in first.written} == stamps
    assert not [p for p in out.rglob("*.tmp")]


def test_removed_outputs_disappear_but_kept_owners_stay(tmp_path):
    out, state = tmp_path / "feeds", tmp_path / ".pipeline"
    publish(
        [
            Output("episodes/a/index.html", b"a", owner="a"),
            Output("episodes/b/index.html", b"b", owner="b"),
        ],
        out,
        state,
    )
    (out / "notes.txt").write_text("the host's own file")
    report = publish(
        [Output("episodes/b/index.html", b"b2", owner="b")], out, state, kept_owners={"a"}
    )
    assert (out / "episodes/a/index.html").read_bytes() == b"a"  # broken: kept as it was
    assert report.removed == []
    report = publish([Output("episodes/b/index.html", b"b2", owner="b")], out, state)
    assert report.removed == ["episodes/a/index.html"]
    assert not (out / "episodes/a").exists()
    assert (out / "notes.txt").read_text() == "the host's own file"  # never ours to delete


def test_media_first_feeds_last():
    paths = ["podcast.xml", "index.html", "episodes/a/a.mp3", "episodes/a/index.html", "shorts.xml"]
    assert sorted(paths, key=publish_order) == [
        "episodes/a/a.mp3",
        "episodes/a/index.html",
        "index.html",
        "podcast.xml",
        "shorts.xml",
    ]


def test_paths_cannot_leave_the_output(tmp_path):
    with pytest.raises(ValueError, match="would leave the output folder"):
        publish([Output("../escape.html", b"x")], tmp_path / "feeds", tmp_path / "state")
