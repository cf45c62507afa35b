"""Chapter rules: the podcast:chapters tag, the JSON chapters file it points at, and the
psc:chapters of an item."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from lxml import etree

from pipeline.check.feed import PSC_NS, Feed, absolute_url, podcast_tag

_NPT = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d{1,2})(?:\.(\d{1,3}))?$")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _npt_seconds(text: str) -> float | None:
    match = _NPT.match(text.strip())
    if not match:
        return None
    h, m, s, ms = match.groups()
    return int(h or 0) * 3600 + int(m or 0) * 60 + int(s) + int((ms or "0").ljust(3, "0")) / 1000


def check_chapters_tags(feed: Feed, label: str, item: etree._Element, length: float | None) -> None:
    """podcast:chapters tags, and the chapters file of each that is in the output."""
    for chapters in item.findall(podcast_tag("chapters")):
        url, kind = chapters.get("url") or "", chapters.get("type") or ""
        if kind != "application/json+chapters" or not absolute_url(url):
            feed.report(
                "chapters-tag",
                label,
                f"podcast:chapters url={url!r} type={kind!r}",
                'use type="application/json+chapters" and an absolute URL; rebuild the feed',
            )
            continue
        path = feed.local(url)
        if path is not None:
            _check_chapters_file(feed, label, path, length)


def check_psc(feed: Feed, label: str, item: etree._Element) -> None:
    for group in item.findall(f"{{{PSC_NS}}}chapters"):
        previous = -1.0
        for chapter in group.findall(f"{{{PSC_NS}}}chapter"):
            start = _npt_seconds(chapter.get("start") or "")
            if start is None or not chapter.get("title") or start <= previous:
                feed.report(
                    "psc-chapters",
                    label,
                    f"psc:chapter start={chapter.get('start')!r} title={chapter.get('title')!r}"
                    " is not a normal-play-time start after the previous chapter",
                    "order the outline's chapters by time (## 12:30 Title) and rebuild",
                )
                break
            previous = start


def _check_chapters_file(feed: Feed, label: str, path: Path, length: float | None) -> None:
    fix = "order the outline's chapter timestamps (## 12:30 Title) and rebuild"
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        feed.report(
            "chapters-file",
            label,
            f"chapters file {path} is not in the output",
            "run `pipeline build` so the chapters are published before the feed",
        )
        return
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        feed.report("chapters-file", label, f"{path} is not valid JSON ({exc})", fix)
        return
    chapters = data.get("chapters") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("version"), str)
        or not (
            isinstance(chapters, list)
            and chapters
            and all(isinstance(c, dict) and _number(c.get("startTime")) for c in chapters)
        )
    ):
        feed.report(
            "chapters-file",
            label,
            f'{path} is not JSON chapters ({{"version", "chapters": [{{"startTime"}}]}})',
            fix,
        )
        return
    for chapter in chapters:
        for key in ("img", "url"):
            value = chapter.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or not absolute_url(value):
                feed.report(
                    "chapters-file", label, f"{path}: a chapter's {key} {value!r} is no URL", fix
                )
            elif key == "img" and (art := feed.local(value)) is not None and not art.is_file():
                feed.report(
                    "chapters-file",
                    label,
                    f"{path}: the chapter art {value} is not in the output",
                    "run `pipeline build` so the chapter images are published",
                )
    starts = [float(c["startTime"]) for c in chapters]
    if starts[0] != 0:
        feed.report(
            "chapters-file", label, f"{path}: the first chapter starts at {starts[0]} s, not 0", fix
        )
    if any(b <= a for a, b in itertools.pairwise(starts)):
        feed.report("chapters-file", label, f"{path}: chapter starts are not ascending", fix)
    if length is not None and starts[-1] >= length:
        feed.report(
            "chapters-file",
            label,
            f"{path}: a chapter starts at {starts[-1]} s, after the audio ends ({length:.0f} s)",
            fix,
        )
    # One chapter is the whole episode: no chapters to show. A short version lists the
    # chapters its excerpts come from, as many as there are: fewer than three is no mistake.
    if 1 < len(chapters) < 3 and feed.name != "shorts.xml":
        feed.report(
            "chapters-count",
            label,
            f"has {len(chapters)} chapter(s); Apple and Spotify show chapters from three on",
            "add ## headings to the outline, or remove them all",
        )
