"""Real small songs for tests, made with ffmpeg's ``sine`` source (the imageio-ffmpeg binary).

``make_song(fmt)`` returns the bytes of a ``seconds``-long sine tone in one of the formats a
song may come in; each kind is made once per test session and cached. ``CONTENT_TYPES`` gives
each one's upload type (what a browser calls it).
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Literal

from tests.media import ffmpeg

SongFormat = Literal["mp3", "m4a", "flac", "ogg", "opus", "wav"]
FORMATS: tuple[SongFormat, ...] = ("mp3", "m4a", "flac", "ogg", "opus", "wav")
CONTENT_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "m4a": "audio/x-m4a",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/opus",
    "wav": "audio/wav",
}

_ENCODERS: dict[str, list[str]] = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
    "m4a": ["-c:a", "aac", "-b:a", "64k", "-f", "ipod"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "2", "-f", "ogg"],
    "opus": ["-c:a", "libopus", "-b:a", "48k", "-f", "ogg"],
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
}
_lock = threading.Lock()
_directory: Path | None = None


def _cache_dir() -> Path:
    global _directory
    if _directory is None:
        _directory = Path(tempfile.mkdtemp(prefix="lumi-test-songs-"))
        atexit.register(shutil.rmtree, _directory, True)
    return _directory


def make_song_file(fmt: SongFormat = "mp3", seconds: float = 2, frequency: int = 440) -> Path:
    """A cached file: a ``seconds``-long sine tone of ``frequency`` Hz, stereo 44.1 kHz, in ``fmt``.
    Copy it before changing it (tagging)."""
    if fmt not in _ENCODERS:
        raise ValueError(f"unknown song format {fmt!r}")
    with _lock:
        cached = _cache_dir() / f"sine-{frequency}-{seconds:g}s.{fmt}"
        if not cached.exists():
            partial = cached.with_name(f"partial-{cached.name}")
            subprocess.run(
                [
                    ffmpeg(),
                    "-hide_banner",
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    f"sine=frequency={frequency}:duration={seconds:g}:sample_rate=44100",
                    "-ac",
                    "2",
                    "-map_metadata",
                    "-1",
                    *_ENCODERS[fmt],
                    str(partial),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            partial.rename(cached)
    return cached


def make_song(fmt: SongFormat = "mp3", seconds: float = 2, frequency: int = 440) -> bytes:
    return make_song_file(fmt, seconds, frequency).read_bytes()
