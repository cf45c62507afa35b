"""Gain with a look-ahead true-peak limiter: as loud as asked, never over the ceiling."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from pipeline.audio.decoding import CHUNK, as_2d
from pipeline.audio.meters import TP_TAPS, interval_peaks, oversampling, tp_filter


def _sliding_max(values: np.ndarray, width: int) -> np.ndarray:
    """out[i] = max(values[i : i + width]), by doubling spans: log2(width) vector maxima."""
    out, span = values, 1
    while span * 2 <= width:
        out = np.maximum(out[:-span], out[span:])
        span *= 2
    rest = width - span
    if rest:
        out = np.maximum(out[: len(out) - rest], out[rest:])
    return out if out is not values else values.copy()


def limited(
    samples: np.ndarray,
    rate: int,
    gain_db: float,
    ceiling_dbtp: float,
    lookahead: float = 0.005,
    release: float = 0.08,
    lower: Sequence[tuple[int, int, float]] = (),
) -> Iterator[np.ndarray]:
    """``limited_blocks`` over samples held in memory, (channels, n) or (n,)."""
    samples = as_2d(samples)
    chunks = (samples[:, at : at + CHUNK] for at in range(0, samples.shape[1], CHUNK))
    return limited_blocks(chunks, rate, gain_db, ceiling_dbtp, lookahead, release, lower)


def limited_blocks(
    blocks: Iterable[np.ndarray],
    rate: int,
    gain_db: float,
    ceiling_dbtp: float,
    lookahead: float = 0.005,
    release: float = 0.08,
    lower: Sequence[tuple[int, int, float]] = (),
) -> Iterator[np.ndarray]:
    """Yield the samples of ``blocks`` times one gain, with true peaks held under the ceiling.

    The blocks (channels, n) may come straight from a decoder: only the look-ahead beyond
    each output block is held, so memory does not grow with the recording's length.

    A look-ahead limiter with linked channels: the true peak of every inter-sample interval
    (4x oversampled) gives the gain reduction it needs; that need is held over the look-ahead
    and the interpolator's span, ramped in linearly over ``lookahead`` seconds, and released
    exponentially (in dB) with time constant ``release``. The reduction at a peak is never less
    than its need, so the output's true peak stays at or under the ceiling (as this module's
    meter measures it); elsewhere the gain is exactly ``gain_db``. ``lower`` holds (start,
    end sample, dB) spans where the ceiling is that much lower (where an encoder overshot).
    """
    source = iter(blocks)
    buffer = np.zeros((0, 0), np.float32)
    for first_block in source:
        buffer = as_2d(first_block).astype(np.float32, copy=False)
        break
    else:
        return
    offset = 0  # the sample number of buffer[:, 0]
    length: int | None = None  # the number of samples in all, once the source is exhausted

    def fill(until: int) -> None:
        nonlocal buffer, length
        parts = [buffer]
        have = offset + buffer.shape[1]
        while length is None and have < until:
            block = next(source, None)
            if block is None:
                length = have
                break
            block = as_2d(block).astype(np.float32, copy=False)
            parts.append(block)
            have += block.shape[1]
        if len(parts) > 1:
            buffer = np.concatenate(parts, axis=1)

    def _advance(end: int) -> int:
        """Forget what no later block needs (all before its look-behind); the next start."""
        nonlocal buffer, offset
        keep_from = max(end - margin, offset)
        buffer = buffer[:, keep_from - offset :]
        offset = keep_from
        return end

    gain = 10.0 ** (gain_db / 20.0)
    ceiling = 10.0 ** (ceiling_dbtp / 20.0)
    factor = oversampling(rate)
    _, bound = tp_filter(factor)
    attack = max(1, round(lookahead * rate))
    span = TP_TAPS // 2  # an interpolated value depends on this many samples each side
    margin = attack + span + TP_TAPS // 2
    decay = 1.0 / max(release * rate, 1.0)  # per sample, in the log of the reduction
    carried = 0.0  # reduction in dB at the sample before the block
    start = 0
    while True:
        fill(start + CHUNK + margin)
        n = length if length is not None else offset + buffer.shape[1]
        if start >= n:
            return
        end = min(n, start + CHUNK)
        lo, hi = start - margin, end + margin
        context = buffer[:, max(lo, 0) - offset : min(hi, n) - offset]
        if lo < 0 or hi > n:
            context = np.pad(context, ((0, 0), (max(0, -lo), max(0, hi - n))))
        here = buffer[:, start - offset : end - offset]
        # Needs are computed for t in [first, end + attack + span).
        first = start - attack - span
        local = [(a, b, db) for a, b, db in lower if a < end + attack + span and b > first]
        lowest = ceiling * 10.0 ** (-max((db for _, _, db in local), default=0.0) / 20.0)
        if float(np.max(np.abs(context), initial=0.0)) * bound * gain <= lowest and carried < 1e-3:
            carried = 0.0
            yield (here * np.float32(gain)).astype(np.float32, copy=False)
            start = _advance(end)
            continue
        # Sample t in [first - 1, end + attack + span): peak on [t, t + 1).
        peaks = interval_peaks(context, factor) * np.float32(gain)
        # Both intervals around a sample: [t - 1, t + 1).
        around = np.maximum(peaks[1:], peaks[:-1])
        limit: np.ndarray | np.float32 = np.float32(ceiling)
        if local:
            extra = np.zeros(len(around), np.float32)
            for a, b, db in local:
                part = extra[max(a - first, 0) : max(b - first, 0)]
                np.maximum(part, np.float32(db), out=part)
            limit = np.float32(ceiling) * np.exp(extra * np.float32(-math.log(10.0) / 20.0))
        over = around > limit
        if carried < 1e-3 and not over.any():
            carried = 0.0
            yield (here * np.float32(gain)).astype(np.float32, copy=False)
            start = _advance(end)
            continue
        need = np.zeros(len(around), np.float32)
        over_limit = limit[over] if isinstance(limit, np.ndarray) else limit
        need[over] = 20.0 * np.log10(around[over] / over_limit)
        # Hold each need from `attack` samples before to `span` after its interval, then
        # average over `attack + 1` samples: a linear ramp that is complete at the peak.
        held = _sliding_max(need, attack + 2 * span + 1)
        total = np.concatenate([[0.0], np.cumsum(held, dtype=np.float64)])
        smooth = ((total[attack + 1 :] - total[: -attack - 1]) / (attack + 1)).astype(np.float32)
        # Release: reduction[i] = max(smooth[i], reduction[i - 1] * exp(-decay)), in closed
        # form as a running maximum of log(smooth[k]) + decay * k.
        steps = np.arange(-1, end - start, dtype=np.float32) * np.float32(decay)
        with np.errstate(divide="ignore"):
            logs = np.log(np.concatenate([np.array([carried], np.float32), smooth])) + steps
        reduction = np.exp(np.maximum.accumulate(logs) - steps)[1:]
        np.maximum(reduction, smooth, out=reduction)  # exact where it matters, despite rounding
        carried = float(reduction[-1])
        gains = np.exp(reduction * np.float32(-math.log(10.0) / 20.0)) * np.float32(gain)
        yield here * gains[None, :]
        start = _advance(end)
