"""Looking at videos with ffmpeg: what an upload really is, and a thumbnail of it.

imageio-ffmpeg ships ``ffmpeg`` but no ``ffprobe``, so a probe is ``ffmpeg -i <url>`` without
an output, whose stderr lists the container, the duration and the streams; :func:`parse_probe`
reads that (pure, unit-tested with real samples). The object is read through a short-lived
presigned URL, never downloaded whole. Before ffmpeg sees a byte the container is proven by
its magic bytes (:func:`sniff_container`) and the demuxer is forced to it, so a playlist or
concat file dressed up as a video cannot make ffmpeg fetch other addresses or files.

The magic-byte checks are pure and used by the API; everything that runs ffmpeg
(:func:`probe`, :func:`thumbnail`) is called only by the media job (``backend.jobs.media``),
the one place ffmpeg is installed in AWS. The binary is found lazily, on first use.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from backend.settings import get_settings

Container = str  # "mp4" | "quicktime" | "webm" | "matroska"

# The content type each container is sent as, and how people call it.
CONTAINER_TYPES: dict[Container, str] = {"mp4": "video/mp4", "quicktime": "video/quicktime", "webm": "video/webm"}
CONTAINER_NAMES: dict[Container, str] = {
    "mp4": "an MP4",
    "quicktime": "a QuickTime (MOV)",
    "webm": "a WebM",
    "matroska": "a Matroska (MKV)",
}
TYPE_NAMES: dict[str, str] = {"video/mp4": "MP4", "video/quicktime": "QuickTime (MOV)", "video/webm": "WebM"}
# ffmpeg's demuxer for each container (mp4 and mov share one; webm is Matroska).
DEMUXERS: dict[Container, str] = {"mp4": "mov", "quicktime": "mov", "webm": "matroska", "matroska": "matroska"}
# Codecs browsers play (Safari adds HEVC); anything else would upload fine and never play.
PLAYABLE_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1"})
# Only what a presigned URL (or a local file in tools) needs.
PROTOCOLS = "file,http,https,tcp,tls,crypto"
SNIFF_BYTES = 64


class VideoError(Exception):
    """ffmpeg could not do its work (missing binary, timeout, or it failed on the file)."""


def ffmpeg_exe() -> str:
    """The configured binary, the binary inside a configured ``.gz``, or imageio-ffmpeg's."""
    configured = get_settings().ffmpeg_path
    if configured.endswith(".gz"):
        return _unpacked_ffmpeg(configured)
    return configured or _bundled_ffmpeg()


@lru_cache(maxsize=4)
def _unpacked_ffmpeg(archive: str) -> str:
    """The Lambda layer's gzipped ffmpeg (``infra/assets.py``: the raw binary would not fit
    Lambda's size limit beside the code), unpacked once per process into the temporary
    directory (about a second); the rename makes a half-written binary never runnable."""
    import gzip
    import shutil
    import tempfile

    status = os.stat(archive)
    target = os.path.join(tempfile.gettempdir(), f"lumi-ffmpeg-{status.st_size}-{int(status.st_mtime)}")
    if not os.path.exists(target):
        with (
            gzip.open(archive, "rb") as packed,
            tempfile.NamedTemporaryFile(dir=os.path.dirname(target), prefix=".lumi-ffmpeg-", delete=False) as out,
        ):
            shutil.copyfileobj(packed, out, 1024 * 1024)
        os.chmod(out.name, 0o755)
        os.replace(out.name, target)
    return target


@lru_cache(maxsize=1)
def _bundled_ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


# ---------------------------------------------------------------- magic bytes


def sniff_container(head: bytes) -> Container | None:
    """The container the first bytes prove (ISO BMFF ``ftyp`` or an EBML header), else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        return "quicktime" if brand == b"qt  " else "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        doc_type = _ebml_doc_type(head)
        if doc_type == "webm":
            return "webm"
        if doc_type == "matroska":
            return "matroska"
    return None


def _ebml_doc_type(head: bytes) -> str | None:
    """The DocType (element 0x4282) of an EBML header: its one-byte size, then the text."""
    at = head.find(b"\x42\x82")
    if at < 0 or at + 3 > len(head):
        return None
    size_byte = head[at + 2]
    if not size_byte & 0x80:  # longer size encodings never appear for these short names
        return None
    size = size_byte & 0x7F
    return head[at + 3 : at + 3 + size].decode("ascii", "replace")


def type_mismatch(declared: str, container: Container) -> str | None:
    """Why the bytes do not fit the declared type, in words (None when they do)."""
    if CONTAINER_TYPES.get(container) == declared:
        return None
    actual = CONTAINER_NAMES.get(container, "a different kind of")
    return f"The file is {actual} video but was sent as {TYPE_NAMES.get(declared, declared)}"


# ---------------------------------------------------------------- probing


@dataclass(frozen=True)
class VideoProbe:
    formats: tuple[str, ...]
    duration_seconds: float | None
    video_codec: str | None
    width: int | None
    height: int | None
    rotation: float = 0.0

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def display_size(self) -> tuple[int | None, int | None]:
        """Width and height as shown: a phone's portrait video is stored landscape and rotated."""
        if round(abs(self.rotation)) % 180 == 90:
            return self.height, self.width
        return self.width, self.height


