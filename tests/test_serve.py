"""`pipeline serve`: HEAD and byte ranges (206), which Apple requires and players need to seek."""

from __future__ import annotations

import threading
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.serve import make_server


@pytest.fixture
def served(tmp_path):
    (tmp_path / "episodes" / "a").mkdir(parents=True)
    (tmp_path / "episodes" / "a" / "a.mp3").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "index.html").write_text("<h1>Show</h1>")
    server = make_server(tmp_path, port=0)
    # A short poll interval: shutdown() waits for the loop to look, 0.5 s by default.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/"
    server.shutdown()
    server.server_close()


def fetch(url, method="GET", headers=None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_head_gives_length_without_body(served):
    status, headers, body = fetch(served + "episodes/a/a.mp3", "HEAD")
    assert status == 200
    assert headers["Content-Length"] == "10240"
    assert headers["Content-Type"] == "audio/mpeg"
    assert headers["Accept-Ranges"] == "bytes"
    assert body == b""


@pytest.mark.parametrize(
    ("header", "content_range", "expected"),
    [
        ("bytes=0-1", "bytes 0-1/10240", bytes([0, 1])),
        ("bytes=10238-", "bytes 10238-10239/10240", bytes([254, 255])),
        ("bytes=-3", "bytes 10237-10239/10240", bytes([253, 254, 255])),
        ("bytes=300-99999", "bytes 300-10239/10240", (bytes(range(256)) * 40)[300:]),
    ],
)
def test_byte_ranges(served, header, content_range, expected):
    status, headers, body = fetch(served + "episodes/a/a.mp3", headers={"Range": header})
    assert status == 206
    assert headers["Content-Range"] == content_range
    assert headers["Content-Length"] == str(len(expected))
    assert body == expected


def test_unsatisfiable_range(served):
    status, headers, _ = fetch(served + "episodes/a/a.mp3", headers={"Range": "bytes=20000-"})
    assert status == 416
    assert headers["Content-Range"] == "bytes */10240"


def test_pages_and_missing_files(served):
    assert fetch(served)[2] == b"<h1>Show</h1>"
    assert fetch(served + "nope.mp3")[0] == 404


def test_serve_refuses_a_folder_that_holds_no_build(show: Path, tmp_path: Path):
    (tmp_path / "home").mkdir()
    result = CliRunner().invoke(
        cli, ["serve", "--root", str(show), "--out", str(tmp_path / "home"), "--port", "0"]
    )
    assert result.exit_code == 2
    assert "holds no build (no index.html and podcast.xml)" in result.stderr
