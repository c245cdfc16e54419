"""Music stats: the player reports what was heard, and the stats page shows it.

A person with two songs just over 30 s in her queue opens the stats page (nothing yet), plays
the first a little and seeks to its end (a seek is not listening: it adds nothing), then hears
the second through. The page, left open, refreshes itself: the day's bar, the song at the top of
"Top songs" with its artist and album, and "Recently played" show that one play only. The
audio plays at 4x (``playbackRate``) to keep the test short: what counts is media time heard,
so the count stays honest. The page fits a phone and a desktop.

Songs are made like the seed's demo songs and uploaded through the real upload path (the music
job makes them playable), then queued through the API."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from backend.contracts import QueueAdd
from backend.local.demo_music import CONTENT_TYPES, DemoSong, make_demo_song
from backend.local.seed import _check, _upload_song, _wait_until_processed
from e2e.pages import RegisterPage, expect_every_control_named, expect_no_horizontal_scroll
from e2e.people import DESKTOP, PHONE, Person
from e2e.player_pages import Library, PlayerBar
from e2e.stats_pages import StatsPage
from tools.system import LumiSystem

# Just over 30 s: it counts once 17 s of it are heard.
SONGS = (
    DemoSong(
        "Skipped Along", "The Testers", "Counting Songs", 1, 2024, "Test", "sine=frequency=330:duration=34", "mp3", 0
    ),
    DemoSong(
        "Heard Through", "The Testers", "Counting Songs", 2, 2024, "Test", "sine=frequency=440:duration=34", "mp3", 0
    ),
)
SPEED = 4


@pytest.fixture(scope="module")
def song_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    directory = tmp_path_factory.mktemp("stats-songs")
    return [make_demo_song(directory, index, song) for index, song in enumerate(SONGS)]


def upload_and_queue(api_url: str, person: Person, files: list[Path]) -> None:
    library = Library(api_url, person, [song.title for song in SONGS])
    with library._signed_in() as (http, uploader):
        song_ids = [_upload_song(uploader, http, path, CONTENT_TYPES["mp3"]) for path in files]
        deadline = time.monotonic() + 60
        statuses = [_wait_until_processed(uploader, song_id, deadline) for song_id in song_ids]
        assert statuses == ["ready"] * len(song_ids), f"the music job left the songs {statuses}"
        _check(uploader.post("/music/player/queue", QueueAdd(song_ids=song_ids).model_dump(mode="json")), "queueing")


def play_faster(page: Page) -> None:
    """Both of the player's audio elements at SPEED (a new source keeps the default rate)."""
    page.evaluate(
        """speed => document.querySelectorAll('audio[data-lumi-player]').forEach(a => {
            a.defaultPlaybackRate = speed; a.playbackRate = speed; })""",
        SPEED,
    )


def listen_heard(page: Page, seconds: float) -> None:
    page.wait_for_function(
        "s => { const l = window.lumiPlayer.listen(); return !!l && l.heard >= s; }", arg=seconds, timeout=30_000
    )


def titles(list_: Locator) -> Locator:
    return list_.get_by_role("listitem")


def test_a_song_heard_past_the_threshold_shows_in_the_stats_and_a_skipped_one_does_not(
    lumi: LumiSystem, new_person: Callable[..., Person], song_files: list[Path]
) -> None:
    # given Emma's two songs of 34 s in her queue, and her stats page open: nothing yet
    emma = new_person("Emma", DESKTOP)
    RegisterPage(emma.page).register(emma)
    upload_and_queue(lumi.stack_env["LUMI_API_URL"], emma, song_files)
    skipped, heard = (song.title for song in SONGS)
    stats = StatsPage(emma.page).open()
    expect(stats.empty).to_be_visible()
    player = PlayerBar(emma.page)
    expect(player.title(skipped)).to_be_visible()

    # when she plays the first a little, then seeks to its end: the next one follows
    player.play_button.click()
    player.expect_playing()
    play_faster(emma.page)
    listen_heard(emma.page, 2)
    player.seek_bar.focus()
    emma.page.keyboard.press("End")
    expect(player.title(heard)).to_be_visible()
    # nothing was reported for it: what a seek skipped was not heard
    assert emma.page.evaluate("window.lumiPlayer.reported.length") == 0

    # and she hears the second to its end: one listen reported, with what was heard
    player.wait_for("!s.playing && s.entry_id && window.lumiPlayer.reported.length === 1", None)
    report = emma.page.evaluate("window.lumiPlayer.reported[0]")
    assert 25 <= report["listened_seconds"] <= 34.5, report
    assert re.fullmatch(r"[0-9a-f]{32}", report["play_id"]), report

    # then the page, still open, shows it: in Recently played, at the top of the lists, on today's bar
    expect(titles(stats.recent)).to_have_count(1, timeout=20_000)
    expect(titles(stats.recent).first).to_contain_text(heard)
    expect(titles(stats.top_songs)).to_have_text([re.compile(rf"^{heard}.*1 play$")])
    expect(titles(stats.top_artists)).to_have_text([re.compile(r"^The Testers.*1 play$")])
    expect(titles(stats.top_albums)).to_have_text([re.compile(r"^Counting Songs.*1 play$")])
    expect(stats.totals).to_contain_text("1 play")
    expect(stats.days).to_contain_text("over 1 play on 1 day")
    heights = stats.bar_heights()
    assert len([h for h in heights if h > 0]) == 1, heights
    expect(titles(stats.top_artists).first.get_by_role("link")).to_have_attribute(
        "href", re.compile(r"/music/artist\?id=")
    )

    # another period says the same (all time), and the page fits a desktop and a phone
    stats.choose("All time")
    expect(stats.page.get_by_role("heading", name="All time")).to_be_visible()
    expect(titles(stats.top_songs)).to_have_count(1)
    expect_no_horizontal_scroll(emma.page)
    expect_every_control_named(emma.page)
    emma.page.set_viewport_size(PHONE)
    expect(stats.recent).to_be_visible()
    expect_no_horizontal_scroll(emma.page)
    expect_every_control_named(emma.page)

    assert emma.console_errors() == []
