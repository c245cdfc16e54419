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


# Files in a video container that no browser plays: an MPEG-4 Part 2 picture, or sound only.
_UNPLAYABLE: dict[str, list[str]] = {
    "mpeg4": ["-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=25", "-c:v", "mpeg4"],
    "sound_only": ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac"],
}


def unplayable_video(kind: str) -> bytes:
    """An MP4 that passes the magic-byte check but not ffmpeg's probe (``mpeg4``, ``sound_only``)."""
    with _lock:
        cached = _cache_dir() / f"unplayable-{kind}.mp4"
        if not cached.exists():
            subprocess.run(
                [ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *_UNPLAYABLE[kind], str(cached)],
                check=True,
                capture_output=True,
                timeout=120,
            )
    return cached.read_bytes()


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


# ---------------------------------------------------------------- photos (Pillow)

PHOTO_CONTENT_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}
# Where the test photo was taken: what must never reach a partner's browser or stay stored.
GPS_LATITUDE = (52.0, 31.0, 12.34)
GPS_LONGITUDE = (13.0, 24.0, 56.78)


def make_photo(
    fmt: str = "jpeg", size: tuple[int, int] = (2400, 1200), orientation: int = 6, gps: bool = True
) -> bytes:
    """A photo as a phone stores it: ``size`` as stored (left half red, right half blue), with an
    EXIF orientation (6: turn it a quarter clockwise to show it, so red ends on top), GPS tags,
    a camera make, XMP, a comment and an sRGB ICC profile, in ``fmt`` (jpeg, png, webp, heic)."""
    import io

    from PIL import Image, ImageCms, ImageDraw

    width, height = size
    picture = Image.new("RGB", size, (0, 0, 255))
    ImageDraw.Draw(picture).rectangle((0, 0, width // 2 - 1, height - 1), fill=(255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "LumiTestCam"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: GPS_LATITUDE, 3: "E", 4: GPS_LONGITUDE}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description GPSLatitude="52,31.2N"/></rdf:RDF></x:xmpmeta>'
    )
    out = io.BytesIO()
    if fmt == "jpeg":
        picture.save(out, "JPEG", quality=90, exif=exif, icc_profile=icc, xmp=xmp, comment=b"taken at home")
    elif fmt == "png":
        picture.save(out, "PNG", exif=exif, icc_profile=icc)
    elif fmt == "webp":
        picture.save(out, "WEBP", quality=85, exif=exif, icc_profile=icc, xmp=xmp)
    elif fmt == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        picture.save(out, "HEIF", quality=80, exif=exif.tobytes())
    else:
        raise ValueError(f"unknown photo format {fmt!r}")
    return out.getvalue()


def jpeg_markers(data: bytes) -> list[int]:
    """The segment markers of a JPEG up to its scan (0xE0 APP0 … 0xFE COM, 0xDB tables, 0xC2 frame…)."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    markers: list[int] = []
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError(f"no marker at {at}")
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the pixels follow
            break
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return markers
