"""Audio files decoded (PyAV) to float32 samples (channels, n): whole, summed or block by block."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import numpy as np

from pipeline.audio.probing import FIX
from pipeline.errors import ContentError

# Samples per channel handled at a time by the meters and the limiter: bounded memory.
CHUNK = 1 << 17
# Decoded samples are collected into blocks of this many samples before they are copied out.
BLOCK = 1 << 18


def as_2d(samples: np.ndarray) -> np.ndarray:
    """Samples as (channels, n): a 1-D array is one channel."""
    samples = np.asarray(samples)
    if samples.ndim == 1:
        return samples[None, :]
    if samples.ndim != 2:
        raise ValueError(f"samples must be (channels, n) or (n,), not {samples.shape}")
    return samples


class Blocks:
    """A file decoded block by block into float32 arrays (channels, n) at ``rate`` Hz.

    The one decoding loop of the pipeline. ``rate`` resamples and ``layout`` (FFmpeg's name,
    "mono" or "stereo") downmixes; by default the file's own are kept. Nothing is read until
    ``start()`` or the first block; from then ``channels``, ``rate`` and ``estimate`` (samples
    per channel expected in all, for preallocation) are known. Raises ContentError naming the
    file when it cannot be decoded.
    """

    def __init__(self, path: Path, rate: int | None = None, layout: str | None = None) -> None:
        self.path = Path(path)
        self.channels = 0
        self.rate = 0
        self.estimate = 0
        self._blocks = self._decode(rate, layout)
        self._started = False

    def start(self) -> Blocks:
        """Open the file (once), so that its layout is known; returns self."""
        if not self._started:
            self._started = True
            next(self._blocks)  # an empty block: the file is open
        return self

    def __iter__(self) -> Iterator[np.ndarray]:
        return self.start()._blocks

    def _decode(self, rate: int | None, layout: str | None) -> Iterator[np.ndarray]:
        try:
            with av.open(str(self.path)) as container:
                stream = container.streams.audio[0]
                self.rate = rate or stream.codec_context.sample_rate
                out_layout = layout or stream.codec_context.layout.name
                self.channels = len(av.AudioLayout(out_layout).channels)
                seconds = 0.0
                if stream.duration is not None and stream.time_base is not None:
                    seconds = float(stream.duration * stream.time_base)
                elif container.duration is not None:
                    seconds = container.duration / av.time_base
                estimate = min(int(seconds * self.rate * 1.01) + self.rate, 6 * 3600 * self.rate)
                self.estimate = max(estimate, 0)
                yield np.zeros((self.channels, 0), np.float32)
                resampler = av.AudioResampler(format="fltp", layout=out_layout, rate=self.rate)
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):
                        yield out.to_ndarray()
                for out in resampler.resample(None):
                    yield out.to_ndarray()
        except (av.error.FFmpegError, IndexError, ValueError, UnicodeDecodeError) as exc:
            raise ContentError(self.path, f"cannot be decoded ({exc}); {FIX}") from exc


class _Accumulator:
    """A growing (channels, n) float32 buffer that blocks are written or added into.

    Space for the expected length is reserved up front and only the pages written count
    towards memory, so a long recording is held once, not once per copy.
    """

    def __init__(self, channels: int, reserve: int) -> None:
        self.data = np.empty((channels, max(reserve, BLOCK)), np.float32)
        self.length = 0  # samples written so far by the widest source
        self.filled = 0  # samples of self.data that hold values (the rest is uninitialised)

    def put(self, block: np.ndarray, at: int, add: bool) -> None:
        end = at + block.shape[1]
        if end > self.data.shape[1]:
            grown = np.empty(
                (self.data.shape[0], max(end, self.data.shape[1] * 3 // 2)), np.float32
            )
            grown[:, : self.filled] = self.data[:, : self.filled]
            self.data = grown
        if add and end > self.filled:
            self.data[:, self.filled : end] = 0.0
        if not add and at > self.filled:
            self.data[:, self.filled : at] = 0.0
        self.filled = max(self.filled, end)
        if add:
            self.data[:, at:end] += block
        else:
            self.data[:, at:end] = block
        self.length = max(self.length, end)

    def result(self) -> np.ndarray:
        return self.data[:, : self.length]


def decode(
    path: Path, sample_rate: int | None = None, mono: bool = False
) -> tuple[np.ndarray, int]:
    """Decode a file to float32 samples shaped (channels, n), resampled when asked.

    Returns the samples and their sample rate.
    """
    blocks = Blocks(path, sample_rate, "mono" if mono else None).start()
    acc = _Accumulator(blocks.channels, blocks.estimate)
    for block in blocks:
        acc.put(block, acc.length, add=False)
    return acc.result(), blocks.rate


def decode_mix(paths: Iterable[Path], sample_rate: int, channels: int = 1) -> np.ndarray:
    """Decode files to ``channels`` (1 or 2) at ``sample_rate`` and sum them, sample-aligned.

    One file is one recording; several are per-speaker tracks summed into one. For mono, a
    file's channels are averaged, leaving out a channel that is silent (60 dB under the
    loudest: a microphone on one input of a stereo track), so that a voice keeps its level
    whether its track is mono, dual-mono or one-sided. For stereo, more channels are
    downmixed by FFmpeg's standard matrix. Only the sum is held in memory, never each file.
    Raises ContentError naming the file that cannot be decoded.
    """
    layout = None if channels == 1 else "stereo"
    sources = [Blocks(path, sample_rate, layout) for path in paths]
    if not sources:
        raise ValueError("decode_mix needs at least one file")
    for source in sources:
        source.start()
    acc = _Accumulator(channels, max(source.estimate for source in sources))
    for source in sources:
        weights = None
        if channels == 1 and source.channels > 1:
            weights = _live_channels(source.path)[:, None]
        at = 0
        for block in source:
            if weights is not None:
                block = np.sum(block * weights, axis=0, keepdims=True)
            acc.put(block, at, add=True)
            at += block.shape[1]
    return acc.result()


def mix_blocks(paths: Iterable[Path], sample_rate: int, channels: int = 1) -> Iterator[np.ndarray]:
    """``decode_mix`` block by block: the files decoded side by side and summed as they go.

    Yields float32 blocks (channels, at most CHUNK samples); memory does not grow with the
    recordings' length. A file that ends early adds silence. Raises ContentError naming the
    file that cannot be decoded.
    """
    layout = None if channels == 1 else "stereo"
    sources = [Blocks(path, sample_rate, layout).start() for path in paths]
    if not sources:
        raise ValueError("mix_blocks needs at least one file")
    weights = [
        _live_channels(s.path)[:, None] if channels == 1 and s.channels > 1 else None
        for s in sources
    ]
    streams = [iter(s) for s in sources]
    pending = [np.zeros((channels, 0), np.float32) for _ in sources]
    ended = [False] * len(sources)
    while True:
        for k, stream in enumerate(streams):
            parts = [pending[k]]
            have = pending[k].shape[1]
            while not ended[k] and have < CHUNK:
                block = next(stream, None)
                if block is None:
                    ended[k] = True
                    break
                if weights[k] is not None:
                    block = np.sum(block * weights[k], axis=0, keepdims=True)
                parts.append(block)
                have += block.shape[1]
            if len(parts) > 1:
                pending[k] = np.concatenate(parts, axis=1)
        size = min(CHUNK, max(p.shape[1] for p in pending))
        if size == 0:
            return
        out = np.zeros((channels, size), np.float32)
        for k, part in enumerate(pending):
            take = part[:, :size]
            out[:, : take.shape[1]] += take
            pending[k] = part[:, size:]
        yield out


def _live_channels(path: Path) -> np.ndarray:
    """Averaging weights for a file's channels: equal, except for silent channels (zero)."""
    blocks = Blocks(path).start()
    energy = np.zeros(blocks.channels)
    for block in blocks:
        energy += np.sum(block.astype(np.float64) ** 2, axis=1)
    live = energy > energy.max() * 1e-6 if energy.max() > 0 else np.ones(len(energy), bool)
    return (live / live.sum()).astype(np.float32)


def take_spans(
    blocks: Iterable[np.ndarray], spans: list[tuple[int, int]]
) -> tuple[list[np.ndarray], int]:
    """The samples of each (start, end) span of a stream of blocks, collected in one pass,
    and how many samples the stream held in all."""
    parts: list[list[np.ndarray]] = [[] for _ in spans]
    at = 0
    for block in blocks:
        end = at + block.shape[1]
        for k, (a, b) in enumerate(spans):
            if a < end and b > at:
                parts[k].append(block[:, max(a - at, 0) : min(b, end) - at])
        at = end
    return [np.concatenate(p, axis=1) if p else np.zeros((1, 0), np.float32) for p in parts], at
