"""The last good version of an episode or issue, kept as versioned JSON (data, never code).

A broken episode stays online as it was last published: each build saves every episode and
issue it published into ``.pipeline/published/<slug>.json``, and a later build that cannot
read the episode renders it again from there. The file is data read back into the frozen
model: no pickle, so a tampered state folder cannot run code, and every path in it is
stored relative to the show folder and must lead back inside it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import types
import typing
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from pipeline.files import write_atomic
from pipeline.model import AudioFile, ChapterPlacement, Episode, Issue

FORMAT = 1  # bump when the meaning of a field changes; a change of fields is detected below
SIZE_LIMIT = 256 * 1024 * 1024  # bytes: a snapshot holds a transcript, so it can be large
KINDS: dict[str, type[Episode] | type[Issue]] = {"Episode": Episode, "Issue": Issue}


class SnapshotError(ValueError):
    """A snapshot that cannot be used: unreadable, tampered with, or from another version."""


def fingerprint(cls: type) -> str:
    """A hash of the model's shape: a snapshot written for other fields is not read back."""
    seen: list[str] = []

    def walk(tp: Any) -> None:
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            name = tp.__qualname__
            if name in seen:
                return
            seen.append(name)
            for f, hint in get_type_hints(tp).items():
                seen.append(f"{name}.{f}:{hint!r}")
                walk(hint)
        for arg in get_args(tp):
            walk(arg)

    walk(cls)
    return hashlib.sha256("\n".join(seen).encode()).hexdigest()[:16]


