"""Moments: sharing a video with a progress bar, the partner's feed updating live, filter, search,
tags, and uploads that are refused or cancelled."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Request, Route, expect

from e2e import seed
from e2e.moments_pages import THUMBNAIL_MS, FeedPage, TagPage, TagsPage, UploadPage, couple
from e2e.pages import LIVE_MS, HomePage, RegisterPage, expect_no_horizontal_scroll, expect_same_page, mark_page, pair_up
from e2e.people import DESKTOP, PHONE, Person
from tests.media import make_video
from tools.system import LumiSystem

MB = 1024 * 1024
# lumi_app/pages/moments/feed.py PAGE_SIZE: how many cards the feed shows before it loads more.
FEED_PAGE_SIZE = 24


@pytest.fixture
def video(tmp_path: Path) -> Path:
    """A real 3-second VP8 WebM (Chromium plays it everywhere)."""
    return make_video(tmp_path / "clip.webm", seconds=3, fmt="webm")


def _is_upload(request: Request) -> bool:
    """The browser posting a file (multipart) straight to storage."""
    return request.method == "POST" and "multipart/form-data" in request.headers.get("content-type", "")


def test_a_shared_moment_uploads_with_progress_and_appears_in_the_partners_feed_live(
    new_person: Callable[..., Person], video: Path
) -> None:
    # given Alex at a desk and Blake on a phone, paired, with no moments; Blake has the feed open
    alex, blake = couple(new_person, ("Alex", DESKTOP), ("Blake", PHONE))
    blake_feed = FeedPage(blake.page).open()
    expect(blake_feed.nothing_yet).to_be_visible()
    mark_page(blake.page)

    # when Alex shares a video from the feed's "New moment", with a description and tags
    upload = FeedPage(alex.page).open().new_moment()
    upload.fill(video, "Sunset at the lake", description="The water was still warm", tags=["beach", "summer trip"])
    upload.watch_upload_progress()
    upload.share()

    # then the upload showed its progress to the end and Alex lands on the new moment
    expect(alex.page).to_have_url(re.compile(r"/moments/watch/?\?id=[\w-]+"), timeout=60_000)
    seen = upload.upload_progress_seen()
    assert any(entry.startswith("Uploading…") for entry in seen), seen
    assert any(entry.endswith("100%") for entry in seen), seen

    # and it appears on Blake's feed without a reload, from Alex, and then with its preview
    blake_feed.expect_card("Sunset at the lake", who="Alex", timeout=LIVE_MS)
    blake_feed.expect_thumbnail("Sunset at the lake", timeout=THUMBNAIL_MS)
    expect_same_page(blake.page)
    expect_no_horizontal_scroll(blake.page)

    # when Blake shares one too while Alex looks at the feed
    alex_feed = FeedPage(alex.page).open()
    alex_feed.expect_card("Sunset at the lake", who="You")
    mark_page(alex.page)
    blake_feed.new_moment().upload(video, "Breakfast in bed", tags=["home"])

    # then it is on top of Alex's feed, live, from Blake, with its preview
    alex_feed.expect_card("Breakfast in bed", who="Blake", timeout=LIVE_MS)
    alex_feed.expect_thumbnail("Breakfast in bed", timeout=THUMBNAIL_MS)
    alex_feed.feed.expect_titles(["Breakfast in bed", "Sunset at the lake"])
    expect_same_page(alex.page)

    # when Alex filters, then each filter shows whose moments it says
    alex_feed.show("Mine")
    alex_feed.feed.expect_titles(["Sunset at the lake"])
    alex_feed.show("My partner's")
    alex_feed.feed.expect_titles(["Breakfast in bed"])
    alex_feed.show("All")
    alex_feed.feed.expect_titles(["Breakfast in bed", "Sunset at the lake"])

    # when Alex searches by a word of a title, of a description, and something no moment has
    alex_feed.search("lake")
    alex_feed.results.expect_titles(["Sunset at the lake"])
    alex_feed.search("warm")
    alex_feed.results.expect_titles(["Sunset at the lake"])
    alex_feed.search("volcano")
    expect(alex_feed.no_match("volcano")).to_be_visible()

    # then going back shows the whole feed again
    alex_feed.back_to_feed()
    alex_feed.feed.expect_titles(["Breakfast in bed", "Sunset at the lake"])

    # and on Blake's phone the feed fits the screen, with Blake's own moment as "You"
    blake_feed = FeedPage(blake.page).open()
    blake_feed.expect_card("Breakfast in bed", who="You")
    blake_feed.expect_card("Sunset at the lake", who="Alex")
    blake_feed.show("Mine")
    blake_feed.feed.expect_titles(["Breakfast in bed"])
    expect_no_horizontal_scroll(blake.page)

    assert alex.console_errors() == []
    assert blake.console_errors() == []


def test_tags_are_listed_with_counts_open_their_moments_and_go_from_every_moment(
    new_person: Callable[..., Person], video: Path
) -> None:
    # given Cleo and Dan, paired; Cleo shares two moments tagged "park", one also "food" and "東京"
    cleo, dan = couple(new_person, ("Cleo", DESKTOP), ("Dan", PHONE))
    FeedPage(cleo.page).open().new_moment().upload(video, "Picnic", tags=["park", "food", "東京"])
    FeedPage(cleo.page).open().new_moment().upload(video, "Kite flying", tags=["park"])
    feed = FeedPage(cleo.page).open()
    feed.expect_thumbnail("Picnic", timeout=THUMBNAIL_MS)
    feed.expect_thumbnail("Kite flying", timeout=THUMBNAIL_MS)

    # when Cleo opens the tags from the feed
    feed.tags_link.click()
    tags = TagsPage(cleo.page).wait_until_ready()

    # then each tag shows how many moments carry it
    tags.expect_tag("park", 2)
    tags.expect_tag("food", 1)
    tags.expect_tag("東京", 1)
    expect_no_horizontal_scroll(cleo.page)

    # and a tag in another script opens its page like any other
    tag = tags.open_tag("東京")
    expect(tag.heading("東京")).to_be_visible()
    tag.moments.expect_titles(["Picnic"])
    tags = TagsPage(cleo.page).open()

    # when she opens "park", then both moments are there, newest first, with previews
    tag = tags.open_tag("park")
    expect(tag.heading("park")).to_be_visible()
    tag.moments.expect_titles(["Kite flying", "Picnic"])
    tag.moments.expect_thumbnail("Picnic")

    # when Dan (either partner may) deletes "park", after confirming
    dan_tags = TagsPage(dan.page).open()
    dan_tags.expect_tag("park", 2)
    dan_tags.delete("park")

    # then it is gone from his list, "food" stays, and on his phone the page fits
    expect(dan_tags.row("park")).to_have_count(0)
    dan_tags.expect_tag("food", 1)
    expect_no_horizontal_scroll(dan.page)

    # and the tag's page says there is no such tag any more (so does a made-up one),
    # while the moments themselves stay
    tag = TagPage(cleo.page).open_slug("park")
    expect(tag.no_such_tag).to_be_visible()
    expect(tag.moments.cards).to_have_count(0)
    expect(TagPage(cleo.page).open_slug("never-used").no_such_tag).to_be_visible()
    feed = FeedPage(cleo.page).open()
    feed.feed.expect_titles(["Kite flying", "Picnic"])
    expect(TagsPage(cleo.page).open().row("park")).to_have_count(0)

    assert cleo.console_errors() == []
    assert dan.console_errors() == []


def test_uploads_that_are_refused_or_cancelled_share_nothing(new_person: Callable[..., Person], tmp_path: Path) -> None:
    # given Erin on a phone, not paired yet: Moments tell her to pair first
    erin = new_person("Erin", PHONE)
    RegisterPage(erin.page).register(erin)
    feed = FeedPage(erin.page).open()
    expect(feed.not_paired).to_be_visible()
    expect(feed.pair_link).to_be_visible()
    expect(UploadPage(erin.page).open().not_paired).to_be_visible()

    # and once paired with Finn, the upload form is there
    finn = new_person("Finn", DESKTOP)
    RegisterPage(finn.page).register(finn)
    pair_up(erin, finn)
    upload = UploadPage(erin.page).open()
    expect_no_horizontal_scroll(erin.page)

    # when she picks a text file, then the app refuses it before uploading anything
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    upload.fill(notes, "My notes")
    upload.share()
    expect(upload.file_error("That isn't a video or photo Lumi can share.")).to_be_visible()
    expect(upload.video).to_have_attribute("aria-invalid", "true")
    expect(upload.progress).to_have_count(0)

    # when she picks a text file named like a video, then storage takes it but the check refuses it,
    # says why, and what she typed stays
    disguised = tmp_path / "holiday.webm"
    disguised.write_text("not a video either\n" * 400)
    upload.fill(disguised, "Our holiday", description="Two weeks by the sea", tags=["sea", "holiday"])
    upload.share()
    expect(upload.file_error("That file is not a video we can use.")).to_be_visible(timeout=30_000)
    expect(upload.title).to_have_value("Our holiday")
    expect(upload.description).to_have_value("Two weeks by the sea")
    expect(upload.tags).to_have_value("sea, holiday")
    expect(erin.page).to_have_url(re.compile(r"/moments/new"))

    # when she starts uploading a large video and cancels it while storage has not answered yet
    large = tmp_path / "long.webm"
    large.write_bytes(os.urandom(20 * MB))
    held: list[Route] = []
    erin.page.route("**/*", lambda route: held.append(route) if _is_upload(route.request) else route.fallback())
    upload.fill(large, "Too long anyway")
    with erin.page.expect_request(_is_upload):
        upload.share()
    expect(upload.progress).to_be_visible()
    upload.cancel_button.click()

    # then the upload stops, she is told, and the form is ready again with her title
    expect(upload.cancelled).to_be_visible()
    expect(upload.progress).to_have_count(0)
    expect(upload.title).to_have_value("Too long anyway")
    expect(upload.share_button).to_be_enabled()
    assert len(held) == 1, "the video was not on its way to storage when it was cancelled"
    erin.page.unroute("**/*")

    # and nothing was shared, for either of them
    expect(FeedPage(erin.page).open().nothing_yet).to_be_visible()
    expect(FeedPage(finn.page).open().nothing_yet).to_be_visible()
    assert erin.console_errors() == []


def test_the_feed_loads_older_moments_as_it_scrolls_to_the_end(
    add_moments: Callable[[Person, Sequence[str]], None], new_person: Callable[..., Person]
) -> None:
    # given Dana and Eli have shared more moments than one page of the feed holds (the newest last here)
    dana, eli = couple(new_person, ("Dana", DESKTOP), ("Eli", PHONE))
    titles = [f"Day {n}" for n in range(1, FEED_PAGE_SIZE + 7)]
    add_moments(dana, titles)
    newest_first = titles[::-1]

    # when Eli opens the feed, then the newest page shows, newest first, with pictures
    feed = FeedPage(eli.page).open()
    feed.feed.expect_titles(newest_first[:FEED_PAGE_SIZE])
    expect(feed.end_of_list).to_have_count(0)
    feed.expect_thumbnail(newest_first[0], timeout=THUMBNAIL_MS)

    # when he scrolls to the end, then the older ones load by themselves, and the feed says that is all
    feed.feed.card(newest_first[FEED_PAGE_SIZE - 1]).scroll_into_view_if_needed()
    feed.feed.expect_titles(newest_first)
    expect(feed.end_of_list).to_be_visible()
    expect(feed.load_more_button).to_have_count(0)
    expect_no_horizontal_scroll(eli.page)
    assert eli.console_errors() == []


def test_home_shows_the_latest_moments_and_a_new_one_live(
    add_moments: Callable[[Person, Sequence[str]], None], new_person: Callable[..., Person], video: Path
) -> None:
    # given Fay and Gus have shared five moments; Gus is on Home
    fay, gus = couple(new_person, ("Fay", DESKTOP), ("Gus", PHONE))
    add_moments(fay, [f"Walk {n}" for n in range(1, 6)])
    home = HomePage(gus.page).open()

    # then Home shows the three newest, newest first
    expect(home.latest_moments.get_by_role("heading")).to_have_text(["Walk 5", "Walk 4", "Walk 3"])
    mark_page(gus.page)

    # when Fay shares a new one, then it is first on Gus's Home without a reload
    FeedPage(fay.page).open().new_moment().upload(video, "Morning swim")
    expect(home.latest_moments.get_by_role("heading")).to_have_text(
        ["Morning swim", "Walk 5", "Walk 4"], timeout=LIVE_MS
    )
    expect_same_page(gus.page)
    expect_no_horizontal_scroll(gus.page)


def _day_heading(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day.day} {day:%B}" + ("" if day.year == today.year else f" {day.year}")


@pytest.mark.local_only(reason="moments dated days ago are stored straight into the suite's own table")
def test_the_feed_fills_a_desk_with_columns_and_a_phone_with_one_under_day_headings(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given Gail and Hugo shared four moments today, one yesterday and one four days ago
    gail, hugo = couple(new_person, ("Gail", DESKTOP), ("Hugo", PHONE))
    titles = ["Old pier", "Market", "Breakfast", "Bus ride", "Lunch", "Sunset"]
    days_ago = [4, 1, 0, 0, 0, 0]
    seed.add_moments(lumi, gail, titles, days_ago=days_ago)

    # when Gail opens the feed at her desk (1280 x 800)
    feed = FeedPage(gail.page).open()
    feed.feed.expect_titles(titles[::-1])

    # then the moments are under the days they were shared, as her browser's clock and zone say
    zone = ZoneInfo(gail.page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone"))
    now = datetime.now(UTC)
    today = now.astimezone(zone).date()
    headings = [
        _day_heading((now - timedelta(days=days, minutes=len(titles) - index)).astimezone(zone).date(), today)
        for index, days in enumerate(days_ago)
    ][::-1]
    expect(feed.feed.day_headings).to_have_text(list(dict.fromkeys(headings)))
    feed.feed.day(headings[0]).expect_titles(titles[::-1][: headings.count(headings[0])])

    # and the cards fill the wide column: three or more columns of cards at least 280 px wide
    columns = feed.feed.columns()
    assert len(columns) >= 3 and min(columns) >= 280, columns
    first_row = feed.feed.first_row()
    assert len(first_row) >= 3 and min(first_row) >= 280, first_row
    expect_no_horizontal_scroll(gail.page)

    # when Hugo opens it on his phone (390 x 844), then it is one full-width column, nothing to scroll sideways
    phone_feed = FeedPage(hugo.page).open()
    phone_feed.feed.expect_titles(titles[::-1])
    expect(phone_feed.feed.day_headings).to_have_text(list(dict.fromkeys(headings)))
    assert len(phone_feed.feed.columns()) == 1, phone_feed.feed.columns()
    card = phone_feed.feed.cards.first.bounding_box()
    assert card is not None and card["width"] >= 390 - 2 * 16 - 2, card
    expect_no_horizontal_scroll(hugo.page)
    assert gail.console_errors() == []
    assert hugo.console_errors() == []
