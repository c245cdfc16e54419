"""Editing a song's details on the real local stack: the owner changes (or clears) title, artist,
album, album artist, track, disc, year and genre of a ready song; its places in the library's
orders follow in the same write, and so does the partner's copy of a shared song. Nobody else can
change it; a song still processing cannot be changed yet.
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

from typing import Any

from backend.local.queue_poller import QueuePoller
from tests.audio import Tags, make_song, tagged_song
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_job import add_song, music, music_poller, stored  # noqa: F401 (fixtures)
from tests.integration.test_music_library import titles
from tests.integration.test_music_sharing import ready_song


def patch(api: Api, person: Person, song_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    return api.patch(f"/music/songs/{song_id}", body, token=person.access_token)


def test_the_owner_changes_details_and_the_orders_follow(
    api: Api, couple: MakeCouple, register: Register, music: QueuePoller
) -> None:
    ana, ben, _ = couple()
    cleo = register("cleo")
    first = ready_song(api, ana, music, "Alpha", 910)
    second = ready_song(api, ana, music, "Beta", 920)
    assert titles(api, ana, "title") == ["Alpha", "Beta"]
    # when Ana renames the first and moves it to another artist and album
    status, song = patch(
        api,
        ana,
        first,
        {"title": "Zulu", "artist": "Zed", "album": "Last", "track_number": 9, "disc_number": 2, "year": 2001},
    )
    assert status == 200, song
    assert (song["title"], song["artist"], song["album"], song["track_number"], song["disc_number"], song["year"]) == (
        "Zulu",
        "Zed",
        "Last",
        9,
        2,
        2001,
    )
    assert song["genre"] == "Jazz" and song["album_artist"] == "Ana & the Lights"  # left out: kept
    # then every order places it anew
    assert titles(api, ana, "title") == ["Beta", "Zulu"]
    assert titles(api, ana, "artist") == ["Beta", "Zulu"]
    assert stored(ana, first)["gsi4sk"].startswith("last#ana & the lights#002#0009#")
    # clearing the artist sends it after every named one; a null number clears it
    status, song = patch(api, ana, second, {"artist": "", "track_number": None})
    assert status == 200 and song["artist"] is None and song["track_number"] is None
    assert titles(api, ana, "artist") == ["Zulu", "Beta"]
    # what cannot be
    assert patch(api, ana, first, {"title": ""})[0] == 422
    assert patch(api, ana, first, {"title": None})[0] == 422
    assert patch(api, ana, first, {"artist": "bell\x07"})[0] == 422
    assert patch(api, ana, first, {"year": 99})[0] == 422
    assert patch(api, ana, first, {"title": "x" * 201})[0] == 422
    assert_error(patch(api, ben, first, {"title": "Mine now"}), 404, "not_found")
    assert_error(patch(api, cleo, first, {"title": "Mine now"}), 404, "not_found")
    assert stored(ana, first)["title"] == "Zulu"


def test_a_processing_song_cannot_be_changed_yet(api: Api, register: Register, music: QueuePoller) -> None:
    ana = register("ana")
    song = add_song(api, ana, make_song("mp3", seconds=1, frequency=930))
    assert_error(patch(api, ana, song["song_id"], {"title": "Early"}), 409, "song_not_ready")
    music.drain(timeout=60)
    assert patch(api, ana, song["song_id"], {"title": "Now"})[1]["title"] == "Now"


def test_the_partner_sees_a_shared_songs_new_details(api: Api, couple: MakeCouple, music: QueuePoller) -> None:
    ana, ben, _ = couple()
    mine = ready_song(api, ben, music, "Middle", 940)
    song = add_song(api, ana, tagged_song("flac", Tags(title="Aaa"), seconds=1, frequency=950))
    music.drain(timeout=60)
    # sharing and renaming in one request
    status, changed = patch(api, ana, song["song_id"], {"title": "Zzz", "visibility": "partner"})
    assert status == 200 and changed["title"] == "Zzz" and changed["visibility"] == "partner", changed
    assert titles(api, ben, "title") == ["Middle", "Zzz"]
    # renaming it again moves it in Ben's library too
    assert patch(api, ana, song["song_id"], {"title": "Aaa again"})[0] == 200
    assert titles(api, ben, "title") == ["Aaa again", "Middle"]
    status, found = api.get(f"/music/songs/{song['song_id']}", token=ben.access_token)
    assert status == 200 and found["title"] == "Aaa again"
    # and he cannot change it
    assert_error(patch(api, ben, song["song_id"], {"title": "Ben's"}), 403, "forbidden")
    assert mine
