"""Albums and artists on the real local stack: the stream (``stream.drain()``) keeps each person's
album and artist summaries from their ready songs and those shared with them, counting each song
once however often its records come; an album's and an artist's songs are listed in disc and
track order; editing, deleting, unsharing and a split move the counts; nobody else sees them.
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

from typing import Any

from backend.local.queue_poller import QueuePoller
from backend.store import keys, table
from backend.streams import music as music_stream
from tests.audio import Tags, cover_art, tagged_song
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_job import add_song, music, music_poller  # noqa: F401 (fixtures)


def song_with(api: Api, person: Person, tags: Tags, frequency: int, cover: bytes | None = None) -> str:
    return str(add_song(api, person, tagged_song("mp3", tags, cover=cover, seconds=1, frequency=frequency))["song_id"])


def albums_of(api: Api, person: Person) -> list[tuple[str, str | None, int]]:
    status, page = api.get("/music/albums", token=person.access_token)
    assert status == 200, page
    return [(album["name"], album["artist"], album["song_count"]) for album in page["items"]]


def artists_of(api: Api, person: Person) -> list[tuple[str, int]]:
    status, page = api.get("/music/artists", token=person.access_token)
    assert status == 200, page
    return [(artist["name"], artist["song_count"]) for artist in page["items"]]


def album_ids(api: Api, person: Person) -> dict[str, str]:
    _status, page = api.get("/music/albums", token=person.access_token)
    return {album["name"]: album["album_id"] for album in page["items"]}


def songs_in(api: Api, person: Person, path: str) -> list[str]:
    status, page = api.get(path, token=person.access_token)
    assert status == 200, page
    return [song["title"] for song in page["items"]]


def test_albums_and_artists_follow_the_library(
    api: Api, couple: MakeCouple, register: Register, music: QueuePoller, stream: Any
) -> None:
    ana, ben, rel = couple()
    cleo = register("cleo")
    night = Tags(album="Night Songs", album_artist="Ana & the Lights", artist="Ana & the Lights")
    second = song_with(api, ana, Tags(**{**night.__dict__, "title": "Two", "track": 2}), 1010)
    first = song_with(api, ana, Tags(**{**night.__dict__, "title": "One", "track": 1}), 1020, cover_art())
    other = song_with(api, ana, Tags(title="Solo", artist="Björk", album="Post", album_artist="Björk"), 1030)
    music.drain(timeout=60)
    stream.drain()
    # a replay of a song's "ready" record counts nothing twice
    for song_id in (first, second):
        item = table.get(keys.song(ana.user_id, song_id))
        assert item is not None
        music_stream.library_changed({**item, "status": "processing"}, item)
    assert albums_of(api, ana) == [("Night Songs", "Ana & the Lights", 2), ("Post", "Björk", 1)]
    assert artists_of(api, ana) == [("Ana & the Lights", 2), ("Björk", 1)]
    _, page = api.get("/music/albums", token=ana.access_token)
    night_album = page["items"][0]
    assert night_album["year"] == 2019 and night_album["cover_url"]
    # an album's songs in track order, an artist's by album and track
    assert songs_in(api, ana, f"/music/albums/{night_album['album_id']}/songs") == ["One", "Two"]
    _status, artists = api.get("/music/artists", token=ana.access_token)
    assert songs_in(api, ana, f"/music/artists/{artists['items'][0]['artist_id']}/songs") == ["One", "Two"]
    # nobody else has them, and their ids name nothing in another library
    assert albums_of(api, cleo) == [] and artists_of(api, ben) == []
    assert songs_in(api, cleo, f"/music/albums/{night_album['album_id']}/songs") == []
    assert_error(api.get("/music/albums/@@/songs", token=ana.access_token), 422, "validation_error")
    assert_error(api.get("/music/albums/_-_-/songs", token=ana.access_token), 404, "not_found")
    # moving a song to another album moves its count
    assert (
        api.patch(f"/music/songs/{second}", {"album": "Post", "album_artist": "Björk"}, token=ana.access_token)[0]
        == 200
    )
    stream.drain()
    assert albums_of(api, ana) == [("Night Songs", "Ana & the Lights", 1), ("Post", "Björk", 2)]
    # deleting a song takes its count
    assert api.delete(f"/music/songs/{other}", token=ana.access_token)[0] == 204
    stream.drain()
    assert albums_of(api, ana) == [("Night Songs", "Ana & the Lights", 1), ("Post", "Björk", 1)]
    assert artists_of(api, ana) == [("Ana & the Lights", 2)]
    # sharing puts the album in the partner's library; a split takes it away again
    assert api.patch(f"/music/songs/{first}", {"visibility": "partner"}, token=ana.access_token)[0] == 200
    stream.drain()
    assert albums_of(api, ben) == [("Night Songs", "Ana & the Lights", 1)]
    assert songs_in(api, ben, f"/music/albums/{album_ids(api, ben)['Night Songs']}/songs") == ["One"]
    assert api.delete(f"/relationships/{rel}", token=ana.access_token)[0] == 204
    stream.drain()
    stream.drain()
    assert albums_of(api, ben) == [] and artists_of(api, ben) == []
    assert albums_of(api, ana) == [("Night Songs", "Ana & the Lights", 1), ("Post", "Björk", 1)]
    assert table.get(keys.song(ana.user_id, first))["visibility"] == "private"


def test_an_album_shows_another_cover_when_its_cover_song_goes(
    api: Api, register: Register, music: QueuePoller, stream: Any
) -> None:
    ana = register("ana")
    tags = Tags(album="Covers", album_artist="Ana", artist="Ana")
    first = song_with(
        api, ana, Tags(**{**tags.__dict__, "title": "First", "track": 1}), 1210, cover_art(color=(1, 2, 3))
    )
    music.drain(timeout=60)
    stream.drain()
    second = song_with(api, ana, Tags(**{**tags.__dict__, "title": "Second", "track": 2}), 1220, cover_art())
    plain = song_with(api, ana, Tags(**{**tags.__dict__, "title": "Plain", "track": 3}), 1230)
    music.drain(timeout=60)
    stream.drain()
    album_key = keys.album_key_of("Covers", "Ana", "Ana")
    assert album_key is not None
    assert table.get(keys.album(ana.user_id, album_key))["cover_song"] == first
    # the cover's song goes: the album shows the next song's cover
    assert api.delete(f"/music/songs/{first}", token=ana.access_token)[0] == 204
    stream.drain()
    album = table.get(keys.album(ana.user_id, album_key))
    assert album["cover_song"] == second and album["cover_key"].endswith(f"/{second}/cover.jpg")
    # and none when no song left has one
    assert api.delete(f"/music/songs/{second}", token=ana.access_token)[0] == 204
    stream.drain()
    album = table.get(keys.album(ana.user_id, album_key))
    assert "cover_key" not in album and album["song_count"] == 1
    assert albums_of(api, ana) == [("Covers", "Ana", 1)] and plain
