"""Every way the pipeline writes a time, each rule stated once."""

from __future__ import annotations


def _hms(seconds: float) -> tuple[int, int, int]:
    """Whole hours, minutes and seconds of ``seconds`` (fractions dropped)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs


def clock(seconds: float | None) -> str:
    """Pages: ``M:SS``, or ``H:MM:SS`` from an hour on, as hosts write chapter times."""
    if seconds is None:
        return ""
    hours, minutes, secs = _hms(seconds)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def description_clock(seconds: float, hours: bool) -> str:
    """Feed descriptions: ``MM:SS``, or ``HH:MM:SS`` when ``hours``.

    Spotify and YouTube read chapter starts written this way, zero-padded; ``hours`` is the
    same for every chapter of an episode, so its list reads alike.
    """
    h, minutes, secs = _hms(seconds)
    return f"{h:02d}:{minutes:02d}:{secs:02d}" if hours else f"{h * 60 + minutes:02d}:{secs:02d}"


def _timestamp(seconds: float, marker: str) -> str:
    """``HH:MM:SS`` then ``marker`` and milliseconds; negative times are 0."""
    ms = round(max(seconds, 0.0) * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{marker}{ms:03d}"


def vtt_timestamp(seconds: float) -> str:
    """WebVTT cue times: ``HH:MM:SS.mmm``."""
    return _timestamp(seconds, ".")


def srt_timestamp(seconds: float) -> str:
    """SubRip cue times: ``HH:MM:SS,mmm``."""
    return _timestamp(seconds, ",")


def npt(seconds: float) -> str:
    """Normal play time as Podlove Simple Chapters write it: ``HH:MM:SS.mmm``."""
    return _timestamp(seconds, ".")


def json_seconds(seconds: float) -> int | float:
    """JSON chapters' ``startTime``: seconds to the millisecond, whole seconds as integers."""
    value = round(seconds, 3)
    return int(value) if value == int(value) else value


def duration_seconds(seconds: float) -> str:
    """``itunes:duration``: whole seconds."""
    return str(round(seconds))
