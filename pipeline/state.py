"""The state folder ``.pipeline/``: every path in it, its guards, and the one-build lock.

What lies here is the pipeline's own data (JSON, mastered audio), never code: a show folder
is shared by a collective, so the files here are read as data that may have been tampered
with, and the folder must not lead outside the show.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.errors import ConfigError, LockedError
from pipeline.files import remove_leftovers, write_atomic

FOLDER = ".pipeline"
GITIGNORE = "# The pipeline's own state: never commit it (see the README).\n*\n"


def folder(root: Path) -> Path:
    """The state folder of the show in ``root``."""
    return Path(root) / FOLDER


def lock_path(state: Path) -> Path:
    return state / "lock"


def holder_path(state: Path) -> Path:
    """The pid of the command holding the lock, written beside it."""
    return state / "lock.pid"


def manifest_path(state: Path, out: Path) -> Path:
    """What was published into ``out``: one manifest per output folder."""
    digest = hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:12]
    return state / f"manifest-{digest}.json"


def master_dir(state: Path) -> Path:
    """Mastered and tagged audio, by recording, settings and tags."""
    return state / "master"


def search_dir(state: Path) -> Path:
    """The search index of the last build, reused while no page's text changes."""
    return state / "search"


def published_dir(state: Path) -> Path:
    """The last good version of each episode and issue, as versioned JSON."""
    return state / "published"


def probes_path(state: Path) -> Path:
    """What was learnt of each recording (length, format, hash), so it is not read again."""
    return state / "probes.json"


def placements_path(state: Path) -> Path:
    """Where the untimed chapters of each episode were placed, so a rebuild need not align."""
    return state / "chapters.json"


def guids_path(state: Path) -> Path:
    """Every feed item's guid as ``pipeline check`` last saw it."""
    return state / "guids.json"


def prepare(root: Path) -> Path:
    """Create the state folder if needed (with its ``.gitignore``) and return it.

    Raises ConfigError when the folder, or a link in its place, leads outside the show.
    """
    root = Path(root)
    state = folder(root)
    if state.is_symlink() or (state.exists() and not _inside(state, root)):
        raise ConfigError(
            f"{state}: is a link or leads outside the show folder; remove it (the pipeline "
            "makes a new one; it holds only what the next build can redo)"
        )
    state.mkdir(parents=True, exist_ok=True)
    for sub in (master_dir(state), published_dir(state)):
        if sub.is_symlink() or (sub.exists() and not _inside(sub, state)):
            sub.unlink()  # a link in our own folder: the files behind it are not ours
    ignore = state / ".gitignore"
    if not ignore.is_file() or ignore.is_symlink():
        ignore.unlink(missing_ok=True)
        write_atomic(ignore, GITIGNORE.encode())
    return state


@contextlib.contextmanager
def lock(root: Path) -> Iterator[Path]:
    """Hold the show's lock while a command writes; yields the state folder.

    The lock is an OS file lock (``filelock``): it frees itself when its holder dies, so a
    lock left by a killed build never blocks the next one. The holder's pid is written
    beside it so that a refused command can name it. Raises LockedError when it is held.
    """
    state = prepare(root)
    path = lock_path(state)
    if path.is_symlink():
        path.unlink()  # ours to replace: opening it would truncate whatever it points at
    file_lock = FileLock(str(path), timeout=0)
    try:
        file_lock.acquire()
    except Timeout:
        holder = _holder(state)
        who = f"pid {holder}" if holder else "a process that has not written its pid yet"
        raise LockedError(
            f"{path}: another build ({who}) is running on this show; wait for it to finish"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot take the lock ({exc.strerror}); check the folder's permissions"
        ) from exc
    try:
        write_atomic(holder_path(state), f"{os.getpid()}\n".encode())
        remove_leftovers(state)  # temporary files of a killed build
        yield state
    finally:
        holder_path(state).unlink(missing_ok=True)
        file_lock.release()


def _holder(state: Path) -> int | None:
    try:
        text = holder_path(state).read_text(encoding="ascii")[:20]
        return int(text.strip())
    except (OSError, ValueError):
        return None


def _inside(path: Path, top: Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(top).resolve())
