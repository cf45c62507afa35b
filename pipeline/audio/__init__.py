"""Audio with PyAV, numpy and mutagen: probe, decode, measure, limit, encode to MP3 and tag."""

from __future__ import annotations

from pipeline.audio.decode import Blocks, decode, decode_mix
from pipeline.audio.id3 import Tags, write_tags
from pipeline.audio.limiter import limited
from pipeline.audio.meters import (
    LoudnessMeter,
    Measurement,
    TruePeakMeter,
    integrated_loudness,
    k_weighting,
    measure_file,
    true_peak,
)
from pipeline.audio.mp3 import MP3_BITRATES, Mp3Writer, encode_mp3, mp3_bitrate
from pipeline.audio.probe import AUDIO_SUFFIXES, audio_bitrate, probe

__all__ = [
    "AUDIO_SUFFIXES",
    "MP3_BITRATES",
    "Blocks",
    "LoudnessMeter",
    "Measurement",
    "Mp3Writer",
    "Tags",
    "TruePeakMeter",
    "audio_bitrate",
    "decode",
    "decode_mix",
    "encode_mp3",
    "integrated_loudness",
    "k_weighting",
    "limited",
    "measure_file",
    "mp3_bitrate",
    "probe",
    "true_peak",
    "write_tags",
]
