"""Moments: the couple's videos and photos, from upload ticket to feed, edit and delete.

Upload: the caller gets a ticket (a ``MomentUpload`` item plus a presigned POST that pins the
key under the couple's prefix, the type and the size range); the browser sends the file to S3;
then :func:`create` looks at what arrived with the checks that need no ffmpeg (size, magic
bytes and the container they prove, or Pillow's reading of a photo's header) before one
transaction consumes the ticket and puts the moment, "processing". A file that fails these is
deleted with its ticket, and the person is told why in words (422).

The rest happens off the request (the API carries no ffmpeg): the stream queues the moment's
media job (``backend.jobs.media``). For a video, the job probes it with ffmpeg: playable, it
becomes ready with its length and size and its thumbnail; not playable (a codec browsers do
not play, no picture, too long, unreadable), it is marked "failed" with the same words
:func:`probe_problem` gives, its file deleted, and the moment kept so both partners see why
until the owner deletes it. For a photo, the job makes its renditions without metadata,
deletes the original and marks it ready. Until a moment is ready nothing of it is served. The
couple's screens hear every step (``MomentChangedMessage``). Tag counts, the partner's
notification (a video's once it is ready) and clean-ups follow on the stream
(``backend.streams.moments``).

Everything here reads within the caller's own couple (keys start with their relationship), so
another couple's moment is not even read: it is a 404 like one that does not exist.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from backend import contracts
from backend.contracts import MomentChange, MomentChangedMessage
from backend.domain import tenancy
from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.domain.models import Caller, ObjectInfo, UserProfile
from backend.domain.tags import normalise_tags
from backend.media import objects, paths, photo, urls, video
from backend.realtime.publisher import try_publish
from backend.realtime.topics import Channel, couple_topic
from backend.settings import get_settings
from backend.store import keys, records, relationships, table, users
from backend.store import moments as store
from backend.store.moments import MomentRecord, MomentUpload

log = logging.getLogger("lumi.moments")

PAGE_DEFAULT = contracts.MOMENTS_PAGE_DEFAULT
PAGE_MAX = contracts.MOMENTS_PAGE_MAX
INVALID_VIDEO = "invalid_video"
INVALID_PHOTO = "invalid_photo"

NOT_A_VIDEO = "This file is not a video we can play"
NOT_A_PHOTO = "This file is not a photo we can show"
# The smallest picture that is a photo (either side), in pixels.
PHOTO_MIN_SIDE = 16


def _not_paired() -> Conflict:
    return Conflict("You need a partner to share moments.", code="not_paired")


def _missing() -> NotFound:
    return NotFound("We could not find that moment.")


# ---------------------------------------------------------------- pure rules


def check_text(value: str, field: str, multiline: bool = False) -> str:
    """Titles and descriptions are shown to a partner: printable text only (newlines in descriptions)."""
    allowed = {"\n", "\t", "\r"} if multiline else set()
    for ch in value:
        if ch in allowed or ch == "\u200d":  # the joiner inside emoji sequences
            continue
        if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cf"):
            raise ValidationFailed({field: "Use letters, digits, spaces and punctuation only."})
    return value


def max_length_words(seconds: float) -> str:
    """ "10 minutes", "90 seconds": the longest video, as people say it."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{int(seconds)} seconds"


