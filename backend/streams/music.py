"""Stream handlers of songs: what a song's, a shared copy's or a ticket's removal leaves behind.

A song removed (deleted by its owner, or a refused one expiring) takes its files (original,
rendition, cover) and their cached URLs. An upload ticket removed without a song (it expired
unconfirmed, or its file was refused) takes the object it may have received. The quota and
the content claim are not touched here: they moved in the transaction that removed the song,
so a replayed record (or a TTL expiry) cannot count twice. Both steps are idempotent.
"""

from __future__ import annotations

from typing import Any

from backend.media import objects, paths, urls
from backend.store import albums, keys, player, table
from backend.store import music as store

Image = dict[str, Any]


def song_removed(old: Image) -> None:
    owner_id, song_id = old["owner_id"], old["song_id"]
    player.remove_all(owner_id, song_id)  # out of the owner's queue
    for key in (old.get("rendition_key"), old.get("cover_key")):
        urls.forget(key)
    objects.delete_prefix(paths.song_prefix(owner_id, song_id))


def library_changed(old: Image, new: Image) -> None:
    """A song (or a shared copy) appeared, changed or went: make its album and artist links in
    its person's library match the song as it is now (so late or repeated records converge)."""
    image = new or old
    person = image.get("shared_with") if image.get("type") == store.SHARED_SONG else image.get("owner_id")
    if not person:
        return
    before, after = albums.membership_of(old) if old else None, albums.membership_of(new) if new else None
    if old and new and before == after:
        return  # a change that moves nothing (a share, a play count…)
    song_id = image["song_id"]
    current_item = table.get(keys.song(person, song_id))
    current = albums.membership_of(current_item) if current_item else None
    if current is not None:
        albums.link(person, song_id, current)
        if current.album_key and before and after and before.cover_key != after.cover_key:
            _cover_edited(person, current.album_key, song_id, current.cover_key)
    for found in (before, after):
        if found is None:
            continue
        if found.album_key and found.album_key != (current.album_key if current else None):
            albums.unlink_album(person, found.album_key, song_id)
            if albums.cover_song(person, found.album_key) == song_id:
                _another_cover(person, found.album_key, song_id)
        if found.artist_key and found.artist_key != (current.artist_key if current else None):
            albums.unlink_artist(person, found.artist_key, song_id)


def _cover_edited(person: str, album_key: str, song_id: str, cover_key: str | None) -> None:
    """A song's cover was edited or removed: the album that shows this song's cover shows the
    new one (or the next song's, when it has none now); an album without a cover takes it. An
    album showing another song's cover keeps it. (``cover_key`` is the song's as it is now, so
    a late or repeated record converges.)"""
    if cover_key:
        albums.follow_cover(person, album_key, song_id, cover_key)
    elif albums.cover_song(person, album_key) == song_id:
        _another_cover(person, album_key, song_id)


def _another_cover(person: str, album_key: str, gone_song_id: str) -> None:
    """The album showed the cover of a song that left it: take the next of its songs with one."""
    candidates, _ = store.page_of(person, "album", album_key, 50, None)
    other = next(
        (song for song in candidates if song.song_id != gone_song_id and song.status == "ready" and song.cover_key),
        None,
    )
    albums.replace_cover(
        person, album_key, gone_song_id, other.cover_key if other else None, other.song_id if other else None
    )


def shared_copy_removed(old: Image) -> None:
    """A partner's copy went: when the couple split (the cascade deleted it), the song is
    private to its owner again; after an unshare or a deletion there is nothing left to do."""
    player.remove_all(old["shared_with"], old["song_id"])  # out of the partner's queue
    store.share_ended(old["owner_id"], old["song_id"], old["shared_with"], old["shared_rel"])


def upload_removed(old: Image) -> None:
    owner_id, song_id = old["owner_id"], old["song_id"]
    if store.get(owner_id, song_id) is None:
        objects.delete_prefix(paths.song_prefix(owner_id, song_id))
