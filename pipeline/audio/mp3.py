"""MP3 encoding (LAME via lameenc, muxed by PyAV): CBR, exact length, LAME's gain compensated."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import av
import lameenc
import numpy as np

from pipeline.audio.decoding import CHUNK, as_2d, decode
from pipeline.audio.kinds import mp3_bitrate
from pipeline.files import atomic_path

# LAME's algorithm quality, 0 (best, slowest) to 9: its own default, which FFmpeg keeps.
QUALITY = 3
_MP3_FRAME = 1152  # samples per MPEG-1 Layer III frame
_ENCODER_DELAY = 576  # samples LAME puts before the first one written
_HEADER_BYTES = 256  # the first frame, which holds the Xing/LAME header, fits in this


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


class Mp3Writer:
    """Encodes float32 blocks to a CBR MP3 (LAME) that appears at ``dest`` when closed.

    LAME runs through ``lameenc`` (2.4 times faster than the libmp3lame inside PyAV's wheels
    at the same quality, measured in bench/master.py), at LAME's default quality 3, which
    FFmpeg keeps too. PyAV's muxer then puts the frames into a file with a Xing/LAME header
    and no tags (``write_tags`` adds them to a copy); the header gets LAME's encoder delay
    and padding, so players trim them and the file lasts exactly as long as what was written.
    The file is written beside ``dest`` under a hidden temporary name and renamed into place
    (``pipeline.files.atomic_path``), so ``dest`` is either absent, the old file, or
    complete. The input is scaled by the inverse of LAME's own preset gain (``compensate``),
    so the decoded MP3 has the level of the samples written.
    """

    def __init__(
        self, dest: Path, rate: int, channels: int, bitrate_kbps: float, compensate: bool = True
    ) -> None:
        if channels not in (1, 2):
            raise ValueError(f"MP3 carries one or two channels, not {channels}")
        self.dest = Path(dest)
        self.rate = rate
        self.channels = channels
        self._encoder = lameenc.Encoder()
        self._encoder.set_bit_rate(mp3_bitrate(bitrate_kbps))
        self._encoder.set_in_sample_rate(rate)
        self._encoder.set_out_sample_rate(rate)
        self._encoder.set_channels(channels)
        self._encoder.set_quality(QUALITY)
        self._scale = 1.0
        if compensate:
            self._scale = 1.0 / _codec_gain(rate, channels, mp3_bitrate(bitrate_kbps))
        self._frames = tempfile.TemporaryFile()  # noqa: SIM115 - LAME's frames, until close
        self.samples = 0

    def write(self, block: np.ndarray) -> None:
        block = as_2d(block).astype(np.float32, copy=False)
        if block.shape[0] != self.channels:
            raise ValueError(f"expected {self.channels} channels, not {block.shape[0]}")
        self.samples += block.shape[1]
        scaled = block * np.float32(self._scale * 32767.0)
        pcm = np.clip(np.rint(scaled), -32768, 32767).astype("<i2")
        self._frames.write(self._encoder.encode(np.ascontiguousarray(pcm.T).tobytes()))

    def close(self) -> Path:
        """Encode what is left and put the file in place at ``dest``."""
        try:
            self._frames.write(self._encoder.flush())
            self._frames.seek(0)
            with atomic_path(self.dest) as tmp:
                _mux(self._frames, tmp)
                _write_delay(tmp, self.samples)
        finally:
            self._frames.close()
        return self.dest

    def abort(self) -> None:
        """Stop; ``dest`` is left as it was."""
        self._frames.close()

    def __enter__(self) -> Mp3Writer:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def _mux(frames: BinaryIO, dest: Path) -> None:
    """Put raw MP3 frames into an MP3 file with a Xing/LAME header and no tags (PyAV)."""
    with av.open(frames, "r", format="mp3") as source:
        stream = source.streams.audio[0]
        options = {"id3v2_version": "0", "write_id3v1": "0", "write_xing": "1"}
        with av.open(str(dest), "w", format="mp3", options=options) as out:
            copy = out.add_stream_from_template(stream)
            for packet in source.demux(stream):
                if packet.size:
                    packet.stream = copy
                    out.mux(packet)


def _write_delay(path: Path, samples: int) -> None:
    """Fill in the LAME header's encoder delay and padding (the muxer knows neither).

    The Xing header's frame count times 1152 is the samples LAME coded: its delay, the
    samples written, and padding to the last frame. The tag's CRC-16 covers the frame up to
    itself.
    """
    with open(path, "r+b") as f:
        head = bytearray(f.read(_HEADER_BYTES))
        info = head.find(b"Info")
        lame = info + 120  # "Info", flags, frames, bytes, a 100-byte TOC, quality
        if info < 0 or head[lame : lame + 4] not in (b"Lavf", b"Lavc", b"LAME"):
            raise ValueError(f"{path}: the muxer wrote no Xing/LAME header")
        frames = int.from_bytes(head[info + 8 : info + 12], "big")
        padding = frames * _MP3_FRAME - samples - _ENCODER_DELAY
        if not 0 <= padding < 1 << 12:
            raise ValueError(f"{path}: {frames} frames cannot hold {samples} samples")
        head[lame + 21 : lame + 24] = ((_ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
        head[lame + 34 : lame + 36] = _crc16(head[: lame + 34]).to_bytes(2, "big")
        f.seek(0)
        f.write(head)


def _crc16(data: bytes | bytearray) -> int:
    """CRC-16/ARC (polynomial 0x8005, reflected), as the LAME tag carries it."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


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
