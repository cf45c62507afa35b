"""site.toml: a host's typo names the key and the nearest valid one; exit status 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_site
from pipeline.errors import ConfigError
from tests.conftest import SITE_TOML


def test_valid_site_has_defaults(show):
    site = load_site(show)
    assert site.title == "Rain and Bikes"
    assert site.url == "https://rain.example.org/"
    assert site.categories == ("Sports/Wilderness", "Leisure")
    assert site.timezone == "UTC"
    assert site.locked is True
    assert site.transcribe.engine == "faster-whisper"
    assert site.transcription_model == "tiny.en"
    assert site.audio.bitrate == 64 and site.audio.loudness is None


def test_url_without_trailing_slash_is_completed(show):
    (show / "site.toml").write_text(SITE_TOML.replace('rain.example.org/"', 'rain.example.org"'))
    assert load_site(show).url == "https://rain.example.org/"


def test_non_english_show_defaults_to_multilingual_base(show):
    (show / "site.toml").write_text(SITE_TOML.replace('language = "en"', 'language = "de-DE"'))
    site = load_site(show)
    assert site.transcription_language == "de"
    assert site.transcription_model == "base"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("titel = ", "title = "), "unknown key 'titel'; did you mean 'title'?"),
        (('author = "Ada and Ben"\n', ""), "missing required key 'author'"),
        (
            ("[transcribe]", None),
            "unknown key 'transcribe.modle'; did you mean 'transcribe.model'?",
        ),
        (
            ('url = "https://rain.example.org/"', 'url = "rain.example.org"'),
            "'url' must be an absolute",
        ),
        (('hosts = ["Ada"]', 'hosts = "Ada"'), "'hosts' must be a list"),
        (
            ('hosts = ["Ada"]', 'timezone = "Mars/Olympus"'),
            "'timezone' 'Mars/Olympus' is not a time zone",
        ),
        (('hosts = ["Ada"]', "explicit = 1"), "'explicit' must be true or false (got 1)"),
    ],
)
def test_mistakes_name_the_key(show, change, message):
    old, new = change
    text = SITE_TOML
    if old == "[transcribe]":
        text += '\n[transcribe]\nmodle = "base"\n'
    elif old.startswith("titel"):
        text = text.replace("title = ", "titel = ")
    else:
        text = text.replace(old, new)
    (show / "site.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_site(show)
    assert message in str(info.value)
    assert str(show / "site.toml") in str(info.value)


def test_cli_exits_2_on_unknown_key(show):
    (show / "site.toml").write_text(SITE_TOML + 'colour = "red"\n')
    result = CliRunner().invoke(cli, ["build", "--root", str(show)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {show / 'site.toml'}: unknown key 'colour'")
    assert not (show / "feeds").exists()


def test_toml_syntax_error_is_a_config_error(show):
    (show / "site.toml").write_text(SITE_TOML + "broken = \n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_site(show)


def test_missing_site_toml_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"site\.toml: not found; create it"):
        load_site(tmp_path)
