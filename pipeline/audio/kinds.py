"""What the pipeline takes and makes, known without decoding: file suffixes, MP3 bitrates."""

from __future__ import annotations

AUDIO_SUFFIXES = (".mp3", ".m4a", ".wav", ".flac", ".ogg", ".opus")
MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


def mp3_bitrate(kbps: float) -> int:
    """The MPEG-1 Layer III bitrate nearest to ``kbps``."""
    return min(MP3_BITRATES, key=lambda b: (abs(b - kbps), b))