_INPUT = re.compile(r"^Input #0, (?P<formats>[^,]+(?:,[^,]+)*?), from ", re.MULTILINE)
_DURATION = re.compile(r"^\s*Duration: (?:(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)|N/A)", re.MULTILINE)
_VIDEO = re.compile(r"^\s*Stream #0:\d+\S*: Video: (?P<codec>[a-z0-9_]+)(?P<rest>.*)$", re.MULTILINE)
_SIZE = re.compile(r"(?:^|[ ,])(?P<w>\d{2,5})x(?P<h>\d{2,5})(?:[ ,\[]|$)")
_ROTATION = re.compile(r"rotation of (?P<deg>-?\d+(?:\.\d+)?) degrees")
_TIME = re.compile(r"time=(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)")


def parse_probe(stderr: str) -> VideoProbe | None:
    """What ``ffmpeg -i`` printed about its input; None when it could not open it at all."""
    opened = _INPUT.search(stderr)
    if opened is None:
        return None
    duration = None
    found = _DURATION.search(stderr)
    if found and found.group("h") is not None:
        duration = int(found["h"]) * 3600 + int(found["m"]) * 60 + float(found["s"])
    codec = width = height = None
    rotation = 0.0
    video = _VIDEO.search(stderr)
    if video:
        codec = video["codec"]
        size = _SIZE.search(video["rest"])
        if size:
            width, height = int(size["w"]), int(size["h"])
        turned = _ROTATION.search(stderr, video.end())
        if turned:
            rotation = float(turned["deg"])
    return VideoProbe(
        formats=tuple(part.strip() for part in opened["formats"].split(",")),
        duration_seconds=duration,
        video_codec=codec,
        width=width,
        height=height,
        rotation=rotation,
    )


def parse_decoded_seconds(stderr: str) -> float | None:
    """How far ffmpeg got when it read the whole stream (its last ``time=``)."""
    times = list(_TIME.finditer(stderr))
    if not times:
        return None
    last = times[-1]
    return int(last["h"]) * 3600 + int(last["m"]) * 60 + float(last["s"])


def _run(arguments: list[str]) -> subprocess.CompletedProcess[bytes]:
    timeout = get_settings().ffmpeg_timeout_seconds
    try:
        return subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", *arguments],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise VideoError(f"ffmpeg took longer than {timeout:.0f}s") from error
    except OSError as error:
        raise VideoError(f"ffmpeg could not run: {error}") from error


def _input(source: str, container: Container, seek: float | None = None) -> list[str]:
    arguments = ["-protocol_whitelist", PROTOCOLS, "-f", DEMUXERS[container]]
    if seek:
        arguments += ["-ss", f"{seek:.3f}"]
    return [*arguments, "-i", source]


def probe(source: str, container: Container) -> VideoProbe | None:
    """Probe a video (URL or path) as the container its bytes proved; None if ffmpeg cannot open it.

    A recording made by a browser's MediaRecorder carries no duration; it is then measured by
    reading the video stream through once (no decoding).
    """
    result = _run(_input(source, container))
    found = parse_probe(result.stderr.decode("utf-8", "replace"))
    if found is None or not found.has_video or found.duration_seconds is not None:
        return found
    measured = _run([*_input(source, container), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"])
    seconds = parse_decoded_seconds(measured.stderr.decode("utf-8", "replace"))
    return VideoProbe(found.formats, seconds, found.video_codec, found.width, found.height, found.rotation)


# ---------------------------------------------------------------- thumbnails


def thumbnail_at(duration_seconds: float | None, wanted: float) -> float:
    """About a second in, unless the video is not that long: then its first frame."""
    if duration_seconds is None or duration_seconds <= wanted:
        return 0.0
    return wanted


def thumbnail(source: str, container: Container, at_seconds: float, width: int) -> bytes:
    """One frame at ``at_seconds``, ``width`` pixels wide (height keeps the aspect, even), as JPEG."""
    result = _run(
        [
            "-loglevel",
            "error",
            *_input(source, container, seek=at_seconds),
            "-frames:v",
            "1",
            "-vf",
            f"scale={int(width)}:-2",
            "-q:v",
            "4",
            "-c:v",
            "mjpeg",
            "-f",
            "image2pipe",
            "pipe:1",
        ]
    )
    if result.returncode != 0 or not result.stdout.startswith(b"\xff\xd8\xff"):
        detail = result.stderr.decode("utf-8", "replace").strip()[-500:]
        raise VideoError(f"ffmpeg made no thumbnail (exit {result.returncode}): {detail}")
    return result.stdout
