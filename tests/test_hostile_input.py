"""A build that survives hostile input: nothing a host or an attacker puts in the show folder
crashes the pipeline.

Whatever front matter, outline, issue or site.toml is typed, reading the show ends in a
named problem (ConfigError, ContentError, or a Problem naming the file) or in a model
object, never in a traceback. Broken recordings of every accepted format fail their own
episode, naming the file, while the rest of the show publishes. Links and paths that lead out
of the show are refused, and script typed into any text is shown as text in every page, feed
and email.
"""

from __future__ import annotations

import json
import struct
import tempfile
import wave
from dataclasses import replace
from pathlib import Path

import av
import feedparser
import lxml.etree
import lxml.html
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import build
from pipeline.config import load_site
from pipeline.errors import ConfigError, Problems
from pipeline.files import sha256_file
from pipeline.load import EPISODE_KEYS, ISSUE_KEYS, load_show
from pipeline.model import Show, Site, Transcript
from pipeline.transcribe import store
from pipeline.transcribe.settings import DECODING
from tests.conftest import SITE_TOML, write_outline, write_tone
from tests.test_shorten import add_episode, speak

FEW = settings(
    max_examples=int(__import__("os").environ.get("HOSTILE_N", 40)),
    suppress_health_check=[HealthCheck.too_slow],
)

# A short spoken episode (two chapters) keeps each build quick.
SHORT_CHAPTERS = (
    ("Welcome", "", ("Welcome back to Rain and Bikes.", "Today we talk about fenders.")),
    ("Fenders", "Long fenders keep you dry.", ("Long fenders keep your back dry.",)),
)
GOOD = "2026-09-03-rain-gear"


def new_show(base: Path, site_toml: str = SITE_TOML) -> Path:
    """An empty show folder with the given site.toml, as the ``show`` fixture makes."""
    root = base / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "issues").mkdir()
    (root / "site.toml").write_text(site_toml)
    return root


def assert_named(root: Path, problems: Problems) -> None:
    """Every problem names a file or folder of the show."""
    for problem in problems.items:
        assert problem.path.is_relative_to(root) or problem.path.resolve().is_relative_to(
            root.resolve()
        ), problem
        assert problem.message.strip(), problem


def load_or_refuse(root: Path) -> Show | None:
    """Read the show as a build does: a named refusal, or a Show and its named problems."""
    try:
        site = load_site(root)
    except ConfigError as exc:
        assert str(root / "site.toml") in str(exc)
        return None
    assert isinstance(site, Site)
    problems = Problems()
    loaded = load_show(root, site, problems)
    assert isinstance(loaded, Show)
    assert_named(root, problems)
    return loaded


# --- 1. property tests: front matter, outlines, issues, site.toml ----------------------

