"""Exception types, and the problem collector that ``--strict`` makes fatal."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]

# Exit statuses, as the README's Commands section lists them: 2 wins over 1.
EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3


class PipelineError(Exception):
    """A problem that stops a command; its message names the file and the fix."""

    exit_status = EXIT_CONTENT


class ConfigError(PipelineError):
    """``site.toml`` or the command line is wrong: nothing is built."""

    exit_status = EXIT_CONFIG


class ContentError(PipelineError):
    """One episode or issue cannot be used as it is; the rest of the show still builds."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = Path(path)
        self.detail = message


class LockedError(PipelineError):
    """Another build holds ``.pipeline/lock``."""

    exit_status = EXIT_LOCKED


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the show, tied to the file it concerns."""

    level: Level
    path: Path
    message: str
    slug: str | None = None

    def __str__(self) -> str:
        return f"{self.level}: {self.path}: {self.message}"


@dataclass
class Problems:
    """Collects problems during a build so that one bad file does not stop the others."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: Path | str, message: str, slug: str | None = None) -> None:
        self.items.append(Problem("error", Path(path), message, slug))

    def warning(self, path: Path | str, message: str, slug: str | None = None) -> None:
        self.items.append(Problem("warning", Path(path), message, slug))

    def add(self, exc: ContentError, slug: str | None = None) -> None:
        self.error(exc.path, exc.detail, slug)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.level == "warning"]

    def broken_slugs(self) -> set[str]:
        """Slugs of episodes and issues with an error: their last good output is kept."""
        return {p.slug for p in self.errors if p.slug}

    def exit_status(self, strict: bool = False) -> int:
        if self.errors or (strict and self.warnings):
            return EXIT_CONTENT
        return EXIT_OK
