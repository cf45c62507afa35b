"""Sending an issue: a host builds the show, then `pipeline send` hands the issue to a real SMTP
server on loopback (aiosmtpd) or to a recording HTTP server standing in for Postmark and
Buttondown, and never hands anyone the same issue twice."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline import build
from pipeline.cli import cli
from pipeline.errors import ConfigError
from pipeline.model import Recipient
from pipeline.send import SendReport, send_issue, subscribers
from pipeline.send.log import SendLog
from pipeline.send.services import ATTEMPTS
from tests.conftest import SITE_TOML
from tests.test_shorten import CHAPTERS, add_episode, speak

SECRET = "correct horse battery staple"
ISSUE = "2026-12-letter"
OLD_ISSUE = "2026-01-letter"
EPISODE = "2026-11-20-rain-gear"
SUBSCRIBERS = """\
email,name,unsubscribed
ada@example.org,Ada,
ben@example.org,Ben,no
cat@example.org,Cat,yes
not-an-address,Broken,
BEN@example.org,Ben again,
dan@example.org,Dan,
"""
LIST = ["ada@example.org", "ben@example.org", "dan@example.org"]
NEWSLETTER = """
[newsletter]
from = "Rain and Bikes <letters@rain.example.org>"
unsubscribe_url = "https://lists.example.org/unsubscribe?email={{email}}&token={{token}}"
subscribers = "private/subscribers.csv"
transport = "{transport}"
smtp_host = "127.0.0.1"
smtp_port = {port}
api_url = "{api_url}"
rate = 5
"""


class Stop(Exception):
    """Raised from a hook: the send is killed at a named point."""


def stop_at(point: str):
    def hook(name: str) -> None:
        if name == point:
            raise Stop(name)

    return hook


def send(root: Path, slug: str, **options) -> SendReport:
    """``send_issue`` with a wait that records instead of sleeping (unless the test passes one)."""
    options.setdefault("wait", lambda seconds: None)
    return send_issue(root, slug, **options)


def expected_token(address: str) -> str:
    digest = hmac.new(SECRET.encode(), address.lower().encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# --- the show ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A show with one episode and two issues, built once: the issue of today and an old one."""
    root = tmp_path_factory.mktemp("send") / "show"
    (root / "issues").mkdir(parents=True)
    (root / "site.toml").write_text(
        SITE_TOML + NEWSLETTER.format(transport="smtp", port=25, api_url="https://api.example.org")
    )
    add_episode(root, speak(CHAPTERS[:2]), slug=EPISODE, title="Rain gear", chapters=CHAPTERS[:2])
    today = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    (root / "issues" / f"{ISSUE}.md").write_text(
        f"---\ntitle: Fenders for winter\ndate: {today}\nsubject: Fenders, lights and locks\n"
        f"episodes: [{EPISODE}]\n---\nThis month we ride through the rain. Hear [[{EPISODE}]].\n"
    )
    (root / "issues" / f"{OLD_ISSUE}.md").write_text(
        "---\ntitle: The first letter\ndate: 2026-01-05\n---\nWelcome to the letter.\n"
    )
    report = build.build(root)
    assert report.problems.errors == []
    return root


@pytest.fixture
def show(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built show with the subscriber list and the secret; no SMTP login."""
    root = tmp_path / "show"
    shutil.copytree(built, root, symlinks=True)
    (root / "private").mkdir()
    (root / "private" / "subscribers.csv").write_text(SUBSCRIBERS)
    monkeypatch.setenv("PIPELINE_UNSUBSCRIBE_SECRET", SECRET)
    for name in ("PIPELINE_SMTP_USER", "PIPELINE_SMTP_PASSWORD", "PIPELINE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return root


def configure(
    root: Path, transport: str = "smtp", port: int = 25, api_url: str = "", extra: str = ""
) -> None:
    text = SITE_TOML + NEWSLETTER.format(
        transport=transport, port=port, api_url=api_url or "https://api.example.org"
    )
    (root / "site.toml").write_text(text + extra)


# --- a real SMTP server on loopback --------------------------------------------------------


@dataclass
class Mailbox:
    """What the SMTP server received, and every AUTH it was asked for."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)  # the user, and if over TLS

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), session.ssl is not None))
        ok = (auth_data.login, auth_data.password) == (b"host", b"s3cret")
        return AuthResult(success=ok, handled=False)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if rcpt == [address]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def smtp(show: Path, smtp_server: tuple[Mailbox, int]) -> Mailbox:
    box, port = smtp_server
    configure(show, port=port)
    return box


