"""The library on the real local stack: a person's songs listed a page at a time in each order
(newest first, by title, by artist) with opaque tokens, one song with its waveform and a signed
rendition URL that answers Range requests (206 and the right ``Content-Range`` at the start, in
the middle and at the end), and nobody else (a partner included, until songs are shared) sees
any of it: a 404 like a song that does not exist.
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.aws import client
from backend.local.queue_poller import QueuePoller
from backend.settings import get_settings
from tests.audio import Tags, make_song, tagged_song
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_job import add_song, music, music_poller  # noqa: F401 (fixtures)

LIBRARY = [
    # (title, artist, album, track, frequency)
    ("zebra crossing", "Björk", "Post", 2, 300),
    ("Apple Tree", "adele", "21", 1, 350),
    ("Éclair", "Adele", "21", 3, 400),
    ("banana", None, None, 0, 450),
]


def library_of(person: Person, api: Api, job: QueuePoller) -> dict[str, str]:
    """Four tagged songs (added in LIBRARY's order) made ready; title → song id."""
    ids = {}
    for title, artist, album, track, frequency in LIBRARY:
        tags = Tags(title=title, artist=artist or "", album=album or "", album_artist="", track=track)
        song = add_song(api, person, tagged_song("mp3", tags, seconds=1, frequency=frequency))
        ids[title] = song["song_id"]
    job.drain(timeout=60)
    return ids


def titles(api: Api, person: Person, sort: str, limit: int = 50) -> list[str]:
    """Every page of a listing, following the tokens."""
    found: list[str] = []
    token = None
    pages = 0
    while True:
        query = {"sort": sort, "limit": str(limit)}
        if token:
            query["next"] = token
        status, page = api.get("/music/songs", token=person.access_token, query=query)
        assert status == 200, page
        found += [song["title"] for song in page["items"]]
        pages += 1
        token = page["next"]
        if not token:
            return found
        assert pages < 20


def test_the_library_lists_in_each_order_a_page_at_a_time(
    api: Api,
    register: Register,
    music: QueuePoller,
) -> None:
    ana = register("ana")
    library_of(ana, api, music)
    newest_first = ["banana", "Éclair", "Apple Tree", "zebra crossing"]
    assert titles(api, ana, "added") == newest_first
    assert titles(api, ana, "added", limit=3) == newest_first
    # case and accents do not change the order
    assert titles(api, ana, "title", limit=1) == ["Apple Tree", "banana", "Éclair", "zebra crossing"]
    # by artist, then album and track; a song without an artist last
    assert titles(api, ana, "artist", limit=2) == ["Apple Tree", "Éclair", "zebra crossing", "banana"]
    # by album, then its artist, disc and track; a song without an album last
    assert titles(api, ana, "album", limit=3) == ["Apple Tree", "Éclair", "zebra crossing", "banana"]
    status, page = api.get("/music/songs", token=ana.access_token)
    assert status == 200 and page["next"] is None
    first = page["items"][0]
    assert first["status"] == "ready" and first["mine"] is True and first["stream_url"]
    assert "peaks" not in first


def test_a_token_continues_only_its_own_listing(
    api: Api,
    register: Register,
    music: QueuePoller,
) -> None:
    ana, ben = register("ana"), register("ben")
    library_of(ana, api, music)
    status, page = api.get("/music/songs", token=ana.access_token, query={"sort": "title", "limit": "1"})
    assert status == 200 and page["next"]
    # another order, another person, or a forged token: a clear 422, never someone else's songs
    assert_error(
        api.get("/music/songs", token=ana.access_token, query={"sort": "artist", "next": page["next"]}),
        422,
        "validation_error",
    )
    assert_error(
        api.get("/music/songs", token=ben.access_token, query={"sort": "title", "next": page["next"]}),
        422,
        "validation_error",
    )
    assert_error(api.get("/music/songs", token=ana.access_token, query={"next": "bm9wZQ"}), 422, "validation_error")
    status, body = api.get("/music/songs", token=ana.access_token, query={"sort": "genre"})
    assert status == 422 and "sort" in json_fields(body), body


def json_fields(body: dict[str, Any]) -> str:
    return " ".join(body["error"]["fields"])


def test_a_refused_song_is_listed_by_date_added_only(
    api: Api,
    register: Register,
    music: QueuePoller,
) -> None:
    ana = register("ana")
    ok = add_song(api, ana, make_song("mp3", seconds=1, frequency=500), file_name="fine.mp3")
    bad = add_song(api, ana, b"fLaC" + bytes(range(256)) * 20, "flac", file_name="broken.flac")
    music.drain(timeout=60)
    status, page = api.get("/music/songs", token=ana.access_token)
    assert status == 200
    assert [(song["song_id"], song["status"]) for song in page["items"]] == [
        (bad["song_id"], "refused"),
        (ok["song_id"], "ready"),
    ]
    assert page["items"][0]["refused_reason"] and page["items"][0]["stream_url"] is None
    assert titles(api, ana, "title") == titles(api, ana, "artist") == titles(api, ana, "album") == ["fine"]


def test_one_song_with_its_waveform_and_rendition_and_nobody_elses(
    api: Api,
    register: Register,
    couple: MakeCouple,
    music: QueuePoller,
) -> None:
    ana, ben, _ = couple()
    stranger = register("cleo")
    song = add_song(api, ana, tagged_song("flac", Tags(title="Ours"), seconds=1))
    music.drain(timeout=60)
    status, found = api.get(f"/music/songs/{song['song_id']}", token=ana.access_token)
    assert status == 200, found
    assert found["title"] == "Ours" and found["status"] == "ready" and found["visibility"] == "private"
    assert len(found["peaks"]) == 400 and max(found["peaks"]) > 0
    assert found["stream_url"] and 0.9 <= found["duration_seconds"] <= 1.1
    # the partner (nothing is shared yet) and a stranger: a 404 like a song that does not exist
    for other in (ben, stranger):
        missing = assert_error(api.get(f"/music/songs/{song['song_id']}", token=other.access_token), 404, "not_found")
        assert missing == assert_error(
            api.get("/music/songs/00000000000000nosuchsong", token=other.access_token), 404, "not_found"
        )
        assert titles(api, other, "added") == []
        assert_error(api.post("/music/songs", {"song_id": song["song_id"]}, token=other.access_token), 404, "not_found")
    assert api.get(f"/music/songs/{song['song_id']}")[0] == 401


def test_the_rendition_answers_range_requests_at_the_start_middle_and_end(
    api: Api,
    register: Register,
    music: QueuePoller,
) -> None:
    ana = register("ana")
    song = add_song(api, ana, make_song("wav", seconds=3, frequency=520))
    music.drain(timeout=60)
    status, found = api.get(f"/music/songs/{song['song_id']}", token=ana.access_token)
    assert status == 200 and found["stream_url"], found
    key = f"private/users/{ana.user_id}/music/{song['song_id']}/stream.m4a"
    whole = client("s3").get_object(Bucket=get_settings().media_bucket, Key=key)["Body"].read()
    total = len(whole)
    assert total > 20_000
    middle = total // 2
    for asked, (start, end) in [
        ("bytes=0-1023", (0, 1023)),
        (f"bytes={middle}-{middle + 4095}", (middle, middle + 4095)),
        ("bytes=-500", (total - 500, total - 1)),
        (f"bytes={total - 100}-", (total - 100, total - 1)),
    ]:
        response = httpx.get(found["stream_url"], headers={"Range": asked}, timeout=10)
        assert response.status_code == 206, (asked, response.status_code, response.text[:200])
        assert response.headers["content-range"] == f"bytes {start}-{end}/{total}", asked
        assert response.content == whole[start : end + 1], asked
    assert whole[4:8] == b"ftyp"


@pytest.mark.parametrize("path", ["/music/songs", "/music/usage"])
def test_the_library_needs_a_session(api: Api, path: str) -> None:
    assert api.get(path)[0] == 401
