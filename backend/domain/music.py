"""Music: a person's songs, from upload ticket to "processing" (the music job does the rest).

Upload: the caller gets a ticket (a ``SongUpload`` item plus a presigned POST that pins the
key under the owner's private prefix, the type and the size range), after a quick look at
their quota; the browser sends the file to S3; then :func:`confirm` looks at what arrived
(there, its size, the magic bytes of an audio container) and one transaction consumes the
ticket, puts the song ("processing", titled after its file name) and counts its bytes under
the quota's condition. Then the song's job goes to the ``music`` queue
(``backend.jobs.music``), which checks the file with ffmpeg, reads its tags, makes its
rendition and marks it ready or refused; the owner's screens hear of each step on their
``music`` topic. A file that fails here is deleted with its ticket, and the person is told
why in words.

Songs belong to a person: everything here reads within the caller's own partition, so
another person's song is not even read (a 404, like one that does not exist).
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import os
import time
from dataclasses import dataclass

from backend import contracts
from backend.contracts import SongChange, SongChangedMessage
from backend.domain import tenancy
from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.domain.models import Caller, UserProfile
from backend.domain.music_jobs import SongJob, enqueue
from backend.media import audio, objects, paths, urls
from backend.realtime.publisher import try_publish
from backend.realtime.topics import Channel, user_topic
from backend.settings import get_settings
from backend.store import albums as album_store
from backend.store import keys, records, relationships, users
from backend.store import music as store
from backend.store.music import SongRecord, SongUpload

log = logging.getLogger("lumi.music")

INVALID_AUDIO = "invalid_audio"
NOT_AUDIO = "This file is not a song we can play"
UNTITLED = "Untitled"
TITLE_MAX = 200


def _missing() -> NotFound:
    return NotFound("We could not find that song.")


# ---------------------------------------------------------------- pure rules


def size_words(size: int) -> str:
    """ "200 MB", "4.9 GB", "12 KB": a size as people say it."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB".replace(".0 GB", " GB")
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB"


