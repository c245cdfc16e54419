"""Plays (a person's counted listens) and the stats the stream keeps from them.

A ``Play`` is put with its ``PlayClaim`` (the client's id of the listen) in one transaction,
so a retried report records nothing new. The stream counts each play once
(:func:`count`): ``SET counted_at`` on the play itself under ``attribute_not_exists`` and every
``ADD`` in the same transaction. A period's ``PlayTop`` keeps its totals and its top lists
(:func:`merge_top`: ``max`` per entry, then the best :data:`TOP_KEPT`, under ``version``).
Keys: ``backend.store.keys`` (``PLAY#``, ``PLAYCLAIM#``, ``LISTENDAY#``, ``PLAYCOUNT#``,
``PLAYTOP#``); the design: docs/music-stats.md.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from backend.store import keys, records, table
from backend.store.table import Item, TransactionFailed

PLAY = "Play"
PLAY_CLAIM = "PlayClaim"
LISTENING_DAY = "ListeningDay"
PLAY_COUNT = "PlayCount"
PLAY_TOP = "PlayTop"
TYPES = frozenset({PLAY, PLAY_CLAIM, LISTENING_DAY, PLAY_COUNT, PLAY_TOP})

# How many songs, artists and albums a period's top lists keep.
TOP_KEPT = 50
# A retried report comes within days; the claim goes after this.
CLAIM_KEPT_SECONDS = 30 * 24 * 3600
KINDS = ("song", "artist", "album")
# The map attribute of a PlayTop that holds each kind's list.
TOP_ATTRIBUTE = {"song": "songs", "artist": "artists", "album": "albums"}


@dataclass(frozen=True)
class PlayRecord:
    user_id: str
    play_id: str
    song_id: str
    title: str
    artist: str | None
    album: str | None
    album_key: str | None
    album_artist: str | None
    duration_seconds: float | None
    listened_seconds: int
    started_at: datetime
    time_zone: str
    local_day: str
    counted: bool = False


@dataclass(frozen=True)
class TopEntry:
    key: str
    name: str
    artist: str | None
    plays: int


@dataclass(frozen=True)
class PeriodTop:
    plays: int
    seconds: int
    songs: list[TopEntry]
    artists: list[TopEntry]
    albums: list[TopEntry]


def new_play_id(started_at: datetime) -> str:
    """Time-ordered by the listen's start: µs since the epoch in hex, then 32 random bits."""
    micros = int(started_at.astimezone(UTC).timestamp() * 1_000_000)
    return f"{micros:014x}{secrets.token_hex(4)}"


def play_item(play: PlayRecord) -> Item:
    return {
        **keys.play(play.user_id, play.play_id),
        "type": PLAY,
        "user_id": play.user_id,
        "play_id": play.play_id,
        "song_id": play.song_id,
        "title": play.title,
        "artist": play.artist,
        "album": play.album,
        "album_key": play.album_key,
        "album_artist": play.album_artist,
        "duration_seconds": Decimal(str(round(play.duration_seconds, 3))) if play.duration_seconds else None,
        "listened_seconds": play.listened_seconds,
        "started_at": records.stored_time(play.started_at),
        "time_zone": play.time_zone,
        "local_day": play.local_day,
    }


def play_from(item: Item) -> PlayRecord:
    duration = item.get("duration_seconds")
    return PlayRecord(
        user_id=item["user_id"],
        play_id=item["play_id"],
        song_id=item["song_id"],
        title=str(item.get("title") or ""),
        artist=item.get("artist"),
        album=item.get("album"),
        album_key=item.get("album_key"),
        album_artist=item.get("album_artist"),
        duration_seconds=float(duration) if duration is not None else None,
        listened_seconds=int(item.get("listened_seconds") or 0),
        started_at=datetime.fromisoformat(item["started_at"]),
        time_zone=str(item.get("time_zone") or "UTC"),
        local_day=str(item["local_day"]),
        counted=bool(item.get("counted_at")),
    )


