"""A playlist's uploaded cover, changed by its creator: upload a picture, confirm it, or remove it.

The flow is a song cover's (``backend.domain.song_covers``), itself the avatar's: a presigned
POST under a key only the server chooses (under the playlist's own prefix
``private/users/{owner}/playlists/{id}/``, a new key per upload), then a confirm that looks at
what arrived (its size and first bytes must make it a JPEG, PNG or WebP of the declared type;
anything else is deleted and refused). The picture is then made what every cover is
(``media.tags.cover_jpeg``: upright, at most 600 px a side, a JPEG without metadata) under a new
key, and one transaction stores it on the playlist and on the partner's copy while shared,
conditioned on the cover and the sharing as read; the old cover object is deleted after that
write. The change is told as ``playlist_changed`` ``updated``. The playlist's deletion empties
its prefix (stream), an account deletion the person's.

Only the creator changes the cover: the partner it is shared with gets a 403 (as for its name),
anyone else the 404 of a playlist that does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from backend import contracts
from backend.domain import playlists
from backend.domain.errors import Conflict, InvalidImage
from backend.domain.models import Caller
from backend.domain.rules import avatar_key_is_callers, check_avatar_size
from backend.domain.song_covers import make_cover
from backend.media import objects, paths, urls
from backend.settings import get_settings
from backend.store import playlists as store
from backend.store import records

log = logging.getLogger("lumi.music.playlist_covers")


def cover_ticket(caller: Caller, playlist_id: str, content_type: str, size: int) -> objects.PresignedPost:
    """A presigned POST for a new cover picture of the caller's playlist."""
    playlist = playlists.own(caller, playlist_id).playlist
    settings = get_settings()
    check_avatar_size(size, settings.avatar_max_bytes)
    return objects.presigned_post(
        paths.new_playlist_cover_upload_key(playlist.owner_id, playlist.playlist_id),
        content_type,
        settings.avatar_max_bytes,
        settings.upload_url_ttl_seconds,
    )


def confirm_cover(caller: Caller, playlist_id: str, key: str) -> contracts.Playlist:
    """Make the uploaded picture the playlist's cover, once the server has checked it."""
    opened = playlists.own(caller, playlist_id)
    playlist = opened.playlist
    prefix = paths.playlist_cover_upload_prefix(playlist.owner_id, playlist.playlist_id)
    if not avatar_key_is_callers(caller.user_id, key, prefix):
        raise InvalidImage({"key": "That upload does not belong to this playlist."})
    cover_key = paths.playlist_cover_key(playlist.owner_id, playlist.playlist_id, key)
    if playlist.cover_key == cover_key:  # a confirm sent again
        return playlists.view(playlist, caller.user_id)
    changed = make_cover(key, cover_key, lambda: _store(opened, cover_key))
    return playlists.view(changed, caller.user_id)


def remove_cover(caller: Caller, playlist_id: str) -> contracts.Playlist:
    """The playlist shows no uploaded cover any more (the mosaic again); its object is deleted."""
    opened = playlists.own(caller, playlist_id)
    if opened.playlist.cover_key is None:
        return playlists.view(opened.playlist, caller.user_id)
    return playlists.view(_store(opened, None), caller.user_id)


def _store(opened: playlists.Opened, cover_key: str | None) -> store.PlaylistRecord:
    """Write the new cover (and the copy's), conditioned on the playlist as read; then delete the
    old cover object and tell the open screens."""
    seen = opened.playlist
    at = records.now()
    if not store.set_cover(seen, cover_key, at, opened.me.relationship_id):
        raise Conflict("The playlist changed meanwhile. Please try again.", code="conflict")
    if seen.cover_key and seen.cover_key != cover_key:
        _delete_quietly(seen.cover_key)
    changed = replace(seen, cover_key=cover_key, updated_at=at)
    playlists.publish(changed, "updated", opened.me.user_id)
    return changed


def _delete_quietly(key: str) -> None:
    try:
        objects.delete(key)
        urls.forget(key)
    except Exception:  # a leftover old cover must not fail the new one (the playlist's deletion takes it)
        log.exception("could not delete the previous playlist cover %s", key)
