"""How messages leave: the transport protocol, and SMTP (smtplib, TLS whenever offered)."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from pipeline.errors import ConfigError, PipelineError
from pipeline.model import NewsletterSettings

Wait = Callable[[float], None]
USER, PASSWORD, API_TOKEN = "PIPELINE_SMTP_USER", "PIPELINE_SMTP_PASSWORD", "PIPELINE_API_TOKEN"
POSTMARK_URL, BUTTONDOWN_URL = "https://api.postmarkapp.com", "https://api.buttondown.com"
TIMEOUT = 60.0  # seconds for a connection or an answer


@dataclass(frozen=True)
class Parcel:
    """One message for one address (for Buttondown: the issue, for the service's list)."""

    address: str
    message: EmailMessage


@dataclass(frozen=True)
class Outcome:
    """What the server said of one message it was handed: taken, or refused and why."""

    accepted: bool
    reason: str = ""
    service_id: str = ""


class HandOverError(PipelineError):
    """A hand-over that stopped the send; ``certain`` when none of its messages left."""

    def __init__(self, message: str, certain: bool) -> None:
        super().__init__(message)
        self.certain = certain


class Transport(Protocol):
    """Opens (connecting and checking credentials), hands over parcels, closes."""

    name: str
    batch: int  # parcels handed over in one call

    def open(self) -> None: ...

    def hand_over(self, parcels: Sequence[Parcel]) -> list[Outcome]: ...

    def close(self) -> None: ...


def make_transport(
    settings: NewsletterSettings,
    root: Path,
    *,
    test: bool = False,
    wait: Wait,
    env: Mapping[str, str] | None = None,
) -> Transport:
    """The transport ``[newsletter] transport`` names; ConfigError for what it lacks."""
    env = os.environ if env is None else env
    if settings.transport == "smtp":
        return SmtpTransport(settings, root, env)
    token = env.get(API_TOKEN, "")
    if not token:
        raise ConfigError(
            f"{API_TOKEN} is not set; export the {settings.transport} API token in the "
            "environment (it never goes in site.toml)"
        )
    from pipeline.send import services  # requests is imported only for a send over HTTP

    if settings.transport == "postmark":
        return services.PostmarkTransport(settings.api_url or POSTMARK_URL, token, wait)
    return services.ButtondownTransport(settings.api_url or BUTTONDOWN_URL, token, wait, test)


# --- SMTP ----------------------------------------------------------------------------------


class SmtpTransport:
    """SMTP with STARTTLS whenever offered (implicit TLS on port 465); AUTH only over TLS."""

    name, batch = "smtp", 1

    def __init__(self, settings: NewsletterSettings, root: Path, env: Mapping[str, str]) -> None:
        if not settings.smtp_host:
            raise ConfigError(
                f"{Path(root) / 'site.toml'}: [newsletter] has no 'smtp_host'; set it to your "
                'mail server, like smtp_host = "smtp.example.org" (and smtp_port)'
            )
        self.host = settings.smtp_host
        self.port = settings.smtp_port or 587
        self.user, self.password = env.get(USER, ""), env.get(PASSWORD, "")
        if bool(self.user) != bool(self.password):
            raise ConfigError(f"set both {USER} and {PASSWORD}, or neither (no AUTH)")
        self.ca_file = _ca_file(settings.smtp_ca_file, root)
        self.where = f"the SMTP server {self.host}:{self.port} ([newsletter] smtp_host, smtp_port)"
        self.conn: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect, start TLS, log in: every refusal is a ConfigError before anything is sent."""
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            if self.port == 465:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=TIMEOUT, context=context
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            self.conn = conn
            conn.ehlo()
            if self.port != 465:
                if conn.has_extn("starttls"):
                    conn.starttls(context=context)
                    conn.ehlo()
                elif self.user:
                    raise ConfigError(
                        f"{self.where} does not offer STARTTLS, and credentials are never sent "
                        f"without TLS; use its TLS port (465, or one with STARTTLS), or unset "
                        f"{USER} and {PASSWORD} for a server that needs no login"
                    )
            if self.user:
                conn.login(self.user, self.password)
        except ConfigError:
            self.close()
            raise
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise ConfigError(
                f"{self.where}: its certificate is not trusted ({exc.verify_message}); for a "
                "private CA set [newsletter] smtp_ca_file to its CA bundle"
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise ConfigError(
                f"{self.where} refused the login of {USER} ({exc.smtp_code} {said(exc.smtp_error)}"
                f"); check {USER} and {PASSWORD}"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise ConfigError(
                f"{self.where} offers no login (AUTH); unset {USER} and {PASSWORD}"
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise ConfigError(
                f"cannot reach {self.where} ({exc or type(exc).__name__}); check the settings, "
                "and that the server is up"
            ) from exc

    def hand_over(self, parcels: Sequence[Parcel]) -> list[Outcome]:
        assert self.conn is not None, "open() first"
        outcomes = []
        for parcel in parcels:
            sender = parseaddr(str(parcel.message["From"]))[1]
            try:
                self.conn.send_message(parcel.message, sender, [parcel.address])
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()), (0, b""))
                outcomes.append(Outcome(False, f"refused: {code} {said(reply)}"))
            except smtplib.SMTPDataError as exc:
                outcomes.append(Outcome(False, f"refused: {exc.smtp_code} {said(exc.smtp_error)}"))
            except smtplib.SMTPSenderRefused as exc:
                raise HandOverError(
                    f"{self.where} refuses the sender {exc.sender} ({exc.smtp_code} "
                    f"{said(exc.smtp_error)}); set [newsletter] from to an address it sends for",
                    certain=True,
                ) from exc
            except (OSError, smtplib.SMTPException) as exc:
                raise HandOverError(
                    f"the connection to {self.where} broke while handing over a message "
                    f"({exc or type(exc).__name__})",
                    certain=False,
                ) from exc
            else:
                outcomes.append(Outcome(True))
        return outcomes

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()


def _ca_file(name: str | None, root: Path) -> str | None:
    if not name:
        return None
    path = Path(name).expanduser()
    path = path if path.is_absolute() else Path(root) / path
    if not path.is_file():
        raise ConfigError(
            f"{Path(root) / 'site.toml'}: [newsletter] smtp_ca_file {str(path)!r} is not a file; "
            "give the CA bundle (PEM) of your server, relative to the show folder or absolute"
        )
    return str(path)


def said(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:200]
