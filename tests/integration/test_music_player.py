"""The player's state and queue on the real local stack: saved per person (resume anywhere),
songs queued at the end or next, moved and removed one write at a time; only songs the person
can hear, and those that stop being so (deleted, unshared) leave the queue at once (and its
items on the stream).
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

from typing import Any

from backend.local.queue_poller import QueuePoller
from backend.store import player as player_store
from tests.audio import make_song
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_music_job import add_song, music, music_poller  # noqa: F401 (fixtures)
from tests.integration.test_music_sharing import ready_song


def queue_titles(view: dict[str, Any]) -> list[str]:
    return [entry["song"]["title"] for entry in view["queue"]]


def player(api: Api, person: Person) -> dict[str, Any]:
    status, view = api.get("/music/player", token=person.access_token)
    assert status == 200, view
    return view


def queue(api: Api, person: Person, song_ids: list[str], where: str = "end") -> dict[str, Any]:
    status, view = api.post("/music/player/queue", {"song_ids": song_ids, "where": where}, token=person.access_token)
    assert status == 200, view
    return view


def test_the_queue_and_position_are_saved_and_edited_one_entry_at_a_time(
    api: Api, couple: MakeCouple, register: Register, music: QueuePoller, stream: Any
) -> None:
    ana, ben, _ = couple()
    cleo = register("cleo")
    one, two, three = (ready_song(api, ana, music, title, 1300 + i) for i, title in enumerate(("One", "Two", "Three")))
    fresh = player(api, ana)
    assert fresh["queue"] == [] and fresh["state"]["updated_at"] is None and fresh["state"]["repeat"] == "off"
    # queued at the end, in the order asked
    view = queue(api, ana, [one, two, three])
    assert queue_titles(view) == ["One", "Two", "Three"]
    entries = {entry["song"]["title"]: entry["entry_id"] for entry in view["queue"]}
    # where I am, saved (and read back as another device would)
    state = {
        "current_entry_id": entries["Two"],
        "position_seconds": 42.5,
        "shuffle": True,
        "repeat": "one",
        "volume": 0.5,
    }
    status, saved = api.put("/music/player/state", state, token=ana.access_token)
    assert status == 200, saved
    again = player(api, ana)["state"]
    assert {k: again[k] for k in state} == state and again["updated_at"]
    # "play next" goes right after what plays now
    assert queue_titles(queue(api, ana, [three], where="next")) == ["One", "Two", "Three", "Three"]
    # moves and removals
    status, view = api.patch(
        f"/music/player/queue/{entries['Three']}", {"after_entry_id": None}, token=ana.access_token
    )
    assert status == 200 and queue_titles(view) == ["Three", "One", "Two", "Three"]
    status, view = api.patch(
        f"/music/player/queue/{entries['One']}", {"after_entry_id": entries["Two"]}, token=ana.access_token
    )
    assert status == 200 and queue_titles(view) == ["Three", "Two", "One", "Three"]
    assert api.delete(f"/music/player/queue/{entries['Two']}", token=ana.access_token)[0] == 204
    assert_error(api.delete(f"/music/player/queue/{entries['Two']}", token=ana.access_token), 404, "not_found")
    assert queue_titles(player(api, ana)) == ["Three", "One", "Three"]
    # what cannot be: someone else's entry, a state naming no entry, songs I cannot hear
    assert_error(api.delete(f"/music/player/queue/{entries['One']}", token=ben.access_token), 404, "not_found")
    status, body = api.put("/music/player/state", {"current_entry_id": "nope"}, token=ana.access_token)
    assert status == 422, body
    theirs = ready_song(api, cleo, music, "Not yours", 1310)
    assert_error(api.post("/music/player/queue", {"song_ids": [theirs]}, token=ana.access_token), 404, "not_found")
    assert_error(api.post("/music/player/queue", {"song_ids": [one]}, token=ben.access_token), 404, "not_found")
    # a deleted song leaves the queue at once, and its entries on the stream
    assert api.delete(f"/music/songs/{three}", token=ana.access_token)[0] == 204
    assert queue_titles(player(api, ana)) == ["One"]
    stream.drain()
    assert [entry.song_id for entry in player_store.entries(ana.user_id)] == [one]
    # clearing
    assert api.delete("/music/player/queue", token=ana.access_token)[0] == 204
    assert player(api, ana)["queue"] == []


def test_a_shared_song_is_queued_by_the_partner_until_the_share_ends(
    api: Api, couple: MakeCouple, music: QueuePoller, stream: Any
) -> None:
    ana, ben, _ = couple()
    song_id = ready_song(api, ana, music, "Ours", 1320)
    processing = add_song(api, ben, make_song("mp3", seconds=1, frequency=1330))["song_id"]
    assert_error(api.post("/music/player/queue", {"song_ids": [song_id]}, token=ben.access_token), 404, "not_found")
    assert_error(
        api.post("/music/player/queue", {"song_ids": [processing]}, token=ben.access_token), 409, "song_not_ready"
    )
    assert api.patch(f"/music/songs/{song_id}", {"visibility": "partner"}, token=ana.access_token)[0] == 200
    view = queue(api, ben, [song_id])
    assert queue_titles(view) == ["Ours"] and view["queue"][0]["song"]["mine"] is False
    # unshared: out of his queue at once, and out of its items on the stream
    assert api.patch(f"/music/songs/{song_id}", {"visibility": "private"}, token=ana.access_token)[0] == 200
    assert player(api, ben)["queue"] == []
    stream.drain()
    assert player_store.entries(ben.user_id) == []
    music.drain(timeout=60)