def log_lines(root: Path, slug: str = ISSUE) -> list[dict]:
    path = root / ".pipeline" / "sent" / f"{slug}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def per_recipient(box: Mailbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rcpt, _message in box.messages:
        for address in rcpt:
            counts[address] = counts.get(address, 0) + 1
    return counts


# --- SMTP: the story -----------------------------------------------------------------------


def test_the_list_gets_one_message_each_with_its_own_unsubscribe_link(show: Path, smtp: Mailbox):
    waits: list[float] = []
    report = send(show, ISSUE, wait=waits.append)

    assert sorted(per_recipient(smtp)) == LIST  # cat unsubscribed; BEN is ben
    assert len(waits) == 2 and all(0 < w <= 0.2 for w in waits)  # rate = 5 a second
    assert per_recipient(smtp) == dict.fromkeys(LIST, 1)
    assert report.sent == LIST and report.finished and report.unsubscribed == 1
    assert report.exit_status() == 0  # a malformed line is a warning: the rest went out
    csv = show / "private" / "subscribers.csv"
    warned = [(p.path, p.message) for p in report.problems.warnings]
    assert any(path == csv and "line 5" in m and "not-an-address" in m for path, m in warned)
    assert any(path == csv and "line 6" in m and "listed again" in m for path, m in warned)

    ids = set()
    for address in LIST:
        (message,) = smtp.to(address)
        assert message["To"].addresses[0].addr_spec == address
        assert message["Subject"] == "Fenders, lights and locks"
        assert message["From"].addresses[0].addr_spec == "letters@rain.example.org"
        assert message["Date"] and message["Message-ID"].endswith("@rain.example.org>")
        ids.add(message["Message-ID"])
        assert message.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in message.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        text, html = (p.get_content() for p in message.iter_parts())
        token = expected_token(address)
        url = f"https://lists.example.org/unsubscribe?email={address}&token={token}"
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith(f"<{url.replace('@', '%40')}>") or url in unsubscribe
        assert "mailto:letters@rain.example.org?subject=unsubscribe" in unsubscribe
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        page = f"https://rain.example.org/issues/{ISSUE}/"
        episode = f"https://rain.example.org/episodes/{EPISODE}/"
        assert page in text and page in html
        assert episode in text and episode in html
        assert token in text and token in html
        links = re.findall(r'href="([^"]+)"', html)
        assert links and all(link.startswith(("https://", "mailto:")) for link in links)
    assert len(ids) == 3  # a fresh Message-ID for every message

    lines = log_lines(show)
    sent = {line["address"]: line["message_id"] for line in lines if line["state"] == "sent"}
    assert sent == {a: m["Message-ID"] for a in LIST for m in smtp.to(a)}
    assert [line["state"] for line in lines][-1] == "finished"
    assert (show / ".pipeline" / "sent" / "README.txt").is_file()


def test_a_send_killed_after_a_recipient_and_run_again_sends_each_one_message(
    show: Path, smtp: Mailbox
):
    with pytest.raises(Stop):
        send(show, ISSUE, hook=stop_at("sent:1"))
    assert per_recipient(smtp) == {"ada@example.org": 1}

    again = send(show, ISSUE)
    assert again.already == ["ada@example.org"]
    assert again.sent == ["ben@example.org", "dan@example.org"]
    assert per_recipient(smtp) == dict.fromkeys(LIST, 1)
    assert again.finished and again.exit_status() == 0