def check_declared_size(size: int, min_bytes: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ValidationFailed({"size": f"Songs can be up to {size_words(max_bytes)}."})
    if size < min_bytes:
        raise ValidationFailed({"size": "This file is too small to be a song."})


def quota_problem(used: int, size: int, quota: int) -> str | None:
    """Why a file of ``size`` bytes does not fit (None: it does)."""
    if used + size <= quota:
        return None
    left = max(0, quota - used)
    return (
        f"This song ({size_words(size)}) does not fit in your music storage: {size_words(left)} of "
        f"{size_words(quota)} left. Delete some songs to make room."
    )


def title_from_file_name(file_name: str | None) -> str:
    """A song's title until its tags are read, and when it has none: its file name, without
    the folder and the extension, with underscores as spaces."""
    if not file_name:
        return UNTITLED
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, extension = os.path.splitext(base)
    if not stem:  # ".mp3"
        stem = extension
    text = "".join(ch for ch in stem.replace("_", " ") if ch.isprintable())
    text = " ".join(text.split())[:TITLE_MAX]
    return text or UNTITLED


def object_problem(size: int, head: bytes, min_bytes: int, max_bytes: int) -> str | None:
    """Why the uploaded bytes cannot be a song, before ffmpeg looks (None: go on)."""
    if size < min_bytes:
        return "This file is too small to be a song"
    if size > max_bytes:
        return f"Songs can be up to {size_words(max_bytes)}"
    if audio.sniff_container(head) is None:
        return NOT_AUDIO
    return None


# ---------------------------------------------------------------- views and live messages


def views(songs: list[SongRecord], caller_id: str) -> list[contracts.Song]:
    """Response models for a page: all URLs in one cache lookup (only ready songs have any)."""
    ready = [song for song in songs if song.status == "ready"]
    signed = urls.signed_urls([*(song.rendition_key for song in ready), *(song.cover_key for song in ready)])
    return [_view(song, caller_id, signed) for song in songs]


def view(song: SongRecord, caller_id: str) -> contracts.Song:
    return views([song], caller_id)[0]


def detail(song: SongRecord, caller_id: str) -> contracts.SongDetail:
    found = view(song, caller_id)
    return contracts.SongDetail(**found.model_dump(), peaks=list(song.peaks or b"") if song.status == "ready" else [])


def _view(song: SongRecord, caller_id: str, signed: dict[str, str]) -> contracts.Song:
    ready = song.status == "ready"
    return contracts.Song(
        song_id=song.song_id,
        owner_id=song.owner_id,
        mine=song.owner_id == caller_id,
        status=song.status if song.status in ("processing", "ready", "refused") else "processing",  # type: ignore[arg-type]
        refused_reason=song.refused_reason if song.status == "refused" else None,
        visibility="partner" if song.visibility == "partner" else "private",
        title=song.title,
        artist=song.artist,
        album=song.album,
        album_artist=song.album_artist,
        track_number=song.track_number,
        disc_number=song.disc_number,
        year=song.year,
        genre=song.genre,
        duration_seconds=song.duration_seconds,
        content_type=song.content_type,
        size=song.size,
        loudness_lufs=song.loudness_lufs,
        created_at=song.created_at,
        updated_at=song.updated_at,
        stream_url=signed.get(song.rendition_key) if ready and song.rendition_key else None,
        cover_url=signed.get(song.cover_key) if ready and song.cover_key else None,
    )


def publish(user_id: str, song_id: str, change: SongChange) -> None:
    """Tell one person's open screens (a courtesy: they re-read from the API)."""
    topic = user_topic(get_settings().stage, user_id, Channel.MUSIC)
    try_publish(topic, SongChangedMessage(song_id=song_id, change=change))


# ---------------------------------------------------------------- upload and confirm


@dataclass(frozen=True)
class UploadTicket:
    song_id: str
    post: objects.PresignedPost


def upload_ticket(caller: Caller, content_type: str, size: int, file_name: str | None = None) -> UploadTicket:
    """Remember who may make this upload a song, and let the browser send it straight to S3.

    Refused (409 ``quota_exceeded``) when the declared size would not fit in the person's
    storage; the confirm checks the real size again, atomically."""
    settings = get_settings()
    me = users.require(caller.user_id)
    check_declared_size(size, settings.music_min_bytes, settings.music_max_bytes)
    problem = quota_problem(store.usage(me.user_id).bytes_used, size, settings.music_quota_bytes)
    if problem:
        raise Conflict(problem, code=store.QUOTA_EXCEEDED)
    song_id = store.new_song_id()
    store.put_upload(
        SongUpload(
            owner_id=me.user_id,
            song_id=song_id,
            content_type=content_type,
            size=size,
            created_at=records.now(),
            expires_at=int(time.time()) + settings.music_upload_ttl_seconds,
            file_name=file_name,
        )
    )
    post = objects.presigned_post(
        paths.song_original_key(me.user_id, song_id),
        content_type,
        settings.music_max_bytes,
        settings.upload_url_ttl_seconds,
        min_bytes=settings.music_min_bytes,
    )
    return UploadTicket(song_id, post)


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed({"file": f"{reason}."}, "That file is not a song we can use.", code=INVALID_AUDIO)


def _discard(owner_id: str, song_id: str) -> None:
    objects.delete_prefix(paths.song_prefix(owner_id, song_id))
    store.delete_upload(owner_id, song_id)


def confirm(caller: Caller, song_id: str) -> contracts.Song:
    """Make an uploaded file a song ("processing") and queue its job; 201 with the song.

    A retry of a confirm that went through answers the song again (and, while it is still
    processing, sends its job again: the job does the work once)."""
    settings = get_settings()
    me = users.require(caller.user_id)
    upload = store.get_upload(me.user_id, song_id)
    if upload is None:
        existing = store.get(me.user_id, song_id)
        if existing is None:
            raise NotFound("We could not find that upload. Please upload the song again.")
        if existing.status == "processing":
            enqueue(SongJob(owner_id=me.user_id, song_id=song_id))
        return view(existing, me.user_id)
    key = paths.song_original_key(me.user_id, song_id)
    info = objects.inspect(key, audio.SNIFF_BYTES)
    if info is None:
        raise ValidationFailed(
            {"file": "We could not find the uploaded file. Let the upload finish, or upload it again."},
            "The song has not arrived yet.",
            code="upload_missing",
        )
    reason = object_problem(info.size, info.head, settings.music_min_bytes, settings.music_max_bytes)
    if reason is not None:
        _discard(me.user_id, song_id)
        raise _invalid(reason)
    song = SongRecord(
        owner_id=me.user_id,
        song_id=song_id,
        status="processing",
        title=title_from_file_name(upload.file_name),
        file_name=upload.file_name,
        content_type=upload.content_type,
        size=info.size,
        created_at=records.now(),
    )
    try:
        store.create(song, settings.music_quota_bytes)
    except NotFound:
        existing = store.get(me.user_id, song_id)  # a confirm sent twice at once: the other one made it
        if existing is None:
            raise
        return view(existing, me.user_id)
    except Conflict as conflict:
        if conflict.code == store.QUOTA_EXCEEDED:
            _discard(me.user_id, song_id)
            used = store.usage(me.user_id).bytes_used
            raise Conflict(
                quota_problem(used, info.size, settings.music_quota_bytes) or conflict.message, code=conflict.code
            ) from conflict
        raise
    enqueue(SongJob(owner_id=me.user_id, song_id=song_id))
    publish(me.user_id, song_id, "created")
    return view(song, me.user_id)


def usage(caller: Caller) -> contracts.MusicUsage:
    me = users.require(caller.user_id)
    found = store.usage(me.user_id)
    return contracts.MusicUsage(
        bytes_used=found.bytes_used, quota_bytes=get_settings().music_quota_bytes, song_count=found.song_count
    )


# ---------------------------------------------------------------- the library


PAGE_DEFAULT = contracts.MUSIC_PAGE_DEFAULT
PAGE_MAX = contracts.MUSIC_PAGE_MAX


@dataclass(frozen=True)
class SongList:
    items: list[contracts.Song]
    next_token: str | None


def library(
    caller: Caller, sort: str, limit: int | None, next_token: str | None, which: str = "all", text: str | None = None
) -> SongList:
    """The caller's songs and those their partner shares with them, a page at a time, in one of
    the library's orders; ``text`` keeps those whose title, artist or album contain it (case and
    accents aside; a page may then be short). ``which="shared"`` lists only the songs shared
    with the caller, newest first whatever ``sort`` says (one Query over just those copies: a
    Query has one order, and the other orders would read the caller's whole library). (A copy
    left from a couple that split is not shown: its clean-up on the stream may not have run yet.)"""
    me = users.require(caller.user_id)
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    folded = keys.fold_text(text) or None
    if which == "shared":  # newest first whatever the sort: one Query over just the shared copies
        if not me.relationship_id:
            if next_token:
                raise ValidationFailed({"next": "This page token is not valid here. Start again from the first page."})
            return SongList([], None)
        found, token = store.shared_page(me.user_id, me.relationship_id, size, next_token, folded)
        return SongList(views(visible_songs(me, found), me.user_id), token)
    found, token = store.page(me.user_id, sort, size, next_token, which, folded)
    return SongList(views(visible_songs(me, found), me.user_id), token)


def visible_songs(me: UserProfile, found: list[SongRecord]) -> list[SongRecord]:
    """Leave out copies from a couple that split (their clean-up may not have run yet)."""
    return [
        song
        for song in found
        if not song.is_copy or (song.shared_rel == me.relationship_id and song.shared_with == me.user_id)
    ]


def _encode_id(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def encode_library_id(key: str) -> str:
    """The opaque id of an album or artist (base64url of its folded key), as the API shows it."""
    return _encode_id(key)


def _decode_id(value: str) -> str:
    try:
        return base64.urlsafe_b64decode((value + "=" * (-len(value) % 4)).encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return ""


@dataclass(frozen=True)
class AlbumList:
    items: list[contracts.Album]
    next_token: str | None


@dataclass(frozen=True)
class ArtistList:
    items: list[contracts.Artist]
    next_token: str | None


def albums(caller: Caller, limit: int | None, next_token: str | None) -> AlbumList:
    """The albums of the caller's library (their songs and those shared with them), A→Z."""
    me = users.require(caller.user_id)
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    found, token = album_store.albums_page(me.user_id, size, next_token)
    signed = urls.signed_urls([album.cover_key for album in found])
    items = [
        contracts.Album(
            album_id=_encode_id(album.album_key),
            name=album.name,
            artist=album.artist,
            year=album.year,
            song_count=album.song_count,
            cover_url=signed.get(album.cover_key) if album.cover_key else None,
        )
        for album in found
    ]
    return AlbumList(items, token)


def artists(caller: Caller, limit: int | None, next_token: str | None) -> ArtistList:
    me = users.require(caller.user_id)
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    found, token = album_store.artists_page(me.user_id, size, next_token)
    items = [
        contracts.Artist(artist_id=_encode_id(artist.artist_key), name=artist.name, song_count=artist.song_count)
        for artist in found
    ]
    return ArtistList(items, token)


def songs_of(caller: Caller, kind: str, opaque_id: str, limit: int | None, next_token: str | None) -> SongList:
    """An album's songs (disc, track) or an artist's (album, disc, track) in the caller's library;
    an id that names nothing is an empty list, one that cannot be read a 404."""
    key = _decode_id(opaque_id)
    if not key or "\n" in key or len(key) > 2 * keys.SORT_TEXT_MAX + 1:
        raise NotFound("We could not find that album." if kind == "album" else "We could not find that artist.")
    me = users.require(caller.user_id)
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    found, token = store.page_of(me.user_id, kind, key, size, next_token)
    return SongList(views(visible_songs(me, found), me.user_id), token)


def readable(caller: Caller, song_id: str) -> SongRecord:
    """The song as the caller may hear it: their own, or their partner's shared with them now
    (read from the original, never from the listing copy); anything else is ``NotFound``."""
    listed = store.get_listed(caller.user_id, song_id)
    if listed is None:
        raise _missing()
    if not listed.is_copy:
        return listed
    me = users.require(caller.user_id)
    original = store.get(listed.owner_id, song_id)
    if original is None:
        raise _missing()
    tenancy.shared_song(me, original.visibility, original.shared_rel, original.shared_with)
    return original


def get_one(caller: Caller, song_id: str) -> contracts.SongDetail:
    """One of the caller's songs, or one shared with them (anyone else's is a 404, exactly like
    one that does not exist)."""
    return detail(readable(caller, song_id), caller.user_id)


DETAIL_FIELDS = ("title", "artist", "album", "album_artist", "track_number", "disc_number", "year", "genre")


def check_text(value: str, field: str) -> str:
    """Song details are shown to a partner: printable text only."""
    if any(not ch.isprintable() for ch in value):
        raise ValidationFailed({field: "Use letters, digits, spaces and punctuation only."})
    return value


def update(caller: Caller, song_id: str, changes: dict[str, object]) -> contracts.Song:
    """The owner changes a ready song's details (``changes``: only the fields sent; "" or None
    clears one), shares it with their partner or makes it private again."""
    song = store.get(caller.user_id, song_id)
    if song is None:
        readable(caller, song_id)  # a 404, unless it is the partner's song shared with the caller
        raise Forbidden("Only the person who uploaded this song can change it.")
    details = {name: changes[name] for name in DETAIL_FIELDS if name in changes}
    if details:
        song = _change_details(caller, song, details)
    visibility = changes.get("visibility")
    if visibility is None or (visibility == "private" and song.visibility == "private"):
        return view(song, caller.user_id)
    return _change_visibility(caller, song, str(visibility))


def _change_details(caller: Caller, song: SongRecord, details: dict[str, object]) -> SongRecord:
    if song.status != "ready":
        raise Conflict("A song's details can be changed once it is ready to play.", code="song_not_ready")
    if "title" in details and details["title"] is None:
        raise ValidationFailed({"title": "A song needs a title."})
    for name, value in details.items():
        if isinstance(value, str):
            check_text(value, name)
    cleaned = {name: (value if value != "" else None) for name, value in details.items()}
    me = users.require(caller.user_id)
    changed = dataclasses.replace(song, **cleaned, updated_at=records.now())  # type: ignore[arg-type]
    if changed == dataclasses.replace(song, updated_at=changed.updated_at):
        return song
    if not store.update_details(song, changed, me.relationship_id):
        raise Conflict("The song changed meanwhile. Please try again.", code="conflict")
    publish(caller.user_id, song.song_id, "updated")
    if changed.visibility == "partner" and changed.shared_with and changed.shared_rel == me.relationship_id:
        publish(changed.shared_with, song.song_id, "updated")
    return changed


def _change_visibility(caller: Caller, song: SongRecord, visibility: str) -> contracts.Song:
    song_id = song.song_id
    me = users.require(caller.user_id)
    now = records.now()
    if song.visibility == "partner":
        if visibility == "partner" and song.shared_rel == me.relationship_id:
            return view(song, caller.user_id)
        if not store.unshare(song, now):
            raise Conflict("The song changed meanwhile. Please try again.", code="conflict")
        if song.shared_with:
            publish(song.shared_with, song_id, "deleted")
        song = dataclasses.replace(song, visibility="private", shared_rel=None, shared_with=None, updated_at=now)
    if visibility == "partner":
        if song.status != "ready":
            raise Conflict("A song can be shared once it is ready to play.", code="song_not_ready")
        if not me.relationship_id:
            raise Conflict("You need a partner to share songs.", code="not_paired")
        relationship = relationships.get_relationship(me.relationship_id)
        if relationship is None or me.user_id not in relationship.partner_ids:
            raise Conflict("You need a partner to share songs.", code="not_paired")
        partner_id = relationship.partner_of(me.user_id)
        store.share(song, partner_id, relationship.relationship_id, now)
        song = dataclasses.replace(
            song, visibility="partner", shared_rel=relationship.relationship_id, shared_with=partner_id, updated_at=now
        )
        publish(partner_id, song_id, "created")
    publish(caller.user_id, song_id, "updated")
    return view(song, caller.user_id)


def delete(caller: Caller, song_id: str) -> None:
    """The owner deletes a song (whatever its state); its files go on the stream."""
    for _ in range(3):
        song = store.get(caller.user_id, song_id)
        if song is None:
            raise _missing()
        if store.delete(song):
            publish(caller.user_id, song_id, "deleted")
            return
    raise Conflict("The song kept changing while it was deleted. Please try again.", code="conflict")
