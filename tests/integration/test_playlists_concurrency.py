"""Two partners editing one shared playlist at the same time lose nothing: many rounds of moves,
adds and removals sent at once by both (each round in both orders), through threads against
the real local API (the HTTP adapter in front of the Lambda handler), and the same straight
against the domain code, where one partner's reads and writes really interleave with the
other's (the adapter runs one invocation at a time, like one Lambda instance).

Nothing lost means: every entry added is there unless it was removed (a removal answered 204),
each exactly once, in one total order, and ``entry_count`` says how many there are. A move that
races its entry's removal fails with a 404 and never brings the entry back.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from backend.domain import playlists as domain
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.models import Caller
from backend.local.http_adapter import LocalApiServer
from backend.local.stack import LocalStack
from backend.store import keys, table
from backend.store import playlists as store
from backend.store.playlists import Access
from tests.integration.conftest import Api, MakeCouple, Person
from tests.integration.test_music_shared_filter import put_songs, share
from tests.integration.test_playlists import add, entries, make_playlist, move

ROUNDS = 30


@pytest.fixture
def api_url(stack: LocalStack) -> Iterator[str]:
    server = LocalApiServer().start()
    yield server.url
    server.stop()


def at_once(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run two calls in two threads released together; return both results (or exceptions)."""
    results: list[Any] = [None, None]
    gate = threading.Barrier(2)

    def run(index: int, call: Callable[[], Any]) -> None:
        gate.wait()
        try:
            results[index] = call()
        except Exception as error:  # the caller checks what each call gave
            results[index] = error

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results[0], results[1]


def shared_setup(api: Api, couple: MakeCouple) -> tuple[Person, Person, str, list[str], list[str]]:
    """A shared playlist of eight songs (four each, shared), and both partners' song ids."""
    ana, ben, _ = couple()
    hers, his = put_songs(ana, [f"A{n}" for n in range(4)]), put_songs(ben, [f"B{n}" for n in range(4)])
    for song_id in hers:
        share(api, ana, song_id)
    for song_id in his:
        share(api, ben, song_id)
    playlist_id = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    add(api, ana, playlist_id, hers)
    add(api, ben, playlist_id, his)
    return ana, ben, playlist_id, hers, his


def check_nothing_lost(api: Api, person: Person, playlist_id: str, expected: set[str]) -> None:
    listed = entries(api, person, playlist_id)
    ids = [entry["entry_id"] for entry in listed]
    assert len(ids) == len(set(ids)), "an entry is listed twice"
    assert set(ids) == expected, f"lost {expected - set(ids)}, came back {set(ids) - expected}"
    stored = store.all_entries(playlist_id)
    assert [(e.position, e.entry_id) for e in stored] == sorted((e.position, e.entry_id) for e in stored)
    status, body = api.get(f"/music/playlists/{playlist_id}", token=person.access_token)
    assert status == 200 and body["entry_count"] == len(expected), body


def test_both_partners_editing_at_once_through_the_api_lose_nothing(api: Api, couple: MakeCouple, api_url: str) -> None:
    ana, ben, playlist_id, hers, his = shared_setup(api, couple)
    rng = random.Random(2026)
    clients = {
        person.user_id: httpx.Client(
            base_url=api_url, headers={"Authorization": f"Bearer {person.access_token}"}, timeout=30
        )
        for person in (ana, ben)
    }
    expected = {entry["entry_id"] for entry in entries(api, ana, playlist_id)}
    base = f"/music/playlists/{playlist_id}/entries"

    def edit(person: Person, kind: str, current: list[str]) -> Callable[[], tuple[str, str, httpx.Response]]:
        client = clients[person.user_id]
        songs = hers if person is ana else his
        if kind == "add":
            song_id = rng.choice(songs)
            return lambda: (kind, "", client.post(base, json={"song_ids": [song_id]}))
        target = rng.choice(current)
        if kind == "remove":
            return lambda: (kind, target, client.delete(f"{base}/{target}"))
        anchor = rng.choice([None, *current])
        return lambda: (kind, target, client.patch(f"{base}/{target}", json={"after_entry_id": anchor}))

    try:
        for round_number in range(ROUNDS):
            current = [entry["entry_id"] for entry in entries(api, ana, playlist_id)]
            kinds = [rng.choice(["move", "move", "add", "remove"]) for _ in range(2)]
            if len(current) < 4:  # keep enough to move
                kinds = ["add", "add"]
            if round_number % 5 == 0 and len(current) >= 4:  # a move racing the removal of the very entry it moves
                victim = rng.choice(current)
                calls = [
                    lambda v=victim: ("remove", v, clients[ana.user_id].delete(f"{base}/{v}")),
                    lambda v=victim: (
                        "move",
                        v,
                        clients[ben.user_id].patch(f"{base}/{v}", json={"after_entry_id": None}),
                    ),
                ]
            else:
                calls = [edit(ana, kinds[0], current), edit(ben, kinds[1], current)]
            if round_number % 2:  # both orders: Ben's edit started first every other round
                calls.reverse()
            results = at_once(calls[0], calls[1])
            for result in results:
                assert not isinstance(result, Exception), result
                kind, target, response = result
                assert response.status_code < 500, response.text
                if kind == "add":
                    assert response.status_code == 201, response.text
                    expected |= {item["entry_id"] for item in response.json()["items"]}
                elif kind == "remove" and response.status_code == 204:
                    expected.discard(target)
                elif kind == "remove":
                    assert response.status_code == 404, response.text  # the other removed it first
                else:
                    assert response.status_code in (200, 404, 422), response.text  # 404/422: removed meanwhile
            check_nothing_lost(api, ana, playlist_id, expected)
        check_nothing_lost(api, ben, playlist_id, expected)
    finally:
        for client in clients.values():
            client.close()


