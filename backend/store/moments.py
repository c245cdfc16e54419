"""Moments and their upload tickets in the single table.

A ``MomentUpload`` item is the server's memory of a ticket it handed out (who, which type,
until when); creating the moment consumes it in the same transaction that puts the
``Moment``, so an upload becomes at most one moment, and only its owner's. Tag links and
counts are not kept here: the stream keeps them (``backend.store.tags``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from backend.domain.errors import Conflict, NotFound
from backend.media import paths
from backend.store import keys, records, table
from backend.store.table import Item, TransactionFailed

MOMENT = "Moment"
MOMENT_UPLOAD = "MomentUpload"

# Set once the partner was told about the moment (see ``backend.streams.moments``).
NOTIFIED = "partner_notified_at"


@dataclass(frozen=True)
class TagRef:
    """A tag as a moment carries it: the slug names it, the name is how it was written."""

    slug: str
    name: str


@dataclass(frozen=True)
class MomentUpload:
    relationship_id: str
    moment_id: str
    owner_id: str
    content_type: str
    size: int
    created_at: datetime
    expires_at: int
    file_name: str | None = None


@dataclass(frozen=True)
class MomentRecord:
    relationship_id: str
    moment_id: str
    owner_id: str
    title: str
    description: str
    tags: tuple[TagRef, ...]
    content_type: str
    size: int
    duration_seconds: float
    created_at: datetime
    video_key: str | None  # None for a photo
    width: int | None = None
    height: int | None = None
    updated_at: datetime | None = None
    thumbnail_key: str | None = None
    message_count: int = 0
    kind: str = "video"  # "video" | "photo"
    # "processing" until the media job has checked the video (or made the photo's renditions);
    # "failed" when it could not: a video's ``failure_reason`` says why, in the person's words.
    status: str = "ready"
    photo_key: str | None = None  # a photo's viewer rendition, once made
    failure_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_photo(self) -> bool:
        return self.kind == "photo"


def new_moment_id(now: float | None = None) -> str:
    """An id that sorts by time (newest-first feeds); ``now`` in seconds since the epoch."""
    return records.time_ordered_id(datetime.fromtimestamp(now, UTC) if now is not None else None)[0]


def _number(value: float) -> Decimal:
    return Decimal(str(round(float(value), 3)))


# ---------------------------------------------------------------- upload tickets


def upload_item(upload: MomentUpload) -> Item:
    return {
        **keys.moment_upload(upload.relationship_id, upload.moment_id),
        **keys.tenant_key(upload.relationship_id, "UPLOAD", upload.moment_id),
        "type": MOMENT_UPLOAD,
        "relationship_id": upload.relationship_id,
        "moment_id": upload.moment_id,
        "owner_id": upload.owner_id,
        "content_type": upload.content_type,
        "size": upload.size,
        "file_name": upload.file_name,
        "created_at": records.stored_time(upload.created_at),
        "expires_at": upload.expires_at,
    }


def upload_from(item: Item) -> MomentUpload:
    return MomentUpload(
        relationship_id=item["relationship_id"],
        moment_id=item["moment_id"],
        owner_id=item["owner_id"],
        content_type=item["content_type"],
        size=int(item["size"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        expires_at=int(item["expires_at"]),
        file_name=item.get("file_name"),
    )


def put_upload(upload: MomentUpload) -> None:
    table.transact([table.tx_put(upload_item(upload), "attribute_not_exists(pk)")])


def get_upload(relationship_id: str, moment_id: str) -> MomentUpload | None:
    """A ticket still usable: there, and not past its expiry (TTL deletion lags behind)."""
    item = table.get(keys.moment_upload(relationship_id, moment_id))
    if item is None or int(item.get("expires_at", 0)) <= int(time.time()):
        return None
    return upload_from(item)


def delete_upload(relationship_id: str, moment_id: str) -> bool:
    return table.delete(keys.moment_upload(relationship_id, moment_id), "attribute_exists(pk)")


# ---------------------------------------------------------------- moments


def moment_item(moment: MomentRecord) -> Item:
    item: Item = {
        **keys.moment(moment.relationship_id, moment.moment_id),
        **keys.moment_owner_index_key(moment.relationship_id, moment.owner_id, moment.moment_id),
        **keys.tenant_key(moment.relationship_id, "MOMENT", moment.moment_id),
        "type": MOMENT,
        "relationship_id": moment.relationship_id,
        "moment_id": moment.moment_id,
        "owner_id": moment.owner_id,
        "title": moment.title,
        "description": moment.description,
        "tags": tags_value(moment.tags),
        "content_type": moment.content_type,
        "size": moment.size,
        "duration_seconds": _number(moment.duration_seconds),
        "width": moment.width,
        "height": moment.height,
        "video_key": moment.video_key,
        "thumbnail_key": moment.thumbnail_key,
        "kind": moment.kind,
        "status": moment.status,
        "photo_key": moment.photo_key,
        "failure_reason": moment.failure_reason,
        "created_at": records.stored_time(moment.created_at),
        "updated_at": records.stored_time(moment.updated_at) if moment.updated_at else None,
    }
    return item


def tags_value(tags: Iterable[TagRef]) -> list[dict[str, str]]:
    return [{"slug": tag.slug, "name": tag.name} for tag in tags]


def tags_of(image: Item) -> tuple[TagRef, ...]:
    """The tags of a stored moment (or a stream image of one)."""
    found = []
    for entry in image.get("tags") or []:
        if isinstance(entry, dict) and entry.get("slug"):
            found.append(TagRef(str(entry["slug"]), str(entry.get("name") or entry["slug"])))
    return tuple(found)


def moment_from(item: Item) -> MomentRecord:
    updated = item.get("updated_at")
    width, height = item.get("width"), item.get("height")
    return MomentRecord(
        relationship_id=item["relationship_id"],
        moment_id=item["moment_id"],
        owner_id=item["owner_id"],
        title=item.get("title", ""),
        description=item.get("description", ""),
        tags=tags_of(item),
        content_type=item["content_type"],
        size=int(item["size"]),
        duration_seconds=float(item["duration_seconds"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        video_key=item.get("video_key"),
        width=int(width) if width is not None else None,
        height=int(height) if height is not None else None,
        updated_at=datetime.fromisoformat(updated) if updated else None,
        thumbnail_key=item.get("thumbnail_key"),
        message_count=max(0, int(item.get("message_count", 0))),
        kind=str(item.get("kind") or "video"),
        status=str(item.get("status") or "ready"),
        photo_key=item.get("photo_key"),
        failure_reason=item.get("failure_reason"),
        extra={name: item[name] for name in (NOTIFIED,) if name in item},
    )


def create(moment: MomentRecord) -> None:
    """Consume the owner's upload ticket and put the moment, while the owner is still in the couple."""
    rel, moment_id, owner = moment.relationship_id, moment.moment_id, moment.owner_id
    try:
        table.transact(
            [
                table.tx_delete(
                    keys.moment_upload(rel, moment_id),
                    "attribute_exists(pk) AND owner_id = :owner AND expires_at > :now",
                    {":owner": owner, ":now": int(time.time())},
                ),
                table.tx_put(moment_item(moment), "attribute_not_exists(pk)"),
                table.tx_check(keys.relationship(rel), "attribute_exists(pk)"),
                table.tx_check(keys.profile(owner), "relationship_id = :rel", {":rel": rel}),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(2) or failure.failed(3):
            raise Conflict("You need a partner to share moments.", code="not_paired") from failure
        if failure.failed(1):
            raise Conflict("That moment has already been made.", code="moment_exists") from failure
        raise NotFound("We could not find that upload. Please upload the video again.") from failure


def get(relationship_id: str, moment_id: str) -> MomentRecord | None:
    item = table.get(keys.moment(relationship_id, moment_id))
    return moment_from(item) if item else None


def get_item(relationship_id: str, moment_id: str) -> Item | None:
    return table.get(keys.moment(relationship_id, moment_id))


def get_many(relationship_id: str, moment_ids: Iterable[str]) -> list[MomentRecord]:
    """Several moments of one couple (BatchGet), in the order asked; missing ones left out."""
    wanted = list(dict.fromkeys(moment_ids))
    found = {
        item["moment_id"]: moment_from(item)
        for item in table.batch_get([keys.moment(relationship_id, moment_id) for moment_id in wanted])
        if item.get("type") == MOMENT
    }
    return [found[moment_id] for moment_id in wanted if moment_id in found]


def page(
    relationship_id: str, owner_id: str | None, limit: int, next_token: str | None
) -> tuple[list[MomentRecord], str | None]:
    """The couple's moments (or one partner's), newest first; ``query_page`` refuses tokens of other listings."""
    if owner_id is None:
        result = table.query_page(
            ("pk", keys.tenant(relationship_id)),
            ("sk", keys.MOMENT_PREFIX),
            limit=limit,
            next_token=next_token,
            forward=False,
        )
    else:
        result = table.query_page(
            ("gsi1pk", keys.moment_owner_partition(relationship_id, owner_id)),
            ("gsi1sk", keys.MOMENT_PREFIX),
            index=keys.OWNER_INDEX,
            limit=limit,
            next_token=next_token,
            forward=False,
        )
    return [moment_from(item) for item in result.items], result.next_token


def update(
    relationship_id: str,
    moment_id: str,
    owner_id: str,
    *,
    title: str | None,
    description: str | None,
    tags: tuple[TagRef, ...] | None,
    updated_at: datetime,
) -> MomentRecord | None:
    """Change the owner's moment; None when it is gone (or not theirs)."""
    sets = ["#updated = :updated"]
    names = {"#updated": "updated_at", "#owner": "owner_id"}
    values: dict[str, Any] = {":updated": records.stored_time(updated_at), ":owner": owner_id}
    for name, value in (("title", title), ("description", description)):
        if value is not None:
            sets.append(f"#{name} = :{name}")
            names[f"#{name}"] = name
            values[f":{name}"] = value
    if tags is not None:
        sets.append("#tags = :tags")
        names["#tags"] = "tags"
        values[":tags"] = tags_value(tags)
    item = table.update(
        keys.moment(relationship_id, moment_id),
        "SET " + ", ".join(sets),
        values,
        names,
        condition="attribute_exists(pk) AND #owner = :owner",
    )
    return moment_from(item) if item else None


def delete(relationship_id: str, moment_id: str, owner_id: str) -> bool:
    return table.delete(
        keys.moment(relationship_id, moment_id), "attribute_exists(pk) AND owner_id = :owner", {":owner": owner_id}
    )


def set_thumbnail(relationship_id: str, moment_id: str, thumbnail_key: str) -> bool:
    """Record the thumbnail; False when the moment was deleted meanwhile."""
    item = table.update(
        keys.moment(relationship_id, moment_id),
        "SET thumbnail_key = :key",
        {":key": thumbnail_key},
        condition="attribute_exists(pk)",
    )
    return item is not None


def set_photo_ready(
    relationship_id: str, moment_id: str, photo_key: str, thumbnail_key: str, width: int, height: int
) -> bool:
    """Record a photo's renditions, only while it is processing; False when it is not (done
    before, or deleted meanwhile)."""
    item = table.update(
        keys.moment(relationship_id, moment_id),
        "SET #status = :ready, photo_key = :photo, thumbnail_key = :thumb, #w = :w, #h = :h",
        {
            ":ready": "ready",
            ":photo": photo_key,
            ":thumb": thumbnail_key,
            ":w": width,
            ":h": height,
            ":p": "processing",
        },
        {"#status": "status", "#w": "width", "#h": "height"},
        condition="attribute_exists(pk) AND #status = :p",
    )
    return item is not None


def set_photo_failed(relationship_id: str, moment_id: str) -> bool:
    """The photo could not be decoded: say so (only while it is processing)."""
    item = table.update(
        keys.moment(relationship_id, moment_id),
        "SET #status = :failed",
        {":failed": "failed", ":p": "processing"},
        {"#status": "status"},
        condition="attribute_exists(pk) AND #status = :p",
    )
    return item is not None


def set_video_ready(
    relationship_id: str,
    moment_id: str,
    *,
    duration_seconds: float,
    width: int | None,
    height: int | None,
    thumbnail_key: str | None,
) -> bool:
    """Record what the probe found (and the thumbnail, if one was made), only while the video is
    processing; False when it is not (done before, or deleted meanwhile)."""
    sets = ["#status = :ready", "duration_seconds = :d", "#w = :w", "#h = :h"]
    values: dict[str, Any] = {
        ":ready": "ready",
        ":d": _number(duration_seconds),
        ":w": width,
        ":h": height,
        ":p": "processing",
        ":video": "video",
    }
    if thumbnail_key:
        sets.append("thumbnail_key = :thumb")
        values[":thumb"] = thumbnail_key
    item = table.update(
        keys.moment(relationship_id, moment_id),
        "SET " + ", ".join(sets),
        values,
        {"#status": "status", "#w": "width", "#h": "height", "#kind": "kind"},
        condition="attribute_exists(pk) AND #status = :p AND #kind = :video",
    )
    return item is not None


def set_video_failed(relationship_id: str, moment_id: str, reason: str) -> bool:
    """The video cannot be played: keep the moment, saying why (only while it is processing)."""
    item = table.update(
        keys.moment(relationship_id, moment_id),
        "SET #status = :failed, failure_reason = :why",
        {":failed": "failed", ":why": reason, ":p": "processing", ":video": "video"},
        {"#status": "status", "#kind": "kind"},
        condition="attribute_exists(pk) AND #status = :p AND #kind = :video",
    )
    return item is not None


def mark_notified(relationship_id: str, moment_id: str, at: str) -> bool:
    """Claim the one notification of this moment; False if it was claimed before (or it is gone)."""
    item = table.update(
        keys.moment(relationship_id, moment_id),
        f"SET {NOTIFIED} = :at",
        {":at": at},
        condition=f"attribute_exists(pk) AND attribute_not_exists({NOTIFIED})",
    )
    return item is not None


def unmark_notified(relationship_id: str, moment_id: str, at: str) -> None:
    """Give the claim back (notifying failed), so a retry of the record tries again."""
    table.update(
        keys.moment(relationship_id, moment_id),
        f"REMOVE {NOTIFIED}",
        {":at": at},
        condition=f"{NOTIFIED} = :at",
    )


def remove_tag(relationship_id: str, moment_id: str, slug: str, attempts: int = 5) -> MomentRecord | None:
    """Take one tag off a moment (the couple deleted the tag); None when it did not carry it."""
    for _ in range(attempts):
        item = table.get(keys.moment(relationship_id, moment_id))
        if item is None:
            return None
        current = tags_of(item)
        if all(tag.slug != slug for tag in current):
            return None
        kept = tuple(tag for tag in current if tag.slug != slug)
        updated = table.update(
            keys.moment(relationship_id, moment_id),
            "SET #tags = :kept",
            {":kept": tags_value(kept), ":seen": item.get("tags") or []},
            {"#tags": "tags"},
            condition="#tags = :seen",
        )
        if updated is not None:
            return moment_from(updated)
    raise Conflict("The moment kept changing while its tag was removed.", code="conflict")


def video_key(relationship_id: str, moment_id: str) -> str:
    return paths.moment_video_key(relationship_id, moment_id)


def upload_key(relationship_id: str, moment_id: str, content_type: str) -> str:
    """Where the browser sends a new moment's file: a video's key, or a photo's original."""
    if content_type.startswith("image/"):
        return paths.moment_original_key(relationship_id, moment_id)
    return paths.moment_video_key(relationship_id, moment_id)
