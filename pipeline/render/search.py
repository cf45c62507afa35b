"""Search across the show: a Pagefind index of every page's text and every transcript paragraph.

Pagefind (the ``pagefind[bin]`` package ships its binary) writes a static index that the
search page queries in the browser, downloading only the pieces a query needs. Each
transcript paragraph is a record of its own whose address is its moment (``#t=``), so a
word that is only spoken leads to where it is said, not just to the page.

The index is built into a folder of its own in the state folder, named by a hash of every
record, and published from there like any other output. A build whose records are those
of the last index reuses it: Pagefind does not run, and no byte of ``pagefind/`` changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from pipeline import markup
from pipeline.errors import Problems
from pipeline.formats import reading
from pipeline.formats.times import clock
from pipeline.model import Episode, Issue, Output

INDEX_VERSION = 1  # bump when the records' meaning changes: every show is indexed again
# What the search page needs of Pagefind's output; its ready-made UIs are left out.
PUBLISHED = re.compile(
    r"(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.[a-z-]+\.pagefind"
    r"|pagefind\.[\w-]+\.pf_meta|(index|fragment|filter)/[\w-]+\.pf_(index|fragment|filter))"
)
DONE = ".complete"  # written last into a finished index folder


@dataclass(frozen=True)
class Record:
    """One search result: a page, or a moment of a transcript (its ``url`` ends ``#t=``)."""

    url: str  # relative to the site's root: episodes/<slug>/index.html#t=61.2
    title: str
    text: str
    at: str = ""  # the moment as a listener reads it (1:01), for a transcript paragraph


def records(episodes: Iterable[Episode], issues: Iterable[Issue]) -> list[Record]:
    """Every episode page (title, summary, topics, people, notes) and each of its transcript
    paragraphs, and every newsletter issue."""
    found: list[Record] = []
    for episode in episodes:
        page = f"episodes/{episode.slug}/index.html"
        words = [
            episode.summary,
            " ".join(episode.topics),
            " ".join(p.name for p in episode.people),
            markup.to_plain(episode.intro),
            *(f"{c.title}. {markup.to_plain(c.notes)}" for c in episode.chapters),
        ]
        found.append(Record(page, episode.title, _joined(words)))
        if episode.transcript is not None:
            for paragraph in reading.paragraphs(episode.transcript, episode.chapters):
                said = f"{paragraph.speaker}: {paragraph.text}" if paragraph.speaker else ""
                found.append(
                    Record(
                        f"{page}#t={paragraph.start}",
                        episode.title,
                        said or paragraph.text,
                        clock(paragraph.start),
                    )
                )
    for issue in issues:
        text = _joined([issue.preheader, markup.to_plain(issue.body)])
        found.append(Record(f"issues/{issue.slug}/index.html", issue.title, text))
    return found


def _joined(parts: Sequence[str]) -> str:
    return "\n".join(p for p in parts if p.strip())


def search_index(
    found: Sequence[Record], language: str, cache: Path, problems: Problems
) -> list[Output]:
    """The index of ``found`` as outputs under ``pagefind/``: the cached one when nothing
    changed, else a new one written by Pagefind into ``cache``.

    When Pagefind fails, the last index there is stays published, with a warning.
    """
    language = language.split("-")[0].lower() or "en"
    key = _key(found, language)
    folder = cache / key
    if not (folder / DONE).is_file():
        try:
            _build(found, language, folder)
        except (ImportError, OSError, RuntimeError, AssertionError, ValueError) as exc:
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


def _key(found: Sequence[Record], language: str) -> str:
    try:
        pagefind = metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        pagefind = "missing"
    digest = hashlib.sha256(f"{INDEX_VERSION}\0{language}\0{pagefind}\0".encode())
    for record in found:
        digest.update(json.dumps(asdict(record), ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:20]


def _build(found: Sequence[Record], language: str, folder: Path) -> None:
    """Run Pagefind over the records into a temporary folder, then move it to ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        asyncio.run(_write(found, language, work / "pagefind"))
        (work / "pagefind" / DONE).write_text("")
        shutil.rmtree(folder, ignore_errors=True)  # an unfinished one of a killed build
        (work / "pagefind").rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _write(found: Sequence[Record], language: str, into: Path) -> None:
    from pagefind.index import PagefindIndex

    # Leaving the context writes the index into output_path (and only there).
    async with PagefindIndex({"force_language": language, "output_path": str(into)}) as index:
        for record in found:
            meta = {"title": record.title, **({"at": record.at} if record.at else {})}
            await index.add_custom_record(
                url=record.url, content=record.text, language=language, meta=meta
            )


def _newest(cache: Path) -> Path | None:
    done = [p for p in cache.glob("*") if (p / DONE).is_file()] if cache.is_dir() else []
    return max(done, key=lambda p: (p / DONE).stat().st_mtime, default=None)


def _forget_others(cache: Path, keep: Path) -> None:
    """Remove older indexes and the leftovers of killed builds: the state folder stays small."""
    for path in cache.iterdir() if cache.is_dir() else ():
        if path != keep and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
