"""The short version's audio: excerpts of the mastered episode cut in its pauses, faded,
normalised like the episode, encoded once and tagged; cached in ``.pipeline/master``."""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import audio
from pipeline.files import remove_stale, write_atomic
from pipeline.model import Episode, PublishedAudio, ShortVersion, Site, Word
from pipeline.shorten.timeline import on_short_timeline, one_after_another

if TYPE_CHECKING:  # numpy loads with the audio modules, when there is a cut to make
    import numpy as np

CUT_VERSION = 3  # bump when the same excerpts would be cut differently
MARGIN = 0.05  # seconds: a cut stays this far from every word
FADE = 0.03  # seconds of fade out before a cut and in after it
FRAME = 0.01  # seconds: silence is measured in frames this long
LOOK = 0.4  # seconds beyond a pause's word times where its silence may still be
KEEP = 0.3  # seconds of a pause kept at most before an excerpt's first word and after its last
SILENT_DB = 10.0  # a 10 ms frame this close to the quietest near a cut is silence
SNAP = 1.0  # seconds: the edge of a host's range moves to the nearest pause this close
BLOCK = 1 << 17  # samples measured and encoded at a time (the meters' and limiter's chunk)


def cut_short(
    episode: Episode, short: ShortVersion, site: Site, cache_dir: Path, artwork: Path | None
) -> tuple[ShortVersion, bool]:
    """The short version with its cuts moved into the silence of their pauses, its
    chapters and transcript on its own timeline, and its audio (``short.mp3``) made or found
    in the cache (then False). Raises ContentError naming the file when the mastered audio
    cannot be decoded."""
    assert episode.audio is not None and episode.recording is not None
    words = tuple(episode.transcript.words) if episode.transcript else ()
    settings = Target.of(episode, site)
    key = _key(episode, short, settings)
    cache_dir.mkdir(parents=True, exist_ok=True)
    untagged = cache_dir / f"{episode.slug}.{key[:20]}.short.mp3"
    record = untagged.with_suffix(".json")
    info = _cached(untagged, record)
    made = info is None
    if info is None:
        info = _make(episode.audio.path, short, words, settings, untagged, record)
    excerpts = one_after_another(
        [
            replace(excerpt, start=start, end=end)
            for excerpt, (start, end) in zip(short.excerpts, info["cuts"], strict=True)
        ]
    )
    cut = on_short_timeline(episode, replace(short, excerpts=excerpts))
    tags = short_tags(episode, cut, site, artwork, info["duration"])
    tag_key = hashlib.sha256(f"{key}\0{tags.fingerprint()}".encode()).hexdigest()
    tagged = cache_dir / f"{episode.slug}.{tag_key[:20]}.short-tagged.mp3"
    audio.tagged_copy(untagged, tagged, tags)
    _prune(cache_dir, episode.slug, keep={untagged.name, record.name, tagged.name})
    published = PublishedAudio(
        path=tagged,
        size=tagged.stat().st_size,
        duration=info["duration"],
        channels=info["channels"],
        loudness=info["loudness"],
        true_peak=info["true_peak"],
    )
    return replace(cut, audio=published), made


def short_tags(
    episode: Episode, short: ShortVersion, site: Site, artwork: Path | None, duration: float
) -> audio.Tags:
    """The episode's tags, titled "<title> (short)", with the short version's chapters."""
    full = audio.episode_tags(episode, site, artwork, duration)
    timed = [c for c in short.chapters if c.start is not None and c.start < duration]
    ends = [c.start for c in timed[1:]] + [duration]
    chapters = tuple(
        audio.ChapterMark(c.start, end, c.title, c.url)
        for c, end in zip(timed, ends, strict=True)
        if c.start is not None and end is not None
    )
    return replace(full, title=f"{episode.title} (short)", chapters=chapters)


# --- the untagged cut ----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """How the short version is encoded: as loud as the full episode, at its bitrate."""

    loudness: float | None  # LUFS, as the master measured it; None: silence, left as it is
    bitrate: int  # kbps of the whole stream

    @classmethod
    def of(cls, episode: Episode, site: Site) -> Target:
        assert episode.audio is not None
        channels = episode.audio.channels
        return cls(episode.audio.loudness, audio.mp3_bitrate(site.audio.bitrate * channels))


