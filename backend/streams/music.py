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
from backend.store import music as store

Image = dict[str, Any]


def song_removed(old: Image) -> None:
    owner_id, song_id = old["owner_id"], old["song_id"]
    for key in (old.get("rendition_key"), old.get("cover_key")):
        urls.forget(key)
    objects.delete_prefix(paths.song_prefix(owner_id, song_id))


def shared_copy_removed(old: Image) -> None:
    """A partner's copy went: when the couple split (the cascade deleted it), the song is
    private to its owner again; after an unshare or a deletion there is nothing left to do."""
    store.share_ended(old["owner_id"], old["song_id"], old["shared_with"], old["shared_rel"])


def upload_removed(old: Image) -> None:
    owner_id, song_id = old["owner_id"], old["song_id"]
    if store.get(owner_id, song_id) is None:
        objects.delete_prefix(paths.song_prefix(owner_id, song_id))
