"""Searching my music library as I type: songs, albums, artists and playlists of mine and those my
partner shares with me, typos and accents forgiven, best match first (the index: ``backend.search``;
the design: docs/music-stats.md).

The index answers with ids of the caller's own documents only (every document names its
person); the songs, albums, artists and playlists themselves are then read from the caller's partition
(one BatchGet), so something deleted, unshared or no longer ready a moment ago (its index
entry not yet gone) is left out, and a copy from a couple that split is not shown.
"""

from __future__ import annotations

from backend import contracts
from backend.domain import music, playlists
from backend.domain.models import Caller, UserProfile
from backend.media import urls
from backend.search import get_music_index
from backend.store import albums, keys, table, users
from backend.store import music as store
from backend.store import playlists as playlist_store
from backend.store.playlists import Access, PlaylistRecord

LIMIT_DEFAULT = contracts.MUSIC_SEARCH_LIMIT_DEFAULT


def search(caller: Caller, text: str, limit: int | None) -> contracts.MusicSearchResults:
    me = users.require(caller.user_id)
    size = min(max(1, limit or LIMIT_DEFAULT), contracts.MUSIC_SEARCH_LIMIT_MAX)
    hits = get_music_index().search_music(me.user_id, text, size)
    song_ids = [hit.item_id for hit in hits if hit.kind == "song"]
    album_keys = [hit.item_id for hit in hits if hit.kind == "album"]
    artist_keys = [hit.item_id for hit in hits if hit.kind == "artist"]
    playlist_ids = [hit.item_id for hit in hits if hit.kind == "playlist"]
    wanted = [
        *(keys.song(me.user_id, song_id) for song_id in song_ids),
        *(keys.album(me.user_id, key) for key in album_keys),
        *(keys.artist(me.user_id, key) for key in artist_keys),
        *(keys.playlist(me.user_id, playlist_id) for playlist_id in playlist_ids),
    ]
    found = {item["sk"]: item for item in table.batch_get(wanted)} if wanted else {}

    songs = [
        store.song_from(item)
        for song_id in song_ids
        if (item := found.get(keys.song(me.user_id, song_id)["sk"]))
        and item.get("type") in (store.SONG, store.SHARED_SONG)
        and item.get("status") == "ready"
    ]
    album_items = [
        item
        for key in album_keys
        if (item := found.get(keys.album(me.user_id, key)["sk"])) and int(item.get("song_count") or 0) > 0
    ]
    artist_items = [
        item
        for key in artist_keys
        if (item := found.get(keys.artist(me.user_id, key)["sk"])) and int(item.get("song_count") or 0) > 0
    ]
    listed = [
        playlist_store.playlist_from(item)
        for playlist_id in playlist_ids
        if (item := found.get(keys.playlist(me.user_id, playlist_id)["sk"]))
        and item.get("type") in playlist_store.TYPES
    ]
    covers = urls.signed_urls([item["cover_key"] for item in album_items if item.get("cover_key")])
    return contracts.MusicSearchResults(
        songs=music.views(music.visible_songs(me, songs), me.user_id),
        albums=[
            contracts.Album(
                album_id=music.encode_library_id(item["sk"].removeprefix(keys.ALBUM_PREFIX)),
                name=str(item.get("name") or ""),
                artist=item.get("artist") or None,
                year=int(item["year"]) if item.get("year") is not None else None,
                song_count=int(item.get("song_count") or 0),
                cover_url=covers.get(item["cover_key"]) if item.get("cover_key") else None,
            )
            for item in album_items
            if item.get("type") == albums.ALBUM
        ],
        artists=[
            contracts.Artist(
                artist_id=music.encode_library_id(item["sk"].removeprefix(keys.ARTIST_PREFIX)),
                name=str(item.get("name") or ""),
                song_count=int(item.get("song_count") or 0),
            )
            for item in artist_items
            if item.get("type") == albums.ARTIST
        ],
        playlists=_playlists(me, listed),
    )


def _playlists(me: UserProfile, listed: list[PlaylistRecord]) -> list[contracts.Playlist]:
    """The playlists found, as my list shows them: mine, and my partner's shared with me now
    (a copy is checked on its original, read in one more BatchGet only when a copy was found)."""
    copies = [playlist for playlist in listed if playlist.is_copy]
    originals = playlist_store.originals(copies) if copies else {}
    partner = Access(me.user_id, me.relationship_id)
    shown = []
    for playlist in listed:
        if not playlist.is_copy:
            shown.append(playlists.view(playlist, me.user_id))
        elif me.relationship_id and (original := originals.get(playlist.playlist_id)) and partner.allows(original):
            shown.append(playlists.view(original, me.user_id))
    return shown
