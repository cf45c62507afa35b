"""`pipeline serve --edit`: a host corrects a transcript through the editor's API, and no build
loses the correction.

A half-minute episode (generated tones, with the transcript Whisper would give, so no Whisper
runs) is built once; each test gets its own copy of the built show, served with the editor on
a free port, and talks to it as the editor's page (or a script) does. The editor in a real
browser is in ``tests/test_edit_browser.py``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from pipeline import build, state
from pipeline.edit import Editor
from pipeline.edit.server import EditServer, make_server
from pipeline.errors import LockedError
from pipeline.transcribe import store
from tests.conftest import SITE_TOML
from tests.test_shorten import CHAPTERS, add_episode, speak

SLUG = "2026-09-03-rain-gear"
SHORT = CHAPTERS[:2]  # 8 sentences: about 25 s of words and pauses
TOKEN = "test-token-" + "x" * 32
TIMEOUT = 30.0  # seconds the served command may take to start on a slow machine


def make_show(root: Path) -> Path:
    """A built show whose transcript has two unnamed speakers and one doubtful word."""
    (root / "episodes").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML)
    folder = add_episode(root, speak(SHORT), slug=SLUG, chapters=SHORT)
    path = folder / "transcript.json"
    t = store.read(path)
    assert t is not None
    speakers = [f"SPEAKER_{i % 2}" for i in range(len(t.segments))]
    segments = tuple(replace(s, speaker=n) for s, n in zip(t.segments, speakers, strict=True))
    words = tuple(replace(w, probability=0.3) if k == 1 else w for k, w in enumerate(t.words))
    store.write(path, replace(t, segments=segments, words=words))
    report = build.build(root)
    assert not report.problems.errors, [p.message for p in report.problems.errors]
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_show(tmp_path_factory.mktemp("edit") / "show")


@dataclass
class Served:
    root: Path
    url: str  # http://127.0.0.1:PORT/
    server: EditServer

    @property
    def transcript(self) -> Path:
        return self.root / "episodes" / SLUG / "transcript.json"

    @property
    def api(self) -> str:
        return f"{self.url}api/episodes/{SLUG}/transcript"

    def page(self) -> str:
        return (self.root / "feeds" / "episodes" / SLUG / "index.html").read_text()


def serve_editor(root: Path, editor: Editor) -> Iterator[Served]:
    server = make_server(root / "feeds", editor, port=0, token=TOKEN)
    # A short poll interval: shutdown() waits for the loop to look, 0.5 s by default.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield Served(root, f"http://127.0.0.1:{server.port}/", server)
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def served(built: Path, tmp_path: Path) -> Iterator[Served]:
    """A copy of the built show, served with the editor; saving rebuilds it."""
    root = tmp_path / "show"
    shutil.copytree(built, root)
    yield from serve_editor(root, Editor(root, root / "feeds", build=build.build))


def fetch(
    url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, Any]:
    """Status, headers and the body (JSON read when it is JSON)."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            status, head, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, raw = error.code, error.headers, error.read()
    if head.get("Content-Type", "").startswith("application/json"):
        return status, head, json.loads(raw)
    return status, head, raw


def write_headers(etag: str, token: str = TOKEN, **more: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "If-Match": etag, **more}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def read(served: Served) -> tuple[dict[str, Any], str]:
    status, headers, doc = fetch(served.api)
    assert status == 200, doc
    return doc, headers["ETag"]


def test_a_read_gives_each_segment_with_its_words_and_an_etag(served: Served):
    doc, etag = read(served)
    assert etag == f'"{hashlib.sha256(served.transcript.read_bytes()).hexdigest()}"'
    t = store.read(served.transcript)
    assert t is not None
    assert [s["text"] for s in doc["segments"]] == [s.text for s in t.segments]
    assert doc["segments"][0]["speaker"] == "SPEAKER_0"
    assert doc["segments"][1]["speaker"] == "SPEAKER_1"
    words = [w for s in doc["segments"] for w in s["words"]]
    assert [w["text"] for w in words] == [w.text for w in t.words]
    assert words[1]["probability"] == 0.3
    assert set(words[0]) == {"text", "start", "end", "probability"}
    assert doc["corrected"] is False and doc["doubt"] == 0.6
    assert doc["audio"] == f"/episodes/{SLUG}/{SLUG}.mp3"
    status, headers, _ = fetch(served.url + doc["audio"].lstrip("/"), "HEAD")
    assert status == 200 and headers["Content-Type"] == "audio/mpeg"


