"""Search across the show: a Pagefind index of every episode page (transcript included) and
every issue page.

Pagefind (the ``pagefind[bin]`` package ships its binary) writes a static index that the
search page queries in the browser, downloading only the pieces a query needs. It indexes
the rendered pages themselves (what ``data-pagefind-body`` marks, less what
``data-pagefind-ignore`` marks), and it records where each transcript paragraph starts
(its ``id="at-<seconds>"``), so the search page leads a word that is only spoken to the
moment it is said (``#t=``), not just to the page.

The pages are written into a temporary folder, Pagefind runs over it once, and the index is
kept in the state folder under a hash of those pages, then published from there like any
other output. A build whose pages are those of the last index reuses it: Pagefind does not
run, and no byte of ``pagefind/`` changes.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from pipeline.errors import Problems
from pipeline.model import Output

INDEX_VERSION = 2  # bump when what is indexed changes: every show is indexed again
# What the search page needs of Pagefind's output; its ready-made UIs are left out.
PUBLISHED = re.compile(
    r"(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.[a-z-]+\.pagefind"
    r"|pagefind\.[\w-]+\.pf_meta|(index|fragment|filter)/[\w-]+\.pf_(index|fragment|filter))"
)
DONE = ".complete"  # written last into a finished index folder
INDEXED = re.compile(r"(episodes|issues)/[^/]+/index\.html")  # the pages search finds
TIMEOUT = 600  # seconds: Pagefind indexes thousands of pages in a few


def search_index(
    outputs: Sequence[Output], language: str, cache: Path, problems: Problems
) -> list[Output]:
    """The index of the episode and issue pages among ``outputs``, as outputs under
    ``pagefind/``: the cached one when no page changed, else a new one Pagefind writes into
    ``cache``.

    When Pagefind fails, the last index there is stays published, with a warning.
    """
    language = language.split("-")[0].lower() or "en"
    pages = sorted(
        (o for o in outputs if o.data is not None and INDEXED.fullmatch(o.path)),
        key=lambda o: o.path,
    )
    key = _key(pages, language)
    folder = cache / key
    if not (folder / DONE).is_file():
        try:
            _build(pages, language, folder)
        except (ImportError, OSError, RuntimeError, subprocess.SubprocessError) as exc:
            last = _newest(cache)
            problems.warning(
                cache,
                f"the search index could not be built ({str(exc)[:200] or type(exc).__name__}); "
                + (
                    "search finds what the last index held"
                    if last
                    else "the search page finds nothing until it is"
                )
                + ". Check that the pagefind package is installed (pip install 'pagefind[bin]')",
            )
            if last is None:
                return []
            folder = last
    _forget_others(cache, keep=folder)
    return [
        Output(f"pagefind/{path.relative_to(folder).as_posix()}", source=path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and PUBLISHED.fullmatch(path.relative_to(folder).as_posix())
    ]


def _key(pages: Sequence[Output], language: str) -> str:
    try:
        pagefind = metadata.version("pagefind_bin")
    except metadata.PackageNotFoundError:
        pagefind = "missing"
    digest = hashlib.sha256(f"{INDEX_VERSION}\0{language}\0{pagefind}\0".encode())
    for page in pages:
        assert page.data is not None
        digest.update(f"{page.path}\0{len(page.data)}\0".encode())
        digest.update(page.data)
    return digest.hexdigest()[:20]


def _build(pages: Sequence[Output], language: str, folder: Path) -> None:
    """Write the pages into a temporary folder, run Pagefind over it, move the index to
    ``folder``."""
    from pagefind_bin import get_executable

    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        site, index = work / "site", work / "pagefind"
        for page in pages:
            assert page.data is not None
            path = site / page.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(page.data)
        site.mkdir(exist_ok=True)
        command = [str(get_executable()), "--site", str(site), "--output-path", str(index)]
        command += ["--force-language", language, "--keep-index-url", "--silent"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise RuntimeError(f"pagefind exited with {done.returncode}: {' '.join(detail)[:200]}")
        (index / DONE).write_text("")
        shutil.rmtree(folder, ignore_errors=True)  # an unfinished one of a killed build
        index.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _newest(cache: Path) -> Path | None:
    done = [p for p in cache.glob("*") if (p / DONE).is_file()] if cache.is_dir() else []
    return max(done, key=lambda p: (p / DONE).stat().st_mtime, default=None)


def _forget_others(cache: Path, keep: Path) -> None:
    """Remove older indexes and the leftovers of killed builds: the state folder stays small."""
    for path in cache.iterdir() if cache.is_dir() else ():
        if path != keep and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
