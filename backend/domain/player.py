"""The player's state and queue, saved per person: what plays, where, and what comes next.

Every song in the queue must be one the person can hear (their own, or one their partner
shares with them now); songs that stop being so (deleted, unshared, a split) drop out of what
is read at once, and out of the stored queue on the stream.
"""

from __future__ import annotations

from backend import contracts
from backend.domain import music, positions
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.domain.models import Caller
from backend.store import keys, records, table, users
from backend.store import music as song_store
from backend.store import player as store


def view(caller: Caller) -> contracts.PlayerView:
    me = users.require(caller.user_id)
    state = store.get_state(me.user_id)
    queued = store.entries(me.user_id)
    listed = {
        item["song_id"]: song_store.song_from(item)
        for item in table.batch_get([keys.song(me.user_id, song_id) for song_id in {e.song_id for e in queued}])
        if item.get("type") in (song_store.SONG, song_store.SHARED_SONG)
    }
    audible = {song.song_id: song for song in music.visible_songs(me, list(listed.values())) if song.status == "ready"}
    songs = {song.song_id: song for song in music.views(list(audible.values()), me.user_id)}
    return contracts.PlayerView(
        state=contracts.PlayerState(
            current_entry_id=state.current_entry_id,
            position_seconds=state.position_seconds,
            shuffle=state.shuffle,
            repeat=state.repeat,  # type: ignore[arg-type]
            volume=state.volume,
            updated_at=state.updated_at,
        ),
        queue=[
            contracts.QueueEntry(entry_id=entry.entry_id, song=songs[entry.song_id])
            for entry in queued
            if entry.song_id in songs
        ],
    )


def save_state(caller: Caller, update: contracts.PlayerStateUpdate) -> contracts.PlayerView:
    me = users.require(caller.user_id)
    if update.current_entry_id is not None and update.current_entry_id not in {
        entry.entry_id for entry in store.entries(me.user_id)
    }:
        raise ValidationFailed({"current_entry_id": "That is not in your queue."})
    store.put_state(
        me.user_id,
        store.State(
            current_entry_id=update.current_entry_id,
            position_seconds=update.position_seconds,
            shuffle=update.shuffle,
            repeat=update.repeat,
            volume=update.volume,
            updated_at=records.now(),
        ),
    )
    return view(caller)


def add(caller: Caller, song_ids: list[str], where: str) -> contracts.PlayerView:
    """Queue songs the caller can hear, right after what plays now or at the end."""
    me = users.require(caller.user_id)
    for song_id in dict.fromkeys(song_ids):
        song = music.readable(caller, song_id)  # a 404 for a song the caller cannot hear
        if song.status != "ready":
            raise Conflict("A song can be queued once it is ready to play.", code="song_not_ready")
    queued = store.entries(me.user_id)
    if len(queued) + len(song_ids) > contracts.QUEUE_MAX:
        raise Conflict(f"Your queue can hold up to {contracts.QUEUE_MAX} songs.", code="queue_full")
    before, after = (queued[-1].position if queued else None), None
    if where == "next":
        current = store.get_state(me.user_id).current_entry_id
        at = next((index for index, entry in enumerate(queued) if entry.entry_id == current), None)
        if at is None:
            before, after = None, (queued[0].position if queued else None)
        else:
            before = queued[at].position
            after = queued[at + 1].position if at + 1 < len(queued) else None
    places = positions.spread(before, after, len(song_ids))
    store.add(
        me.user_id,
        [
            store.Entry(entry_id=records.time_ordered_id()[0], song_id=song_id, position=place)
            for song_id, place in zip(song_ids, places, strict=True)
        ],
    )
    return view(caller)


def move(caller: Caller, entry_id: str, after_entry_id: str | None) -> contracts.PlayerView:
    """Move an entry right after another (None: to the start): one write."""
    me = users.require(caller.user_id)
    queued = [entry for entry in store.entries(me.user_id) if entry.entry_id != entry_id]
    if len(queued) == len(store.entries(me.user_id)):
        raise NotFound("That is not in your queue.")
    if after_entry_id is None:
        before, after = None, (queued[0].position if queued else None)
    else:
        at = next((index for index, entry in enumerate(queued) if entry.entry_id == after_entry_id), None)
        if at is None:
            raise ValidationFailed({"after_entry_id": "That is not in your queue."})
        before = queued[at].position
        after = queued[at + 1].position if at + 1 < len(queued) else None
    if not store.move(me.user_id, entry_id, positions.between(before, after)):
        raise NotFound("That is not in your queue.")
    return view(caller)


def remove(caller: Caller, entry_id: str) -> None:
    if not store.remove(caller.user_id, entry_id):
        raise NotFound("That is not in your queue.")


def clear(caller: Caller) -> None:
    store.remove_all(users.require(caller.user_id).user_id)
