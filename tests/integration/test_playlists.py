"""Playlists on the real local stack: made, renamed, described, shared and deleted by their
creator; songs added (only ready songs the caller can hear), moved with fractional positions (one
write) and removed by both partners of a shared playlist; a song the viewer cannot play listed as
unavailable, not dropped; the cover mosaic; play all; another couple's playlists a 404 on every
route, a partner's personal playlist too.

Songs are written straight into the table (ready, without files): what is tested is playlists,
not the music job.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from backend.store import keys, table
from backend.store import music as song_store
from backend.store import playlists as store
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_shared_filter import put_songs, share


def make_playlist(api: Api, person: Person, name: str = "Road trip", shared: bool = False) -> dict[str, Any]:
    status, body = api.post("/music/playlists", {"name": name, "shared": shared}, token=person.access_token)
    assert status == 201, body
    return body


def add(api: Api, person: Person, playlist_id: str, song_ids: list[str]) -> list[dict[str, Any]]:
    status, body = api.post(
        f"/music/playlists/{playlist_id}/entries", {"song_ids": song_ids}, token=person.access_token
    )
    assert status == 201, body
    return body["items"]


def entries(api: Api, person: Person, playlist_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        query = {"limit": "100", **({"next": token} if token else {})}
        status, body = api.get(f"/music/playlists/{playlist_id}/entries", token=person.access_token, query=query)
        assert status == 200, body
        found += body["items"]
        token = body["next"]
        if not token:
            return found


def titles(api: Api, person: Person, playlist_id: str) -> list[str]:
    return [entry["title"] for entry in entries(api, person, playlist_id)]


def move(api: Api, person: Person, playlist_id: str, entry_id: str, after: str | None) -> tuple[int, Any]:
    return api.patch(
        f"/music/playlists/{playlist_id}/entries/{entry_id}", {"after_entry_id": after}, token=person.access_token
    )


def playlist_ids(api: Api, person: Person) -> list[str]:
    status, body = api.get("/music/playlists", token=person.access_token)
    assert status == 200, body
    return [item["playlist_id"] for item in body["items"]]


def test_a_playlist_is_made_edited_ordered_and_played_by_its_creator(api: Api, register: Register) -> None:
    ana = register("ana")
    one, two, three = put_songs(ana, ["One", "Two", "Three"])
    # made and listed
    made = make_playlist(api, ana, "  Road   trip ")
    playlist_id = made["playlist_id"]
    assert made["name"] == "Road trip" and made["mine"] and not made["shared"] and made["entry_count"] == 0
    assert playlist_ids(api, ana)[0] == playlist_id
    # songs added at the end, in the order asked, one or many
    added = add(api, ana, playlist_id, [one, two])
    assert [e["title"] for e in added] == ["One", "Two"] and all(e["available"] for e in added)
    add(api, ana, playlist_id, [three])
    assert titles(api, ana, playlist_id) == ["One", "Two", "Three"]
    ids = {e["title"]: e["entry_id"] for e in entries(api, ana, playlist_id)}
    # a move writes one entry: only its position changes
    before = {e.entry_id: e.position for e in store.all_entries(playlist_id)}
    status, moved = move(api, ana, playlist_id, ids["Three"], None)
    assert status == 200 and moved["title"] == "Three", moved
    after = {e.entry_id: e.position for e in store.all_entries(playlist_id)}
    assert [k for k in before if before[k] != after[k]] == [ids["Three"]]
    assert titles(api, ana, playlist_id) == ["Three", "One", "Two"]
    assert move(api, ana, playlist_id, ids["Three"], ids["Two"])[0] == 200
    assert titles(api, ana, playlist_id) == ["One", "Two", "Three"]
    assert move(api, ana, playlist_id, ids["One"], ids["Two"])[0] == 200
    assert titles(api, ana, playlist_id) == ["Two", "One", "Three"]
    # the same song twice is two entries; removing one leaves the other
    add(api, ana, playlist_id, [two])
    assert titles(api, ana, playlist_id) == ["Two", "One", "Three", "Two"]
    assert api.delete(f"/music/playlists/{playlist_id}/entries/{ids['Two']}", token=ana.access_token)[0] == 204
    assert_error(
        api.delete(f"/music/playlists/{playlist_id}/entries/{ids['Two']}", token=ana.access_token), 404, "not_found"
    )
    assert titles(api, ana, playlist_id) == ["One", "Three", "Two"]
    # renamed, described (and the description cleared); counts kept with the entries
    status, body = api.patch(
        f"/music/playlists/{playlist_id}", {"name": "Drive", "description": "Summer"}, token=ana.access_token
    )
    assert status == 200 and body["name"] == "Drive" and body["description"] == "Summer", body
    status, body = api.patch(f"/music/playlists/{playlist_id}", {"description": None}, token=ana.access_token)
    assert status == 200 and body["name"] == "Drive" and body["description"] is None
    status, body = api.get(f"/music/playlists/{playlist_id}", token=ana.access_token)
    assert status == 200 and body["entry_count"] == 3, body
    # play all: the songs in order
    status, body = api.get(f"/music/playlists/{playlist_id}/play", token=ana.access_token)
    assert status == 200 and body["song_ids"] == [one, three, two], body
    # what cannot be
    assert_error(
        api.post("/music/playlists", {"name": "Ours", "shared": True}, token=ana.access_token), 409, "not_paired"
    )
    assert api.post("/music/playlists", {"name": "   "}, token=ana.access_token)[0] == 422
    assert move(api, ana, playlist_id, ids["One"], "nope")[0] == 422


def test_only_ready_songs_the_caller_can_hear_are_added(api: Api, couple: MakeCouple, register: Register) -> None:
    ana, ben, _ = couple()
    cleo = register("cleo")
    playlist_id = make_playlist(api, ana)["playlist_id"]
    (bens,) = put_songs(ben, ["Ben's"])
    (cleos,) = put_songs(cleo, ["Cleo's"])
    (processing,) = put_songs(ana, ["Soon"])
    song = song_store.get(ana.user_id, processing)
    assert song is not None
    table.put(song_store.song_item(dataclasses.replace(song, status="processing")))
    for song_id in (bens, cleos, "nope"):  # a partner's unshared song is like a stranger's
        assert_error(
            api.post(f"/music/playlists/{playlist_id}/entries", {"song_ids": [song_id]}, token=ana.access_token),
            404,
            "not_found",
        )
    assert_error(
        api.post(f"/music/playlists/{playlist_id}/entries", {"song_ids": [processing]}, token=ana.access_token),
        409,
        "song_not_ready",
    )
    share(api, ben, bens)
    assert [e["title"] for e in add(api, ana, playlist_id, [bens])] == ["Ben's"]


def test_the_cover_is_a_mosaic_of_the_first_four_covers_i_can_play(api: Api, register: Register) -> None:
    ana = register("ana")
    song_ids = put_songs(ana, [f"S{n}" for n in range(6)])
    for n, song_id in enumerate(song_ids):
        if n != 1:  # the second song has no cover
            table.update(keys.song(ana.user_id, song_id), "SET cover_key = :k", {":k": f"private/test/cover{n}.jpg"})
    playlist_id = make_playlist(api, ana)["playlist_id"]
    add(api, ana, playlist_id, song_ids)
    status, body = api.get(f"/music/playlists/{playlist_id}", token=ana.access_token)
    assert status == 200, body
    assert [url.split("?")[0].rsplit("/", 1)[-1] for url in body["cover_urls"]] == [
        "cover0.jpg",
        "cover2.jpg",
        "cover3.jpg",
        "cover4.jpg",
    ]
    assert body["cover_url"] is None  # no uploaded cover (not built yet)


def test_a_shared_playlist_is_edited_by_both_and_a_song_one_cannot_play_shows_as_unavailable(
    api: Api, couple: MakeCouple
) -> None:
    ana, ben, _ = couple()
    (hers_private, hers_shared) = put_songs(ana, ["Hers", "Ours"])
    (his,) = put_songs(ben, ["His"])
    share(api, ana, hers_shared)
    share(api, ben, his)
    personal = make_playlist(api, ana, "Mine only")["playlist_id"]
    playlist = make_playlist(api, ana, "Together", shared=True)
    playlist_id = playlist["playlist_id"]
    assert playlist["shared"] is True
    # Ben lists it (not her personal one) and edits it
    assert playlist_id in playlist_ids(api, ben) and personal not in playlist_ids(api, ben)
    status, seen = api.get(f"/music/playlists/{playlist_id}", token=ben.access_token)
    assert status == 200 and seen["mine"] is False and seen["owner_id"] == ana.user_id
    add(api, ana, playlist_id, [hers_private, hers_shared])
    add(api, ben, playlist_id, [his])
    # her private song is in it: Ben sees it, unavailable, never with a URL
    by_ben = entries(api, ben, playlist_id)
    assert [(e["title"], e["available"]) for e in by_ben] == [("Hers", False), ("Ours", True), ("His", True)]
    assert by_ben[0]["song"] is None and by_ben[2]["added_by"] == ben.user_id
    assert [(e["title"], e["available"]) for e in entries(api, ana, playlist_id)] == [
        ("Hers", True),
        ("Ours", True),
        ("His", True),
    ]
    status, body = api.get(f"/music/playlists/{playlist_id}/play", token=ben.access_token)
    assert status == 200 and body["song_ids"] == [hers_shared, his]
    # Ben moves and removes; only Ana renames, shares or deletes
    ids = [e["entry_id"] for e in by_ben]
    assert move(api, ben, playlist_id, ids[2], None)[0] == 200
    assert titles(api, ana, playlist_id) == ["His", "Hers", "Ours"]
    assert api.delete(f"/music/playlists/{playlist_id}/entries/{ids[0]}", token=ben.access_token)[0] == 204
    assert titles(api, ana, playlist_id) == ["His", "Ours"]
    assert_error(api.patch(f"/music/playlists/{playlist_id}", {"name": "X"}, token=ben.access_token), 403, "forbidden")
    assert_error(api.delete(f"/music/playlists/{playlist_id}", token=ben.access_token), 403, "forbidden")
    # Ana unshares a song: it stays in the playlist, unavailable to Ben
    assert api.patch(f"/music/songs/{hers_shared}", {"visibility": "private"}, token=ana.access_token)[0] == 200
    assert [(e["title"], e["available"]) for e in entries(api, ben, playlist_id)] == [("His", True), ("Ours", False)]
    # a rename reaches Ben's list
    assert api.patch(f"/music/playlists/{playlist_id}", {"name": "Us"}, token=ana.access_token)[0] == 200
    status, body = api.get("/music/playlists", token=ben.access_token)
    assert [item["name"] for item in body["items"] if item["playlist_id"] == playlist_id] == ["Us"]
    # made personal again: gone for Ben at once (a 404, like any other)
    status, body = api.patch(f"/music/playlists/{playlist_id}", {"shared": False}, token=ana.access_token)
    assert status == 200 and body["shared"] is False
    assert playlist_id not in playlist_ids(api, ben)
    assert_error(api.get(f"/music/playlists/{playlist_id}/entries", token=ben.access_token), 404, "not_found")
    assert table.get(keys.playlist(ben.user_id, playlist_id)) is None
    # and shared again
    status, body = api.patch(f"/music/playlists/{playlist_id}", {"shared": True}, token=ana.access_token)
    assert status == 200 and body["shared"] is True and playlist_id in playlist_ids(api, ben)


def test_another_couples_playlists_are_a_404_on_every_route(api: Api, couple: MakeCouple, register: Register) -> None:
    ana, ben, _ = couple()
    cleo = register("cleo")
    (song_id,) = put_songs(ana, ["Hers"])
    (cleos_song,) = put_songs(cleo, ["Cleo's"])
    shared = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    personal = make_playlist(api, ana, "Mine")["playlist_id"]
    entry_id = add(api, ana, shared, [song_id])[0]["entry_id"]
    add(api, ana, personal, [song_id])
    personal_entry = entries(api, ana, personal)[0]["entry_id"]
    routes = [
        ("GET", "/music/playlists/{p}", None),
        ("PATCH", "/music/playlists/{p}", {"name": "Taken"}),
        ("DELETE", "/music/playlists/{p}", None),
        ("GET", "/music/playlists/{p}/entries", None),
        ("POST", "/music/playlists/{p}/entries", {"song_ids": [cleos_song]}),
        ("PATCH", "/music/playlists/{p}/entries/{e}", {"after_entry_id": None}),
        ("DELETE", "/music/playlists/{p}/entries/{e}", None),
        ("GET", "/music/playlists/{p}/play", None),
    ]
    # a stranger: 404 for both playlists, on every route
    for playlist_id, entry in ((shared, entry_id), (personal, personal_entry)):
        for method, path, body in routes:
            url = path.format(p=playlist_id, e=entry)
            assert_error(api.request(method, url, json=body, token=cleo.access_token), 404, "not_found")
    # the partner: 404 for the personal playlist, on every route
    for method, path, body in routes:
        url = path.format(p=personal, e=personal_entry)
        assert_error(api.request(method, url, json=body, token=ben.access_token), 404, "not_found")
    assert shared not in playlist_ids(api, cleo) and playlist_ids(api, cleo) == []
    # nothing changed
    assert titles(api, ana, shared) == ["Hers"] and titles(api, ana, personal) == ["Hers"]
    # a page token of Ana's list does not page through it for Cleo
    for n in range(3):
        make_playlist(api, ana, f"More {n}")
    status, page = api.get("/music/playlists", token=ana.access_token, query={"limit": "2"})
    assert status == 200 and page["next"]
    status, body = api.get("/music/playlists", token=cleo.access_token, query={"next": page["next"]})
    assert status == 422, body
