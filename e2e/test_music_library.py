"""The music library: Ana uploads several songs at once (one of them not a song), sees each
file's progress and then, live, which became ready and which was refused (and one she cancels on
its way, which never arrives); her library lists them with their tags, sorts them, lets her edit
one (its title, its cover), share and delete one; Ben, her partner, sees the shared song appear
in his library live. Both at a phone's and a desk's width without sideways scrolling or console
errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Request, Route, expect

from e2e.music_pages import (
    READY_MS,
    AlbumsPage,
    MusicSettingsPage,
    MusicUploadPage,
    SongsPage,
    bottom_bar_problems,
    make_not_a_song,
    make_picture,
    make_song,
)
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
from e2e.player_pages import PlayerBar


def _is_upload(request: Request) -> bool:
    """The browser posting a file (multipart) straight to storage."""
    return request.method == "POST" and "multipart/form-data" in request.headers.get("content-type", "")


def test_songs_uploaded_together_become_a_library_to_sort_edit_share_and_delete(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Ana at a desk and Ben on a phone, paired; Ben's library is empty
    ana, ben = new_person("Ana", DESKTOP), new_person("Ben", PHONE)
    RegisterPage(ana.page).register(ana)
    RegisterPage(ben.page).register(ben)
    pair_up(ana, ben)
    ben_songs = SongsPage(ben.page).open()
    expect(ben_songs.empty).to_be_visible()
    expect_no_horizontal_scroll(ben.page)
    # (his bottom bar's seven labels, Music among them, fit side by side)
    assert bottom_bar_problems(ben.page) == []
    mark_page(ben.page)

    # when Ana chooses three songs (MP3 and FLAC, tagged) and a text file named like an MP3, together
    mango = make_song(tmp_path, 1, "Mango", "Zed", "Fruits")
    apple = make_song(tmp_path, 2, "Apple", "Zed", "Fruits", fmt="flac")
    cherry = make_song(tmp_path, 3, "Cherry", "Yara", "Stones", cover=(40, 120, 200))
    notes = make_not_a_song(tmp_path)
    upload = MusicUploadPage(ana.page).open()
    expect(upload.usage).to_have_text(re.compile(r"^0 KB of 5 GB used"))
    mark_page(ana.page)
    upload.choose(mango, apple, cherry, notes)

    # then the text file is refused and each song goes from its progress to "Ready", live
    expect(upload.row(notes)).to_contain_text("Refused: ", timeout=LIVE_MS)
    for song in (mango, apple, cherry):
        expect(upload.row(song)).to_contain_text("Ready", timeout=READY_MS)
        expect(upload.row(song).get_by_role("button", name=f"Play {song.name}")).to_be_visible()
    expect_same_page(ana.page)
    seen = upload.progress_seen()
    for song in (mango, apple, cherry):
        assert f"{song.name} 0" in seen and f"{song.name} 100" in seen, seen
    expect(upload.usage).not_to_have_text(re.compile(r"^0 KB"))
    expect_no_horizontal_scroll(ana.page)
    expect_every_control_named(ana.page)

    # when she starts one more song and cancels it while storage has not answered yet
    late = make_song(tmp_path, 4, "Late", "Zed", "Fruits")
    held: list[Route] = []
    ana.page.route("**/*", lambda route: held.append(route) if _is_upload(route.request) else route.fallback())
    with ana.page.expect_request(_is_upload):
        upload.choose(late)
    upload.row(late).get_by_role("button", name=f"Cancel {late.name}", exact=True).click()

    # then its row says so, and it never reaches her library (three songs, below)
    expect(upload.row(late)).to_contain_text("Cancelled")
    assert len(held) == 1, "the song was not on its way to storage when it was cancelled"
    ana.page.unroute("**/*")

    # and her library lists the three with their tags, newest first; by title when she sorts so
    songs = SongsPage(ana.page).open()
    # (Mango and Apple went up together: either may be newer; Cherry waited for a free slot)
    expect(songs.rows).to_have_count(3)
    expect(songs.rows.first.get_by_role("button", name="More for Cherry", exact=True)).to_be_visible()
    expect(songs.row("Cherry")).to_contain_text("Yara · Stones")
    expect(songs.row("Mango")).to_contain_text("0:04")
    # (Cherry's file had cover art: its row shows it, the others a placeholder)
    cherry_cover = songs.row("Cherry").locator("img")
    expect(cherry_cover).to_have_count(1)
    assert cherry_cover.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    expect(songs.row("Mango").locator("img")).to_have_count(0)

    # when she presses Cherry, the player bar plays it
    songs.row("Cherry").get_by_role("button", name="Play Cherry", exact=True).click()
    ana_player = PlayerBar(ana.page)
    expect(ana_player.title("Cherry")).to_be_visible()
    ana_player.expect_playing()
    songs.sort_by("Title")
    songs.expect_titles("Apple", "Cherry", "Mango")

    # when she edits a title
    songs.edit_title("Mango", "Mango Tango")
    # then the list shows it at once
    songs.expect_titles("Apple", "Cherry", "Mango Tango")

    # when she gives Mango Tango a cover (a file that is no picture first: refused before sending)
    cover = songs.open_edit("Mango Tango")
    songs.change_cover(notes)
    expect(cover.get_by_role("alert")).to_have_text("Choose a JPEG, PNG or WebP image.")
    songs.change_cover(make_picture(tmp_path))
    # then the dialog and her row show it at once
    expect(cover.get_by_role("status").filter(has_text="Cover changed.")).to_be_visible(timeout=LIVE_MS)
    expect(cover.locator("img")).to_have_count(1)
    songs.close_dialog()
    mango_cover = songs.row("Mango Tango").locator("img")
    expect(mango_cover).to_have_count(1)
    assert mango_cover.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    # and when she removes it, a placeholder again
    cover = songs.open_edit("Mango Tango")
    cover.get_by_role("button", name="Remove cover").click()
    expect(cover.get_by_role("status").filter(has_text="Cover removed.")).to_be_visible()
    expect(cover.locator("img")).to_have_count(0)
    songs.close_dialog()
    expect(mango_cover).to_have_count(0)

    # when she shares Apple with Ben
    songs.menu("Apple", "Share with my partner")
    expect(songs.row("Apple").get_by_text("Shared", exact=True)).to_be_visible()

    # then Ben's library shows it, live, as from Ana, and only it
    expect(ben_songs.rows).to_have_count(1, timeout=LIVE_MS)
    expect(ben_songs.row("Apple")).to_contain_text("From Ana")
    expect(ben_songs.row("Apple")).to_contain_text("Zed · Fruits")
    # and he can play it
    ben_songs.row("Apple").get_by_role("button", name="Play Apple", exact=True).click()
    ben_player = PlayerBar(ben.page)
    expect(ben_player.title("Apple")).to_be_visible()
    ben_player.expect_playing()
    expect_same_page(ben.page)
    expect_no_horizontal_scroll(ben.page)
    expect_every_control_named(ben.page)

    # when Ana deletes Cherry (after confirming)
    songs.delete("Cherry")
    # then it is gone from her library
    songs.expect_titles("Apple", "Mango Tango")
    expect_no_horizontal_scroll(ana.page)

    # and her albums show Fruits with its two songs; Ben's phone shows the album he can hear
    album_songs = AlbumsPage(ana.page).open().open_album("Fruits")
    expect(album_songs).to_have_count(2)
    expect(ana.page.get_by_role("button", name="Play all")).to_be_enabled()
    expect_no_horizontal_scroll(ana.page)
    AlbumsPage(ben.page).open().open_album("Fruits")
    expect_no_horizontal_scroll(ben.page)

    # and Settings → Music shows Ana's storage with her two songs
    settings = MusicSettingsPage(ana.page).open()
    expect(settings.storage).to_contain_text(re.compile(r"\d+ (KB|MB) of 5 GB used"))
    expect(settings.storage).to_contain_text("2 songs")

    assert ana.console_errors() == []
    assert ben.console_errors() == []
