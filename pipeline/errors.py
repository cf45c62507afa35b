"""Exception types, and the problem collector that ``--strict`` makes fatal."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]

# Exit statuses, as the README's Commands section lists them: 2 wins over 1.
EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_WRITE = 4


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


# What to do when a file cannot be written, by errno name; anything else gets the last line.
WRITE_FIXES = {
    "ENOSPC": "the disk is full: free some space, then build again",
    "EDQUOT": "your disk quota is used up: free some space, then build again",
    "EACCES": "no permission to write there: make the folder yours and writable "
    "(chmod u+w), or publish elsewhere with --out",
    "EPERM": "no permission to write there: make the folder yours and writable "
    "(chmod u+w), or publish elsewhere with --out",
    "EROFS": "the disk is mounted read-only: publish elsewhere with --out",
}
WRITE_FIX = "check the disk, then build again"


class WriteError(PipelineError, OSError):
    """A file could not be written (disk full, no permission): the command stops there.

    Every write is atomic, so the file at the path is still the one published before, and
    so is every file not yet written. Also an OSError, for callers that catch those.
    """

    exit_status = EXIT_WRITE

    def __init__(self, path: Path | str, cause: OSError) -> None:
        OSError.__init__(self, cause.errno, cause.strerror or str(cause), str(path))
        name = errno.errorcode.get(cause.errno or 0, "")
        self.path = Path(path)
        self.message = (
            f"{path}: cannot write it ({cause.strerror or cause}); "
            f"{WRITE_FIXES.get(name, WRITE_FIX)}. The file there is the one published before."
        )

    def __str__(self) -> str:
        return self.message


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