def _key(episode: Episode, short: ShortVersion, settings: Target) -> str:
    assert episode.audio is not None
    fields = {
        "version": CUT_VERSION,
        "master": episode.audio.key or episode.audio.size,  # the mastered audio, not its tags
        "excerpts": [[round(e.start, 3), round(e.end, 3)] for e in short.excerpts],
        "by_host": short.by_host,
        "loudness": settings.loudness,
        "bitrate": settings.bitrate,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _cached(untagged: Path, record: Path) -> dict | None:
    try:
        info = json.loads(record.read_text())
        if untagged.stat().st_size != info["size"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


def _make(
    source: Path,
    short: ShortVersion,
    words: Sequence[Word],
    settings: Target,
    untagged: Path,
    record: Path,
) -> dict:
    """Decode the mastered episode once, keep what lies near the excerpts, cut, fade,
    normalise and encode; write the record of the result beside it.

    The kept samples are all the memory it takes: the excerpts are measured and encoded
    block by block from them.
    """
    ends = [w.end for w in words]
    windows = [
        (edge_window(e.start, words, ends, short.by_host),
         edge_window(e.end, words, ends, short.by_host))
        for e in short.excerpts
    ]  # fmt: skip
    needed = [(a[0], b[1]) for a, b in windows]
    held, rate, channels = _decode_near(source, needed)
    total = held.total
    spans = []
    for start_window, end_window in windows:
        first = cut_at(held, rate, start_window, start=True)
        last = cut_at(held, rate, end_window, start=False)
        first, last = min(first, total), min(last, total)
        if last <= first:  # a range with no pause to cut in: as written
            first, last = int(start_window[0] * rate), min(int(end_window[1] * rate), total)
        spans.append((first, last))
    meter = audio.LoudnessMeter(rate, channels)
    for block in faded_blocks(held, spans, rate):
        meter.add(block)
    loudness = meter.integrated
    wanted = settings.loudness
    gain = wanted - loudness if wanted is not None and math.isfinite(loudness) else 0.0
    aim = audio.CEILING_DBTP - audio.HEADROOM_DB
    with audio.Mp3Writer(untagged, rate, channels, settings.bitrate) as writer:
        for block in audio.limited_blocks(faded_blocks(held, spans, rate), rate, gain, aim):
            writer.write(block)
    cuts = [(round(first / rate, 3), round(last / rate, 3)) for first, last in spans]
    measured = audio.measure_file(untagged)
    info = {
        "size": untagged.stat().st_size,
        "duration": measured.duration,
        "channels": measured.channels,
        "loudness": round(measured.loudness, 2) if math.isfinite(measured.loudness) else None,
        "true_peak": round(measured.true_peak, 2) if math.isfinite(measured.true_peak) else None,
        "cuts": cuts,
    }
    write_atomic(record, (json.dumps(info, indent=1, sort_keys=True) + "\n").encode())
    return info


def edge_window(
    at: float, words: Sequence[Word], ends: Sequence[float], by_host: bool
) -> tuple[float, float]:
    """The pause the cut at ``at`` goes in, ``MARGIN`` from its words (``ends``: each word's
    end). A host's edge first moves to the pause nearest it within ``SNAP``; with no word
    times the audio decides."""
    if not words:
        return max(0.0, at - SNAP), at + SNAP
    i = bisect.bisect_right(ends, at + 1e-6)  # words[:i] end by at
    if by_host:
        gaps = [
            (abs((words[k - 1].end + words[k].start) / 2 - at), k)
            for k in range(max(1, i - 30), min(len(words), i + 30))
            if words[k].start - words[k - 1].end >= 2 * MARGIN
        ]
        near = [g for g in gaps if g[0] <= SNAP]
        if not near:
            return max(0.0, at - SNAP), at + SNAP
        i = min(near)[1]
    before = words[i - 1].end if i > 0 else 0.0
    after = words[i].start if i < len(words) else at + KEEP + MARGIN
    low, high = before + MARGIN, after - MARGIN
    if high < low:  # no room: the middle of the gap
        middle = (before + after) / 2
        return middle, middle
    return low, high


class _Held:
    """The samples of the mastered episode near the excerpts, by absolute sample index."""

    def __init__(self, spans: list[tuple[int, int]], parts: list[np.ndarray], total: int):
        self.spans, self.parts, self.total = spans, parts, total

    def take(self, first: int, last: int) -> np.ndarray:
        for (a, b), part in zip(self.spans, self.parts, strict=True):
            if a <= first and last <= b:
                return part[:, first - a : last - a]
        raise ValueError(f"samples {first}-{last} were not kept")


def _decode_near(source: Path, needed: list[tuple[float, float]]) -> tuple[_Held, int, int]:
    """The mastered episode decoded once, keeping the samples near each (start, end) needed,
    with room for a pause's silence beyond the word times; also its rate and channels."""
    blocks = audio.Blocks(source).start()
    rate, channels = blocks.rate, blocks.channels
    merged: list[list[int]] = []
    for low, high in sorted(needed):
        a, b = max(0, int((low - 2 * LOOK) * rate)), int((high + 2 * LOOK) * rate)
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    collected, total = audio.take_spans(blocks, [(a, b) for a, b in merged])
    spans, parts = [], []
    for (a, b), part in zip(merged, collected, strict=True):
        if min(b, total) > a:
            spans.append((a, min(b, total)))
            parts.append(part)
    return _Held(spans, parts, total), rate, channels


def cut_at(held: _Held, rate: int, window: tuple[float, float], start: bool) -> int:
    """Where to cut in the pause the window points at: the silence there as the audio has it
    (speech recognition's word times can be a tenth of a second off), keeping at most
    ``KEEP`` seconds of it on the excerpt's side, else its middle.

    Silence is every 10 ms within ``SILENT_DB`` of the quietest near the window; of its
    runs of at least ``2 * MARGIN``, the one nearest the window's middle is the pause.
    """
    import numpy as np

    frame = max(1, int(FRAME * rate))
    middle = int((window[0] + window[1]) / 2 * rate)
    low = max(0, int((window[0] - LOOK) * rate))
    high = min(held.total, int((window[1] + LOOK) * rate))
    count = (high - low) // frame
    if count < 2:
        return min(max(middle, 0), held.total)
    samples = held.take(low, low + count * frame).astype(np.float64)
    energy = (samples * samples).reshape(samples.shape[0], count, frame).sum(axis=(0, 2))
    silent = energy <= energy.min() * 10 ** (SILENT_DB / 10) + 1e-12
    edges = np.flatnonzero(np.diff(np.concatenate([[0], silent.astype(np.int8), [0]])))
    runs = [
        (low + a * frame, low + b * frame) for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
    wide = [r for r in runs if r[1] - r[0] >= 2 * MARGIN * rate] or runs

    def distance(run: tuple[int, int]) -> int:
        return max(run[0] - middle, middle - run[1], 0)

    a, b = (int(x) for x in min(wide, key=lambda r: (distance(r), -(r[1] - r[0]))))
    keep = int(KEEP * rate)
    return max((a + b) // 2, b - keep) if start else min((a + b) // 2, a + keep)


def faded_blocks(held: _Held, spans: list[tuple[int, int]], rate: int) -> Iterator[np.ndarray]:
    """The excerpts one after the other, in blocks of at most ``BLOCK`` samples, each with
    ``FADE`` seconds of raised-cosine fade in and out at its cuts."""
    import numpy as np

    chunk = BLOCK
    for first, last in spans:
        piece = held.take(first, last)
        n = piece.shape[1]
        fade = min(int(FADE * rate), n // 2)
        ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / max(fade, 1))).astype(
            np.float32
        )
        for a in range(0, n, chunk):
            block = piece[:, a : a + chunk].astype(np.float32, copy=True)
            b = a + block.shape[1]
            if a < fade:  # the fade in
                block[:, : fade - a] *= ramp[a:fade][: block.shape[1]]
            if b > n - fade:  # the fade out
                start = max(a, n - fade)
                block[:, start - a :] *= ramp[::-1][start - (n - fade) : b - (n - fade)]
            yield block


def _prune(cache_dir: Path, slug: str, keep: set[str]) -> None:
    """Remove this episode's older short versions and leftovers of killed builds."""
    pattern = re.compile(
        rf"^\.?{re.escape(slug)}\.[0-9a-f]{{20}}\.short(-tagged)?\.(mp3|json)(\..*\.tmp)?$"
    )
    remove_stale(cache_dir, pattern, keep)
