"""Pure rules of photo moments: proving a format by its first bytes, why an upload is refused,
reading the header's size and orientation, and the renditions (upright, sRGB, no metadata)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.contracts import moment_kind
from backend.domain.models import ObjectInfo
from backend.domain.moments import PHOTO_MIN_SIDE, look_problem, photo_object_problem
from backend.media import photo
from tests.media import jpeg_markers, make_photo

MB = 1024 * 1024


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "heic"])
def test_photos_are_proven_by_their_first_bytes(fmt: str) -> None:
    found = photo.sniff_format(make_photo(fmt, (64, 32))[: photo.SNIFF_BYTES])
    assert found == {"heic": "heif"}.get(fmt, fmt)


@pytest.mark.parametrize(
    "head",
    [
        b"GIF89a" + b"\0" * 26,
        b"\x00\x00\x00\x18ftypmp42" + b"\0" * 20,  # an MP4 video
        b"RIFF\x00\x00\x00\x00AVI " + b"\0" * 20,
        b"%PDF-1.7",
        b"",
    ],
)
def test_other_files_prove_no_photo(head: bytes) -> None:
    assert photo.sniff_format(head) is None


def test_a_declared_type_must_match_the_bytes() -> None:
    assert photo.type_mismatch("image/jpeg", "jpeg") is None
    assert photo.type_mismatch("image/heic", "heif") is None and photo.type_mismatch("image/heif", "heif") is None
    assert photo.type_mismatch("image/png", "jpeg") == "The file is a JPEG photo but was sent as PNG"
    assert photo.type_mismatch("image/jpeg", "heif") == "The file is a HEIC photo but was sent as JPEG"


def test_the_kind_of_a_moment_follows_its_content_type() -> None:
    assert [moment_kind(t) for t in ("image/jpeg", "image/heic", "video/mp4", "video/webm")] == [
        "photo",
        "photo",
        "video",
        "video",
    ]


def test_object_problems_before_pillow_looks() -> None:
    jpeg = make_photo("jpeg", (64, 32))[:32]

    def problem(head: bytes, declared: str = "image/jpeg", size: int = 5000, stored: str | None = None) -> str | None:
        info = ObjectInfo(key="k", size=size, content_type=stored or declared, head=head)
        return photo_object_problem(info, declared, 100, 40 * MB)

    assert problem(jpeg) is None
    assert problem(jpeg, size=50) == "This file is too small to be a photo"
    assert problem(jpeg, size=41 * MB) == "Photos can be up to 40 MB"
    assert problem(b"hello world" * 3) == "This file is not a photo we can show"
    assert problem(jpeg, "image/webp") == "The file is a JPEG photo but was sent as WebP"
    assert problem(jpeg, stored="image/png") == "The file was not sent as the type it was announced as"


def test_the_header_gives_the_size_as_stored_and_as_shown() -> None:
    look = photo.look(make_photo("jpeg", (300, 100), orientation=6), "jpeg")
    assert (look.width, look.height, look.orientation) == (300, 100, 6)
    assert look.display_size == (100, 300)
    assert photo.look(make_photo("png", (300, 100), orientation=1), "png").display_size == (300, 100)
    with pytest.raises(photo.PhotoError):
        photo.look(b"\xff\xd8\xff\xe0" + b"\0" * 100, "jpeg")


def test_look_problems_in_words() -> None:
    assert look_problem(photo.PhotoLook(4000, 3000, 1), 110_000_000) is None
    assert look_problem(None, 110_000_000) == "This file is not a photo we can show"
    assert look_problem(photo.PhotoLook(PHOTO_MIN_SIDE - 1, 500, 1), 110_000_000) == (
        "This picture is too small to be a photo (at least 16 pixels a side)"
    )
    assert look_problem(photo.PhotoLook(12000, 10000, 1), 110_000_000) == "Photos can be up to 110 megapixels"


def test_renditions_are_upright_scaled_and_carry_no_metadata() -> None:
    made = photo.renditions(make_photo("jpeg", (2000, 1000), orientation=6), "jpeg", 110_000_000)
    assert (made.width, made.height) == (1000, 2000)
    for data, size in ((made.feed, (480, 960)), (made.viewer, (800, 1600))):
        assert set(jpeg_markers(data)) <= {0xE0, 0xDB, 0xC4, 0xC2, 0xDA}, [hex(m) for m in jpeg_markers(data)]
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.size == size
            assert not picture.getexif() and "icc_profile" not in picture.info
            rgb = picture.convert("RGB")
            assert rgb.getpixel((size[0] // 2, size[1] // 10))[0] > 200  # red on top
            assert rgb.getpixel((size[0] // 2, size[1] * 9 // 10))[2] > 200  # blue below


def test_a_transparent_png_goes_onto_white() -> None:
    picture = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = io.BytesIO()
    picture.save(out, "PNG")
    made = photo.renditions(out.getvalue(), "png", 110_000_000)
    with Image.open(io.BytesIO(made.feed)) as feed:
        assert feed.convert("RGB").getpixel((50, 50)) == pytest.approx((255, 255, 255), abs=2)


def test_a_picture_larger_than_allowed_is_not_decoded() -> None:
    limit = Image.MAX_IMAGE_PIXELS
    with pytest.raises(photo.PhotoError):
        photo.renditions(make_photo("png", (400, 300), orientation=1), "png", 100_000)
    # the photo's limit is its own: Pillow's process-wide one (the music job's covers use it) is untouched
    assert limit == Image.MAX_IMAGE_PIXELS


def test_every_moment_type_is_a_video_or_a_photo_the_api_takes() -> None:
    from typing import get_args

    from backend.contracts import MOMENT_CONTENT_TYPES, PHOTO_CONTENT_TYPES, VIDEO_CONTENT_TYPES, MomentContentType

    assert set(get_args(MomentContentType)) == set(MOMENT_CONTENT_TYPES) == {*VIDEO_CONTENT_TYPES, *PHOTO_CONTENT_TYPES}
