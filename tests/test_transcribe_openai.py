"""The openai-whisper engine (extra ``openai``) on the same tiny.en weights as the default one."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import jiwer
import numpy as np
import pytest

from pipeline.audio import probe
from pipeline.model import Episode, Person, Recording, Site, TranscribeSettings
from pipeline.transcribe import read_transcript, transcribe_episode
from tests.conftest import LIBRIVOX, OPENAI_CHECKPOINT

pytest.importorskip(
    "whisper",
    reason="openai-whisper is not installed: pip install torch==2.13.0 (the CPU build), then "
    "pip install 'showfolder-pipeline[openai]'",
)
if not OPENAI_CHECKPOINT.is_file():
    pytest.skip(
        f"the openai-whisper checkpoint {OPENAI_CHECKPOINT} is missing (see shared/models)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.slow

READING = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0920.wav"  # 6 s


def _site(engine: str, model: str) -> Site:
    return Site(
        title="Rain and Bikes",
        url="https://rain.example.org/",
        description="Two friends talk about cycling in bad weather.",
        language="en",
        author="Ada",
        email="owner@rain.example.org",
        categories=("Leisure",),
        transcribe=TranscribeSettings(engine=engine, model=model),
    )


def _episode(folder: Path, audio: Path) -> Episode:
    folder.mkdir(parents=True)
    shutil.copyfile(audio, folder / "recording.wav")
    return Episode(
        slug=folder.name,
        folder=folder,
        title="Sense and bikes",
        date=datetime(2024, 8, 7, tzinfo=UTC),
        body="",
        hosts=(Person("Ada"), Person("Ben")),
        recording=Recording((probe(folder / "recording.wav"),)),
    )


def _words(text: str) -> str:
    return " ".join(jiwer.RemovePunctuation()(text.lower()).split())


def test_openai_whisper_hears_what_faster_whisper_hears(tmp_path: Path) -> None:
    ep = _episode(tmp_path / "openai", READING)
    result = transcribe_episode(ep, _site("openai-whisper", str(OPENAI_CHECKPOINT)))

    t = result.transcript
    assert result.transcribed
    assert (t.engine, t.model) == ("openai-whisper", str(OPENAI_CHECKPOINT))
    reference = READING.with_suffix(".txt").read_text()
    assert jiwer.wer(_words(reference), _words(t.text)) <= 0.1, t.text
    starts = [w.start for w in t.words]
    assert t.words and starts == sorted(starts) and all(w.end <= 6.1 for w in t.words)
    assert read_transcript(ep.transcript_path) == t
    assert (
        transcribe_episode(ep, _site("openai-whisper", str(OPENAI_CHECKPOINT))).transcribed is False
    )

    default = transcribe_episode(
        _episode(tmp_path / "default", READING), _site("faster-whisper", "tiny.en")
    )
    assert jiwer.wer(_words(default.transcript.text), _words(t.text)) <= 0.1


def test_openai_whisper_invents_nothing_over_silence(tmp_path: Path) -> None:
    import wave

    audio = tmp_path / "silence.wav"
    with wave.open(str(audio), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(5 * 16000, "<i2").tobytes())
    t = transcribe_episode(
        _episode(tmp_path / "quiet", audio), _site("openai-whisper", str(OPENAI_CHECKPOINT))
    ).transcript
    assert t.segments == () and t.words == ()
