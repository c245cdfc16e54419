"""Sharing songs with the partner on the real local stack: the owner shares a ready song (one
transaction puts the partner's listing copy), the partner lists it among their own in every
order and plays it, but cannot change it; a stranger never sees it; unsharing, deleting and a
split end it at once (a split before the stream's clean-up has run), and the split's clean-up
makes the song private to its owner again.
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

from typing import Any

from backend.local.queue_poller import QueuePoller
from backend.store import keys, table
from tests.audio import Tags, tagged_song
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_job import add_song, music, music_poller, stored  # noqa: F401 (fixtures)
from tests.integration.test_music_library import titles


def ready_song(api: Api, person: Person, job: QueuePoller, title: str, frequency: int) -> str:
    song = add_song(api, person, tagged_song("mp3", Tags(title=title), seconds=1, frequency=frequency))
    job.drain(timeout=60)
    return str(song["song_id"])


def share(api: Api, person: Person, song_id: str, visibility: str = "partner") -> tuple[int, Any]:
    return api.patch(f"/music/songs/{song_id}", {"visibility": visibility}, token=person.access_token)


def test_a_shared_song_is_listed_and_played_by_the_partner_only(
    api: Api, couple: MakeCouple, register: Register, music: QueuePoller, stream: Any
) -> None:
    ana, ben, rel = couple()
    cleo = register("cleo")
    ours = ready_song(api, ana, music, "Middle", 810)
    ready_song(api, ben, music, "Zzz mine", 820)
    ready_song(api, ben, music, "Aaa mine", 830)
    # the partner hears nothing of a private song
    assert_error(api.get(f"/music/songs/{ours}", token=ben.access_token), 404, "not_found")
    # when Ana shares it
    status, shared = share(api, ana, ours)
    assert status == 200 and shared["visibility"] == "partner" and shared["mine"] is True, shared
    assert share(api, ana, ours)[0] == 200  # again: nothing changes
    # then Ben lists it among his own songs, in every order, as not his
    assert titles(api, ben, "title") == ["Aaa mine", "Middle", "Zzz mine"]
    # (same artist, album, disc and track: in the order they were added)
    assert titles(api, ben, "artist", limit=1) == ["Middle", "Zzz mine", "Aaa mine"]
    assert titles(api, ben, "added")[0] == "Aaa mine" and "Middle" in titles(api, ben, "added")
    status, page = api.get("/music/songs", token=ben.access_token, query={"sort": "title"})
    listed = page["items"][1]
    assert (listed["song_id"], listed["mine"], listed["owner_id"]) == (ours, False, ana.user_id)
    assert listed["stream_url"]
    # filtered: only his own, or only what is shared with him
    status, page = api.get("/music/songs", token=ben.access_token, query={"sort": "title", "filter": "mine"})
    assert [song["title"] for song in page["items"]] == ["Aaa mine", "Zzz mine"]
    status, page = api.get("/music/songs", token=ben.access_token, query={"filter": "shared"})
    assert [song["title"] for song in page["items"]] == ["Middle"]
    # and plays it, but cannot change or delete it
    status, found = api.get(f"/music/songs/{ours}", token=ben.access_token)
    assert status == 200 and found["mine"] is False and len(found["peaks"]) == 400 and found["stream_url"]
    assert_error(share(api, ben, ours, "private"), 403, "forbidden")
    assert_error(api.delete(f"/music/songs/{ours}", token=ben.access_token), 404, "not_found")
    # a stranger sees nothing of it
    assert_error(api.get(f"/music/songs/{ours}", token=cleo.access_token), 404, "not_found")
    assert_error(share(api, cleo, ours), 404, "not_found")
    assert titles(api, cleo, "title") == []
    # the copy carries the couple's tenant key (a split deletes it)
    copy = table.get(keys.song(ben.user_id, ours))
    assert copy is not None and copy["type"] == "SharedSong" and copy["gsi2pk"] == keys.tenant(rel)
    assert "peaks" not in copy and "content_hash" not in copy


def test_unsharing_and_deleting_end_the_share_at_once(
    api: Api, couple: MakeCouple, music: QueuePoller, stream: Any
) -> None:
    ana, ben, _ = couple()
    first = ready_song(api, ana, music, "First", 840)
    second = ready_song(api, ana, music, "Second", 850)
    assert share(api, ana, first)[0] == 200 and share(api, ana, second)[0] == 200
    assert sorted(titles(api, ben, "title")) == ["First", "Second"]
    # unsharing one and deleting the other
    status, private = share(api, ana, first, "private")
    assert status == 200 and private["visibility"] == "private"
    assert api.delete(f"/music/songs/{second}", token=ana.access_token)[0] == 204
    # Ben no longer lists or plays either, at once
    assert titles(api, ben, "title") == []
    for song_id in (first, second):
        assert_error(api.get(f"/music/songs/{song_id}", token=ben.access_token), 404, "not_found")
    # the stream's records of the copies leave the private song private; it can be shared again
    stream.drain()
    assert stored(ana, first)["visibility"] == "private"
    assert share(api, ana, first)[0] == 200
    stream.drain()
    assert titles(api, ben, "title") == ["First"] and stored(ana, first)["shared_with"] == ben.user_id


def test_a_split_ends_sharing_at_once_and_the_songs_become_private(
    api: Api, couple: MakeCouple, register: Register, music: QueuePoller, stream: Any
) -> None:
    ana, ben, rel = couple()
    song_id = ready_song(api, ana, music, "Ours once", 860)
    assert share(api, ana, song_id)[0] == 200
    stream.drain()
    # when Ana ends the relationship
    assert api.delete(f"/relationships/{rel}", token=ana.access_token)[0] == 204
    # then, before any clean-up, Ben can neither list nor play it
    assert titles(api, ben, "title") == []
    assert_error(api.get(f"/music/songs/{song_id}", token=ben.access_token), 404, "not_found")
    # and after it, his copy is gone and Ana's song is private again, still hers
    stream.drain()
    assert table.get(keys.song(ben.user_id, song_id)) is None
    item = stored(ana, song_id)
    assert item["visibility"] == "private" and "shared_rel" not in item and "shared_with" not in item
    status, found = api.get(f"/music/songs/{song_id}", token=ana.access_token)
    assert status == 200 and found["visibility"] == "private" and found["stream_url"]
    # without a partner it cannot be shared
    assert_error(share(api, ana, song_id), 409, "not_paired")


def test_only_ready_songs_are_shared(api: Api, couple: MakeCouple, music: QueuePoller) -> None:
    ana, _, _ = couple()
    song = add_song(api, ana, tagged_song("wav", Tags(title="Soon"), seconds=1))
    assert_error(share(api, ana, song["song_id"]), 409, "song_not_ready")
    music.drain(timeout=60)
    assert share(api, ana, song["song_id"])[0] == 200
    status, body = share(api, ana, song["song_id"], "public")
    assert status == 422 and "visibility" in " ".join(body["error"]["fields"]), body
