"""The system Chromium that the browser tests drive through Playwright (no browser download)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> ModuleType:
    """Playwright's sync API, or skip the calling test module with the reason and the fix."""
    if not CHROMIUM.is_file():
        pytest.skip(
            f"no {CHROMIUM} (apt-get install chromium); .ci/run installs it",
            allow_module_level=True,
        )
    return pytest.importorskip(
        "playwright.sync_api",
        reason="playwright is not installed (pip install -e '.[dev]'); it drives the system "
        "Chromium",
    )


@contextlib.contextmanager
def headless_chromium() -> Iterator[Any]:
    """A headless system Chromium, closed after; skips the test where there is none."""
    sync_api = require_chromium()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
