"""Playlists, made by one partner and edited by both: Ana (at a desk) makes a playlist, adds songs
from the song menu and shares it; Ben (on a phone) sees it arrive live, opens it and reorders it
with the keyboard and by dragging, and Ana sees each new order live; both add a song at the same
moment and both songs are there on both screens; a song Ana makes private stays in Ben's
playlist as "Unavailable"; a cover Ana uploads replaces the mosaic on both screens. Neither screen
scrolls sideways; no console errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from e2e.music_pages import SongsPage, make_picture
from e2e.pages import (
    LIVE_MS,
    RegisterPage,
    expect_every_control_named,
    expect_no_horizontal_scroll,
    expect_same_page,
    mark_page,
    pair_up,
)
from e2e.people import DESKTOP, PHONE, Person
from e2e.playlist_pages import AddToPlaylistDialog, PlaylistPage, PlaylistsPage, give_songs
from tools.system import LumiSystem

PLAYLIST = "Road trip"


def test_a_shared_playlist_is_edited_by_both_partners_live(
    new_person: Callable[..., Person], lumi: LumiSystem, tmp_path: Path
) -> None:
    # given Ana at a desk and Ben on a phone, paired; Ana's four songs and Ben's one, shared
    ana, ben = new_person("Ana", DESKTOP), new_person("Ben", PHONE)
    RegisterPage(ana.page).register(ana)
    RegisterPage(ben.page).register(ben)
    pair_up(ana, ben)
    api_url = lumi.stack_env["LUMI_API_URL"]
    give_songs(api_url, ana, tmp_path / "ana", ["Amber", "Birch", "Cedar", "Dune"], shared=True)
    give_songs(api_url, ben, tmp_path / "ben", ["Elm"], shared=True)

    # when Ana makes a playlist (personal for now): it opens, empty
    ana_list = PlaylistsPage(ana.page).open()
    expect(ana_list.empty).to_be_visible()
    ana_playlist = ana_list.create(PLAYLIST, "Songs for the coast")
    expect(ana_playlist.empty).to_be_visible()

    # and adds three songs from the song menu
    ana_songs = SongsPage(ana.page).open()
    expect(ana_songs.row("Amber")).to_be_visible()
    dialog = AddToPlaylistDialog(ana.page)
    for title in ("Amber", "Birch", "Cedar"):
        dialog.open_from_songs(ana_songs, title).add_to(PLAYLIST)

    # Ben does not see her personal playlist
    ben_list = PlaylistsPage(ben.page).open()
    expect(ben_list.empty).to_be_visible()
    mark_page(ben.page)

    # when Ana shares it
    ana_list.open()
    ana_list.link(PLAYLIST).click()
    ana_playlist.expect_order(["Amber", "Birch", "Cedar"])
    expect(ana_playlist.details).to_have_text("3 songs · 12 s")
    ana_playlist.creator_action(f"Share with {ben.name}")
    expect(ana.page.get_by_text("Shared", exact=True)).to_be_visible()

    # then it appears in Ben's list live, from Ana
    expect(ben_list.link(PLAYLIST), "the shared playlist did not appear live").to_be_visible(timeout=LIVE_MS)
    expect(ben_list.link(PLAYLIST)).to_contain_text(f"From {ana.name}")
    expect_same_page(ben.page)
    expect_no_horizontal_scroll(ben.page)

    # and he opens it: no creator's menu for him
    ben_list.link(PLAYLIST).click()
    ben_playlist = PlaylistPage(ben.page)
    ben_playlist.expect_order(["Amber", "Birch", "Cedar"])
    expect(ben_playlist.more).to_have_count(0)
    expect_no_horizontal_scroll(ben.page)
    expect_every_control_named(ben.page)
    mark_page(ana.page)

    # when Ben moves Cedar up with the keyboard: the focus stays on Cedar's button
    ben_playlist.move_button("Cedar", "up").focus()
    ben.page.keyboard.press("Enter")
    ben_playlist.expect_order(["Amber", "Cedar", "Birch"])
    expect(ben_playlist.move_button("Cedar", "up")).to_be_focused()
    # then Ana sees the new order live
    ana_playlist.expect_order(["Amber", "Cedar", "Birch"])

    # when he drags Amber below Birch
    ben_playlist.drag("Amber", onto="Birch")
    ben_playlist.expect_order(["Cedar", "Birch", "Amber"])
    ana_playlist.expect_order(["Cedar", "Birch", "Amber"])
    expect_same_page(ana.page)

    # when both add a song at the same moment (each from a second tab of their music)
    ana_tab, ben_tab = ana.context.new_page(), ben.context.new_page()
    ana_more, ben_more = SongsPage(ana_tab).open(), SongsPage(ben_tab).open()
    ana_add, ben_add = AddToPlaylistDialog(ana_tab), AddToPlaylistDialog(ben_tab)
    ana_add.open_from_songs(ana_more, "Dune")
    ben_add.open_from_songs(ben_more, "Elm")
    expect(ana_add.choice(PLAYLIST)).to_be_enabled()
    expect(ben_add.choice(PLAYLIST)).to_be_enabled()
    ana_add.choice(PLAYLIST).click()
    ben_add.choice(PLAYLIST).click()
    expect(ana_tab.get_by_text(f"Added to {PLAYLIST}.")).to_be_visible()
    expect(ben_tab.get_by_text(f"Added to {PLAYLIST}.")).to_be_visible()

    # then both songs are in both playlists, live
    for playlist in (ana_playlist, ben_playlist):
        expect(playlist.entries).to_have_count(5, timeout=LIVE_MS)
        for title in ("Dune", "Elm"):
            expect(playlist.entry(title)).to_be_visible()

    # when Ana makes Birch private: Ben's entry stays, unavailable and not playable
    ana_more.menu("Birch", "Make private")
    birch = ben_playlist.entry("Birch")
    expect(birch).to_contain_text("Unavailable", timeout=LIVE_MS)
    expect(birch.get_by_role("button", name="Play Birch")).to_have_count(0)
    expect(ben_playlist.entries).to_have_count(5)
    expect(ana_playlist.entry("Birch").get_by_role("button", name="Play Birch")).to_be_visible()

    # when Ana gives the playlist a cover of her own (Ben has no such button)
    expect(ben.page.get_by_role("button", name="Change cover")).to_have_count(0)
    ana.page.get_by_role("button", name="Change cover").click()
    cover_dialog = ana.page.get_by_role("dialog", name="Playlist cover")
    cover_dialog.get_by_label("Cover picture").set_input_files(make_picture(tmp_path))
    cover_dialog.get_by_role("button", name="Upload cover").click()
    expect(cover_dialog.get_by_text("Cover changed.")).to_be_visible(timeout=LIVE_MS)
    cover_dialog.get_by_role("button", name="Close").click()
    expect(cover_dialog).to_be_hidden()  # (its preview of the cover goes with it)
    # then both pages show it in place of the mosaic, Ben's live
    for person in (ana, ben):
        uploaded = person.page.locator('#main img[src*="/playlists/"]')
        expect(uploaded).to_have_count(1, timeout=LIVE_MS)
        assert uploaded.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0

    # both screens fit, without console errors
    for person in (ana, ben):
        expect_no_horizontal_scroll(person.page)
    expect_every_control_named(ana.page)
    assert ana.console_errors() == []
    assert ben.console_errors() == []
