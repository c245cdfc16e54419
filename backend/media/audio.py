"""Audio files: which container the first bytes prove, and which content types announce audio.

Pure functions (the music job adds ffmpeg's probe and mutagen's tags on top). A song's
declared type only chooses the upload's policy: what the file *is* is decided by its bytes,
so an ``.mp3`` that is really an M4A (common in people's libraries) is still a song. A file
whose bytes prove no audio container is refused.
"""

from __future__ import annotations

from typing import Literal

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
