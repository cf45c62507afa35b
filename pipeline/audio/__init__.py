"""Audio with PyAV, numpy and mutagen: probe, decode, measure, limit, encode to MP3 and tag.

Each name is imported from its module on first use, so that a build with nothing to decode
or encode never loads PyAV or numpy (``from pipeline import audio`` costs nothing).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pipeline.audio.kinds import (
    AUDIO_SUFFIXES,
    CEILING_DBTP,
    HEADROOM_DB,
    MP3_BITRATES,
    mp3_bitrate,
)

if TYPE_CHECKING:
    from pipeline.audio.decoding import Blocks, decode, decode_mix, mix_blocks, take_spans
    from pipeline.audio.id3 import ChapterMark, Tags, episode_tags, tagged_copy, write_tags
    from pipeline.audio.limiter import limited, limited_blocks
    from pipeline.audio.meters import (
        LoudnessMeter,
        Measurement,
        TruePeakMeter,
        integrated_loudness,
        k_weighting,
        measure_file,
        true_peak,
    )
    from pipeline.audio.mp3 import Mp3Writer, encode_mp3
    from pipeline.audio.probing import audio_bitrate, probe

_MODULES = {
    "decoding": ("Blocks", "decode", "decode_mix", "mix_blocks", "take_spans"),
    "id3": ("ChapterMark", "Tags", "episode_tags", "tagged_copy", "write_tags"),
    "limiter": ("limited", "limited_blocks"),
    "meters": (
        "LoudnessMeter",
        "Measurement",
        "TruePeakMeter",
        "integrated_loudness",
        "k_weighting",
        "measure_file",
        "true_peak",
    ),
    "mp3": ("Mp3Writer", "encode_mp3"),
    "probing": ("audio_bitrate", "probe"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'pipeline.audio' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pipeline.audio.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AUDIO_SUFFIXES",
    "CEILING_DBTP",
    "HEADROOM_DB",
    "MP3_BITRATES",
    "Blocks",
    "ChapterMark",
    "LoudnessMeter",
    "Measurement",
    "Mp3Writer",
    "Tags",
    "TruePeakMeter",
    "audio_bitrate",
    "decode",
    "decode_mix",
    "encode_mp3",
    "episode_tags",
    "integrated_loudness",
    "k_weighting",
    "limited",
    "limited_blocks",
    "measure_file",
    "mix_blocks",
    "mp3_bitrate",
    "probe",
    "tagged_copy",
    "take_spans",
    "true_peak",
    "write_tags",
]
_KINDS = ("AUDIO_SUFFIXES", "CEILING_DBTP", "HEADROOM_DB", "MP3_BITRATES", "mp3_bitrate")
assert set(__all__) == {*_KINDS, *_WHERE}
