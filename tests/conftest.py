"""Shared fixtures: small shows built in tmp_path, and speech generated with espeak-ng."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=50)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Real human speech ships with the tests (public domain; see tests/data/librivox/README.md).
LIBRIVOX = Path(__file__).resolve().parent / "data" / "librivox"
# What cannot ship in the repository is used from ../shared when it sits beside the checkout
# (a developer's machine and CI); elsewhere the tests that need it skip, saying why.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
OPENAI_CHECKPOINT = SHARED / "models" / "openai-whisper" / "tiny.en.pt"
PODCAST_SCHEMA = SHARED / "spec" / "podcast-namespace"

# Generated speech is cached across tests of one session (espeak-ng is deterministic).
_SPEECH_CACHE: dict[str, Path] = {}

SITE_TOML = """\
title = "Rain and Bikes"
url = "https://rain.example.org/"
description = "Two friends talk about cycling in bad weather."
language = "en"
author = "Ada and Ben"
email = "owner@rain.example.org"
categories = ["Sports/Wilderness", "Leisure"]
hosts = ["Ada"]
guid = "5b4c1a54-1f3e-5d4e-9b1e-2c7f3e0a8d11"
"""


def needs_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng); .ci/run installs it")


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def speak(speech_dir: Path) -> Callable[..., Path]:
    """Return a function that speaks text into a 16 kHz mono WAV file (espeak-ng)."""

    def _speak(text: str, voice: str = "en-us", speed: int = 160) -> Path:
        needs_espeak()
        key = hashlib.sha256(f"{voice}\0{speed}\0{text}".encode()).hexdigest()[:16]
        if key not in _SPEECH_CACHE:
            raw = speech_dir / f"{key}.raw.wav"
            out = speech_dir / f"{key}.wav"
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text],
                check=True,
                capture_output=True,
            )
            _resample_16k(raw, out)
            _SPEECH_CACHE[key] = out
        return _SPEECH_CACHE[key]

    return _speak


def _resample_16k(src: Path, dest: Path) -> None:
    import av

    with av.open(str(src)) as inp, av.open(str(dest), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=16000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        for frame in inp.decode(audio=0):
            for f in resampler.resample(frame):
                for packet in stream.encode(f):
                    out.mux(packet)
        for f in resampler.resample(None):
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def write_outline(folder: Path, front: str, body: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "outline.md"
    path.write_text("---\n" + textwrap.dedent(front).strip() + "\n---\n" + textwrap.dedent(body))
    return path


@pytest.fixture
def show(tmp_path: Path) -> Path:
    """An empty show folder with a valid site.toml."""
    root = tmp_path / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "issues").mkdir()
    (root / "site.toml").write_text(SITE_TOML)
    return root


def write_tone(path: Path, seconds: float = 1.0, rate: int = 16000, channels: int = 1) -> Path:
    """Write a quiet 440 Hz tone, encoded by the file's suffix (.wav, .mp3, .flac)."""
    import av
    import numpy as np

    codecs = {".wav": "pcm_s16le", ".mp3": "libmp3lame", ".flac": "flac"}
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    samples = np.tile(wave, (channels, 1))
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(path), "w", format=path.suffix.lower()[1:]) as out:
        stream = out.add_stream(codecs[path.suffix.lower()], rate=rate, layout=layout)
        fmt = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=layout)
        frame.sample_rate = rate
        for f in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


WHISPER_CALLS = pytest.StashKey[list[int]]()


@pytest.fixture(autouse=True)
def _count_whisper(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Count every call into a Whisper engine during the test (see pytest_runtest_makereport)."""
    from pipeline.transcribe import engines

    calls: list[int] = []
    request.node.stash[WHISPER_CALLS] = calls
    for cls in (engines.FasterWhisperEngine, engines.OpenAIWhisperEngine):
        original = cls.transcribe

        def counted(self, *args, _original=original, **kwargs):
            calls.append(1)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "transcribe", counted)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """``slow`` marks exactly the tests that run Whisper, so `-m 'not slow'` is a quick loop.

    A test that passed but called Whisper without the mark, or has the mark and called it
    not at all, fails and says which way to fix it.
    """
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed or WHISPER_CALLS not in item.stash:
        return
    ran = bool(item.stash[WHISPER_CALLS])
    slow = item.get_closest_marker("slow") is not None
    if ran != slow:
        report.outcome = "failed"
        report.longrepr = (
            "runs Whisper: mark it @pytest.mark.slow"
            if ran
            else "runs no Whisper: take away its slow mark"
        )
