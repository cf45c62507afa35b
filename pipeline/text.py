"""Checks on text from the show folder: characters, URLs, addresses, how a message quotes it.

Hosts type this text (site.toml, front matter, outlines, file names), and the show folder is
shared, so ``config``, ``frontmatter`` and ``load`` check it by the same rules here.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import urlsplit

MAX_DEPTH = 20  # levels of nesting in a parsed document (site.toml, front matter)
SHOWN = 40  # characters of a value that a message quotes

_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxlist, _repr.maxdict, _repr.maxtuple, _repr.maxset = 2, 4, 4, 4, 4
_repr.maxstring = _repr.maxother = _repr.maxlong = SHOWN


def shown(value: object, limit: int = SHOWN) -> str:
    """``repr(value)`` for a message: control characters escaped, cut after ``limit`` with "…".

    A host's value may be a megabyte long or nested a thousand deep; the message stays short.
    """
    if isinstance(value, str):
        text = repr(value[:limit])
        cut = len(value) > limit
    else:
        try:
            text = _repr.repr(value)
        except (ValueError, RecursionError):  # an int too long for str(), a pathological value
            text = f"<{type(value).__name__}>"
        cut = False
    if len(text) > limit + 2:  # escapes (\x1b, \ud800) make a repr longer than its value
        text, cut = text[:limit], True
    return text + "…" if cut else text


def clipped(text: str, limit: int = SHOWN) -> str:
    """A key or name as it is, cut after ``limit`` characters with "…"."""
    return text if len(text) <= limit else text[:limit] + "…"


# The rule for characters in host text (front matter, the outline body, site.toml, track file
# names): C0 controls, DEL, C1 controls and lone surrogates (U+D800-U+DFFF, which only escapes
# like "\ud800" produce, or a file name that is not UTF-8) are refused everywhere: they are
# invisible in an editor and break feeds, terminals and XML. Multi-line text (an outline body,
# a summary, a description, a postal address) may hold line breaks and tabs; every other field
# is one line (a title, a name, a URL, an address), so a line break or a tab there is refused
# too, rather than silently joined. A carriage return is refused everywhere: files have their
# CRLF line endings normalised before this check, so a lone one is a stray character.
# The bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are
# refused too: invisible, they make a title or a name read in another order than it is
# written ("Trojan Source"). Right-to-left text needs none of them; the marks U+200E, U+200F
# and U+061C stay allowed.
_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_BAD_MULTILINE = re.compile(f"[{_CONTROLS}]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BAD_SINGLE_LINE = re.compile(f"[{_CONTROLS}\\t\\n]")


def bad_character(text: str, multiline: bool = False) -> re.Match[str] | None:
    """The first character of ``text`` that host text may not hold (the rule above)."""
    return (_BAD_MULTILINE if multiline else _BAD_SINGLE_LINE).search(text)


def describe_character(char: str) -> str:
    """A refused character for a message: 'the control character U+001B', 'a tab (U+0009)'."""
    code = f"U+{ord(char):04X}"
    names = {"\n": "a line break", "\t": "a tab", "\r": "a carriage return"}
    if char in names:
        return f"{names[char]} ({code})"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate ({code})"
    if _BIDI.match(char):
        return f"the bidirectional control character {code}, which makes text read in another order"
    return f"the control character {code}"


def character_problem(char: str, field: str = "it") -> str:
    """What is wrong with ``char`` and how to fix it, for a message: 'holds ...; ...'."""
    if char == "\n":
        fix = f"keep {field} on one line"
    elif char == "\t":
        fix = "use a space instead"
    elif "\ud800" <= char <= "\udfff":
        fix = (
            "it is half of an escaped character: write the character itself (an emoji as it "
            "is, or escaped whole, like \\U0001F600)"
        )
    elif char == "\r":
        fix = "remove it"
    else:
        fix = "remove it (most editors do not show it)"
    return f"holds {describe_character(char)}; {fix}"


def text_problem(value: Any, multiline: Collection[str] = ()) -> str | None:
    """The first string, key or value, in a parsed document that breaks the character rule.

    ``multiline`` names the dotted keys (``newsletter.description``) whose text may span
    lines. Nesting deeper than MAX_DEPTH is a problem too. Iterative: no depth can recurse.
    """
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        trail, item = stack.pop()
        if len(trail) > MAX_DEPTH:
            return (
                f"{_label(trail[:1])} nests too deeply (more than {MAX_DEPTH} levels); flatten it"
            )
        if isinstance(item, str):
            dotted = ".".join(s for s in trail if isinstance(s, str))
            bad = bad_character(item, multiline=dotted in multiline)
            if bad:
                return f"{_label(trail)} {character_problem(bad.group(), _label(trail))}"
        elif isinstance(item, dict):
            for key in item:
                bad = bad_character(str(key))
                if bad:
                    where = f" in {_label(trail)}" if trail else ""
                    return f"the key {shown(key)}{where} {character_problem(bad.group())}"
            stack.extend(reversed([((*trail, str(k)), v) for k, v in item.items()]))
        elif isinstance(item, list | tuple):
            stack.extend(reversed([((*trail, i), v) for i, v in enumerate(item)]))
    return None


def _label(trail: Iterable[str | int]) -> str:
    """('guests', 0, 'name') as "'guests' (item 1, 'name')"; ('newsletter', 'from') dotted."""
    names: list[str] = []
    inner: list[str] = []
    for step in trail:
        if isinstance(step, int):
            inner.append(f"item {step + 1}")
        elif inner:
            inner.append(f"'{clipped(step)}'")
        else:
            names.append(clipped(step))
    label = "'" + ".".join(names) + "'"
    return f"{label} ({', '.join(inner)})" if inner else label


def is_http_url(value: str, schemes: Collection[str] = ("http", "https")) -> bool:
    """An absolute http(s) URL with a host: no ``javascript:``, ``//host``, ``http:/path``."""
    if not value or any(c.isspace() or c == "\\" for c in value) or bad_character(value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises for a port that is no number or out of range
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname)


_ATOM = r"[^\s@<>()\[\]\\,;:\"]"
_DOMAIN_LABEL = r"[^\s@<>()\[\]\\,;:\".]"
_ADDRESS = re.compile(f"{_ATOM}+@(?:{_DOMAIN_LABEL}+\\.)+{_DOMAIN_LABEL}+")
_NAMED_ADDRESS = re.compile(r'[^<>@"]*<([^<>]+)>')


def is_email_address(value: str, display_name: bool = False) -> bool:
    """One ``@``, a dot in the domain, no spaces or controls; ``Name <addr>`` if allowed."""
    if bad_character(value):
        return False
    named = _NAMED_ADDRESS.fullmatch(value) if display_name else None
    address = named.group(1) if named else value
    return len(address) <= 254 and _ADDRESS.fullmatch(address) is not None