def claimed(user_id: str, client_play_id: str) -> PlayRecord | None:
    """The play a client's id was recorded as, if it was."""
    claim = table.get(keys.play_claim(user_id, client_play_id))
    if claim is None:
        return None
    item = table.get(keys.play(user_id, claim["play_id"]))
    return play_from(item) if item else None


def put(play: PlayRecord, client_play_id: str) -> PlayRecord:
    """Record a play once per client id; a report sent twice (even at once) answers the first."""
    claim = {
        **keys.play_claim(play.user_id, client_play_id),
        "type": PLAY_CLAIM,
        "play_id": play.play_id,
        "expires_at": int(time.time()) + CLAIM_KEPT_SECONDS,
    }
    try:
        table.transact(
            [table.tx_put(claim, "attribute_not_exists(pk)"), table.tx_put(play_item(play), "attribute_not_exists(pk)")]
        )
    except TransactionFailed as failure:
        if not failure.failed(0):
            raise
        earlier = claimed(play.user_id, client_play_id)
        if earlier is None:
            raise
        return earlier
    return play


def recent(user_id: str, limit: int, next_token: str | None) -> tuple[list[PlayRecord], str | None]:
    page = table.query_page(
        ("pk", keys.user_partition(user_id)),
        ("sk", keys.PLAY_PREFIX),
        limit=limit,
        next_token=next_token,
        forward=False,
    )
    return [play_from(item) for item in page.items if item.get("type") == PLAY], page.next_token


# ---------------------------------------------------------------- counting (the stream)


@dataclass(frozen=True)
class Counted:
    """One thing a play counts for: its key and what the stats show of it."""

    kind: str
    key: str
    name: str
    artist: str | None


def counted_things(play: PlayRecord) -> list[Counted]:
    found = [Counted("song", play.song_id, play.title, play.artist)]
    artist_key = keys.artist_key_of(play.artist)
    if artist_key and play.artist:
        found.append(Counted("artist", artist_key, play.artist, None))
    if play.album_key and play.album:
        found.append(Counted("album", play.album_key, play.album, play.album_artist))
    return found


def count(play: PlayRecord) -> bool:
    """Count a play in its day, its periods' counters and totals, once: False when it was
    counted before (a replay) or is gone."""
    user = play.user_id
    operations = [
        table.tx_update(
            keys.play(user, play.play_id),
            "SET counted_at = :now",
            "attribute_exists(pk) AND attribute_not_exists(counted_at)",
            {":now": records.stored_time(records.now())},
        ),
        table.tx_update(
            keys.listening_day(user, play.local_day),
            "SET #type = :type ADD seconds :seconds, plays :one",
            None,
            {":type": LISTENING_DAY, ":seconds": play.listened_seconds, ":one": 1},
            {"#type": "type"},
        ),
    ]
    things = counted_things(play)
    for period in keys.period_keys(play.local_day):
        operations.append(
            table.tx_update(
                keys.play_top(user, period),
                "SET #type = :type ADD plays :one, seconds :seconds",
                None,
                {":type": PLAY_TOP, ":seconds": play.listened_seconds, ":one": 1},
                {"#type": "type"},
            )
        )
        for thing in things:
            values: dict[str, Any] = {":type": PLAY_COUNT, ":name": thing.name, ":one": 1}
            expression = "SET #type = :type, #name = :name"
            if thing.artist:
                expression += ", artist = :artist"
                values[":artist"] = thing.artist
            operations.append(
                table.tx_update(
                    keys.play_count(user, period, thing.kind, thing.key),
                    expression + " ADD plays :one",
                    None,
                    values,
                    {"#type": "type", "#name": "name"},
                )
            )
    try:
        table.transact(operations)
    except TransactionFailed as failure:
        if failure.failed(0):
            return False
        raise
    return True


