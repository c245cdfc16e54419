"""Albums and artists: per-person summaries of their library, kept by the stream.

A person's library holds their own ready songs and those their partner shares with them (the
``SharedSong`` copies). Each song counts once in its album and once in its artist, through a
link item put with the count (``ADD 1``) under ``attribute_not_exists`` and deleted with it
(``ADD -1``) under ``attribute_exists``: a replayed or late stream record cannot count twice.
Summaries stay at zero (lists skip them), so a link never races a deletion of its summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.store import keys, table
from backend.store.table import Item, TransactionFailed

ALBUM = "Album"
ARTIST = "Artist"
ALBUM_SONG = "AlbumSong"
ARTIST_SONG = "ArtistSong"
TYPES = frozenset({ALBUM, ARTIST, ALBUM_SONG, ARTIST_SONG})


@dataclass(frozen=True)
class Membership:
    """Where one song of a person's library counts: its album and its artist (either may be None)."""

    album_key: str | None
    artist_key: str | None
    album: str | None = None
    album_artist: str | None = None
    artist: str | None = None
    year: int | None = None
    cover_key: str | None = None


@dataclass(frozen=True)
class AlbumSummary:
    album_key: str
    name: str
    artist: str | None
    song_count: int
    year: int | None = None
    cover_key: str | None = None


@dataclass(frozen=True)
class ArtistSummary:
    artist_key: str
    name: str
    song_count: int


def membership_of(song: Item) -> Membership | None:
    """Where a stored song (or shared copy) counts; None unless it is ready."""
    if song.get("status") != "ready":
        return None
    artist = song.get("artist")
    return Membership(
        album_key=keys.album_key_of(song.get("album"), song.get("album_artist"), artist),
        artist_key=keys.artist_key_of(artist),
        album=song.get("album"),
        album_artist=song.get("album_artist") or artist,
        artist=artist,
        year=int(song["year"]) if song.get("year") is not None else None,
        cover_key=song.get("cover_key"),
    )


def _link(
    link_key: keys.Key, link_type: str, song_id: str, source: keys.Key, summary: keys.Key, update: Update
) -> bool:
    """Put the link and count it, together, while the song is in this library and ready."""
    try:
        table.transact(
            [
                table.tx_put({**link_key, "type": link_type, "song_id": song_id}, "attribute_not_exists(pk)"),
                table.tx_update(summary, update.expression, None, update.values, update.names),
                table.tx_check(
                    source, "attribute_exists(pk) AND #status = :ready", {":ready": "ready"}, {"#status": "status"}
                ),
            ]
        )
    except TransactionFailed:
        return False  # counted before, or the song is gone or no longer ready
    return True


