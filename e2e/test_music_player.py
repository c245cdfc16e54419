"""The music player: it plays, goes on playing (the same audio, not restarted) while the person
moves between pages, seeks from the keyboard, goes to the next song (the preloaded one follows
the end of a song at once), reorders the queue, and after a reload resumes the saved song at the
saved position without playing until asked; on a phone the bar sits above the bottom navigation
without covering the page, and an alert ("Plays next" from a song's menu) rises above the bar.

Songs are made like the seed's demo songs and uploaded through the real upload path (the music
job makes them playable), then queued through the API: the library's play buttons are another
page's; here the queue page and the bar drive the player."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.date_pages import CalendarPage
from e2e.moments_pages import FeedPage
from e2e.music_pages import SongsPage
from e2e.pages import HomePage, RegisterPage, expect_every_control_named, expect_no_horizontal_scroll
from e2e.people import PHONE, Person
from e2e.player_pages import Library, PlayerBar, QueuePage, make_song_files
from tools.system import LumiSystem

AAC_IN_MP4 = 'document.createElement("audio").canPlayType(\'audio/mp4; codecs="mp4a.40.2"\')'


@pytest.fixture(scope="module")
def song_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_song_files(tmp_path_factory.mktemp("songs"))


@pytest.fixture
def give_songs(lumi: LumiSystem, song_files: list[Path]) -> Callable[[Person], Library]:
    return lambda person: Library.upload_and_queue(lumi.stack_env["LUMI_API_URL"], person, song_files)


def test_music_plays_on_across_pages_seeks_skips_reorders_and_resumes(
    new_person: Callable[..., Person], give_songs: Callable[[Person], Library]
) -> None:
    # given Emma's three songs in her queue
    emma = new_person("Emma")
    RegisterPage(emma.page).register(emma)
    library = give_songs(emma)
    first, second, third = library.titles
    assert emma.page.evaluate(AAC_IN_MP4) in ("probably", "maybe"), "this Chromium cannot play AAC in MP4"

    # when she opens the queue: the bar shows the first song, not playing yet
    queue = QueuePage(emma.page).open()
    player = PlayerBar(emma.page)
    expect(player.title(first)).to_be_visible()
    queue.expect_order([first, second, third])
    assert player.state()["playing"] is False

    # and plays it: the audio's time moves on
    queue.play(first)
    player.expect_playing()
    assert len(player.stats()["first_audio_ms"]) == 1

    # and it goes on playing, the same audio, across pages
    player.mark_audio()
    for label, page_type in (("Home", HomePage), ("Moments", FeedPage), ("Dates", CalendarPage)):
        was = player.state()["position"]
        queue.shell.go_to(label)
        page_type(emma.page).wait_until_ready()
        expect(player.title(first)).to_be_visible()
        player.expect_playing(past=was)
        assert player.same_audio_plays(), f"the music restarted on {label}"

    # seeking from the keyboard on the seek bar: to the start, then 5 s on; both measured
    player.seek_bar.focus()
    emma.page.keyboard.press("Home")
    player.wait_for("s.position < 2")
    emma.page.keyboard.press("ArrowRight")
    player.wait_for("s.position >= 5")
    expect(player.seek_bar).to_have_attribute("aria-valuetext", re.compile(r"^0:0[5-9] of (0:59|1:00)$"))
    player.wait_for("window.lumiPlayer.stats.seek_ms.length === 2")

    # N: the next song
    emma.page.keyboard.press("n")
    expect(player.title(second)).to_be_visible()
    player.expect_playing()

    # at the end of a song the next (preloaded) one follows
    player.seek_bar.press("End")
    expect(player.title(third)).to_be_visible()
    player.wait_for("window.lumiPlayer.stats.gaps_ms.length === 1 && s.playing")

    # the queue: move what plays now up one place
    player.queue_link.click()
    queue.wait_until_ready()
    queue.move_up(third)
    queue.expect_order([first, third, second])
    assert player.state()["playing"] is True
    # or drag a song to its place
    queue.drag(first, onto=second)
    queue.expect_order([third, second, first])

    print(f"player stats: {player.stats()}")  # the gap, first audio and seek figures (-s shows them)

    # paused, saved; a reload resumes there, not playing until asked
    player.play_button.click()
    player.wait_for("!s.playing")
    paused = player.state()
    library.wait_until_saved(paused["entry_id"], paused["position"])
    queue.reload()
    expect(player.title(third)).to_be_visible()
    player.wait_for("s.entry_id === arg.entry_id && Math.abs(s.position - arg.position) < 1", paused)
    assert player.state()["playing"] is False
    queue.expect_order([third, second, first])
    player.play_button.click()
    player.expect_playing(past=paused["position"])

    assert emma.console_errors() == []


def test_on_a_phone_the_bar_sits_above_the_bottom_navigation(
    new_person: Callable[..., Person], give_songs: Callable[[Person], Library]
) -> None:
    # given Sam on a phone, with nothing queued yet: no bar, an empty queue page
    sam = new_person("Sam", PHONE)
    RegisterPage(sam.page).register(sam)
    queue = QueuePage(sam.page).open()
    expect(queue.empty).to_be_visible()
    player = PlayerBar(sam.page)
    expect(player.bar).to_have_count(0)
    # and "?" opens the keyboard shortcuts even so (the player itself is not loaded yet)
    help_dialog = sam.page.get_by_role("dialog", name="Keyboard shortcuts")
    sam.page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    sam.page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # when songs are queued (on another device, say) and Sam opens Home
    library = give_songs(sam)
    home = HomePage(sam.page).open()

    # then the bar sits right above the bottom navigation and covers none of the page
    expect(player.title(library.titles[0])).to_be_visible()
    bar = player.bar.bounding_box()
    nav = home.shell.main_nav.bounding_box()
    assert bar is not None and nav is not None
    assert abs(bar["y"] + bar["height"] - nav["y"]) <= 1, (bar, nav)
    # (a page longer than the screen, scrolled to its end: its last line shows above the bar)
    sam.page.evaluate("document.getElementById('main').style.minHeight = '2000px'")
    sam.page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    main = sam.page.get_by_role("main").bounding_box()
    assert main is not None and main["y"] + main["height"] <= bar["y"] + 1, (main, bar)
    expect_no_horizontal_scroll(sam.page)
    sam.page.evaluate("document.getElementById('main').style.minHeight = ''")
    expect_every_control_named(sam.page)

    # the compact bar plays, and its song opens the queue
    player.play_button.click()
    player.expect_playing()
    player.queue_link.click()
    queue.wait_until_ready()
    queue.expect_order(library.titles)
    expect_no_horizontal_scroll(sam.page)
    player.expect_playing()

    # "Play next" from a song's menu in the library says so in an alert that rises above the bar
    # (it would cover the bar's controls otherwise), and the song comes next in the queue (another
    # entry of it: it stays where it was too)
    songs = SongsPage(sam.page).open()
    expect(player.title(library.titles[0])).to_be_visible()
    songs.menu(library.titles[2], "Play next")
    alert = songs.shell.toast("Plays next")
    expect(alert).to_be_visible()
    alert_box, bar = alert.bounding_box(), player.bar.bounding_box()
    assert alert_box is not None and bar is not None
    assert alert_box["y"] + alert_box["height"] <= bar["y"], (alert_box, bar)
    queue.open().expect_order([library.titles[0], library.titles[2], library.titles[1], library.titles[2]])

    # "?" opens the keyboard shortcuts right after a page loads; Escape closes them
    sam.page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    sam.page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    assert sam.console_errors() == []
