"""Starter files for a new episode or issue (``pipeline new``): created, never overwritten."""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.errors import ConfigError, PipelineError
from pipeline.model import SLUG

EPISODE = """\
---
title: Title of the episode
date: {date}
summary: One paragraph that tells a listener what they will hear.
topics: []
---
What this episode is about, in a few sentences.

## Opening

Notes for the first chapter. Link other episodes and issues with [[their-slug]].

## 10:00 Second chapter

Notes. A timestamp at the start of a heading fixes where the chapter begins.
"""

ISSUE = """\
---
title: Title of the issue
date: {date}
preheader: One line shown in the inbox after the subject.
---
Hello! What is new this time.
"""


def new_episode(root: Path, slug: str) -> Path:
    """Create ``episodes/<slug>/outline.md``; returns its path."""
    return _create(Path(root), Path("episodes") / _slug(slug) / "outline.md", EPISODE)


def new_issue(root: Path, slug: str) -> Path:
    """Create ``issues/<slug>.md``; returns its path."""
    return _create(Path(root), Path("issues") / f"{_slug(slug)}.md", ISSUE)


def _slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise ConfigError(
            f"'{slug[:60]}' is not a valid slug: use lower-case letters, digits and single "
            "hyphens (like 2024-08-07-rain-and-bikes)"
        )
    return slug


def _create(root: Path, relative: Path, template: str) -> Path:
    path = root / relative
    if path.exists() or path.is_symlink():
        raise PipelineError(f"{path} already exists; it was left as it is")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.parent.resolve().is_relative_to(root.resolve()):
        raise PipelineError(f"{path.parent} leads outside the show folder; nothing was written")
    try:
        with open(path, "x", encoding="utf-8") as f:
            f.write(template.format(date=time.strftime("%Y-%m-%d")))
    except FileExistsError:
        raise PipelineError(f"{path} already exists; it was left as it is") from None
    return path