def test_a_save_is_kept_by_the_file_the_page_and_every_later_build(served: Served):
    doc, etag = read(served)
    before = store.read(served.transcript)
    assert before is not None and not before.edited
    segments = doc["segments"]
    segments[2]["text"] = "Um, so the long fenders keep Rufus dry all winter."
    for s in segments:
        if s["speaker"] == "SPEAKER_1":
            s["speaker"] = "Ben"
    status, headers, result = fetch(served.api, "PUT", {"segments": segments}, write_headers(etag))
    assert status == 200, result
    assert result["changed"] and result["rebuilt"], result
    assert result["problems"] == []
    assert headers["ETag"] == result["etag"] != etag
    assert result["etag"] == f'"{hashlib.sha256(served.transcript.read_bytes()).hexdigest()}"'

    after = store.read(served.transcript)
    assert after is not None and after.edited  # corrected: no build transcribes it again
    assert after.segments[2].text == segments[2]["text"]
    assert [s.speaker for s in after.segments[1::2]] == ["Ben"] * len(after.segments[1::2])
    assert [(w.text, w.start, w.end, w.probability) for w in after.words] == [
        (w.text, w.start, w.end, w.probability) for w in before.words
    ]  # the words as heard, for alignment
    assert "keep Rufus dry all winter" in served.page()
    assert "Ben" in served.page()

    report = build.build(served.root)
    assert not report.problems.errors
    assert store.read(served.transcript) == after
    assert "keep Rufus dry all winter" in served.page()
    again, _ = read(served)
    assert again["corrected"] is True


def test_a_stale_version_is_refused_and_the_file_kept(served: Served):
    doc, etag = read(served)
    doc["segments"][0]["text"] = "First fix."
    status, _, result = fetch(served.api, "PUT", {"segments": doc["segments"]}, write_headers(etag))
    assert status == 200, result
    saved = served.transcript.read_bytes()
    doc["segments"][0]["text"] = "A fix made on the old version."
    status, _, refused = fetch(
        served.api, "PUT", {"segments": doc["segments"]}, write_headers(etag)
    )
    assert status == 412
    assert "changed on disk since the editor loaded it" in refused["error"]
    assert served.transcript.read_bytes() == saved


def test_a_file_changed_by_hand_meanwhile_is_not_overwritten(served: Served):
    doc, etag = read(served)
    by_hand = served.transcript.read_text().replace("Welcome back", "Welcome home", 1)
    served.transcript.write_text(by_hand)
    doc["segments"][0]["text"] = "Mine."
    status, _, _ = fetch(served.api, "PUT", {"segments": doc["segments"]}, write_headers(etag))
    assert status == 412
    assert served.transcript.read_text() == by_hand


@pytest.mark.parametrize(
    "headers",
    [
        {"token": ""},
        {"token": "wrong"},
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:1"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Host": "evil.example"},
    ],
    ids=["no-token", "wrong-token", "foreign-origin", "other-port", "cross-site", "other-host"],
)
def test_a_write_without_the_token_or_from_elsewhere_is_refused(served: Served, headers):
    doc, etag = read(served)
    doc["segments"][0]["text"] = "Written from elsewhere."
    before = served.transcript.read_bytes()
    sent = write_headers(etag, **headers)
    status, _, refused = fetch(served.api, "PUT", {"segments": doc["segments"]}, sent)
    assert status == 403, refused
    assert served.transcript.read_bytes() == before


def test_the_servers_own_origin_may_write(served: Served):
    doc, etag = read(served)
    doc["segments"][0]["text"] = "From the editor's page."
    origin = served.url.rstrip("/").replace("127.0.0.1", "localhost")
    sent = write_headers(etag, Origin=origin, **{"Sec-Fetch-Site": "same-origin"})
    status, _, result = fetch(served.api, "PUT", {"segments": doc["segments"]}, sent)
    assert status == 200, result


@pytest.mark.parametrize(
    "path",
    [
        "api/episodes/2026-01-01-nothing/transcript",
        "api/episodes/..%2F..%2Fsite.toml/transcript",
        "api/episodes/Not-A-Slug/transcript",
        "edit/2026-01-01-nothing/",
        "edit/nothing.js",
    ],
)
def test_a_slug_that_is_not_an_episode_gives_404(served: Served, path: str):
    status, _, answer = fetch(served.url + path)
    assert status == 404, answer
    _, etag = read(served)
    status, _, _ = fetch(served.url + path, "PUT", {"segments": []}, write_headers(etag))
    assert status in (404, 405)


