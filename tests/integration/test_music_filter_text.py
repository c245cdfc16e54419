"""The library's text filter on the real local stack: ``GET /music/songs?q=`` keeps the songs
whose title, artist, album or album artist contain the text, case and accents aside, in every
order, with the songs the partner shares; never another person's; pages may be short while
``next`` leads on.
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

from typing import Any

from backend.local.queue_poller import QueuePoller
from tests.audio import Tags, tagged_song
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_job import add_song, music, music_poller  # noqa: F401 (fixtures)
from tests.integration.test_music_sharing import share

SORTS = ("added", "title", "artist", "album")


def song(api: Api, person: Person, title: str, artist: str, album: str, frequency: int) -> str:
    tags = Tags(title=title, artist=artist, album=album, album_artist=artist, track=1, disc=1)
    return str(add_song(api, person, tagged_song("mp3", tags, seconds=1, frequency=frequency))["song_id"])


def found(api: Api, person: Person, q: str, sort: str = "title", limit: int = 50, **query: str) -> list[str]:
    """The titles of every page of a filtered listing, following ``next`` (pages may be short)."""
    titles: list[str] = []
    token = None
    for _ in range(50):
        params = {"q": q, "sort": sort, "limit": str(limit), **query}
        if token:
            params["next"] = token
        status, page = api.get("/music/songs", token=person.access_token, query=params)
        assert status == 200, page
        assert len(page["items"]) <= limit
        titles.extend(item["title"] for item in page["items"])
        token = page["next"]
        if not token:
            return titles
    raise AssertionError("the pages never ended")


def test_q_finds_songs_by_title_artist_or_album_case_and_accents_aside(
    api: Api, couple: MakeCouple, register: Register, music: QueuePoller, stream: Any
) -> None:
    ana, ben, _ = couple()
    cleo = register("cleo")
    song(api, ana, "Blue Hour", "Édith Piaf", "Nuit", 1210)
    song(api, ana, "Café Society", "Zed", "Morning", 1220)
    song(api, ana, "Plain", "Bob", "Crème Brûlée", 1230)
    song(api, ana, "Other", "Nobody", "Nothing", 1240)
    shared = song(api, ben, "Shared Tune", "Ben", "CAFE LIVE", 1250)
    song(api, ben, "Ben's Café", "Ben", "Private", 1260)
    song(api, cleo, "Cleo's Café", "Cleo", "Cafés", 1270)
    music.drain(timeout=60)
    assert share(api, ben, shared)[0] == 200
    stream.drain()
    # by title, artist and album, whatever the case and accents of either side, in every order
    for sort in SORTS:
        assert sorted(found(api, ana, "cafe", sort)) == ["Café Society", "Shared Tune"], sort
        assert found(api, ana, "EDITH", sort) == ["Blue Hour"], sort
        assert found(api, ana, "  crème   brulee ", sort) == ["Plain"], sort
    assert found(api, ana, "PIAF") == ["Blue Hour"]
    assert found(api, ana, "café", "title", filter="mine") == ["Café Society"]
    assert found(api, ana, "café", "title", filter="shared") == ["Shared Tune"]
    # one song a page: pages may be short (even empty), `next` leads to every match
    for sort in SORTS:
        assert sorted(found(api, ana, "cafe", sort, limit=1)) == ["Café Society", "Shared Tune"], sort
    # nothing of another person's library, and the ids, discs and tracks in the keys match nothing
    assert found(api, cleo, "cafe") == ["Cleo's Café"]
    assert found(api, ben, "cafe", "added") == ["Ben's Café", "Shared Tune"]
    for text in ("0", "1", "001", "~", "nobody#nothing"):
        assert found(api, ana, text) == [], text
    assert found(api, ana, "nobody") == ["Other"]
    # an empty (or blank, once folded) text filters nothing; a long one is refused
    assert len(found(api, ana, "")) == len(found(api, ana, "   ")) == len(found(api, ana, "#")) == 5
    assert_error(api.get("/music/songs", token=ana.access_token, query={"q": "x" * 101}), 422, "validation_error")
    assert found(api, ana, "x" * 100) == []