def size_words(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB"


def check_declared_size(size: int, min_bytes: int, max_bytes: int, kind: str = "video") -> None:
    things = "Photos" if kind == "photo" else "Videos"
    if size > max_bytes:
        raise ValidationFailed({"size": f"{things} can be up to {size_words(max_bytes)}."})
    if size < min_bytes:
        raise ValidationFailed({"size": f"This file is too small to be a {kind}."})


def size_limits(kind: str) -> tuple[int, int]:
    """The smallest and largest upload of a video or a photo, in bytes."""
    settings = get_settings()
    if kind == "photo":
        return settings.photo_min_bytes, settings.photo_max_bytes
    return settings.moment_min_bytes, settings.moment_max_bytes


def object_problem(info: ObjectInfo, declared_type: str, min_bytes: int, max_bytes: int) -> str | None:
    """Why the uploaded bytes cannot be this moment's video, before ffmpeg looks (None: go on;
    the media job probes it)."""
    if info.size < min_bytes:
        return "This file is too small to be a video"
    if info.size > max_bytes:
        return f"Videos can be up to {size_words(max_bytes)}"
    container = video.sniff_container(info.head)
    if container is None:
        return NOT_A_VIDEO
    mismatch = video.type_mismatch(declared_type, container)
    if mismatch:
        return mismatch
    if info.content_type and info.content_type != declared_type:
        return "The file was not sent as the type it was announced as"
    return None


def photo_object_problem(info: ObjectInfo, declared_type: str, min_bytes: int, max_bytes: int) -> str | None:
    """Why the uploaded bytes cannot be this moment's photo, before Pillow looks (None: go on)."""
    if info.size < min_bytes:
        return "This file is too small to be a photo"
    if info.size > max_bytes:
        return f"Photos can be up to {size_words(max_bytes)}"
    found = photo.sniff_format(info.head)
    if found is None:
        return NOT_A_PHOTO
    mismatch = photo.type_mismatch(declared_type, found)
    if mismatch:
        return mismatch
    if info.content_type and info.content_type != declared_type:
        return "The file was not sent as the type it was announced as"
    return None


def look_problem(look: photo.PhotoLook | None, max_pixels: int) -> str | None:
    """Why Pillow's view of the photo's header rules it out (None: a photo we can show)."""
    if look is None:
        return NOT_A_PHOTO
    if min(look.width, look.height) < PHOTO_MIN_SIDE:
        return f"This picture is too small to be a photo (at least {PHOTO_MIN_SIDE} pixels a side)"
    if look.width * look.height > max_pixels:
        return f"Photos can be up to {max_pixels // 1_000_000} megapixels"
    return None


def probe_problem(probe: video.VideoProbe | None, max_seconds: float) -> str | None:
    """Why ffmpeg's view of the file rules it out (None: it is a video we can play). The media
    job asks, and a failed moment keeps these words as its ``failure_reason``."""
    if probe is None or not probe.has_video:
        return NOT_A_VIDEO
    if probe.video_codec not in video.PLAYABLE_CODECS:
        return NOT_A_VIDEO
    if probe.duration_seconds is None or probe.duration_seconds <= 0:
        return "This video has no length we can read; it may be damaged"
    if probe.duration_seconds > max_seconds:
        return f"Videos can be up to {max_length_words(max_seconds)} long"
    return None


# ---------------------------------------------------------------- the caller's couple


def in_couple(caller: Caller) -> UserProfile:
    """The caller's profile, for reading the couple's data (409 when unpaired)."""
    me = users.require(caller.user_id)
    if not me.relationship_id:
        raise _not_paired()
    return me


def couple_of(caller: Caller) -> str:
    """The caller's relationship id, for reading the couple's data (409 when unpaired)."""
    relationship_id = in_couple(caller).relationship_id
    assert relationship_id is not None
    return relationship_id


def _paired(caller: Caller) -> UserProfile:
    """The caller, checked against the relationship item too (before anything is written)."""
    me = in_couple(caller)
    assert me.relationship_id is not None
    relationship = relationships.get_relationship(me.relationship_id)
    if relationship is None or me.user_id not in relationship.partner_ids:
        raise _not_paired()
    return me


def visible_moment(caller: Caller, moment_id: str) -> MomentRecord:
    """A moment of the caller's current couple; anything else is ``NotFound``."""
    return _visible(caller, moment_id)[1]


def _visible(caller: Caller, moment_id: str) -> tuple[UserProfile, MomentRecord]:
    """The caller (their profile, for the answer's owner) and a moment of their current couple."""
    me = users.require(caller.user_id)
    if not me.relationship_id:
        raise _missing()
    moment = store.get(me.relationship_id, moment_id)
    if moment is None:
        raise _missing()
    tenancy.couple_item(me, moment.relationship_id)
    return me, moment


def _own(caller: Caller, moment_id: str) -> tuple[UserProfile, MomentRecord]:
    me, moment = _visible(caller, moment_id)
    if moment.owner_id != caller.user_id:
        raise Forbidden("Only the partner who shared this moment can change it.")
    return me, moment


# ---------------------------------------------------------------- views


def views(
    relationship_id: str, moments: Iterable[MomentRecord], known: Iterable[UserProfile] = ()
) -> list[contracts.Moment]:
    """Response models for a page: the owners' profiles in one BatchGet (none for ``known`` ones,
    such as the caller's, already read for this request), all URLs in one cache lookup."""
    moments = [moment for moment in moments if moment.relationship_id == relationship_id]
    if not moments:
        return []
    owners = {profile.user_id: profile for profile in known}
    missing = list(dict.fromkeys(moment.owner_id for moment in moments if moment.owner_id not in owners))
    if missing:
        for item in table.batch_get([keys.profile(owner_id) for owner_id in missing]):
            owners[item["user_id"]] = records.profile_from(item)
    # A photo is served only once its renditions (without metadata) are made; never its original.
    signed = urls.signed_urls(
        [
            *(moment.video_key for moment in moments if not moment.is_photo and moment.status == "ready"),
            *(moment.photo_key for moment in moments if moment.is_photo and moment.status == "ready"),
            *(moment.thumbnail_key for moment in moments),
            *(profile.avatar_key for profile in owners.values()),
        ]
    )
    found = []
    for moment in moments:
        owner = owners.get(moment.owner_id)
        if owner is None:  # an account being deleted: its moments go with the couple
            continue
        found.append(
            contracts.Moment(
                moment_id=moment.moment_id,
                owner=contracts.PublicProfile(
                    user_id=owner.user_id,
                    username=owner.username,
                    display_name=owner.display_name,
                    avatar_url=signed.get(owner.avatar_key) if owner.avatar_key else None,
                ),
                kind="photo" if moment.is_photo else "video",
                status=moment.status if moment.status in ("processing", "failed") else "ready",
                title=moment.title,
                description=moment.description,
                tags=[contracts.Tag(slug=tag.slug, name=tag.name) for tag in moment.tags],
                content_type=moment.content_type,
                size=moment.size,
                duration_seconds=moment.duration_seconds,
                width=moment.width,
                height=moment.height,
                created_at=moment.created_at,
                updated_at=moment.updated_at,
                video_url=_video_url(moment, signed),
                photo_url=_photo_url(moment, signed),
                thumbnail_url=signed.get(moment.thumbnail_key) if moment.thumbnail_key else None,
                message_count=moment.message_count,
                failure_reason=moment.failure_reason if moment.status == "failed" else None,
            )
        )
    return found


def _video_url(moment: MomentRecord, signed: dict[str, str]) -> str | None:
    """A video is served once the media job found it playable; never while processing or failed."""
    if moment.is_photo or moment.status != "ready" or not moment.video_key:
        return None
    return signed.get(moment.video_key)


def _photo_url(moment: MomentRecord, signed: dict[str, str]) -> str | None:
    if not moment.is_photo or moment.status != "ready" or not moment.photo_key:
        return None
    return signed.get(moment.photo_key)


def view(moment: MomentRecord, me: UserProfile) -> contracts.Moment:
    found = views(moment.relationship_id, [moment], [me])
    if not found:
        raise _missing()
    return found[0]


def publish(relationship_id: str, moment_id: str, change: MomentChange, by_user_id: str | None) -> None:
    """Tell the couple's open screens (a courtesy: they re-read from the API)."""
    topic = couple_topic(get_settings().stage, relationship_id, Channel.MOMENTS)
    try_publish(topic, MomentChangedMessage(moment_id=moment_id, change=change, by_user_id=by_user_id))


# ---------------------------------------------------------------- upload and create


@dataclass(frozen=True)
class UploadTicket:
    moment_id: str
    post: objects.PresignedPost


def upload_ticket(caller: Caller, content_type: str, size: int, file_name: str | None = None) -> UploadTicket:
    """Remember who may turn this upload into a moment, and let the browser send it straight to S3."""
    settings = get_settings()
    me = _paired(caller)
    kind = contracts.moment_kind(content_type)
    min_bytes, max_bytes = size_limits(kind)
    check_declared_size(size, min_bytes, max_bytes, kind)
    assert me.relationship_id is not None
    moment_id = store.new_moment_id()
    store.put_upload(
        MomentUpload(
            relationship_id=me.relationship_id,
            moment_id=moment_id,
            owner_id=me.user_id,
            content_type=content_type,
            size=size,
            created_at=records.now(),
            expires_at=int(time.time()) + settings.moment_upload_ttl_seconds,
            file_name=file_name,
        )
    )
    post = objects.presigned_post(
        store.upload_key(me.relationship_id, moment_id, content_type),
        content_type,
        max_bytes,
        settings.upload_url_ttl_seconds,
        min_bytes=min_bytes,
    )
    return UploadTicket(moment_id, post)


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed({"video": f"{reason}."}, "That file is not a video we can use.", code=INVALID_VIDEO)


def _checked_video(upload: MomentUpload) -> int:
    """Look at what arrived without ffmpeg (size, magic bytes, the container they prove against the
    declared type); a file that fails is deleted with its ticket (422 ``invalid_video``). Its size.
    The probe waits for the media job."""
    settings = get_settings()
    key = paths.moment_video_key(upload.relationship_id, upload.moment_id)
    info = objects.inspect(key, video.SNIFF_BYTES)
    if info is None:
        raise ValidationFailed(
            {"video": "We could not find the uploaded video. Let the upload finish, or upload it again."},
            "The video has not arrived yet.",
            code="upload_missing",
        )
    reason = object_problem(info, upload.content_type, settings.moment_min_bytes, settings.moment_max_bytes)
    if reason is not None:
        _discard(upload)
        raise _invalid(reason)
    return info.size


def _invalid_photo(reason: str) -> ValidationFailed:
    return ValidationFailed({"photo": f"{reason}."}, "That file is not a photo we can use.", code=INVALID_PHOTO)


def _checked_photo(upload: MomentUpload) -> tuple[photo.PhotoLook, int]:
    """Look at what arrived (magic bytes, then Pillow reads the header of that one format); a file
    that fails is deleted with its ticket (422 ``invalid_photo``). Decoding waits for the media job."""
    settings = get_settings()
    key = paths.moment_original_key(upload.relationship_id, upload.moment_id)
    info = objects.inspect(key, photo.SNIFF_BYTES)
    if info is None:
        raise ValidationFailed(
            {"photo": "We could not find the uploaded photo. Let the upload finish, or upload it again."},
            "The photo has not arrived yet.",
            code="upload_missing",
        )
    reason = photo_object_problem(info, upload.content_type, settings.photo_min_bytes, settings.photo_max_bytes)
    look: photo.PhotoLook | None = None
    if reason is None:
        found = photo.sniff_format(info.head)
        assert found is not None
        data = objects.read_bytes(key, settings.photo_max_bytes)
        try:
            look = photo.look(data or b"", found)
        except photo.PhotoError as error:
            log.info("photo %s could not be read: %s", key, error)
            look = None
        reason = look_problem(look, settings.photo_max_pixels)
    if reason is not None:
        _discard(upload)
        raise _invalid_photo(reason)
    assert look is not None
    return look, info.size


def _discard(upload: MomentUpload) -> None:
    objects.delete_prefix(paths.moment_prefix(upload.relationship_id, upload.moment_id))
    store.delete_upload(upload.relationship_id, upload.moment_id)


def create(caller: Caller, moment_id: str, title: str, description: str, tag_names: list[str]) -> contracts.Moment:
    """Make the caller's upload a moment, "processing" until its media job is done (201 at once)."""
    me = _paired(caller)
    relationship_id = me.relationship_id
    assert relationship_id is not None
    title = check_text(title, "title")
    description = check_text(description, "description", multiline=True)
    tags = normalise_tags(tag_names)
    upload = store.get_upload(relationship_id, moment_id)
    if upload is None or upload.owner_id != me.user_id:
        existing = store.get(relationship_id, moment_id)
        if existing is not None and existing.owner_id == me.user_id:
            return view(existing, me)  # a retry of a create that went through
        raise NotFound("We could not find that upload. Please upload it again.")
    if contracts.moment_kind(upload.content_type) == "photo":
        look, size = _checked_photo(upload)
        width, height = look.display_size
        moment = MomentRecord(
            relationship_id=relationship_id,
            moment_id=moment_id,
            owner_id=me.user_id,
            title=title,
            description=description,
            tags=tags,
            content_type=upload.content_type,
            size=size,
            duration_seconds=0.0,
            created_at=records.now(),
            video_key=None,
            width=width,
            height=height,
            kind="photo",
            status="processing",
        )
    else:
        size = _checked_video(upload)
        moment = MomentRecord(
            relationship_id=relationship_id,
            moment_id=moment_id,
            owner_id=me.user_id,
            title=title,
            description=description,
            tags=tags,
            content_type=upload.content_type,
            size=size,
            duration_seconds=0.0,  # the media job's probe measures it
            created_at=records.now(),
            video_key=paths.moment_video_key(relationship_id, moment_id),
            status="processing",
        )
    store.create(moment)
    publish(relationship_id, moment_id, "created", me.user_id)
    return view(moment, me)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class MomentList:
    items: list[contracts.Moment]
    next_token: str | None


def feed(caller: Caller, which: str, limit: int | None, next_token: str | None) -> MomentList:
    """The couple's moments, newest first: all, the caller's, or the partner's."""
    me = in_couple(caller)
    relationship_id = me.relationship_id
    assert relationship_id is not None
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    owner_id: str | None = None
    if which == "mine":
        owner_id = me.user_id
    elif which == "partner":
        relationship = relationships.get_relationship(relationship_id)
        if relationship is None or me.user_id not in relationship.partner_ids:
            raise _not_paired()
        owner_id = relationship.partner_of(me.user_id)
    found, token = store.page(relationship_id, owner_id, size, next_token)
    return MomentList(views(relationship_id, found, [me]), token)


def get_one(caller: Caller, moment_id: str) -> contracts.Moment:
    me, moment = _visible(caller, moment_id)
    return view(moment, me)


def moments_by_ids(me: UserProfile, moment_ids: list[str]) -> list[contracts.Moment]:
    """``me``'s couple's moments among these ids, in this order (search results); ``me`` is the
    profile the caller's request has already read (:func:`in_couple`)."""
    if not me.relationship_id or not moment_ids:
        return []
    return views(me.relationship_id, store.get_many(me.relationship_id, moment_ids), [me])


# ---------------------------------------------------------------- changing


def update(
    caller: Caller, moment_id: str, title: str | None, description: str | None, tag_names: list[str] | None
) -> contracts.Moment:
    """The owner changes title, description or tags; tag links and counts follow on the stream."""
    me, moment = _own(caller, moment_id)
    if title is not None:
        title = check_text(title, "title")
    if description is not None:
        description = check_text(description, "description", multiline=True)
    tags = normalise_tags(tag_names) if tag_names is not None else None
    if title is None and description is None and tags is None:
        return view(moment, me)
    updated = store.update(
        moment.relationship_id,
        moment_id,
        caller.user_id,
        title=title,
        description=description,
        tags=tags,
        updated_at=records.now(),
    )
    if updated is None:
        raise _missing()
    publish(moment.relationship_id, moment_id, "updated", caller.user_id)
    return view(updated, me)


def delete(caller: Caller, moment_id: str) -> None:
    """The owner deletes a moment; its chat, tags and files go on the stream."""
    _, moment = _own(caller, moment_id)
    if not store.delete(moment.relationship_id, moment_id, caller.user_id):
        raise _missing()
    publish(moment.relationship_id, moment_id, "deleted", caller.user_id)
