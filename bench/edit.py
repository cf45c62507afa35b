"""Benchmark of ``pipeline serve --edit``: from a save to the rebuilt page, and the page weight.

    python bench/edit.py                 a 60-minute episode, 3 saves
    python bench/edit.py --minutes 10 --saves 5 --browser

A show with one episode of LibriVox speech tiled to length (bench/master.py's generator) and
a generated transcript of the same length (two speakers, about 150 words a minute, Whisper-like
timings and probabilities, so no Whisper runs) is built once; that first build masters the
recording and is not what is measured. The editor is then served on a free port, and each
save puts a misheard word right in each of three segments (``--phrase``: and prepends a
phrase to them) and renames a speaker through the API (``PUT``), which answers once the page
is rebuilt: its time is the measure (target under 5 s), shown apart for the saves that
changed the short version's excerpts (its audio is then cut again). The page weight is the
editor's HTML, script and style and the API's JSON, as sent and gzipped.
``--browser`` also times the system Chromium from opening the editor to every segment shown.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
from master import make_recording  # noqa: E402

from pipeline import build  # noqa: E402
from pipeline.edit import Editor  # noqa: E402
from pipeline.edit.server import make_server  # noqa: E402
from pipeline.files import sha256_file  # noqa: E402
from pipeline.model import Segment, Transcript, Word  # noqa: E402
from pipeline.transcribe import store  # noqa: E402
from pipeline.transcribe.settings import DECODING  # noqa: E402
from tests.conftest import SITE_TOML  # noqa: E402

SLUG = "2026-12-01-long"
OUTLINE = "---\ntitle: Long\ndate: 2026-12-01\n---\nA long one.\n\n## Start\n\nNotes.\n"
VOCABULARY_TEXT = """the and to a of you it that in is we so but like just for on with this ride
bike road rain weather fender light lock tyre chain brake wheel helmet commute winter morning
route canal hill wind jacket gloves mud puddle dry wet cold dark bright cheap metal plastic
folding listener story week always never really quite maybe"""
VOCABULARY = VOCABULARY_TEXT.split()


def make_transcript(minutes: float, recording: Path) -> Transcript:
    """About 150 words a minute in segments of 8 to 16 words, two speakers taking turns."""
    rng = np.random.default_rng(16)
    words: list[Word] = []
    segments: list[Segment] = []
    at, speaker, end = 0.5, 0, minutes * 60 - 1
    while at < end:
        who = f"SPEAKER_{speaker}"
        first = len(words)
        for k in range(int(rng.integers(8, 17))):
            text = str(VOCABULARY[int(rng.integers(len(VOCABULARY)))])
            text = text.capitalize() if k == 0 else text
            length = float(rng.uniform(0.2, 0.4))
            heard = round(float(np.clip(rng.normal(0.88, 0.12), 0.05, 1.0)), 3)
            words.append(Word(text, round(at, 2), round(at + length, 2), heard, who))
            at += length + float(rng.uniform(0.0, 0.06))
        words[-1] = replace(words[-1], text=words[-1].text + ".")
        text = " ".join(w.text for w in words[first:])
        segments.append(Segment(text, words[first].start, words[-1].end, who))
        at += float(rng.uniform(0.3, 0.9))
        speaker = 1 - speaker if rng.random() < 0.4 else speaker
    return Transcript(
        segments=tuple(segments),
        words=tuple(words),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=tuple(sorted(DECODING.items())),
        recording_sha256=sha256_file(recording),
    )


def fetch(url: str, method: str = "GET", body: bytes | None = None, **headers: str):
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.read(), response.headers


def cuts(root: Path) -> set[str]:
    """The short versions' cuts in the state folder: a new one is the audio cut again."""
    return {p.name for p in (root / ".pipeline" / "master").glob(f"{SLUG}.*.short.mp3")}


