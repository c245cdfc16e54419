"""Demo songs for the seed: real, playable files made on the spot, tagged as a real tagger does.

ffmpeg's ``aevalsrc`` plays a chord (and ``anoisesrc`` a rain of pink noise), written as MP3 or
FLAC; mutagen writes the tags (ID3 frames, Vorbis comments) and, for some, a cover picture
Pillow draws. The seed uploads them through the same presigned POST the browser uses.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoSong:
    title: str
    artist: str
    album: str
    track: int
    year: int
    genre: str
    sound: str  # an ffmpeg lavfi source
    fmt: str  # "mp3" | "flac"
    by: int  # which demo person uploads it (0 or 1)
    shared: bool = False
    cover: tuple[int, int, int] | None = None  # the cover's colour, if it has one


def _chord(*frequencies: float, seconds: int = 12) -> str:
    voices = "+".join(f"0.12*sin(2*PI*{f}*t)" for f in frequencies)
    # a slow swell, so the waveform has a shape
    return f"aevalsrc='({voices})*(0.6+0.4*sin(2*PI*t/{seconds}))':s=44100:d={seconds}"


DEMO_SONGS: tuple[DemoSong, ...] = (
    DemoSong("Morning Light", "The Lanterns", "Small Hours", 1, 2021, "Ambient",
             _chord(261.63, 329.63, 392.0), "mp3", 0, shared=True, cover=(238, 170, 70)),
    DemoSong("Slow River", "The Lanterns", "Small Hours", 2, 2021, "Ambient",
             _chord(220.0, 277.18, 329.63), "flac", 0, cover=(238, 170, 70)),
    DemoSong("Rain on the Roof", "Field Notes", "Weather", 1, 2019, "Field recording",
             "anoisesrc=color=pink:amplitude=0.15:sample_rate=44100:duration=12", "mp3", 0),
    DemoSong("Our Song", "Sam & the Evenings", "Evenings", 3, 2023, "Pop",
             _chord(293.66, 369.99, 440.0), "mp3", 1, shared=True, cover=(90, 120, 200)),
    DemoSong("Night Drive", "Sam & the Evenings", "Evenings", 5, 2023, "Pop",
             _chord(196.0, 246.94, 293.66), "flac", 1),
)  # fmt: skip

CONTENT_TYPES = {"mp3": "audio/mpeg", "flac": "audio/flac"}


def cover_picture(color: tuple[int, int, int]) -> bytes:
    """A square cover: a colour field with a lighter disc, as JPEG."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (500, 500), color)
    lighter = tuple(min(255, c + 60) for c in color)
    ImageDraw.Draw(picture).ellipse((110, 110, 390, 390), fill=lighter)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def make_demo_song(directory: Path, index: int, song: DemoSong) -> Path:
    """The song as a tagged file in ``directory``."""
    from imageio_ffmpeg import get_ffmpeg_exe

    path = directory / f"{index:02d} {song.title}.{song.fmt}"
    codec = ["-c:a", "libmp3lame", "-b:a", "160k"] if song.fmt == "mp3" else ["-c:a", "flac"]
    subprocess.run(
        [
            get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", song.sound, "-ac", "2", "-map_metadata", "-1", *codec, str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    cover = cover_picture(song.cover) if song.cover else None
    if song.fmt == "mp3":
        _tag_mp3(path, song, cover)
    else:
        _tag_flac(path, song, cover)
    return path


def _tag_mp3(path: Path, song: DemoSong, cover: bytes | None) -> None:
    from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TRCK

    tags = ID3()
    for frame in (
        TIT2(encoding=3, text=song.title),
        TPE1(encoding=3, text=song.artist),
        TPE2(encoding=3, text=song.artist),
        TALB(encoding=3, text=song.album),
        TRCK(encoding=3, text=str(song.track)),
        TDRC(encoding=3, text=str(song.year)),
        TCON(encoding=3, text=song.genre),
    ):
        tags.add(frame)
    if cover:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
    tags.save(str(path))


def _tag_flac(path: Path, song: DemoSong, cover: bytes | None) -> None:
    from mutagen.flac import FLAC, Picture

    flac = FLAC(str(path))
    flac.update(
        {
            "title": [song.title],
            "artist": [song.artist],
            "albumartist": [song.artist],
            "album": [song.album],
            "tracknumber": [str(song.track)],
            "date": [str(song.year)],
            "genre": [song.genre],
        }
    )
    if cover:
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, "image/jpeg", cover
        flac.add_picture(picture)
    flac.save()
