"""Text that every published file can carry: XML 1.0 and control characters removed."""

from __future__ import annotations

import re

# Characters XML 1.0 cannot hold, and other control characters: dropped from all text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Drop control characters (and anything else XML 1.0 cannot carry) from text."""
    return _CONTROL.sub("", text)
