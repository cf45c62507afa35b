"""A hand-edited or hostile transcript.json becomes a named problem, never a traceback.

Bad values in ``transcript.json`` are refused by ``store.read`` with the file and the field;
whatever a Transcript carries, the published captions keep their structure.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.errors import ContentError
from pipeline.formats.transcripts import LINE, to_podcast_json, to_srt, to_text, to_vtt
from pipeline.model import Segment, Transcript, Word
from pipeline.transcribe import store

PLACEHOLDER = "@@hand-edited@@"


def _transcript(speaker: str | None = "Ada") -> Transcript:
    texts = ["Welcome back.", "It rained all day.", "My shoes are wet.", "Bye for now."]
    segments = tuple(Segment(text, 2.0 * i, 2.0 * i + 1.5, speaker) for i, text in enumerate(texts))
    words = tuple(
        Word(tok, s.start + 0.3 * k, s.start + 0.3 * (k + 1), 0.9, speaker)
        for s in segments
        for k, tok in enumerate(s.text.split())
    )
    return Transcript(
        segments=segments,
        words=words,
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(("beam_size", 5),),
        recording_sha256="0" * 64,
    )


def _hand_edit(tmp_path: Path, where: tuple[str | int, ...], literal: str) -> Path:
    """transcript.json with the JSON text ``literal`` written by hand at ``where``."""
    doc = json.loads(store.dumps(_transcript()))
    target = doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = PLACEHOLDER
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(doc, indent=2).replace(f'"{PLACEHOLDER}"', literal), "utf-8")
    return path


def _refused(path: Path) -> str:
    with pytest.raises(ContentError) as info:
        store.read(path)
    assert info.value.path == path
    message = str(info.value)
    assert len(message) < 400, message  # never a huge repr() of the value
    message.encode("utf-8")  # printable: no lone surrogate of the file in it
    assert "delete" in info.value.detail  # and what to correct, or the way out
    return info.value.detail


# --- store.read: numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "literal", "field"),
    [
        (("segments", 3, "start"), "NaN", "segments[3].start"),
        (("segments", 0, "end"), "Infinity", "segments[0].end"),
        (("words", 2, "start"), "-Infinity", "words[2].start"),
        (("words", 1, "end"), "1e400", "words[1].end"),
        (("segments", 1, "start"), "-1e400", "segments[1].start"),
        (("words", 0, "probability"), "NaN", "words[0].probability"),
        (("settings", "beam_size"), "Infinity", "settings.beam_size"),
    ],
)
def test_a_number_that_is_not_finite_is_refused(
    tmp_path: Path, where: tuple[str | int, ...], literal: str, field: str
) -> None:
    detail = _refused(_hand_edit(tmp_path, where, literal))
    assert field in detail and "finite" in detail


@pytest.mark.parametrize(
    ("where", "literal", "field", "says"),
    [
        (("segments", 2, "end"), "604800.5", "segments[2].end", "7 days"),
        (("words", 3, "start"), "1e300", "words[3].start", "7 days"),
        (("segments", 0, "start"), "-0.5", "segments[0].start", "negative"),
        (("words", 0, "probability"), "1.5", "words[0].probability", "between 0 and 1"),
        (("words", 4, "probability"), "-0.1", "words[4].probability", "between 0 and 1"),
    ],
)
def test_a_time_or_probability_out_of_range_is_refused(
    tmp_path: Path, where: tuple[str | int, ...], literal: str, field: str, says: str
) -> None:
    detail = _refused(_hand_edit(tmp_path, where, literal))
    assert field in detail and says in detail


def test_the_longest_time_is_a_named_bound(tmp_path: Path) -> None:
    assert store.MAX_SECONDS == 7 * 24 * 3600
    path = _hand_edit(tmp_path, ("segments", 3, "end"), str(store.MAX_SECONDS))
    assert store.read(path) is not None


@pytest.mark.parametrize("digits", [5000, 100_000])
def test_an_integer_with_thousands_of_digits_is_refused(tmp_path: Path, digits: int) -> None:
    path = _hand_edit(tmp_path, ("segments", 1, "start"), "1" * digits)
    detail = _refused(path)
    assert "segments[1].start" in detail and "digits" in detail
    assert "1" * 50 not in detail


def test_a_huge_integer_anywhere_is_refused(tmp_path: Path) -> None:
    path = _hand_edit(tmp_path, ("settings", "beam_size"), "-" + "9" * 5000)
    assert "settings.beam_size" in _refused(path)


# --- store.read: structure -----------------------------------------------------------------


@pytest.mark.parametrize("opening", ["[", '{"a":', '{"segments": ['])
def test_deeply_nested_json_is_refused_fast(tmp_path: Path, opening: str) -> None:
    path = tmp_path / "transcript.json"
    path.write_text(opening * 100_000, encoding="utf-8")
    started = time.monotonic()
    detail = _refused(path)
    assert time.monotonic() - started < 2
    assert "nest" in detail


def test_nesting_within_json_limits_is_still_refused(tmp_path: Path) -> None:
    # deep enough to stress a recursive walk, shallow enough for json.loads
    path = _hand_edit(tmp_path, ("settings", "beam_size"), "[" * 900 + "]" * 900)
    detail = _refused(path)
    assert "settings.beam_size" in detail and "nest" in detail


def test_a_missing_field_is_named_with_its_place(tmp_path: Path) -> None:
    doc = json.loads(store.dumps(_transcript()))
    del doc["segments"][1]["start"]
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert "'segments[1].start' is missing" in _refused(path)


def test_a_wrong_type_is_described_not_repeated(tmp_path: Path) -> None:
    path = _hand_edit(tmp_path, ("segments", 2, "text"), json.dumps(list(range(100_000))))
    detail = _refused(path)
    assert "segments[2].text" in detail and "must be text, not a list" in detail


def test_an_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    assert store.MAX_BYTES == 64 * 1024 * 1024
    path = tmp_path / "transcript.json"
    with path.open("wb") as f:
        f.truncate(store.MAX_BYTES + 1)  # sparse: nothing on disk
    started = time.monotonic()
    detail = _refused(path)
    assert time.monotonic() - started < 0.5
    assert "64 MiB" in detail


def test_a_folder_in_place_of_the_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "transcript.json"
    path.mkdir()
    assert "regular file" in _refused(path)


# --- store.read: characters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "literal", "field", "char"),
    [
        (("segments", 2, "text"), r'"a\u0000b"', "segments[2].text", "U+0000"),
        (("segments", 1, "text"), r'"clear \u001b[2J screen"', "segments[1].text", "U+001B"),
        (("segments", 0, "text"), r'"two\nlines"', "segments[0].text", "U+000A"),
        (("words", 3, "text"), r'"tab\tbed"', "words[3].text", "U+0009"),
        (("words", 5, "text"), r'"next\u0085line"', "words[5].text", "U+0085"),
        (("segments", 3, "text"), r'"del\u007f"', "segments[3].text", "U+007F"),
        (("segments", 3, "text"), r'"\ud800"', "segments[3].text", "U+D800"),
        (("words", 0, "text"), r'"x\udfffy"', "words[0].text", "U+DFFF"),
        (("segments", 1, "speaker"), r'"Ada\n\n2\n00:00:00,000 --> 00:00:09,000"', "", "U+000A"),
        (("segments", 2, "speaker"), r'"Ada\tBen"', "segments[2].speaker", "U+0009"),
        (("segments", 0, "speaker"), r'"Ada\rBen"', "segments[0].speaker", "U+000D"),
        (("segments", 3, "speaker"), r'"Ada\u2028Ben"', "segments[3].speaker", "U+2028"),
        (("segments", 2, "text"), r'"said \u202eyas"', "segments[2].text", "U+202E"),
        (("segments", 1, "speaker"), r'"\u2066Ada\u2069"', "segments[1].speaker", "U+2066"),
        (("words", 2, "speaker"), r'"\udbff"', "words[2].speaker", "U+DBFF"),
        (("engine",), r'"faster\u0007whisper"', "engine", "U+0007"),
        (("model",), r'"tiny\u009b.en"', "model", "U+009B"),
        (("language",), r'"\ud800"', "language", "U+D800"),
        (("recording_sha256",), r'"00\n00"', "recording_sha256", "U+000A"),
        (("settings", "beam_size"), r'"\ud800"', "settings.beam_size", "U+D800"),
    ],
)
def test_a_control_character_or_lone_surrogate_is_refused(
    tmp_path: Path, where: tuple[str | int, ...], literal: str, field: str, char: str
) -> None:
    detail = _refused(_hand_edit(tmp_path, where, literal))
    assert (field or "segments[1].speaker") in detail and char in detail


def test_a_lone_surrogate_in_a_name_nobody_reads_is_refused(tmp_path: Path) -> None:
    doc = json.loads(store.dumps(_transcript()))
    doc["note \ud800"] = 1
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(doc), encoding="utf-8")  # ensure_ascii writes \ud800
    assert "U+D800" in _refused(path)


def test_a_long_bad_value_is_shown_short(tmp_path: Path) -> None:
    literal = json.dumps("x" * 10_000 + "\x00" + "y" * 10_000)
    detail = _refused(_hand_edit(tmp_path, ("segments", 0, "text"), literal))
    assert "U+0000" in detail and "segments[0].text" in detail
    assert "x" * 41 not in detail and "y" * 41 not in detail


def test_ordinary_text_round_trips(tmp_path: Path) -> None:
    t = _transcript(speaker="Zoë Ñúñez-O'Brien")
    edited = Segment("Café – “quoted”, no\u00a0break, 👩\u200d🚲 and a soft\u00adhyphen.", 9.0, 9.5)
    t = replace(t, segments=(*t.segments, edited))
    path = tmp_path / "transcript.json"
    store.write(path, t)
    assert store.read(path) == t


# --- store.write ---------------------------------------------------------------------------


def test_writing_uses_the_shared_atomic_write_and_keeps_the_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "transcript.json"
    store.write(path, _transcript())
    path.chmod(0o640)
    calls: list[tuple[Path, int]] = []
    real = store.write_atomic

    def spy(dest: Path, data: bytes | None = None, mode: int = 0o644) -> None:
        calls.append((dest, mode))
        real(dest, data=data, mode=mode)

    monkeypatch.setattr(store, "write_atomic", spy)
    store.write(path, _transcript(speaker="Ben"))
    assert calls == [(path, 0o640)]
    assert path.stat().st_mode & 0o777 == 0o640
    assert store.read(path) == _transcript(speaker="Ben")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["transcript.json"]

    backup = store.keep_edited(path)
    assert calls[-1] == (backup, 0o644)
    assert backup.read_bytes() == path.read_bytes()


# --- formats: speaker names cannot inject structure ----------------------------------------

INJECTION = "Ada\n\n2\n00:00:00,000 --> 00:00:09,000\nInjected"


def _one_speaker(name: str, text: str, start: float = 0.0) -> Transcript:
    tokens = text.split()
    words = tuple(
        Word(tok, start + 0.2 * k, start + 0.2 * (k + 1), 0.9, name) for k, tok in enumerate(tokens)
    )
    return Transcript(
        segments=(Segment(text, start, start + 0.2 * len(tokens), name),),
        words=words,
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(),
        recording_sha256="0" * 64,
    )


def test_a_speaker_name_cannot_inject_subrip_cues() -> None:
    srt = to_srt(_one_speaker(INJECTION, "Hello there."))
    cues = [c for c in srt.strip("\n").split("\n\n") if c]
    assert len(cues) == 1
    lines = srt.splitlines()
    assert "Injected" not in lines and "2" not in lines
    assert lines[0] == "1"
    assert lines[2] == "Ada 2 00:00:00,000 -> 00:00:09,000 Injected: Hello there."


def test_no_subrip_text_line_reads_as_a_cues_times() -> None:
    """A line holding ``-->`` is a timing line to SubRip readers, whatever else it holds."""
    said = "Then --> 00:00:05,000 and ---> on, and -> stays."
    srt = to_srt(_one_speaker("Ada-->Ben", said))
    timing = [line for line in srt.splitlines() if "-->" in line]
    assert timing == ["00:00:00,000 --> 00:00:01,800"]
    assert "Ada->Ben: Then -> 00:00:05,000 and -> on, and -> stays." in srt.replace("\n", " ")


def test_a_speaker_name_cannot_inject_webvtt_lines() -> None:
    vtt = to_vtt(_one_speaker(INJECTION, "Hello there."))
    blocks = vtt.strip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT" and len(blocks) == 2
    assert blocks[1].splitlines()[1] == (
        "<v Ada 2 00:00:00,000 --&gt; 00:00:09,000 Injected>Hello there."
    )


def test_a_speaker_name_is_one_line_in_text_and_json() -> None:
    t = _one_speaker(INJECTION, "Hello there.")
    assert to_text(t) == "Ada 2 00:00:00,000 --> 00:00:09,000 Injected: Hello there.\n"
    (entry,) = json.loads(to_podcast_json(t))["segments"]
    assert entry["speaker"] == "Ada 2 00:00:00,000 --> 00:00:09,000 Injected"


def test_control_characters_and_lone_surrogates_never_reach_published_files() -> None:
    t = _one_speaker("Ada\x00\x1b[31m\ud800 Ben\x85", "Hello\x07 \x1b[2J there\ud800.")
    control = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
    for out in (to_srt(t), to_vtt(t), to_text(t), to_podcast_json(t)):
        assert not control.search(out)
        out.encode("utf-8")
    assert "<v Ada[31m Ben>Hello [2J there." in to_vtt(t)


def test_a_speaker_name_of_only_spaces_is_no_speaker() -> None:
    t = _one_speaker(" \n\t", "Hello there.")
    assert to_vtt(t) == "WEBVTT\n\n00:00:00.000 --> 00:00:00.400\nHello there.\n"
    assert to_srt(t) == "1\n00:00:00,000 --> 00:00:00,400\nHello there.\n"
    assert to_text(t) == "Hello there.\n"
    assert "speaker" not in json.loads(to_podcast_json(t))["segments"][0]


# --- formats: long speaker names keep their label -------------------------------------------

SPEECH = (
    "We rode along the river for three hours in steady rain, and my fenders kept the worst "
    "of the spray off my back and my shoes dry until the very last hill of the day, when a "
    "lorry went through a puddle the size of a pond and soaked the two of us to the bone. "
    "We laughed all the way to the bakery in Kessel, where the baker gave us towels, hot "
    "tea and the best bread we had eaten all week, and let us dry our socks by the oven."
)


def _name(length: int) -> str:
    name = ("Augusta Ada King, Countess of Lovelace and Baroness Wentworth " * 5)[:length]
    name = name.rstrip().ljust(length, "X")
    assert len(name) == length
    return name


@pytest.mark.parametrize("length", [51, 52, 56, 60, 120])
def test_every_webvtt_cue_of_a_long_named_speaker_has_its_voice_tag(length: int) -> None:
    name = _name(length)
    blocks = to_vtt(_one_speaker(name, SPEECH)).strip("\n").split("\n\n")[1:]
    assert len(blocks) > 3
    tag = f"<v {name}>"
    said: list[str] = []
    for block in blocks:
        lines = block.splitlines()[1:]
        assert lines[0].startswith(tag)
        visible = [lines[0].removeprefix(tag), *lines[1:]]
        assert all(0 < len(line) <= LINE for line in visible)
        said.extend(" ".join(visible).split())
    assert said == SPEECH.split()


@pytest.mark.parametrize("length", [56, 60, 120])
def test_a_long_named_speaker_keeps_the_subrip_label(length: int) -> None:
    name = _name(length)
    cues = to_srt(_one_speaker(name, SPEECH)).strip("\n").split("\n\n")
    said: list[str] = []
    for n, cue in enumerate(cues):
        lines = cue.splitlines()[2:]
        if n == 0:
            assert lines[0] == f"{name}:"
            lines = lines[1:]
        assert lines and all(0 < len(line) <= LINE for line in lines)
        said.extend(" ".join(lines).split())
    assert said == SPEECH.split()
