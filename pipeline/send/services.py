"""The HTTP services: Postmark (one call per batch) and Buttondown (one call per issue).

Requests go out with ``requests``; an answer of 429 or 5xx is tried again after a growing
pause (what ``Retry-After`` says, else 1, 2, 4, 8 s) through the injected ``wait``, up to
``ATTEMPTS`` tries, and then the send stops with a clear error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.exceptions import ConnectTimeout
from urllib3.exceptions import NameResolutionError, NewConnectionError

from pipeline.errors import ConfigError
from pipeline.send.transports import (
    API_TOKEN,
    TIMEOUT,
    HandOverError,
    Outcome,
    Parcel,
    Wait,
    said,
)

ATTEMPTS = 5  # tries of one HTTP request answered 429 or 5xx, waiting longer each time
MAX_WAIT = 600.0  # seconds: a service that asks for a longer pause is tried again later
POSTMARK_BATCH = 50  # messages in one /email/batch call (Postmark takes up to 500)
# Headers the HTTP services set from their own fields; the rest travel as they are.
OWN_FIELDS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "reply-to", "date", "mime-version", "content-type"}
    | {"content-transfer-encoding"}
)


class PostmarkTransport:
    """Postmark: ``POST /email/batch`` on the broadcast stream, the server token in a header."""

    name, batch = "postmark", POSTMARK_BATCH

    def __init__(self, base: str, token: str, wait: Wait) -> None:
        self.http = Http(base, {"X-Postmark-Server-Token": token}, wait, "Postmark", API_TOKEN)

    def open(self) -> None:
        """Check the token with ``GET /server`` before anything is sent."""
        self.http.check("/server")

    def hand_over(self, parcels: Sequence[Parcel]) -> list[Outcome]:
        body = [_postmark_message(p) for p in parcels]
        answer = self.http.post("/email/batch", body)
        if not isinstance(answer, list) or len(answer) != len(parcels):
            raise HandOverError(
                f"Postmark answered /email/batch with {_short(answer)}, not one result per "
                "message; check the account's activity before sending again",
                certain=False,
            )
        outcomes = []
        for result in answer:
            result = result if isinstance(result, dict) else {}
            code = result.get("ErrorCode")
            if code == 0:
                outcomes.append(Outcome(True, service_id=str(result.get("MessageID", ""))))
            else:
                outcomes.append(Outcome(False, f"Postmark error {code}: {result.get('Message')}"))
        return outcomes

    def close(self) -> None:
        self.http.close()


def _postmark_message(parcel: Parcel) -> dict[str, Any]:
    message = parcel.message
    doc: dict[str, Any] = {
        "From": str(message["From"]),
        "To": parcel.address,
        "Subject": str(message["Subject"]),
        "TextBody": _body(message, "plain"),
        "HtmlBody": _body(message, "html"),
        "MessageStream": "broadcast",
        "Headers": [
            {"Name": name, "Value": str(value)}
            for name, value in message.items()
            if name.lower() not in OWN_FIELDS
        ],
    }
    if message["Reply-To"]:
        doc["ReplyTo"] = str(message["Reply-To"])
    return doc


class ButtondownTransport:
    """Buttondown holds the list: one ``POST /v1/emails`` hands it the whole issue.

    A test (``--to``) is a draft sent only to the given addresses with ``send-draft``.
    """

    name, batch = "buttondown", 1_000_000

    def __init__(self, base: str, token: str, wait: Wait, test: bool = False) -> None:
        self.http = Http(base, {"Authorization": f"Token {token}"}, wait, "Buttondown", API_TOKEN)
        self.test = test

    def open(self) -> None:
        pass  # one call: a refused token refuses it, and nothing has left

    def hand_over(self, parcels: Sequence[Parcel]) -> list[Outcome]:
        message = parcels[0].message
        body = {
            "subject": str(message["Subject"]),
            "body": _body(message, "html"),
            "status": "draft" if self.test else "about_to_send",
        }
        answer = self.http.post("/v1/emails", body)
        service_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        if self.test:
            if not service_id:
                raise HandOverError(
                    f"Buttondown answered with no draft id ({_short(answer)})", certain=True
                )
            recipients = [p.address for p in parcels]
            self.http.post(f"/v1/emails/{service_id}/send-draft", {"recipients": recipients})
        return [Outcome(True, service_id=service_id) for _ in parcels]

    def close(self) -> None:
        self.http.close()


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    return "" if part is None else str(part.get_content())  # type: ignore[attr-defined]


def _short(value: object) -> str:
    return json.dumps(value)[:200] if value is not None else "nothing"


class Http:
    """JSON over HTTPS with retries: 429 and 5xx are tried again after a growing pause."""

    def __init__(self, base: str, headers: dict[str, str], wait: Wait, service: str, secret: str):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", **headers})
        self.wait, self.service, self.secret = wait, service, secret

    def check(self, path: str) -> None:
        """A GET that must succeed before anything is sent; ConfigError when it does not."""
        try:
            self._request("GET", path, None)
        except HandOverError as exc:
            raise ConfigError(str(exc)) from exc

    def post(self, path: str, body: Any) -> Any:
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: Any) -> Any:
        url = f"{self.base}{path}"
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer = self.session.request(method, url, json=body, timeout=TIMEOUT)
            except requests.RequestException as exc:
                raise HandOverError(
                    f"cannot reach {self.service} at {url} ({type(exc).__name__}); check "
                    "[newsletter] api_url and the network",
                    certain=_never_sent(exc),
                ) from exc
            status = answer.status_code
            if status == 429 or status >= 500:
                pause = _pause(attempt, answer.headers.get("Retry-After"))
                if attempt == ATTEMPTS or pause > MAX_WAIT:
                    raise HandOverError(
                        f"{self.service} answered {url} with HTTP {status} {attempt} times "
                        f"(last: {said(answer.text)}); nothing more was sent: run again later",
                        certain=True,
                    )
                self.wait(pause)
                continue
            if status in (401, 403):
                raise ConfigError(
                    f"{self.service} refused {self.secret} (HTTP {status} from {url}); check the "
                    "token, and [newsletter] api_url"
                )
            if status >= 400:
                raise HandOverError(
                    f"{self.service} refused the request to {url} (HTTP {status}: "
                    f"{said(answer.text)})",
                    certain=True,
                )
            try:
                return answer.json()
            except ValueError:
                return None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.session.close()


def _pause(attempt: int, retry_after: str | None) -> float:
    """Seconds before try ``attempt + 1``: what Retry-After says, else 1, 2, 4, 8 s."""
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(retry_after)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            pass
    return float(2 ** (attempt - 1))


def _never_sent(exc: BaseException) -> bool:
    """Whether a failed request never reached the service (no connection was made)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectTimeout | NewConnectionError | NameResolutionError):
            return True
        reason = getattr(item, "reason", None)
        todo += [
            item.__cause__,
            item.__context__,
            reason if isinstance(reason, BaseException) else None,
        ]
        todo += [a for a in item.args if isinstance(a, BaseException)]
    return False
