"""Stream handlers of playlists: what a playlist's, a partner's copy's or a song's removal leaves
behind. Every step deletes only what is still there (entries under ``attribute_exists``, with
``entry_count`` moved in the same transaction), so a replayed record finds nothing to do.
"""

from __future__ import annotations

from typing import Any

from backend.domain import playlists as rules
from backend.media import objects, paths, urls
from backend.store import keys, relationships, table
from backend.store import playlists as store

Image = dict[str, Any]


def playlist_removed(old: Image) -> None:
    """A playlist went (deleted by its creator, or with their account): its entries, the
    partner's copy and its stored objects (uploaded covers) go too."""
    playlist_id = old["playlist_id"]
    table.batch_delete(store.entry_keys(playlist_id))
    objects.delete_prefix(paths.playlist_prefix(old["owner_id"], playlist_id))
    urls.forget(old.get("cover_key"))
    if old.get("shared_with"):
        table.delete(keys.playlist(old["shared_with"], playlist_id), "owner_id = :owner", {":owner": old["owner_id"]})


def copy_removed(old: Image) -> None:
    """The partner's copy went. After an unshare or a deletion there is nothing left to do; when
    the couple split (the cascade deleted the copy), the playlist is personal again and keeps
    only what its creator can still play."""
    owner_id, playlist_id, rel = old["owner_id"], old["playlist_id"], old["shared_rel"]
    store.share_ended(owner_id, playlist_id, old["shared_with"], rel)
    if relationships.get_relationship(rel) is None:
        rules.keep_what_the_creator_can_play(owner_id, playlist_id)


def song_removed(old: Image) -> None:
    """A song was deleted: its entries leave every playlist (and are counted off it)."""
    for entry in store.entries_of_song(old["song_id"]):
        store.remove(str(entry["playlist_owner_id"]), str(entry["playlist_id"]), str(entry["entry_id"]), None, None)
