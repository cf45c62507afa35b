"""The house rules of docs/architecture.md: stages stand apart, imports point down."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
STAGES = ("load", "transcribe", "chapters", "link", "master", "shorten", "render", "publish")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The pipeline modules a file imports, as dotted names (``pipeline.load``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("pipeline"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "pipeline":
                names.update(f"pipeline.{a.name}" for a in node.names)
            elif node.module.startswith("pipeline."):
                names.add(node.module)
    return names


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_a_stage_imports_no_other_stage(path: Path):
    own = stage_of(module_name(path))
    if own is None:
        return
    others = {m for m in imported(path) if stage_of(m) not in (None, own)}
    assert others == set(), f"{module_name(path)} imports {sorted(others)}: let build pass it"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_only_build_and_the_cli_sequence_the_stages(path: Path):
    if module_name(path) in ("pipeline.build", "pipeline.cli", "pipeline.__main__"):
        return
    for module in imported(path):
        assert module not in ("pipeline.build", "pipeline.cli"), (
            f"{module_name(path)} imports {module}: imports point down"
        )


def test_the_cli_calls_build_and_no_stage():
    stages = {m for m in imported(PACKAGE / "cli.py") if stage_of(m)}
    assert stages == set(), f"cli.py imports the stages {sorted(stages)}: call build instead"


def test_every_module_says_what_it_is_for():
    for path in MODULES:
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc, f"{module_name(path)} has no docstring"


def test_no_module_is_too_long_to_hold():
    long = {module_name(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > 420}
    assert long == {}, f"split these along their seams: {long}"


def test_rendering_loads_no_audio_or_whisper_library():
    script = (
        "import sys, pipeline.render, pipeline.publish; "
        "print(sorted(m for m in ('av', 'numpy', 'faster_whisper', 'ctranslate2', 'torch') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
