"""Sharing from the new-moment page: a phone photo dropped on the drop zone reaches the partner live,
upright and without its GPS, and they talk about it; a chosen video shows its preview and length
before anything is sent; on a phone the camera buttons are real buttons."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Request, expect

from e2e.moments_pages import THUMBNAIL_MS, FeedPage, UploadPage, couple
from e2e.pages import LIVE_MS, expect_no_horizontal_scroll, expect_same_page, mark_page
from e2e.people import DESKTOP, PHONE, Person
from e2e.watch_pages import WatchPage
from tests.media import make_photo, make_video

TITLE = "Our street in the snow"


@pytest.fixture
def phone_photo(tmp_path: Path) -> Path:
    """A 2400x1200 JPEG stored sideways, as phones do (EXIF orientation 6: shown 1200x2400, red on
    top), with GPS tags, a camera make, XMP and a comment."""
    path = tmp_path / "IMG_2041.jpg"
    path.write_bytes(make_photo("jpeg", (2400, 1200), orientation=6))
    return path


def test_a_dropped_photo_reaches_the_partner_live_upright_without_gps_and_is_talked_about(
    new_person: Callable[..., Person], phone_photo: Path
) -> None:
    # given Alex at a desk and Blake on a phone, paired; Blake has his Moments open
    alex, blake = couple(new_person, ("Alex", DESKTOP), ("Blake", PHONE))
    blake_feed = FeedPage(blake.page).open()
    mark_page(blake.page)

    # when Alex drags the photo from her desktop onto the drop zone
    upload = UploadPage(alex.page).open()
    expect(upload.chosen).to_have_text("No file chosen yet.")
    upload.drop(phone_photo, "image/jpeg")

    # then the page says what she chose and shows it, before anything is sent
    expect(upload.chosen).to_have_text(re.compile(r"^Chosen: IMG_2041\.jpg · photo · \d+ KB$"))
    expect(upload.preview_photo).to_be_visible()
    expect(upload.length).to_have_count(0)

    # when she gives it a title and shares it
    upload.title.fill(TITLE)
    upload.share()

    # then she lands on the moment, which shows the photo once it is prepared, upright
    alex_watch = WatchPage(alex.page)
    expect(alex_watch.title(TITLE)).to_be_visible(timeout=LIVE_MS * 2)
    alex_watch.expect_photo(TITLE, timeout=THUMBNAIL_MS)
    assert alex_watch.photo_size() == (800, 1600)
    mark_page(alex.page)

    # and it appears in Blake's feed without a reload, under Today, with its picture once made
    blake_feed.feed.day("Today").expect_card(TITLE, who="Alex", timeout=LIVE_MS)
    blake_feed.expect_thumbnail(TITLE, timeout=THUMBNAIL_MS)
    expect_same_page(blake.page)

    # when Blake opens it, then the photo is upright and what his browser got carries no EXIF or GPS
    blake_feed.feed.open(TITLE)
    blake_watch = WatchPage(blake.page).wait_until_ready()
    blake_watch.expect_photo(TITLE)
    width, height = blake_watch.photo_size()
    assert height > width, (width, height)
    served = httpx.get(blake_watch.photo.evaluate("img => img.currentSrc"), timeout=10).content
    assert served.startswith(b"\xff\xd8") and b"Exif" not in served and b"GPS" not in served
    expect_no_horizontal_scroll(blake.page)

    # and they talk about it as about a video
    blake_watch.send("Was this last winter?")
    alex_watch.expect_message("Was this last winter?", timeout=LIVE_MS)
    alex_watch.send("Two winters ago!")
    blake_watch.expect_message("Two winters ago!", timeout=LIVE_MS)
    expect_same_page(alex.page)
    assert alex.console_errors() == []
    assert blake.console_errors() == []


def _is_upload(request: Request) -> bool:
    """The browser posting a file (multipart) straight to storage."""
    return request.method == "POST" and "multipart/form-data" in request.headers.get("content-type", "")


def test_a_chosen_video_shows_its_preview_and_length_before_sharing(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Cleo at a desk, paired, on the new-moment page
    cleo, _ = couple(new_person, ("Cleo", DESKTOP), ("Dan", DESKTOP))
    upload = UploadPage(cleo.page).open()
    sent: list[Request] = []
    cleo.page.on("request", lambda request: sent.append(request) if _is_upload(request) else None)

    # then on a desk there is a drop zone, and no camera buttons
    expect(upload.drop_zone).to_contain_text("Drag a video or photo here, or choose one")
    expect(upload.record_button).to_be_hidden()
    expect(upload.take_photo_button).to_be_hidden()

    # when she chooses a 3-second video with the chooser
    video = make_video(tmp_path / "waves.webm", 3, "webm")
    upload.video.set_input_files(video)

    # then its preview is there with its length, and nothing was sent anywhere
    expect(upload.preview_video).to_be_visible()
    expect(upload.length).to_have_text("Length 0:03")
    expect(upload.chosen).to_have_text(re.compile(r"^Chosen: waves\.webm · video · 0:03 · \d+ KB$"))
    cleo.page.wait_for_function(
        "video => video.readyState >= 1 && Math.abs(video.duration - 3) < 0.5",
        arg=upload.preview_video.element_handle(),
    )
    assert sent == []

    # when she chooses another one, then the preview follows
    upload.video.set_input_files(make_video(tmp_path / "long.webm", 4, "webm"))
    expect(upload.length).to_have_text("Length 0:04")
    assert cleo.console_errors() == []


def test_on_a_phone_recording_and_taking_a_photo_are_buttons(new_person: Callable[..., Person]) -> None:
    erin, _ = couple(new_person, ("Erin", PHONE), ("Finn", DESKTOP))
    upload = UploadPage(erin.page).open()
    for button, accept in ((upload.record_button, "video/*"), (upload.take_photo_button, "image/*")):
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44, box  # a finger's worth
        camera = erin.page.get_by_label(button.inner_text().strip(), exact=True)
        expect(camera).to_have_attribute("capture", "environment")
        expect(camera).to_have_attribute("accept", accept)
    expect(upload.drop_zone).to_contain_text("Choose a video or photo")
    expect_no_horizontal_scroll(erin.page)
    assert erin.console_errors() == []