def browser_load(url: str, segments: int) -> float | None:
    """Seconds from opening the editor to every segment shown, in the system Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = browser.new_page()
        began = time.monotonic()
        page.goto(url)
        page.wait_for_function(
            f"() => document.querySelectorAll('#segments li.segment').length === {segments}",
            timeout=120_000,
        )
        seconds = time.monotonic() - began
        browser.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--saves", type=int, default=3)
    parser.add_argument("--browser", action="store_true")
    parser.add_argument(
        "--phrase", action="store_true", help="prepend a phrase to each corrected segment too"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "show"
        folder = root / "episodes" / SLUG
        folder.mkdir(parents=True)
        (root / "site.toml").write_text(SITE_TOML)
        (folder / "outline.md").write_text(OUTLINE)
        began = time.monotonic()
        make_recording(folder / "recording.wav", args.minutes, 1, "wav")
        transcript = make_transcript(args.minutes, folder / "recording.wav")
        store.write(folder / "transcript.json", transcript)
        made = time.monotonic() - began
        began = time.monotonic()
        report = build.build(root)
        first = time.monotonic() - began
        if report.problems.errors:
            sys.exit(f"the first build failed: {[p.message for p in report.problems.errors]}")

        server = make_server(root / "feeds", Editor(root, root / "feeds", build.build), port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.port}"
        html, _ = fetch(f"{base}/edit/{SLUG}/")
        script, _ = fetch(f"{base}/edit/static/editor.js")
        style, _ = fetch(f"{base}/edit/static/editor.css")
        began = time.monotonic()
        api, headers = fetch(f"{base}/api/episodes/{SLUG}/transcript")
        read = time.monotonic() - began
        etag = headers["ETag"]

        rng = np.random.default_rng(3)
        times: list[float] = []
        recut: list[bool] = []  # whether the save changed the short version's excerpts
        for n in range(args.saves):
            doc = json.loads(api)
            fixed = []
            for i in rng.choice(len(doc["segments"]), 3, replace=False):
                # A misheard word put right, as most corrections are (--phrase: a phrase
                # added too, which changes the short version's excerpts more often).
                said = doc["segments"][i]["text"].split()
                said[len(said) // 2] = f"Fixed{n}x{i}"
                if args.phrase:
                    said.insert(0, f"Corrected in save {n}:")
                doc["segments"][i]["text"] = " ".join(said)
                fixed.append(said[len(said) // 2])
            for s in doc["segments"]:
                if s["speaker"] == ("SPEAKER_1" if n == 0 else "Ben"):
                    s["speaker"] = "Ben" if n == 0 else f"Ben {n}"
            body = json.dumps({"segments": doc["segments"]}).encode()
            sent = {"Content-Type": "application/json", "If-Match": etag}
            cuts_before = cuts(root)
            began = time.monotonic()
            answer, headers = fetch(
                f"{base}/api/episodes/{SLUG}/transcript",
                "PUT",
                body,
                Authorization=f"Bearer {server.token}",
                **sent,
            )
            times.append(time.monotonic() - began)
            recut.append(cuts(root) != cuts_before)
            result = json.loads(answer)
            if not result["rebuilt"]:
                sys.exit(f"save {n} did not rebuild: {result}")
            page = (root / "feeds" / "episodes" / SLUG / "index.html").read_text()
            assert all(word in page for word in fixed), fixed
            etag = headers["ETag"]
            api, _ = fetch(f"{base}/api/episodes/{SLUG}/transcript")
        loaded = None
        if args.browser:
            loaded = browser_load(f"{base}/edit/{SLUG}/", len(transcript.segments))
        server.shutdown()
        server.server_close()

    parts = {"HTML": html, "editor.js": script, "editor.css": style, "API JSON": api}
    total = sum(len(p) for p in parts.values())
    zipped = sum(len(gzip.compress(p)) for p in parts.values())
    print(
        f"episode:        {args.minutes:g} min, {len(transcript.segments)} segments, "
        f"{len(transcript.words)} words, transcript.json "
        f"{len(store.dumps(transcript).encode()) / 2**20:.1f} MiB"
    )
    print(f"setup:          recording and transcript {made:.1f} s; first build {first:.1f} s")
    for label, which in (("short kept", False), ("short re-cut", True)):
        chosen = [t for t, r in zip(times, recut, strict=True) if r == which]
        if chosen:
            print(
                f"save → rebuilt: median {statistics.median(chosen):.2f} s over {len(chosen)} "
                f"saves, {label} ({', '.join(f'{t:.2f}' for t in chosen)}; target < 5 s)"
            )
    print(f"API read:       {read:.2f} s")
    print(
        "page weight:    "
        + ", ".join(f"{name} {len(p) / 1024:.1f} KiB" for name, p in parts.items())
        + f"; total {total / 1024:.0f} KiB, {zipped / 1024:.0f} KiB gzipped"
    )
    if loaded is not None:
        print(f"browser:        {loaded:.2f} s from opening the editor to every segment shown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
