"""The Moments story, two people at their own browsers: one shares a video, the other sees it appear,
watches it (it plays and seeks), they talk about it live, it gets a tag, and it goes for both."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Route, expect

from e2e.moments_pages import THUMBNAIL_MS, FeedPage, UploadPage, couple
from e2e.pages import (
    LIVE_MS,
    RegisterPage,
    expect_no_horizontal_scroll,
    expect_same_page,
    mark_page,
    pair_up,
)
from e2e.people import DESKTOP, PHONE, Person
from e2e.watch_pages import WatchPage
from tests.media import make_video

VIDEO_SECONDS = 4
TITLE = "Sunset at the pier"
DESCRIPTION = "The gulls were louder than the waves."

_PLAYER_READY = """() => {
    const video = document.querySelector("main video");
    return video !== null && video.readyState >= 1 && video.error === null;
}"""


def test_a_moment_is_shared_watched_talked_about_tagged_and_deleted(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Alex at a desk and Blake on a phone, paired, Blake looking at his Moments
    alex, blake = couple(new_person, ("Alex", DESKTOP), ("Blake", PHONE))
    blake_feed = FeedPage(blake.page).open()
    mark_page(blake.page)

    # when Alex shares a video, watching the upload's progress
    video = make_video(tmp_path / "pier.webm", VIDEO_SECONDS, "webm")
    upload = UploadPage(alex.page).open()
    upload.watch_upload_progress()
    upload.fill(video, TITLE, description=DESCRIPTION, tags=["Beach"])
    upload.share()

    # then it uploaded with a progress bar to the end, and Alex lands on its watch page
    alex_watch = WatchPage(alex.page)
    expect(alex_watch.title(TITLE)).to_be_visible(timeout=LIVE_MS * 2)
    seen = upload.upload_progress_seen()
    assert any(entry.startswith("Uploading…") for entry in seen), seen
    assert any(entry.endswith("100%") for entry in seen), seen
    moment_id = alex_watch.moment_id()
    expect(alex_watch.tag_link("Beach")).to_be_visible()
    mark_page(alex.page)

    # and Blake sees it appear in his feed without a reload, with its picture once it is made
    blake_feed.expect_card(TITLE, timeout=LIVE_MS)
    blake_feed.expect_thumbnail(TITLE, timeout=THUMBNAIL_MS)
    expect_same_page(blake.page)

    # when Blake opens it (in a second tab, his feed stays open in the first)
    watch_tab = blake.context.new_page()
    href = blake_feed.feed.card(TITLE).get_by_role("link").first.get_attribute("href")
    assert href and moment_id in href, href
    watch_tab.goto(href)
    blake_watch = WatchPage(watch_tab).wait_until_ready()

    # then the video plays: its time moves on
    expect(blake_watch.title(TITLE)).to_be_visible()
    expect(watch_tab.get_by_text(DESCRIPTION)).to_be_visible()
    blake_watch.expect_video()
    assert abs(blake_watch.duration() - VIDEO_SECONDS) < 0.5, blake_watch.duration()
    blake_watch.play()

    # and it seeks: the browser lands where he jumps to, and storage answers ranges (206)
    landed = blake_watch.seek(2.0)
    assert abs(landed - 2.0) < 0.25, landed
    assert abs(blake_watch.current_time() - 2.0) < 0.25
    ranged = httpx.get(blake_watch.source(), headers={"Range": "bytes=100-1099"}, timeout=10)
    assert ranged.status_code == 206, ranged.status_code
    assert ranged.headers.get("accept-ranges") == "bytes", ranged.headers
    assert ranged.headers.get("content-range", "").startswith("bytes 100-1099/"), ranged.headers
    assert len(ranged.content) == 1000

    # and on his phone the chat is below the video, with nothing to scroll sideways
    video_box = blake_watch.video.bounding_box()
    chat_box = blake_watch.chat.bounding_box()
    assert video_box and chat_box and chat_box["y"] >= video_box["y"] + video_box["height"], (video_box, chat_box)
    expect_no_horizontal_scroll(watch_tab)

    # while at Alex's desk it is beside the video
    video_box = alex_watch.video.bounding_box()
    chat_box = alex_watch.chat.bounding_box()
    assert video_box and chat_box and chat_box["x"] >= video_box["x"] + video_box["width"], (video_box, chat_box)
    expect_no_horizontal_scroll(alex.page)

    # when Blake writes a message, then Alex (watching too) sees it live
    blake_message = "Take me back there!"
    blake_watch.send(blake_message)
    alex_watch.expect_message(blake_message, timeout=LIVE_MS)

    # when Alex reacts with a heart, then Blake sees it under his message
    alex_watch.react(blake_message, "❤️")
    alex_watch.expect_reaction(blake_message, "❤️", by="You")
    blake_watch.expect_reaction(blake_message, "❤️", by="Alex", timeout=LIVE_MS)

    # when Blake types (without sending yet), then Alex sees him typing, until he stops
    blake_watch.type_slowly("Next summer")
    alex_watch.expect_typing("Blake", timeout=LIVE_MS)
    alex_watch.expect_not_typing("Blake", timeout=LIVE_MS)
    blake_watch.composer.press("Enter")
    alex_watch.expect_message("Next summer", timeout=LIVE_MS)
    alex_watch.expect_messages_in_order(blake_message, "Next summer")

    # when Alex answers, then it shows as read: Blake has the chat open in front of him
    alex_message = "Same pier, same time?"
    alex_watch.send(alex_message)
    blake_watch.expect_message(alex_message, timeout=LIVE_MS)
    alex_watch.expect_receipt("Read", timeout=LIVE_MS)

    # when Alex edits her message, then Blake sees the new words
    alex_watch.edit_own(alex_message, "Same pier, next June?")
    blake_watch.expect_message("Same pier, next June?", timeout=LIVE_MS)

    # when Alex tags the moment, then the tag shows for both, and its page lists the moment
    alex_watch.edit_moment(tags="Beach, Summer")
    expect(alex_watch.tag_link("Summer")).to_be_visible()
    expect(blake_watch.tag_link("Summer")).to_be_visible(timeout=LIVE_MS)
    alex_watch.tag_link("Summer").click()
    expect(alex.page).to_have_url(re.compile(r"slug=summer"))
    expect(alex.page.get_by_role("heading", name=TITLE, exact=True)).to_be_visible()
    alex_watch = WatchPage(alex.page).open_moment(moment_id)
    expect(alex_watch.title(TITLE)).to_be_visible()

    # when Alex deletes the moment
    mark_page(watch_tab)
    alex_watch.delete_moment()

    # then it is gone for both: Blake's watch tab says so, and his feed drops it, without reloads
    expect(blake_watch.deleted).to_be_visible(timeout=LIVE_MS)
    expect(blake_feed.feed.card(TITLE)).to_have_count(0, timeout=LIVE_MS)
    expect_same_page(watch_tab)
    expect_same_page(blake.page)
    expect(FeedPage(alex.page).wait_until_ready().feed.card(TITLE)).to_have_count(0)

    # and its link now says the moment is gone
    expect(WatchPage(watch_tab).open_moment(moment_id).gone).to_be_visible()
    assert not alex.console_errors(), alex.console_errors()
    assert not blake.console_errors(), blake.console_errors()


def test_a_long_chat_loads_in_pages_and_own_messages_can_be_changed(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Alex on a phone and Blake, paired, and a moment of Blake's with 35 messages from him
    alex, blake = couple(new_person, ("Alex", PHONE), ("Blake", DESKTOP))
    UploadPage(blake.page).open().upload(make_video(tmp_path / "lake.webm", 2, "webm"), "Lake day")
    blake_watch = WatchPage(blake.page).wait_until_ready()
    moment_id = blake_watch.moment_id()
    for n in range(1, 36):
        blake_watch.send(f"Message {n:02d}")

    # when Alex opens it
    watch = WatchPage(alex.page).open_moment(moment_id)

    # then the newest page of the chat shows, oldest at the top, and Alex has read it (Blake's own page says so)
    expect(watch.items).to_have_count(30)
    expect(watch.items.first).to_contain_text("Message 06")
    expect(watch.items.last).to_contain_text("Message 35")
    expect(watch.title("Lake day")).to_be_visible()
    expect_no_horizontal_scroll(alex.page)
    expect(watch.load_earlier_button).to_be_visible()
    blake_watch = WatchPage(blake.page).open_moment(moment_id)
    blake_watch.expect_receipt("Read")

    # when Alex loads the earlier messages, then the whole chat is there in order, and no more to load
    watch.load_earlier_button.click()
    expect(watch.items).to_have_count(35)
    expect(watch.items).to_have_text([re.compile(f"Message {n:02d}") for n in range(1, 36)])
    expect(watch.load_earlier_button).to_have_count(0)

    # when Alex writes two lines (Shift+Enter) and sends with Enter
    watch.composer.press_sequentially("Line one")
    watch.composer.press("Shift+Enter")
    watch.composer.press_sequentially("Line two")
    expect(watch.composer).to_have_value("Line one\nLine two")
    watch.composer.press("Enter")

    # then it is one message of two lines, stored as such: Blake, loading the chat again, has it from Alex
    expect(watch.composer).to_have_value("")
    expect(watch.items.last).to_contain_text("Line one")
    expect(watch.items.last).to_have_attribute("aria-busy", "false")  # sent, no longer the optimistic copy
    assert "Line one\nLine two" in watch.items.last.inner_text()
    blake_watch.reload()
    newest = blake_watch.items.last
    expect(newest).to_contain_text("Line one")
    assert "Line one\nLine two" in newest.inner_text()
    expect(newest.get_by_text("Alex", exact=True)).to_be_visible()

    # when Alex edits it, then deletes it
    watch.message("Line one Line two").get_by_role("button", name="Edit message").click()
    editing = watch.items.last.get_by_role("textbox", name="Edit message")
    editing.fill("Only one line")
    editing.press("Enter")
    expect(watch.message("Only one line")).to_contain_text("(edited)")
    watch.delete_own("Only one line")

    # then the chat keeps its place, saying it was deleted, and so it is for Blake loading it again
    expect(watch.items).to_have_count(36)
    expect(watch.items.last).to_have_text(re.compile("Message deleted"))
    blake_watch.reload()
    expect(blake_watch.items.last).to_have_text(re.compile("Message deleted"))
    expect(blake_watch.message("Only one line")).to_have_count(0)
    # Partners can't change each other's messages: only Alex's own carried Edit / Delete.
    expect(watch.message("Message 35").get_by_role("button", name="Edit message")).to_have_count(0)
    assert not alex.console_errors(), alex.console_errors()


def test_a_video_whose_signed_url_stopped_working_loads_again_with_a_fresh_one(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given a moment of Blake's, and storage refusing Alex's first request for its video
    # (what a signed URL that expired while the page stayed open gets; refused in Alex's browser,
    # so this runs against any deployment)
    alex, blake = couple(new_person, ("Alex", DESKTOP), ("Blake", PHONE))
    UploadPage(blake.page).open().upload(make_video(tmp_path / "pier.webm", 3, "webm"), "Pier at night")
    moment_id = WatchPage(blake.page).moment_id()
    answered: list[int] = []

    def expire_the_first(route: Route) -> None:
        if not answered:
            answered.append(403)
            route.fulfill(status=403, content_type="application/xml", body="<Error><Code>AccessDenied</Code></Error>")
        else:
            answered.append(200)
            route.continue_()

    alex.page.route(re.compile(r"/moments/[^/?]+/video\?"), expire_the_first)

    # when Alex opens it, then the player fails once, asks for a fresh URL, and plays and seeks
    watch = WatchPage(alex.page).open_moment(moment_id)
    expect(watch.title("Pier at night")).to_be_visible()
    alex.page.wait_for_function(_PLAYER_READY)
    assert answered[0] == 403 and answered[1:] and set(answered[1:]) == {200}
    watch.seek(2.0)
    assert watch.current_time() >= 1.9


def test_on_a_phone_the_message_box_stays_above_the_bottom_bar_and_touch_gets_no_keyboard_hint(
    new_person: Callable[..., Person], add_moments: Callable[[Person, list[str]], None]
) -> None:
    # given Blake at a desk and Alex on a phone's browser (a touch screen), paired, and Blake's
    # video with a chat long enough to fill its box
    alex = new_person("Alex", PHONE, touch=True)
    blake = new_person("Blake", DESKTOP)
    RegisterPage(alex.page).register(alex)
    RegisterPage(blake.page).register(blake)
    pair_up(alex, blake)
    add_moments(blake, ["Harbour lights"])
    FeedPage(blake.page).open().feed.open("Harbour lights")
    blake_watch = WatchPage(blake.page).wait_until_ready()
    for n in range(1, 11):
        blake_watch.send(f"Line {n:02d} of a long story about the harbour at night")
    moment_id = blake_watch.moment_id()

    # when Alex opens it on the phone
    watch = WatchPage(alex.page).open_moment(moment_id)
    expect(watch.items).to_have_count(10)

    # then the video is named by the moment's title, and there is no "Shift+Enter" on a touch screen
    expect(watch.video).to_have_accessible_name("Harbour lights")
    assert alex.page.evaluate("matchMedia('(hover: hover) and (pointer: fine)').matches") is False
    expect(watch.hint).to_be_hidden()

    # when Alex scrolls down to the chat, its top a little above the middle of the screen
    watch.scroll_chat_to(0.4)

    # then the message box is on screen, above the bottom bar, not behind it
    expect(watch.composer).to_be_in_viewport()
    composer, bar = watch.composer_form.bounding_box(), watch.bottom_bar.bounding_box()
    assert composer and bar, (composer, bar)
    assert composer["y"] >= 0 and composer["y"] + composer["height"] <= bar["y"] + 1, (composer, bar)
    expect_no_horizontal_scroll(alex.page)

    # and it works from there
    watch.send("Let's go back this weekend")
    blake_watch.expect_message("Let's go back this weekend")

    # while at Blake's desk the hint is there, and the video has its name too
    expect(blake_watch.hint).to_be_visible()
    expect(blake_watch.video).to_have_accessible_name("Harbour lights")
    assert not alex.console_errors(), alex.console_errors()
    assert not blake.console_errors(), blake.console_errors()
