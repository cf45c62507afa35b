"""site.toml from a shared drive: huge, deep, odd or hostile settings are a ConfigError.

Each names site.toml and the key, in a message short enough to read; nothing is a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline import config
from pipeline.config import load_site
from pipeline.errors import ConfigError
from tests.conftest import SITE_TOML


def site_error(show: Path, text: str) -> str:
    (show / "site.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site(show)
    message = str(info.value)
    assert message.startswith(f"{show / 'site.toml'}: "), message
    return message


def detail(message: str) -> str:
    """The message after the path of site.toml (which is as long as tmp_path makes it)."""
    return message.split(": ", 1)[1]


def with_line(old: str, new: str) -> str:
    assert old in SITE_TOML
    return SITE_TOML.replace(old, new)


# --- 3. size, 6. nesting, and numbers Python will not read -------------------------------


def test_a_huge_site_toml_is_refused_unread(show, monkeypatch):
    assert config.MAX_SITE_BYTES == 1_000_000
    monkeypatch.setattr(config.tomllib, "loads", lambda *a, **k: pytest.fail("parsed"))
    text = SITE_TOML + "# " + "x" * config.MAX_SITE_BYTES + "\n"
    message = site_error(show, text)
    assert "over the limit of 1,000,000 bytes (1 MB)" in message


@pytest.mark.parametrize(
    "value",
    ["[" * 5000 + "]" * 5000, "{a = " * 5000 + "1" + "}" * 5000, "[" * 30 + "1" + "]" * 30],
    ids=["arrays", "inline-tables", "just-too-deep"],
)
def test_deep_nesting_is_refused_fast(show, value):
    started = time.perf_counter()
    message = site_error(show, SITE_TOML + f"deep = {value}\n")
    assert time.perf_counter() - started < 5
    assert "nests too deeply" in message
    assert len(detail(message)) < 300


def test_a_number_too_long_to_read(show):
    message = site_error(show, with_line('"Ada and Ben"', "1" + "0" * 5000))
    assert "is not valid TOML" in message and len(detail(message)) < 300


# --- 4. control characters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "code"),
    [
        ('"Rain and Bikes"', r'"Rain\u0007"', "'title'", "U+0007"),
        ('"Rain and Bikes"', r'"Rain\nand Bikes"', "'title'", "U+000A"),
        ('"Rain and Bikes"', r'"Rain\tand Bikes"', "'title'", "U+0009"),
        ('"Ada and Ben"', r'"Ada\u001b[2J"', "'author'", "U+001B"),
        ('["Ada"]', r'["Ada", "Ben\u0000"]', "'hosts' (item 2)", "U+0000"),
        ('"5b4c1a54', r'"\u007f5b4c1a54', "'guid'", "U+007F"),
        ('"Two friends', r'"Two\r friends', "'description'", "U+000D"),
        ('"Two friends', r'"Two\u0085 friends', "'description'", "U+0085"),
        ('["Sports/Wilderness"', r'["Sports\u0001"', "'categories' (item 1)", "U+0001"),
        ('"Rain and Bikes"', r'"Rain \u202eekib"', "'title'", "U+202E"),
    ],
)
def test_control_characters_name_the_key(show, old, new, key, code):
    message = site_error(show, with_line(old, new))
    assert f"{key} holds" in message and code in message
    assert not any(c in message for c in "\x00\x01\x07\x1b\x7f\x85")


def test_control_characters_in_a_table(show):
    text = SITE_TOML + '\n[newsletter]\npostal_address = "Radweg 12\\u0008"\n'
    message = site_error(show, text)
    assert "'newsletter.postal_address' holds" in message and "U+0008" in message


def test_control_characters_in_a_quoted_key(show):
    message = site_error(show, SITE_TOML + '"col\\u001bour" = 1\n')
    assert "U+001B" in message and "\x1b" not in message


def test_a_surrogate_escape_is_not_valid_toml(show):
    message = site_error(show, with_line('"Rain and Bikes"', r'"Rain \ud800"'))
    assert "is not valid TOML" in message


def test_a_description_may_span_lines(show):
    text = with_line(
        '"Two friends talk about cycling in bad weather."',
        '"""Two friends talk\r\nabout cycling\tin bad weather."""',
    )
    text += '\n[newsletter]\npostal_address = """Radweg 12\n10115 Berlin"""\n'
    (show / "site.toml").write_text(text)
    site = load_site(show)
    assert site.description == "Two friends talk\nabout cycling\tin bad weather."
    assert site.newsletter.postal_address == "Radweg 12\n10115 Berlin"


# --- 5. short messages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"https://rain.example.org/"', '"' + "u" * 100_000 + '"'),
        ('"owner@rain.example.org"', '"' + "e" * 100_000 + '"'),
        ('hosts = ["Ada"]', 'timezone = "' + "z" * 100_000 + '"'),
        ('hosts = ["Ada"]', "explicit = [" + ", ".join(['"' + "x" * 1000 + '"'] * 100) + "]"),
        ('hosts = ["Ada"]', '"' + "k" * 100_000 + '" = 1'),
    ],
    ids=["url", "email", "timezone", "type", "key"],
)
def test_a_huge_value_gives_a_short_message(show, old, new):
    assert len(detail(site_error(show, with_line(old, new)))) < 300


def test_a_huge_value_in_a_table(show):
    text = SITE_TOML + '\n[transcribe]\nengine = "' + "w" * 100_000 + '"\n'
    message = site_error(show, text)
    assert "'transcribe.engine' must be one of" in message and len(detail(message)) < 300


# --- 7. URLs and addresses ----------------------------------------------------------------

BAD_URLS = [
    "javascript:alert(1)", "data:text/html,x", "//evil.example", "http:/x", "https://",
    "https:///etc/passwd", "https://exa mple.org/", "ftp://example.org/", "https://[::1",
    "https://example.org:99999/",
]  # fmt: skip


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("key", ["url", "funding_url", "newsletter.api_url"])
def test_urls_must_be_http_with_a_host(show, key, url):
    if key == "url":
        text = with_line('"https://rain.example.org/"', f'"{url}"')
    elif key == "funding_url":
        text = SITE_TOML + f'funding_url = "{url}"\n'
    else:
        text = SITE_TOML + f'\n[newsletter]\napi_url = "{url}"\n'
    message = site_error(show, text)
    assert f"'{key}' must be an absolute http(s) URL" in message


def test_the_funding_link_cannot_run_script(show):
    message = site_error(show, SITE_TOML + 'funding_url = "javascript:alert(1)"\n')
    assert "'funding_url' must be an absolute http(s) URL" in message
    assert "'javascript:alert(1)'" in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://lists.example.org/u?e={email}", "'newsletter.unsubscribe_url' must be an https"),
        ("javascript:alert(1)", "'newsletter.unsubscribe_url' must be an https"),
        ("https://lists.example.org/u?e={mail}", "unknown placeholder {mail}"),
        ("https://{email}.example.org/u", "placeholders belong in the path or the query"),
        ("https://lists.example.org/u?e={email", "unknown placeholder"),
    ],
)
def test_the_unsubscribe_url(show, url, problem):
    message = site_error(show, SITE_TOML + f'\n[newsletter]\nunsubscribe_url = "{url}"\n')
    assert problem in message


def test_urls_that_are_fine(show):
    text = (
        SITE_TOML
        + 'funding_url = "https://rain.example.org/support"\n'
        + "\n[newsletter]\n"
        + 'unsubscribe_url = "https://lists.example.org/u?e={email}&t={token}"\n'
        + 'api_url = "http://127.0.0.1:8025/api/"\n'
        + 'from = "Rain Letters <letters@rain.example.org>"\n'
        + 'reply_to = "ada@rain.example.org"\n'
    )
    (show / "site.toml").write_text(text)
    site = load_site(show)
    assert site.funding_url == "https://rain.example.org/support"
    assert site.newsletter.unsubscribe_url == "https://lists.example.org/u?e={email}&t={token}"
    assert site.newsletter.from_ == "Rain Letters <letters@rain.example.org>"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("email", "owner"),
        ("email", "owner@localhost"),
        ("email", "owner @rain.example.org"),
        ("email", "Owner <owner@rain.example.org>"),
        ("email", "a@b@rain.example.org"),
        ("newsletter.from", "letters"),
        ("newsletter.from", "Letters <letters@nowhere>"),
        ("newsletter.reply_to", "reply to me"),
    ],
)
def test_addresses_must_look_like_addresses(show, key, value):
    if key == "email":
        text = with_line('"owner@rain.example.org"', f'"{value}"')
    else:
        text = SITE_TOML + f'\n[newsletter]\n{key.split(".")[1]} = "{value}"\n'
    message = site_error(show, text)
    assert f"'{key}' must be an email address" in message


# --- 9. paths -----------------------------------------------------------------------------


def test_site_toml_linked_from_outside(show, tmp_path):
    outside = tmp_path / "elsewhere.toml"
    outside.write_text(SITE_TOML)
    (show / "site.toml").unlink()
    (show / "site.toml").symlink_to(outside)
    with pytest.raises(ConfigError) as info:
        load_site(show)
    assert str(info.value).startswith(f"{show / 'site.toml'}: points outside the show folder")


def test_site_toml_as_a_loop_of_links(show):
    (show / "site.toml").unlink()
    (show / "site.toml").symlink_to(show / "site.toml")
    with pytest.raises(ConfigError, match="is a link that cannot be followed"):
        load_site(show)


def test_site_toml_linked_from_inside_is_fine(show):
    (show / "settings").mkdir()
    (show / "site.toml").rename(show / "settings" / "site.toml")
    (show / "site.toml").symlink_to(show / "settings" / "site.toml")
    assert load_site(show).title == "Rain and Bikes"


@pytest.mark.parametrize("image", ["../outside.png", "/etc/passwd", "art/../../x.png"])
def test_the_image_must_be_a_path_inside_the_show(show, image):
    message = site_error(show, SITE_TOML + f'image = "{image}"\n')
    assert "'image' must be a path inside the show folder" in message


def test_an_image_in_a_subfolder_is_fine(show):
    (show / "site.toml").write_text(SITE_TOML + 'image = "art/cover.png"\n')
    assert load_site(show).image == "art/cover.png"
