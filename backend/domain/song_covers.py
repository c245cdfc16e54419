"""A song's cover, changed by its owner: upload a picture, confirm it, or remove the cover.

The flow is the avatar's (``backend.domain.profiles``), with its rules and limits: a presigned
POST under a key only the server chooses (here under the song's own prefix, a new key per
upload), then a confirm that looks at what arrived (its size and first bytes must make it a
JPEG, PNG or WebP of the declared type; anything else is deleted and refused). The picture is
then made what every cover is (``media.tags.cover_jpeg``: upright, at most 600 px a side, a
JPEG without metadata, so no GPS or camera data reaches the partner) under a new key, and one
conditional write stores it on the song and on the partner's copy when the song is shared;
the old cover object is deleted after that write. The album shows it through the stream
(``streams.music.library_changed``): an album follows the cover of the song it took its cover
from, and takes the first cover any of its songs gets.

Only the owner changes a cover, and only of a ready song: anyone else gets the 404 a missing
song gets, the partner a song is shared with a 403 (as for the song's other details).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TypeVar

from backend import contracts
from backend.domain import music
from backend.domain.errors import Conflict, Forbidden, InvalidImage
from backend.domain.models import Caller
from backend.domain.rules import SNIFF_BYTES, avatar_key_is_callers, check_avatar_size, check_uploaded_avatar
from backend.media import objects, paths, tags, urls
from backend.settings import get_settings
from backend.store import music as store
from backend.store import records, users
from backend.store.music import SongRecord

log = logging.getLogger("lumi.music.covers")


def _own_ready_song(caller: Caller, song_id: str) -> SongRecord:
    song = store.get(caller.user_id, song_id)
    if song is None:
        music.readable(caller, song_id)  # a 404, unless it is the partner's song shared with the caller
        raise Forbidden("Only the person who uploaded this song can change its cover.")
    if song.status != "ready":
        raise Conflict("A song's cover can be changed once it is ready to play.", code="song_not_ready")
    return song


def cover_ticket(caller: Caller, song_id: str, content_type: str, size: int) -> objects.PresignedPost:
    """A presigned POST for a new cover picture of the caller's ready song."""
    song = _own_ready_song(caller, song_id)
    settings = get_settings()
    check_avatar_size(size, settings.avatar_max_bytes)
    return objects.presigned_post(
        paths.new_song_cover_upload_key(song.owner_id, song.song_id),
        content_type,
        settings.avatar_max_bytes,
        settings.upload_url_ttl_seconds,
    )


def confirm_cover(caller: Caller, song_id: str, key: str) -> contracts.Song:
    """Make the uploaded picture the song's cover, once the server has checked it."""
    song = _own_ready_song(caller, song_id)
    if not avatar_key_is_callers(caller.user_id, key, paths.song_cover_upload_prefix(song.owner_id, song.song_id)):
        raise InvalidImage({"key": "That upload does not belong to this song."})
    cover_key = paths.song_edited_cover_key(song.owner_id, song.song_id, key)
    if song.cover_key == cover_key:  # a confirm sent again
        return music.view(song, caller.user_id)
    changed = make_cover(key, cover_key, lambda: _store(caller, song, cover_key))
    return music.view(changed, caller.user_id)


Kept = TypeVar("Kept")


def make_cover(key: str, cover_key: str, keep: Callable[[], Kept]) -> Kept:
    """Check the uploaded picture at ``key`` (refused and deleted unless it is a JPEG, PNG or WebP
    of its declared type and size), write it as a cover JPEG at ``cover_key``, and ``keep()`` it
    (the record's conditioned write): the upload goes once kept, the new cover if ``keep`` meets a
    conflict. A song's cover and a playlist's go this way."""
    settings = get_settings()
    info = objects.inspect(key, SNIFF_BYTES)
    if info is None:
        raise InvalidImage({"key": "We could not find the uploaded picture. Please upload it again."})
    try:
        check_uploaded_avatar(info, info.content_type, settings.avatar_max_bytes)
        jpeg = tags.cover_jpeg(objects.read_bytes(key, settings.avatar_max_bytes))
        if jpeg is None:
            raise InvalidImage({"key": "We could not read that picture. Please try another one."})
    except InvalidImage:
        objects.delete(key)
        raise
    objects.put_bytes(cover_key, jpeg, "image/jpeg")
    try:
        kept = keep()
    except Conflict:
        objects.delete(cover_key)
        raise
    objects.delete(key)  # made into the cover: the unchecked original goes
    return kept


def remove_cover(caller: Caller, song_id: str) -> contracts.Song:
    """The song shows no cover any more (its cover object is deleted)."""
    song = _own_ready_song(caller, song_id)
    if song.cover_key is None:
        return music.view(song, caller.user_id)
    return music.view(_store(caller, song, None), caller.user_id)


def _store(caller: Caller, song: SongRecord, cover_key: str | None) -> SongRecord:
    """Put the song with its new cover (and the partner's copy, when shared), conditioned on the
    song as read; then delete the old cover and tell both people's screens."""
    me = users.require(caller.user_id)
    changed = dataclasses.replace(song, cover_key=cover_key, updated_at=records.now())
    if not store.update_details(song, changed, me.relationship_id):
        raise Conflict("The song changed meanwhile. Please try again.", code="conflict")
    if song.cover_key and song.cover_key != cover_key:
        _delete_quietly(song.cover_key)
    music.publish(caller.user_id, song.song_id, "updated")
    if changed.visibility == "partner" and changed.shared_with and changed.shared_rel == me.relationship_id:
        music.publish(changed.shared_with, song.song_id, "updated")
    return changed


def _delete_quietly(key: str) -> None:
    try:
        objects.delete(key)
        urls.forget(key)
    except Exception:  # a leftover old cover must not fail the new one (the song's deletion takes it)
        log.exception("could not delete the previous cover %s", key)
