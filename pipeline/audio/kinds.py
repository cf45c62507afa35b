"""What the pipeline takes and makes, known without decoding: file suffixes, MP3 bitrates,
the published true-peak ceiling."""

from __future__ import annotations

AUDIO_SUFFIXES = (".mp3", ".m4a", ".wav", ".flac", ".ogg", ".opus")
MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
CEILING_DBTP = -1.0  # published true peak, as measured on the decoded MP3
# The limiter aims this far under the ceiling: LAME at 64 kbps adds up to about 1 dB of
# peak to speech, rarely more (measured).
HEADROOM_DB = 1.5


def mp3_bitrate(kbps: float) -> int:
    """The MPEG-1 Layer III bitrate nearest to ``kbps``."""
    return min(MP3_BITRATES, key=lambda b: (abs(b - kbps), b))
