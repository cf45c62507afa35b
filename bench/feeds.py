"""Benchmark: feed generation time for 50 and 1,000 episodes, to show it grows linearly."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.feeds import newsletter_feed, podcast_feed, shorts_feed
from pipeline.model import (
    Chapter,
    Episode,
    Issue,
    Person,
    PublishedAudio,
    Segment,
    Show,
    Site,
    Transcript,
)

SIZES = (50, 1000)
RUNS = 3  # best of: the machine is shared
ARTWORK = "https://rain.example.org/artwork.png"


def make_show(count: int) -> Show:
    """A show with ``count`` fully featured episodes and one issue per ten episodes."""
    site = Site(
        title="Rain and Bikes",
        url="https://rain.example.org/",
        description="Two friends talk about cycling in bad weather.",
        language="en",
        author="Ada and Ben",
        email="owner@rain.example.org",
        categories=("Sports/Wilderness", "Leisure/Hobbies"),
        hosts=("Ada", "Ben"),
        guid="5b4c1a54-1f3e-5d4e-9b1e-2c7f3e0a8d11",
        funding_url="https://rain.example.org/support",
        license="CC-BY-4.0",
    )
    transcript = Transcript(
        segments=(Segment("Hello and welcome.", 0.0, 1.0, "Ada"),),
        words=(),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(),
        recording_sha256="0" * 64,
    )
    start = datetime(2020, 1, 1, 9, 0, tzinfo=UTC)
    episodes = []
    for n in range(count, 0, -1):
        slug = f"episode-{n:04d}"
        previous = f"episode-{n - 1:04d}" if n > 1 else slug
        body = (
            f"Last time: [[{previous}]]. Links: [bikes](https://example.org/{n}).\n\n"
            "## Intro\nWhy we ride.\n\n## 10:00 Capes\nPonchos & jackets.\n\n"
            "## 30:00 Mail\nYour *letters*.\n"
        )
        episodes.append(
            Episode(
                slug=slug,
                folder=Path("/show/episodes") / slug,
                title=f"Riding story {n}",
                date=start + timedelta(days=7 * n),
                body=body,
                summary=f"Story {n} of riding in the rain.",
                chapters=(
                    Chapter("Intro", 0.0),
                    Chapter("Capes", 600.0, timed=True),
                    Chapter("Mail", 1800.0, timed=True),
                ),
                number=n,
                season=1 + n // 50,
                guests=(Person("Cy", role="guest"),) if n % 3 == 0 else (),
                transcript=transcript,
                audio=PublishedAudio(Path("/x.mp3"), 28_000_000, 3500.0, 1),
            )
        )
    issues = tuple(
        Issue(
            slug=f"issue-{k:03d}",
            path=Path(f"/show/issues/issue-{k:03d}.md"),
            title=f"Letter {k}",
            date=start + timedelta(days=70 * k),
            body=f"Dear riders,\n\nListen to [[episode-{10 * k:04d}]].",
        )
        for k in range(count // 10, 0, -1)
    )
    return Show(root=Path("/show"), site=site, episodes=tuple(episodes), issues=issues)


def best_ms(show: Show) -> tuple[float, int]:
    """Best wall time of generating all three feeds, and the podcast feed's size."""
    best = float("inf")
    size = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        xml = podcast_feed(show, ARTWORK).xml
        shorts_feed(show, ARTWORK)
        newsletter_feed(show, ARTWORK)
        best = min(best, (time.perf_counter() - started) * 1000)
        size = len(xml)
    return best, size


def main() -> int:
    results = {}
    for count in SIZES:
        ms, size = best_ms(make_show(count))
        results[count] = ms
        print(
            f"{count:5d} episodes: {ms:8.1f} ms  ({ms / count:.2f} ms per episode, "
            f"podcast.xml {size / 1024:,.0f} KiB)"
        )
    small, large = SIZES
    ratio = results[large] / results[small]
    per_episode = (results[large] / large) / (results[small] / small)
    print(f"time ratio {large}/{small}: {ratio:.1f}x for {large / small:.0f}x the episodes")
    print(f"per-episode cost ratio: {per_episode:.2f} (1.0 = linear)")
    return 0 if per_episode < 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
