"""Playlists in the single table: a person's playlists, the partner's listing copies of shared
ones, and their entries (see ``docs/playlists.md`` for why it is shaped so).

A ``Playlist`` lives in its creator's partition; while shared, a ``SharedPlaylist`` copy lives in
the partner's (with the couple's tenant key, so a split deletes it). Entries live in the
playlist's own partition, ordered on gsi1 by a fractional position and found by song on gsi3.
Every write that adds or removes an entry moves ``entry_count`` in the same transaction, under
conditions that also check the caller may still edit the playlist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from backend.domain.errors import Conflict, NotFound
from backend.store import keys, records, table
from backend.store.table import Item, TransactionFailed

# Cancellation reasons of a transaction: a condition that did not hold, or another transaction on
# the same items at the same moment (retried briefly by ``table.transact``, then reported).
CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICTED = "TransactionConflict"

PLAYLIST = "Playlist"
SHARED_PLAYLIST = "SharedPlaylist"
PLAYLIST_ENTRY = "PlaylistEntry"
TYPES = frozenset({PLAYLIST, SHARED_PLAYLIST})


@dataclass(frozen=True)
class PlaylistRecord:
    owner_id: str
    playlist_id: str
    name: str
    created_at: datetime
    description: str | None = None
    entry_count: int = 0
    updated_at: datetime | None = None
    shared_rel: str | None = None
    shared_with: str | None = None
    cover_key: str | None = None
    is_copy: bool = False  # read from the partner's listing copy, not the original


@dataclass(frozen=True)
class EntryRecord:
    playlist_owner_id: str
    playlist_id: str
    entry_id: str
    song_id: str
    song_owner_id: str
    position: str
    added_by: str
    added_at: datetime
    title: str
    artist: str | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class Access:
    """Who edits: the creator (``partner_rel`` None) or the partner it is shared with now."""

    user_id: str
    partner_rel: str | None = None

    def allows(self, playlist: PlaylistRecord) -> bool:
        if self.partner_rel is None:
            return playlist.owner_id == self.user_id
        return playlist.shared_rel == self.partner_rel and playlist.shared_with == self.user_id

    def condition(self) -> tuple[str, dict[str, Any]]:
        if self.partner_rel is None:
            return "attribute_exists(pk)", {}
        return (
            "attribute_exists(pk) AND shared_rel = :access_rel AND shared_with = :access_me",
            {":access_rel": self.partner_rel, ":access_me": self.user_id},
        )


def _busy() -> Conflict:
    return Conflict("The playlist changed meanwhile. Please try again.", code="conflict")


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def playlist_from(item: Item) -> PlaylistRecord:
    return PlaylistRecord(
        owner_id=str(item["owner_id"]),
        playlist_id=str(item["playlist_id"]),
        name=str(item["name"]),
        description=item.get("description"),
        entry_count=int(item.get("entry_count", 0)),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=_time(item.get("updated_at")),
        shared_rel=item.get("shared_rel"),
        shared_with=item.get("shared_with"),
        cover_key=item.get("cover_key"),
        is_copy=item.get("type") == SHARED_PLAYLIST,
    )


def playlist_item(playlist: PlaylistRecord) -> Item:
    item: Item = {
        **keys.playlist(playlist.owner_id, playlist.playlist_id),
        "type": PLAYLIST,
        "owner_id": playlist.owner_id,
        "playlist_id": playlist.playlist_id,
        "name": playlist.name,
        "entry_count": playlist.entry_count,
        "created_at": records.stored_time(playlist.created_at),
    }
    if playlist.description:
        item["description"] = playlist.description
    if playlist.updated_at:
        item["updated_at"] = records.stored_time(playlist.updated_at)
    if playlist.shared_rel and playlist.shared_with:
        item["shared_rel"], item["shared_with"] = playlist.shared_rel, playlist.shared_with
    if playlist.cover_key:
        item["cover_key"] = playlist.cover_key
    return item


def copy_item(playlist: PlaylistRecord, partner_id: str, relationship_id: str) -> Item:
    """The partner's listing copy: what their list shows, under their key, with the tenant key."""
    item: Item = {
        **keys.playlist(partner_id, playlist.playlist_id),
        **keys.shared_playlist_tenant_key(relationship_id, partner_id, playlist.playlist_id),
        "type": SHARED_PLAYLIST,
        "owner_id": playlist.owner_id,
        "playlist_id": playlist.playlist_id,
        "name": playlist.name,
        "created_at": records.stored_time(playlist.created_at),
        "shared_rel": relationship_id,
        "shared_with": partner_id,
    }
    if playlist.description:
        item["description"] = playlist.description
    if playlist.cover_key:
        item["cover_key"] = playlist.cover_key
    return item


