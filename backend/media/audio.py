"""Audio files: which container the first bytes prove, and which content types announce audio.

Pure functions (the music job adds ffmpeg's probe and mutagen's tags on top). A song's
declared type only chooses the upload's policy: what the file *is* is decided by its bytes,
so an ``.mp3`` that is really an M4A (common in people's libraries) is still a song. A file
whose bytes prove no audio container is refused.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from backend.settings import get_settings

AudioContainer = Literal["mp3", "mp4", "aac", "flac", "ogg", "wav"]

# Enough for every signature below (RIFF/WAVE, ftyp, an ADTS or MPEG frame header).
SNIFF_BYTES = 64

# What browsers (and people's systems) call these files; the API accepts exactly these.
CONTENT_TYPES: dict[str, AudioContainer] = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "mp4",
    "audio/x-m4a": "mp4",
    "audio/m4a": "mp4",
    "audio/aac": "aac",
    "audio/x-aac": "aac",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
}

# The video containers moments take are not songs, even when they hold only sound.
_MP4_VIDEO_BRANDS = {b"qt  "}


def sniff_container(head: bytes) -> AudioContainer | None:
    """The audio container the first bytes prove, else None."""
    if head[:3] == b"ID3":
        # An ID3v2 tag leads MP3s (and, rarely, other files; ffmpeg's probe decides then).
        return "mp3"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] not in _MP4_VIDEO_BRANDS:
        return "mp4"
    if len(head) >= 4 and head[0] == 0xFF:
        second = head[1]
        if second & 0xF6 == 0xF0:  # ADTS: sync 0xFFF, layer 00
            return "aac"
        if second & 0xE0 == 0xE0 and (second >> 1) & 0x3 != 0 and (second >> 3) & 0x3 != 1:
            # An MPEG audio frame: sync, a known version, layer I-III (an MP3 without a tag).
            bitrate_index = head[2] >> 4
            if bitrate_index not in (0, 15) and (head[2] >> 2) & 0x3 != 3:
                return "mp3"
    return None


# ---------------------------------------------------------------- ffmpeg: probe, rendition, loudness, peaks

# ffmpeg's demuxer for each container, forced before it reads a byte (as for videos: a
# playlist or concat file dressed up as a song cannot make ffmpeg open other addresses).
DEMUXERS: dict[AudioContainer, str] = {
    "mp3": "mp3",
    "mp4": "mov",
    "aac": "aac",
    "flac": "flac",
    "ogg": "ogg",
    "wav": "wav",
}
# The job reads a local copy: ffmpeg may open files only.
PROTOCOLS = "file"
RENDITION_BITRATE = "160k"
RENDITION_CONTENT_TYPE = "audio/mp4"
# Waveform peaks for the scrubber: this many values of 0-255, from mono PCM at PEAK_RATE Hz.
PEAK_COUNT = 400
PEAK_RATE = 8000


class AudioError(Exception):
    """ffmpeg could not run (missing binary, timeout): trying again may help."""


@dataclass(frozen=True)
class AudioProbe:
    formats: tuple[str, ...]
    duration_seconds: float | None
    audio_codec: str | None
    sample_rate: int | None = None
    channels: str | None = None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


@dataclass(frozen=True)
class Processed:
    """What one decode of a song made: its rendition (written to a file), loudness and peaks."""

    loudness_lufs: float | None
    peaks: bytes
    decoded_seconds: float | None


_INPUT = re.compile(r"^Input #0, (?P<formats>[^,]+(?:,[^,]+)*?), from ", re.MULTILINE)
_DURATION = re.compile(r"^\s*Duration: (?:(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)|N/A)", re.MULTILINE)
_AUDIO = re.compile(r"^\s*Stream #0:\d+\S*: Audio: (?P<codec>[a-z0-9_]+)(?P<rest>.*)$", re.MULTILINE)
_RATE = re.compile(r"(?P<rate>\d{4,6}) Hz(?:, (?P<channels>[^,]+))?")
_INTEGRATED = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(?P<lufs>-?\d+(?:\.\d+)?|-inf) LUFS")
_TIME = re.compile(r"time=(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)")


def parse_probe(stderr: str) -> AudioProbe | None:
    """What ``ffmpeg -i`` printed about its input; None when it could not open it at all."""
    opened = _INPUT.search(stderr)
    if opened is None:
        return None
    duration = None
    found = _DURATION.search(stderr)
    if found and found.group("h") is not None:
        duration = int(found["h"]) * 3600 + int(found["m"]) * 60 + float(found["s"])
    codec = channels = None
    rate = None
    stream = _AUDIO.search(stderr)
    if stream:
        codec = stream["codec"]
        details = _RATE.search(stream["rest"])
        if details:
            rate = int(details["rate"])
            channels = details["channels"].strip() if details["channels"] else None
    return AudioProbe(
        formats=tuple(part.strip() for part in opened["formats"].split(",")),
        duration_seconds=duration,
        audio_codec=codec,
        sample_rate=rate,
        channels=channels,
    )


def parse_loudness(stderr: str) -> float | None:
    """The integrated loudness (LUFS) of ffmpeg's ``ebur128`` summary; None for silence or none."""
    found = list(_INTEGRATED.finditer(stderr))
    if not found or found[-1]["lufs"] == "-inf":
        return None
    value = float(found[-1]["lufs"])
    return value if value > -70.0 else None  # ebur128 says -70 for silence


