"""The player's state and queue, per person (so "resume where I left off" works on any device).

The state is one item (``PLAYER``). The queue is one item per entry, ordered on gsi1 by a
fractional position (``backend.domain.positions``): adding, moving or removing an entry writes
that entry only. An entry names a song of the person's library; entries whose song went are
removed on the stream (``backend.streams.music``) and skipped when read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backend.store import keys, records, table
from backend.store.table import Item

PLAYER_STATE = "PlayerState"
QUEUE_ENTRY = "QueueEntry"
TYPES = frozenset({PLAYER_STATE, QUEUE_ENTRY})


@dataclass(frozen=True)
class State:
    current_entry_id: str | None = None
    position_seconds: float = 0.0
    shuffle: bool = False
    repeat: str = "off"
    volume: float = 1.0
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Entry:
    entry_id: str
    song_id: str
    position: str


def get_state(user_id: str) -> State:
    item = table.get(keys.player_state(user_id))
    if item is None:
        return State()
    return State(
        current_entry_id=item.get("current_entry_id"),
        position_seconds=float(item.get("position_seconds", 0)),
        shuffle=bool(item.get("shuffle", False)),
        repeat=str(item.get("repeat") or "off"),
        volume=float(item.get("volume", 1)),
        updated_at=datetime.fromisoformat(item["updated_at"]) if item.get("updated_at") else None,
    )


def put_state(user_id: str, state: State) -> None:
    assert state.updated_at is not None
    table.put(
        {
            **keys.player_state(user_id),
            "type": PLAYER_STATE,
            "user_id": user_id,
            "current_entry_id": state.current_entry_id,
            "position_seconds": Decimal(str(round(state.position_seconds, 3))),
            "shuffle": state.shuffle,
            "repeat": state.repeat,
            "volume": Decimal(str(round(state.volume, 3))),
            "updated_at": records.stored_time(state.updated_at),
        }
    )


def entries(user_id: str) -> list[Entry]:
    """The whole queue, in order (at most ``QUEUE_MAX`` entries)."""
    return [
        Entry(str(item["entry_id"]), str(item["song_id"]), str(item["position"]))
        for item in table.query_all(("gsi1pk", keys.queue_partition(user_id)), index=keys.QUEUE_INDEX)
    ]


def _entry_item(user_id: str, entry: Entry) -> Item:
    return {
        **keys.queue_entry(user_id, entry.entry_id),
        **keys.queue_index_key(user_id, entry.position, entry.entry_id),
        "type": QUEUE_ENTRY,
        "user_id": user_id,
        "entry_id": entry.entry_id,
        "song_id": entry.song_id,
        "position": entry.position,
    }


def add(user_id: str, new: list[Entry]) -> None:
    """Put new entries (fresh ids: nothing is overwritten), 25 per transaction."""
    for start in range(0, len(new), 25):
        table.transact(
            [table.tx_put(_entry_item(user_id, entry), "attribute_not_exists(pk)") for entry in new[start : start + 25]]
        )


def move(user_id: str, entry_id: str, position: str) -> bool:
    """Give an entry a new position (one write); False when it is gone."""
    index = keys.queue_index_key(user_id, position, entry_id)
    item = table.update(
        keys.queue_entry(user_id, entry_id),
        "SET #position = :position, gsi1sk = :sk",
        {":position": position, ":sk": index["gsi1sk"]},
        {"#position": "position"},
        condition="attribute_exists(pk)",
    )
    return item is not None


def remove(user_id: str, entry_id: str) -> bool:
    return table.delete(keys.queue_entry(user_id, entry_id), "attribute_exists(pk)")


def remove_all(user_id: str, song_id: str | None = None) -> int:
    """Clear the queue, or take one song's entries out of it (the song went)."""
    doomed = [
        keys.queue_entry(user_id, entry.entry_id)
        for entry in entries(user_id)
        if song_id is None or entry.song_id == song_id
    ]
    return table.batch_delete(doomed)
