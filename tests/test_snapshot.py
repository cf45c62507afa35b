"""The last good version of an episode: saved as JSON and read back to the same model."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline import snapshot
from pipeline.model import (
    AudioFile,
    Chapter,
    Episode,
    Issue,
    Person,
    PublishedAudio,
    Recording,
    Segment,
    Transcript,
    Word,
)
from pipeline.snapshot import SnapshotError


def episode(root: Path) -> Episode:
    folder = root / "episodes" / "2026-09-03-rain"
    take = AudioFile(folder / "take.wav", "wav", "pcm_s16le", 12.5, 4000, 1, 16000, "a" * 64)
    return Episode(
        slug="2026-09-03-rain",
        folder=folder,
        title="No",  # text, whatever YAML would have made of it
        date=datetime(2026, 9, 3, 18, 30, tzinfo=UTC),
        body="Rain.\n\n## Jackets\n",
        intro="Rain.",
        chapters=(Chapter("Jackets", 0.0, "Dry.", False), Chapter("Fenders", 750.5, "", True)),
        number=3,
        type="bonus",
        topics=("rain", "gear"),
        hosts=(Person("Ada"),),
        guests=(Person("Cy", "guest", "https://cy.example.org/", None),),
        short_ranges=((10.0, 70.0),),
        cover=folder / "cover.jpg",
        recording=Recording(files=(take,)),
        transcript=Transcript(
            segments=(Segment("Hello.", 0.0, 0.9, "Ada"),),
            words=(Word("Hello.", 0.0, 0.9, 0.93, "Ada"),),
            engine="faster-whisper",
            model="tiny.en",
            language="en",
            settings=(("beam_size", 5), ("temperature", (0.0, 0.2))),
            recording_sha256="a" * 64,
            edited=True,
        ),
        audio=PublishedAudio(root / ".pipeline/master/x.mp3", 1000, 12.5, 1, loudness=-19.0),
        references=("2026-09-17-routes",),
    )


def test_an_episode_comes_back_as_it_was_saved(tmp_path: Path):
    saved = episode(tmp_path)
    snapshot.save(tmp_path / "kept.json", saved, tmp_path)
    assert snapshot.load(tmp_path / "kept.json", tmp_path) == saved


def test_an_issue_comes_back_as_it_was_saved(tmp_path: Path):
    issue = Issue(
        "2026-09-letter",
        tmp_path / "issues/2026-09-letter.md",
        "September",
        datetime(2026, 9, 30, tzinfo=UTC),
        "Hello.",
        episodes=("2026-09-03-rain",),
    )
    snapshot.save(tmp_path / "kept.json", issue, tmp_path)
    assert snapshot.load(tmp_path / "kept.json", tmp_path) == issue


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda item: item.update(folder="/etc"), "item.folder: leads outside the show folder"),
        (lambda item: item.update(cover="../x.jpg"), "item.cover: leads outside the show folder"),
        (lambda item: item.update(number="3"), "item.number: expected a whole number"),
        (lambda item: item.update(type="exec"), "item.type: unexpected value"),
        (lambda item: item.update(extra=1), "item: unexpected fields"),
        (lambda item: item.update(date="2026-09-03"), "item.date: expected a date with a time"),
    ],
)
def test_a_tampered_snapshot_is_refused(tmp_path: Path, change, why):
    snapshot.save(tmp_path / "kept.json", episode(tmp_path), tmp_path)
    doc = json.loads((tmp_path / "kept.json").read_text())
    change(doc["item"])
    (tmp_path / "kept.json").write_text(json.dumps(doc))
    with pytest.raises(SnapshotError, match=re.escape(why)):
        snapshot.load(tmp_path / "kept.json", tmp_path)


def test_a_link_out_of_the_show_is_refused(tmp_path: Path):
    root = tmp_path / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "episodes/2026-09-03-rain").symlink_to(tmp_path)
    snapshot.save(root / "kept.json", episode(root), tmp_path)  # saved relative to its parent
    doc = json.loads((root / "kept.json").read_text())
    doc["item"]["folder"] = "episodes/2026-09-03-rain"
    doc["item"]["cover"] = None
    doc["item"]["recording"] = None
    doc["item"]["audio"]["path"] = ".pipeline/master/x.mp3"
    (root / "kept.json").write_text(json.dumps(doc))
    with pytest.raises(SnapshotError, match=re.escape("item.folder: leads outside the show")):
        snapshot.load(root / "kept.json", root)


def test_nan_is_not_a_number_a_snapshot_holds(tmp_path: Path):
    (tmp_path / "kept.json").write_text('{"format": NaN}')
    with pytest.raises(SnapshotError, match="cannot be read"):
        snapshot.load(tmp_path / "kept.json", tmp_path)