def parse_decoded_seconds(stderr: str) -> float | None:
    """How far ffmpeg got when it decoded the whole stream (its last ``time=``)."""
    times = list(_TIME.finditer(stderr))
    if not times:
        return None
    last = times[-1]
    return int(last["h"]) * 3600 + int(last["m"]) * 60 + float(last["s"])


def peaks_of(pcm: bytes, count: int = PEAK_COUNT) -> bytes:
    """``count`` peak values (0-255: the largest absolute sample of each slice) of mono signed
    16-bit little-endian PCM; a silent or empty signal gives zeros."""
    samples = memoryview(pcm[: len(pcm) - len(pcm) % 2]).cast("h")
    total = len(samples)
    values = bytearray(count)
    if total == 0:
        return bytes(values)
    for index in range(count):
        start, end = index * total // count, (index + 1) * total // count
        if end <= start:
            end = min(total, start + 1)
        part = samples[start:end]
        peak = max(max(part), -min(part))
        values[index] = min(255, round(peak * 255 / 32768))
    return bytes(values)


def _run(arguments: list[str]) -> subprocess.CompletedProcess[bytes]:
    from backend.media.video import ffmpeg_exe

    timeout = get_settings().ffmpeg_timeout_seconds
    try:
        return subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", *arguments], capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise AudioError(f"ffmpeg took longer than {timeout:.0f}s") from error
    except OSError as error:
        raise AudioError(f"ffmpeg could not run: {error}") from error


def _input(path: Path, container: AudioContainer) -> list[str]:
    return ["-protocol_whitelist", PROTOCOLS, "-f", DEMUXERS[container], "-i", str(path)]


def probe(path: Path, container: AudioContainer) -> AudioProbe | None:
    """Probe a local file as the container its bytes proved; None if ffmpeg cannot open it."""
    result = _run(_input(path, container))
    return parse_probe(result.stderr.decode("utf-8", "replace"))


def process(path: Path, container: AudioContainer, rendition: Path) -> Processed | None:
    """One decode of the song's first audio stream, three outputs: the streaming rendition (AAC
    in MP4, its index first, no metadata), the EBU R128 measurement, and mono PCM for the peaks.
    None when ffmpeg could not decode it (a damaged file)."""
    result = _run(
        [
            "-nostats",
            *_input(path, container),
            # the rendition
            "-map",
            "0:a:0",
            "-map_metadata",
            "-1",
            "-c:a",
            "aac",
            "-b:a",
            RENDITION_BITRATE,
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            "-y",
            str(rendition),
            # the loudness
            "-map",
            "0:a:0",
            "-af",
            "ebur128=framelog=quiet",
            "-f",
            "null",
            "-",
            # the waveform
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(PEAK_RATE),
            "-c:a",
            "pcm_s16le",
            "-f",
            "s16le",
            "pipe:1",
        ]
    )
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0 or not rendition.exists() or rendition.stat().st_size == 0:
        return None
    return Processed(
        loudness_lufs=parse_loudness(stderr),
        peaks=peaks_of(result.stdout),
        decoded_seconds=len(result.stdout) / 2 / PEAK_RATE if result.stdout else parse_decoded_seconds(stderr),
    )