def merge_top(play: PlayRecord) -> None:
    """Bring each period's top lists up to the play's counters: ``max(kept, counter)`` per entry
    (counters only grow), then the best :data:`TOP_KEPT` of each kind, written under the
    ``version`` read (re-read and retried on a race). Running it again changes nothing."""
    user = play.user_id
    things = counted_things(play)
    for period in keys.period_keys(play.local_day):
        counters = {
            (item["sk"].split("#", 3)[2], item["sk"].split("#", 3)[3]): item
            for item in table.batch_get([keys.play_count(user, period, t.kind, t.key) for t in things])
        }
        for _attempt in range(10):
            top = table.get(keys.play_top(user, period)) or {}
            lists = {kind: dict(top.get(TOP_ATTRIBUTE[kind]) or {}) for kind in KINDS}
            changed = False
            for thing in things:
                counter = counters.get((thing.kind, thing.key))
                if counter is None:
                    continue
                plays = int(counter.get("plays", 0))
                kept = lists[thing.kind].get(thing.key)
                if kept is not None and int(kept.get("plays", 0)) >= plays:
                    continue
                lists[thing.kind][thing.key] = _entry(counter, plays)
                changed = True
            if not changed:
                break
            trimmed = {kind: dict(best(lists[kind])) for kind in KINDS}
            if _write_top(user, period, trimmed, top.get("version")):
                break


def _entry(counter: Item, plays: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"plays": plays, "name": str(counter.get("name") or "")}
    if counter.get("artist"):
        entry["artist"] = counter["artist"]
    return entry


def best(entries: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The :data:`TOP_KEPT` entries with the most plays (ties: by key)."""
    ranked = sorted(entries.items(), key=lambda pair: (-int(pair[1].get("plays", 0)), pair[0]))
    return ranked[:TOP_KEPT]


def _write_top(user: str, period: str, lists: dict[str, dict[str, Any]], version: Any) -> bool:
    values: dict[str, Any] = {":type": PLAY_TOP, ":one": 1, ":zero": 0}
    names = {"#type": "type", "#version": "version"}
    sets = ["#type = :type", "#version = if_not_exists(#version, :zero) + :one"]
    for kind in KINDS:
        values[f":{kind}"] = lists[kind]
        sets.append(f"{TOP_ATTRIBUTE[kind]} = :{kind}")
    if version is None:
        condition = "attribute_not_exists(#version)"
    else:
        condition = "#version = :version"
        values[":version"] = version
    return table.update(keys.play_top(user, period), "SET " + ", ".join(sets), values, names, condition) is not None


# ---------------------------------------------------------------- reading stats


def top(user_id: str, period: str) -> PeriodTop:
    item = table.get(keys.play_top(user_id, period)) or {}

    def entries(kind: str) -> list[TopEntry]:
        return [
            TopEntry(key, str(entry.get("name") or ""), entry.get("artist"), int(entry.get("plays", 0)))
            for key, entry in best(dict(item.get(TOP_ATTRIBUTE[kind]) or {}))
        ]

    return PeriodTop(
        plays=int(item.get("plays", 0)),
        seconds=int(item.get("seconds", 0)),
        songs=entries("song"),
        artists=entries("artist"),
        albums=entries("album"),
    )


def days(user_id: str, first_day: str, last_day: str) -> dict[str, tuple[int, int]]:
    """Seconds and plays per local day from ``first_day`` to ``last_day`` (days without plays
    are left out): one Query."""
    found = table.query_range(
        ("pk", keys.user_partition(user_id)),
        ("sk", keys.listening_day(user_id, first_day)["sk"], keys.listening_day(user_id, last_day)["sk"]),
        limit=400,
    )
    return {
        item["sk"].removeprefix(keys.LISTENING_DAY_PREFIX): (int(item.get("seconds", 0)), int(item.get("plays", 0)))
        for item in found
        if item.get("type") == LISTENING_DAY
    }
