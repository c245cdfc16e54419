"""S3 object keys. Private objects live under their owner's prefix: one person or one couple.

The couple prefix is what the relationship cascade empties; the person prefix is what an
account deletion empties.
"""

from __future__ import annotations

import uuid


def user_prefix(user_id: str) -> str:
    return f"private/users/{user_id}/"


def avatar_prefix(user_id: str) -> str:
    return f"{user_prefix(user_id)}avatar/"


def new_avatar_key(user_id: str) -> str:
    return f"{avatar_prefix(user_id)}{uuid.uuid4().hex}"


def couple_prefix(relationship_id: str) -> str:
    return f"private/rel/{relationship_id}/"


def moment_prefix(relationship_id: str, moment_id: str) -> str:
    """Everything stored for one moment: what its deletion empties."""
    return f"{couple_prefix(relationship_id)}moments/{moment_id}/"


def moment_video_key(relationship_id: str, moment_id: str) -> str:
    return f"{moment_prefix(relationship_id, moment_id)}video"


def moment_thumbnail_key(relationship_id: str, moment_id: str) -> str:
    return f"{moment_prefix(relationship_id, moment_id)}thumbnail.jpg"


def moment_original_key(relationship_id: str, moment_id: str) -> str:
    """Where a photo is uploaded; deleted once its renditions are made (it may carry GPS)."""
    return f"{moment_prefix(relationship_id, moment_id)}original"


def moment_photo_key(relationship_id: str, moment_id: str) -> str:
    """The photo as the viewer shows it: upright, at most 1600 px on its long side, no metadata.
    (The feed's 480 px rendition is the moment's thumbnail, as for a video.)"""
    return f"{moment_prefix(relationship_id, moment_id)}photo.jpg"


def music_prefix(user_id: str) -> str:
    """A person's songs (their own: songs belong to a person, never to the couple)."""
    return f"{user_prefix(user_id)}music/"


def song_prefix(user_id: str, song_id: str) -> str:
    """Everything stored for one song: what its deletion empties."""
    return f"{music_prefix(user_id)}{song_id}/"


def song_original_key(user_id: str, song_id: str) -> str:
    """The file as uploaded (kept for download; the quota counts it)."""
    return f"{song_prefix(user_id, song_id)}original"


def song_rendition_key(user_id: str, song_id: str) -> str:
    """The streaming rendition: AAC in MP4 with its index first, made once by the music job."""
    return f"{song_prefix(user_id, song_id)}stream.m4a"


def song_cover_key(user_id: str, song_id: str) -> str:
    """The cover art found in the file, as a small JPEG without metadata."""
    return f"{song_prefix(user_id, song_id)}cover.jpg"


def song_cover_upload_prefix(user_id: str, song_id: str) -> str:
    """Where the owner's browser posts a new cover picture for one song (unchecked until its
    confirm, which deletes it once the cover is made from it); a new key per upload."""
    return f"{song_prefix(user_id, song_id)}cover-uploads/"


def new_song_cover_upload_key(user_id: str, song_id: str) -> str:
    return f"{song_cover_upload_prefix(user_id, song_id)}{uuid.uuid4().hex}"


def song_edited_cover_key(user_id: str, song_id: str, upload_key: str) -> str:
    """The cover made from an uploaded picture (a ≤ 600 px JPEG without metadata), named after
    its upload: a new object per edit, so no cached URL ever shows the old picture, and a
    confirm sent again finds the cover it made."""
    return f"{song_prefix(user_id, song_id)}cover-{upload_key.rsplit('/', 1)[-1]}.jpg"


def playlist_prefix(user_id: str, playlist_id: str) -> str:
    """Everything stored for one playlist (its uploaded covers), under its creator's prefix: what
    the playlist's deletion empties (an account deletion empties the whole person prefix)."""
    return f"{user_prefix(user_id)}playlists/{playlist_id}/"


def playlist_cover_upload_prefix(user_id: str, playlist_id: str) -> str:
    """Where the creator's browser posts a new cover picture (unchecked until its confirm, which
    deletes it once the cover is made from it); a new key per upload."""
    return f"{playlist_prefix(user_id, playlist_id)}cover-uploads/"


def new_playlist_cover_upload_key(user_id: str, playlist_id: str) -> str:
    return f"{playlist_cover_upload_prefix(user_id, playlist_id)}{uuid.uuid4().hex}"


def playlist_cover_key(user_id: str, playlist_id: str, upload_key: str) -> str:
    """The cover made from an uploaded picture (a ≤ 600 px JPEG without metadata), named after
    its upload, as a song's edited cover: a new object per change, a confirm sent again finds it."""
    return f"{playlist_prefix(user_id, playlist_id)}cover-{upload_key.rsplit('/', 1)[-1]}.jpg"
