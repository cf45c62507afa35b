"""Audio primitives: loudness and true peak agree with FFmpeg's meter, limiting, MP3, ID3 tags."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from av.filter import Graph
from mutagen.id3 import ID3

from pipeline import audio
from pipeline.errors import ContentError

RATE = 44100


# --- helpers (test_master imports them too) -----------------------------------------------


def ebur128(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) by FFmpeg's ebur128 filter.

    An independent meter: the code under test never uses it.
    """
    samples = np.atleast_2d(samples).astype(np.float32)
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    graph = Graph()
    source = graph.add_abuffer(
        format="fltp", sample_rate=rate, layout=layout, time_base=f"1/{rate}"
    )
    meter = graph.add("ebur128", "metadata=1:peak=true")
    sink = graph.add("abuffersink")
    source.link_to(meter)
    meter.link_to(sink)
    graph.configure()
    found: dict[str, str] = {}
    peak = 0.0

    def drain() -> None:
        nonlocal peak
        while True:
            try:
                frame = graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            found.update(frame.metadata)
            peak = max(peak, float(frame.metadata.get("lavfi.r128.true_peak", 0.0)))

    for start in range(0, samples.shape[1], 4096):
        block = np.ascontiguousarray(samples[:, start : start + 4096])
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        graph.push(frame)
        drain()
    graph.push(None)
    drain()
    return float(found["lavfi.r128.I"]), 20 * np.log10(peak) if peak > 0 else -np.inf


