"""Searching my music: results as Ana types (no Enter), a typo forgiven ("beatels" finds The
Beatles' song first, and pressing it plays it), an accent-less query finding the accented title,
her partner's shared song found and his private one never; nothing found says so; Escape clears,
the search stays in the address over a reload and back, and "/" on a music page goes to the
search. At a desk's and a phone's width without sideways scrolling or console errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from e2e.music_pages import SongsPage, make_song
from e2e.music_search_pages import MusicSearchPage, upload_songs
from e2e.pages import RegisterPage, expect_every_control_named, expect_no_horizontal_scroll, pair_up
from e2e.people import DESKTOP, PHONE, Person
from e2e.player_pages import PlayerBar
from tools.system import LumiSystem


def test_search_forgives_typos_and_accents_plays_and_never_shows_a_private_song(
    lumi: LumiSystem, new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Ana at a desk and Ben on a phone, paired; Ana's three songs, Ben's private one and
    # the one he shares with her
    ana, ben = new_person("Ana", DESKTOP), new_person("Ben", PHONE)
    RegisterPage(ana.page).register(ana)
    RegisterPage(ben.page).register(ben)
    pair_up(ana, ben)
    api_url = lumi.stack_env["LUMI_API_URL"]
    upload_songs(
        api_url,
        ana,
        [
            make_song(tmp_path, 1, "Hey Jude", "The Beatles", "Past Masters"),
            make_song(tmp_path, 2, "Café del Mar", "Energy 52", "Ibiza Classics"),
            make_song(tmp_path, 3, "Beat Street", "Grandmaster Flash", "Street Beats"),
        ],
    )
    upload_songs(api_url, ben, [make_song(tmp_path, 4, "Beatles Bootleg", "Nobody Else", "Hidden")])
    upload_songs(api_url, ben, [make_song(tmp_path, 5, "Moonlight Shadow", "Mike Oldfield", "Crises")], shared=True)

    # when Ana opens the search: a hint, and the field is ready to type in
    search = MusicSearchPage(ana.page).open()
    expect(search.hint).to_be_visible()
    expect(search.field).to_be_focused()

    # and types a typo: The Beatles' song comes first, the artist too; Ben's private song never
    search.type("beatels")
    search.expect_first_song("Hey Jude")
    expect(search.artists.filter(has_text="The Beatles")).to_have_count(1)
    expect(search.page.get_by_role("heading", name=re.compile(r"^Songs \d+$"))).to_be_visible()
    expect(search.results).not_to_contain_text("Bootleg")
    expect_no_horizontal_scroll(ana.page)
    expect_every_control_named(ana.page)

    # and the search is in the address: a reload keeps it
    expect(ana.page).to_have_url(re.compile(r"/music/search/?\?q=beatels$"))
    search.reload()
    expect(search.field).to_have_value("beatels")
    search.expect_first_song("Hey Jude")

    # when she presses it, the player bar plays it
    search.song_button("Hey Jude").click()
    player = PlayerBar(ana.page)
    expect(player.title("Hey Jude")).to_be_visible()
    player.expect_playing()

    # when she types an accent-less beginning: the accented title is found as she types
    search.clear_and_type("cafe d")
    search.expect_first_song("Café del Mar")
    # and an album by the beginning of its name
    search.clear_and_type("ibiza cl")
    expect(search.albums.filter(has_text="Ibiza Classics")).to_have_count(1)
    # which opens the album; back comes to the same search
    search.albums.get_by_role("link", name=re.compile("^Ibiza Classics")).click()
    expect(ana.page.get_by_role("heading", name="Ibiza Classics")).to_be_visible()
    ana.page.go_back()
    expect(search.field).to_have_value("ibiza cl")
    expect(search.albums.filter(has_text="Ibiza Classics")).to_have_count(1)

    # the song Ben shares is hers to find; his private one is not there at all
    search.clear_and_type("moonli")
    search.expect_first_song("Moonlight Shadow")
    search.clear_and_type("bootleg")
    expect(search.nothing_matches("bootleg")).to_be_visible()
    expect(search.songs).to_have_count(0)

    # Escape clears the search (and the address), ↓ goes from the field to the first result
    search.field.press("Escape")
    expect(search.hint).to_be_visible()
    expect(search.field).to_have_value("")
    expect(ana.page).to_have_url(re.compile(r"/music/search/?$"))
    search.type("jude")
    search.expect_first_song("Hey Jude")
    search.field.press("ArrowDown")
    expect(search.song_button("Hey Jude")).to_be_focused()

    # and from any music page, "/" goes to the search, ready to type
    SongsPage(ana.page).open()
    ana.page.keyboard.press("/")
    expect(search.field).to_be_focused()
    expect(ana.page).to_have_url(re.compile(r"/music/search/?$"))

    # on Ben's phone: the search and its results fit the screen
    ben_search = MusicSearchPage(ben.page).open()
    ben_search.type("shadow")
    ben_search.expect_first_song("Moonlight Shadow")
    expect_no_horizontal_scroll(ben.page)
    expect_every_control_named(ben.page)
    assert ana.console_errors() == [] and ben.console_errors() == []