def test_an_interrupted_hand_over_is_in_doubt_and_only_force_sends_it_again(
    show: Path, smtp: Mailbox
):
    # Killed after the server took ben's message, before the log said so.
    with pytest.raises(Stop):
        send(show, ISSUE, hook=stop_at("handed-over:2"))
    assert per_recipient(smtp) == {"ada@example.org": 1, "ben@example.org": 1}

    again = send(show, ISSUE)
    assert again.in_doubt == ["ben@example.org"]
    assert again.sent == ["dan@example.org"]
    assert per_recipient(smtp) == dict.fromkeys(LIST, 1)  # one each, in total
    assert not again.finished and again.exit_status() == 1
    (doubt,) = again.problems.errors
    assert "ben@example.org: in doubt" in doubt.message and "--force" in doubt.message

    forced = send(show, ISSUE, force=True)
    assert forced.sent == ["ben@example.org"] and forced.finished
    assert per_recipient(smtp)["ben@example.org"] == 2


def test_a_finished_issue_is_not_sent_again_without_force(show: Path, smtp: Mailbox):
    send(show, ISSUE)
    with pytest.raises(ConfigError, match=r"sent to the whole list already.*--force"):
        send(show, ISSUE)
    assert len(smtp.messages) == 3
    again = send(show, ISSUE, force=True)
    assert again.sent == LIST and per_recipient(smtp) == dict.fromkeys(LIST, 2)


def test_a_dry_run_sends_nothing_and_writes_no_log(show: Path, smtp: Mailbox):
    report = send(show, ISSUE, dry_run=True)
    assert report.planned == LIST and report.subject == "Fenders, lights and locks"
    assert smtp.messages == [] and report.sent == []
    assert not (show / ".pipeline" / "sent" / f"{ISSUE}.jsonl").exists()


def test_to_sends_a_test_to_those_addresses_only(show: Path, smtp: Mailbox):
    report = send(show, ISSUE, to=["host@example.org", "HOST@example.org"])
    assert report.sent == ["host@example.org"]
    ((rcpt, message),) = smtp.messages
    assert rcpt == ["host@example.org"]
    assert message["Subject"] == "[Test] Fenders, lights and locks"
    assert not (show / ".pipeline" / "sent" / f"{ISSUE}.jsonl").exists()
    assert send(show, ISSUE).sent == LIST  # the list still gets it


