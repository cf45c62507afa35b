"""The send log ``.pipeline/sent/<issue>.jsonl``: who was handed an issue, so no one gets it twice.

One JSON line per event, appended and fsynced before the next step: ``handing-over`` before a
message goes to the server and ``sent`` after it accepted it (``failed`` when it refused it),
and ``finished`` once the whole list has it. An address with ``handing-over`` and nothing
after is *in doubt*: the send stopped between the two, so the message may or may not have
left. Lines after the last ``finished`` belong to the current round (a ``--force`` send of a
finished issue starts a new one). Unlike the rest of ``.pipeline/``, ``sent/`` is not redone
by the next build: it must be kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.files import NotAFile, TooLarge, fsync_folder, read_limited, write_atomic

HANDING_OVER, SENT, FAILED, FINISHED = "handing-over", "sent", "failed", "finished"
STATES = (HANDING_OVER, SENT, FAILED, FINISHED)
MAX_LOG_BYTES = 512 * 1024 * 1024
KEEP_NOTE = (
    "Send logs of `pipeline send`: who was handed which newsletter issue, and when.\n"
    "Keep this folder (back it up with the subscriber list): without it the pipeline cannot\n"
    "tell who already has an issue. Unlike the rest of .pipeline/, no build can redo it.\n"
)


def sent_dir(state_dir: Path) -> Path:
    """The folder of send logs inside the state folder."""
    return Path(state_dir) / "sent"


@dataclass(frozen=True)
class Entry:
    """One line of the log."""

    state: str
    time: str
    address: str = ""
    message_id: str = ""
    reason: str = ""
    service_id: str = ""  # what an HTTP service called the message (Postmark's MessageID)


@dataclass
class Round:
    """What the log says of the current round of an issue's send."""

    exists: bool = False  # the log has any line at all
    last: dict[str, Entry] = field(default_factory=dict)  # lower-cased address: latest entry
    finished: Entry | None = None  # the last ``finished`` line, when nothing came after it
    rounds: int = 0  # rounds finished before this one
    unreadable: list[int] = field(default_factory=list)  # line numbers that are not JSON

    def state_of(self, address: str) -> str | None:
        entry = self.last.get(address.lower())
        return entry.state if entry else None

    def addresses(self, state: str) -> list[str]:
        return [e.address for e in self.last.values() if e.state == state]


class SendLog:
    """The log of one issue, appended to with an fsync after every write."""

    def __init__(self, state_dir: Path, slug: str) -> None:
        self.folder = sent_dir(state_dir)
        self.path = self.folder / f"{slug}.jsonl"
        for path in (self.folder, self.path):
            if path.is_symlink():
                raise ConfigError(
                    f"{path}: is a link; the send log must be a plain file in the show's "
                    ".pipeline/sent/ (move what it points to there, then remove the link)"
                )

    def read(self) -> Round:
        """The current round; a torn last line (a crash mid-write) is ignored."""
        try:
            raw = read_limited(self.path, MAX_LOG_BYTES)
        except FileNotFoundError:
            return Round()
        except (NotAFile, TooLarge, OSError) as exc:
            raise ConfigError(
                f"{self.path}: the send log cannot be read ({exc}); restore it from a backup"
            ) from exc
        now = Round(exists=bool(raw.strip()))
        for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
            entry = _entry(line)
            if entry is None:
                if line.strip():
                    now.unreadable.append(number)
                continue
            if entry.state == FINISHED:
                now.last, now.finished, now.rounds = {}, entry, now.rounds + 1
                continue
            now.finished = None
            now.last[entry.address.lower()] = entry
        return now

    def append(self, *entries: Entry) -> None:
        """Write lines and make them durable before returning (one fsync for all)."""
        created = not self.path.exists()
        if created:
            self.folder.mkdir(parents=True, exist_ok=True)
            note = self.folder / "README.txt"
            if not note.exists():
                write_atomic(note, KEEP_NOTE.encode())
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o644)
        try:
            data = "".join(_line(e) for e in entries).encode()
            if not created and os.fstat(fd).st_size and not self._ends_with_newline():
                data = b"\n" + data  # after a torn line, start a fresh one
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_folder(self.folder)

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def now() -> str:
    """The time of a log line: UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _line(entry: Entry) -> str:
    doc: dict[str, Any] = {"time": entry.time, "state": entry.state}
    for key in ("address", "message_id", "service_id", "reason"):
        if getattr(entry, key):
            doc[key] = getattr(entry, key)
    return json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n"


def _entry(line: str) -> Entry | None:
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("state") not in STATES:
        return None
    values = {k: doc.get(k, "") for k in ("time", "address", "message_id", "reason", "service_id")}
    if not all(isinstance(v, str) for v in values.values()):
        return None
    if doc["state"] != FINISHED and not values["address"]:
        return None
    return Entry(state=doc["state"], **values)
