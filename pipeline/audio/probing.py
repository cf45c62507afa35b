"""What an audio file is (format, codec, length, channels, rate, hash), read without decoding it."""

from __future__ import annotations

import wave
from pathlib import Path

import av

from pipeline.errors import ContentError
from pipeline.files import sha256_file
from pipeline.model import AudioFile

# The advice every ContentError about an unusable recording ends with.
FIX = "re-export the recording (MP3, M4A, WAV, FLAC, OGG or Opus) and replace the file"


def probe(path: Path) -> AudioFile:
    """Read what an audio file is and how long it lasts, and that it decodes.

    The length is the sum of the file's packets (fast: nothing is decoded but the first
    second); a file shorter than its header promises is truncated. Raises ContentError
    naming the file when it is not audio, is empty or is cut short.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ContentError(path, f"the file is empty; {FIX}")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise ContentError(path, f"has no audio stream; {FIX}")
            stream = container.streams.audio[0]
            codec = stream.codec_context.name
            channels = stream.codec_context.channels
            sample_rate = stream.codec_context.sample_rate
            fmt = container.format.name.split(",")[0]
            declared = (
                float(stream.duration * stream.time_base)
                if stream.duration is not None and stream.time_base is not None
                else None
            )
            ticks = 0
            decoded = 0
            for packet in container.demux(stream):
                if packet.duration:
                    ticks += packet.duration
                if decoded < sample_rate and packet.size:  # the first second must decode
                    decoded += sum(frame.samples for frame in packet.decode())
            duration = float(ticks * stream.time_base) if stream.time_base else 0.0
    except ContentError:
        raise
    except av.error.FFmpegError as exc:
        raise ContentError(path, f"cannot be read as audio ({exc.strerror}); {FIX}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContentError(path, f"cannot be read as audio ({exc}); {FIX}") from exc
    if decoded == 0 or duration <= 0 or not sample_rate:
        raise ContentError(path, f"holds no decodable audio (truncated?); {FIX}")
    if fmt == "wav":
        declared = _wav_header_duration(path) or declared
    if declared is not None and duration < declared - max(0.5, 0.02 * declared):
        raise ContentError(
            path,
            f"is truncated: {duration:.1f} s of audio where its header promises "
            f"{declared:.1f} s; {FIX}",
        )
    return AudioFile(
        path=path,
        format=fmt,
        codec=codec,
        duration=duration,
        size=size,
        channels=channels,
        sample_rate=sample_rate,
        sha256=sha256_file(path),
    )


def _wav_header_duration(path: Path) -> float | None:
    """The length a WAV header promises (FFmpeg trims it to the file, hiding truncation)."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (wave.Error, EOFError, OSError, ZeroDivisionError):
        return None


def audio_bitrate(path: Path) -> float:
    """Average bitrate of the audio stream in kbps: packet bytes over duration (tags excluded)."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            size, end = 0, 0.0
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None or stream.time_base is None:
                    continue
                size += packet.size
                end = max(end, float((packet.pts + (packet.duration or 0)) * stream.time_base))
    except (av.error.FFmpegError, IndexError) as exc:
        raise ContentError(path, f"cannot be read as audio ({exc}); {FIX}") from exc
    return size * 8 / end / 1000 if end > 0 else 0.0
