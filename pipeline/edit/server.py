"""The preview server with the editor: the site as ``pipeline serve`` gives it, plus ``/edit/``.

Routes: ``/edit/`` (the episodes), ``/edit/<slug>/`` (the editor), ``/edit/static/<file>``
(its script and style, from the package) and ``/api/episodes/<slug>/transcript`` (GET and
PUT). It listens on 127.0.0.1 only. Every request to these routes must name this server in
``Host`` (a page elsewhere that points its own name at 127.0.0.1 gets 403); a write also
needs the token and, when the browser sends one, an ``Origin`` of this server.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from functools import partial
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from pipeline.edit import Editor, Refused
from pipeline.serve import RangeRequestHandler

HOST = "127.0.0.1"
STATIC = Path(__file__).resolve().parent / "static"
FILES = {"editor.js": "text/javascript", "editor.css": "text/css"}
API = re.compile(r"^/api/episodes/([^/]{1,200})/transcript$")
PAGE = re.compile(r"^/edit/([^/]{1,200})/(?:index\.html)?$")
MAX_BODY = 64 * 1024 * 1024  # the most a transcript.json may be
# The editor loads nothing from elsewhere and may not be framed by another page.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; media-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


class EditServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that carries the editor, its pages and its token."""

    editor: Editor
    token: str
    pages: SandboxedEnvironment

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self) -> str:
        """The address to open: the episodes to edit, with the token."""
        return f"http://{HOST}:{self.port}/edit/?token={self.token}"


class EditHandler(RangeRequestHandler):
    """The site's files as ``RangeRequestHandler`` serves them, and the editor's routes."""

    server: EditServer

    def do_GET(self) -> None:
        if not self._ours():
            super().do_GET()
            return
        try:
            self._allowed_host()
            self._get(urlsplit(self.path))
        except Refused as exc:
            self._send_json(exc.status, {"error": exc.message})

    def do_HEAD(self) -> None:
        if self._ours():
            self._send_json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use GET"})
            return
        super().do_HEAD()

    def do_PUT(self) -> None:
        try:
            self._allowed_host()
            match = API.match(urlsplit(self.path).path)
            if not match:
                raise Refused(405, "only /api/episodes/<slug>/transcript takes PUT")
            self._allowed_writer()
            raw = self._body()
            editor = self.server.editor
            saved = editor.save(match.group(1), raw, self.headers.get("If-Match"))
        except Refused as exc:
            self._send_json(exc.status, {"error": exc.message})
            return
        self._send_json(200, saved.as_json(match.group(1)), etag=saved.etag)

    def do_POST(self) -> None:
        self._send_json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use PUT to save"})

    do_DELETE = do_PATCH = do_POST

    # --- routes ---------------------------------------------------------------------------

    def _ours(self) -> bool:
        path = urlsplit(self.path).path
        return path == "/edit" or path.startswith(("/edit/", "/api/"))

    def _get(self, url: Any) -> None:
        path: str = url.path
        editor = self.server.editor
        if path in ("/edit", "/edit/", "/edit/index.html"):
            token = parse_qs(url.query).get("token", [""])[0]
            known = hmac.compare_digest(token.encode(), self.server.token.encode())
            self._send_page("index.html", slugs=editor.slugs(), token=token if known else "")
        elif path.startswith("/edit/static/"):
            self._send_static(path.removeprefix("/edit/static/"))
        elif match := PAGE.match(path):
            slug = match.group(1)
            editor.transcript_path(slug)  # 404 unless it is an episode
            self._send_page("editor.html", slug=slug, audio=editor.audio(slug))
        elif match := API.match(path):
            document, etag = editor.read(match.group(1))
            self._send_json(200, document, etag=etag)
        else:
            raise Refused(404, "no such page of the editor")

    # --- the guards -----------------------------------------------------------------------

    def _allowed_host(self) -> None:
        """Refuse a request made to another name (DNS rebinding): only this server's own."""
        if self.headers.get("Host", "") not in self._origins(scheme=""):
            raise Refused(403, "the editor answers only at 127.0.0.1 or localhost")

    def _allowed_writer(self) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self._origins(scheme="http://"):
            raise Refused(403, f"a write from another origin ({origin[:100]}) is refused")
        if self.headers.get("Sec-Fetch-Site") not in (None, "same-origin", "none"):
            raise Refused(403, "a write from another site is refused")
        given = self.headers.get("Authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.server.token.encode()
        ):
            raise Refused(
                403,
                "the token is missing or wrong: open the address `pipeline serve --edit` "
                "printed (it ends in ?token=...)",
            )

    def _origins(self, scheme: str) -> set[str]:
        port = self.server.port
        return {f"{scheme}{host}:{port}" for host in (HOST, "localhost")}

    def _body(self) -> bytes:
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            raise Refused(415, "send the transcript as Content-Type: application/json")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise Refused(411, "Content-Length is missing") from None
        if not 0 <= length <= MAX_BODY:
            raise Refused(413, f"the body is over {MAX_BODY // 2**20} MiB")
        return self.rfile.read(length)

    # --- answers --------------------------------------------------------------------------

    def _send_page(self, name: str, **context: Any) -> None:
        html = self.server.pages.get_template(name).render(**context).encode()
        self._send(200, html, "text/html; charset=utf-8")

    def _send_static(self, name: str) -> None:
        if name not in FILES:
            raise Refused(404, "no such file of the editor")
        self._send(200, (STATIC / name).read_bytes(), f"{FILES[name]}; charset=utf-8")

    def _send_json(self, status: int, value: Any, etag: str | None = None) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        self._send(int(status), data, "application/json; charset=utf-8", etag)

    def _send(self, status: int, data: bytes, kind: str, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", POLICY)
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def pages() -> SandboxedEnvironment:
    """The editor's templates: autoescaped, and an unknown name is an error."""
    return SandboxedEnvironment(
        loader=PackageLoader("pipeline.edit", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )


def make_server(
    folder: Path, editor: Editor, port: int = 8000, token: str | None = None
) -> EditServer:
    """The site in ``folder`` with the editor, on 127.0.0.1 only; port 0 picks a free port."""
    handler = partial(EditHandler, directory=str(folder))
    server = EditServer((HOST, port), handler)
    server.editor = editor
    server.token = token or secrets.token_urlsafe(32)
    server.pages = pages()
    return server
