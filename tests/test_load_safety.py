"""A show folder shared on a synced drive: typos, odd characters, bombs and links out of it.

Every bad file is one named problem for its episode or issue (the rest of the show still
loads), never a traceback, never a page of someone's huge value, never a read outside the show.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline import frontmatter as load_module
from pipeline.config import load_site
from pipeline.errors import Problems
from pipeline.load import load_show, parse_outline
from tests.conftest import write_outline, write_tone

FRONT = """
title: Rain gear that works
date: 2026-09-03
"""


def load(show: Path):
    problems = Problems()
    loaded = load_show(show, load_site(show), problems)
    return loaded, problems


def episode_with(show: Path, front: str, body: str = "", slug: str = "ep") -> Path:
    folder = show / "episodes" / slug
    write_outline(folder, front, body)
    write_tone(folder / "a.wav", 0.2)
    return folder


def raw_outline(show: Path, text: str, slug: str = "ep") -> Path:
    """An outline written byte for byte (no dedent), with a recording beside it."""
    folder = show / "episodes" / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outline.md").write_text(text, encoding="utf-8")
    write_tone(folder / "a.wav", 0.2)
    return folder


def the_error(problems: Problems) -> str:
    assert len(problems.errors) == 1, problems.items
    return str(problems.errors[0])


def the_episode(show: Path):
    loaded, problems = load(show)
    assert problems.errors == [], problems.errors
    [episode] = loaded.episodes
    return episode


# --- 1. front matter text stays the text the host typed -----------------------------------


@pytest.mark.parametrize("typed", ["No", "1.10", "yes", "0o17", "1_000", "2026-09-03", "12:30"])
@pytest.mark.parametrize("quote", ["", '"'])
def test_a_title_is_published_as_typed(show, typed, quote):
    episode_with(show, f"title: {quote}{typed}{quote}\ndate: 2026-09-03\nsummary: {typed}\n")
    episode = the_episode(show)
    assert episode.title == typed
    assert episode.summary == typed


def test_topics_hosts_and_issue_episodes_keep_their_text(show):
    episode_with(
        show,
        "title: T\ndate: 2026-09-03\ntopics: [2026, rain, 1.10]\nhosts: [No, Ada]\n"
        "guests:\n  - {name: Yes, role: 1.0}\n",
    )
    (show / "issues" / "letter.md").write_text(
        "---\ntitle: Off\ndate: 2026-09-04\nsubject: On\nepisodes: [2026-09-03]\n---\nHi"
    )
    loaded, problems = load(show)
    assert problems.errors == []
    [episode] = loaded.episodes
    assert episode.topics == ("2026", "rain", "1.10")
    assert [p.name for p in episode.hosts] == ["No", "Ada"]
    assert [(g.name, g.role) for g in episode.guests] == [("Yes", "1.0")]
    [issue] = loaded.issues
    assert (issue.title, issue.subject, issue.episodes) == ("Off", "On", ("2026-09-03",))


@pytest.mark.parametrize(
    ("typed", "number"), [("3", 3), ('"3"', 3), ("010", 10), ("'007'", 7), ("12", 12)]
)
def test_number_and_season_are_read_from_digits(show, typed, number):
    episode_with(show, f"title: T\ndate: 2026-09-03\nnumber: {typed}\nseason: {typed}\n")
    episode = the_episode(show)
    assert (episode.number, episode.season) == (number, number)


@pytest.mark.parametrize("typed", ["0", "-2", "1.5", "three", "0x10", "[1]", "9" * 5000])
def test_a_number_that_is_not_a_positive_whole_number(show, typed):
    episode_with(show, f"title: T\ndate: 2026-09-03\nnumber: {typed}\n")
    _, problems = load(show)
    message = the_error(problems)
    assert "'number' must be a positive whole number" in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("typed", "explicit"),
    [
        ("true", True), ("True", True), ("yes", True), ("ON", True), ('"true"', True),
        ("'Yes'", True), ("false", False), ("No", False), ("off", False), ('"false"', False),
    ],
)  # fmt: skip
def test_explicit_accepts_what_yaml_1_1_did_quoted_or_not(show, typed, explicit):
    episode_with(show, f"title: T\ndate: 2026-09-03\nexplicit: {typed}\n")
    assert the_episode(show).explicit is explicit


@pytest.mark.parametrize("typed", ['"true"', "'yes'", "On", "TRUE"])
def test_a_quoted_draft_is_still_a_draft(show, typed):
    episode_with(show, f"title: T\ndate: 2026-09-03\ndraft: {typed}\n")
    (show / "issues" / "soon.md").write_text(
        f"---\ntitle: S\ndate: 2026-09-04\ndraft: {typed}\n---\n"
    )
    loaded, problems = load(show)
    assert (loaded.episodes, loaded.issues, problems.errors) == ((), (), [])


@pytest.mark.parametrize("key", ["explicit", "draft"])
def test_a_boolean_that_is_neither(show, key):
    episode_with(show, f"title: T\ndate: 2026-09-03\n{key}: maybe\n")
    _, problems = load(show)
    assert f"'{key}' must be true or false (got 'maybe')" in the_error(problems)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-09-03", datetime(2026, 9, 3, tzinfo=UTC)),
        ('"2026-09-03"', datetime(2026, 9, 3, tzinfo=UTC)),
        ('"2026-9-3 18:30:00"', datetime(2026, 9, 3, 18, 30, tzinfo=UTC)),
        ("2026-9-3 18:30:00", datetime(2026, 9, 3, 18, 30, tzinfo=UTC)),
        (
            "2026-09-03 18:30:00 +02:00",
            datetime(2026, 9, 3, 18, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("'2026-09-03T18:30:00Z'", datetime(2026, 9, 3, 18, 30, tzinfo=UTC)),
        ("2026-09-03T18:30", datetime(2026, 9, 3, 18, 30, tzinfo=UTC)),
    ],
)
def test_dates_quoted_or_not(show, typed, expected):
    episode_with(show, f"title: T\ndate: {typed}\n")
    assert the_episode(show).date == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('"2026-13-45"', "the front matter holds an impossible date (month must be in 1..12)"),
        ("2026-02-30", "the front matter holds an impossible date (day is out of range"),
        ("next tuesday", "'date' 'next tuesday' is not a date; write it as YYYY-MM-DD"),
        ("[2026, 9, 3]", "'date' ['2026', '9', '3'] is not a date; write it as YYYY-MM-DD"),
    ],
)
def test_dates_that_are_not(show, typed, message):
    episode_with(show, f"title: T\ndate: {typed}\n")
    _, problems = load(show)
    assert message in the_error(problems)


def test_explicit_yaml_tags_are_refused(show):
    episode_with(show, "title: !!binary aGVsbG8=\ndate: 2026-09-03\n")
    _, problems = load(show)
    message = the_error(problems)
    assert "line 2: the YAML tag '!!binary' is not allowed" in message


def test_a_key_given_twice_is_refused(show):
    episode_with(show, "title: Old\ndate: 2026-09-03\ntitle: New\n")
    _, problems = load(show)
    assert "line 4: the key 'title' appears twice" in the_error(problems)


# --- 2. YAML bombs ------------------------------------------------------------------------


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return (
        "---\ntitle: Laughs\ndate: 2026-09-03\nsummary: "
        + lines[-1].split(": ", 1)[1]
        + ("\n" + "\n".join(lines) + "\n---\n")
    )


def test_a_billion_laughs_is_refused_fast(show):
    folder = raw_outline(show, billion_laughs())
    started = time.perf_counter()
    _, problems = load(show)
    assert time.perf_counter() - started < 5
    message = the_error(problems)
    assert message.startswith(f"error: {folder}/outline.md: ")
    assert "aliases are not allowed" in message


def test_an_alias_alone_is_refused(show):
    raw_outline(show, "---\ntitle: &t Same\nsummary: *t\ndate: 2026-09-03\n---\n")
    _, problems = load(show)
    assert "line 2: YAML anchors and aliases are not allowed" in the_error(problems)


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_deep_nesting_is_refused_not_a_recursion_error(show, shape):
    depth = 10_000
    if shape == "flow":
        value = "[" * depth + "]" * depth
    else:
        value = "\n" + "".join("  " * i + "- \n" for i in range(200))
    raw_outline(show, f"---\ntitle: T\ndate: 2026-09-03\nsummary: {value}\n---\n")
    _, problems = load(show)
    message = the_error(problems)
    assert "the front matter nests deeper than 20 levels" in message


# --- 3. size ------------------------------------------------------------------------------


def test_a_huge_outline_is_refused_unread(show, monkeypatch):
    limit = load_module.MAX_TEXT_BYTES
    assert limit == 1_000_000
    raw_outline(show, "---\ntitle: T\ndate: 2026-09-03\n---\n" + "x" * limit)
    (show / "issues" / "big.md").write_text("---\ntitle: T\ndate: 2026-09-03\n---\n" + "y" * limit)

    def no_parsing(*args, **kwargs):
        raise AssertionError("a file over the limit was parsed")

    monkeypatch.setattr(load_module.yaml, "load", no_parsing)
    _, problems = load(show)
    messages = sorted(str(p) for p in problems.errors)
    assert len(messages) == 2
    for message in messages:
        assert "over the limit of 1,000,000 bytes (1 MB)" in message


def test_an_outline_just_under_the_limit_loads(show):
    head = "---\ntitle: T\ndate: 2026-09-03\n---\n"
    raw_outline(show, head + "x" * (load_module.MAX_TEXT_BYTES - len(head)))
    assert the_episode(show).title == "T"


# --- 4. control characters ----------------------------------------------------------------

CONTROL_CASES = [
    ("title", 'title: "Rain\\agear"', "'title'", "U+0007"),
    ("escape", 'title: "\\e[31mRed"', "'title'", "U+001B"),
    ("surrogate", 'title: "Rain \\ud800"', "'title'", "U+D800"),
    ("newline", 'title: "Rain\\ngear"', "'title'", "U+000A"),
    ("tab", 'title: "Rain\\tgear"', "'title'", "U+0009"),
    ("c1", 'title: "Rain\\x85gear"', "'title'", "U+0085"),
    ("del", 'title: "Rain\\x7fgear"', "'title'", "U+007F"),
    ("summary", 'summary: "A\\0B"', "'summary'", "U+0000"),
    ("summary-cr", 'summary: "A\\rB"', "'summary'", "U+000D"),
    ("topics", 'topics: [rain, "g\\x01ear"]', "'topics' (item 2)", "U+0001"),
    ("hosts", 'hosts: ["Ada\\x1b"]', "'hosts' (item 1)", "U+001B"),
    ("guest-name", 'guests: [{name: "Cleo\\x08"}]', "'guests' (item 1, 'name')", "U+0008"),
    ("guest-role", 'guests: [{name: C, role: "g\\x0b"}]', "'guests' (item 1, 'role')", "U+000B"),
    ("guid", 'guid: "abc\\x0c"', "'guid'", "U+000C"),
    ("short", 'short: ["0:10-0:20\\x1f"]', "'short' (item 1)", "U+001F"),
    ("raw", "title: Rain\x01gear", "line 3: 'title'", "U+0001"),
    ("bidi-override", 'title: "Rain \u202egear"', "'title'", "U+202E"),
    ("bidi-isolate", 'summary: "A \u2067B\u2069"', "'summary'", "U+2067"),
    ("raw-c1", "summary: >-\n  one\n  two\x9b", "line 6: 'summary'", "U+009B"),
]


@pytest.mark.parametrize(
    ("line", "key", "char"), [c[1:] for c in CONTROL_CASES], ids=[c[0] for c in CONTROL_CASES]
)
def test_control_characters_in_front_matter_name_the_key(show, line, key, char):
    front = "title: T\ndate: 2026-09-03\n" if not line.startswith("title") else "date: 2026-09-03\n"
    folder = raw_outline(show, f"---\n{front}{line}\n---\nNotes\n")
    _, problems = load(show)
    message = the_error(problems)
    assert message.startswith(f"error: {folder}/outline.md: ")
    assert key in message and char in message
    assert "\x01" not in message and "\x1b" not in message and "\ud800" not in message


@pytest.mark.parametrize(
    ("line", "key", "char"),
    [
        ('subject: "S\\x07"', "'subject'", "U+0007"),
        ('preheader: "P\\ud83d\\ude00"', "'preheader'", "U+D83D"),
        ('episodes: ["ep\\x00"]', "'episodes' (item 1)", "U+0000"),
    ],
)
def test_control_characters_in_an_issue(show, line, key, char):
    path = show / "issues" / "letter.md"
    path.write_text(f"---\ntitle: T\ndate: 2026-09-04\n{line}\n---\nHi\n")
    _, problems = load(show)
    message = the_error(problems)
    assert message.startswith(f"error: {path}: ") and key in message and char in message


def test_a_character_yaml_itself_refuses(show):
    raw_outline(show, "---\ntitle: T\ndate: 2026-09-03\nsummary: A\ufffeB\n---\n")
    _, problems = load(show)
    assert "line 4: the front matter holds the character U+FFFE" in the_error(problems)


def test_a_summary_may_wrap_and_a_body_may_hold_tabs(show):
    episode_with(
        show,
        "title: T\ndate: 2026-09-03\nsummary: |\n  One line,\n  \tand another.\n",
        "Intro\twith a tab.\n\n## One\n\n    code\tand a tab\n",
    )
    episode = the_episode(show)
    assert episode.summary == "One line,\n\tand another."
    assert episode.intro == "Intro\twith a tab."
    assert episode.chapters[0].notes == "code\tand a tab"


@pytest.mark.parametrize(
    ("char", "code"), [("\x07", "U+0007"), ("\r", "U+000D"), ("\x9b", "U+009B")]
)
def test_control_characters_in_the_body(show, char, code):
    folder = raw_outline(
        show, f"---\ntitle: T\ndate: 2026-09-03\n---\nIntro\n\n## One\n\nA{char}B\n"
    )
    _, problems = load(show)
    message = the_error(problems)
    assert message.startswith(f"error: {folder}/outline.md: line 9: ")
    assert code in message and char not in message


def test_a_track_named_with_a_control_character(show):
    folder = show / "episodes" / "duo"
    write_outline(folder, FRONT)
    write_tone(folder / "tracks" / "Ada.wav", 0.2)
    write_tone(folder / "tracks" / "Ben\x1b[2J.wav", 0.2)
    _, problems = load(show)
    message = the_error(problems)
    assert message.startswith(f"error: {folder}/tracks: ")
    assert "U+001B" in message and "\x1b" not in message
    assert problems.broken_slugs() == {"duo"}


# --- 5. messages stay short ---------------------------------------------------------------


BASE = "title: T\ndate: 2026-09-03\n"
HUGE = {
    "title-list": "title: [" + "t" * 100_000 + "]\ndate: 2026-09-03\n",
    "date": "title: T\ndate: " + "d" * 100_000 + "\n",
    "date-list": "title: T\ndate: [" + ", ".join(["x" * 1000] * 100) + "]\n",
    "type": BASE + "type: " + "k" * 100_000 + "\n",
    "explicit": BASE + "explicit: " + "e" * 100_000 + "\n",
    "short": BASE + "short: ['" + "9" * 100_000 + "']\n",
    "href": BASE + "guests: [{name: " + "n" * 100_000 + ", href: 'ftp://x'}]\n",
    "guest-key": BASE + "guests: [{name: G, " + "k" * 100_000 + ": 1}]\n",
    "key": BASE + "x" * 100_000 + ": 1\n",
    "hosts": BASE + "hosts: [[" + "h" * 100_000 + "]]\n",
}


@pytest.mark.parametrize("front", HUGE.values(), ids=HUGE.keys())
def test_a_huge_value_gives_a_short_message(show, front):
    raw_outline(show, f"---\n{front}---\n")
    _, problems = load(show)
    message = the_error(problems)
    assert len(message) < 300, message


# --- 7. URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,x", "//evil.example", "http:/x", "https://",
     "https:///etc/passwd", "http://exa mple.org/", "ftp://example.org/p.jpg", "https://[::1"],
)  # fmt: skip
@pytest.mark.parametrize("key", ["href", "img"])
def test_guest_links_must_be_http_urls_with_a_host(show, key, url):
    episode_with(show, f"title: T\ndate: 2026-09-03\nguests:\n  - {{name: Dan, {key}: '{url}'}}\n")
    _, problems = load(show)
    assert f"guest 'Dan': '{key}' must be an http(s) URL" in the_error(problems)


def test_guest_links_that_are_fine(show):
    episode_with(
        show,
        "title: T\ndate: 2026-09-03\nguests:\n"
        "  - {name: Dan, href: 'https://dan.example.org/a?b=c', img: 'http://x.org/d.jpg'}\n",
    )
    [guest] = the_episode(show).guests
    assert (guest.href, guest.img) == ("https://dan.example.org/a?b=c", "http://x.org/d.jpg")


# --- 8. chapter headings come from the Markdown structure ---------------------------------


def test_a_heading_inside_a_code_block_is_no_chapter():
    body = "Intro.\n\n## Real\n\nBefore.\n\n```sh\n## not a chapter\necho hi\n```\n\nAfter.\n"
    intro, chapters = parse_outline(body, path=None)
    assert intro == "Intro."
    assert [c.title for c in chapters] == ["Real"]
    assert chapters[0].notes == "Before.\n\n```sh\n## not a chapter\necho hi\n```\n\nAfter."


def test_only_top_level_atx_level_two_headings_are_chapters():
    body = (
        "Intro\n\n> ## quoted\n\n- ## in a list\n\nSetext\n------\n\n### Deeper\n\n"
        "    ## indented code\n\n<div>\n## html\n</div>\n\n## 1:05 Fenders ##\n\nNotes\n"
        "## Second\nmore\n"
    )
    intro, chapters = parse_outline(body, path=None)
    assert intro.startswith("Intro\n\n> ## quoted") and intro.endswith("</div>")
    assert [(c.title, c.start, c.notes) for c in chapters] == [  # the Intro comes later
        ("Fenders", 65.0, "Notes"),
        ("Second", None, "more"),
    ]


def test_a_chapter_heading_without_a_title(show):
    episode_with(show, FRONT, "## \n\nNotes\n")
    _, problems = load(show)
    assert "a chapter heading has no title" in the_error(problems)


# --- 9. nothing is read through a link that leads out of the show ------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the show, as another user's home directory would be."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_an_outline_linked_from_outside(show, outside):
    target = outside / "secret.md"
    target.write_text("---\ntitle: Private\ndate: 2026-09-03\n---\n")
    folder = show / "episodes" / "linked"
    folder.mkdir()
    (folder / "outline.md").symlink_to(target)
    write_tone(folder / "a.wav", 0.2)
    loaded, problems = load(show)
    assert loaded.episodes == ()
    assert the_error(problems).startswith(
        f"error: {folder}/outline.md: points outside the show folder"
    )


def test_an_issue_linked_from_outside(show, outside):
    target = outside / "secret.md"
    target.write_text("---\ntitle: Private\ndate: 2026-09-03\n---\n")
    (show / "issues" / "linked.md").symlink_to(target)
    loaded, problems = load(show)
    assert loaded.issues == ()
    assert "issues/linked.md: points outside the show folder" in the_error(problems)


def test_an_episode_folder_linked_from_outside(show, outside):
    write_outline(outside / "ep", FRONT)
    write_tone(outside / "ep" / "a.wav", 0.2)
    (show / "episodes" / "linked").symlink_to(outside / "ep")
    loaded, problems = load(show)
    assert loaded.episodes == () and loaded.waiting == ()
    assert the_error(problems).startswith(
        f"error: {show}/episodes/linked: points outside the show folder"
    )


def test_a_tracks_folder_linked_from_outside(show, outside):
    write_tone(outside / "tracks" / "Ada.wav", 0.2)
    folder = show / "episodes" / "duo"
    write_outline(folder, FRONT)
    (folder / "tracks").symlink_to(outside / "tracks")
    _, problems = load(show)
    assert "duo/tracks: points outside the show folder" in the_error(problems)


def test_a_cover_linked_from_outside(show, outside):
    (outside / "c.jpg").write_bytes(b"jpg")
    folder = episode_with(show, FRONT)
    (folder / "cover.jpg").symlink_to(outside / "c.jpg")
    _, problems = load(show)
    assert "cover.jpg: points outside the show folder" in the_error(problems)


@pytest.mark.parametrize("dangling", [False, True])
def test_a_transcript_linked_from_outside(show, outside, dangling):
    target = outside / "transcript.json"
    if not dangling:
        target.write_text("{}")
    folder = episode_with(show, FRONT)
    (folder / "transcript.json").symlink_to(target)
    loaded, problems = load(show)
    assert loaded.episodes == ()
    message = the_error(problems)
    assert message.startswith(f"error: {folder}/transcript.json: points outside the show folder")
    assert "replace the link with the file" in message
    assert target.exists() is not dangling  # nothing was written through the link


def test_a_loop_of_links(show):
    folder = episode_with(show, FRONT)
    (folder / "transcript.json").symlink_to(folder / "transcript.json")
    _, problems = load(show)
    assert "transcript.json: is a link that cannot be followed" in the_error(problems)


def test_links_inside_the_show_are_fine(show):
    folder = episode_with(show, FRONT)
    (show / "shared").mkdir()
    (show / "shared" / "cover.jpg").write_bytes(b"jpg")
    (folder / "cover.jpg").symlink_to(show / "shared" / "cover.jpg")
    (folder / "transcript.json").symlink_to(show / "shared" / "missing.json")  # dangling, inside
    assert the_episode(show).cover == folder / "cover.jpg"


def test_an_outline_that_is_not_a_file(show):
    folder = show / "episodes" / "odd"
    (folder / "outline.md").mkdir(parents=True)
    (show / "issues" / "odd-issue.md").mkdir()
    _, problems = load(show)
    messages = sorted(str(p) for p in problems.errors)
    assert len(messages) == 2, messages
    assert "has no outline.md" in messages[0]
    assert "odd-issue.md: is not a regular file" in messages[1]
