"""Real small songs for tests, made with ffmpeg's ``sine`` source (the imageio-ffmpeg binary).

``make_song(fmt)`` returns the bytes of a ``seconds``-long sine tone in one of the formats a
song may come in; each kind is made once per test session and cached. ``CONTENT_TYPES`` gives
each one's upload type (what a browser calls it).
"""

from __future__ import annotations

import atexit
import base64
import io
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

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


@dataclass(frozen=True)
class Tags:
    title: str = "Blue Hour"
    artist: str = "Ana & the Lights"
    album: str = "Night Songs"
    album_artist: str = "Ana & the Lights"
    track: int = 3
    tracks: int = 12
    disc: int = 1
    discs: int = 2
    year: int = 2019
    genre: str = "Jazz"


def cover_art(size: tuple[int, int] = (800, 800), color: tuple[int, int, int] = (200, 40, 90)) -> bytes:
    """A JPEG picture to embed as cover art."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=80)
    return out.getvalue()


def tagged_song(
    fmt: SongFormat, tags: Tags | None = None, cover: bytes | None = None, seconds: float = 2, frequency: int = 440
) -> bytes:
    """A song in ``fmt`` with these tags (and cover art) written by mutagen, as a real tagger does."""
    tags = tags or Tags()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"song.{fmt}"
        shutil.copyfile(make_song_file(fmt, seconds, frequency), path)
        _TAGGERS[fmt](path, tags, cover)
        return path.read_bytes()


def _id3_frames(tags: Tags, cover: bytes | None) -> list[Any]:
    from mutagen.id3 import APIC, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK

    frames: list[Any] = [
        TIT2(encoding=3, text=tags.title),
        TPE1(encoding=3, text=tags.artist),
        TALB(encoding=3, text=tags.album),
        TPE2(encoding=3, text=tags.album_artist),
        TRCK(encoding=3, text=f"{tags.track}/{tags.tracks}"),
        TPOS(encoding=3, text=f"{tags.disc}/{tags.discs}"),
        TDRC(encoding=3, text=str(tags.year)),
        TCON(encoding=3, text=tags.genre),
    ]
    if cover:
        frames.append(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
    return frames


def _tag_mp3(path: Path, tags: Tags, cover: bytes | None) -> None:
    from mutagen.id3 import ID3

    id3 = ID3()
    for frame in _id3_frames(tags, cover):
        id3.add(frame)
    id3.save(str(path))


def _tag_wav(path: Path, tags: Tags, cover: bytes | None) -> None:
    from mutagen.wave import WAVE

    wave = WAVE(str(path))
    wave.add_tags()
    for frame in _id3_frames(tags, cover):
        wave.tags.add(frame)
    wave.save()


def _tag_m4a(path: Path, tags: Tags, cover: bytes | None) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(str(path))
    mp4["\xa9nam"] = [tags.title]
    mp4["\xa9ART"] = [tags.artist]
    mp4["\xa9alb"] = [tags.album]
    mp4["aART"] = [tags.album_artist]
    mp4["trkn"] = [(tags.track, tags.tracks)]
    mp4["disk"] = [(tags.disc, tags.discs)]
    mp4["\xa9day"] = [str(tags.year)]
    mp4["\xa9gen"] = [tags.genre]
    if cover:
        mp4["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    mp4.save()


def _vorbis_comments(tags: Tags) -> dict[str, list[str]]:
    return {
        "title": [tags.title],
        "artist": [tags.artist],
        "album": [tags.album],
        "albumartist": [tags.album_artist],
        "tracknumber": [f"{tags.track}/{tags.tracks}"],
        "discnumber": [str(tags.disc)],
        "date": [f"{tags.year}-05-01"],
        "genre": [tags.genre],
    }


def _picture(cover: bytes) -> Any:
    from mutagen.flac import Picture

    picture = Picture()
    picture.type = 3
    picture.mime = "image/jpeg"
    picture.desc = "Cover"
    picture.data = cover
    return picture


def _tag_flac(path: Path, tags: Tags, cover: bytes | None) -> None:
    from mutagen.flac import FLAC

    flac = FLAC(str(path))
    for name, values in _vorbis_comments(tags).items():
        flac[name] = values
    if cover:
        flac.add_picture(_picture(cover))
    flac.save()


def _tag_ogg(path: Path, tags: Tags, cover: bytes | None) -> None:
    from mutagen import File

    ogg = File(str(path))
    for name, values in _vorbis_comments(tags).items():
        ogg[name] = values
    if cover:
        ogg["metadata_block_picture"] = [base64.b64encode(_picture(cover).write()).decode()]
    ogg.save()


_TAGGERS: dict[str, Callable[[Path, Tags, bytes | None], None]] = {
    "mp3": _tag_mp3,
    "wav": _tag_wav,
    "m4a": _tag_m4a,
    "flac": _tag_flac,
    "ogg": _tag_ogg,
    "opus": _tag_ogg,
}
