"""Feed rules of `pipeline check`: what apps and directories require of the published feeds."""

from __future__ import annotations

from pathlib import Path

from pipeline.check.rules import APPLE_CATEGORIES, RULES
from pipeline.check.run import check_feeds
from pipeline.state import guids_path

STATE_FILE = guids_path(Path()).name  # the guid state's file name in the state folder

__all__ = ["APPLE_CATEGORIES", "RULES", "STATE_FILE", "check_feeds"]
