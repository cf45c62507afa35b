"""The recording as 16 kHz mono windows of a few minutes, decoded as it streams, cut in pauses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.audio.decoding import Blocks
from pipeline.errors import ContentError
from pipeline.model import AudioFile, Recording

RATE = 16000  # Whisper's sample rate
WINDOW_SECONDS = 300.0  # longest window; a long recording never sits in memory whole
_SEARCH_SECONDS = 30.0  # a window ends in the quietest moment of its last half minute
_FRAME = RATE // 10  # 100 ms frames when looking for that moment
_FIX = "re-export the recording (MP3, M4A, WAV, FLAC, OGG or Opus) and replace the file"


@dataclass(frozen=True)
class Window:
    """A stretch of the recording: the mix that is transcribed and, for tracks/, each track."""

    start: float  # seconds from the start of the recording
    mix: np.ndarray  # float32 mono at 16 kHz
    tracks: tuple[np.ndarray, ...] = ()  # one per speaker, as long as mix; empty for one file

    @property
    def duration(self) -> float:
        return len(self.mix) / RATE


def iter_windows(recording: Recording, window_seconds: float | None = None) -> Iterator[Window]:
    """Yield consecutive windows that cover the whole recording; tracks are mixed by mean."""
    longest = int((window_seconds or WINDOW_SECONDS) * RATE)
    search = min(int(_SEARCH_SECONDS * RATE), longest // 2)
    readers = [_Reader(f) for f in recording.files]
    start = 0
    while True:
        for r in readers:
            r.fill(longest + 1)
        available = max(r.buffered for r in readers)
        if available == 0:
            return
        if all(r.done for r in readers) and available <= longest:
            length = available
        else:
            mix = _mix([r.peek(longest) for r in readers], longest)
            length = _quietest_cut(mix, longest - search, longest)
        tracks = [r.take(length) for r in readers]
        mix = _mix(tracks, length)
        yield Window(
            start=start / RATE,
            mix=mix,
            tracks=tuple(tracks) if recording.is_multitrack else (),
        )
        start += length


def _mix(tracks: list[np.ndarray], length: int) -> np.ndarray:
    if len(tracks) == 1:
        return tracks[0][:length]
    mix = np.zeros(length, dtype=np.float32)
    for t in tracks:
        mix[: len(t)] += t[:length]
    mix /= len(tracks)
    return mix


def _quietest_cut(mix: np.ndarray, lo: int, hi: int) -> int:
    """The sample in [lo, hi) at the middle of the quietest 100 ms frame."""
    stretch = mix[lo:hi]
    frames = len(stretch) // _FRAME
    if frames == 0:
        return hi
    energy = np.square(stretch[: frames * _FRAME]).reshape(frames, _FRAME).mean(axis=1)
    return lo + int(np.argmin(energy)) * _FRAME + _FRAME // 2


class _Reader:
    """Decodes one file to 16 kHz mono float32 a little at a time."""

    def __init__(self, audio: AudioFile) -> None:
        self.audio = audio
        self.path: Path = audio.path
        self.blocks = self._decode()
        self.pending: list[np.ndarray] = []
        self.buffered = 0
        self.done = False
        self.decoded = 0  # samples read so far

    def fill(self, samples: int) -> None:
        while not self.done and self.buffered < samples:
            block = next(self.blocks, None)
            if block is None:
                self.done = True
                self._check_length()
                break
            self.pending.append(block)
            self.buffered += len(block)
            self.decoded += len(block)

    def peek(self, samples: int) -> np.ndarray:
        self._join()
        return self.pending[0][:samples] if self.pending else np.zeros(0, np.float32)

    def take(self, samples: int) -> np.ndarray:
        """The next ``samples`` samples, padded with silence after the end of the file."""
        self._join()
        have = self.pending[0] if self.pending else np.zeros(0, np.float32)
        out = have[:samples]
        rest = have[samples:]
        self.pending = [rest] if len(rest) else []
        self.buffered = len(rest)
        if len(out) < samples:
            out = np.concatenate([out, np.zeros(samples - len(out), np.float32)])
        return out

    def _join(self) -> None:
        if len(self.pending) > 1:
            self.pending = [np.concatenate(self.pending)]

    def _decode(self) -> Iterator[np.ndarray]:
        for block in Blocks(self.path, RATE, "mono"):  # opened at the first fill
            yield block[0]

    def _check_length(self) -> None:
        """A file that ends well before the length it had when it was read is truncated."""
        seconds = self.decoded / RATE
        if seconds < self.audio.duration - max(1.0, 0.02 * self.audio.duration):
            raise ContentError(
                self.path,
                f"ends after {seconds:.1f} s but held {self.audio.duration:.1f} s when the "
                f"episode was read: the file is truncated or was replaced; {_FIX}",
            )
