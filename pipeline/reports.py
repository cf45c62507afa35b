"""What the commands report: progress while they work, and what they did when they are done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipeline.errors import Problems
from pipeline.model import Episode

Progress = Callable[[float, float], None]


class Reporter(Protocol):
    """How long work shows progress: the CLI draws bars on a terminal, tests pass nothing."""

    def task(self, label: str, total: float) -> Progress:
        """A long task starts; the callback gets (done, total) in the task's units."""
        ...

    def finished(self, line: str) -> None:
        """A long task did its work: one line for a log (``transcribed SLUG: ...``)."""
        ...

    def done(self) -> None:
        """The command's long work is over."""
        ...


class Quiet:
    """A reporter that shows nothing."""

    def task(self, label: str, total: float) -> Progress:
        return lambda done, total: None

    def finished(self, line: str) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass
class BuildReport:
    problems: Problems
    out: Path
    published: list[str] = field(default_factory=list)  # slugs of episodes built now
    kept: list[str] = field(default_factory=list)  # broken episodes left as last published
    transcribed: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class TranscribeReport:
    problems: Problems
    transcribed: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)  # their transcript was up to date


@dataclass
class ChaptersReport:
    """An episode's chapters as the build would publish them, for a host to check."""

    problems: Problems
    episode: Episode
    first_words: tuple[str, ...]  # what is said from each chapter's start
