"""What the upload page says before anything is sent: tags as typed, and the chosen video or photo."""

from __future__ import annotations

import pytest

from backend.settings import get_settings
from lumi_app.pages.moments.upload import file_problem, parse_tags
from lumi_app.pages.moments.upload.state import chosen_summary, size_label

MB = 1024 * 1024


def test_tags_are_trimmed_deduplicated_and_kept_in_the_order_typed() -> None:
    assert parse_tags(" beach ,#Summer  trip,, beach, summer trip ") == (["beach", "Summer trip"], "")


def test_a_tag_that_cannot_be_one_says_which_and_why() -> None:
    tags, problem = parse_tags("beach, sun!set")
    assert tags == ["beach"]
    assert "“sun!set” can't be a tag" in problem


def test_more_than_ten_tags_are_refused_with_the_limit() -> None:
    tags, problem = parse_tags(",".join(f"t{n}" for n in range(12)))
    assert len(tags) == 10
    assert problem == "A moment has up to 10 tags."


@pytest.mark.parametrize(
    ("chosen", "problem"),
    [
        (None, "Choose a video or photo first."),
        ({"type": "text/plain", "size": 5 * MB}, "That isn't a video or photo Lumi can share"),
        ({"type": "image/gif", "size": 5 * MB}, "or a JPEG, PNG, WebP or HEIC photo"),
        ({"type": "video/webm", "size": 0}, "That file is empty"),
        ({"type": "video/mp4", "size": 10}, "too small to be a video"),
        ({"type": "video/quicktime", "size": 501 * MB}, "larger than 500 MB"),
        ({"type": "image/jpeg", "size": 50}, "too small to be a photo"),
        ({"type": "image/heic", "size": 41 * MB}, "That photo is larger than 40 MB"),
    ],
)
def test_a_file_lumi_cannot_share_is_refused_before_uploading(chosen: dict | None, problem: str) -> None:
    assert problem in file_problem(chosen)


def test_a_video_within_the_limits_is_fine() -> None:
    assert get_settings().moment_max_bytes == 500 * MB
    assert file_problem({"type": "video/webm", "size": 20 * MB, "name": "us.webm"}) == ""


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"])
def test_photos_within_the_limits_are_fine(content_type: str) -> None:
    assert file_problem({"type": content_type, "size": 3 * MB, "name": "us"}) == ""


def test_the_chosen_file_is_described_with_its_kind_length_and_size() -> None:
    assert chosen_summary({"name": "beach.mp4", "type": "video/mp4", "size": 12 * MB, "duration": 7.4}) == (
        "beach.mp4 · video · 0:07 · 12 MB"
    )
    assert chosen_summary({"name": "rec.webm", "type": "video/webm", "size": 1536 * 1024, "duration": None}) == (
        "rec.webm · video · 1.5 MB"
    )
    assert chosen_summary({"name": "IMG_0001.HEIC", "type": "image/heic", "size": 2000}) == (
        "IMG_0001.HEIC · photo · 2 KB"
    )
    assert size_label(100) == "1 KB"
