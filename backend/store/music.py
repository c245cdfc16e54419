"""A person's songs, their upload tickets and their storage counter in the single table.

A ``SongUpload`` is the server's memory of a ticket it handed out; confirming consumes it in
the transaction that puts the ``Song`` (status "processing") and adds the original's size to
the owner's ``MusicUsage`` under the quota's condition, so an upload becomes at most one song
and the counter always equals the sum of the person's originals.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from backend.domain.errors import Conflict, NotFound
from backend.store import albums, keys, player, plays, records, table
from backend.store.table import Item, TransactionFailed

SONG = "Song"
SONG_UPLOAD = "SongUpload"
MUSIC_USAGE = "MusicUsage"
SONG_HASH = "SongHash"
# The partner's listing copy of a song shared with them (the truth stays on the original).
SHARED_SONG = "SharedSong"

QUOTA_EXCEEDED = "quota_exceeded"


@dataclass(frozen=True)
class SongUpload:
    owner_id: str
    song_id: str
    content_type: str
    size: int
    created_at: datetime
    expires_at: int
    file_name: str | None = None


@dataclass(frozen=True)
class SongRecord:
    owner_id: str
    song_id: str
    status: str  # "processing" | "ready" | "refused"
    title: str
    content_type: str
    size: int
    created_at: datetime
    visibility: str = "private"
    file_name: str | None = None
    refused_reason: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    genre: str | None = None
    duration_seconds: float | None = None
    loudness_lufs: float | None = None
    rendition_key: str | None = None
    cover_key: str | None = None
    updated_at: datetime | None = None
    peaks: bytes | None = None  # the waveform: PEAK_COUNT values of 0-255
    content_hash: str | None = None  # SHA-256 of the original, once checked
    expires_at: int | None = None  # a refused song goes after a while
    shared_rel: str | None = None  # visibility "partner": the relationship it was shared in
    shared_with: str | None = None  # … and the partner it was shared with
    is_copy: bool = False  # read from the partner's listing copy, not the original
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Usage:
    bytes_used: int = 0
    song_count: int = 0


def new_song_id(now: float | None = None) -> str:
    """An id that sorts by time: "date added" is the base table's order."""
    return records.time_ordered_id(datetime.fromtimestamp(now, UTC) if now is not None else None)[0]


def _number(value: float | None) -> Decimal | None:
    return Decimal(str(round(float(value), 3))) if value is not None else None


# ---------------------------------------------------------------- upload tickets


def upload_item(upload: SongUpload) -> Item:
    return {
        **keys.song_upload(upload.owner_id, upload.song_id),
        "type": SONG_UPLOAD,
        "owner_id": upload.owner_id,
        "song_id": upload.song_id,
        "content_type": upload.content_type,
        "size": upload.size,
        "file_name": upload.file_name,
        "created_at": records.stored_time(upload.created_at),
        "expires_at": upload.expires_at,
    }


