"""The ``pipeline`` command: thin click commands over the library; the only module that prints."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from tqdm import tqdm

from pipeline import build as builder
from pipeline import config, serve, starter, worker
from pipeline import watch as watching
from pipeline.errors import PipelineError, Problems
from pipeline.formats.times import clock
from pipeline.send import send_issue

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The show folder (holds site.toml, episodes/, issues/).",
)
T = TypeVar("T")

quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="No progress bars or progress lines; problems still show."
)

out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to publish.  [default: ROOT/feeds]",
)


def _scheduler(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    problem = config.scheduler_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    callback=_scheduler,
    help="Transcribe on the Dask cluster of this scheduler (tcp://host:8786); "
    "[default: site.toml's [transcribe] scheduler, else here].",
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
@scheduler_option
@quiet_option
def build(root: Path, out: Path | None, strict: bool, scheduler: str | None, quiet: bool) -> None:
    """Transcribe, render and publish the show into the output folder."""
    report = _run(lambda: builder.build(root, out, _reporter(quiet), scheduler))
    _print_problems(report.problems)
    click.echo(_build_summary(report))
    sys.exit(report.problems.exit_status(strict))


@cli.command(name="watch")
@root_option
@out_option
@click.option(
    "--poll", is_flag=True, help="Look for changes by polling (synced and network drives)."
)
@click.option(
    "--settle",
    type=click.FloatRange(0, 3600),
    default=3.0,
    show_default=True,
    metavar="SECONDS",
    help="Build once the changed files kept their size and time this long.",
)
def watch_command(root: Path, out: Path | None, poll: bool, settle: float) -> None:
    """Build now, then again each time a recording, outline, issue or template settles."""
    run = lambda r, o: builder.build(r, o, reporter=_reporter(False))  # noqa: E731
    try:
        watching.watch(root, out, poll, settle, echo=click.echo, build=run, summary=_build_summary)
    except KeyboardInterrupt:
        click.echo("Stopped watching.")
    sys.exit(0)


@cli.command()
@root_option
@out_option
@click.argument("slugs", nargs=-1)
@click.option(
    "--force", is_flag=True, help="Transcribe again, keeping a corrected transcript as a backup."
)
@scheduler_option
@quiet_option
def transcribe(
    root: Path,
    out: Path | None,
    slugs: tuple[str, ...],
    force: bool,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Transcribe episodes (all of them, or the SLUGS given) into their transcript.json."""
    report = _run(
        lambda: builder.transcribe(root, slugs, force, _reporter(quiet), scheduler=scheduler)
    )
    _print_problems(report.problems)
    if report.transcribed:
        click.echo(f"Transcribed {', '.join(report.transcribed)}.")
    if report.current:
        click.echo(f"Up to date: {', '.join(report.current)}.")
    sys.exit(report.problems.exit_status())


@cli.command(name="check")
@root_option
@out_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
def check_command(root: Path, out: Path | None, strict: bool) -> None:
    """Check site.toml, the content and the published feeds; change nothing but the check state."""
    problems = _run(lambda: builder.check(root, out))
    _print_problems(problems)
    errors, warnings = len(problems.errors), len(problems.warnings)
    plural = lambda n: "" if n == 1 else "s"  # noqa: E731
    click.echo(f"{errors} error{plural(errors)}, {warnings} warning{plural(warnings)}.")
    sys.exit(problems.exit_status(strict))


@cli.command(name="chapters")
@root_option
@click.argument("slug")
def chapters_command(root: Path, slug: str) -> None:
    """Show SLUG's chapters as the next build places them, with the first words at each start."""
    report = _run(lambda: builder.episode_chapters(root, slug))
    _print_problems(report.problems)
    episode = report.episode
    length = f", {clock(episode.recording.duration)} long" if episode.recording else ""
    count = len(episode.chapters)
    click.echo(f"{slug}: {count} chapter{'s' if count != 1 else ''}{length}")
    width = max(len(c.title) for c in episode.chapters)
    for chapter, said in zip(episode.chapters, report.first_words, strict=True):
        if chapter.start is None:
            how, said = "no time", "(placed once the episode is transcribed)"
        else:
            how = "timed" if chapter.timed else "guessed" if chapter.guessed else "placed"
            how = "start" if chapter.start == 0 and not chapter.timed else how
        at = clock(chapter.start) if chapter.start is not None else "-"
        click.echo(f"{at:>8}  {chapter.title:<{width}}  {how:<7}  {said}".rstrip())
    click.echo("Fix a start by writing its time in the outline: ## 12:30 Title")
    sys.exit(report.problems.exit_status())


@cli.group()
def new() -> None:
    """Start a new episode folder or newsletter issue from a template."""


@new.command(name="episode")
@root_option
@click.argument("slug")
def new_episode(root: Path, slug: str) -> None:
    """Create episodes/SLUG/outline.md (never overwrites)."""
    path = _run(lambda: starter.new_episode(root, slug))
    click.echo(
        f"Created {path}. Add the recording (one audio file, or tracks/<Speaker>.<ext>) beside it."
    )


@new.command(name="issue")
@root_option
@click.argument("slug")
def new_issue(root: Path, slug: str) -> None:
    """Create issues/SLUG.md (never overwrites)."""
    path = _run(lambda: starter.new_issue(root, slug))
    click.echo(f"Created {path}.")


