"""A video is checked after it is shared, not while the person waits: the owner lands on its page
at once ("Processing your video…"), both partners see "Processing…" turn into the video live, and
a file no browser can play says why on its card and its page, with a way out for its owner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.moments_pages import FeedPage, UploadPage, couple
from e2e.pages import LIVE_MS, expect_same_page, mark_page
from e2e.people import DESKTOP, PHONE, Person
from e2e.seed import media_jobs_held
from e2e.watch_pages import PROCESSING_MS, WatchPage
from tests.media import make_video, unplayable_video
from tools.system import LumiSystem

# Long enough for both pages to show the processing state, however busy the machine.
HELD_SECONDS = 20


@pytest.mark.local_only(reason="holds the stack's media queue for a while (its DelaySeconds)")
def test_a_video_shows_processing_then_plays_for_both_partners(
    new_person: Callable[..., Person], tmp_path: Path, lumi: LumiSystem
) -> None:
    # given Alex at a desk and Blake on a phone, paired, Blake looking at his Moments
    alex, blake = couple(new_person, ("Alex", DESKTOP), ("Blake", PHONE))
    blake_feed = FeedPage(blake.page).open()
    mark_page(blake.page)

    with media_jobs_held(lumi, HELD_SECONDS):
        # when Alex shares a video while the media job is held back
        UploadPage(alex.page).open().upload(make_video(tmp_path / "harbour.webm", 3, "webm"), "Harbour at dawn")
        alex_watch = WatchPage(alex.page)
        mark_page(alex.page)

        # then she is on its page at once, told it is being processed, with no player yet
        expect(alex_watch.processing_video).to_have_text("Processing your video…")
        expect(alex_watch.video).to_have_count(0)
        # and Blake's feed shows its card live, "Processing…", without a length
        blake_feed.expect_card("Harbour at dawn", who="Alex", timeout=LIVE_MS)
        expect(blake_feed.feed.processing("Harbour at dawn")).to_be_visible()

    # when the media job has checked it, then Alex's page turns into the video, without a reload
    alex_watch.expect_video(timeout=HELD_SECONDS * 1000 + PROCESSING_MS)
    expect(alex_watch.processing_video).to_have_count(0)
    assert abs(alex_watch.duration() - 3) < 0.5, alex_watch.duration()
    # and Blake's card gets its picture and length
    blake_feed.expect_thumbnail("Harbour at dawn", timeout=LIVE_MS)
    expect(blake_feed.feed.card("Harbour at dawn")).to_contain_text("0:03")
    expect_same_page(alex.page)
    expect_same_page(blake.page)
    assert not alex.console_errors(), alex.console_errors()
    assert not blake.console_errors(), blake.console_errors()


def test_a_video_no_browser_can_play_says_why_and_its_owner_deletes_it(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Alex and Blake, paired, Blake looking at his Moments
    alex, blake = couple(new_person, ("Alex", PHONE), ("Blake", DESKTOP))
    blake_feed = FeedPage(blake.page).open()
    mark_page(blake.page)
    # an MP4 from an old camera (MPEG-4 Part 2): storage and the quick check take it, browsers don't play it
    old_camera = tmp_path / "old-camera.mp4"
    old_camera.write_bytes(unplayable_video("mpeg4"))

    # when Alex shares it
    UploadPage(alex.page).open().upload(old_camera, "Grandpa's birthday")
    alex_watch = WatchPage(alex.page)
    mark_page(alex.page)

    # then her page says, once the media job has looked, that it can't be played and why
    expect(alex_watch.unplayable).to_be_visible(timeout=PROCESSING_MS)
    expect(alex_watch.failure_reason).to_have_text("This file is not a video we can play.")
    expect(alex_watch.share_another).to_be_visible()
    expect(alex_watch.video).to_have_count(0)
    # and Blake's card says so too, live
    expect(blake_feed.feed.unplayable("Grandpa's birthday")).to_be_visible(timeout=PROCESSING_MS)
    expect(blake_feed.feed.card("Grandpa's birthday")).to_contain_text("This file is not a video we can play.")

    # when Alex deletes it, then it is gone for Blake too, without a reload
    alex_watch.delete_moment()
    expect(blake_feed.feed.card("Grandpa's birthday")).to_have_count(0, timeout=LIVE_MS)
    expect_same_page(blake.page)
    assert not alex.console_errors(), alex.console_errors()
    assert not blake.console_errors(), blake.console_errors()
