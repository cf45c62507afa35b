"""The subscriber list: the CSV that ``[newsletter] subscribers`` names, read into recipients."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path, PurePosixPath, PureWindowsPath

from pipeline.errors import ConfigError, Problems
from pipeline.files import NotAFile, TooLarge, read_limited
from pipeline.model import NewsletterSettings, Recipient
from pipeline.text import is_email_address, shown

MAX_LIST_BYTES = 64 * 1024 * 1024  # a list of a million addresses fits well under this
SECRET_VARIABLE = "PIPELINE_UNSUBSCRIBE_SECRET"
# An `unsubscribed` cell that means "still subscribed"; any other value means unsubscribed, so
# that a date, "yes", "x" or a typo never sends to someone who left.
SUBSCRIBED = frozenset({"", "no", "n", "false", "0", "-"})


@dataclass(frozen=True)
class SubscriberList:
    """Who gets the issue: each address once, in the file's order, and who does not."""

    path: Path
    recipients: tuple[Recipient, ...]
    unsubscribed: frozenset[str]  # lower-cased addresses marked unsubscribed: never sent to
    skipped: int = 0  # rows with no usable address


def token(address: str, secret: str) -> str:
    """The unsubscribe token: HMAC-SHA256 of the lower-cased address, base64url, no padding."""
    digest = hmac.new(secret.encode(), address.strip().lower().encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def valid_address(text: str) -> bool:
    """A bare address (no name, no angle brackets) that mail can be sent to."""
    if not is_email_address(text):
        return False
    _name, parsed = parseaddr(text)
    if parsed != text:
        return False
    try:
        address = Address(addr_spec=text)
    except (HeaderParseError, ValueError, IndexError):
        return False
    return bool(address.username) and "." in address.domain


def list_path(root: Path, settings: NewsletterSettings) -> Path:
    """The subscriber file, checked to lie inside the show folder (links included)."""
    name = settings.subscribers
    if not name:
        raise ConfigError(
            f"{Path(root) / 'site.toml'}: [newsletter] has no 'subscribers'; set it to the "
            'CSV of your list, kept out of git, like subscribers = "private/subscribers.csv" '
            "(columns email, name, unsubscribed)"
        )
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts or PureWindowsPath(name).drive:
        raise ConfigError(
            f"{Path(root) / 'site.toml'}: [newsletter] 'subscribers' must be a path inside the "
            f"show folder, relative to site.toml (got {shown(name)})"
        )
    path = Path(root).joinpath(*posix.parts)
    try:
        inside = path.resolve().is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise ConfigError(
            f"{path}: leads outside the show folder; keep the subscriber file in the show "
            "(and out of git) instead of linking to it"
        )
    return path


def read_list(path: Path, problems: Problems) -> SubscriberList:
    """Read the CSV; bad rows are reported (file and line) and skipped, never sent to.

    Raises ConfigError when the file is missing or has no ``email`` column.
    """
    try:
        raw = read_limited(path, MAX_LIST_BYTES)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: the subscriber file is missing; create it with the columns email, name "
            "and unsubscribed, or correct [newsletter] subscribers in site.toml"
        ) from None
    except TooLarge:
        raise ConfigError(
            f"{path}: is over {MAX_LIST_BYTES // 2**20} MiB; is it the list?"
        ) from None
    except NotAFile:
        raise ConfigError(
            f"{path}: is not a file; point [newsletter] subscribers at the CSV"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be read ({exc.strerror}); check its permissions"
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: is not UTF-8 text ({exc}); save it as UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {name.strip().lower(): name for name in reader.fieldnames or ()}
    if "email" not in columns:
        raise ConfigError(
            f"{path}: has no 'email' column; its first line must name the columns, like "
            "email,name,unsubscribed"
        )
    recipients: list[Recipient] = []
    first_line: dict[str, int] = {}
    unsubscribed: set[str] = set()
    skipped = 0
    try:
        for row in reader:
            line = reader.line_num
            address = _cell(row, columns, "email")
            if not address and not any(_cell(row, columns, k) for k in columns):
                continue  # an empty line
            if not valid_address(address):
                skipped += 1
                problems.warning(
                    path,
                    f"line {line}: {shown(address)} is not an email address; it is skipped "
                    "(correct it, or remove the line)",
                )
                continue
            key = address.lower()
            if _cell(row, columns, "unsubscribed").lower() not in SUBSCRIBED:
                unsubscribed.add(key)
                continue
            if key in first_line:
                problems.warning(
                    path,
                    f"line {line}: {address} is listed again (first on line {first_line[key]}); "
                    "it gets one message",
                )
                continue
            first_line[key] = line
            recipients.append(Recipient(email=address, name=_cell(row, columns, "name")))
    except csv.Error as exc:
        raise ConfigError(f"{path}: line {reader.line_num}: is not valid CSV ({exc})") from exc
    # An address unsubscribed on any of its lines is unsubscribed.
    kept = tuple(r for r in recipients if r.email.lower() not in unsubscribed)
    return SubscriberList(path, kept, frozenset(unsubscribed), skipped)


def _cell(row: dict[str | None, object], columns: dict[str, str], key: str) -> str:
    value = row.get(columns[key]) if key in columns else None
    return value.strip() if isinstance(value, str) else ""


def with_tokens(recipients: tuple[Recipient, ...], secret: str | None) -> tuple[Recipient, ...]:
    """Each recipient with its unsubscribe token; ``preview`` where there is no secret."""
    return tuple(
        Recipient(r.email, r.name, token(r.email, secret) if secret else "preview")
        for r in recipients
    )