def changed(doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    doc["segments"][0].update(fields)
    return doc


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not JSON"),
        (b'{"segments": [{"start": NaN}]}', "NaN"),
        (b"[]", "one JSON object"),
        ({"segments": "all"}, "must be a list"),
        ({"segments": []}, "neither adds nor removes"),
        ({"segment": []}, "unknown key"),
        ("first", "unknown key"),
        ("start-after-end", "after its end"),
        ("times", "times stay as transcribed"),
        ("line-break", "U+000A"),
        ("bidi-override", "U+202E"),
        ("speaker-number", "must be a name"),
        ("text-number", "must be text"),
        ("too-long", "at most"),
        ("bool-time", "must be a number"),
        ("bad-word", "probability"),
        ("other-slug", "slug is"),
    ],
)
def test_a_body_that_is_not_a_transcript_is_refused_with_the_reason(served: Served, body, says):
    doc, etag = read(served)
    first = doc["segments"][0]
    bodies = {
        "first": changed(doc, first=True),
        "start-after-end": changed(doc, start=first["end"] + 1),
        "times": changed(doc, start=first["start"] + 0.5),
        "line-break": changed(doc, text="two\nlines"),
        "bidi-override": changed(doc, speaker="Ada \u202eneB"),
        "speaker-number": changed(doc, speaker=7),
        "text-number": changed(doc, text=7),
        "too-long": changed(doc, text="a" * 20_001),
        "bool-time": changed(doc, end=True),
        "bad-word": changed(doc, words=[{**first["words"][0], "probability": 2}]),
        "other-slug": {**doc, "slug": "2026-01-01-other"},
    }
    sent = bodies.get(body, body) if isinstance(body, str) else body
    before = served.transcript.read_bytes()
    status, _, refused = fetch(served.api, "PUT", sent, write_headers(etag))
    assert status == 400, refused
    assert says in refused["error"]
    assert served.transcript.read_bytes() == before


def test_a_write_needs_if_match_and_json(served: Served):
    doc, _ = read(served)
    headers = write_headers("")
    del headers["If-Match"]
    status, _, _ = fetch(served.api, "PUT", {"segments": doc["segments"]}, headers)
    assert status == 428
    _, etag = read(served)
    headers = write_headers(etag, **{"Content-Type": "text/plain"})
    status, _, _ = fetch(served.api, "PUT", {"segments": doc["segments"]}, headers)
    assert status == 415


def test_a_saved_script_tag_shows_as_text_on_every_page(served: Served):
    doc, etag = read(served)
    doc["segments"][0]["text"] = '<script>alert("x")</script> & <b>bold</b>'
    doc["segments"][0]["speaker"] = "<img src=x onerror=alert(1)>"
    status, _, result = fetch(served.api, "PUT", {"segments": doc["segments"]}, write_headers(etag))
    assert status == 200, result
    page = served.page()
    assert "&lt;script&gt;alert(" in page
    assert '<script>alert("x")' not in page and "<b>bold" not in page and "<img src=x" not in page
    assert store.read(served.transcript).segments[0].text.startswith("<script>")  # as text
    status, headers, editor = fetch(f"{served.url}edit/{SLUG}/")
    assert status == 200 and b"alert" not in editor  # the editor reads it as JSON, into text
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_a_save_without_changes_writes_nothing(served: Served):
    doc, etag = read(served)
    before = served.transcript.read_bytes()
    status, _, result = fetch(served.api, "PUT", doc, write_headers(etag))
    assert status == 200 and not result["changed"] and result["etag"] == etag
    assert served.transcript.read_bytes() == before


def test_a_save_waits_for_a_build_that_holds_the_lock(built: Path, tmp_path: Path):
    root = tmp_path / "show"
    shutil.copytree(built, root)
    calls: list[float] = []

    def busy_then_build(r: Path, o: Path | None):
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise LockedError("another build is running")
        return build.build(r, o)

    editor = Editor(root, root / "feeds", build=busy_then_build)
    for served in serve_editor(root, editor):
        doc, etag = read(served)
        doc["segments"][0]["text"] = "Saved while another build ran."
        status, _, result = fetch(served.api, "PUT", doc, write_headers(etag))
        assert status == 200 and result["rebuilt"], result
        assert len(calls) == 3
        assert "Saved while another build ran." in served.page()


def test_a_save_gives_up_when_the_lock_stays_taken(built: Path, tmp_path: Path):
    root = tmp_path / "show"
    shutil.copytree(built, root)
    editor = Editor(root, root / "feeds", build=build.build, lock_wait=0.3)
    for served in serve_editor(root, editor):
        doc, etag = read(served)
        before = served.transcript.read_bytes()
        doc["segments"][0]["text"] = "Not now."
        with state.lock(root):
            status, _, refused = fetch(served.api, "PUT", doc, write_headers(etag))
        assert status == 503 and "still in the editor" in refused["error"]
        assert served.transcript.read_bytes() == before


def test_pipeline_serve_edit_prints_the_address_with_its_token(built: Path, tmp_path: Path):
    root = tmp_path / "show"
    shutil.copytree(built, root)
    command = [sys.executable, "-m", "pipeline", "serve", "--edit", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--root", str(root)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + TIMEOUT
        while not any("/edit/?token=" in line for line in lines):
            assert time.monotonic() < deadline and process.poll() is None, lines
            lines.append(process.stdout.readline())
        address = next(line for line in lines if "/edit/?token=" in line).split()[3]
        assert address.startswith("http://127.0.0.1:")
        status, _, listing = fetch(address)
        assert status == 200
        token = address.split("token=")[1]
        assert f'href="/edit/{SLUG}/?token={token}"'.encode() in listing
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)
        if process.stdout:
            process.stdout.close()
