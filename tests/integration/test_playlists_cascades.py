"""What follows a removal, on the stream (drained by hand): a deleted playlist takes its entries
and the partner's copy; a deleted song leaves every playlist (counts kept, a replay harmless);
a split leaves a shared playlist with its creator as a personal one, without the songs the
creator can no longer play; a deleted account takes everything of the person.
"""

from __future__ import annotations

from typing import Any

from backend.store import keys, table
from backend.store import playlists as store
from backend.streams import playlists as playlist_streams
from tests.integration.conftest import PASSWORD, Api, MakeCouple
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_shared_filter import put_songs, share
from tests.integration.test_playlists import add, entries, make_playlist, playlist_ids, titles

DRAIN = 60.0


def entry_count(api: Api, token: str, playlist_id: str) -> int:
    status, body = api.get(f"/music/playlists/{playlist_id}", token=token)
    assert status == 200, body
    return int(body["entry_count"])


def test_a_deleted_playlist_takes_its_entries_and_the_partners_copy(api: Api, couple: MakeCouple, stream: Any) -> None:
    ana, ben, _ = couple()
    song_ids = put_songs(ana, ["One", "Two"])
    playlist_id = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    add(api, ana, playlist_id, song_ids)
    stream.drain(timeout=DRAIN)
    assert api.delete(f"/music/playlists/{playlist_id}", token=ana.access_token)[0] == 204
    # at once: gone for both, the copy with it
    assert_error(api.get(f"/music/playlists/{playlist_id}", token=ana.access_token), 404, "not_found")
    assert_error(api.get(f"/music/playlists/{playlist_id}/entries", token=ben.access_token), 404, "not_found")
    assert playlist_id not in playlist_ids(api, ben)
    assert table.get(keys.playlist(ben.user_id, playlist_id)) is None
    # on the stream: its entries; the songs stay in the library
    assert len(store.entry_keys(playlist_id)) == 2
    stream.drain(timeout=DRAIN)
    assert store.entry_keys(playlist_id) == []
    status, body = api.get(f"/music/songs/{song_ids[0]}", token=ana.access_token)
    assert status == 200, body


def test_a_deleted_song_leaves_every_playlist_once(api: Api, couple: MakeCouple, stream: Any) -> None:
    ana, ben, _ = couple()
    doomed, kept = put_songs(ana, ["Doomed", "Kept"])
    share(api, ana, doomed)
    hers = make_playlist(api, ana, "Hers")["playlist_id"]
    ours = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    his = make_playlist(api, ben, "His")["playlist_id"]
    add(api, ana, hers, [doomed, kept, doomed])
    add(api, ben, ours, [doomed])
    add(api, ben, his, [doomed])
    stream.drain(timeout=DRAIN)
    entry_images = store.entries_of_song(doomed)
    assert len(entry_images) == 4
    # when the song goes (as its deletion's transaction removes it: tested in test_music_delete)
    song_image = table.get(keys.song(ana.user_id, doomed))
    assert song_image is not None
    table.delete(keys.song(ana.user_id, doomed))
    table.delete(keys.song(ben.user_id, doomed))  # the partner's copy goes in the same transaction
    # before the stream: listed as unavailable, never dropped
    assert [e["available"] for e in entries(api, ana, hers)] == [False, True, False]
    stream.drain(timeout=DRAIN)
    # then: out of every playlist, the counts with it
    assert titles(api, ana, hers) == ["Kept"] and entry_count(api, ana.access_token, hers) == 1
    assert titles(api, ben, ours) == [] and entry_count(api, ben.access_token, ours) == 0
    assert titles(api, ben, his) == [] and entry_count(api, ben.access_token, his) == 0
    assert store.entries_of_song(doomed) == []
    # a replayed record changes nothing
    playlist_streams.song_removed(song_image)
    assert entry_count(api, ana.access_token, hers) == 1 and entry_count(api, ben.access_token, his) == 0


def test_after_a_split_a_shared_playlist_stays_with_its_creator_without_what_she_cannot_play(
    api: Api, couple: MakeCouple, stream: Any
) -> None:
    ana, ben, relationship_id = couple()
    (her_private, her_shared) = put_songs(ana, ["Her private", "Her shared"])
    (his_shared,) = put_songs(ben, ["His shared"])
    share(api, ana, her_shared)
    share(api, ben, his_shared)
    ours = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    his_ours = make_playlist(api, ben, "His, shared", shared=True)["playlist_id"]
    add(api, ana, ours, [her_private, his_shared])
    add(api, ben, ours, [his_shared, her_shared])
    add(api, ben, his_ours, [his_shared, her_shared])
    stream.drain(timeout=DRAIN)
    assert entry_count(api, ana.access_token, ours) == 4
    # when Ana ends the relationship
    assert api.delete(f"/relationships/{relationship_id}", token=ana.access_token)[0] == 204
    # at once, before any clean-up: Ben no longer sees her playlist; she sees his songs as unavailable
    assert_error(api.get(f"/music/playlists/{ours}", token=ben.access_token), 404, "not_found")
    assert ours not in playlist_ids(api, ben)
    assert [(e["title"], e["available"]) for e in entries(api, ana, ours)] == [
        ("Her private", True),
        ("His shared", False),
        ("His shared", False),
        ("Her shared", True),
    ]
    # after it: hers, personal, with only her songs (whoever added them); the same for his
    stream.drain(timeout=DRAIN)
    status, body = api.get(f"/music/playlists/{ours}", token=ana.access_token)
    assert status == 200 and body["shared"] is False and body["mine"] and body["entry_count"] == 2, body
    assert titles(api, ana, ours) == ["Her private", "Her shared"]
    assert table.get(keys.playlist(ben.user_id, ours)) is None
    status, body = api.get(f"/music/playlists/{his_ours}", token=ben.access_token)
    assert status == 200 and body["shared"] is False and body["entry_count"] == 1, body
    assert titles(api, ben, his_ours) == ["His shared"]
    assert_error(api.get(f"/music/playlists/{his_ours}", token=ana.access_token), 404, "not_found")
    # and it cannot be shared without a partner
    assert_error(api.patch(f"/music/playlists/{ours}", {"shared": True}, token=ana.access_token), 409, "not_paired")


def test_a_deleted_account_takes_its_playlists_and_its_songs_leave_the_partners(
    api: Api, couple: MakeCouple, stream: Any
) -> None:
    ana, ben, _ = couple()
    (hers,) = put_songs(ana, ["Hers"])
    (his,) = put_songs(ben, ["His"])
    share(api, ana, hers)
    ours = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    mine = make_playlist(api, ana, "Mine")["playlist_id"]
    his_own = make_playlist(api, ben, "His")["playlist_id"]
    add(api, ana, ours, [hers])
    add(api, ana, mine, [hers])
    add(api, ben, his_own, [his, hers])
    stream.drain(timeout=DRAIN)
    # when Ana deletes her account
    assert api.post("/auth/delete-account", {"password": PASSWORD}, token=ana.access_token)[0] == 204
    stream.drain(timeout=DRAIN)
    # her playlists, their entries and Ben's copy are gone; her song left his playlist
    for playlist_id in (ours, mine):
        assert table.get(keys.playlist(ana.user_id, playlist_id)) is None
        assert store.entry_keys(playlist_id) == []
    assert table.get(keys.playlist(ben.user_id, ours)) is None
    assert playlist_ids(api, ben) == [his_own]
    assert titles(api, ben, his_own) == ["His"] and entry_count(api, ben.access_token, his_own) == 1