def upload_from(item: Item) -> SongUpload:
    return SongUpload(
        owner_id=item["owner_id"],
        song_id=item["song_id"],
        content_type=item["content_type"],
        size=int(item["size"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        expires_at=int(item["expires_at"]),
        file_name=item.get("file_name"),
    )


def put_upload(upload: SongUpload) -> None:
    table.transact([table.tx_put(upload_item(upload), "attribute_not_exists(pk)")])


def get_upload(owner_id: str, song_id: str) -> SongUpload | None:
    """A ticket still usable: there, and not past its expiry (TTL deletion lags behind)."""
    item = table.get(keys.song_upload(owner_id, song_id))
    if item is None or int(item.get("expires_at", 0)) <= int(time.time()):
        return None
    return upload_from(item)


def delete_upload(owner_id: str, song_id: str) -> bool:
    return table.delete(keys.song_upload(owner_id, song_id), "attribute_exists(pk)")


# ---------------------------------------------------------------- songs


def song_item(song: SongRecord) -> Item:
    item: Item = {
        **keys.song(song.owner_id, song.song_id),
        "type": SONG,
        "owner_id": song.owner_id,
        "song_id": song.song_id,
        "status": song.status,
        "visibility": song.visibility,
        "title": song.title,
        "file_name": song.file_name,
        "refused_reason": song.refused_reason,
        "artist": song.artist,
        "album": song.album,
        "album_artist": song.album_artist,
        "track_number": song.track_number,
        "disc_number": song.disc_number,
        "year": song.year,
        "genre": song.genre,
        "duration_seconds": _number(song.duration_seconds),
        "loudness_lufs": _number(song.loudness_lufs),
        "content_type": song.content_type,
        "size": song.size,
        "rendition_key": song.rendition_key,
        "cover_key": song.cover_key,
        "created_at": records.stored_time(song.created_at),
        "updated_at": records.stored_time(song.updated_at) if song.updated_at else None,
        "peaks": song.peaks,
        "content_hash": song.content_hash,
        "expires_at": song.expires_at,
        "shared_rel": song.shared_rel,
        "shared_with": song.shared_with,
    }
    if song.status != "refused":
        item.update(
            keys.song_index_keys(
                song.owner_id,
                song.song_id,
                song.title,
                song.artist,
                song.album,
                song.disc_number,
                song.track_number,
                song.album_artist,
            )
        )
    return item


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def song_from(item: Item) -> SongRecord:
    updated = item.get("updated_at")
    return SongRecord(
        owner_id=item["owner_id"],
        song_id=item["song_id"],
        status=str(item.get("status") or "processing"),
        title=str(item.get("title") or ""),
        content_type=item["content_type"],
        size=int(item["size"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        visibility=str(item.get("visibility") or "private"),
        file_name=item.get("file_name"),
        refused_reason=item.get("refused_reason"),
        artist=item.get("artist"),
        album=item.get("album"),
        album_artist=item.get("album_artist"),
        track_number=_int(item.get("track_number")),
        disc_number=_int(item.get("disc_number")),
        year=_int(item.get("year")),
        genre=item.get("genre"),
        duration_seconds=_float(item.get("duration_seconds")),
        loudness_lufs=_float(item.get("loudness_lufs")),
        rendition_key=item.get("rendition_key"),
        cover_key=item.get("cover_key"),
        updated_at=datetime.fromisoformat(updated) if updated else None,
        peaks=_bytes(item.get("peaks")),
        content_hash=item.get("content_hash"),
        expires_at=_int(item.get("expires_at")),
        shared_rel=item.get("shared_rel"),
        shared_with=item.get("shared_with"),
        is_copy=item.get("type") == SHARED_SONG,
    )


def _bytes(value: Any) -> bytes | None:
    """A Binary attribute (boto3 hands back a ``Binary``) as bytes."""
    if value is None:
        return None
    return bytes(getattr(value, "value", value))


def get(owner_id: str, song_id: str) -> SongRecord | None:
    item = table.get(keys.song(owner_id, song_id))
    return song_from(item) if item and item.get("type") == SONG else None


def create(song: SongRecord, quota_bytes: int) -> None:
    """Consume the owner's upload ticket, put the song and count its bytes, all or nothing.

    Raises ``Conflict(quota_exceeded)`` when the song does not fit in the owner's quota,
    ``Conflict(song_exists)`` when it was made before, ``NotFound`` when the ticket is gone."""
    owner, song_id = song.owner_id, song.song_id
    room = quota_bytes - song.size
    if room < 0:
        raise Conflict("This song is larger than your whole music storage.", code=QUOTA_EXCEEDED)
    try:
        table.transact(
            [
                table.tx_delete(
                    keys.song_upload(owner, song_id),
                    "attribute_exists(pk) AND expires_at > :now",
                    {":now": int(time.time())},
                ),
                table.tx_put(song_item(song), "attribute_not_exists(pk)"),
                table.tx_update(
                    keys.music_usage(owner),
                    "SET #type = :type, owner_id = :owner ADD bytes_used :size, song_count :one",
                    "attribute_not_exists(bytes_used) OR bytes_used <= :room",
                    {":type": MUSIC_USAGE, ":owner": owner, ":size": song.size, ":one": 1, ":room": room},
                    {"#type": "type"},
                ),
                table.tx_check(keys.profile(owner), "attribute_exists(pk)"),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(2):
            raise Conflict("This song does not fit in your music storage.", code=QUOTA_EXCEEDED) from failure
        if failure.failed(1):
            raise Conflict("That song has already been made.", code="song_exists") from failure
        raise NotFound("We could not find that upload. Please upload the song again.") from failure


def usage(owner_id: str) -> Usage:
    item = table.get(keys.music_usage(owner_id))
    if item is None:
        return Usage()
    return Usage(bytes_used=max(0, int(item.get("bytes_used", 0))), song_count=max(0, int(item.get("song_count", 0))))


# ---------------------------------------------------------------- the music job's decision


def hash_claim(owner_id: str, sha256: str) -> str | None:
    """The song that holds this content for this person, if one does."""
    item = table.get(keys.song_hash(owner_id, sha256))
    return str(item["song_id"]) if item else None


def release_hash(owner_id: str, sha256: str, song_id: str) -> bool:
    """Drop a claim whose song is gone (only if it is still that song's)."""
    return table.delete(keys.song_hash(owner_id, sha256), "song_id = :id", {":id": song_id})


def set_ready(song: SongRecord) -> str:
    """Store the job's result (``song`` is the ready song with its hash) and claim its content,
    only while it is processing: "ready", "not processing" (done before, or deleted), or
    "duplicate" (the person already has a song of this content)."""
    assert song.status == "ready" and song.content_hash
    try:
        table.transact(
            [
                table.tx_put(
                    song_item(song),
                    "attribute_exists(pk) AND #status = :processing",
                    {":processing": "processing"},
                    {"#status": "status"},
                ),
                table.tx_put(
                    {
                        **keys.song_hash(song.owner_id, song.content_hash),
                        "type": SONG_HASH,
                        "owner_id": song.owner_id,
                        "song_id": song.song_id,
                    },
                    "attribute_not_exists(pk) OR song_id = :id",
                    {":id": song.song_id},
                ),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(0):
            return "not processing"
        return "duplicate"
    return "ready"


def set_refused(song: SongRecord) -> bool:
    """Store why a processing song was refused and give its bytes back to the quota, together;
    False when it is not processing (done before, or deleted)."""
    assert song.status == "refused"
    try:
        table.transact(
            [
                table.tx_put(
                    song_item(song),
                    "attribute_exists(pk) AND #status = :processing",
                    {":processing": "processing"},
                    {"#status": "status"},
                ),
                table.tx_update(
                    keys.music_usage(song.owner_id),
                    "ADD bytes_used :minus, song_count :minus_one",
                    "attribute_exists(pk)",
                    {":minus": -song.size, ":minus_one": -1},
                ),
            ]
        )
    except TransactionFailed:
        return False
    return True


# ---------------------------------------------------------------- the library


def page(
    owner_id: str, sort: str, limit: int, next_token: str | None, which: str = "all", text: str | None = None
) -> tuple[list[SongRecord], str | None]:
    """One page of a person's library: newest first ("added"), by title, by artist (then album,
    disc, track) or by album (then its artist, disc, track); ``which="mine"`` keeps only their
    own songs (only those shared with them: :func:`shared_page`), and ``text`` (folded, see
    ``keys.fold_text``) only those whose title, artist, album or album artist contain it, as
    filters (a page may be short, even empty, with a ``next``).
    ``query_page`` refuses tokens of other listings."""
    conditions: list[str] = []
    values: dict[str, Any] = {}
    if which == "mine":
        conditions.append("owner_id = :me")
        values[":me"] = owner_id
    if text:
        expression, text_values = keys.song_text_filter(text)
        conditions.append(expression)
        values.update(text_values)
    filters: dict[str, Any] = (
        {"filter_expression": " AND ".join(conditions), "filter_values": values} if conditions else {}
    )
    if sort == "title":
        result = table.query_page(
            ("gsi1pk", keys.song_title_partition(owner_id)),
            index=keys.SONG_TITLE_INDEX,
            limit=limit,
            next_token=next_token,
            **filters,
        )
    elif sort == "artist":
        result = table.query_page(
            ("gsi3pk", keys.song_artist_partition(owner_id)),
            index=keys.SONG_ARTIST_INDEX,
            limit=limit,
            next_token=next_token,
            **filters,
        )
    elif sort == "album":
        result = table.query_page(
            ("gsi4pk", keys.song_album_partition(owner_id)),
            index=keys.SONG_ALBUM_INDEX,
            limit=limit,
            next_token=next_token,
            **filters,
        )
    else:
        result = table.query_page(
            ("pk", keys.user_partition(owner_id)),
            ("sk", keys.SONG_PREFIX),
            limit=limit,
            next_token=next_token,
            forward=False,
            **filters,
        )
    listed = [song_from(item) for item in result.items if item.get("type") in (SONG, SHARED_SONG)]
    if text:  # the keys also hold the id, disc and track: a hex text must not match those
        listed = [
            song
            for song in listed
            if keys.song_text_matches(text, song.title, song.artist, song.album, song.album_artist)
        ]
    return listed, result.next_token


def shared_page(
    recipient_id: str, relationship_id: str, limit: int, next_token: str | None, text: str | None = None
) -> tuple[list[SongRecord], str | None]:
    """One page of the songs shared with ``recipient_id`` in their couple, newest first: one Query
    over just those copies (the couple's tenant index, ``SHAREDSONG#{recipient}#``), never over
    the person's own songs. ``text`` (folded) keeps those containing it, as a filter (a page may
    be short). Copies of an earlier couple live under its tenant key: never read here."""
    filters: dict[str, Any] = {}
    if text:
        expression, values = keys.song_text_filter(text)
        filters = {"filter_expression": expression, "filter_values": values}
    result = table.query_page(
        ("gsi2pk", keys.tenant(relationship_id)),
        ("gsi2sk", keys.shared_songs_prefix(recipient_id)),
        index=keys.TENANT_INDEX,
        limit=limit,
        next_token=next_token,
        forward=False,
        **filters,
    )
    listed = [song_from(item) for item in result.items if item.get("type") == SHARED_SONG]
    if text:
        listed = [
            song
            for song in listed
            if keys.song_text_matches(text, song.title, song.artist, song.album, song.album_artist)
        ]
    return listed, result.next_token


def page_of(
    owner_id: str, sort: str, prefix: str, limit: int, next_token: str | None
) -> tuple[list[SongRecord], str | None]:
    """One page of an album's songs (``sort="album"``: its disc and track order) or an artist's
    (``sort="artist"``: album, disc, track), in a person's library; ``prefix`` is its key."""
    if sort == "album":
        partition, index = ("gsi4pk", keys.song_album_partition(owner_id)), keys.SONG_ALBUM_INDEX
    else:
        partition, index = ("gsi3pk", keys.song_artist_partition(owner_id)), keys.SONG_ARTIST_INDEX
    result = table.query_page(partition, (f"{index}sk", f"{prefix}#"), index=index, limit=limit, next_token=next_token)
    listed = [song_from(item) for item in result.items if item.get("type") in (SONG, SHARED_SONG)]
    return listed, result.next_token


# ---------------------------------------------------------------- deleting


MUSIC_TYPES = (
    frozenset({SONG, SONG_UPLOAD, SONG_HASH, MUSIC_USAGE, SHARED_SONG}) | albums.TYPES | player.TYPES | plays.TYPES
)


def delete(song: SongRecord) -> bool:
    """Delete a song as it was read, with its content claim, giving its bytes back to the quota
    (a refused song gave them back already), all or nothing; False when it changed meanwhile
    (its job finished, or it is gone): read it again."""
    operations = [
        table.tx_delete(
            keys.song(song.owner_id, song.song_id),
            "attribute_exists(pk) AND #status = :status",
            {":status": song.status},
            {"#status": "status"},
        )
    ]
    if song.status != "refused":
        operations.append(
            table.tx_update(
                keys.music_usage(song.owner_id),
                "ADD bytes_used :minus, song_count :minus_one",
                "attribute_exists(pk)",
                {":minus": -song.size, ":minus_one": -1},
            )
        )
    if song.visibility == "partner" and song.shared_with:
        operations.append(table.tx_delete(keys.song(song.shared_with, song.song_id)))
    if song.content_hash and song.status == "ready":
        operations.append(
            table.tx_delete(
                keys.song_hash(song.owner_id, song.content_hash),
                "attribute_not_exists(pk) OR song_id = :id",
                {":id": song.song_id},
            )
        )
    try:
        table.transact(operations)
    except TransactionFailed:
        return False
    return True


def forget_person(owner_id: str) -> int:
    """Delete a deleted account's songs, tickets, content claims and counter (their files go with
    the person's prefix)."""
    doomed = [
        keys.key_of(item)
        for item in table.query_all(("pk", keys.user_partition(owner_id)))
        if item.get("type") in MUSIC_TYPES
    ]
    return table.batch_delete(doomed)


# ---------------------------------------------------------------- sharing with the partner


def shared_copy_item(song: SongRecord, partner_id: str, relationship_id: str) -> Item:
    """What the partner's library lists of a song shared with them: the song's own fields under
    the partner's keys and sort indexes, with the tenant key (a split deletes it)."""
    item = song_item(song)
    for private in ("peaks", "content_hash", "file_name", "expires_at"):
        item.pop(private, None)
    item.update(keys.song(partner_id, song.song_id))
    item.update(
        keys.song_index_keys(
            partner_id,
            song.song_id,
            song.title,
            song.artist,
            song.album,
            song.disc_number,
            song.track_number,
            song.album_artist,
        )
    )
    item.update(keys.shared_song_tenant_key(relationship_id, partner_id, song.song_id))
    item.update({"type": SHARED_SONG, "shared_rel": relationship_id, "shared_with": partner_id})
    return item


def update_details(seen: SongRecord, changed: SongRecord, partner_rel: str | None) -> bool:
    """Store a ready song's new details (``changed``) if it is still as it was read (``seen``),
    with its sort keys, and the partner's copy when it is shared in ``partner_rel`` (the couple
    the owner is in now), together; False when it changed meanwhile."""
    operations = [
        table.tx_put(
            song_item(changed),
            "attribute_exists(pk) AND #status = :ready AND updated_at = :seen",
            {":ready": "ready", ":seen": records.stored_time(seen.updated_at or seen.created_at)},
            {"#status": "status"},
        )
    ]
    if changed.visibility == "partner" and changed.shared_with and changed.shared_rel == partner_rel:
        operations.append(
            table.tx_put(shared_copy_item(changed, changed.shared_with, partner_rel), "attribute_exists(pk)")
        )
    try:
        table.transact(operations)
    except TransactionFailed:
        return False
    return True


def get_listed(user_id: str, song_id: str) -> SongRecord | None:
    """What a person's library holds under this id: their own song, or a copy shared with them."""
    item = table.get(keys.song(user_id, song_id))
    return song_from(item) if item and item.get("type") in (SONG, SHARED_SONG) else None


def share(song: SongRecord, partner_id: str, relationship_id: str, at: datetime) -> None:
    """Share a ready private song with the partner: the original says so and the partner's copy
    appears, together, while both are still in this relationship. Raises ``Conflict``."""
    shared = dataclasses.replace(
        song, visibility="partner", shared_rel=relationship_id, shared_with=partner_id, updated_at=at
    )
    try:
        table.transact(
            [
                table.tx_update(
                    keys.song(song.owner_id, song.song_id),
                    "SET visibility = :partner, shared_rel = :rel, shared_with = :with, updated_at = :at",
                    "attribute_exists(pk) AND #status = :ready AND visibility = :private",
                    {
                        ":partner": "partner",
                        ":rel": relationship_id,
                        ":with": partner_id,
                        ":at": records.stored_time(at),
                        ":ready": "ready",
                        ":private": "private",
                    },
                    {"#status": "status"},
                ),
                table.tx_put(shared_copy_item(shared, partner_id, relationship_id), "attribute_not_exists(pk)"),
                table.tx_check(keys.relationship(relationship_id), "attribute_exists(pk)"),
                table.tx_check(keys.profile(song.owner_id), "relationship_id = :rel", {":rel": relationship_id}),
                table.tx_check(keys.profile(partner_id), "relationship_id = :rel", {":rel": relationship_id}),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(2) or failure.failed(3) or failure.failed(4):
            raise Conflict("You need a partner to share songs.", code="not_paired") from failure
        raise Conflict("The song changed meanwhile. Please try again.", code="conflict") from failure


def unshare(song: SongRecord, at: datetime) -> bool:
    """Make a shared song private again and take the partner's copy away, together; False when
    it was not shared as read (changed meanwhile)."""
    operations = [
        table.tx_update(
            keys.song(song.owner_id, song.song_id),
            "SET visibility = :private, updated_at = :at REMOVE shared_rel, shared_with",
            "attribute_exists(pk) AND visibility = :partner AND shared_rel = :rel",
            {":private": "private", ":at": records.stored_time(at), ":partner": "partner", ":rel": song.shared_rel},
        )
    ]
    if song.shared_with:
        operations.append(table.tx_delete(keys.song(song.shared_with, song.song_id)))
    try:
        table.transact(operations)
    except TransactionFailed:
        return False
    return True


def share_ended(owner_id: str, song_id: str, partner_id: str, relationship_id: str) -> bool:
    """The partner's copy went (a split, an unshare, a deletion): the original is private again,
    if it is still shared in that relationship and no copy is back (a replayed record, a share
    made again since, or a share in a later couple is left alone)."""
    try:
        table.transact(
            [
                table.tx_update(
                    keys.song(owner_id, song_id),
                    "SET visibility = :private REMOVE shared_rel, shared_with",
                    "attribute_exists(pk) AND shared_rel = :rel",
                    {":private": "private", ":rel": relationship_id},
                ),
                table.tx_check(keys.song(partner_id, song_id), "attribute_not_exists(pk)"),
            ]
        )
    except TransactionFailed:
        return False
    return True
