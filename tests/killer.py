"""Run ``pipeline build`` and SIGKILL it at a named point: the kill tests' hook, not a timer.

Usage: ``python -m tests.killer POINT ROOT``. POINT is one of:

- ``after:<stage>``: once the stage's function has returned (``load``, ``transcribe``,
  ``chapters``, ``link``, ``master``, ``shorten``, ``render``);
- ``transcript:<n>``: right after the n-th transcript.json is in place;
- ``rename:<n>``: inside the atomic write of the n-th file into the output folder, after its
  temporary file is written and synced, just before the rename that publishes it;
- ``partial:<n>``: in the middle of writing the n-th file into the output folder;
- ``manifest``: just before the output's manifest is renamed into place.

The process kills itself with SIGKILL (no clean-up runs, as with a power cut or ``kill -9``),
so the test sees exit status -9 exactly when the point was reached.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pipeline.build
import pipeline.files
from pipeline import chapters, link, load, render, shorten
from pipeline.cli import main

STAGES: dict[str, tuple[Any, str]] = {
    "load": (load, "load_show"),
    "transcribe": (pipeline.build, "transcribe_all"),
    "chapters": (chapters, "place_chapters"),
    "link": (link, "link"),
    "master": (pipeline.build, "master_all"),
    "shorten": (shorten, "shorten_show"),
    "render": (render, "render_show"),
}


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def after(owner: Any, name: str) -> None:
    function: Callable[..., Any] = getattr(owner, name)  # AttributeError: a renamed stage

    @functools.wraps(function)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        die()
        return result

    setattr(owner, name, wrapped)


def on_the_nth(
    n: int, wanted: Callable[[Path], bool], then: Callable[[], None]
) -> Callable[..., Any]:
    """A counter: calls ``then`` on the n-th path ``wanted`` accepts."""
    seen = 0

    def count(path: Path) -> None:
        nonlocal seen
        if wanted(path):
            seen += 1
            if seen == n:
                then()

    return count


def install(point: str, root: Path) -> None:
    out = (root / "feeds").resolve()
    kind, _, arg = point.partition(":")
    n = int(arg) if arg.isdigit() else 1

    def in_output(path: Path) -> bool:
        return path.resolve().is_relative_to(out)

    if kind == "after":
        after(*STAGES[arg])
    elif kind in ("transcript", "rename", "manifest"):
        before = {
            "rename": on_the_nth(n, in_output, die),
            "manifest": on_the_nth(1, lambda p: p.name.startswith("manifest"), die),
        }.get(kind, lambda path: None)
        behind = on_the_nth(n, lambda p: kind == "transcript" and p.name == "transcript.json", die)
        real_replace = os.replace

        def replace(src: Any, dest: Any) -> None:
            before(Path(dest))
            real_replace(src, dest)
            behind(Path(dest))

        os.replace = replace  # type: ignore[assignment]
    elif kind == "partial":
        real_fill = pipeline.files._fill
        seen = 0

        def fill(dest: Path, f: Any, data: bytes | None, source: Path | None) -> None:
            nonlocal seen
            if in_output(dest):
                seen += 1
                if seen == n:  # half of the file on disk, then the power goes
                    content = data if data is not None else Path(source or "").read_bytes()
                    f.write(content[: max(1, len(content) // 2)])
                    f.flush()
                    os.fsync(f.fileno())
                    die()
            real_fill(dest, f, data, source)

        pipeline.files._fill = fill  # type: ignore[assignment]
    else:
        raise SystemExit(f"unknown kill point {point!r}")


if __name__ == "__main__":
    point, root = sys.argv[1], Path(sys.argv[2])
    install(point, root)
    sys.argv = ["pipeline", "build", "-q", "--root", str(root)]
    main()
