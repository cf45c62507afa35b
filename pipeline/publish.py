"""The ``publish`` stage: atomic writes into the output, and a manifest of what is there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline import state
from pipeline.errors import Problems
from pipeline.files import sha256_file, write_atomic
from pipeline.model import Output

MANIFEST_VERSION = 1
FEEDS = ("podcast.xml", "shorts.xml", "newsletter.xml", "sitemap.xml")


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
    outputs: Iterable[Output],
    out: Path,
    state_dir: Path,
    problems: Problems | None = None,
    keep: Iterable[str] = (),
    kept_owners: Iterable[str] = (),
) -> PublishReport:
    """Write every output that changed, atomically, and remove what is no longer produced.

    Paths in ``keep`` (a feed or page that could not be rendered this time) stay exactly as
    they were last published, and so do the published files of ``kept_owners`` (broken
    episodes rendered from their last good version): only those of their outputs that are
    missing from ``out`` are written. Nothing outside ``out`` is written or removed, whatever the
    manifest says or links inside ``out`` point at; such an entry is named in ``problems``.
    """
    out, state_dir = Path(out), Path(state_dir)
    problems = problems if problems is not None else Problems()
    outputs = list(outputs)
    _check_paths(outputs)
    manifest_path = state.manifest_path(state_dir, out)
    old = read_manifest(manifest_path)
    keep, kept_owners = set(keep), set(kept_owners)
    new: dict[str, dict[str, object]] = {
        p: e for p, e in old.items() if p in keep or e.get("owner") in kept_owners
    }
    report = PublishReport()
    out.mkdir(parents=True, exist_ok=True)
    top = out.resolve()
    for output in sorted(outputs, key=lambda o: publish_order(o.path)):
        dest = out / output.path
        if output.path in keep or (output.path in new and dest.is_file()):
            continue  # kept exactly as it was
        if not _inside(dest.parent, top) or dest.is_symlink():
            problems.error(
                dest,
                "is a link, or lies in a folder that links out of the output folder; nothing "
                "was written there: remove the link",
                slug=output.owner,
            )
            continue
        if output.source is not None and output.source.resolve() == dest.resolve():
            # The published copy is the last one there is (a kept episode): leave it.
            new[output.path] = {
                "sha256": _sha256(output),
                "size": _size(output),
                "owner": output.owner,
            }
            report.unchanged.append(output.path)
            continue
        digest, size = _sha256(output), _size(output)
        entry = {"sha256": digest, "size": size, "owner": output.owner}
        previous = old.get(output.path)
        if (
            previous is not None
            and previous.get("sha256") == digest
            and dest.is_file()
            and dest.stat().st_size == size
        ):
            report.unchanged.append(output.path)
        else:
            write_atomic(dest, output.data, output.source)
            report.written.append(output.path)
        new[output.path] = entry

    for path in list(old):
        if path in new:
            if not (out / path).is_file():
                del new[path]  # a kept file that is gone: the manifest forgets it
            continue
        target = _removable(out, top, path)
        if target is None:
            problems.warning(
                manifest_path,
                f"names {_shown(path)}, which is not a file in {out}; it was left alone "
                "(delete the manifest if it was edited by hand: the next build writes a new one)",
            )
            continue
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


def _sha256(output: Output) -> str:
    if output.data is not None:
        return hashlib.sha256(output.data).hexdigest()
    assert output.source is not None
    return sha256_file(output.source)


def _size(output: Output) -> int:
    if output.data is not None:
        return len(output.data)
    assert output.source is not None
    return output.source.stat().st_size


def read_manifest(path: Path) -> dict[str, dict[str, object]]:
    """The manifest of an output folder; empty when it is missing or not ours to read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    files = data.get("files", {})
    if not isinstance(files, dict):
        return {}
    return {p: e for p, e in files.items() if isinstance(p, str) and isinstance(e, dict)}


def _removable(out: Path, top: Path, path: str) -> Path | None:
    """The file a manifest entry names, if removing it stays inside the output folder."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts or "\\" in path:
        return None
    target = out.joinpath(*relative.parts)
    if target.is_symlink() or not _inside(target.parent, top):
        return None
    if target.exists() and not target.is_file():
        return None
    return target


def _inside(path: Path, top: Path) -> bool:
    return path.resolve().is_relative_to(top)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "…")


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
