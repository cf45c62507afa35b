"""The ``pipeline`` command: thin click commands over the library; the only module that prints."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import click

from pipeline import build as builder
from pipeline import check, config, load, serve, state
from pipeline.errors import PipelineError, Problems

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The show folder (holds site.toml, episodes/, issues/).",
)
T = TypeVar("T")

out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to publish.  [default: ROOT/feeds]",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="showfolder-pipeline")
def cli() -> None:
    """Build a podcast-and-newsletter show: recordings and outlines in, feeds and pages out."""


def main() -> None:
    cli(prog_name="pipeline")


@cli.command()
@root_option
@out_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
def build(root: Path, out: Path | None, strict: bool) -> None:
    """Transcribe, render and publish the show into the output folder."""
    report = _run(lambda: builder.build(root, out, reporter=TerminalReporter()))
    _print_problems(report.problems)
    episodes = len(report.published)
    summary = (
        f"Built {episodes} episode{'s' if episodes != 1 else ''} into {report.out}: "
        f"{len(report.written)} files written, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed"
    )
    if report.transcribed:
        summary += f"; transcribed {', '.join(report.transcribed)}"
    if report.kept:
        summary += f"; kept the last published version of {', '.join(report.kept)}"
    click.echo(summary + ".")
    sys.exit(report.problems.exit_status(strict))


@cli.command()
@root_option
@out_option
@click.argument("slugs", nargs=-1)
@click.option(
    "--force", is_flag=True, help="Transcribe again, keeping a corrected transcript as a backup."
)
def transcribe(root: Path, out: Path | None, slugs: tuple[str, ...], force: bool) -> None:
    """Transcribe episodes (all of them, or the SLUGS given) into their transcript.json."""

    def run() -> tuple[Problems, list[str], list[str]]:
        site = config.load_site(root)
        with state.lock(root):
            problems = Problems()
            show = load.load_show(root, site, problems)
            known = {e.slug for e in show.episodes}
            unknown = [s for s in slugs if s not in known]
            if unknown:
                raise click.UsageError(
                    f"no published episode named {', '.join(unknown)}; "
                    f"choose from: {', '.join(sorted(known)) or '(none)'}"
                )
            chosen = set(slugs) or known
            show = replace(show, episodes=tuple(e for e in show.episodes if e.slug in chosen))
            reporter = TerminalReporter()
            show, done = builder.transcribe_all(
                show, problems, reporter, force=chosen if force else set()
            )
            reporter.done()
            return problems, done, sorted(e.slug for e in show.episodes if e.slug not in done)

    problems, done, cached = _run(run)
    _print_problems(problems)
    if done:
        click.echo(f"Transcribed {', '.join(done)}.")
    if cached:
        click.echo(f"Up to date: {', '.join(cached)}.")
    sys.exit(problems.exit_status())


@cli.command(name="check")
@root_option
@out_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
def check_command(root: Path, out: Path | None, strict: bool) -> None:
    """Check site.toml, the content and the published feeds; change nothing but the check state."""

    def run() -> Problems:
        out_dir = builder.output_folder(root, out)
        site = config.load_site(root)
        with state.lock(root) as state_dir:  # the check remembers guids in the state folder
            problems = Problems()
            load.load_show(root, site, problems)
            if not (out_dir / "podcast.xml").is_file():
                problems.error(out_dir, "has no podcast.xml; run `pipeline build` first")
            else:
                problems.items += check.check_feeds(out_dir, site, state_dir)
        return problems

    problems = _run(run)
    _print_problems(problems)
    errors, warnings = len(problems.errors), len(problems.warnings)
    plural = lambda n: "" if n == 1 else "s"  # noqa: E731
    click.echo(f"{errors} error{plural(errors)}, {warnings} warning{plural(warnings)}.")
    sys.exit(problems.exit_status(strict))


@cli.group()
def new() -> None:
    """Start a new episode folder or newsletter issue from a template."""


@new.command(name="episode")
@root_option
@click.argument("slug")
def new_episode(root: Path, slug: str) -> None:
    """Create episodes/SLUG/outline.md (never overwrites)."""
    _check_slug(slug)
    path = root / "episodes" / slug / "outline.md"
    _create(path, EPISODE_TEMPLATE.format(date=_today()))
    click.echo(
        f"Created {path}. Add the recording (one audio file, or tracks/<Speaker>.<ext>) beside it."
    )


@new.command(name="issue")
@root_option
@click.argument("slug")
def new_issue(root: Path, slug: str) -> None:
    """Create issues/SLUG.md (never overwrites)."""
    _check_slug(slug)
    path = root / "issues" / f"{slug}.md"
    _create(path, ISSUE_TEMPLATE.format(date=_today()))
    click.echo(f"Created {path}.")


@cli.command(name="serve")
@root_option
@out_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
def serve_command(root: Path, out: Path | None, port: int) -> None:
    """Preview the built output at http://127.0.0.1:PORT/ (HEAD and Range supported)."""
    folder = _run(lambda: builder.output_folder(root, out))
    if not (folder / "index.html").is_file() or not (folder / "podcast.xml").is_file():
        raise click.UsageError(
            f"{folder} holds no build (no index.html and podcast.xml); run `pipeline build` "
            "first, or point --out at the folder it built"
        )
    try:
        server = serve.make_server(folder, port)
    except OSError as exc:
        raise click.UsageError(
            f"cannot listen on port {port} ({exc.strerror}); try --port 0"
        ) from exc
    host, actual = server.server_address[:2]
    click.echo(f"Serving {folder} at http://{host}:{actual}/ (Ctrl-C stops)", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# --- helpers -----------------------------------------------------------------------------

EPISODE_TEMPLATE = """\
---
title: Title of the episode
date: {date}
summary: One paragraph that tells a listener what they will hear.
topics: []
---
What this episode is about, in a few sentences.

## Opening

Notes for the first chapter. Link other episodes and issues with [[their-slug]].

## 10:00 Second chapter

Notes. A timestamp at the start of a heading fixes where the chapter begins.
"""

ISSUE_TEMPLATE = """\
---
title: Title of the issue
date: {date}
preheader: One line shown in the inbox after the subject.
---
Hello! What is new this time.
"""


def _today() -> str:
    return time.strftime("%Y-%m-%d")


def _check_slug(slug: str) -> None:
    if not load.SLUG.match(slug):
        raise click.UsageError(
            f"'{slug}' is not a valid slug: use lower-case letters, digits and single hyphens "
            "(like 2024-08-07-rain-and-bikes)"
        )


def _create(path: Path, text: str) -> None:
    if path.exists():
        click.echo(f"error: {path} already exists; it was left as it is", err=True)
        sys.exit(1)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        click.echo(f"error: {path} already exists; it was left as it is", err=True)
        sys.exit(1)


def _run(work: Callable[[], T]) -> T:
    """Run library work; a PipelineError becomes one line on stderr and its exit status."""
    try:
        return work()
    except PipelineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_status)


def _print_problems(problems: Problems) -> None:
    for problem in problems.items:
        click.echo(str(problem), err=True)


class TerminalReporter:
    """Progress bars with an ETA on a terminal; silent in CI and when output is captured."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self.line = False

    def task(self, label: str, total: float) -> Callable[[float, float], None]:
        started = time.monotonic()
        self.done()
        if not self.enabled:
            return lambda done, total: None

        def show(done: float, total: float = total) -> None:
            fraction = min(1.0, done / total) if total else 1.0
            elapsed = time.monotonic() - started
            eta = elapsed / fraction - elapsed if fraction > 0 else 0
            bar = "#" * int(fraction * 30)
            clock = f"{int(eta) // 60}:{int(eta) % 60:02d}"
            sys.stderr.write(f"\r{label:<40.40} [{bar:<30}] {fraction:4.0%} ETA {clock} ")
            sys.stderr.flush()
            self.line = True

        show(0)
        return show

    def done(self) -> None:
        if self.line:
            sys.stderr.write("\n")
            self.line = False
