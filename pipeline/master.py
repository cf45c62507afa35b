"""The master stage: each episode's published MP3, mixed, normalised, encoded and tagged."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import audio
from pipeline.errors import ContentError
from pipeline.files import remove_stale, write_atomic
from pipeline.model import Episode, PublishedAudio, Recording, Site

if TYPE_CHECKING:  # at run time numpy loads with the audio modules, when there is work
    import numpy as np

Progress = Callable[[float, float], None]

# Bump when the mastered audio would come out different: every episode is mastered again.
# Library versions (PyAV, LAME) are not part of the key: an upgrade does not re-encode a
# back catalogue that already meets the targets.
MASTER_VERSION = 2  # 2: LAME through lameenc, not the libmp3lame inside PyAV
# Bump when write_tags writes different frames for the same Tags.
TAGS_VERSION = 1

CEILING_DBTP = audio.CEILING_DBTP
# The limiter aims HEADROOM_DB under the ceiling; where LAME still goes over, the ceiling is
# lowered around that spot and the file encoded again.
_HEADROOM_DB = audio.HEADROOM_DB
_LOUDNESS_TOLERANCE = 0.5  # LU: an encode further than this from the target is redone
_ENCODES = 3  # at most, when an encode misses the true peak or loudness target
_COPY_LOUDNESS = 1.0  # LU: a source MP3 this close to the target is published as it is
_COPY_BITRATE = 0.25  # a source MP3 within this fraction of the target bitrate is kept
_RATES = (44100, 48000)  # kept from the source; anything else is resampled to 44.1 kHz


@dataclass(frozen=True)
class Settings:
    """How one recording is mastered; every field is part of the cache key."""

    loudness: float  # LUFS target
    bitrate: int  # kbps of the whole stream
    sample_rate: int
    channels: int

    @classmethod
    def of(cls, recording: Recording, site: Site) -> Settings:
        channels = min(recording.channels, 2)  # MP3 carries mono or stereo
        rates = {f.sample_rate for f in recording.files}
        rate = rates.pop() if len(rates) == 1 and rates <= set(_RATES) else _RATES[0]
        default = -16.0 if channels == 2 else -19.0
        loudness = site.audio.loudness if site.audio.loudness is not None else default
        return cls(
            float(loudness), audio.mp3_bitrate(site.audio.bitrate * channels), rate, channels
        )


def is_mastered(episode: Episode, site: Site, cache_dir: Path) -> bool:
    """Whether the episode's untagged master is in the cache (then mastering only re-tags)."""
    if episode.recording is None:
        return False
    key = master_key(episode.recording, Settings.of(episode.recording, site))
    return _cached_info(Path(cache_dir) / f"{episode.slug}.{key[:20]}.master.mp3") is not None


def premaster(episode: Episode, site: Site, cache_dir: Path) -> bool:
    """Make the episode's untagged master unless it is cached; True when it was made now.

    This is nearly all of mastering's time, and it needs nothing from the transcript (only
    the tags do), so it can run while other episodes are transcribed; ``master_episode``
    then finds it in the cache. Raises ContentError like ``master_episode``.
    """
    recording = episode.recording
    if recording is None or is_mastered(episode, site, cache_dir):
        return False
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.of(recording, site)
    master = cache_dir / f"{episode.slug}.{master_key(recording, settings)[:20]}.master.mp3"
    _make_master(recording, settings, master, _Reporter(None, recording.duration))
    return True


def master_episode(
    episode: Episode,
    site: Site,
    cache_dir: Path,
    artwork: Path | None,
    progress: Progress | None = None,
) -> PublishedAudio:
    """The episode's published MP3: its recording mastered once, then tagged.

    The untagged master is cached in ``cache_dir`` by recording, settings and code version;
    the tagged copy by master and tags, so a title edit re-tags without re-encoding and a
    rebuild with nothing changed does no work. Older files of the episode are removed from
    ``cache_dir``. ``progress`` gets (seconds done, seconds in all) of the recording.
    Raises ContentError naming the file when the recording (or the cover) cannot be used.
    """
    recording = episode.recording
    if recording is None:
        raise ValueError(f"episode {episode.slug} has no recording to master")
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.of(recording, site)
    key = master_key(recording, settings)
    master = cache_dir / f"{episode.slug}.{key[:20]}.master.mp3"
    info = _cached_info(master)
    total = recording.duration
    if info is None:
        info = _make_master(recording, settings, master, _Reporter(progress, total))
    elif progress is not None:
        progress(total, total)

    tags = audio.episode_tags(episode, site, artwork, info["duration"])
    tag_key = hashlib.sha256(f"{key}\0{tags.fingerprint()}\0{TAGS_VERSION}".encode()).hexdigest()
    tagged = cache_dir / f"{episode.slug}.{tag_key[:20]}.mp3"
    audio.tagged_copy(master, tagged, tags)
    _prune(cache_dir, episode.slug, keep={master.name, _info_path(master).name, tagged.name})
    return PublishedAudio(
        path=tagged,
        size=tagged.stat().st_size,
        duration=info["duration"],
        channels=info["channels"],
        mime_type="audio/mpeg",
        loudness=info["loudness"],
        true_peak=info["true_peak"],
        key=key,
    )


