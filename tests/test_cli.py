"""The `transcribe` and `check` commands as a host uses them: exact output and exit statuses."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import write_outline

FRONT = """
title: Fog and lights
date: 2026-10-01
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def fog(show, speak):
    folder = show / "episodes" / "2026-10-01-fog"
    write_outline(folder, FRONT, "## Lights\n\nBright ones.\n")
    shutil.copy(speak("In the fog, use a bright front light."), folder / "take.wav")
    return show


@pytest.mark.slow
def test_transcribe_then_up_to_date(fog):
    first = run("transcribe", "-q", "--root", str(fog))
    assert (first.exit_code, first.stdout, first.stderr) == (0, "Transcribed 2026-10-01-fog.\n", "")
    again = run("transcribe", "-q", "2026-10-01-fog", "--root", str(fog))
    assert (again.exit_code, again.stdout) == (0, "Up to date: 2026-10-01-fog.\n")


@pytest.mark.slow
def test_a_log_gets_one_line_for_each_long_task(fog):
    # CliRunner's stderr is no terminal, as in cron and CI: no bars, one line a finished task.
    result = run("build", "--root", str(fog))
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 2, result.stderr
    assert re.fullmatch(r"transcribed 2026-10-01-fog: 0:0\d of audio in \d+ s", lines[0])
    assert re.fullmatch(r"mastered 2026-10-01-fog: 0:0\d of audio in \d+ s", lines[1])
    again = run("build", "--root", str(fog))  # nothing to do: nothing to log
    assert [line for line in again.stderr.splitlines() if not line.startswith("warning: ")] == []


@pytest.mark.slow
def test_corrected_transcript_survives_build_and_force_keeps_a_backup(fog):
    folder = fog / "episodes" / "2026-10-01-fog"
    assert run("build", "--root", str(fog)).exit_code == 0
    path = folder / "transcript.json"
    doc = json.loads(path.read_text())
    doc["segments"][0]["text"] = "In the fog, use a very bright front light."
    doc["segments"][0]["speaker"] = "Ada Lindqvist"
    path.write_text(json.dumps(doc, indent=2))
    corrected = path.read_bytes()

    result = run("build", "--root", str(fog))
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == corrected
    page = (fog / "feeds/episodes/2026-10-01-fog/index.html").read_text()
    assert "use a very bright front light" in page and "Ada Lindqvist:" in page
    assert (
        "use a very bright front light"
        in (fog / "feeds/episodes/2026-10-01-fog/transcript.vtt").read_text()
    )

    forced = run("transcribe", "--force", "2026-10-01-fog", "--root", str(fog))
    assert (forced.exit_code, forced.stdout) == (0, "Transcribed 2026-10-01-fog.\n")
    [backup] = folder.glob("transcript.edited-*.json")
    assert backup.read_bytes() == corrected
    assert "very bright" not in path.read_text()


def test_transcribe_unknown_slug_is_a_usage_error(fog):
    result = run("transcribe", "2026-10-02-nope", "--root", str(fog))
    assert result.exit_code == 2
    assert (
        "no published episode named 2026-10-02-nope; choose from: 2026-10-01-fog" in result.stderr
    )


@pytest.mark.slow
def test_check_before_and_after_a_build(fog):
    before = run("check", "--root", str(fog))
    assert before.exit_code == 1
    assert (
        before.stderr == f"error: {fog / 'feeds'}: has no podcast.xml; run `pipeline build` first\n"
    )
    assert before.stdout == "1 error, 0 warnings.\n"

    assert run("build", "--root", str(fog)).exit_code == 0
    after = run("check", "--root", str(fog))
    # The test show has no artwork of its own: generated artwork is used, with a warning.
    assert after.exit_code == 0, after.stderr
    assert after.stdout.endswith(" warnings.\n") or after.stdout.endswith(" warning.\n")
    assert after.stdout.startswith("0 errors, ")


@pytest.mark.slow
def test_check_finds_a_tampered_enclosure(fog):
    assert run("build", "--root", str(fog)).exit_code == 0
    mp3 = fog / "feeds/episodes/2026-10-01-fog/2026-10-01-fog.mp3"
    mp3.write_bytes(mp3.read_bytes()[:-100])
    result = run("check", "--root", str(fog))
    assert result.exit_code == 1
    assert "podcast.xml" in result.stderr and "Fog and lights" in result.stderr
    assert "length" in result.stderr


def test_a_finished_line_on_a_terminal_leaves_the_progress_bar_running(capsys):
    """A cluster finishes recordings while its one bar (hours of audio, ETA) runs on."""
    from pipeline.cli import TerminalReporter

    reporter = TerminalReporter()
    show = reporter.task("transcribe on the cluster", 100.0)
    show(25.0, 100.0)
    reporter.finished("transcribed 2026-10-01-fog on laptop-b")
    assert reporter.bar is not None and reporter.bar.n == 25.0
    show(50.0, 100.0)
    assert reporter.bar.n == 50.0
    reporter.done()
    assert reporter.bar is None
    assert "transcribed 2026-10-01-fog on laptop-b\n" in capsys.readouterr().err