def save(path: Path, item: Episode | Issue, root: Path) -> None:
    """Write the snapshot of a published episode or issue, atomically."""
    doc = {
        "format": FORMAT,
        "model": fingerprint(type(item)),
        "kind": type(item).__name__,
        "item": _encode(item, Path(root).resolve()),
    }
    data = (json.dumps(doc, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n").encode()
    try:
        if path.read_bytes() == data:
            return  # a rebuild with nothing new writes nothing, here either
    except OSError:
        pass
    write_atomic(path, data)


def load(path: Path, root: Path) -> Episode | Issue:
    """Read a snapshot back; raises SnapshotError saying why it cannot be used."""
    try:
        if path.stat().st_size > SIZE_LIMIT:
            raise SnapshotError(f"is over {SIZE_LIMIT // (1024 * 1024)} MiB")
        doc = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_no_constant)
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SnapshotError(f"cannot be read ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise SnapshotError("is not a snapshot")
    cls = KINDS.get(doc.get("kind"))  # type: ignore[arg-type]
    if cls is None or (doc.get("format"), doc.get("model")) != (FORMAT, fingerprint(cls)):
        raise SnapshotError("was written by another version of the pipeline")
    try:
        return _decode(cls, doc.get("item"), Path(root).resolve(), "item")
    except RecursionError:
        raise SnapshotError("nests too deeply") from None


def save_probes(path: Path, probed: dict[str, AudioFile], root: Path) -> None:
    """Keep what was learnt of each recording (``load.probe_key`` to AudioFile)."""
    save_table(path, "probes", AudioFile, probed, root)


def load_probes(path: Path, root: Path) -> dict[str, AudioFile]:
    """What earlier builds learnt of recordings; empty when there is nothing usable."""
    return load_table(path, "probes", AudioFile, root)


def save_placements(path: Path, placed: dict[str, ChapterPlacement], root: Path) -> None:
    """Keep where the untimed chapters of each episode went, by what they were placed on."""
    save_table(path, "placements", ChapterPlacement, placed, root)


def load_placements(path: Path, root: Path) -> dict[str, ChapterPlacement]:
    """Where earlier builds placed chapters; empty when there is nothing usable."""
    return load_table(path, "placements", ChapterPlacement, root)


def save_table(path: Path, name: str, cls: type, table: dict[str, Any], root: Path) -> None:
    """A table of model objects by key as versioned JSON; unchanged files are not rewritten."""
    doc = {
        "format": FORMAT,
        "model": fingerprint(cls),
        name: {key: _encode(value, Path(root).resolve()) for key, value in sorted(table.items())},
    }
    data = (json.dumps(doc, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n").encode()
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(path, data)


def load_table(path: Path, name: str, cls: type, root: Path) -> dict[str, Any]:
    """The table ``save_table`` wrote; empty when there is nothing usable (it is all redone)."""
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_no_constant)
        if (doc.get("format"), doc.get("model")) != (FORMAT, fingerprint(cls)):
            return {}
        resolved = Path(root).resolve()
        return {str(key): _decode(cls, value, resolved, name) for key, value in doc[name].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}  # SnapshotError is a ValueError: doing the work again is always safe


# --- encoding ------------------------------------------------------------------------------


def _encode(value: Any, root: Path) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # most of a snapshot: the words of the transcript
    if kind is float:
        if not math.isfinite(value):
            raise ValueError("a snapshot holds finite numbers only")
        return value
    if kind is tuple or kind is list:
        return [_encode(v, root) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _fields(value.__class__)[1]
        return {name: _encode(getattr(value, name), root) for name in names}
    if isinstance(value, Path):
        return Path(value).resolve().relative_to(root).as_posix()  # every path is in the show
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot keep a {kind.__name__} in a snapshot")


def _decode(tp: Any, data: Any, root: Path, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, data, root, where)
            except SnapshotError as exc:
                errors.append(str(exc))
        raise SnapshotError("; ".join(errors) or f"{where}: unexpected null")
    if origin is Literal:
        if data not in get_args(tp):
            raise SnapshotError(f"{where}: unexpected value")
        return data
    if origin is tuple:
        if not isinstance(data, list):
            raise SnapshotError(f"{where}: expected a list")
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, root, f"{where}[{i}]") for i, v in enumerate(data))
        if len(args) != len(data):
            raise SnapshotError(f"{where}: expected {len(args)} items")
        pairs = enumerate(zip(args, data, strict=True))
        return tuple(_decode(a, v, root, f"{where}[{i}]") for i, (a, v) in pairs)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(data, dict):
            raise SnapshotError(f"{where}: expected an object")
        hints, names = _fields(tp)
        if data.keys() != set(names):
            raise SnapshotError(f"{where}: unexpected fields")
        return tp(**{n: _decode(hints[n], data[n], root, f"{where}.{n}") for n in names})
    if tp is Path:
        return _path(data, root, where)
    if tp is datetime:
        try:
            when = datetime.fromisoformat(data) if isinstance(data, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise SnapshotError(f"{where}: expected a date with a time zone")
        return when
    if tp is bool:
        if not isinstance(data, bool):
            raise SnapshotError(f"{where}: expected true or false")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise SnapshotError(f"{where}: expected a whole number")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise SnapshotError(f"{where}: expected a number")
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            raise SnapshotError(f"{where}: expected text")
        return data
    if tp is object:  # decoding settings: JSON values, lists frozen into tuples
        return _frozen(data)
    raise SnapshotError(f"{where}: cannot read a {tp!r}")


@functools.cache
def _fields(cls: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A dataclass's field types and names (get_type_hints is slow: once per class)."""
    return get_type_hints(cls), tuple(f.name for f in dataclasses.fields(cls) if f.init)


def _path(data: Any, root: Path, where: str) -> Path:
    """A stored path: relative, inside the show folder, symbolic links included."""
    if not isinstance(data, str) or not data:
        raise SnapshotError(f"{where}: expected a path")
    relative = PurePosixPath(data)
    if relative.is_absolute() or ".." in relative.parts:
        raise SnapshotError(f"{where}: leads outside the show folder")
    path = root.joinpath(*relative.parts)
    if not path.resolve().is_relative_to(root):
        raise SnapshotError(f"{where}: leads outside the show folder")
    return path


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        raise SnapshotError("settings hold plain values only")
    return value


def _no_constant(name: str) -> typing.NoReturn:
    raise ValueError(f"{name} is not a number a snapshot holds")