ODD_SCALARS = st.sampled_from(
    ["yes", "No", "~", "null", "1.10", "010", "0x1F", ".inf", "-.nan", "2026-09-03",
     "2026-9-3 18:30:00", "2026-13-45", "2026-02-30T25:61:00Z", "1e999", "-", "'", '"', ":",
     "- a", "[", "{", "}", "&a", "*a", "!!python/object:os.system", "|", ">", "#", "%YAML",
     "\x00", "\x07", "\x1b[31m", "\u202e", "\ufeff", "\ufffe", "\x85", "\u2028", "\x7f",
     "😀", "e\u0301", "00:61-00:30", "1:00-0:30", "0:10-0:20"]
)  # fmt: skip
TEXT = st.text(max_size=30)
LONG = st.text(min_size=1, max_size=3).map(lambda s: s * 4000)
SCALARS = st.one_of(
    TEXT,
    ODD_SCALARS,
    LONG,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.dates(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def front_keys(valid: set[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(valid)) | TEXT


GUESTS = st.lists(
    st.one_of(
        TEXT,
        st.fixed_dictionaries(
            {"name": TEXT},
            optional={
                "role": SCALARS,
                "href": st.sampled_from(["https://kim.example.org/", "javascript:alert(1)", ""])
                | TEXT,
                "img": SCALARS,
                "x": SCALARS,
            },
        ),
        VALUES,
    ),
    max_size=3,
)


def front_matter(valid: set[str]) -> st.SearchStrategy[dict]:
    """Mostly a title and a date (so that later checks run), with random keys and values."""
    base = st.fixed_dictionaries(
        {},
        optional={
            "title": TEXT | ODD_SCALARS,
            "date": st.sampled_from(["2026-09-03", "2026-09-03T10:00:00+02:00"]) | SCALARS,
        },
    )
    extra = st.dictionaries(front_keys(valid), VALUES, max_size=5)
    specific = st.fixed_dictionaries({}, optional={"guests": GUESTS, "short": VALUES})
    return st.builds(lambda b, e, s: {**e, **s, **b}, base, extra, specific)


def dump_yaml(meta: dict, flow: bool) -> str:
    return yaml.safe_dump(meta, allow_unicode=True, default_flow_style=flow, sort_keys=False)


RAW_FRONT = st.lists(
    st.one_of(
        st.builds(
            lambda k, v: f"{k}: {v}", front_keys(EPISODE_KEYS | ISSUE_KEYS), TEXT | ODD_SCALARS
        ),
        st.sampled_from(
            ["title: &t Rain", "summary: *t", "a: &x [1, 2]\nb: [*x, *x, *x]", "title: !!str x",
             "date: !!timestamp 2026-09-03", "topics: !!python/tuple [a]", "- item", "? complex",
             "title: Rain\ntitle: Again", "  bad indent: 1", "guests:\n  - name: Kim\n    x: 1",
             "number: " + "9" * 5000, "[" * 50, "{a: " * 30, "\t", "...", "--- \n", "%TAG ! x"]
        ),
        TEXT,
    ),
    max_size=8,
).map("\n".join)  # fmt: skip

FRONT_TEXT = st.one_of(
    st.builds(dump_yaml, front_matter(EPISODE_KEYS), st.booleans()),
    RAW_FRONT,
)

IMAGE_SOURCES = st.sampled_from(
    ["map.png", "../x.png", "/etc/passwd", "https://e.org/a.png", "%2e%2e/x.png", "a.wav", "",
     "missing.jpg", "sub/../../x.png", "\\..\\x.png", "file:///etc/passwd", "//evil.org/x.png",
     "javascript:alert(1)", "data:image/png;base64,AAAA", "%00.png", "map.png?x#y"]
) | TEXT  # fmt: skip
BODY_LINE = st.one_of(
    st.builds(
        lambda m, s, t: f"## {m}:{s:02d} {t}", st.integers(0, 120), st.integers(0, 99), TEXT
    ),
    st.builds(
        lambda h, m, s, t: f"## {h}:{m:02d}:{s:02d}.5 {t}",
        st.integers(0, 30),
        st.integers(0, 99),
        st.integers(0, 99),
        TEXT,
    ),
    st.sampled_from(
        ["## 99:99 x", "## 1:02 Title", "## ", "##", "## 0:00 Start", "## 0:00 Again", "```",
         "~~~", "    ## in code", "> ## quoted", "- ## listed", "# Title", "### 1:00 deep",
         "Setext\n--", "<!--", "<div>", "</div>", "<script>alert(1)</script>",
         "<img src=x onerror=alert(1)>", "[[2026-09-03-rain-gear]]", "[[nope]]", "[[]]",
         "[[../etc/passwd]]", "[x](javascript:alert(1))", "[x](https://e.org/)", "[x]: /y",
         "\\", "*" * 2000, "[" * 500, "<" * 500, "|a|b|\n|-|-|", "## " + "9" * 400 + ":00 x"]
    ),
    st.builds(lambda t, u: f"[{t}]({u})", TEXT, IMAGE_SOURCES),
    st.builds(lambda s: f"[[{s}]]", TEXT),
    st.builds(lambda t, u: f"![{t}]({u})", TEXT, IMAGE_SOURCES),
    TEXT,
)  # fmt: skip
BODY = st.lists(BODY_LINE, max_size=10).map("\n\n".join)
FOLDER_NAMES = st.sampled_from(
    [GOOD, "2026-09-04-next", "Bad Name", "a--b", "-x", "x-", "..x", "x..y", "é", "UPPER",
     "a" * 200, ".hidden", "a\tb", "a\x7fb", "a\u202eb"]
)  # fmt: skip


def tone_bytes() -> bytes:
    """A tenth of a second of quiet 16-bit mono WAV."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(np.zeros(1600, "<i2").tobytes())
        return path.read_bytes()


TONE = tone_bytes()


def write_raw(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogatepass"))


@FEW
@given(front=FRONT_TEXT, body=BODY, name=FOLDER_NAMES, recording=st.booleans())
def test_any_outline_loads_or_is_one_named_problem(front, body, name, recording):
    """A host types anything into an outline: its front matter (lists, maps, odd scalars,
    huge values, control characters, anchors) and its body (timed headings, links, raw HTML,
    images). Loading the show gives the episode or a problem naming the outline, never a
    traceback; a second, well-formed episode still loads beside it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = new_show(Path(tmp))
        folder = root / "episodes" / name
        write_raw(folder / "outline.md", f"---\n{front}\n---\n{body}")
        if recording:
            (folder / "recording.wav").write_bytes(TONE)
        (folder / "map.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        other = root / "episodes" / "2026-01-01-other"
        write_outline(other, "title: Other\ndate: 2026-01-01")
        loaded = load_or_refuse(root)
        assert loaded is not None
        slugs = {e.slug for e in loaded.episodes + loaded.waiting}
        assert "2026-01-01-other" in slugs


ISSUE_NAMES = st.sampled_from(
    ["2026-09-30-letter", "Bad Name", "a--b", "-x", "x.y", "é", "..", "a" * 200, "a\u202eb",
     GOOD]
)  # fmt: skip


@FEW
@given(
    front=st.one_of(st.builds(dump_yaml, front_matter(ISSUE_KEYS), st.booleans()), RAW_FRONT),
    body=BODY,
    name=ISSUE_NAMES,
)
def test_any_issue_loads_or_is_one_named_problem(front, body, name):
    """An issue file with random front matter and body, under a good or a bad file name,
    is an Issue or a problem naming ``issues/<slug>.md``."""
    with tempfile.TemporaryDirectory() as tmp:
        root = new_show(Path(tmp))
        write_outline(root / "episodes" / GOOD, "title: Rain\ndate: 2026-09-03")
        write_raw(root / "issues" / f"{name}.md", f"---\n{front}\n---\n{body}")
        loaded = load_or_refuse(root)
        assert loaded is not None


def toml_value(value) -> str:
    """A TOML value for ``value`` (strings escaped as JSON, which TOML mostly shares)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


SITE_KEYS = [
    "title", "url", "description", "language", "author", "email", "categories", "image",
    "explicit", "serial", "timezone", "hosts", "guid", "locked", "license", "funding_url",
    "funding_label", "transcribe", "audio", "short", "newsletter",
]  # fmt: skip
TOML_SCALARS = st.one_of(
    TEXT,
    ODD_SCALARS,
    st.sampled_from(
        ["https://rain.example.org/", "javascript:alert(1)", "../x.png", "/etc/passwd",
         "C:\\x.png", "Europe/Berlin", "../../etc/localtime", "owner@rain.example.org",
         "a@b", "https://{email}.example.org/{token}", "cuda", "openai-whisper"]
    ),
    LONG,
    st.integers(),
    st.integers(min_value=10**30, max_value=10**40),
    st.floats(allow_nan=True),
    st.booleans(),
)  # fmt: skip
TOML_VALUES = st.recursive(
    TOML_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
TABLE_KEYS = st.sampled_from(
    ["engine", "device", "model", "bitrate", "loudness", "minutes", "ratio", "transport",
     "from", "reply_to", "unsubscribe_url", "api_url", "title", "postal_address", "bogus"]
)  # fmt: skip


@st.composite
def site_toml(draw) -> str:
    lines = SITE_TOML.splitlines()
    drop = draw(st.sets(st.integers(0, len(lines) - 1), max_size=2))
    lines = [line for i, line in enumerate(lines) if i not in drop]
    top = draw(st.dictionaries(st.sampled_from(SITE_KEYS) | TEXT, TOML_VALUES, max_size=4))
    known = {line.split(" = ")[0] for line in lines}
    lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in top.items() if k not in known]
    for table in draw(st.lists(st.sampled_from(["transcribe", "audio", "short", "newsletter"]),
                               max_size=2, unique=True)):  # fmt: skip
        lines.append(f"[{table}]")
        entries = draw(st.dictionaries(TABLE_KEYS, TOML_SCALARS, max_size=3))
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in entries.items()]
    raw = draw(st.lists(TEXT | st.sampled_from(["[[x]]", "a.b.c = 1", "= 1", '"\\ud800"']),
                        max_size=2))  # fmt: skip
    return "\n".join(lines + raw) + "\n"


@FEW
@given(text=site_toml())
def test_any_site_toml_is_a_site_or_a_config_error(text):
    """site.toml with known and unknown keys, wrong types, odd values and stray lines gives a
    Site (and the show then loads) or a ConfigError naming site.toml."""
    with tempfile.TemporaryDirectory() as tmp:
        root = new_show(Path(tmp), site_toml="")
        write_raw(root / "site.toml", text)
        write_outline(root / "episodes" / GOOD, "title: Rain\ndate: 2026-09-03")
        (root / "episodes" / GOOD / "recording.wav").write_bytes(TONE)
        load_or_refuse(root)


# --- 2. malformed audio of every accepted format ----------------------------------------

ENCODINGS = {  # suffix: (codec, container)
    ".mp3": ("libmp3lame", "mp3"),
    ".m4a": ("aac", "ipod"),
    ".wav": ("pcm_s16le", "wav"),
    ".flac": ("flac", "flac"),
    ".ogg": ("libopus", "ogg"),
    ".opus": ("libopus", "opus"),
}


def encode_tone(path: Path, seconds: float = 2.0, rate: int = 48000) -> Path:
    """A quiet tone in the format of the file's suffix (write_tone, for every format)."""
    if path.suffix in (".wav", ".mp3", ".flac"):
        return write_tone(path, seconds, rate)
    codec, container = ENCODINGS[path.suffix]
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        fmt = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = rate
        for f in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def huge_wav(path: Path) -> Path:
    """A WAV header promising 37 hours (data size 0xFFFFFFF0) in front of a few samples."""
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    data = b"data" + struct.pack("<I", 0xFFFFFFF0) + np.zeros(100, "<i2").tobytes()
    path.write_bytes(b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + fmt + data)
    return path


def malformed(folder: Path, case: str, suffix: str) -> Path:
    """Write one broken recording into ``folder``; returns its path."""
    path = folder / f"recording{suffix}"
    if case == "truncated":
        with tempfile.TemporaryDirectory() as tmp:
            whole = encode_tone(Path(tmp) / f"whole{suffix}").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "random":
        path.write_bytes(np.random.default_rng(len(suffix)).bytes(4096))
    elif case == "huge-wav":
        huge_wav(path)
    elif case == "wav-named":
        write_tone(folder / "x.wav", 0.5)
        (folder / "x.wav").rename(path)
    return path


CASES = [(case, suffix) for case in ("truncated", "empty", "random") for suffix in ENCODINGS]
CASES += [("huge-wav", ".wav"), ("huge-wav", ".mp3"), ("wav-named", ".mp3"), ("wav-named", ".flac")]


def cached_transcript(folder: Path, recording: Path) -> None:
    """The transcript a build would keep, so that a recording that probes never reaches
    Whisper (as test_shorten's add_episode does)."""
    store.write(
        folder / "transcript.json",
        Transcript(
            segments=(),
            words=(),
            engine="faster-whisper",
            model="tiny.en",
            language="en",
            settings=tuple(sorted(DECODING.items())),
            recording_sha256=sha256_file(recording),
        ),
    )


@pytest.fixture(scope="module")
def broken_audio_show(tmp_path_factory: pytest.TempPathFactory):
    """One good episode and one episode per broken recording, built once."""
    root = new_show(tmp_path_factory.mktemp("hostile-audio"))
    add_episode(root, speak(SHORT_CHAPTERS), slug=GOOD, chapters=SHORT_CHAPTERS)
    recordings = {}
    for n, (case, suffix) in enumerate(CASES):
        slug = f"2026-08-{n + 1:02d}-{case}-{suffix[1:]}"
        folder = root / "episodes" / slug
        write_outline(folder, f"title: Broken {n}\ndate: 2026-08-{n + 1:02d}")
        recordings[slug] = malformed(folder, case, suffix)
        cached_transcript(folder, recordings[slug])
    report = build.build(root)
    return root, report, recordings


@pytest.mark.parametrize(("case", "suffix"), CASES)
def test_a_broken_recording_fails_its_episode_only(broken_audio_show, case, suffix):
    """A recording cut in half, empty, random bytes, a WAV whose header promises 37 hours,
    a WAV named .mp3: the build returns, the episode with it has an error naming the
    recording (or, where the file is still whole audio, publishes), and the good episode
    beside it publishes."""
    root, report, recordings = broken_audio_show
    n = CASES.index((case, suffix))
    slug = f"2026-08-{n + 1:02d}-{case}-{suffix[1:]}"
    recording = recordings[slug]
    assert GOOD in report.published
    assert (root / "feeds" / "episodes" / GOOD / "index.html").is_file()
    errors = [p for p in report.problems.errors if p.slug == slug]
    decodable = (case, suffix) in {("truncated", ".ogg"), ("truncated", ".opus")} or (
        case == "wav-named"
    )
    if decodable and slug in report.published:
        return  # what survives of an Ogg file is audio whose length no header contradicts
    assert errors, [str(p) for p in report.problems.items]
    assert any(p.path == recording for p in errors), [str(p) for p in errors]
    assert slug not in report.published


@pytest.mark.parametrize("suffix", sorted(ENCODINGS))
def test_a_recording_that_is_a_link_out_of_the_show_is_refused(tmp_path, suffix):
    """A recording that is a link to a file outside the show is refused, naming the link,
    before anything reads through it."""
    root = new_show(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = encode_tone(outside / f"secret{suffix}", 0.3)
    folder = root / "episodes" / GOOD
    write_outline(folder, "title: Rain\ndate: 2026-09-03")
    (folder / f"recording{suffix}").symlink_to(target)
    problems = Problems()
    loaded = load_show(root, load_site(root), problems)
    assert loaded.episodes == ()
    [error] = problems.errors
    assert error.path == folder / f"recording{suffix}"
    assert "points outside the show folder" in error.message


# --- 3. paths that lead out of the show -------------------------------------------------


def test_a_slug_with_dots_is_no_episode(tmp_path):
    """Folders named ``x..y`` and ``a..b-c`` are refused as slugs, naming the folder (a name
    that starts with a dot, like ``..x``, is a hidden folder and is skipped)."""
    root = new_show(tmp_path)
    for name in ("..x", "x..y", "a..b-c"):
        write_outline(root / "episodes" / name, "title: Rain\ndate: 2026-09-03")
    problems = Problems()
    loaded = load_show(root, load_site(root), problems)
    assert loaded.episodes == () and loaded.waiting == ()
    named = {p.path for p in problems.errors}
    assert named == {root / "episodes" / name for name in ("x..y", "a..b-c")}
    assert all("not a valid slug" in p.message for p in problems.errors)


def test_the_show_artwork_linked_from_outside_is_refused(tmp_path):
    """``image = "art.png"`` where art.png is a link out of the show: a named error, and
    the file is not published."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    root = new_show(tmp_path, SITE_TOML + 'image = "art.png"\n')
    (root / "art.png").symlink_to(outside / "secret.png")
    problems = Problems()
    loaded = load_show(root, load_site(root), problems)
    assert loaded.artwork is None
    [error] = problems.errors
    assert error.path == root / "art.png"
    assert "points outside the show folder" in error.message


@pytest.mark.parametrize("image", ["C:\\art.png", "\\\\server\\share\\x.png", "..\\x.png"])
def test_a_windows_path_is_no_image(tmp_path, image):
    """A Windows absolute path or a backslashed escape in ``image`` is refused by name."""
    root = new_show(tmp_path, SITE_TOML + f"image = {json.dumps(image)}\n")
    with pytest.raises(ConfigError, match="'image' must be a path inside the show folder"):
        load_site(root)


def test_an_issues_folder_linked_from_outside_is_refused(tmp_path):
    """``issues/`` as a link to someone else's folder: refused, naming the folder."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "2026-09-30-letter.md").write_text("---\ntitle: Private\ndate: 2026-09-30\n---\n")
    root = new_show(tmp_path)
    (root / "issues").rmdir()
    (root / "issues").symlink_to(outside)
    problems = Problems()
    loaded = load_show(root, load_site(root), problems)
    assert loaded.issues == ()
    [error] = problems.errors
    assert error.path == root / "issues"
    assert "points outside the show folder" in error.message


def test_a_chapter_image_linked_from_outside_is_not_published(tmp_path):
    """A chapter image that is a link out of the episode folder is a warning naming the
    outline, and the image is not used."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    root = new_show(tmp_path)
    folder = root / "episodes" / GOOD
    write_outline(folder, "title: Rain\ndate: 2026-09-03", "## Start\n\n![Map](map.png)\n")
    (folder / "map.png").symlink_to(outside / "secret.png")
    problems = Problems()
    loaded = load_show(root, load_site(root), problems)
    [episode] = loaded.waiting
    assert episode.chapters[0].images == ()
    assert any(
        p.path == folder / "outline.md" and "leads outside the episode folder" in p.message
        for p in problems.warnings
    )


# --- 4. script typed into any text is text everywhere -----------------------------------

ATTACK = '<script>alert(1)</script><img src=x onerror=alert(2) onload="alert(3)">'
LINK_ATTACK = "[click](javascript:alert(4))"
ISSUE = "2026-09-30-letter"
NEWSLETTER = """
[newsletter]
title = "Letters <script>alert(1)</script>"
from = "letters@rain.example.org"
postal_address = "Radweg 12 <script>alert(1)</script>, Berlin"
unsubscribe_url = "https://lists.example.org/unsubscribe?email={email}&token={token}"
"""


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A show with the attack in every text a host types, built once."""
    site = SITE_TOML.replace('"Rain and Bikes"', json.dumps(f"Rain {ATTACK}")).replace(
        '"Two friends talk about cycling in bad weather."',
        json.dumps(f"Two friends {ATTACK} {LINK_ATTACK}"),
    )
    root = new_show(tmp_path_factory.mktemp("hostile-text"), site + NEWSLETTER)
    spoken = speak(SHORT_CHAPTERS)
    spoken = replace(
        spoken,
        segments=(replace(spoken.segments[0], text=f"Welcome {ATTACK}"), *spoken.segments[1:]),
    )
    chapters = (
        (f"Welcome {ATTACK}", f"Notes {ATTACK} {LINK_ATTACK}", SHORT_CHAPTERS[0][2]),
        SHORT_CHAPTERS[1],
    )
    front = (
        f"summary: {json.dumps(f'Capes {ATTACK} {LINK_ATTACK}')}\n"
        f"topics: [{json.dumps(f'Gear {ATTACK}')}]\n"
        f"hosts: [{json.dumps(f'Ada {ATTACK}')}]\n"
        f"guests: [{{name: {json.dumps(f'Kim {ATTACK}')}, role: {json.dumps(f'cook {ATTACK}')}, "
        'href: "https://kim.example.org/"}]\n'
    )
    add_episode(root, spoken, front=front, slug=GOOD, title=f"Rain {ATTACK}", chapters=chapters)
    (root / "issues" / f"{ISSUE}.md").write_text(
        f"---\ntitle: {json.dumps(f'Letter {ATTACK}')}\ndate: 2026-09-30\n"
        f"subject: {json.dumps(f'Subject {ATTACK}')}\n"
        f"preheader: {json.dumps(f'Pre {ATTACK}')}\nepisodes: [{GOOD}]\n---\n"
        f'Dear riders {ATTACK}\n\n{LINK_ATTACK}\n\n<a href="javascript:alert(5)">x</a>\n'
    )
    report = build.build(root)
    # A javascript: link in the notes is refused as a broken link; nothing else goes wrong.
    errors = [str(p) for p in report.problems.errors if "[broken-link]" not in p.message]
    assert errors == []
    assert GOOD in report.published
    return root


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "background", "data"}


def html_is_inert(html: str, where: Path) -> None:
    """No script but the pipeline's own, no on* attribute, no javascript: URL."""
    doc = lxml.html.document_fromstring(html) if html.strip() else None
    if doc is None:
        return
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, element.tag, name, value)
            if name.lower() in URL_ATTRIBUTES:
                url = "".join(value.split()).lower()
                assert not url.startswith("javascript:"), (where, name, value)
        if element.tag == "script":
            text = element.text or ""
            if element.get("type") == "application/ld+json":
                json.loads(text)  # the title is JSON text inside, and stays inside
            else:
                assert "alert(" not in text, where
    assert "<script>alert" not in html, where


def test_script_in_every_text_is_text_in_every_page(attacked: Path):
    """Every page the build writes shows the attack as text: no script of the attacker's,
    no event handler, no javascript: link; and the text is still there, escaped."""
    pages = sorted((attacked / "feeds").rglob("*.html"))
    assert len(pages) >= 6
    for path in pages:
        html_is_inert(path.read_text(), path)
    episode = (attacked / "feeds" / "episodes" / GOOD / "index.html").read_text()
    # Notes are Markdown: raw HTML in them is taken out, not shown (checked inert above).
    for typed in ("Rain ", "Welcome ", "Capes ", "Kim ", "Gear "):
        assert typed + "&lt;script&gt;alert(1)&lt;/script&gt;" in episode, typed


def test_script_in_every_text_is_text_in_every_feed(attacked: Path):
    """Every XML feed parses, the titles round-trip as the text typed, and the HTML inside
    descriptions is inert."""
    feeds = sorted((attacked / "feeds").rglob("*.xml"))
    assert any(p.name == "podcast.xml" for p in feeds)
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    titles: set[str] = set()
    for path in feeds:
        tree = lxml.etree.parse(str(path), parser)
        raw = path.read_text()
        assert "<script" not in raw, path
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            for name, value in element.attrib.items():
                assert not value.lower().startswith("javascript:"), (path, name, value)
            text = element.text or ""
            if lxml.etree.QName(element).localname == "title":
                titles.add(text)
            parent = element.getparent()
            in_item = parent is not None and lxml.etree.QName(parent).localname in ("item", "entry")
            if in_item and lxml.etree.QName(element).localname in (
                "description",
                "encoded",
                "summary",
                "content",
            ):
                html_is_inert(text, path)
            if lxml.etree.QName(element).localname in ("link", "url", "guid"):
                assert not text.strip().lower().startswith("javascript:"), path
    assert f"Rain {ATTACK}" in titles
    assert f"Rain {ATTACK}" in {t.strip() for t in titles} or any(ATTACK in t for t in titles)


def test_script_in_the_site_description_is_text_in_every_channel_description(attacked: Path):
    """A channel's description is HTML to readers, as an item's: the site description's
    script is escaped for HTML and then for XML, so a reader shows it as text."""
    feeds = {p.name: p for p in (attacked / "feeds").glob("*.xml") if p.name != "sitemap.xml"}
    assert {"podcast.xml", "newsletter.xml"} <= set(feeds)
    for name, path in sorted(feeds.items()):
        parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
        channel = lxml.etree.parse(str(path), parser).find("channel")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in channel.findtext("description"), name
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert parsed.feed.subtitle_detail.type == "text/html", name
        # feedparser sanitises the HTML as a reader would: nothing of it is markup.
        shown = lxml.html.fragment_fromstring(parsed.feed.subtitle, create_parent="div")
        assert [e.tag for e in shown.iter()] == ["div"], name
        assert f"Two friends {ATTACK} {LINK_ATTACK}" in shown.text_content(), name


def test_script_in_every_text_is_text_in_the_email(attacked: Path):
    """The issue's email: the HTML part is inert and shows the attack as text; the plain
    part carries the title as typed (it is no HTML)."""
    folder = attacked / "feeds" / "issues" / ISSUE
    html = (folder / "email.html").read_text()
    html_is_inert(html, folder / "email.html")
    assert "Dear riders " in html  # the attack shown as text, or taken out
    plain = (folder / "email.txt").read_text()
    assert f"Letter {ATTACK}" in plain  # the title as typed; raw HTML of the body is dropped
    assert "Dear riders" in plain


def test_a_javascript_link_is_not_offered_in_the_plain_email(attacked: Path):
    """The plain part of the email offers no javascript: URL (the HTML part shows the
    Markdown link as text)."""
    plain = (attacked / "feeds" / "issues" / ISSUE / "email.txt").read_text()
    assert "javascript:" not in plain


def test_no_typed_text_reaches_a_file_name(attacked: Path):
    """Nothing of the attack reached the name of a published file."""
    for path in (attacked / "feeds").rglob("*"):
        assert "<" not in path.name and ">" not in path.name, path
