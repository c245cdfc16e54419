"""Music search on the real local stack: the stream keeps each person's songs (and those shared
with them), albums, artists and playlists (theirs and those their partner shares with them) in
the local index; ``GET /music/search`` finds them by prefix,
with typos and without accents, best match first, and never finds another person's private
songs (nor a partner's song once it is unshared, even before the stream has run).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backend.aws import client
from backend.local.bootstrap import MUSIC_SEARCH_INDEXED, index_music_library
from backend.local.stream_poller import StreamPoller
from backend.search import get_music_index
from backend.store import keys, table
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_plays import ready_song
from tests.integration.test_playlists import make_playlist


def found(api: Api, person: Person, q: str, **query: str) -> dict[str, list[str]]:
    status, body = api.get("/music/search", token=person.access_token, query={"q": q, **query})
    assert status == 200, body
    return {
        "songs": [song["title"] for song in body["songs"]],
        "albums": [album["name"] for album in body["albums"]],
        "artists": [artist["name"] for artist in body["artists"]],
        "playlists": [playlist["name"] for playlist in body["playlists"]],
    }


@pytest.fixture
def drained(stream: StreamPoller) -> Iterator[StreamPoller]:
    stream.drain()  # what earlier tests left
    yield stream


def test_search_finds_prefixes_typos_and_accents_and_never_another_persons_songs(
    api: Api, couple: MakeCouple, register: Register, drained: StreamPoller
) -> None:
    ana, ben, _rel = couple()
    cleo = register("cleo")
    # given Ana's library, Ben's private song and Cleo's (another couple)
    ready_song(ana, "Let It Be", "The Beatles", "Let It Be")
    hey_jude = ready_song(ana, "Hey Jude", "The Beatles", "Past Masters")
    ready_song(ana, "Déjà Vu", "Beyoncé", "B'Day")
    ready_song(ana, "Secret Ana", "Ana")
    ready_song(ana, "Processing", "The Beatles", status="processing")
    ready_song(ben, "Secret Beatles Demo", "Ben", "Demos")
    ready_song(cleo, "Let It Be Cover", "Cleo", "Covers")
    drained.drain()

    # then a typo finds the artist, its songs and albums, the best match first
    beatels = found(api, ana, "beatels")
    assert beatels["artists"] == ["The Beatles"]
    assert sorted(beatels["songs"]) == ["Hey Jude", "Let It Be"]
    assert sorted(beatels["albums"]) == ["Let It Be", "Past Masters"]
    assert found(api, ana, "let i")["songs"] == ["Let It Be"]  # as the person types
    assert found(api, ana, "let i")["albums"] == ["Let It Be"]
    assert found(api, ana, "hye jdue")["songs"] == ["Hey Jude"]  # two words, a swap in each
    assert found(api, ana, "deja vu")["songs"] == ["Déjà Vu"]  # accents ignored
    assert found(api, ana, "BEYONCÉ")["artists"] == ["Beyoncé"]
    assert found(api, ana, "beyonse")["songs"] == ["Déjà Vu"]
    assert found(api, ana, "h")["songs"] == ["Hey Jude"]  # one letter: names starting with it
    # never someone else's private song, nor a song that is not ready
    assert found(api, ana, "secret")["songs"] == ["Secret Ana"]
    assert found(api, ana, "processing")["songs"] == []
    assert found(api, cleo, "beatels") == {"songs": [], "albums": [], "artists": [], "playlists": []}
    assert found(api, cleo, "let it be")["songs"] == ["Let It Be Cover"]
    assert found(api, ben, "secret")["songs"] == ["Secret Beatles Demo"]

    # when Ana shares a song, Ben finds it (and its album and artist) among his own
    status, body = api.patch(f"/music/songs/{hey_jude}", {"visibility": "partner"}, token=ana.access_token)
    assert status == 200, body
    drained.drain()
    bens = found(api, ben, "beatles")
    assert sorted(bens["songs"]) == ["Hey Jude", "Secret Beatles Demo"]
    assert bens["artists"] == ["The Beatles"] and bens["albums"] == ["Past Masters"]
    # and once unshared, it is gone at once (before the stream has run)
    status, body = api.patch(f"/music/songs/{hey_jude}", {"visibility": "private"}, token=ana.access_token)
    assert status == 200, body
    assert found(api, ben, "hey jude")["songs"] == []
    drained.drain()
    assert found(api, ben, "beatles") == {
        "songs": ["Secret Beatles Demo"],
        "albums": [],
        "artists": [],
        "playlists": [],
    }


def test_search_checks_what_it_is_asked(api: Api, register: Register, drained: StreamPoller) -> None:
    ana = register("ana")
    ready_song(ana, "Song", "Ana")
    drained.drain()
    assert_error(api.get("/music/search", token=ana.access_token, query={"q": "   "}), 422, "validation_error")
    assert_error(api.get("/music/search", token=ana.access_token, query={"q": "x" * 101}), 422, "validation_error")
    assert_error(
        api.get("/music/search", token=ana.access_token, query={"q": "a", "limit": "21"}), 422, "validation_error"
    )
    assert found(api, ana, "\"*'()") == {"songs": [], "albums": [], "artists": [], "playlists": []}
    status, _body = api.get("/music/search", query={"q": "song"})
    assert status == 401
    limited: dict[str, Any] = found(api, ana, "song", limit="1")
    assert limited["songs"] == ["Song"]


def test_a_library_kept_from_before_search_is_indexed_once(api: Api, register: Register, drained: StreamPoller) -> None:
    # given a song and a playlist the index does not know (kept from before music search)
    ana = register("ana")
    song_id = ready_song(ana, "Forgotten Tune", "Ana")
    playlist_id = make_playlist(api, ana, "Forgotten Favourites")["playlist_id"]
    drained.drain()
    get_music_index().remove_music(ana.user_id, "song", song_id)
    get_music_index().remove_music(ana.user_id, "playlist", playlist_id)
    table.delete(keys.migration(MUSIC_SEARCH_INDEXED))
    assert found(api, ana, "forgoten")["songs"] == []
    assert found(api, ana, "forgoten")["playlists"] == []
    # when the local stack's one-off runs
    assert index_music_library(client("dynamodb"), table.table_name()) >= 2
    # then both are found, and the one-off does not run again
    assert found(api, ana, "forgoten")["songs"] == ["Forgotten Tune"]
    assert found(api, ana, "forgoten")["playlists"] == ["Forgotten Favourites"]
    assert index_music_library(client("dynamodb"), table.table_name()) == 0


def test_search_finds_my_playlists_and_those_shared_with_me_never_anothers(
    api: Api, couple: MakeCouple, register: Register, drained: StreamPoller
) -> None:
    ana, ben, relationship_id = couple()
    cleo = register("cleo")
    # given Ana's playlists (one shared with Ben), Ben's personal one and Cleo's
    road_trip = make_playlist(api, ana, "Road Trip Classics", shared=True)["playlist_id"]
    make_playlist(api, ana, "Rainy Sunday")
    make_playlist(api, ben, "Road Runner Secrets")
    make_playlist(api, cleo, "Road Trip Covers")
    drained.drain()

    # then a typo finds the playlists of each person's own list, never another person's
    assert found(api, ana, "raod")["playlists"] == ["Road Trip Classics"]
    assert found(api, ana, "rainy sundya")["playlists"] == ["Rainy Sunday"]
    assert sorted(found(api, ben, "raod")["playlists"]) == ["Road Runner Secrets", "Road Trip Classics"]
    assert found(api, ben, "rainy")["playlists"] == []  # Ana's personal one
    assert found(api, ana, "secrets")["playlists"] == []  # Ben's personal one
    assert found(api, cleo, "road trip")["playlists"] == ["Road Trip Covers"]
    status, body = api.get("/music/search", token=ben.access_token, query={"q": "classics"})
    assert status == 200, body
    (shared,) = body["playlists"]
    assert shared["playlist_id"] == road_trip and shared["mine"] is False and shared["shared"] is True
    assert shared["cover_urls"] == []

    # when Ana renames it, both find it by its new name
    status, body = api.patch(f"/music/playlists/{road_trip}", {"name": "Highway Classics"}, token=ana.access_token)
    assert status == 200, body
    drained.drain()
    assert found(api, ben, "higway")["playlists"] == ["Highway Classics"]
    assert found(api, ana, "road trip")["playlists"] == []

    # when she makes it personal, Ben no longer finds it (at once, and once the stream ran)
    status, body = api.patch(f"/music/playlists/{road_trip}", {"shared": False}, token=ana.access_token)
    assert status == 200, body
    assert found(api, ben, "highway")["playlists"] == []
    drained.drain()
    assert get_music_index().search_music(ben.user_id, "highway", 8) == []
    assert found(api, ana, "highway")["playlists"] == ["Highway Classics"]

    # when she shares it again and then the couple splits, his copy and its document go
    status, body = api.patch(f"/music/playlists/{road_trip}", {"shared": True}, token=ana.access_token)
    assert status == 200, body
    drained.drain()
    assert found(api, ben, "highway")["playlists"] == ["Highway Classics"]
    assert api.delete(f"/relationships/{relationship_id}", token=ana.access_token)[0] == 204
    assert found(api, ben, "highway")["playlists"] == []  # at once: the copy is checked on the original
    drained.drain()
    assert get_music_index().search_music(ben.user_id, "highway", 8) == []
    assert found(api, ana, "highway")["playlists"] == ["Highway Classics"]

    # when she deletes it, it is gone from the index too
    assert api.delete(f"/music/playlists/{road_trip}", token=ana.access_token)[0] == 204
    drained.drain()
    assert get_music_index().search_music(ana.user_id, "highway", 8) == []