def test_interleaved_reads_and_writes_of_both_partners_lose_nothing(api: Api, couple: MakeCouple) -> None:
    """The domain code itself from two threads: a move reads its neighbours, then writes; the
    other partner's move, add or removal lands in between."""
    ana, ben, playlist_id, hers, his = shared_setup(api, couple)
    callers = {ana.user_id: Caller(ana.user_id), ben.user_id: Caller(ben.user_id)}
    rng = random.Random(13)
    expected = {entry.entry_id for entry in store.all_entries(playlist_id)}
    lock = threading.Lock()

    def edit(person: Person, kind: str, current: list[str]) -> Callable[[], None]:
        caller = callers[person.user_id]
        target, anchor = rng.choice(current), rng.choice([None, *current])
        song_id = rng.choice(hers if person is ana else his)

        def run() -> None:
            if kind == "add":
                added = domain.add(caller, playlist_id, [song_id])
                with lock:
                    expected.update(item.entry_id for item in added.items)
            elif kind == "remove":
                try:
                    domain.remove(caller, playlist_id, target)
                except NotFound:
                    return
                with lock:
                    expected.discard(target)
            else:
                try:
                    domain.move(caller, playlist_id, target, anchor if anchor != target else None)
                except (NotFound, ValidationFailed):
                    return  # its entry or anchor was removed meanwhile

        return run

    for round_number in range(ROUNDS):
        current = [entry.entry_id for entry in store.all_entries(playlist_id)]
        kinds = [rng.choice(["move", "move", "add", "remove"]) for _ in range(2)] if len(current) >= 4 else ["add"] * 2
        calls = [edit(ana, kinds[0], current), edit(ben, kinds[1], current)]
        if round_number % 2:
            calls.reverse()
        for result in at_once(calls[0], calls[1]):
            assert not isinstance(result, Exception), repr(result)
        check_nothing_lost(api, ben, playlist_id, expected)


def test_a_move_and_a_removal_of_the_same_entry_in_either_order(api: Api, couple: MakeCouple) -> None:
    ana, ben, playlist_id, _, _ = shared_setup(api, couple)
    relationship_id = str(store.get(ana.user_id, playlist_id).shared_rel)  # type: ignore[union-attr]
    first, second, *_ = [entry["entry_id"] for entry in entries(api, ana, playlist_id)]
    base = f"/music/playlists/{playlist_id}/entries"
    # removed, then moved: the move is a 404 and the entry does not come back
    assert api.delete(f"{base}/{first}", token=ana.access_token)[0] == 204
    assert move(api, ben, playlist_id, first, None)[0] == 404
    # … and the write itself is conditioned: a move computed just before the removal landed (its
    # read done, its write after) neither succeeds nor brings back a part of the entry
    assert not store.move(ana.user_id, playlist_id, Access(ben.user_id, relationship_id), first, "V")
    assert table.get(keys.playlist_entry(playlist_id, first)) is None
    # moved, then removed: gone
    assert move(api, ben, playlist_id, second, None)[0] == 200
    assert api.delete(f"{base}/{second}", token=ana.access_token)[0] == 204
    left = [entry["entry_id"] for entry in entries(api, ben, playlist_id)]
    assert first not in left and second not in left and len(left) == 6
    status, body = api.get(f"/music/playlists/{playlist_id}", token=ana.access_token)
    assert status == 200 and body["entry_count"] == 6