def entry_from(item: Item) -> EntryRecord:
    duration = item.get("duration_seconds")
    return EntryRecord(
        playlist_owner_id=str(item["playlist_owner_id"]),
        playlist_id=str(item["playlist_id"]),
        entry_id=str(item["entry_id"]),
        song_id=str(item["song_id"]),
        song_owner_id=str(item["song_owner_id"]),
        position=str(item["position"]),
        added_by=str(item["added_by"]),
        added_at=datetime.fromisoformat(str(item["added_at"])),
        title=str(item.get("title") or ""),
        artist=item.get("artist"),
        duration_seconds=float(duration) if duration is not None else None,
    )


def entry_item(entry: EntryRecord) -> Item:
    item: Item = {
        **keys.playlist_entry(entry.playlist_id, entry.entry_id),
        **keys.playlist_entry_index_key(entry.playlist_id, entry.position, entry.entry_id),
        **keys.playlist_song_index_key(entry.song_id, entry.playlist_id, entry.entry_id),
        "type": PLAYLIST_ENTRY,
        "playlist_owner_id": entry.playlist_owner_id,
        "playlist_id": entry.playlist_id,
        "entry_id": entry.entry_id,
        "song_id": entry.song_id,
        "song_owner_id": entry.song_owner_id,
        "position": entry.position,
        "added_by": entry.added_by,
        "added_at": records.stored_time(entry.added_at),
        "title": entry.title,
    }
    if entry.artist:
        item["artist"] = entry.artist
    if entry.duration_seconds is not None:
        item["duration_seconds"] = Decimal(str(round(entry.duration_seconds, 3)))
    return item


# ---------------------------------------------------------------- playlists


def get(person_id: str, playlist_id: str) -> PlaylistRecord | None:
    """The playlist or copy in ``person_id``'s partition."""
    item = table.get(keys.playlist(person_id, playlist_id))
    return playlist_from(item) if item and item.get("type") in TYPES else None


def originals(copies: list[PlaylistRecord]) -> dict[str, PlaylistRecord]:
    """The originals of listing copies (one BatchGet), by id."""
    found = table.batch_get([keys.playlist(copy.owner_id, copy.playlist_id) for copy in copies])
    return {str(item["playlist_id"]): playlist_from(item) for item in found if item.get("type") == PLAYLIST}


def page(person_id: str, limit: int, next_token: str | None) -> tuple[list[PlaylistRecord], str | None]:
    """My playlists and the copies of those shared with me, newest first (ids are time-ordered)."""
    found = table.query_page(
        ("pk", keys.user_partition(person_id)),
        ("sk", keys.PLAYLIST_PREFIX),
        limit=limit,
        next_token=next_token,
        forward=False,
    )
    return [playlist_from(item) for item in found.items if item.get("type") in TYPES], found.next_token


def create(playlist: PlaylistRecord, partner_id: str | None = None) -> None:
    """Put a new playlist (and, when shared at once, the partner's copy with the pairing checked)."""
    operations = [table.tx_put(playlist_item(playlist), "attribute_not_exists(pk)")]
    if partner_id and playlist.shared_rel:
        operations += _share_operations(playlist, partner_id, playlist.shared_rel)
    try:
        table.transact(operations)
    except TransactionFailed as failure:
        raise Conflict("You need a partner to share playlists.", code="not_paired") from failure


