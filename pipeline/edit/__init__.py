"""The transcript editor's logic behind ``pipeline serve --edit``: read, save, then rebuild.

``Editor`` knows which episodes can be edited, gives a transcript as the API's JSON with
its ETag (the SHA-256 of the file's bytes), and saves a corrected one: only if the file is
still the one the editor loaded, atomically, in the store's format, marked as corrected, and
then rebuilds the show with the ``build`` function the command line passes in (this module
sequences no stages). The HTTP side is ``pipeline.edit.server``.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline import state
from pipeline.edit import body
from pipeline.errors import ContentError, LockedError, PipelineError
from pipeline.files import read_limited
from pipeline.formats.reading import DOUBT
from pipeline.model import SLUG, Segment, Transcript, Word
from pipeline.reports import BuildReport
from pipeline.transcribe import store, validate

__all__ = ["Builder", "Editor", "Refused", "Saved", "etag_of"]

Builder = Callable[[Path, Path | None], BuildReport]
LOCK_STEP = 0.25  # seconds between two tries for the lock another build holds
LOCK_WAIT = 600.0  # seconds a save waits for another build before it gives up


class Refused(Exception):
    """A request the editor will not carry out: the HTTP status and a message for the host."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Saved:
    """What a save did: the file's new ETag, whether it changed, and how the rebuild went."""

    etag: str
    changed: bool
    rebuilt: bool
    seconds: float  # from the request to the rebuilt pages
    problems: tuple[str, ...] = ()  # the rebuild's errors about this episode, or why none ran

    def as_json(self, slug: str) -> dict[str, Any]:
        return {
            "etag": self.etag,
            "changed": self.changed,
            "rebuilt": self.rebuilt,
            "seconds": round(self.seconds, 3),
            "problems": list(self.problems),
            "page": f"/episodes/{slug}/index.html",
        }


def etag_of(data: bytes) -> str:
    """The strong ETag of a file's bytes: its SHA-256, quoted."""
    return f'"{hashlib.sha256(data).hexdigest()}"'


