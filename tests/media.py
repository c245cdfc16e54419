"""Real small videos for tests, made with ffmpeg's ``testsrc`` (the imageio-ffmpeg binary).

``make_video()`` returns a cached file (one per kind, made once per test session);
``make_video(path)`` copies it there. Formats: ``mp4`` (H.264, yuv420p, +faststart), ``webm``
(VP8) and ``mov`` (H.264 in QuickTime). ``CONTENT_TYPES`` gives each one's upload type.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Literal

VideoFormat = Literal["mp4", "webm", "mov"]
CONTENT_TYPES: dict[str, str] = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}

_ENCODERS: dict[str, list[str]] = {
    "mp4": ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
    "mov": ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-f", "mov"],
    "webm": ["-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8"],
}
_lock = threading.Lock()
_directory: Path | None = None


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _cache_dir() -> Path:
    global _directory
    if _directory is None:
        _directory = Path(tempfile.mkdtemp(prefix="lumi-test-videos-"))
        atexit.register(shutil.rmtree, _directory, True)
    return _directory


def make_video(
    path: Path | str | None = None, seconds: float = 3, fmt: VideoFormat = "mp4", size: str = "320x240"
) -> Path:
    """A ``seconds``-long test pattern video of ``size`` (``"WxH"``) in ``fmt``."""
    if fmt not in _ENCODERS:
        raise ValueError(f"unknown video format {fmt!r}")
    with _lock:
        cached = _cache_dir() / f"testsrc-{seconds:g}s-{size}.{fmt}"
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
                    f"testsrc=duration={seconds:g}:size={size}:rate=25",
                    *_ENCODERS[fmt],
                    str(partial),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            partial.rename(cached)
    if path is None:
        return cached
    target = Path(path)
    shutil.copyfile(cached, target)
    return target


def video_bytes(seconds: float = 3, fmt: VideoFormat = "mp4", size: str = "320x240") -> bytes:
    return make_video(seconds=seconds, fmt=fmt, size=size).read_bytes()


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame marker."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    at = 2
    while at + 9 < len(data):
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return width, height
        at += 2 + length
    raise ValueError("no frame header in this JPEG")