def _share_operations(playlist: PlaylistRecord, partner_id: str, relationship_id: str) -> list[dict[str, Any]]:
    return [
        table.tx_put(copy_item(playlist, partner_id, relationship_id), "attribute_not_exists(pk)"),
        table.tx_check(keys.relationship(relationship_id), "attribute_exists(pk)"),
        table.tx_check(keys.profile(playlist.owner_id), "relationship_id = :rel", {":rel": relationship_id}),
        table.tx_check(keys.profile(partner_id), "relationship_id = :rel", {":rel": relationship_id}),
    ]


def update(
    seen: PlaylistRecord, changed: PlaylistRecord, at: datetime, share_with: tuple[str, str] | None = None
) -> None:
    """Write the creator's changes: name and description (on the copy too while shared), and a
    share (``share_with`` = (partner, relationship)) or an unshare (``changed`` has no
    ``shared_rel``), in one transaction conditioned on the sharing as read. Raises ``Conflict``."""
    sets = ["#name = :name", "updated_at = :at"]
    values: dict[str, Any] = {":name": changed.name, ":at": records.stored_time(at)}
    removes: list[str] = []
    if changed.description:
        sets.append("description = :description")
        values[":description"] = changed.description
    else:
        removes.append("description")
    if share_with is not None:
        sets += ["shared_rel = :rel", "shared_with = :with"]
        values.update({":rel": share_with[1], ":with": share_with[0]})
    elif seen.shared_rel and not changed.shared_rel:
        removes += ["shared_rel", "shared_with"]
    if seen.shared_rel:
        condition, condition_values = "attribute_exists(pk) AND shared_rel = :seen_rel", {":seen_rel": seen.shared_rel}
    else:
        condition, condition_values = "attribute_exists(pk) AND attribute_not_exists(shared_rel)", {}
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    operations = [
        table.tx_update(
            keys.playlist(seen.owner_id, seen.playlist_id),
            expression,
            condition,
            {**values, **condition_values},
            {"#name": "name"},
        )
    ]
    if share_with is not None:
        operations += _share_operations(changed, share_with[0], share_with[1])
    elif seen.shared_rel and seen.shared_with:
        copy = keys.playlist(seen.shared_with, seen.playlist_id)
        if changed.shared_rel:  # only over a copy still there: a split's cascade may have deleted it
            copy_now = copy_item(changed, seen.shared_with, seen.shared_rel)
            operations.append(table.tx_put(copy_now, "attribute_exists(pk)"))
        else:
            operations.append(table.tx_delete(copy))
    try:
        table.transact(operations)
    except TransactionFailed as failure:
        if share_with is not None and any(failure.failed(index) for index in (2, 3, 4)):
            raise Conflict("You need a partner to share playlists.", code="not_paired") from failure
        raise Conflict("The playlist changed meanwhile. Please try again.", code="conflict") from failure


def set_cover(seen: PlaylistRecord, cover_key: str | None, at: datetime, partner_rel: str | None) -> bool:
    """Put a new uploaded cover (None: none) on the playlist, and on the partner's copy when it is
    shared in ``partner_rel`` (the couple the creator is in now), in one transaction conditioned
    on the cover and the sharing as read; False when either changed meanwhile. (Views read the
    original's ``cover_key``; the copy's follows it for completeness.)"""
    if cover_key:
        expression, values = "SET cover_key = :cover, updated_at = :at", {":cover": cover_key}
    else:
        expression, values = "REMOVE cover_key SET updated_at = :at", {}
    values[":at"] = records.stored_time(at)
    conditions = ["attribute_exists(pk)"]
    if seen.cover_key:
        conditions.append("cover_key = :seen_cover")
        values[":seen_cover"] = seen.cover_key
    else:
        conditions.append("attribute_not_exists(cover_key)")
    if seen.shared_rel:
        conditions.append("shared_rel = :seen_rel")
        values[":seen_rel"] = seen.shared_rel
    else:
        conditions.append("attribute_not_exists(shared_rel)")
    operations = [
        table.tx_update(keys.playlist(seen.owner_id, seen.playlist_id), expression, " AND ".join(conditions), values)
    ]
    if seen.shared_rel and seen.shared_with and seen.shared_rel == partner_rel:
        copy_expression = "SET cover_key = :cover" if cover_key else "REMOVE cover_key"
        operations.append(
            table.tx_update(
                keys.playlist(seen.shared_with, seen.playlist_id),
                copy_expression,
                "attribute_exists(pk)",
                {":cover": cover_key} if cover_key else None,
            )
        )
    try:
        table.transact(operations)
    except TransactionFailed:
        return False
    return True


