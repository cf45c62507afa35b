"""Files the pipeline writes and hashes: atomic writes (hidden temporary file, fsync, rename,
fsync of the folder), leftovers of killed builds, and SHA-256 of a file."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import WriteError

# The errors of a disk or a folder (not of a file's content): a writer that streams into
# ``atomic_path`` may raise others of its own, which stay as they are.
WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO}
)

# Every temporary file the pipeline makes is named ".<name>.<random>.tmp": hidden from
# listings, and recognisable so that leftovers of a killed build can be removed.
LEFTOVER = re.compile(r"^\..+\.tmp$")


def write_atomic(
    dest: Path, data: bytes | None = None, source: Path | None = None, mode: int = 0o644
) -> None:
    """Write bytes (or copy ``source``) to ``dest`` so that readers see the old or the new file.

    A kill at any point leaves either the old file or the new one at ``dest``, and at most a
    hidden ``.<name>.<random>.tmp`` beside it, which ``remove_leftovers`` clears.
    """
    if (data is None) == (source is None):
        raise ValueError("write_atomic takes data or a source file, not both")
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise WriteError(dest, exc) from exc
    try:
        os.fchmod(fd, mode)  # mkstemp's 0600 would hide the file from the host's other tools
        with os.fdopen(fd, "wb") as f:
            _fill(dest, f, data, source)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(dest, exc) from exc
        raise
    fsync_folder(dest.parent)


def _fill(dest: Path, f: BinaryIO, data: bytes | None, source: Path | None) -> None:
    """Write the new content of ``dest`` into its open temporary file (where tests inject a
    full disk or a kill)."""
    if data is not None:
        f.write(data)
    else:
        assert source is not None
        with open(source, "rb") as src:
            shutil.copyfileobj(src, f, 1 << 20)


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """A hidden temporary path beside ``dest`` to write in any way; renamed into place after.

    For writers that stream into a file of their own (an encoder, a tagger): the file at the
    path is synced and renamed over ``dest`` when the block ends, and removed when it fails.
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise WriteError(dest, exc) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            raise WriteError(dest, exc) from exc
        raise
    fsync_folder(dest.parent)


class NotAFile(OSError):
    """The path holds a folder, a pipe or a device where a file was expected."""


class TooLarge(OSError):
    """The file is over the size limit its reader set."""


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, for a file from the show folder.

    It is opened without blocking (a named pipe in its place must not hang the build) and
    read no further than one byte past the limit, even if it grows meanwhile. Raises
    FileNotFoundError, NotAFile, TooLarge or another OSError; callers name the fix.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotAFile(path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(path)
        if info.st_size > limit:
            raise TooLarge(path)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(path)
    return data


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks of 1 MiB."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where the system cannot open folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_leftovers(folder: Path, recursive: bool = True, prefix: str = ".") -> list[Path]:
    """Remove the temporary files a killed build left in a folder the pipeline writes to.

    Only names the pipeline gives its temporary files (starting with ``prefix``) are
    touched; symbolic links are never followed. Returns what was removed.
    """
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return []
    removed: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith(prefix) and LEFTOVER.match(name) and not path.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        if not recursive:
            dirnames.clear()
    return removed


def remove_stale(folder: Path, pattern: re.Pattern[str], keep: set[str]) -> None:
    """Remove the files in a cache folder whose names match ``pattern``, except ``keep``."""
    for path in folder.iterdir():
        if path.name not in keep and pattern.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)