class Editor:
    """Transcripts of the show in ``root``, published into ``out``, read and saved for the API."""

    def __init__(self, root: Path, out: Path, build: Builder, lock_wait: float = LOCK_WAIT) -> None:
        self.root = Path(root)
        self.out = Path(out)
        self.build = build
        self.lock_wait = lock_wait
        self._saving = threading.Lock()  # one save at a time in this server

    # --- reading --------------------------------------------------------------------------

    def slugs(self) -> list[str]:
        """The episodes that can be edited: a published page and a transcript.json, newest first."""
        folder = self.root / "episodes"
        try:
            names = sorted((p.name for p in folder.iterdir()), reverse=True)
        except OSError:
            return []
        return [n for n in names if self._editable(n)]

    def transcript_path(self, slug: str) -> Path:
        """The episode's transcript.json; Refused (404) when ``slug`` is no editable episode."""
        if not self._editable(slug):
            raise Refused(
                404,
                f"{slug[:80]!r} is not an episode with a published page and a transcript.json",
            )
        return self.root / "episodes" / slug / "transcript.json"

    def audio(self, slug: str) -> str | None:
        """The published MP3's address (as the episode page plays it), if there is one."""
        name = f"{slug}.mp3"
        published = (self.out / "episodes" / slug / name).is_file()
        return f"/episodes/{slug}/{name}" if published else None

    def read(self, slug: str) -> tuple[dict[str, Any], str]:
        """The transcript as the API gives it, and its ETag."""
        path = self.transcript_path(slug)
        data, transcript = self._load(path)
        return self.document(slug, transcript), etag_of(data)

    def document(self, slug: str, t: Transcript) -> dict[str, Any]:
        """The API's JSON: each segment with its words as heard (and their probabilities)."""
        words = _words_by_segment(t)
        return {
            "slug": slug,
            "audio": self.audio(slug),
            "corrected": t.edited,
            "doubt": DOUBT,
            "segments": [
                {
                    "start": s.start,
                    "end": s.end,
                    "speaker": s.speaker,
                    "text": s.text,
                    "words": [
                        {
                            "text": t.words[k].text,
                            "start": t.words[k].start,
                            "end": t.words[k].end,
                            "probability": t.words[k].probability,
                        }
                        for k in indices
                    ],
                }
                for s, indices in zip(t.segments, words, strict=True)
            ],
        }

    # --- saving ---------------------------------------------------------------------------

    def save(self, slug: str, raw: bytes, if_match: str | None) -> Saved:
        """Save the segments in ``raw`` (the API's JSON) if the file is still ``if_match``.

        Refused: 404 for no such episode, 428 without ``if_match``, 400 for a body that is
        not a transcript of this file, 412 when the file changed since it was read, 409 when
        the file on disk is broken, 503 when another build holds the lock too long.
        """
        began = time.monotonic()
        path = self.transcript_path(slug)
        if not if_match:
            raise Refused(428, "If-Match is missing: send the ETag the transcript was read with")
        # The lock: no build writes the file between the check and the write.
        with self._saving, self._locked():
            data, old = self._load(path)
            if etag_of(data) not in _tags(if_match):
                raise Refused(
                    412,
                    "transcript.json changed on disk since the editor loaded it (another "
                    "editor, a build or a hand edit); nothing was saved. Your changes are "
                    "still in the editor: load the new version with them over it, check "
                    "and save again",
                )
            try:
                changes = body.parse(raw, old.segments, slug)
            except body.BadBody as exc:
                raise Refused(400, str(exc)) from None
            new = corrected(old, changes)
            if new == old:
                return Saved(etag_of(data), False, False, time.monotonic() - began)
            heard = json.loads(data).get("content_sha256")
            try:  # as a build will read it
                validate.transcript(store.to_document(new), path, edited=True)
            except ContentError as exc:
                raise Refused(400, exc.detail) from None
            encoded = store.write_corrected(path, new, heard)
        rebuilt, problems = self._rebuild(slug)
        return Saved(etag_of(encoded), True, rebuilt, time.monotonic() - began, problems)

    def _load(self, path: Path) -> tuple[bytes, Transcript]:
        """The file's bytes and the transcript in them, read once and checked as a build does."""
        try:
            data = read_limited(path, store.MAX_BYTES)
        except FileNotFoundError:
            raise Refused(404, "the episode has no transcript.json any more") from None
        except OSError as exc:
            raise Refused(409, f"transcript.json cannot be read ({exc})") from None
        try:
            doc = validate.document(data.decode("utf-8", errors="strict"), path)
            edited = doc.get("content_sha256") != store.content_hash(doc)
            return data, validate.transcript(doc, path, edited=edited)
        except UnicodeDecodeError:
            problem = "transcript.json is not UTF-8 text"
        except ContentError as exc:
            problem = f"transcript.json {exc.detail}"
        raise Refused(409, f"{problem} (fix the file, then reload the editor)")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                with state.lock(self.root):
                    yield
                    return
            except LockedError:
                if time.monotonic() >= deadline:
                    raise Refused(
                        503,
                        f"another build has held the show's lock for {self.lock_wait:g} s; "
                        "nothing was saved, your changes are still in the editor: save again",
                    ) from None
                threading.Event().wait(LOCK_STEP)

    def _rebuild(self, slug: str) -> tuple[bool, tuple[str, ...]]:
        """Build the show (the build takes the lock; one already running is waited for)."""
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                report = self.build(self.root, self.out)
                break
            except LockedError:
                if time.monotonic() >= deadline:
                    return False, ("saved; another build is still running, and will publish it",)
                threading.Event().wait(LOCK_STEP)
            except PipelineError as exc:
                return False, (f"saved, but the site was not rebuilt: {exc}",)
        errors = tuple(
            f"{p.path.name}: {p.message}"
            for p in report.problems.items
            if p.level == "error" and p.slug in (slug, None)
        )
        return slug in report.published and not errors, errors

    def _editable(self, slug: str) -> bool:
        if not SLUG.match(slug) or len(slug) > 200:
            return False
        folder = self.root / "episodes" / slug
        try:
            inside = folder.resolve().is_relative_to(self.root.resolve())
            transcript = (folder / "transcript.json").resolve()
        except (OSError, RuntimeError):
            return False
        return (
            inside
            and transcript.is_relative_to(self.root.resolve())
            and transcript.is_file()
            and (self.out / "episodes" / slug / "index.html").is_file()
        )


def corrected(t: Transcript, changes: list[body.Change]) -> Transcript:
    """The transcript with the host's text and speakers; words stay as heard, with their times.

    A word takes its segment's new speaker when the host changed that segment's speaker.
    """
    speakers: dict[int, str | None] = {}
    segments: list[Segment] = []
    for segment, change, indices in zip(t.segments, changes, _words_by_segment(t), strict=True):
        if change.speaker != segment.speaker:
            speakers.update((k, change.speaker) for k in indices)
        segments.append(replace(segment, text=change.text, speaker=change.speaker))
    words: tuple[Word, ...] = tuple(
        replace(w, speaker=speakers[k]) if k in speakers else w for k, w in enumerate(t.words)
    )
    return replace(t, segments=tuple(segments), words=words)


def _words_by_segment(t: Transcript) -> list[range]:
    """The indices of each segment's words: those whose middle lies in it, as the pages read."""
    middles = [(w.start + w.end) / 2 for w in t.words]
    return [
        range(bisect.bisect_left(middles, s.start), bisect.bisect_right(middles, s.end))
        for s in t.segments
    ]


def _tags(header: str) -> set[str]:
    """The ETags of an If-Match header (``*`` matches none: the editor sends what it read)."""
    return {tag.strip() for tag in header.split(",") if tag.strip()}