# --- the untagged master -----------------------------------------------------------------


def master_key(recording: Recording, settings: Settings) -> str:
    fields = {
        "version": MASTER_VERSION,
        "recording": recording.sha256,
        "loudness": settings.loudness,
        "ceiling": CEILING_DBTP,
        "bitrate": settings.bitrate,
        "sample_rate": settings.sample_rate,
        "channels": settings.channels,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _info_path(master: Path) -> Path:
    return master.with_suffix(".json")


def _cached_info(master: Path) -> dict | None:
    """The master's measurements, when the master and its record are both complete."""
    try:
        info = json.loads(_info_path(master).read_text())
        if master.stat().st_size != info["size"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


class _Reporter:
    """Maps the phases of mastering onto seconds of the recording, always moving forward."""

    def __init__(self, progress: Progress | None, total: float) -> None:
        self.progress, self.total, self.done = progress, total, 0.0

    def phase(self, start: float, end: float) -> Callable[[float], None]:
        def report(fraction: float) -> None:
            value = self.total * (start + (end - start) * min(max(fraction, 0.0), 1.0))
            if self.progress is not None and value > self.done:
                self.done = value
                self.progress(value, self.total)

        return report


def _make_master(
    recording: Recording, settings: Settings, master: Path, reporter: _Reporter
) -> dict:
    """Measure, then copy a compliant MP3 or normalise, limit and encode, in passes.

    Each pass decodes the recording again, block by block: memory does not grow with its
    length (decoding is a small part of the time; the encoder is most of it).
    """
    paths = [f.path for f in recording.files]
    rate, channels = settings.sample_rate, settings.channels

    def blocks() -> Iterator[np.ndarray]:
        return audio.mix_blocks(paths, rate, channels)

    meter, peaks, n = audio.LoudnessMeter(rate, channels), audio.TruePeakMeter(rate, channels), 0
    measure = reporter.phase(0.0, 0.1)
    for block in blocks():
        meter.add(block)
        peaks.add(block)
        n += block.shape[1]
        measure(n / rate / max(recording.duration, 1e-9))
    if n == 0:
        raise ContentError(paths[0], "holds no audio; re-export the recording and replace the file")
    loudness, peak = meter.integrated, _db(peaks.linear)

    if _publishable_as_is(recording, settings, loudness, peak):
        write_atomic(master, source=paths[0])
        as_is = audio.Measurement(n / rate, rate, channels, loudness, peak)
        reporter.phase(0.0, 1.0)(1.0)
        return _write_info(master, as_is, copied=True)

    gain = settings.loudness - loudness if math.isfinite(loudness) else 0.0
    aim = CEILING_DBTP - _HEADROOM_DB
    if math.isfinite(peak) and peak + gain > aim:
        # The limiter takes some loudness away with the peaks: measure how much, add it back.
        limited = _limited_loudness(
            blocks(), n, rate, channels, gain, aim, reporter.phase(0.1, 0.3)
        )
        if math.isfinite(limited):
            gain += settings.loudness - limited
    measured: audio.Measurement | None = None
    lower: list[tuple[int, int, float]] = []  # where the encoder overshot: lower ceilings
    for _ in range(_ENCODES):
        encode = reporter.phase(0.3, 0.85)
        with audio.Mp3Writer(master, rate, channels, settings.bitrate) as writer:
            for block in audio.limited_blocks(blocks(), rate, gain, aim, lower=lower):
                writer.write(block)
                encode(writer.samples / n)
        verify = reporter.phase(0.85, 1.0)

        def verified(seconds: float, report: Callable[[float], None] = verify) -> None:
            report(seconds / recording.duration)

        measured = audio.measure_file(master, verified, over=CEILING_DBTP)
        off = settings.loudness - measured.loudness if math.isfinite(measured.loudness) else 0.0
        if not measured.overs and abs(off) <= _LOUDNESS_TOLERANCE:
            break
        # Rare: LAME's coding noise lifted a peak over the ceiling (lower the ceiling there
        # by what it added), or the limiter took more loudness than measured. Encode again.
        lower += _lower_where_over(blocks(), rate, gain, aim, lower, measured.overs)
        if abs(off) > _LOUDNESS_TOLERANCE:
            gain += off
    assert measured is not None
    reporter.phase(0.0, 1.0)(1.0)
    return _write_info(master, measured, copied=False)


def _db(linear: float) -> float:
    return 20.0 * math.log10(linear) if linear > 0 else -math.inf


def _lower_where_over(
    blocks: Iterator[np.ndarray],
    rate: int,
    gain: float,
    aim: float,
    lower: list[tuple[int, int, float]],
    overs: tuple[tuple[int, int, float], ...],
) -> list[tuple[int, int, float]]:
    """Ceiling reductions (start, end sample, dB) that take each overshoot back under -1 dBTP.

    The encoder added (MP3 peak - PCM peak) there; the limiter's ceiling is lowered by as
    much again, plus half a dB, over 50 ms around the spot.
    """
    pad = rate // 20
    wanted = [(max(start - pad, 0), end + pad, peak) for start, end, peak in overs]
    spans, _total = audio.take_spans(blocks, [(a, b) for a, b, _ in wanted])
    reductions = []
    for (a, b, peak), samples in zip(wanted, spans, strict=True):
        before = max((db for s, e, db in lower if s < b and e > a), default=0.0)
        pcm = min(gain + audio.true_peak(samples, rate), aim - before)
        limit = CEILING_DBTP - (peak - pcm) - 0.5
        reductions.append((a, b, max(aim - limit, before + 0.5)))
    return reductions


def _limited_loudness(
    blocks: Iterator[np.ndarray],
    n: int,
    rate: int,
    channels: int,
    gain: float,
    aim: float,
    progress: Callable[[float], None],
) -> float:
    """Integrated loudness of the samples after gain and limiter, without encoding them."""
    meter = audio.LoudnessMeter(rate, channels)
    done = 0
    for block in audio.limited_blocks(blocks, rate, gain, aim):
        meter.add(block)
        done += block.shape[1]
        progress(done / n)
    return meter.integrated


def _publishable_as_is(
    recording: Recording, settings: Settings, loudness: float, peak: float
) -> bool:
    """A single MP3 at 44.1/48 kHz, within 1 LU of the target, true peak at most -1 dBTP,
    and an average bitrate within 25 % of the target (e.g. 48-80 kbps for 64 kbps mono).

    Such a file is published byte for byte (only its tags are replaced): re-encoding it
    would lose quality and gain nothing.
    """
    if recording.is_multitrack or len(recording.files) != 1:
        return False
    source = recording.files[0]
    if source.format != "mp3" or source.codec not in ("mp3", "mp3float"):  # FFmpeg's decoders
        return False
    if source.sample_rate not in _RATES:
        return False
    if source.channels != settings.channels or source.sample_rate != settings.sample_rate:
        return False
    if not math.isfinite(loudness) or abs(loudness - settings.loudness) > _COPY_LOUDNESS:
        return False
    if peak > CEILING_DBTP:
        return False
    bitrate = audio.audio_bitrate(source.path)
    return abs(bitrate - settings.bitrate) <= _COPY_BITRATE * settings.bitrate


def _write_info(master: Path, measured: audio.Measurement, copied: bool) -> dict:
    info = {
        "size": master.stat().st_size,
        "duration": measured.duration,
        "channels": measured.channels,
        "sample_rate": measured.sample_rate,
        "loudness": round(measured.loudness, 2) if math.isfinite(measured.loudness) else None,
        "true_peak": round(measured.true_peak, 2) if math.isfinite(measured.true_peak) else None,
        "copied": copied,
    }
    write_atomic(
        _info_path(master), data=(json.dumps(info, indent=1, sort_keys=True) + "\n").encode()
    )
    return info


def _prune(cache_dir: Path, slug: str, keep: set[str]) -> None:
    """Remove this episode's older masters, tagged copies and leftovers of killed builds."""
    pattern = re.compile(
        rf"^\.?{re.escape(slug)}\.[0-9a-f]{{20}}(\.master)?\.(mp3|json)(\..*\.tmp)?$"
    )
    remove_stale(cache_dir, pattern, keep)
