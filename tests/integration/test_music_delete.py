"""Deleting songs on the real local stack: the owner deletes a song in any state, its storage and
content claim go back in the same transaction, its files go on the stream (``stream.drain()``);
nobody else can delete it; an expired ticket's object goes; an account deletion takes every song,
ticket, claim, counter and file of the person.
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

from typing import Any

from backend.jobs import music as music_job
from backend.local.queue_poller import QueuePoller
from backend.store import keys, table
from tests.audio import make_song, tagged_song
from tests.integration.conftest import Api, MakeCouple, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_moments import object_keys
from tests.integration.test_music_job import add_song, music, music_poller, stored  # noqa: F401 (fixtures)
from tests.integration.test_music_uploads import ask_ticket, song_prefix, upload_song, usage


def test_the_owner_deletes_a_ready_song_and_everything_of_it_goes(
    api: Api,
    couple: MakeCouple,
    register: Register,
    music: QueuePoller,
    stream: Any,
) -> None:
    ana, ben, _ = couple()
    stranger = register("cleo")
    data = tagged_song("mp3", seconds=1)
    song = add_song(api, ana, data)
    music.drain(timeout=60)
    item = stored(ana, song["song_id"])
    assert item["status"] == "ready" and usage(api, ana)["bytes_used"] == len(data)
    # nobody else can delete it
    for other in (ben, stranger):
        assert_error(api.delete(f"/music/songs/{song['song_id']}", token=other.access_token), 404, "not_found")
    assert table.get(keys.song(ana.user_id, song["song_id"])) is not None
    # the owner can: the song, its claim and its storage go at once, its files on the stream
    assert api.delete(f"/music/songs/{song['song_id']}", token=ana.access_token)[0] == 204
    assert table.get(keys.song(ana.user_id, song["song_id"])) is None
    assert table.get(keys.song_hash(ana.user_id, item["content_hash"])) is None
    assert usage(api, ana) | {"quota_bytes": 0} == {"bytes_used": 0, "song_count": 0, "quota_bytes": 0}
    stream.drain()
    assert object_keys(song_prefix(ana.user_id, song["song_id"])) == []
    assert_error(api.get(f"/music/songs/{song['song_id']}", token=ana.access_token), 404, "not_found")
    assert_error(api.delete(f"/music/songs/{song['song_id']}", token=ana.access_token), 404, "not_found")
    # and the same file can be a song again
    again = add_song(api, ana, data)
    music.drain(timeout=60)
    assert stored(ana, again["song_id"])["status"] == "ready"


def test_a_refused_song_deleted_does_not_give_its_storage_back_twice(
    api: Api,
    register: Register,
    music: QueuePoller,
    stream: Any,
) -> None:
    ana = register("ana")
    kept = add_song(api, ana, make_song("mp3", seconds=1, frequency=710))
    refused = add_song(api, ana, b"fLaC" + b"\x01" * 3000, "flac")
    music.drain(timeout=60)
    before = usage(api, ana)
    assert before["song_count"] == 1 and stored(ana, refused["song_id"])["status"] == "refused"
    assert api.delete(f"/music/songs/{refused['song_id']}", token=ana.access_token)[0] == 204
    assert usage(api, ana) == before
    assert stored(ana, kept["song_id"])["status"] == "ready"


def test_a_song_deleted_while_processing_leaves_nothing(
    api: Api,
    register: Register,
    music: QueuePoller,
    stream: Any,
) -> None:
    ana = register("ana")
    song = add_song(api, ana, make_song("flac", seconds=1, frequency=720))
    assert api.delete(f"/music/songs/{song['song_id']}", token=ana.access_token)[0] == 204
    assert usage(api, ana)["bytes_used"] == 0
    assert music_job.process_song(ana.user_id, song["song_id"]) == "gone"
    stream.drain()
    assert object_keys(song_prefix(ana.user_id, song["song_id"])) == []


def test_an_expired_ticket_takes_its_object(api: Api, register: Register, stream: Any) -> None:
    ana = register("ana")
    ticket = upload_song(api, ana, make_song("ogg", seconds=1))
    assert object_keys(song_prefix(ana.user_id, ticket["song_id"]))
    stream.drain()
    table.delete(keys.song_upload(ana.user_id, ticket["song_id"]))  # as the TTL does
    stream.drain()
    assert object_keys(song_prefix(ana.user_id, ticket["song_id"])) == []


def test_deleting_an_account_takes_every_song(
    api: Api,
    register: Register,
    music: QueuePoller,
    stream: Any,
) -> None:
    ana = register("ana")
    song = add_song(api, ana, make_song("wav", seconds=1, frequency=730))
    music.drain(timeout=60)
    pending = upload_song(api, ana, make_song("mp3", seconds=1, frequency=740))
    ask_ticket(api, ana)
    stream.drain()
    assert api.post("/auth/delete-account", {"password": ana.password}, token=ana.access_token)[0] == 204
    stream.drain()
    left = [item["sk"] for item in table.query_all(("pk", keys.user_partition(ana.user_id)))]
    assert left == []
    assert object_keys(f"private/users/{ana.user_id}/") == []
    assert song and pending
