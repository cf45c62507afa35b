"""``pipeline watch``: rebuild the show each time a dropped-in file has finished arriving."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import watchfiles

from pipeline.errors import LockedError, PipelineError
from pipeline.reports import BuildReport

# Only these: feeds/ and .pipeline/, which builds write, would rebuild forever.
WATCHED = ("episodes", "issues", "templates", "site.toml")
# Names of files still being copied or downloaded, and editors' and the pipeline's own
# temporary files (.transcript.*); the rest of a dot name is hidden (.DS_Store).
PARTIAL_SUFFIXES = (".part", ".crdownload", ".tmp", ".download")
PARTIAL_PREFIXES = ("~$", ".")
STEP = 0.2  # seconds between two looks at the changed files while they settle
LOCK_STEP = 0.5  # seconds between two tries for a lock another build holds
RESCAN = 1.0  # seconds between two looks for a watched folder that did not exist yet


class Echo(Protocol):
    def __call__(self, message: str, *, err: bool = False) -> None: ...


def _print(message: str, *, err: bool = False) -> None:
    print(message, file=sys.stderr if err else sys.stdout, flush=True)


Builder = Callable[[Path, Path | None], BuildReport]
Stat = tuple[int, int] | None  # size and modification time (ns); None: not there


def watched(root: Path, path: Path) -> bool:
    """Whether a change to ``path`` asks for a build: a show file, complete by its name."""
    try:
        parts = Path(path).resolve().relative_to(Path(root).resolve()).parts
    except ValueError:
        return False
    if not parts or parts[0] not in WATCHED:
        return False
    if parts[0] == "site.toml" and len(parts) > 1:
        return False
    for name in parts:
        if name.startswith(PARTIAL_PREFIXES) or name.lower().endswith(PARTIAL_SUFFIXES):
            return False
    return True


def stat(path: Path) -> Stat:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def wait_until_settled(
    paths: Iterable[Path],
    seconds: float,
    more: Callable[[], set[Path]],
    stop: threading.Event,
    step: float = STEP,
) -> set[Path]:
    """Wait until no file in ``paths`` changed size or time for ``seconds``; return them all.

    Looks every ``step`` seconds; ``more()`` gives files changed since, and any change
    (a new file, or one that grew) starts the wait again. Returns early when ``stop`` is set.
    """
    files = set(paths)
    seen = {p: stat(p) for p in files}
    quiet_since = time.monotonic()
    while not stop.is_set():
        left = seconds - (time.monotonic() - quiet_since)
        if left <= 0:
            break
        stop.wait(min(step, left))
        now = {p: stat(p) for p in files | more()}
        if now != seen:
            files, seen, quiet_since = set(now), now, time.monotonic()
    return files


class Watcher:
    """Collects the show's changes from watchfiles in a thread; ``take()`` gives them."""

    def __init__(self, root: Path, poll: bool, stop: threading.Event) -> None:
        self.root = Path(root)
        self.poll = poll
        self.stop = stop
        self.changes: queue.Queue[set[Path]] = queue.Queue()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="pipeline-watch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def targets(self) -> list[Path]:
        return [self.root / name for name in WATCHED if (self.root / name).exists()]

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                self._watch(self.targets())
        except BaseException as exc:  # handed to the main thread, which raises it
            self.failure = exc
            self.stop.set()

    def _watch(self, targets: list[Path]) -> None:
        """Watch ``targets`` until stopped, or until a watched folder appears (then again)."""
        if not targets:  # nothing to watch yet: look again for the folders
            self.stop.wait(RESCAN)
            return
        root = self.root
        for batch in watchfiles.watch(
            *targets,
            watch_filter=lambda _change, path: watched(root, Path(path)),
            debounce=400,
            step=50,
            stop_event=self.stop,
            rust_timeout=int(RESCAN * 1000),
            yield_on_timeout=True,
            force_polling=self.poll,
            poll_delay_ms=300,
            ignore_permission_denied=True,
            raise_interrupt=False,
        ):
            if batch:
                self.changes.put({Path(path) for _change, path in batch})
            appeared = [t for t in self.targets() if t not in targets]
            if appeared:
                self.changes.put(set(appeared))
                return

    def take(self, timeout: float | None = None) -> set[Path]:
        """The files changed since the last call; waits up to ``timeout`` for the first."""
        found: set[Path] = set()
        try:
            found |= self.changes.get(timeout=timeout) if timeout else self.changes.get_nowait()
            while True:
                found |= self.changes.get_nowait()
        except queue.Empty:
            pass
        if self.failure is not None:
            raise self.failure
        return found


def watch(
    root: Path,
    out: Path | None = None,
    poll: bool = False,
    settle: float = 3.0,
    echo: Echo = _print,
    stop_event: threading.Event | None = None,
    *,
    build: Builder,
    summary: Callable[[BuildReport], str] | None = None,
) -> None:
    """Build the show now and after each change under ``root``, until ``stop_event`` is set.

    A change counts once every changed file kept its size and time for ``settle`` seconds.
    ``build`` is ``pipeline.build.build`` (passed in: only the CLI and build sequence the
    stages); ``summary`` words a report. A broken file is reported and watching goes on.
    """
    root = Path(root)
    stop = stop_event or threading.Event()
    session = _Session(root, out, echo, stop, build, summary or _summary)
    watcher = Watcher(root, poll, stop)
    watcher.start()  # before the first build: what changes during it is seen too
    try:
        session.build()
        how = " (polling)" if poll else ""
        echo(f"Watching {root} for changes{how} (Ctrl-C to stop)")
        while not stop.is_set():
            changed = watcher.take(timeout=0.5)
            if not changed:
                continue
            files = wait_until_settled(changed, settle, watcher.take, stop)
            if stop.is_set():
                break
            names = sorted(_shown(root, p) for p in files)
            echo(f"Changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
            session.build()
    finally:
        stop.set()
        watcher.thread.join(timeout=2 * RESCAN)


class _Session:
    """Runs builds one at a time and says what each one published."""

    def __init__(
        self,
        root: Path,
        out: Path | None,
        echo: Echo,
        stop: threading.Event,
        build: Builder,
        summary: Callable[[BuildReport], str],
    ) -> None:
        self.root, self.out, self.echo, self.stop = root, out, echo, stop
        self.run, self.summary = build, summary
        self.published: set[str] | None = None  # what the last build published

    def build(self) -> BuildReport | None:
        report = self._locked()
        if report is None:
            return None
        for problem in report.problems.items:
            self.echo(str(problem), err=True)
        before = self.published if self.published is not None else set()
        for slug in report.published:
            if slug not in before:
                self.echo(f"published {slug}")
        self.published = set(report.published)
        self.echo(self.summary(report))
        return report

    def _locked(self) -> BuildReport | None:
        """Build; while another build holds the lock, say so and try again every half second."""
        waiting = False
        while not self.stop.is_set():
            try:
                return self.run(self.root, self.out)
            except LockedError as exc:
                if not waiting:
                    self.echo(f"waiting: {exc}", err=True)
                    waiting = True
                self.stop.wait(LOCK_STEP)
            except PipelineError as exc:  # ConfigError too: a broken site.toml, fixed next
                self.echo(f"error: {exc}", err=True)
                self.echo("Not built; watching for the fix.")
                return None
        return None


def _summary(report: BuildReport) -> str:
    count = len(report.published)
    return f"Built {count} episode{'s' if count != 1 else ''} into {report.out}."


def _shown(root: Path, path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
