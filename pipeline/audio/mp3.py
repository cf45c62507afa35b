"""MP3 encoding (libmp3lame through PyAV): CBR bitrates, LAME's gain compensated, atomic files."""

from __future__ import annotations

import contextlib
import tempfile
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

from pipeline.audio.decoding import CHUNK, as_2d, decode
from pipeline.audio.kinds import mp3_bitrate
from pipeline.files import atomic_path

# MPEG-1 Layer III bitrates (kbps); libmp3lame encodes CBR at one of these.
_MP3_FRAME = 1152


@lru_cache(maxsize=16)
def _codec_gain(rate: int, channels: int, bitrate: int) -> float:
    """The level change LAME applies at these settings, as a factor (measured once).

    LAME's CBR presets scale the input down to leave room for coding noise (0.95 at 160
    kbps and below, 1.0 from 256 kbps): a 1 kHz tone is encoded and decoded to find out.
    """
    seconds = np.arange(rate) / rate
    tone = np.tile((0.25 * np.sin(2 * np.pi * 1000 * seconds)).astype(np.float32), (channels, 1))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tone.mp3"
        writer = Mp3Writer(path, rate, channels, bitrate, compensate=False)
        with writer:
            writer.write(tone)
        decoded, _ = decode(path)
    middle = slice(rate // 4, 3 * rate // 4)
    rms_in = float(np.sqrt(np.mean(tone[:, middle].astype(np.float64) ** 2)))
    rms_out = float(np.sqrt(np.mean(decoded[:, middle].astype(np.float64) ** 2)))
    return rms_out / rms_in if rms_out > 0 else 1.0


class _Abandoned(Exception):
    """Ends the temporary file's context of an encode that is abandoned: the file is removed."""


class Mp3Writer:
    """Encodes float32 blocks to a CBR MP3 (libmp3lame) that appears at ``dest`` when closed.

    The file is written beside ``dest`` under a hidden temporary name and renamed into place
    (``pipeline.files.atomic_path``), so ``dest`` is either absent, the old file, or complete.
    It has a Xing/LAME header (exact length and gapless playback) and no tags: ``write_tags``
    adds them to a copy. The input is scaled by the inverse of LAME's own preset gain
    (``compensate``), so the decoded MP3 has the level of the samples written.
    """

    def __init__(
        self, dest: Path, rate: int, channels: int, bitrate_kbps: float, compensate: bool = True
    ) -> None:
        if channels not in (1, 2):
            raise ValueError(f"MP3 carries one or two channels, not {channels}")
        self.dest = Path(dest)
        self.rate = rate
        self._layout = "mono" if channels == 1 else "stereo"
        self._file = atomic_path(self.dest)
        tmp = self._file.__enter__()
        try:
            self._container = av.open(
                str(tmp),
                "w",
                format="mp3",
                options={"id3v2_version": "0", "write_id3v1": "0", "write_xing": "1"},
            )
            self._stream = self._container.add_stream("libmp3lame", rate=rate, layout=self._layout)
            self._stream.bit_rate = mp3_bitrate(bitrate_kbps) * 1000
            self._scale = 1.0
            if compensate:
                self._scale = 1.0 / _codec_gain(rate, channels, mp3_bitrate(bitrate_kbps))
        except BaseException as exc:
            self._file.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._pending = np.zeros((channels, 0), np.float32)
        self._pts = 0
        self.samples = 0

    def _encode(self, frame_samples: np.ndarray | None) -> None:
        frame = None
        if frame_samples is not None:
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(frame_samples, dtype=np.float32),
                format="fltp",
                layout=self._layout,
            )
            frame.sample_rate = self.rate
            frame.pts = self._pts
            self._pts += frame_samples.shape[1]
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def write(self, block: np.ndarray) -> None:
        block = as_2d(block).astype(np.float32, copy=False)
        if self._scale != 1.0:
            block = block * np.float32(self._scale)
        self.samples += block.shape[1]
        if self._pending.shape[1]:
            block = np.concatenate([self._pending, block], axis=1)
        whole = block.shape[1] - block.shape[1] % _MP3_FRAME
        for at in range(0, whole, _MP3_FRAME):
            self._encode(block[:, at : at + _MP3_FRAME])
        self._pending = block[:, whole:].copy()

    def close(self) -> Path:
        """Encode what is left and put the file in place at ``dest``."""
        try:
            if self._pending.shape[1]:
                self._encode(self._pending)
            self._encode(None)
            self._container.close()
        except BaseException:
            self.abort()
            raise
        self._file.__exit__(None, None, None)
        return self.dest

    def abort(self) -> None:
        """Stop and remove the unfinished file; ``dest`` is left as it was."""
        with contextlib.suppress(av.error.FFmpegError):
            self._container.close()
        error = _Abandoned()
        self._file.__exit__(_Abandoned, error, None)

    def __enter__(self) -> Mp3Writer:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def encode_mp3(samples: np.ndarray, rate: int, dest: Path, bitrate_kbps: float) -> Path:
    """Encode float samples (channels, n) to a CBR MP3 at ``dest``, atomically.

    ``bitrate_kbps`` is the stream's total (snapped to the nearest MPEG-1 Layer III rate);
    ``rate`` must be one MP3 carries (44.1 or 48 kHz for the published audio).
    """
    samples = as_2d(samples)
    with Mp3Writer(dest, rate, samples.shape[0], bitrate_kbps) as writer:
        for start in range(0, samples.shape[1], CHUNK):
            writer.write(samples[:, start : start + CHUNK])
    return Path(dest)
