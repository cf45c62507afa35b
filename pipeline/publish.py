"""The ``publish`` stage: atomic writes into the output, a manifest, and the one-build lock."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.audio import sha256_file
from pipeline.errors import ConfigError, LockedError

MANIFEST_VERSION = 1
FEEDS = ("podcast.xml", "shorts.xml", "newsletter.xml", "sitemap.xml")


@dataclass(frozen=True)
class Output:
    """One published file: its path under the output folder and its bytes or source file.

    ``owner`` is the slug of the episode or issue it belongs to (None for show-wide files):
    a broken episode's files are kept as they were.
    """

    path: str  # relative, POSIX
    data: bytes | None = None
    source: Path | None = None
    owner: str | None = None

    def sha256(self) -> str:
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        assert self.source is not None
        return sha256_file(self.source)

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.source is not None
        return self.source.stat().st_size


@dataclass
class PublishReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def publish_order(path: str) -> tuple[int, str]:
    """Media and data first, then pages, feeds last: a feed never points at a missing file."""
    if path in FEEDS:
        return (2, path)
    if path.endswith(".html"):
        return (1, path)
    return (0, path)


def publish(
    outputs: Iterable[Output], out: Path, state: Path, keep: set[str] = frozenset()
) -> PublishReport:
    """Write every output that changed, atomically, and remove what is no longer produced.

    Files owned by a slug in ``keep`` (a broken episode) stay exactly as they were.
    """
    out, state = Path(out), Path(state)
    outputs = list(outputs)
    _check_paths(outputs)
    manifest_path = state / manifest_name(out)
    old = read_manifest(manifest_path)
    new: dict[str, dict[str, object]] = {
        path: entry for path, entry in old.items() if entry.get("owner") in keep
    }
    report = PublishReport()
    for output in sorted(outputs, key=lambda o: publish_order(o.path)):
        if output.owner in keep:
            continue
        digest = output.sha256()
        dest = out / output.path
        entry = {"sha256": digest, "size": output.size, "owner": output.owner}
        previous = old.get(output.path)
        if (
            previous is not None
            and previous.get("sha256") == digest
            and dest.is_file()
            and dest.stat().st_size == output.size
        ):
            report.unchanged.append(output.path)
        else:
            write_atomic(dest, output.data, output.source)
            report.written.append(output.path)
        new[output.path] = entry

    for path, entry in old.items():
        if path in new or entry.get("owner") in keep:
            continue
        target = out / path
        if target.is_file():
            target.unlink()
            _remove_empty_parents(target.parent, out)
        report.removed.append(path)
    write_atomic(
        manifest_path,
        (
            json.dumps({"version": MANIFEST_VERSION, "files": new}, indent=1, sort_keys=True) + "\n"
        ).encode(),
    )
    return report


def manifest_name(out: Path) -> str:
    """One manifest per output folder, so ``--out`` elsewhere keeps its own record."""
    digest = hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:12]
    return f"manifest-{digest}.json"


def read_manifest(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    if data.get("version") != MANIFEST_VERSION:
        return {}
    return data.get("files", {})


def write_atomic(dest: Path, data: bytes | None = None, source: Path | None = None) -> None:
    """Write bytes (or copy a file) to a temporary file beside dest, then rename it into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if data is not None:
                f.write(data)
            else:
                assert source is not None
                with open(source, "rb") as src:
                    shutil.copyfileobj(src, f, 1 << 20)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _check_paths(outputs: list[Output]) -> None:
    seen: set[str] = set()
    for output in outputs:
        p = PurePosixPath(output.path)
        if p.is_absolute() or ".." in p.parts or not p.parts:
            raise ValueError(f"output path {output.path!r} would leave the output folder")
        if output.path in seen:
            raise ValueError(f"two outputs claim {output.path!r}")
        seen.add(output.path)


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


@contextlib.contextmanager
def build_lock(state: Path) -> Iterator[None]:
    """Hold ``.pipeline/lock`` for one build; a lock left by a dead process is taken over."""
    state.mkdir(parents=True, exist_ok=True)
    lock = state / "lock"
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _lock_owner(lock)
            if pid is not None and _alive(pid):
                raise LockedError(
                    f"{lock}: another build (pid {pid}) is running; wait for it to finish, "
                    "or delete the file if that process is not a pipeline build"
                ) from None
            lock.unlink(missing_ok=True)  # stale: its build died
            continue
        except OSError as exc:
            raise ConfigError(
                f"{lock}: cannot create the lock ({exc}); check the folder's permissions"
            ) from exc
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
        return
    raise LockedError(f"{lock}: could not take the lock; delete the file and try again")


def _lock_owner(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
