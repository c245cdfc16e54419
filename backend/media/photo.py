"""Looking at photos with Pillow: what an upload really is, and the pictures Lumi serves of it.

The request only looks (:func:`sniff_format`, :func:`look`): the magic bytes prove the format,
Pillow reads the header of that one format (never another decoder) for the size and the EXIF
orientation, and the size must be sane. Decoding and resizing (:func:`renditions`) happen in
the media job, off the request path. What it writes is upright (the EXIF orientation applied),
in sRGB (an embedded profile such as an iPhone's Display P3 is converted, not dropped), and
carries no metadata at all: no EXIF, no GPS, no XMP, no ICC profile, no comments.

HEIC/HEIF is read through ``pillow-heif`` (a manylinux wheel with libheif), registered here.
Pillow (and pillow-heif) are imported by the first photo opened, not with this module: the
API imports it for :func:`sniff_format` on every cold start, and opens a photo only on the
routes that confirm one.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger("lumi.media.photo")

PhotoFormat = str  # "jpeg" | "png" | "webp" | "heif"

# The content type each format is sent as (HEIC photos come as image/heic or image/heif).
FORMAT_TYPES: dict[PhotoFormat, tuple[str, ...]] = {
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
    "webp": ("image/webp",),
    "heif": ("image/heic", "image/heif"),
}
FORMAT_NAMES: dict[PhotoFormat, str] = {"jpeg": "a JPEG", "png": "a PNG", "webp": "a WebP", "heif": "a HEIC"}
TYPE_NAMES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
}
# Pillow's name for each format: the only decoder it may try on the bytes.
PILLOW_FORMATS: dict[PhotoFormat, str] = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}
# ISO BMFF brands of still HEIF images (a phone's HEIC); video brands are not photos.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
SNIFF_BYTES = 32
EXIF_ORIENTATION = 0x0112
# Pictures served: the feed's card (by width) and the viewer (by the long side).
FEED_WIDTH = 480
VIEWER_LONG_SIDE = 1600
JPEG_QUALITY = 85


class PhotoError(Exception):
    """The bytes cannot be read as a photo (damaged, truncated, or too large to decode)."""


def sniff_format(head: bytes) -> PhotoFormat | None:
    """The format the first bytes prove, else None."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heif"
    return None


def type_mismatch(declared: str, found: PhotoFormat) -> str | None:
    """Why the bytes do not fit the declared type, in words (None when they do)."""
    if declared in FORMAT_TYPES.get(found, ()):
        return None
    actual = FORMAT_NAMES.get(found, "a different kind of")
    return f"The file is {actual} photo but was sent as {TYPE_NAMES.get(declared, declared)}"


def content_type_of(found: PhotoFormat) -> str:
    return FORMAT_TYPES[found][0]


@dataclass(frozen=True)
class PhotoLook:
    """What the header says: the size as stored, and as shown (after the EXIF orientation)."""

    width: int
    height: int
    orientation: int

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height once upright: orientations 5–8 turn the picture a quarter."""
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


@cache
def heif_readable() -> bool:
    """Register pillow-heif's opener with Pillow (once); whether HEIC photos can be read."""
    try:  # HEIC where the platform has the wheel (it ships its own libheif)
        import pillow_heif
    except ImportError:  # pragma: no cover - the wheel is pinned in requirements.txt
        return False
    pillow_heif.register_heif_opener()
    return True


def _open(data: bytes, found: PhotoFormat) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    if not heif_readable() and found == "heif":  # pragma: no cover
        raise PhotoError("HEIC photos cannot be read here")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[found]])
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise PhotoError(str(error)) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise PhotoError(str(error)) from error


def look(data: bytes, found: PhotoFormat) -> PhotoLook:
    """Read the header only (cheap): size and orientation. Raises :class:`PhotoError`."""
    with _open(data, found) as image:
        width, height = image.size
        try:
            orientation = int(image.getexif().get(EXIF_ORIENTATION, 1) or 1)
        except Exception:  # a damaged EXIF block: the picture itself may be fine
            orientation = 1
    return PhotoLook(width, height, orientation if 1 <= orientation <= 8 else 1)


@dataclass(frozen=True)
class Renditions:
    """The pictures Lumi serves of a photo (JPEG bytes without metadata) and its upright size."""

    feed: bytes
    viewer: bytes
    width: int
    height: int


def renditions(data: bytes, found: PhotoFormat, max_pixels: int) -> Renditions:
    """Decode, turn upright, convert to sRGB and write the feed's and the viewer's JPEGs.

    Raises :class:`PhotoError` when the bytes cannot be decoded (a permanent failure). Opening
    reads only the header, so the pixel count is checked before anything is decoded; Pillow's
    own process-wide limit (``Image.MAX_IMAGE_PIXELS``) is left alone, since every job of the
    process (the music job's cover art too) shares it."""
    from PIL import Image, ImageOps

    try:
        with _open(data, found) as opened:
            if opened.width * opened.height > max_pixels:
                raise PhotoError("too many pixels")
            if getattr(opened, "n_frames", 1) > 1:
                opened.seek(0)  # an animated WebP or PNG: its first frame
            icc = opened.info.get("icc_profile")
            upright = ImageOps.exif_transpose(opened)
            upright.load()
    except PhotoError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise PhotoError(str(error)) from error
    picture = _in_srgb(_flattened(upright), icc)
    width, height = picture.size
    return Renditions(
        feed=_jpeg(_fit(picture, width=FEED_WIDTH)),
        viewer=_jpeg(_fit(picture, long_side=VIEWER_LONG_SIDE)),
        width=width,
        height=height,
    )


def _flattened(image: Image.Image) -> Image.Image:
    """RGB: transparency goes onto white (a JPEG has none)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode == "CMYK":
        return image  # converted with its profile below, or plainly
    return image.convert("RGB") if image.mode != "RGB" else image


@cache
def _srgb() -> Any:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _in_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """The picture's colours in sRGB, so it looks the same once its profile is gone."""
    from PIL import ImageCms

    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError) as error:
            log.info("ignoring an unreadable colour profile: %s", error)
    return image.convert("RGB") if image.mode != "RGB" else image


def _fit(image: Image.Image, *, width: int | None = None, long_side: int | None = None) -> Image.Image:
    """Scaled down (never up) to ``width``, or so its long side is ``long_side``."""
    w, h = image.size
    if width is not None:
        scale = min(1.0, width / w)
    else:
        assert long_side is not None
        scale = min(1.0, long_side / max(w, h))
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    from PIL import Image

    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(image: Image.Image) -> bytes:
    """A progressive JPEG with nothing but pixels: no EXIF, XMP, ICC profile or comment is passed."""
    from PIL import Image

    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