def delete(playlist: PlaylistRecord) -> bool:
    """Delete a playlist (and the partner's copy); its entries go on the stream."""
    operations = [table.tx_delete(keys.playlist(playlist.owner_id, playlist.playlist_id), "attribute_exists(pk)")]
    if playlist.shared_with:
        operations.append(table.tx_delete(keys.playlist(playlist.shared_with, playlist.playlist_id)))
    try:
        table.transact(operations)
    except TransactionFailed:
        return False
    return True


def share_ended(owner_id: str, playlist_id: str, partner_id: str, relationship_id: str) -> bool:
    """The partner's copy went: the playlist is personal again, if it is still shared in that
    relationship and no copy is back (a replayed record or a share made again is left alone)."""
    try:
        table.transact(
            [
                table.tx_update(
                    keys.playlist(owner_id, playlist_id),
                    "REMOVE shared_rel, shared_with",
                    "attribute_exists(pk) AND shared_rel = :rel",
                    {":rel": relationship_id},
                ),
                table.tx_check(keys.playlist(partner_id, playlist_id), "attribute_not_exists(pk)"),
            ]
        )
    except TransactionFailed:
        return False
    return True


def forget_person(person_id: str) -> int:
    """A deleted account's playlists and copies (their entries and the partner's copies follow
    on the stream)."""
    doomed = [
        keys.key_of(item)
        for item in table.query_all(("pk", keys.user_partition(person_id)), ("sk", keys.PLAYLIST_PREFIX))
        if item.get("type") in TYPES
    ]
    return table.batch_delete(doomed)


# ---------------------------------------------------------------- entries


def entries_page(playlist_id: str, limit: int, next_token: str | None) -> tuple[list[EntryRecord], str | None]:
    found = table.query_page(
        ("gsi1pk", keys.playlist_entries_partition(playlist_id)),
        index=keys.PLAYLIST_ENTRIES_INDEX,
        limit=limit,
        next_token=next_token,
    )
    return [entry_from(item) for item in found.items], found.next_token


def all_entries(playlist_id: str) -> list[EntryRecord]:
    """Every entry in order (at most ``PLAYLIST_MAX``: play all, the split's clean-up)."""
    return [
        entry_from(item)
        for item in table.query_all(
            ("gsi1pk", keys.playlist_entries_partition(playlist_id)), index=keys.PLAYLIST_ENTRIES_INDEX
        )
    ]


def get_entry(playlist_id: str, entry_id: str) -> EntryRecord | None:
    item = table.get(keys.playlist_entry(playlist_id, entry_id))
    return entry_from(item) if item else None


def last_position(playlist_id: str) -> str | None:
    found = table.query_page(
        ("gsi1pk", keys.playlist_entries_partition(playlist_id)),
        index=keys.PLAYLIST_ENTRIES_INDEX,
        limit=1,
        forward=False,
    )
    return str(found.items[0]["position"]) if found.items else None


def entries_from(playlist_id: str, entry: EntryRecord | None, limit: int) -> list[EntryRecord]:
    """Up to ``limit`` entries from ``entry`` on (itself included), or from the start."""
    low = keys.playlist_entry_index_key(playlist_id, entry.position, entry.entry_id)["gsi1sk"] if entry else " "
    return [
        entry_from(item)
        for item in table.query_range(
            ("gsi1pk", keys.playlist_entries_partition(playlist_id)),
            ("gsi1sk", low, keys.ENTRIES_END),
            index=keys.PLAYLIST_ENTRIES_INDEX,
            limit=limit,
        )
    ]


