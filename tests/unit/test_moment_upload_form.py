"""What the upload page says before anything is sent: tags as typed, and the chosen file."""

from __future__ import annotations

import pytest

from backend.settings import get_settings
from lumi_app.pages.moments.upload import file_problem, parse_tags

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
        (None, "Choose a video first."),
        ({"type": "text/plain", "size": 5 * MB}, "That isn't a video Lumi can share"),
        ({"type": "video/webm", "size": 0}, "That file is empty"),
        ({"type": "video/mp4", "size": 10}, "too small to be a video"),
        ({"type": "video/quicktime", "size": 501 * MB}, "larger than 500 MB"),
    ],
)
def test_a_file_lumi_cannot_share_is_refused_before_uploading(chosen: dict | None, problem: str) -> None:
    assert problem in file_problem(chosen)


def test_a_video_within_the_limits_is_fine() -> None:
    assert get_settings().moment_max_bytes == 500 * MB
    assert file_problem({"type": "video/webm", "size": 20 * MB, "name": "us.webm"}) == ""
