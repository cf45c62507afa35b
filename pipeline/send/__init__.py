"""``send_issue``: hand a built newsletter issue to its list, or a test to a few addresses.

The email shows what the build published: the issue and its episodes are read from the
snapshots the last build kept in ``.pipeline/published/`` (key points, lengths, links), so
the message matches the issue's web page, nothing is transcribed or mastered, and an issue
edited since that build is refused until it is built again. Every hand-over is written to
the send log first (``log``), so a send that is stopped and run again sends only what did
not leave, and never twice what may have left.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import TypeVar

from pipeline import config, load, snapshot, state
from pipeline.errors import ConfigError, ContentError, PipelineError, Problems
from pipeline.model import Episode, Issue, Recipient, Show, Site
from pipeline.reports import Quiet, Reporter
from pipeline.send import subscribers
from pipeline.send.log import FAILED, FINISHED, HANDING_OVER, SENT, Entry, SendLog, now
from pipeline.send.transports import Parcel, Transport, Wait, make_transport
from pipeline.snapshot import SnapshotError
from pipeline.text import shown

__all__ = ["SendReport", "send_issue"]

Compose = Callable[[Recipient, bool], EmailMessage]
Hook = Callable[[str], None]
T = TypeVar("T")
BUTTONDOWN_LIST = "buttondown:list"  # the log's name for the list Buttondown holds
STALE = timedelta(days=1)  # an issue older than this with no send log is not sent unasked
TEST_PREFIX = "[Test] "


@dataclass
class SendReport:
    """What a send did (or, with ``dry_run``, would do), recipient by recipient."""

    issue: str
    transport: str
    problems: Problems = field(default_factory=Problems)
    test: bool = False
    dry_run: bool = False
    subject: str = ""
    planned: list[str] = field(default_factory=list)  # to hand over in this run, in order
    sent: list[str] = field(default_factory=list)  # handed over and accepted now
    already: list[str] = field(default_factory=list)  # had it from an earlier run
    in_doubt: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unsubscribed: int = 0  # on the list but marked unsubscribed: never sent to
    finished: bool = False  # the whole list has it now
    log: Path | None = None

    def exit_status(self) -> int:
        return self.problems.exit_status()


def send_issue(
    root: Path,
    slug: str,
    to: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
    wait: Wait = time.sleep,
    compose: Compose | None = None,
    hook: Hook | None = None,
    reporter: Reporter | None = None,
) -> SendReport:
    """Send the built issue ``slug``: to the list, or with ``to`` as a test to those only.

    ``force`` sends a finished issue again, resends recipients in doubt, and sends an issue
    older than a day that has no send log. ``dry_run`` says who would get it and sends
    nothing. ``wait`` pauses (rate and retries); ``hook(name)`` is called at named points
    (``connected``, ``handing-over:<k>``, ``handed-over:<k>``, ``sent:<k>``, ``finished``;
    ``k`` counts this run's messages from 1) so that a test can stop the send there.
    Raises ConfigError for a setting, issue or address that stops the send before it begins.
    """
    root = Path(root)
    hook = hook or (lambda name: None)
    reporter = reporter or Quiet()
    site = config.load_site(root)
    settings = site.newsletter
    if settings.rate <= 0:
        raise ConfigError(
            f"{root / 'site.toml'}: [newsletter] 'rate' must be more than 0 messages a second "
            f"(got {settings.rate})"
        )
    tests = _test_addresses(to)
    with state.lock(root) as state_dir:
        problems = Problems()
        show, issue = published_issue(root, site, state_dir, slug)
        if compose is None:
            compose = default_compose(show, issue)
        send_log = SendLog(state_dir, slug)
        report = SendReport(
            issue=slug, transport=settings.transport, problems=problems, test=bool(tests),
            dry_run=dry_run, log=None if tests else send_log.path,
        )  # fmt: skip
        secret = os.environ.get(subscribers.SECRET_VARIABLE) or None
        if tests:
            recipients = subscribers.with_tokens(tuple(Recipient(a) for a in tests), secret)
        else:
            recipients = _list(root, site, secret, problems, report)
            recipients = _plan(recipients, send_log, issue, force, report)
        transport = make_transport(settings, root, test=bool(tests), wait=wait)
        try:
            first = _stamped(compose, recipients[0], site, report.test) if recipients else None
            report.subject = str(first["Subject"]) if first else issue.subject
            report.planned = [r.email for r in recipients]
            if dry_run or not recipients:
                _finish(report, recipients, send_log, hook)
                return report
            transport.open()
            hook("connected")
            progress = reporter.task(f"send {slug}", len(recipients))

            def step(name: str) -> None:
                hook(name)
                if name.startswith("sent:"):
                    progress(int(name[5:]), len(recipients))

            _hand_over(transport, recipients, compose, site, send_log, report, step, wait)
            reporter.done()
        finally:
            transport.close()
        _finish(report, recipients, send_log, hook)
    return report


def _test_addresses(to: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for address in (a.strip() for a in to):
        if not subscribers.valid_address(address):
            raise ConfigError(f"--to {shown(address)}: is not an email address")
        seen.setdefault(address.lower(), address)
    return tuple(seen.values())


def _list(
    root: Path, site: Site, secret: str | None, problems: Problems, report: SendReport
) -> tuple[Recipient, ...]:
    """Everyone on the list who is to get the issue, with their unsubscribe tokens."""
    if site.newsletter.transport == "buttondown":
        return (Recipient(BUTTONDOWN_LIST, token=""),)  # the service holds the list
    if not secret:
        raise ConfigError(
            f"{subscribers.SECRET_VARIABLE} is not set; a send to the list needs it to make "
            "each subscriber's unsubscribe token: export a long random secret (the same one "
            "your list service checks tokens with), or send a test with --to"
        )
    path = subscribers.list_path(root, site.newsletter)
    found = subscribers.read_list(path, problems)
    report.unsubscribed = len(found.unsubscribed)
    return subscribers.with_tokens(found.recipients, secret)


def _plan(
    recipients: tuple[Recipient, ...],
    send_log: SendLog,
    issue: Issue,
    force: bool,
    report: SendReport,
) -> tuple[Recipient, ...]:
    """Who is to get the issue in this run, by what the send log says of earlier runs."""
    done = send_log.read()
    where = send_log.path
    if done.unreadable:
        lines = ", ".join(map(str, done.unreadable[:10]))
        report.problems.warning(where, f"lines {lines} are not log lines; they are ignored")
    if done.finished is not None and not force:
        raise ConfigError(
            f"{issue.slug} was sent to the whole list already (finished {done.finished.time}, "
            f"see {where}); --force sends it to everyone again"
        )
    if not done.exists and not force and datetime.now(UTC) - issue.date > STALE:
        raise ConfigError(
            f"{issue.path}: is dated {issue.date:%Y-%m-%d}, over a day ago, and {where} has no "
            "record of sending it; if it was never sent, send it with --force (if it was, "
            "restore the log from a backup)"
        )
    todo: list[Recipient] = []
    for recipient in recipients:
        entry = done.last.get(recipient.email.lower())
        if entry is not None and entry.state == SENT:
            report.already.append(recipient.email)
        elif entry is not None and entry.state == HANDING_OVER and not force:
            report.in_doubt.append(recipient.email)
            report.problems.error(
                where,
                f"{recipient.email}: in doubt: its hand-over began at {entry.time} "
                f"({entry.message_id}) and was never confirmed, so it may have left; check the "
                f"server's log or the inbox, and send it again with --force if it is not there",
            )
        else:
            todo.append(recipient)
    return tuple(todo)


def _hand_over(
    transport: Transport,
    recipients: tuple[Recipient, ...],
    compose: Compose,
    site: Site,
    send_log: SendLog,
    report: SendReport,
    hook: Hook,
    wait: Wait,
) -> None:
    """Hand the messages over in batches, each logged before and after; stop at a break."""
    pacer = Pacer(site.newsletter.rate, wait)
    test, count = report.test, 0
    for chunk in _chunks(recipients, transport.batch):
        parcels = [Parcel(r.email, _stamped(compose, r, site, test)) for r in chunk]
        if not test:
            send_log.append(*(Entry(HANDING_OVER, now(), p.address, _id(p)) for p in parcels))
        for k in range(count + 1, count + len(parcels) + 1):
            hook(f"handing-over:{k}")
        pacer.pace(len(parcels))
        try:
            outcomes = transport.hand_over(parcels)
        except PipelineError as exc:
            certain = getattr(exc, "certain", True)
            if certain and not test:
                send_log.append(
                    *(Entry(FAILED, now(), p.address, _id(p), str(exc)) for p in parcels)
                )
            (report.failed if certain else report.in_doubt).extend(p.address for p in parcels)
            if isinstance(exc, ConfigError):
                raise
            left = len(recipients) - count - len(parcels)
            how = "were not sent" if certain else "are in doubt (see the log)"
            report.problems.error(
                report.log or Path("--to"),
                f"the send stopped: {exc}; {', '.join(p.address for p in parcels)} {how}, and "
                f"{left} more were not tried; run the same command again to send the rest",
            )
            return
        for parcel, outcome in zip(parcels, outcomes, strict=True):
            count += 1
            hook(f"handed-over:{count}")
            if outcome.accepted:
                report.sent.append(parcel.address)
                entry = Entry(SENT, now(), parcel.address, _id(parcel), "", outcome.service_id)
            else:
                report.failed.append(parcel.address)
                entry = Entry(FAILED, now(), parcel.address, _id(parcel), outcome.reason)
                report.problems.error(
                    report.log or Path("--to"),
                    f"{parcel.address}: not sent: {outcome.reason}; correct or remove the "
                    "address, then run the command again",
                )
            if not test:
                send_log.append(entry)
            hook(f"sent:{count}")


def _finish(
    report: SendReport, planned: Sequence[Recipient], send_log: SendLog, hook: Hook
) -> None:
    """Write ``finished`` once everyone on the list has the issue."""
    if report.test or report.dry_run or report.in_doubt or report.failed:
        return
    if len(report.sent) != len(planned) or not (report.sent or report.already):
        return
    send_log.append(Entry(FINISHED, now(), reason=f"{len(report.sent) + len(report.already)}"))
    report.finished = True
    hook("finished")


class Pacer:
    """Keeps to ``rate`` messages a second, pausing with the injected ``wait``."""

    def __init__(self, rate: float, wait: Wait, clock: Callable[[], float] = time.monotonic):
        self.rate, self.wait, self.clock = rate, wait, clock
        self.due: float | None = None  # when the next hand-over may begin

    def pace(self, count: int) -> None:
        """Before handing over ``count`` messages: wait until their turn."""
        if self.due is not None and self.due > (at := self.clock()):
            self.wait(self.due - at)
        self.due = self.clock() + count / self.rate


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _id(parcel: Parcel) -> str:
    return str(parcel.message["Message-ID"])


def _stamped(compose: Compose, recipient: Recipient, site: Site, test: bool) -> EmailMessage:
    """The recipient's message with a fresh Message-ID and Date, set now, at send time."""
    if recipient.email == BUTTONDOWN_LIST:  # the issue as Buttondown's list gets it
        recipient = Recipient(parseaddr(site.newsletter.from_ or site.email)[1])
    message = compose(recipient, test)
    sender = parseaddr(str(message["From"] or ""))[1] or site.newsletter.from_ or site.email
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    del message["Message-ID"]
    del message["Date"]
    message["Message-ID"] = f"<{uuid.uuid4().hex}@{domain}>"
    message["Date"] = format_datetime(datetime.now(UTC))
    subject = str(message["Subject"] or "")
    if test and not subject.startswith(TEST_PREFIX):
        del message["Subject"]
        message["Subject"] = TEST_PREFIX + subject
    return message


def default_compose(show: Show, issue: Issue) -> Compose:
    """Messages made by the email renderer (imported only when a send needs it)."""

    def compose(recipient: Recipient, test: bool) -> EmailMessage:
        from pipeline.render import TemplateFailed
        from pipeline.render.email import issue_message

        try:
            return issue_message(show, issue, recipient, test=test)
        except TemplateFailed as exc:
            raise ContentError(issue.path, f"cannot be sent: {exc}") from exc

    return compose


# --- what the last build published ---------------------------------------------------------


def published_issue(root: Path, site: Site, state_dir: Path, slug: str) -> tuple[Show, Issue]:
    """The show as the last build published it, and the issue ``slug`` in it.

    Raises ConfigError for an issue that is unknown, a draft, broken, never built, or
    changed since it was built.
    """
    problems = Problems()
    probes = snapshot.load_probes(state.probes_path(state_dir), root)
    loaded = load.load_show(root, site, problems, probes)
    current = next((i for i in loaded.issues if i.slug == slug), None)
    path = root / "issues" / f"{slug}.md"
    own = [str(p) for p in problems.errors if p.slug == slug or p.path == path]
    if own:
        raise ConfigError(f"{slug} cannot be sent until it is fixed: {'; '.join(own)}")
    if current is None:
        known = ", ".join(i.slug for i in loaded.issues) or "(none)"
        what = "is a draft" if path.is_file() else "is not an issue"
        raise ConfigError(f"{slug} {what}; issues that can be sent: {known}")
    episodes: list[Episode] = []
    issues: list[Issue] = []
    folder = state.published_dir(state_dir)
    for kept in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            item = snapshot.load(kept, root)
        except (OSError, SnapshotError):
            continue  # the build said so when it could not keep it
        if isinstance(item, Episode):
            episodes.append(item)
        else:
            issues.append(item)
    built = next((i for i in issues if i.slug == slug), None)
    if built is None:
        raise ConfigError(
            f"{path}: has not been built yet; run `pipeline build` first (the email links to "
            "the issue's page and shows the episodes as published)"
        )
    fields = ("title", "date", "body", "subject", "preheader", "episodes")
    changed = [f for f in fields if getattr(built, f) != getattr(current, f)]
    if changed:
        raise ConfigError(
            f"{path}: its {', '.join(changed)} changed since the last build; run `pipeline "
            "build` first, so that the email and the issue's page say the same"
        )
    newest_first = lambda item: (item.date, item.slug)  # noqa: E731
    show = replace(
        loaded,
        episodes=tuple(sorted(episodes, key=newest_first, reverse=True)),
        issues=tuple(sorted(issues, key=newest_first, reverse=True)),
        waiting=(),
    )
    return show, built