def add(owner_id: str, playlist_id: str, access: Access, new: list[EntryRecord], room: int, at: datetime) -> None:
    """Put new entries (fresh ids: nothing is overwritten) and count them on the playlist, under
    the caller's access and the playlist's room (at most ``room`` entries), in one transaction
    (``new`` ≤ 99)."""
    condition, values = access.condition()
    operations = [
        table.tx_update(
            keys.playlist(owner_id, playlist_id),
            "ADD entry_count :n SET updated_at = :at",
            f"{condition} AND entry_count <= :room",
            {**values, ":n": len(new), ":at": records.stored_time(at), ":room": room - len(new)},
        ),
        *(table.tx_put(entry_item(entry), "attribute_not_exists(pk)") for entry in new),
    ]
    try:
        table.transact(operations)
    except TransactionFailed as failure:
        if failure.reasons[0] != CONDITION_FAILED:
            raise _busy() from failure
        current = get(owner_id, playlist_id)
        if current is not None and access.allows(current):
            raise Conflict(f"A playlist can hold up to {room} songs.", code="playlist_full") from failure
        raise NotFound("We could not find that playlist.") from failure


def move(owner_id: str, playlist_id: str, access: Access, entry_id: str, position: str) -> bool:
    """Give an entry a new position: one write (plus a check of the caller's access); False when
    the entry is gone (removed meanwhile: nothing comes back) or the access ended."""
    condition, values = access.condition()
    index = keys.playlist_entry_index_key(playlist_id, position, entry_id)
    try:
        table.transact(
            [
                table.tx_update(
                    keys.playlist_entry(playlist_id, entry_id),
                    "SET #position = :position, gsi1sk = :sk",
                    "attribute_exists(pk)",
                    {":position": position, ":sk": index["gsi1sk"]},
                    {"#position": "position"},
                ),
                table.tx_check(keys.playlist(owner_id, playlist_id), condition, values or None),
            ]
        )
    except TransactionFailed as failure:
        if CONFLICTED in failure.reasons:
            raise _busy() from failure
        return False
    return True


def remove(owner_id: str, playlist_id: str, entry_id: str, access: Access | None, at: datetime | None) -> bool:
    """Delete one entry and count it off the playlist, together; False when it was gone already
    (or the access ended). ``access`` None: the stream's clean-up (no access to check)."""
    condition, values = access.condition() if access else ("attribute_exists(pk)", {})
    expression = "ADD entry_count :minus" + (" SET updated_at = :at" if at else "")
    update_values = {**values, ":minus": -1, **({":at": records.stored_time(at)} if at else {})}
    try:
        table.transact(
            [
                table.tx_delete(keys.playlist_entry(playlist_id, entry_id), "attribute_exists(pk)"),
                table.tx_update(keys.playlist(owner_id, playlist_id), expression, condition, update_values),
            ]
        )
    except TransactionFailed as failure:
        if CONFLICTED in failure.reasons:
            raise _busy() from failure
        if access is None and not failure.failed(0):  # the playlist itself is gone: just the entry
            return table.delete(keys.playlist_entry(playlist_id, entry_id), "attribute_exists(pk)")
        return False
    return True


def entries_of_song(song_id: str) -> list[Item]:
    """Every entry of a song in every playlist (its ``playlist_id``, ``entry_id``)."""
    return list(table.query_all(("gsi3pk", keys.playlist_song_partition(song_id)), index=keys.PLAYLIST_SONG_INDEX))


def entry_keys(playlist_id: str) -> list[keys.Key]:
    """Every entry of a playlist (its cascade)."""
    return [keys.key_of(item) for item in table.query_all(("pk", keys.playlist_partition(playlist_id)))]
