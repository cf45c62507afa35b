"""Benchmark: a first build of the example show against a rebuild with nothing changed."""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pipeline.build import build

REPO = Path(__file__).resolve().parents[1]
SHOW_FILES = ("site.toml", "artwork.png", "episodes", "issues", "templates")


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file's hash and modification time, to prove a rebuild touched nothing."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "show"
        root.mkdir()
        for name in SHOW_FILES:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(
                    source, root / name, ignore=shutil.ignore_patterns("transcript*.json")
                )
            elif source.exists():
                shutil.copy2(source, root / name)

        started = time.perf_counter()
        first = build(root)
        first_s = time.perf_counter() - started
        before = snapshot(root / "feeds")

        started = time.perf_counter()
        second = build(root)
        second_s = time.perf_counter() - started
        after = snapshot(root / "feeds")

    print(
        f"first build:      {first_s:7.2f} s  ({len(first.transcribed)} transcribed, "
        f"{len(first.written)} files written)"
    )
    print(
        f"no-change build:  {second_s:7.2f} s  ({len(second.transcribed)} transcribed, "
        f"{len(second.written)} files written)"
    )
    print(f"rebuild / first:  {second_s / first_s:7.1%}  (target < 10%)")
    unchanged = before == after
    print(f"output unchanged: {unchanged} ({len(after)} files, hashes and mtimes compared)")
    ok = unchanged and not second.transcribed and not second.written and second_s < 0.1 * first_s
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
