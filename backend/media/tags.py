"""A song's tags and embedded cover art, read with mutagen (ID3, MP4 atoms, Vorbis comments).

Tags are optional: a file mutagen cannot read is still a song if ffmpeg can decode it (the
music job decides that); it just has no tags, and its title falls back to its file name. What
comes out is clean text (printable, trimmed, bounded), numbers as ints, and the cover as a
small JPEG without metadata made with Pillow, or None.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("lumi.media.tags")

TEXT_MAX = 200
COVER_SIDE = 600
# A cover larger than this is not decoded (a "picture" made to exhaust memory).
COVER_MAX_PIXELS = 40_000_000
COVER_MAX_BYTES = 20 * 1024 * 1024
_FRONT_COVER = 3
_NUMBER = re.compile(r"^\s*(\d{1,4})")
_YEAR = re.compile(r"^\s*(\d{4})")


@dataclass(frozen=True)
class SongTags:
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    genre: str | None = None
    cover: bytes | None = None  # the embedded picture, as stored (any format)


def clean_text(value: Any) -> str | None:
    """Printable text, single spaces, at most TEXT_MAX characters; None when nothing is left."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = next((item for item in value if str(item).strip()), None)
        if value is None:
            return None
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    text = " ".join(text.split())[:TEXT_MAX].strip()
    return text or None


def number(value: Any) -> int | None:
    """ "3", "3/12", (3, 12): the 3; None for nothing or 0."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    if isinstance(value, int):
        return value if 0 < value < 10_000 else None
    found = _NUMBER.match(str(value)) if value is not None else None
    if not found:
        return None
    parsed = int(found.group(1))
    return parsed if parsed > 0 else None


def year(value: Any) -> int | None:
    text = clean_text(value)
    found = _YEAR.match(text) if text else None
    if not found:
        return None
    parsed = int(found.group(1))
    return parsed if 1000 <= parsed <= 2999 else None


def _id3(tags: Any) -> SongTags:
    def text(frame: str) -> Any:
        found = tags.get(frame)
        return list(found.text) if found is not None and hasattr(found, "text") else None

    genre = tags.get("TCON")
    genres = list(genre.genres) if genre is not None else None
    pictures = tags.getall("APIC")
    front = next((picture for picture in pictures if picture.type == _FRONT_COVER), None)
    cover = (front or (pictures[0] if pictures else None)).data if pictures else None
    return SongTags(
        title=clean_text(text("TIT2")),
        artist=clean_text(text("TPE1")),
        album=clean_text(text("TALB")),
        album_artist=clean_text(text("TPE2")),
        track_number=number(text("TRCK")),
        disc_number=number(text("TPOS")),
        year=year([str(stamp) for stamp in text("TDRC") or []] or text("TYER")),
        genre=clean_text(genres),
        cover=cover,
    )


def _mp4(tags: Any) -> SongTags:
    covers = tags.get("covr") or []
    return SongTags(
        title=clean_text(tags.get("\xa9nam")),
        artist=clean_text(tags.get("\xa9ART")),
        album=clean_text(tags.get("\xa9alb")),
        album_artist=clean_text(tags.get("aART")),
        track_number=number(tags.get("trkn")),
        disc_number=number(tags.get("disk")),
        year=year(tags.get("\xa9day")),
        genre=clean_text(tags.get("\xa9gen")),
        cover=bytes(covers[0]) if covers else None,
    )


def _vorbis(audio: Any, tags: Any) -> SongTags:
    def get(name: str) -> Any:
        try:
            return tags.get(name)
        except (KeyError, ValueError):
            return None

    cover = None
    pictures = list(getattr(audio, "pictures", None) or [])  # FLAC's picture blocks
    if not pictures:
        from mutagen.flac import Picture

        for encoded in get("metadata_block_picture") or []:
            try:
                pictures.append(Picture(base64.b64decode(encoded)))
            except Exception:  # a broken picture is no cover, the song is fine
                continue
    if pictures:
        front = next((picture for picture in pictures if picture.type == _FRONT_COVER), pictures[0])
        cover = front.data
    return SongTags(
        title=clean_text(get("title")),
        artist=clean_text(get("artist")),
        album=clean_text(get("album")),
        album_artist=clean_text(get("albumartist") or get("album artist")),
        track_number=number(get("tracknumber")),
        disc_number=number(get("discnumber")),
        year=year(get("date") or get("year")),
        genre=clean_text(get("genre")),
        cover=cover,
    )


def read_tags(path: Path) -> SongTags:
    """The tags of a song file; empty tags when there are none or mutagen cannot read them."""
    import mutagen
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4Tags

    try:
        audio = mutagen.File(str(path))
    except Exception as error:  # mutagen raises many kinds on damaged files; tags are optional
        log.info("no tags read from %s: %s", path.name, error)
        return SongTags()
    tags = getattr(audio, "tags", None) if audio is not None else None
    if tags is None:
        return SongTags()
    try:
        if isinstance(tags, ID3):
            return _id3(tags)
        if isinstance(tags, MP4Tags):
            return _mp4(tags)
        return _vorbis(audio, tags)
    except Exception as error:  # a tag of an unexpected shape must not refuse a playable song
        log.info("tags of %s could not be read: %s", path.name, error)
        return SongTags()


def cover_jpeg(data: bytes | None) -> bytes | None:
    """The embedded picture as a JPEG of at most COVER_SIDE pixels a side, without metadata;
    None when there is none or Pillow cannot read it."""
    if not data or len(data) > COVER_MAX_BYTES:
        return None
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.width * picture.height > COVER_MAX_PIXELS:
                return None
            picture = ImageOps.exif_transpose(picture)
            picture = picture.convert("RGB")
            picture.thumbnail((COVER_SIDE, COVER_SIDE))
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue()
    except Exception as error:  # Pillow's many errors: the song simply has no cover
        log.info("cover art could not be read: %s", error)
        return None
