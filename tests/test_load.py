"""Loading the show folder: good episodes become model objects, bad ones name the file and fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import load_site
from pipeline.errors import Problems
from pipeline.load import load_show, parse_outline
from tests.conftest import write_outline, write_tone

FRONT = """
title: Rain gear that works
date: 2026-09-03
"""


def load(show):
    problems = Problems()
    loaded = load_show(show, load_site(show), problems)
    return loaded, problems


def only_message(problems, level="error"):
    items = [p for p in problems.items if p.level == level]
    assert len(items) == 1, problems.items
    return str(items[0])


def test_episode_with_everything(show):
    folder = show / "episodes" / "2026-09-03-rain-gear"
    write_outline(
        folder,
        """
        title: Rain gear that works
        date: 2026-09-03T18:30:00
        summary: Jackets, fenders and dry socks.
        number: 3
        season: 1
        topics: [gear, rain]
        guests:
          - Cleo
          - {name: Dan Ruiz, role: guest, href: "https://dan.example.org"}
        short: ["0:00.2-0:00.9", "0:00:01-0:00:02"]
        """,
        "Why rain is fine.\n\n## Jackets\n\nA [[2026-08-old]] link.\n\n"
        "## 0:01 Fenders\n\n- long ones\n",
    )
    write_tone(folder / "Recording.MP3", 2.0)
    (folder / "cover.png").write_bytes(b"png")
    loaded, problems = load(show)
    assert problems.items == []
    [episode] = loaded.episodes
    assert episode.slug == "2026-09-03-rain-gear"
    assert episode.date == datetime(2026, 9, 3, 18, 30, tzinfo=ZoneInfo("UTC"))
    assert episode.number == 3 and episode.season == 1
    assert episode.topics == ("gear", "rain")
    assert [p.name for p in episode.hosts] == ["Ada"]  # site.toml default
    assert [(g.name, g.role, g.href) for g in episode.guests] == [
        ("Cleo", "guest", None),
        ("Dan Ruiz", "guest", "https://dan.example.org"),
    ]
    assert episode.short_ranges == ((0.2, 0.9), (1.0, 2.0))
    assert episode.intro == "Why rain is fine."
    assert [(c.title, c.start, c.timed) for c in episode.chapters] == [
        ("Jackets", 0.0, False),
        ("Fenders", 1.0, True),
    ]
    assert episode.chapters[0].notes == "A [[2026-08-old]] link."
    assert episode.recording.files[0].duration == pytest.approx(2.0, abs=0.1)
    assert episode.cover == folder / "cover.png"


def test_timed_headings_keep_their_times():
    _, chapters = parse_outline("## 0:30 Hello\n\n## 1:00:00 Bye\n", path=None)
    assert [(c.title, c.start, c.timed) for c in chapters] == [
        ("Hello", 30.0, True),
        ("Bye", 3600.0, True),
    ]


def test_tracks_are_speakers(show):
    folder = show / "episodes" / "duo"
    write_outline(folder, FRONT)
    write_tone(folder / "tracks" / "Ada Lindqvist.wav", 1.0)
    write_tone(folder / "tracks" / "Ben.flac", 1.5)
    loaded, _ = load(show)
    [episode] = loaded.episodes
    assert episode.recording.speakers == ("Ada Lindqvist", "Ben")
    assert episode.recording.duration == pytest.approx(1.5, abs=0.05)
    assert episode.recording.channels == 1


def test_drafts_are_left_out_of_everything(show):
    write_outline(show / "episodes" / "secret", FRONT + "draft: true\n")
    write_tone(show / "episodes" / "secret" / "a.wav")
    (show / "issues" / "soon.md").write_text(
        "---\ntitle: Soon\ndate: 2026-01-01\ndraft: true\n---\nx"
    )
    loaded, problems = load(show)
    assert loaded.episodes == () and loaded.issues == () and loaded.waiting == ()
    assert problems.items == []


def test_outline_without_recording_is_a_warning(show):
    write_outline(show / "episodes" / "later", FRONT)
    loaded, problems = load(show)
    assert loaded.episodes == ()
    assert [e.slug for e in loaded.waiting] == ["later"]
    message = only_message(problems, "warning")
    assert message.startswith(f"warning: {show}/episodes/later/outline.md: has no recording yet")
    assert problems.exit_status() == 0 and problems.exit_status(strict=True) == 1


def test_empty_episodes_folder_is_a_warning(show):
    _, problems = load(show)
    assert only_message(problems, "warning") == (
        f"warning: {show}/episodes: no episodes yet; add one with `pipeline new episode SLUG`"
    )


BAD_OUTLINES = [
    ("no-front-matter", "# Just notes\n", "outline.md: has no front matter; start the file with"),
    (
        "yaml-error",
        "---\ntitle: Fine\ndate: 2026-09-03\nsummary: [unclosed\n---\n",
        "outline.md: line 5: the front matter is not valid YAML",
    ),
    ("no-title", "---\ndate: 2026-09-03\n---\n", "outline.md: the front matter has no 'title'"),
    ("no-date", "---\ntitle: T\n---\n", "outline.md: the front matter has no 'date'"),
    (
        "bad-date",
        "---\ntitle: T\ndate: 2026-13-45\n---\n",
        "outline.md: the front matter holds an impossible date (month must be in 1..12)",
    ),
    (
        "typo-key",
        "---\ntitle: T\ndate: 2026-09-03\nsumary: x\n---\n",
        "outline.md: unknown front matter key 'sumary'; did you mean 'summary'?",
    ),
    (
        "bad-number",
        "---\ntitle: T\ndate: 2026-09-03\nnumber: -2\n---\n",
        "'number' must be a positive",
    ),
]


@pytest.mark.parametrize(
    ("slug", "text", "message"), BAD_OUTLINES, ids=[b[0] for b in BAD_OUTLINES]
)
def test_bad_outline_names_file_and_fix(show, slug, text, message):
    folder = show / "episodes" / slug
    folder.mkdir()
    (folder / "outline.md").write_text(text)
    write_tone(folder / "a.wav")
    good = show / "episodes" / "good"
    write_outline(good, FRONT)
    write_tone(good / "a.wav")
    loaded, problems = load(show)
    assert [e.slug for e in loaded.episodes] == ["good"]  # the rest still loads
    line = only_message(problems)
    assert line.startswith(f"error: {folder}/")
    assert message in line
    assert problems.broken_slugs() == {slug}


def test_non_utf8_outline(show):
    folder = show / "episodes" / "latin"
    folder.mkdir()
    (folder / "outline.md").write_bytes(
        "---\ntitle: Caf\xe9\ndate: 2026-09-03\n---\n".encode("latin-1")
    )
    _, problems = load(show)
    assert only_message(problems) == (
        f"error: {folder}/outline.md: is not UTF-8 text (byte 14); save the file as UTF-8"
    )


def test_folder_without_outline(show):
    (show / "episodes" / "bare").mkdir()
    write_tone(show / "episodes" / "bare" / "a.wav")
    _, problems = load(show)
    assert only_message(problems) == (
        f"error: {show}/episodes/bare: has no outline.md; create one with "
        "`pipeline new episode bare` (front matter with title and date, then the outline)"
    )


def test_bad_slug(show):
    write_outline(show / "episodes" / "Rain_Gear", FRONT)
    _, problems = load(show)
    assert "the folder name is not a valid slug" in only_message(problems)


def test_slug_shared_by_episode_and_issue(show):
    write_outline(show / "episodes" / "rain", FRONT)
    write_tone(show / "episodes" / "rain" / "a.wav")
    (show / "issues" / "rain.md").write_text("---\ntitle: Rain\ndate: 2026-09-04\n---\nHi")
    loaded, problems = load(show)
    assert loaded.issues == ()
    line = only_message(problems)
    assert line.startswith(f"error: {show}/issues/rain.md: the slug 'rain' is also the episode")


@pytest.mark.parametrize("layout", ["two-recordings", "recording-and-tracks"])
def test_ambiguous_recordings(show, layout):
    folder = show / "episodes" / "mixed"
    write_outline(folder, FRONT)
    write_tone(folder / "a.wav")
    if layout == "two-recordings":
        write_tone(folder / "b.mp3")
        expected = "has 2 recordings (a.wav, b.mp3); keep exactly one audio file per episode"
    else:
        write_tone(folder / "tracks" / "Ada.wav")
        expected = "has both a recording (a.wav) and tracks/; keep one of them"
    _, problems = load(show)
    assert only_message(problems).startswith(f"error: {folder}: {expected}")


@pytest.mark.parametrize("content", [b"", b"ID3" + b"\0" * 64, b"not audio at all" * 100])
def test_unreadable_audio(show, content):
    folder = show / "episodes" / "broken"
    write_outline(folder, FRONT)
    (folder / "take1.mp3").write_bytes(content)
    _, problems = load(show)
    line = only_message(problems)
    assert line.startswith(f"error: {folder}/take1.mp3: ")
    assert line.endswith(
        "re-export the recording (MP3, M4A, WAV, FLAC, OGG or Opus) and replace the file"
    )


def test_truncated_wav(show):
    folder = show / "episodes" / "cut"
    write_outline(folder, FRONT)
    full = write_tone(folder / "full.wav", 4.0).read_bytes()
    (folder / "full.wav").write_bytes(full[: len(full) // 2])  # a copy that stopped halfway
    _, problems = load(show)
    assert "full.wav: is truncated: 2.0 s of audio where its header promises 4.0 s" in only_message(
        problems
    )


def test_recording_link_outside_show_is_refused(show, tmp_path):
    folder = show / "episodes" / "escape"
    write_outline(folder, FRONT)
    outside = write_tone(tmp_path / "elsewhere.wav")
    (folder / "take.wav").symlink_to(outside)
    _, problems = load(show)
    assert "take.wav: points outside the show folder" in only_message(problems)


def test_issues_load_with_defaults(show):
    (show / "issues" / "2026-09-letter.md").write_text(
        "---\ntitle: September\ndate: 2026-09-30\npreheader: Rain news\n---\nHello [[x]]"
    )
    loaded, _ = load(show)
    [issue] = loaded.issues
    assert issue.subject == "September" and issue.preheader == "Rain news"
    assert issue.episodes is None


def test_the_show_artwork_is_found_once(show):
    def artwork_problems(image: str | None) -> tuple[Path | None, list[str]]:
        problems = Problems()
        found = load_show(show, replace(load_site(show), image=image), problems).artwork
        return found, [p.message for p in problems.items if "image" in p.message]

    assert artwork_problems(None) == (None, [])  # render generates one
    (show / "art.png").write_bytes(b"png")
    assert artwork_problems("art.png") == (show / "art.png", [])
    assert artwork_problems("gone.png") == (
        None,
        [
            "'image' 'gone.png' is not a file inside the show folder; give the path of the "
            "square artwork relative to site.toml"
        ],
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "## 1:00 Capes\n\n## 0:30 Mail\n",
            "the chapter '## 0:30 Mail' starts before '## 1:00 Capes' above it; give each "
            "heading a later time than the one above it, or put the headings in time order",
        ),
        (
            "## 0:30 Capes\n\n## 0:30 Mail\n",
            "the chapter '## 0:30 Mail' starts at 0:30, as '## 0:30 Capes' above it; give each "
            "heading a later time than the one above it, or put the headings in time order",
        ),
        (
            "## Welcome\n\n## 0:00 Capes\n",
            "the chapter '## 0:00 Capes' starts at 0:00, as '## Welcome' above it (a first "
            "heading without a time starts at 0:00); give each heading a later time than the "
            "one above it, or put the headings in time order",
        ),
        (
            "## Welcome\n\n## 0:01 Capes\n\n## 9:30 Mail\n",
            "the chapter '## 9:30 Mail' starts after the recording ends (0:02); correct its "
            "time or remove it",
        ),
    ],
    ids=["out of order", "duplicated", "twice at 0", "past the end"],
)
def test_a_timed_heading_that_cannot_be_is_named_with_its_file(show, body, message):
    folder = show / "episodes" / "2026-09-03-rain-gear"
    write_outline(folder, FRONT, body)
    write_tone(folder / "take.wav", 2.0)
    loaded, problems = load(show)
    assert loaded.episodes == ()
    assert only_message(problems) == f"error: {folder / 'outline.md'}: {message}"


def test_chapter_images_are_files_of_the_episode_folder(show, tmp_path):
    folder = show / "episodes" / "2026-09-03-rain-gear"
    write_outline(
        folder,
        FRONT,
        "## Maps\n\n![Canal](maps/canal%20map.png) ![Web](https://x.org/a.png)\n\n"
        "## Gone\n\n![Missing](gone.png)\n\n"
        "## Out\n\n![Up](../secret.png) ![Linked](linked.png) ![Text](notes.txt)\n",
    )
    write_tone(folder / "take.wav", 2.0)
    (folder / "maps").mkdir()
    (folder / "maps" / "canal map.png").write_bytes(b"png")
    (folder / "notes.txt").write_text("not an image")
    (tmp_path / "secret.png").write_bytes(b"png")
    (folder / "linked.png").symlink_to(tmp_path / "secret.png")
    loaded, problems = load(show)
    [episode] = loaded.episodes
    maps, gone, out = episode.chapters
    assert [(i.src, i.path) for i in maps.images] == [
        ("maps/canal%20map.png", folder / "maps" / "canal map.png")
    ]
    assert maps.image.published(folder) == "chapters/maps/canal map.png"
    assert gone.images == () and out.images == ()
    outline = folder / "outline.md"
    assert [str(p) for p in problems.warnings] == [
        f"warning: {outline}: the image 'gone.png' in the chapter 'Gone' is not in {folder}; "
        "add the file or fix the name",
        f"warning: {outline}: the image '../secret.png' in the chapter 'Out' is not a file of "
        f"the episode folder; copy it into {folder} and write its name, like ![Map](map.png)",
        f"warning: {outline}: the image 'linked.png' in the chapter 'Out' leads outside the "
        "episode folder; copy the file in",
        f"warning: {outline}: the image 'notes.txt' in the chapter 'Out' is not a JPEG, PNG, "
        "GIF or WebP file; convert it",
    ]


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        (
            '["0:01-0:03"]',
            "the 'short' range 0:01-0:03 ends after the recording does (0:02); correct it or "
            "remove it",
        ),
        ('["0:01-0:00.5"]', "'short' range '0:01-0:00.5' ends before it starts"),
        (
            '["0:01-0:02", "0:00-0:00.5"]',
            "'short' range '0:00-0:00.5' comes before '0:01-0:02'; list the ranges in time "
            "order, without overlaps",
        ),
        (
            '["0:00-0:01.5", "1:00:01-1:00:02"]',
            "the 'short' range 1:00:01-1:00:02 ends after the recording does (0:02)",
        ),
        (
            '["0:00-0:01.5", "0:01-0:02"]',
            "'short' range '0:01-0:02' overlaps '0:00-0:01.5'; list the ranges in time order, "
            "without overlaps",
        ),
    ],
)
def test_short_ranges_outside_the_audio_reversed_or_overlapping_name_the_range(
    show, ranges, message
):
    folder = show / "episodes" / "2026-09-03-rain-gear"
    write_outline(folder, f"title: Rain\ndate: 2026-09-03\nshort: {ranges}\n", "## Jackets\n")
    write_tone(folder / "recording.mp3", 2.0)
    loaded, problems = load(show)
    assert loaded.episodes == ()
    error = only_message(problems)
    assert "outline.md" in error
    assert message in error
