"""The checks and words a picture upload (profile photo, song cover) shares."""

from __future__ import annotations

import json

import pytest

from backend.contracts import UploadTicket
from lumi_app.state.image_upload import (
    clear_script,
    describe_script,
    image_problem,
    post_script,
    storage_problem,
)

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("chosen", "problem"),
    [
        (None, "Choose a picture first."),
        ({"name": "a.gif", "type": "image/gif", "size": 10}, "Choose a JPEG, PNG or WebP image."),
        ({"name": "a.heic", "type": "", "size": 10}, "Choose a JPEG, PNG or WebP image."),
        ({"name": "a.png", "type": "image/png", "size": 0}, "That file is empty, choose another picture."),
        (
            {"name": "a.jpg", "type": "image/jpeg", "size": 5 * MB + 1},
            "That picture is larger than 5 MB, choose a smaller one.",
        ),
        ({"name": "a.jpg", "type": "image/jpeg", "size": 5 * MB}, ""),
        ({"name": "a.webp", "type": "image/webp", "size": 1}, ""),
    ],
)
def test_a_chosen_picture_is_checked_before_any_ticket(chosen: dict | None, problem: str) -> None:
    assert image_problem(chosen, 5 * MB, noun="picture") == problem


def test_a_refused_post_to_storage_says_why() -> None:
    assert storage_problem({"ok": True, "status": 204}) == ""
    assert storage_problem({"ok": False, "reason": "network"}) == "Lumi's storage can't be reached, try again."
    refused = "The photo was refused by storage (too large or not an image), try another one."
    assert storage_problem({"ok": False, "status": 400, "reason": "rejected"}) == refused
    assert storage_problem(None) == refused


def test_the_scripts_quote_what_they_pass_to_lumi_upload() -> None:
    ticket = UploadTicket(url="http://s3/b", fields={"key": "k'\"</script>"}, key="k", max_bytes=1, expires_in=60)
    script = post_script("song-cover-file", ticket, "song-cover-progress")
    prefix = "window.lumiUpload.post("
    assert script.startswith(prefix) and script.endswith(")")
    assert json.loads(f"[{script[len(prefix) : -1]}]") == [
        "song-cover-file",
        {"url": "http://s3/b", "fields": {"key": "k'\"</script>"}},
        "song-cover-progress",
    ]
    assert describe_script("a") == 'window.lumiUpload.describe("a")'
    assert clear_script("a") == 'window.lumiUpload.clear("a")'
