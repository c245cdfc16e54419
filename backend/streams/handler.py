"""The table's stream handler: one Lambda for every item type, dispatching by ``type`` and event.

Powertools batch processing reports failed records by sequence number; the event source
then retries from the first failure (bisect off), so every record handler is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from backend.store import albums as album_store
from backend.store import music as music_store
from backend.store import notifications as notification_store
from backend.store import playlists as playlist_store
from backend.store import plays as play_store
from backend.store import records
from backend.store.table import from_dynamo
from backend.streams import cascades, chat, moments, music, music_search, notifications, playlists, plays, search

Image = dict[str, Any]

# Item types (the ``type`` attribute) of moments, tags and chat.
MOMENT = "Moment"
MOMENT_UPLOAD = "MomentUpload"
TAG = "Tag"
CHAT_MESSAGE = "ChatMessage"


# Indexing first: it is cheap and idempotent, so a slow or failing step after it (queueing the
# media job, the partner's notification) that is retried until the record expires never keeps a moment out of search.
def _moment_changed(old: Image, new: Image) -> None:
    search.moment_indexed(new)
    moments.moment_modified(old, new)


def _moment_inserted(old: Image, new: Image) -> None:
    search.moment_indexed(new)
    moments.moment_inserted(new)


def _moment_removed(old: Image, new: Image) -> None:
    search.moment_unindexed(old)
    moments.moment_removed(old)


# Songs, like moments: indexing first (cheap, idempotent).
def _song_changed(old: Image, new: Image) -> None:
    music_search.song_changed(old, new)
    music.library_changed(old, new)


def _song_removed(old: Image, new: Image) -> None:
    music_search.song_removed(old)
    music.library_changed(old, new)
    music.song_removed(old)
    playlists.song_removed(old)


# Playlists, like songs: indexing first, then the cascades (entries, the creator's original).
def _playlist_removed(old: Image, new: Image) -> None:
    music_search.playlist_removed(old)
    playlists.playlist_removed(old)


def _playlist_copy_removed(old: Image, new: Image) -> None:
    music_search.playlist_removed(old)
    playlists.copy_removed(old)


def _shared_copy_removed(old: Image, new: Image) -> None:
    music_search.song_removed(old)
    music.library_changed(old, new)
    music.shared_copy_removed(old)


HANDLERS: dict[tuple[str, str], Callable[[Image, Image], None]] = {
    (records.RELATIONSHIP, "REMOVE"): lambda old, new: cascades.relationship_removed(old),
    (records.RELATIONSHIP, "INSERT"): lambda old, new: cascades.relationship_created(new),
    (records.USER_PROFILE, "REMOVE"): lambda old, new: cascades.user_removed(old),
    (notification_store.NOTIFICATION, "INSERT"): lambda old, new: notifications.notification_changed(new),
    (notification_store.NOTIFICATION, "MODIFY"): lambda old, new: notifications.notification_changed(new),
    (notification_store.NOTIFICATION, "REMOVE"): lambda old, new: notifications.notification_removed(old),
    (MOMENT, "INSERT"): _moment_inserted,
    (MOMENT, "MODIFY"): _moment_changed,
    (MOMENT, "REMOVE"): _moment_removed,
    (MOMENT_UPLOAD, "REMOVE"): lambda old, new: moments.upload_removed(old),
    (TAG, "REMOVE"): lambda old, new: moments.tag_removed(old),
    (CHAT_MESSAGE, "INSERT"): lambda old, new: chat.message_inserted(new),
    (CHAT_MESSAGE, "REMOVE"): lambda old, new: chat.message_removed(old),
    (music_store.SONG, "INSERT"): _song_changed,
    (music_store.SONG, "MODIFY"): _song_changed,
    (music_store.SONG, "REMOVE"): _song_removed,
    (music_store.SONG_UPLOAD, "REMOVE"): lambda old, new: music.upload_removed(old),
    (music_store.SHARED_SONG, "INSERT"): _song_changed,
    (music_store.SHARED_SONG, "MODIFY"): _song_changed,
    (music_store.SHARED_SONG, "REMOVE"): _shared_copy_removed,
    (playlist_store.PLAYLIST, "INSERT"): music_search.playlist_changed,
    (playlist_store.PLAYLIST, "MODIFY"): music_search.playlist_changed,
    (playlist_store.PLAYLIST, "REMOVE"): _playlist_removed,
    (playlist_store.SHARED_PLAYLIST, "INSERT"): music_search.playlist_changed,
    (playlist_store.SHARED_PLAYLIST, "MODIFY"): music_search.playlist_changed,
    (playlist_store.SHARED_PLAYLIST, "REMOVE"): _playlist_copy_removed,
    (album_store.ALBUM, "INSERT"): music_search.summary_changed,
    (album_store.ALBUM, "MODIFY"): music_search.summary_changed,
    (album_store.ALBUM, "REMOVE"): lambda old, new: music_search.summary_removed(old),
    (album_store.ARTIST, "INSERT"): music_search.summary_changed,
    (album_store.ARTIST, "MODIFY"): music_search.summary_changed,
    (album_store.ARTIST, "REMOVE"): lambda old, new: music_search.summary_removed(old),
    (play_store.PLAY, "INSERT"): lambda old, new: plays.play_recorded(new),
}

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def record_handler(record: DynamoDBRecord) -> None:
    change = record.raw_event.get("dynamodb") or {}
    old = from_dynamo(change.get("OldImage") or {})
    new = from_dynamo(change.get("NewImage") or {})
    item_type = str((new or old).get("type", ""))
    handle = HANDLERS.get((item_type, str(record.raw_event.get("eventName"))))
    if handle is not None:
        handle(old, new)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