def test_the_command_line_says_what_went_out(show: Path, smtp: Mailbox):
    toml = show / "site.toml"
    toml.write_text(toml.read_text().replace("rate = 5", "rate = 1000000"))  # no real pause
    runner = CliRunner()
    dry = runner.invoke(cli, ["send", ISSUE, "--root", str(show), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "to 3 recipients:" in dry.output and "  dan@example.org" in dry.output
    assert "Dry run: nothing was sent." in dry.output
    sent = runner.invoke(cli, ["send", ISSUE, "--root", str(show), "-q"])
    assert sent.exit_code == 0, sent.output
    assert "Sent 2026-12-letter to 3 recipients by smtp" in sent.output
    assert "the whole list has it now" in sent.output
    again = runner.invoke(cli, ["send", ISSUE, "--root", str(show)])
    assert again.exit_code == 2 and "--force" in again.output


def test_a_recipient_the_server_refuses_is_reported_and_tried_again_next_time(
    show: Path, smtp_server: tuple[Mailbox, int]
):
    box, port = smtp_server
    configure(show, port=port)
    csv = show / "private" / "subscribers.csv"
    csv.write_text(SUBSCRIBERS + "gone@example.org,Gone,\n")

    async def handle_RCPT(server, session, envelope, address, options):
        if address == "gone@example.org":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    box.handle_RCPT = handle_RCPT  # type: ignore[attr-defined]
    report = send(show, ISSUE)
    assert report.sent == LIST and report.failed == ["gone@example.org"]
    assert not report.finished and report.exit_status() == 1
    (error,) = report.problems.errors
    assert "gone@example.org: not sent: refused: 550" in error.message
    again = send(show, ISSUE)
    assert again.already == LIST and again.failed == ["gone@example.org"]
    assert per_recipient(box) == dict.fromkeys(LIST, 1)


def test_a_list_send_needs_the_unsubscribe_secret_and_a_test_does_not(
    show: Path, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("PIPELINE_UNSUBSCRIBE_SECRET")
    with pytest.raises(ConfigError, match="PIPELINE_UNSUBSCRIBE_SECRET"):
        send(show, ISSUE)
    assert smtp.messages == []
    send(show, ISSUE, to=["host@example.org"])
    assert "token=preview" in smtp.messages[0][1]["List-Unsubscribe"]


def test_an_old_issue_with_no_log_is_sent_only_with_force(show: Path, smtp: Mailbox):
    with pytest.raises(ConfigError, match=r"over a day ago.*--force"):
        send(show, OLD_ISSUE)
    assert smtp.messages == []
    assert send(show, OLD_ISSUE, force=True).sent == LIST


def test_an_issue_edited_since_the_build_is_refused(show: Path, smtp: Mailbox):
    path = show / "issues" / f"{ISSUE}.md"
    path.write_text(path.read_text().replace("ride through the rain", "ride in the rain"))
    with pytest.raises(ConfigError, match="body changed since the last build"):
        send(show, ISSUE)
    with pytest.raises(ConfigError, match="not an issue"):
        send(show, "no-such-issue")


def test_a_subscriber_file_outside_the_show_is_refused(show: Path, smtp: Mailbox, tmp_path: Path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(SUBSCRIBERS)
    (show / "private" / "subscribers.csv").unlink()
    (show / "private" / "subscribers.csv").symlink_to(outside)
    with pytest.raises(ConfigError, match="outside the show folder"):
        send(show, ISSUE)
    assert smtp.messages == []


def test_an_unreachable_server_is_a_clear_error_before_anything_is_sent(show: Path):
    configure(show, port=free_port())
    with pytest.raises(ConfigError, match=r"cannot reach the SMTP server 127\.0\.0\.1"):
        send(show, ISSUE)
    assert not (show / ".pipeline" / "sent" / f"{ISSUE}.jsonl").exists()


# --- SMTP: TLS and credentials -------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), as the server's and the CA."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed; it makes the test's certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def start_server(box: Mailbox, **options) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=box.authenticate, **options
    )
    controller.start()
    return controller, port


def test_credentials_are_never_sent_to_a_server_without_tls(
    show: Path, monkeypatch: pytest.MonkeyPatch
):
    box = Mailbox()
    # The server would even take a login in the clear: the pipeline must not offer one.
    controller, port = start_server(box, auth_require_tls=False)
    try:
        configure(show, port=port)
        monkeypatch.setenv("PIPELINE_SMTP_USER", "host")
        monkeypatch.setenv("PIPELINE_SMTP_PASSWORD", "s3cret")
        with pytest.raises(ConfigError, match=r"does not offer STARTTLS.*never sent without TLS"):
            send(show, ISSUE)
    finally:
        controller.stop()
    assert box.logins == [] and box.messages == []
    assert not (show / ".pipeline" / "sent" / f"{ISSUE}.jsonl").exists()


def test_starttls_with_a_private_ca_carries_the_login_and_the_mail(
    show: Path, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    controller, port = start_server(box, tls_context=context, require_starttls=True)
    try:
        monkeypatch.setenv("PIPELINE_SMTP_USER", "host")
        monkeypatch.setenv("PIPELINE_SMTP_PASSWORD", "s3cret")
        configure(show, port=port)
        with pytest.raises(ConfigError, match=r"not trusted.*smtp_ca_file"):
            send(show, ISSUE)
        shutil.copy(cert, show / "private" / "ca.pem")
        configure(show, port=port, extra='smtp_ca_file = "private/ca.pem"\n')
        report = send(show, ISSUE)
        assert report.sent == LIST
        monkeypatch.setenv("PIPELINE_SMTP_PASSWORD", "wrong")
        with pytest.raises(ConfigError, match="refused the login"):
            send(show, ISSUE, to=["host@example.org"])
    finally:
        controller.stop()
    assert box.logins and all(login == ("host", True) for login in box.logins)
    assert sorted(per_recipient(box)) == LIST


# --- HTTP services -------------------------------------------------------------------------


def postmark_results(request: Request) -> Response:
    sent = request.get_json()
    results = [{"ErrorCode": 0, "Message": "OK", "MessageID": f"pm-{i}", "To": m["To"]}
               for i, m in enumerate(sent)]  # fmt: skip
    return Response(json.dumps(results), status=200, content_type="application/json")


def test_postmark_gets_one_batch_and_a_429_is_tried_again_after_retry_after(
    show: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PIPELINE_API_TOKEN", "pm-token")
    configure(show, "postmark", api_url=httpserver.url_for("/"))
    httpserver.expect_request("/server", method="GET").respond_with_json({"Name": "Rain"})
    httpserver.expect_oneshot_request("/email/batch", method="POST").respond_with_json(
        {"ErrorCode": 429, "Message": "Rate limit"}, status=429, headers={"Retry-After": "3"}
    )  # the first call; the next ones reach the handler below
    httpserver.expect_request("/email/batch", method="POST").respond_with_handler(postmark_results)
    waits: list[float] = []
    report = send(show, ISSUE, wait=waits.append)

    assert report.sent == LIST and report.finished
    assert waits == [3.0]  # Retry-After, honoured; no pause was needed for the rate
    batches = [r for r, _ in httpserver.log if r.path == "/email/batch"]
    assert len(batches) == 2 and batches[0].get_data() == batches[1].get_data()
    request = batches[1]
    assert request.headers["X-Postmark-Server-Token"] == "pm-token"
    messages = request.get_json()
    assert [m["To"] for m in messages] == LIST
    for message in messages:
        assert message["Subject"] == "Fenders, lights and locks"
        assert message["From"] == "Rain and Bikes <letters@rain.example.org>"
        assert message["MessageStream"] == "broadcast"
        assert f"https://rain.example.org/issues/{ISSUE}/" in message["TextBody"]
        assert message["HtmlBody"].lstrip().lower().startswith("<!doctype html>")
        headers = {h["Name"]: h["Value"] for h in message["Headers"]}
        assert expected_token(message["To"]) in headers["List-Unsubscribe"]
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert headers["Message-ID"].endswith("@rain.example.org>")
    sent = [line for line in log_lines(show) if line["state"] == "sent"]
    assert [line["service_id"] for line in sent] == ["pm-0", "pm-1", "pm-2"]


def test_postmark_that_keeps_failing_stops_the_send_with_a_clear_error(
    show: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PIPELINE_API_TOKEN", "pm-token")
    configure(show, "postmark", api_url=httpserver.url_for("/"))
    httpserver.expect_request("/server").respond_with_json({"Name": "Rain"})
    httpserver.expect_request("/email/batch").respond_with_data("down", status=503)
    waits: list[float] = []
    report = send(show, ISSUE, wait=waits.append)

    assert waits == [1.0, 2.0, 4.0, 8.0]  # exponential backoff, then it gives up
    assert len([r for r, _ in httpserver.log if r.path == "/email/batch"]) == ATTEMPTS
    assert report.sent == [] and report.failed == LIST and report.exit_status() == 1
    (error,) = report.problems.errors
    assert "HTTP 503 5 times" in error.message and "run the same command again" in error.message
    assert {line["state"] for line in log_lines(show)} == {"handing-over", "failed"}


def test_a_refused_api_token_is_a_clear_error_before_anything_is_sent(
    show: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PIPELINE_API_TOKEN", "wrong")
    configure(show, "postmark", api_url=httpserver.url_for("/"))
    httpserver.expect_request("/server").respond_with_json({"Message": "no"}, status=401)
    with pytest.raises(ConfigError, match="refused PIPELINE_API_TOKEN"):
        send(show, ISSUE)
    assert [r.path for r, _ in httpserver.log] == ["/server"]


def test_buttondown_gets_the_whole_issue_in_one_call(
    show: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PIPELINE_API_TOKEN", "bd-token")
    monkeypatch.delenv("PIPELINE_UNSUBSCRIBE_SECRET")  # Buttondown holds the list and tokens
    (show / "private" / "subscribers.csv").unlink()  # and keeps no subscriber file here
    configure(show, "buttondown", api_url=httpserver.url_for("/"))
    httpserver.expect_ordered_request("/v1/emails", method="POST").respond_with_data(
        "busy", status=503
    )
    httpserver.expect_ordered_request("/v1/emails", method="POST").respond_with_json(
        {"id": "em-1"}, status=201
    )
    waits: list[float] = []
    report = send(show, ISSUE, wait=waits.append)

    assert report.finished and waits == [1.0]
    request = httpserver.log[-1][0]
    assert request.headers["Authorization"] == "Token bd-token"
    body = request.get_json()
    assert body["subject"] == "Fenders, lights and locks"
    assert body["status"] == "about_to_send"
    assert f"https://rain.example.org/issues/{ISSUE}/" in body["body"]
    assert "lists.example.org/unsubscribe" not in body["body"]  # Buttondown adds its own
    states = [(line["state"], line.get("service_id")) for line in log_lines(show)]
    assert states == [("handing-over", None), ("sent", "em-1"), ("finished", None)]
    with pytest.raises(ConfigError, match="--force"):
        send(show, ISSUE)


def test_a_buttondown_test_is_a_draft_sent_to_the_given_addresses(
    show: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PIPELINE_API_TOKEN", "bd-token")
    configure(show, "buttondown", api_url=httpserver.url_for("/"))
    httpserver.expect_request("/v1/emails", method="POST").respond_with_json(
        {"id": "em-2"}, status=201
    )
    httpserver.expect_request("/v1/emails/em-2/send-draft", method="POST").respond_with_data(
        "", status=200
    )
    send(show, ISSUE, to=["host@example.org"])
    (create, _), (draft, _) = httpserver.log
    assert create.get_json()["status"] == "draft"
    assert create.get_json()["subject"] == "[Test] Fenders, lights and locks"
    assert draft.get_json() == {"recipients": ["host@example.org"]}


# --- the log and the list, on their own ----------------------------------------------------


def test_the_log_tells_done_from_in_doubt_and_survives_a_torn_line(tmp_path: Path):
    from pipeline.send.log import FINISHED, HANDING_OVER, SENT, Entry

    log = SendLog(tmp_path, "issue")
    log.append(Entry(HANDING_OVER, "t1", "A@example.org", "<1@x>"))
    log.append(Entry(SENT, "t2", "A@example.org", "<1@x>"))
    log.append(Entry(HANDING_OVER, "t3", "b@example.org", "<2@x>"))
    with open(log.path, "a") as f:
        f.write('{"state": "sent", "addr')  # a crash in the middle of a line
    log.append(Entry(HANDING_OVER, "t4", "c@example.org", "<3@x>"))
    now = log.read()
    assert now.state_of("a@example.org") == SENT
    assert now.addresses(HANDING_OVER) == ["b@example.org", "c@example.org"]
    assert now.unreadable == [4] and now.finished is None
    log.append(Entry(FINISHED, "t5"))
    assert log.read().finished is not None and log.read().last == {}


def test_the_token_is_hmac_sha256_of_the_lower_cased_address_base64url():
    assert subscribers.token("Ada@Example.org", SECRET) == expected_token("ada@example.org")
    assert "=" not in subscribers.token("ada@example.org", SECRET)
    tokens = subscribers.with_tokens((Recipient("ada@example.org"),), None)
    assert tokens[0].token == "preview"


@pytest.mark.parametrize(
    "address",
    ["ada@example.org", "first.last+tag@mail.example.co.uk"],
)
def test_valid_addresses(address: str):
    assert subscribers.valid_address(address)


@pytest.mark.parametrize(
    "address",
    ["", "ada", "ada@", "@example.org", "ada@example", "Ada <ada@example.org>", "a b@example.org",
     "ada@example.org\nBcc: x@example.org", "ada@@example.org"],
)  # fmt: skip
def test_malformed_addresses(address: str):
    assert not subscribers.valid_address(address)
