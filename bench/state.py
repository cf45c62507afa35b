"""Benchmark: what reading hosts' and the state folder's files as untrusted data costs.

A three-hour episode (25,000 words): its last good version saved and read back as JSON
(pipeline/snapshot.py) against pickle, which it replaced, and its transcript.json read with
every check (pipeline/transcribe/store.py) against a bare json.loads, in the same process.
"""

from __future__ import annotations

import json
import pickle
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pipeline import snapshot
from pipeline.model import Chapter, Episode, PublishedAudio, Segment, Transcript, Word
from pipeline.transcribe import store

WORDS = 25_000
RUNS = 5  # best of: the machine is shared


def best(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def episode(root: Path) -> Episode:
    words = tuple(
        Word(f"word{i % 97}", i * 0.43, i * 0.43 + 0.3, 0.9, "Ada" if i % 200 < 100 else "Ben")
        for i in range(WORDS)
    )
    segments = tuple(
        Segment(" ".join(w.text for w in words[i : i + 20]), words[i].start, words[i + 19].end)
        for i in range(0, WORDS - 19, 20)
    )
    transcript = Transcript(segments, words, "faster-whisper", "tiny.en", "en", (), "0" * 64)
    return Episode(
        slug="long",
        folder=root / "episodes" / "long",
        title="Three hours",
        date=datetime(2026, 12, 1, tzinfo=UTC),
        body="## One\n",
        chapters=(Chapter("One", 0.0),),
        transcript=transcript,
        audio=PublishedAudio(root / ".pipeline/master/long.mp3", 1, 10800.0, 1),
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ep = episode(root)
        kept, pickled = root / "kept.json", root / "kept.pickle"
        save_json = best(lambda: snapshot.save(kept, ep, root) or kept.unlink())
        snapshot.save(kept, ep, root)
        load_json = best(lambda: snapshot.load(kept, root))
        save_pickle = best(lambda: pickled.write_bytes(pickle.dumps(ep)))
        load_pickle = best(lambda: pickle.loads(pickled.read_bytes()))
        assert snapshot.load(kept, root) == ep

        path = root / "transcript.json"
        assert ep.transcript is not None
        store.write(path, ep.transcript)
        checked = best(lambda: store.read(path))
        bare = best(lambda: json.loads(path.read_text()))
        size = kept.stat().st_size
    print(f"last good version of a {WORDS:,}-word episode ({size / 2**20:.1f} MiB of JSON)")
    print(f"  save: JSON {save_json * 1000:7.1f} ms, pickle {save_pickle * 1000:7.1f} ms")
    print(f"  read: JSON {load_json * 1000:7.1f} ms, pickle {load_pickle * 1000:7.1f} ms")
    print(
        f"  JSON / pickle: save {save_json / save_pickle:.1f}x, read {load_json / load_pickle:.1f}x"
    )
    print(
        f"transcript.json: checked read {checked * 1000:.1f} ms, "
        f"bare json.loads {bare * 1000:.1f} ms"
    )
    print(f"  checked / bare: {checked / bare:.1f}x")


if __name__ == "__main__":
    main()
