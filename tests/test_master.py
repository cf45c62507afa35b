"""Mastering: what a subscriber downloads is loud enough, never clips, is tagged, and is cached."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from PIL import Image

from pipeline import audio, master
from pipeline.config import load_site
from pipeline.errors import ContentError
from pipeline.load import load_episode
from tests.conftest import write_outline
from tests.test_audio import ebur128_file, packets, sha256, speechlike, tone, write_wav

FRONT = """
title: Fenders, finally
date: 2024-08-07
number: 12
summary: Why your socks are always wet.
"""
SPEECH = (
    "Welcome back to Rain and Bikes. Today Ada explains why mudguards matter, "
    "and Ben admits that his socks have been wet since March."
)


def add_episode(show: Path, slug: str, recording: Path | None = None, front=FRONT, body=""):
    """Put an outline (and a copy of a recording) into episodes/<slug>/; load the episode."""
    folder = show / "episodes" / slug
    write_outline(folder, front, body)
    if recording is not None:
        shutil.copyfile(recording, folder / recording.name)
    return load_episode(folder, load_site(show), show)


def run(show: Path, episode, **kwargs):
    site = load_site(show)
    return master.master_episode(episode, site, show / ".pipeline" / "master", None, **kwargs)


def decoded(path: Path) -> tuple[np.ndarray, int]:
    return audio.decode(path)


class CountingWriter(audio.Mp3Writer):
    """Counts the masters encoded, to prove that cached work is not done again."""

    opened = 0

    def __init__(self, dest: Path, *args, **kwargs) -> None:
        if dest.parent.name == "master":
            CountingWriter.opened += 1
        super().__init__(dest, *args, **kwargs)


@pytest.fixture
def encodes(monkeypatch):
    CountingWriter.opened = 0
    monkeypatch.setattr(audio, "Mp3Writer", CountingWriter)
    return CountingWriter


def host_files(show: Path) -> dict[str, str]:
    files = (show / "episodes").rglob("*")
    return {str(p.relative_to(show)): sha256(p) for p in files if p.is_file()}


# --- the published audio ------------------------------------------------------------------


def test_spoken_mono_recording_is_published_at_minus_19_lufs_without_overs(show, speak):
    episode = add_episode(show, "2024-08-07-fenders", speak(SPEECH))
    before = host_files(show)
    seen: list[tuple[float, float]] = []

    published = run(show, episode, progress=lambda done, total: seen.append((done, total)))

    samples, rate = decoded(published.path)
    loudness, peak = ebur128_file(published.path)
    assert published.path.suffix == ".mp3"
    assert published.path.parent == show / ".pipeline" / "master"
    assert (rate, samples.shape[0], published.channels) == (44100, 1, 1)
    assert loudness == pytest.approx(-19.0, abs=1.0)
    assert peak <= -1.0 + 0.1
    assert published.loudness == pytest.approx(loudness, abs=0.2)
    assert published.true_peak <= -1.0
    assert published.size == published.path.stat().st_size
    assert published.duration == pytest.approx(samples.shape[1] / rate, abs=1e-6)
    assert published.duration == pytest.approx(episode.recording.duration, abs=0.03)
    assert published.mime_type == "audio/mpeg"
    assert audio.audio_bitrate(published.path) == pytest.approx(64, rel=0.02)
    assert host_files(show) == before  # nothing written into, or changed in, the episode
    dones = [done for done, _ in seen]
    assert dones == sorted(dones) and seen[-1] == (episode.recording.duration,) * 2


def test_stereo_48k_recording_stays_stereo_at_minus_16_lufs(show, tmp_path):
    left = speechlike(3, 48000)
    source = write_wav(tmp_path / "take.wav", np.vstack([left, left * 0.5]), 48000)
    episode = add_episode(show, "stereo", source)

    published = run(show, episode)

    samples, rate = decoded(published.path)
    loudness, peak = ebur128_file(published.path)
    assert (rate, samples.shape[0], published.channels) == (48000, 2, 2)
    assert loudness == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0 + 0.1
    assert audio.audio_bitrate(published.path) == pytest.approx(128, rel=0.02)
    balance = np.sqrt(np.mean(samples[1] ** 2) / np.mean(samples[0] ** 2))
    assert balance == pytest.approx(0.5, abs=0.05)  # the stereo image is kept


def test_the_show_sets_its_own_loudness_and_bitrate(show, speak):
    with open(show / "site.toml", "a") as f:
        f.write("\n[audio]\nloudness = -23\nbitrate = 48\n")
    episode = add_episode(show, "quiet-show", speak("A quieter show, on purpose."))

    published = run(show, episode)

    loudness, _ = ebur128_file(published.path)
    assert loudness == pytest.approx(-23.0, abs=1.0)
    assert audio.audio_bitrate(published.path) == pytest.approx(48, rel=0.02)


def test_tracks_of_each_speaker_are_mixed_to_one_mono_file(show, tmp_path):
    # Ada's track: stereo 48 kHz, 440 Hz for two seconds. Ben's: mono 16 kHz, 1320 Hz from
    # 1 s to 3 s. The published file is mono and holds both, in time.
    ada = tone(440, 2.0, 48000, level=0.2)
    ben = np.concatenate([np.zeros(16000, np.float32), tone(1320, 2.0, 16000, level=0.2)])
    folder = show / "episodes" / "two-voices"
    write_wav(folder / "tracks" / "Ada.wav", np.vstack([ada, ada]), 48000)
    write_wav(folder / "tracks" / "Ben.wav", ben, 16000)
    write_outline(folder, FRONT)
    episode = load_episode(folder, load_site(show), show)
    assert episode.recording.is_multitrack

    published = run(show, episode)

    samples, rate = decoded(published.path)
    assert (rate, samples.shape[0], published.channels) == (44100, 1, 1)
    assert published.duration == pytest.approx(3.0, abs=0.01)
    loudness, peak = ebur128_file(published.path)
    assert loudness == pytest.approx(-19.0, abs=1.0)
    assert peak <= -1.0 + 0.1

    def strength(seconds: slice, freq: float) -> float:
        part = samples[0, int(seconds.start * rate) : int(seconds.stop * rate)]
        spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
        return spectrum[int(freq * len(part) / rate)]

    assert strength(slice(0.2, 0.8), 440) > 100 * strength(slice(0.2, 0.8), 1320)  # Ada alone
    assert strength(slice(2.2, 2.8), 1320) > 100 * strength(slice(2.2, 2.8), 440)  # Ben alone
    both = slice(1.2, 1.8)
    assert strength(both, 440) == pytest.approx(strength(both, 1320), rel=0.2)


# --- caching ------------------------------------------------------------------------------


def test_a_rebuild_does_no_work_and_a_title_edit_only_retags(show, speak, encodes):
    episode = add_episode(show, "cached", speak(SPEECH))
    first = run(show, episode)
    assert encodes.opened == 1
    stamp = first.path.stat().st_mtime_ns

    seen: list[tuple[float, float]] = []
    again = run(show, episode, progress=lambda done, total: seen.append((done, total)))
    assert encodes.opened == 1  # not encoded again
    assert again == first and again.path.stat().st_mtime_ns == stamp
    assert seen == [(episode.recording.duration, episode.recording.duration)]

    edited = add_episode(show, "cached", front=FRONT.replace("Fenders, finally", "Mudguards!"))
    retitled = run(show, edited)
    assert encodes.opened == 1  # re-tagged, not re-encoded
    assert retitled.path != first.path and not first.path.exists()  # the old copy is gone
    assert str(ID3(retitled.path)["TIT2"]) == "Mudguards!"
    assert packets(retitled.path) == packets(_master_of(first.path))
    assert (retitled.duration, retitled.loudness) == (first.duration, first.loudness)


def _master_of(tagged: Path) -> Path:
    [untagged] = tagged.parent.glob(f"{tagged.name.split('.')[0]}.*.master.mp3")
    return untagged


def test_a_changed_recording_is_mastered_again(show, speak, encodes):
    episode = add_episode(show, "retake", speak(SPEECH))
    first = run(show, episode)
    (episode.folder / speak(SPEECH).name).unlink()
    retake = add_episode(show, "retake", speak("A shorter second take."))
    second = run(show, retake)
    assert encodes.opened == 2
    assert second.duration < first.duration
    assert sorted(p.name for p in (show / ".pipeline" / "master").iterdir()) == sorted(
        [second.path.name, _master_of(second.path).name, _master_of(second.path).stem + ".json"]
    )


def test_a_finished_mp3_is_published_byte_for_byte(show, speak, tmp_path, encodes):
    # A host who masters in their own editor: an MP3 at 64 kbps, -19 LUFS, under -1 dBTP.
    done = run(show, add_episode(show, "elsewhere", speak(SPEECH)))
    finished = tmp_path / "final.mp3"
    shutil.copyfile(done.path, finished)
    episode = add_episode(show, "finished", finished)
    host_copy = episode.folder / "final.mp3"
    before = sha256(host_copy)
    encodes.opened = 0

    published = run(show, episode)

    assert encodes.opened == 0
    assert packets(published.path) == packets(host_copy)  # the same MP3 frames
    assert sha256(host_copy) == before  # tagged a copy, not the host's file
    assert published.duration == pytest.approx(done.duration, abs=1e-6)
    loudness, peak = ebur128_file(published.path)
    assert loudness == pytest.approx(-19.0, abs=1.0) and peak <= -1.0 + 0.1


def test_a_loud_128k_mp3_is_normalised_and_encoded_at_64k(show, tmp_path, encodes):
    loud = audio.encode_mp3(speechlike(3) * 4, 44100, tmp_path / "loud.mp3", 128)
    episode = add_episode(show, "loud", loud)
    published = run(show, episode)
    assert encodes.opened == 1
    assert audio.audio_bitrate(published.path) == pytest.approx(64, rel=0.02)
    loudness, peak = ebur128_file(published.path)
    assert loudness == pytest.approx(-19.0, abs=1.0) and peak <= -1.0 + 0.1


def test_where_the_encoder_lifts_a_peak_over_the_ceiling_it_is_limited_harder(
    show, tmp_path, encodes, monkeypatch
):
    # Without headroom for LAME's coding noise, the first encode overshoots -1 dBTP.
    monkeypatch.setattr(master, "_HEADROOM_DB", 0.0)
    source = write_wav(tmp_path / "take.wav", speechlike(4), 44100)
    episode = add_episode(show, "overshoot", source)

    published = run(show, episode)

    assert encodes.opened >= 2
    assert published.true_peak <= -1.0
    loudness, peak = ebur128_file(published.path)
    assert peak <= -1.0 + 0.1
    assert loudness == pytest.approx(-19.0, abs=0.5)


# --- tags ---------------------------------------------------------------------------------


def test_the_published_copy_carries_podcast_tags_and_chapters(show, speak):
    Image.new("RGB", (32, 32), (10, 120, 200)).save(show / "artwork.png")
    body = "Intro text.\n\n## Hello\n\nHi.\n\n## 0:02 Fenders\n\nLong ones.\n"
    episode = add_episode(show, "tagged", speak(SPEECH), body=body)
    Image.new("RGB", (32, 32), (200, 20, 20)).save(episode.folder / "cover.png")
    episode = add_episode(show, "tagged", body=body)  # loaded again: now with its cover
    before = host_files(show)

    published = master.master_episode(
        episode, load_site(show), show / ".pipeline" / "master", show / "artwork.png"
    )

    id3 = ID3(published.path)
    assert id3.version == (2, 4, 0)
    assert str(id3["TIT2"]) == "Fenders, finally"
    assert str(id3["TALB"]) == "Rain and Bikes"
    assert str(id3["TPE1"]) == "Ada and Ben"
    assert str(id3["TDRC"]) == "2024-08-07"
    assert str(id3["TRCK"]) == "12"
    assert id3.getall("COMM")[0].text == ["Why your socks are always wet."]
    assert str(id3["TCON"]) == "Podcast" and id3.getall("PCST")[0].value == 1
    assert id3.getall("APIC")[0].data == (episode.folder / "cover.png").read_bytes()
    [toc] = id3.getall("CTOC")
    chapters = {c.element_id: c for c in id3.getall("CHAP")}
    assert [str(chapters[i].sub_frames["TIT2"]) for i in toc.child_element_ids] == [
        "Hello",
        "Fenders",
    ]
    times = [(chapters[i].start_time, chapters[i].end_time) for i in toc.child_element_ids]
    assert times == [(0, 2000), (2000, round(published.duration * 1000))]
    assert host_files(show) == before  # the host's recording and cover are untouched


def test_without_an_episode_cover_the_show_artwork_is_embedded(show, speak):
    Image.new("RGB", (32, 32), (10, 120, 200)).save(show / "artwork.png")
    episode = add_episode(show, "plain", speak(SPEECH), body="## One\n\n## Two\n")
    published = master.master_episode(
        episode, load_site(show), show / ".pipeline" / "master", show / "artwork.png"
    )
    id3 = ID3(published.path)
    assert id3.getall("APIC")[0].data == (show / "artwork.png").read_bytes()
    # "Two" has no time yet (the chapters stage places it): like chapters.json, the MP3
    # lists the chapters that have one.
    assert [str(c.sub_frames["TIT2"]) for c in id3.getall("CHAP")] == ["One"]
    assert id3.getall("CTOC")[0].child_element_ids == ["chp0"]


# --- broken audio -------------------------------------------------------------------------


def test_audio_that_cannot_be_decoded_is_named(show, speak):
    episode = add_episode(show, "broken", speak(SPEECH))
    recording_path = episode.recording.files[0].path
    recording_path.write_bytes(b"RIFF" + b"\x00" * 2000)  # damaged after it was loaded
    with pytest.raises(ContentError) as caught:
        run(show, episode)
    assert caught.value.path == recording_path
    assert str(recording_path) in str(caught.value)
    assert "re-export" in str(caught.value)
    assert not list((show / ".pipeline" / "master").glob("broken.*"))


def test_a_broken_track_is_named(show):
    folder = show / "episodes" / "tracks-broken"
    write_wav(folder / "tracks" / "Ada.wav", tone(440, 1.0), 44100)
    write_wav(folder / "tracks" / "Ben.wav", tone(660, 1.0), 44100)
    write_outline(folder, FRONT)
    episode = load_episode(folder, load_site(show), show)
    ben = folder / "tracks" / "Ben.wav"
    ben.write_bytes(b"\xff\xfb" + b"nonsense" * 300)  # damaged after it was loaded
    with pytest.raises(ContentError) as caught:
        run(show, episode)
    assert caught.value.path == ben