def _unlink(link_key: keys.Key, summary: keys.Key) -> bool:
    """Delete the link and count it down, together; True if it counted down now."""
    try:
        table.transact(
            [
                table.tx_delete(link_key, "attribute_exists(pk)"),
                table.tx_update(summary, "ADD song_count :minus", "attribute_exists(pk)", {":minus": -1}),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(0):
            return False  # not linked (never, or undone before)
        return table.delete(link_key, "attribute_exists(pk)")  # its summary is gone (an account deletion)
    return True


@dataclass(frozen=True)
class Update:
    expression: str
    values: dict[str, Any]
    names: dict[str, str]


def _album_update(found: Membership, song_id: str) -> Update:
    sets = ["#type = :type", "#name = if_not_exists(#name, :name)", "artist = if_not_exists(artist, :artist)"]
    values: dict[str, Any] = {":type": ALBUM, ":name": found.album, ":artist": found.album_artist or "", ":one": 1}
    names = {"#type": "type", "#name": "name"}
    if found.year is not None:
        sets.append("#year = if_not_exists(#year, :year)")
        values[":year"] = found.year
        names["#year"] = "year"
    if found.cover_key:
        sets.append("cover_key = if_not_exists(cover_key, :cover)")
        sets.append("cover_song = if_not_exists(cover_song, :song)")
        values[":cover"] = found.cover_key
        values[":song"] = song_id
    return Update("SET " + ", ".join(sets) + " ADD song_count :one", values, names)


def link(person_id: str, song_id: str, found: Membership) -> None:
    """Count a ready song in its album and its artist (each once)."""
    source = keys.song(person_id, song_id)
    if found.album_key:
        _link(
            keys.album_song(person_id, found.album_key, song_id),
            ALBUM_SONG,
            song_id,
            source,
            keys.album(person_id, found.album_key),
            _album_update(found, song_id),
        )
    if found.artist_key:
        _link(
            keys.artist_song(person_id, found.artist_key, song_id),
            ARTIST_SONG,
            song_id,
            source,
            keys.artist(person_id, found.artist_key),
            Update(
                "SET #type = :type, #name = if_not_exists(#name, :name) ADD song_count :one",
                {":type": ARTIST, ":name": found.artist, ":one": 1},
                {"#type": "type", "#name": "name"},
            ),
        )


def unlink_album(person_id: str, album_key: str, song_id: str) -> bool:
    return _unlink(keys.album_song(person_id, album_key, song_id), keys.album(person_id, album_key))


def cover_song(person_id: str, album_key: str) -> str | None:
    """The song whose cover the album shows, if any."""
    item = table.get(keys.album(person_id, album_key))
    return str(item["cover_song"]) if item and item.get("cover_song") else None


def follow_cover(person_id: str, album_key: str, song_id: str, cover_key: str) -> bool:
    """A song's edited cover: the album shows it if it showed this song's cover or none."""
    item = table.update(
        keys.album(person_id, album_key),
        "SET cover_key = :cover, cover_song = :song",
        {":cover": cover_key, ":song": song_id},
        condition="attribute_exists(pk) AND (attribute_not_exists(cover_song) OR cover_song = :song)",
    )
    return item is not None


def replace_cover(
    person_id: str, album_key: str, gone_song_id: str, cover_key: str | None, song_id: str | None
) -> bool:
    """The album's cover came from a song that left it: show another one's (or none), unless
    the cover changed meanwhile."""
    key = keys.album(person_id, album_key)
    if cover_key and song_id:
        item = table.update(
            key,
            "SET cover_key = :cover, cover_song = :song",
            {":cover": cover_key, ":song": song_id, ":gone": gone_song_id},
            condition="cover_song = :gone",
        )
    else:
        item = table.update(
            key, "REMOVE cover_key, cover_song", {":gone": gone_song_id}, condition="cover_song = :gone"
        )
    return item is not None


def unlink_artist(person_id: str, artist_key: str, song_id: str) -> bool:
    return _unlink(keys.artist_song(person_id, artist_key, song_id), keys.artist(person_id, artist_key))


# ---------------------------------------------------------------- reading


def albums_page(person_id: str, limit: int, next_token: str | None) -> tuple[list[AlbumSummary], str | None]:
    """A person's albums A→Z (those with at least one song; a page may hold fewer than ``limit``)."""
    result = table.query_page(
        ("pk", keys.user_partition(person_id)),
        ("sk", keys.ALBUM_PREFIX),
        filter_expression="song_count > :zero",
        filter_values={":zero": 0},
        limit=limit,
        next_token=next_token,
    )
    found = [
        AlbumSummary(
            album_key=item["sk"].removeprefix(keys.ALBUM_PREFIX),
            name=str(item.get("name") or ""),
            artist=item.get("artist") or None,
            song_count=int(item.get("song_count", 0)),
            year=int(item["year"]) if item.get("year") is not None else None,
            cover_key=item.get("cover_key"),
        )
        for item in result.items
        if item.get("type") == ALBUM
    ]
    return found, result.next_token


def artists_page(person_id: str, limit: int, next_token: str | None) -> tuple[list[ArtistSummary], str | None]:
    """A person's artists A→Z (those with at least one song)."""
    result = table.query_page(
        ("pk", keys.user_partition(person_id)),
        ("sk", keys.ARTIST_PREFIX),
        filter_expression="song_count > :zero",
        filter_values={":zero": 0},
        limit=limit,
        next_token=next_token,
    )
    found = [
        ArtistSummary(
            artist_key=item["sk"].removeprefix(keys.ARTIST_PREFIX),
            name=str(item.get("name") or ""),
            song_count=int(item.get("song_count", 0)),
        )
        for item in result.items
        if item.get("type") == ARTIST
    ]
    return found, result.next_token