def ebur128_file(path: Path) -> tuple[float, float]:
    samples, rate = audio.decode(path)
    return ebur128(samples, rate)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Write float samples (channels, n) as a 32-bit float WAV, exactly as given."""
    samples = np.atleast_2d(samples).astype(np.float32)
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_f32le", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples.T.reshape(1, -1)), format="flt", layout=layout
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def tone(freq: float, seconds: float, rate: int = RATE, level: float = 0.5, phase: float = 0.0):
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def packets(path: Path) -> list[bytes]:
    """The MP3's audio frames, as a demuxer hands them to a decoder (tags excluded)."""
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(audio=0) if p.size]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def speechlike(seconds: float, rate: int = RATE, seed: int = 1) -> np.ndarray:
    """Noise bursts with a syllable rhythm and a few sharp clicks: a hard case for a limiter.

    Band-limited to a quarter of the sample rate (11 kHz at 44.1 kHz), like speech.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    envelope = np.clip(np.sin(2 * np.pi * 3.1 * t), 0, None) ** 2
    x = rng.standard_normal(n) * envelope * 0.06
    x[rng.choice(n, 4, replace=False)] = rng.choice([-1.0, 1.0], 4)
    spectrum = np.fft.rfft(x)
    spectrum[len(spectrum) // 2 :] = 0
    return np.fft.irfft(spectrum, n).astype(np.float32)


# --- loudness and true peak ---------------------------------------------------------------


def test_k_weighting_at_48_khz_is_the_bs1770_table():
    shelf_b, shelf_a, highpass_a = audio.k_weighting(48000)
    assert shelf_b == pytest.approx((1.53512485958697, -2.69169618940638, 1.19839281085285))
    assert shelf_a == pytest.approx((1.0, -1.69065929318241, 0.73248077421585))
    assert highpass_a == pytest.approx((1.0, -1.99004745483398, 0.99007225036621))


@pytest.mark.parametrize("rate", [44100, 48000, 16000])
def test_loudness_of_a_tone_agrees_with_ffmpeg(rate):
    x = tone(1000, 3, rate, level=0.1)
    ours = audio.integrated_loudness(x, rate)
    theirs, _ = ebur128(x, rate)
    # A 1 kHz sine at amplitude 0.1 in one channel: -23 dBFS RMS, +0.69 dB K-weighting gain.
    assert ours == pytest.approx(-23.0, abs=0.05)
    assert ours == pytest.approx(theirs, abs=0.05)


def test_loudness_of_stereo_noise_with_a_silent_gap_is_gated_like_ffmpeg():
    rng = np.random.default_rng(3)
    x = (0.1 * rng.standard_normal((2, 48000 * 6))).astype(np.float32)
    x[:, 48000 * 2 : 48000 * 4] *= 1e-4  # two seconds far below the relative gate
    ours = audio.integrated_loudness(x, 48000)
    theirs, _ = ebur128(x, 48000)
    assert ours == pytest.approx(theirs, abs=0.1)
    # Ungated, the two silent seconds of six would take 1.8 dB off; gated, only the blocks
    # that straddle the gap's edges count a little.
    loud_parts = audio.integrated_loudness(np.hstack([x[:, :96000], x[:, -96000:]]), 48000)
    assert loud_parts - 0.5 < ours <= loud_parts


def test_silence_and_too_short_clips_have_no_loudness():
    assert audio.integrated_loudness(np.zeros(RATE * 2, np.float32), RATE) == -np.inf
    assert audio.integrated_loudness(tone(1000, 0.3), RATE) == -np.inf
    assert audio.true_peak(np.zeros(100, np.float32), RATE) == -np.inf


def test_true_peak_finds_the_peak_between_samples():
    # A quarter-rate sine at 45 degrees: every sample sits 3 dB under the waveform's crest.
    x = tone(RATE / 4, 2, level=0.5, phase=np.pi / 4) * np.hanning(2 * RATE).astype(np.float32)
    sample_peak = 20 * np.log10(np.abs(x).max())
    ours = audio.true_peak(x, RATE)
    _, theirs = ebur128(x, RATE)
    assert sample_peak == pytest.approx(-9.0, abs=0.1)
    assert ours == pytest.approx(-6.02, abs=0.05)
    assert ours == pytest.approx(theirs, abs=0.1)


def test_meters_fed_frame_by_frame_match_the_whole_array():
    x = np.vstack([speechlike(4), speechlike(4, seed=2)])
    loudness, peak = audio.LoudnessMeter(RATE, 2), audio.TruePeakMeter(RATE, 2)
    for start in range(0, x.shape[1], 1152):
        loudness.add(x[:, start : start + 1152])
        peak.add(x[:, start : start + 1152])
    assert loudness.integrated == pytest.approx(audio.integrated_loudness(x, RATE), abs=1e-6)
    assert 20 * np.log10(peak.linear) == pytest.approx(audio.true_peak(x, RATE), abs=1e-6)


# --- limiting -----------------------------------------------------------------------------


def test_limiter_holds_true_peaks_under_the_ceiling_and_leaves_quiet_parts_alone():
    quiet = tone(300, 2, level=0.01)
    loud = speechlike(3)
    x = np.concatenate([quiet, loud])
    out = np.concatenate(list(audio.limited(x, RATE, gain_db=12.0, ceiling_dbtp=-2.0)), axis=1)
    assert out.shape == (1, len(x))
    assert audio.true_peak(x, RATE) + 12.0 > 5.0  # the clicks would go 7 dB over
    assert audio.true_peak(out, RATE) <= -2.0 + 1e-3
    # FFmpeg oversamples to 192 kHz, not 4x: the two meters look between samples at
    # different points, which makes up to 0.2 dB at 11 kHz.
    _, peak = ebur128(out, RATE)
    assert peak <= -2.0 + 0.2
    # Far from any peak the gain is exactly the one asked for: +12 dB is a factor of 3.98.
    np.testing.assert_allclose(out[0, :RATE], x[:RATE] * 10**0.6, rtol=1e-5, atol=1e-7)
    # A limiter, not a clipper: the gain glides, by under 0.1 dB from one sample to the next.
    audible = np.abs(x) > 1e-3
    gain_db = np.full(len(x), np.nan)
    gain_db[audible] = 20 * np.log10(np.abs(out[0][audible]) / np.abs(x[audible]))
    assert np.nanmin(gain_db) < 12.0 - 6.0
    assert np.nanmax(np.abs(np.diff(gain_db))) < 0.1


def test_limiter_links_channels_and_keeps_the_stereo_image():
    left = speechlike(3)
    x = np.vstack([left, left * 0.5])
    out = np.concatenate(list(audio.limited(x, RATE, gain_db=15.0, ceiling_dbtp=-1.0)), axis=1)
    np.testing.assert_allclose(out[1], out[0] * 0.5, rtol=1e-5, atol=1e-7)


def test_the_ceiling_can_be_lowered_where_an_encoder_overshot(tmp_path):
    x = np.concatenate([tone(1000, 1.0, level=0.9)] * 2)
    spot = (RATE + RATE // 4, RATE + RATE // 2)  # a quarter second, in the second half
    out = np.concatenate(list(audio.limited(x, RATE, 0.0, -3.0, lower=[(*spot, 3.0)])), axis=1)
    assert audio.true_peak(out[:, spot[0] : spot[1]], RATE) <= -6.0 + 1e-3
    assert audio.true_peak(out[:, : RATE // 2], RATE) == pytest.approx(-3.0, abs=0.01)
    # And the meter finds such spots in a file: 10 ms spans, with their peak.
    mp3 = audio.encode_mp3(out, RATE, tmp_path / "out.mp3", 128)
    measured = audio.measure_file(mp3, over=-5.0)
    assert measured.overs and all(-5.0 < peak <= -2.5 for _, _, peak in measured.overs)
    assert not any(spot[0] + RATE // 100 < a < spot[1] - RATE // 50 for a, _, _ in measured.overs)
    assert audio.measure_file(mp3).overs == ()


# --- mixing and decoding ------------------------------------------------------------------


def test_decode_mix_sums_tracks_of_different_rates_and_lengths(tmp_path):
    ada = write_wav(tmp_path / "Ada.wav", tone(440, 1.0, 16000, level=0.25), 16000)
    ben = write_wav(tmp_path / "Ben.wav", tone(440, 2.0, 48000, level=0.25), 48000)
    mixed = audio.decode_mix([ada, ben], RATE, channels=1)
    assert mixed.shape[0] == 1
    assert mixed.shape[1] == pytest.approx(2 * RATE, abs=64)
    first, second = mixed[0, 2000 : RATE - 2000], mixed[0, RATE + 2000 : 2 * RATE - 2000]
    assert np.abs(first).max() == pytest.approx(0.5, abs=0.01)  # both, in phase
    assert np.abs(second).max() == pytest.approx(0.25, abs=0.01)  # Ben alone


def test_a_voice_keeps_its_level_in_a_mono_dual_mono_or_one_sided_track(tmp_path):
    voice = tone(440, 1.0, level=0.25)
    silent = np.zeros_like(voice)
    layouts = {"mono": voice, "dual": np.vstack([voice, voice]), "left": np.vstack([voice, silent])}
    for name, samples in layouts.items():
        track = write_wav(tmp_path / f"{name}.wav", samples, RATE)
        level = np.abs(audio.decode_mix([track], RATE, channels=1)).max()
        assert level == pytest.approx(0.25, abs=0.005), name


def test_decode_names_a_file_that_is_not_audio(tmp_path):
    path = tmp_path / "episode.mp3"
    path.write_bytes(b"this is a text file, renamed" * 100)
    with pytest.raises(ContentError, match=r"episode\.mp3") as caught:
        audio.decode(path)
    assert caught.value.path == path
    with pytest.raises(ContentError, match=r"episode\.mp3"):
        audio.decode_mix([path], RATE)


# --- MP3 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("channels", "rate", "kbps"), [(1, 44100, 64), (2, 48000, 128)])
def test_encode_mp3_keeps_length_and_level(tmp_path, channels, rate, kbps):
    x = np.tile(tone(1000, 2.0, rate, level=0.3), (channels, 1))
    dest = audio.encode_mp3(x, rate, tmp_path / "out.mp3", kbps)
    decoded, decoded_rate = audio.decode(dest)
    assert decoded_rate == rate
    assert decoded.shape == x.shape  # the encoder's delay and padding are trimmed
    # LAME scales its input down by 0.95 at these bitrates; the writer compensates.
    level = np.abs(decoded[:, rate // 2 : -rate // 2]).max()
    assert 20 * np.log10(level / 0.3) == pytest.approx(0.0, abs=0.1)
    assert audio.audio_bitrate(dest) == pytest.approx(kbps, rel=0.02)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_an_interrupted_encode_leaves_no_file(tmp_path):
    dest = tmp_path / "out.mp3"
    with pytest.raises(RuntimeError), audio.Mp3Writer(dest, RATE, 1, 64) as writer:
        writer.write(tone(440, 1.0))
        raise RuntimeError("build killed")
    assert list(tmp_path.iterdir()) == []


# --- ID3 tags -----------------------------------------------------------------------------


def write_png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (16, 16), (200, 30, 30)).save(path)
    return path


def test_write_tags_reads_back_in_a_tag_reader(tmp_path):
    mp3 = audio.encode_mp3(tone(440, 3.0), RATE, tmp_path / "ep.mp3", 64)
    frames_before = packets(mp3)
    cover = write_png(tmp_path / "cover.png")
    tags = audio.Tags(
        title="Fenders, finally",
        album="Rain and Bikes",
        artist="Ada and Ben",
        date=datetime(2024, 8, 7, tzinfo=UTC),
        track=12,
        comment="Why your socks are always wet.",
        cover=cover,
        chapters=(
            audio.ChapterMark(0.0, 1.5, "Intro"),
            audio.ChapterMark(1.5, 3.0, "Mudguards", "https://rain.example.org/mudguards"),
        ),
    )
    audio.write_tags(mp3, tags)

    id3 = ID3(mp3)
    assert id3.version == (2, 4, 0)
    assert str(id3["TIT2"]) == "Fenders, finally"
    assert str(id3["TALB"]) == "Rain and Bikes"
    assert str(id3["TPE1"]) == "Ada and Ben"
    assert str(id3["TDRC"]) == "2024-08-07"
    assert str(id3["TRCK"]) == "12"
    assert id3.getall("COMM")[0].text == ["Why your socks are always wet."]
    assert id3.getall("COMM")[0].lang == "eng"
    assert str(id3["TCON"]) == "Podcast"
    assert id3.getall("PCST")[0].value == 1
    picture = id3.getall("APIC")[0]
    assert (picture.mime, picture.type, picture.data) == ("image/png", 3, cover.read_bytes())
    toc = id3.getall("CTOC")[0]
    assert toc.child_element_ids == ["chp0", "chp1"]
    chapters = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [(c.start_time, c.end_time, str(c.sub_frames["TIT2"])) for c in chapters] == [
        (0, 1500, "Intro"),
        (1500, 3000, "Mudguards"),
    ]
    assert "WXXX:" not in chapters[0].sub_frames
    assert [f.url for f in chapters[1].sub_frames.getall("WXXX")] == [
        "https://rain.example.org/mudguards"
    ]
    assert packets(mp3) == frames_before  # the audio is untouched


def test_write_tags_replaces_earlier_tags(tmp_path):
    mp3 = audio.encode_mp3(tone(440, 1.0), RATE, tmp_path / "ep.mp3", 64)
    audio.write_tags(mp3, audio.Tags(title="Old", album="Show", track=1))
    audio.write_tags(mp3, audio.Tags(title="New", date=datetime(2024, 8, 7, 18, 30)))
    id3 = ID3(mp3)
    assert str(id3["TIT2"]) == "New"
    assert id3["TDRC"].text[0].text == "2024-08-07 18:30:00"  # mutagen shows a space
    assert b"2024-08-07T18:30:00" in mp3.read_bytes()  # ID3v2.4 stores the "T"
    assert "TALB" not in id3 and "TRCK" not in id3


def test_tags_fingerprint_follows_the_cover_image_content(tmp_path):
    cover = write_png(tmp_path / "cover.png")
    tags = audio.Tags(title="One", cover=cover)
    before = tags.fingerprint()
    from PIL import Image

    Image.new("RGB", (16, 16), (0, 0, 255)).save(cover)
    assert tags.fingerprint() != before
    assert audio.Tags(title="One").fingerprint() != audio.Tags(title="Two").fingerprint()


def test_a_cover_that_is_not_an_image_is_named(tmp_path):
    mp3 = audio.encode_mp3(tone(440, 1.0), RATE, tmp_path / "ep.mp3", 64)
    cover = tmp_path / "cover.jpg"
    cover.write_text("not a picture")
    with pytest.raises(ContentError, match=r"cover\.jpg.*JPEG or PNG"):
        audio.write_tags(mp3, audio.Tags(title="One", cover=cover))