@cli.command(name="send")
@root_option
@click.argument("issue")
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="ADDR",
    help="Send a test ([Test] in the subject) to ADDR only (repeat for more); the list gets none.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Send a finished issue again, resend recipients in doubt, or send an old unlogged issue.",
)
@click.option("--dry-run", is_flag=True, help="Say who would get it; send nothing.")
@quiet_option
def send_command(
    root: Path, issue: str, to: tuple[str, ...], force: bool, dry_run: bool, quiet: bool
) -> None:
    """Send the built ISSUE to the subscriber list (never twice), or a test with --to."""
    report = _run(
        lambda: send_issue(root, issue, to, force=force, dry_run=dry_run, reporter=_reporter(quiet))
    )
    _print_problems(report.problems)
    plural = lambda n: "" if n == 1 else "s"  # noqa: E731
    count = len(report.planned)
    if report.dry_run:
        what = "a test of " if report.test else ""
        click.echo(
            f"Would send {what}{issue} ({report.subject!r}) by {report.transport} to {count} "
            f"recipient{plural(count)}:"
        )
        for address in report.planned:
            click.echo(f"  {address}")
        click.echo("Dry run: nothing was sent.")
    elif report.test:
        who = ", ".join(report.sent) or "nobody"
        click.echo(f"Sent a test of {issue} ({report.subject!r}) to {who}.")
    else:
        sent = len(report.sent)
        summary = f"Sent {issue} to {sent} recipient{plural(sent)} by {report.transport}"
        if report.already:
            summary += f"; {len(report.already)} had it already"
        if report.unsubscribed:
            summary += f"; {report.unsubscribed} unsubscribed, not sent to"
        if report.in_doubt:
            summary += f"; {len(report.in_doubt)} in doubt"
        if report.failed:
            summary += f"; {len(report.failed)} failed"
        if report.finished:
            summary += "; the whole list has it now"
        click.echo(f"{summary} (log: {report.log}).")
    sys.exit(report.exit_status())


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
@click.option(
    "--edit",
    is_flag=True,
    help="Also serve the transcript editor at /edit/ (127.0.0.1 only; saving needs the "
    "token in the printed address, then rebuilds the show).",
)
def serve_command(root: Path, out: Path | None, port: int, edit: bool) -> None:
    """Preview the built output at http://127.0.0.1:PORT/ (HEAD and Range supported)."""
    folder = _run(lambda: builder.output_folder(root, out))
    if not (folder / "index.html").is_file() or not (folder / "podcast.xml").is_file():
        raise click.UsageError(
            f"{folder} holds no build (no index.html and podcast.xml); run `pipeline build` "
            "first, or point --out at the folder it built"
        )
    editor_url = None
    try:
        if not edit:
            server = serve.make_server(folder, port)
        else:
            from pipeline import edit as editing
            from pipeline.edit import server as edit_server

            rebuild = lambda r, o: builder.build(r, o, reporter=_reporter(True))  # noqa: E731
            editing_server = edit_server.make_server(
                folder, editing.Editor(root, folder, build=rebuild), port
            )
            server, editor_url = editing_server, editing_server.url()
    except OSError as exc:
        raise click.UsageError(
            f"cannot listen on port {port} ({exc.strerror}); try --port 0"
        ) from exc
    host, actual = server.server_address[:2]
    click.echo(f"Serving {folder} at http://{host!s}:{actual}/ (Ctrl-C stops)", err=False)
    if editor_url:
        click.echo(f"Correct transcripts at {editor_url} (the address holds the token)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# --- pipeline worker: a Dask worker for `transcribe --scheduler` -------------------------


@cli.command(name="worker")
@click.argument("address", callback=_scheduler)
@click.option(
    "--nthreads",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Recordings transcribed at once (they share the cores).",
)
@click.option("--name", default=None, help="Its name in the output.  [default: the host name]")
@click.option("--model", default="tiny.en", show_default=True, help="The model to load now.")
def worker_command(address: str, nthreads: int, name: str | None, model: str) -> None:
    """Help the Dask scheduler at ADDRESS transcribe, with the model loaded (Ctrl-C stops)."""
    sys.exit(_run(lambda: worker.run_worker(address, nthreads, name, model)))


# --- helpers -----------------------------------------------------------------------------


def _run(work: Callable[[], T]) -> T:
    """Run library work; a PipelineError becomes one line on stderr and its exit status."""
    try:
        return work()
    except PipelineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_status)


def _build_summary(report: builder.BuildReport) -> str:
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
    return summary + "."


def _print_problems(problems: Problems) -> None:
    for problem in problems.items:
        click.echo(str(problem), err=True)


def _reporter(quiet: bool) -> builder.Reporter:
    if quiet:
        return builder.Quiet()
    return TerminalReporter() if sys.stderr.isatty() else LogReporter()


class TerminalReporter:
    """Progress bars with an ETA on a terminal (tqdm), at most 80 columns wide."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None

    def task(self, label: str, total: float) -> Callable[[float, float], None]:
        self.done()
        width = min(80, shutil.get_terminal_size((80, 24)).columns)
        bar: tqdm[Any] = tqdm(
            total=max(total, 1e-9),
            desc=f"{label[:28]:<28}",
            ncols=width,
            file=sys.stderr,
            leave=False,
            bar_format="{desc} {percentage:3.0f}%|{bar}| ETA {remaining}",
        )
        self.bar = bar

        def show(done: float, total: float = total) -> None:
            bar.n = min(done, total)
            bar.refresh()

        return show

    def finished(self, line: str) -> None:
        if self.bar is None:
            click.echo(line, err=True)
        else:  # above the bar, which stays: a cluster's bar runs on while recordings finish
            tqdm.write(line, file=sys.stderr)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class LogReporter:
    """Where stderr is no terminal (cron, CI): one line for each long task that did work."""

    def task(self, label: str, total: float) -> Callable[[float, float], None]:
        return lambda done, total: None

    def finished(self, line: str) -> None:
        click.echo(line, err=True)

    def done(self) -> None:
        pass
