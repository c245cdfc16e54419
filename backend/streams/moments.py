"""Stream steps for moments and tags, each safe to run any number of times.

* INSERT: the moment's media job queued (``backend.jobs.media`` probes a video and makes its
  thumbnail, or makes a photo's renditions; never here: ffmpeg or a long decode would hold up
  the shard, and the stream's function carries no ffmpeg), the tag links and counts, and the
  partner's notification — once, claimed by a conditional marker on the moment that is given
  back if notifying fails. A video is announced once it is ready, not while it is processing
  (it may turn out not to play).
* MODIFY: when the tags changed, links and counts follow; a video that became ready is
  announced to the partner.
* REMOVE: the chat, tag links (counted down), the files (a video and its thumbnail; a photo's
  original and renditions) and their cached URLs go.

Tag links are reconciled against the moment as it is *now* (read consistently), for every
slug the record mentions, so a stale or replayed record converges on the truth instead of
replaying its own diff. Independent steps all run even if one fails; the first failure is
raised at the end so the record is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from backend.domain import media_jobs
from backend.domain import moments as domain
from backend.domain.notifications import notify
from backend.media import objects, paths, urls
from backend.store import moments as store
from backend.store import records, relationships, users
from backend.store import tags as tag_store
from backend.store.moments import TagRef
from backend.streams import chat

log = logging.getLogger("lumi.streams.moments")

Image = dict[str, Any]


def _run_all(steps: Iterable[tuple[str, Callable[[], None]]]) -> None:
    failure: Exception | None = None
    for name, step in steps:
        try:
            step()
        except Exception as error:  # the other steps still run; the record is retried
            log.exception("moment step %s failed", name)
            failure = failure or error
    if failure is not None:
        raise failure


def moment_inserted(new: Image) -> None:
    """A moment became visible: its media job, tag links and counts, the partner's notification
    (a video's once it is ready)."""
    rel, moment_id = new["relationship_id"], new["moment_id"]
    steps: list[tuple[str, Callable[[], None]]] = [("tags", lambda: sync_tags(rel, moment_id, store.tags_of(new)))]
    if new.get("kind") == "photo":
        steps.append(("media job", lambda: queue_photo_job(rel, moment_id, new)))
        steps.append(("notify", lambda: notify_partner(rel, moment_id)))
    else:
        steps.append(("media job", lambda: queue_video_job(rel, moment_id, new)))
        if new.get("status", "ready") == "ready":
            steps.append(("notify", lambda: notify_partner(rel, moment_id)))
    _run_all(steps)


def moment_modified(old: Image, new: Image) -> None:
    """A moment changed: when its tags did, links and counts follow; a video that became ready
    is announced."""
    rel, moment_id = new["relationship_id"], new["moment_id"]
    steps: list[tuple[str, Callable[[], None]]] = []
    before, after = store.tags_of(old), store.tags_of(new)
    if {tag.slug for tag in before} != {tag.slug for tag in after}:
        steps.append(("tags", lambda: sync_tags(rel, moment_id, (*before, *after))))
    if new.get("kind") != "photo" and old.get("status") == "processing" and new.get("status") == "ready":
        steps.append(("notify", lambda: notify_partner(rel, moment_id)))
    _run_all(steps)


def moment_removed(old: Image) -> None:
    """A moment was deleted: its chat, tag links (and counts), files (video and thumbnail, or the
    photo's original and renditions) and cached URLs go."""
    rel, moment_id = old["relationship_id"], old["moment_id"]

    def files() -> None:
        objects.delete_prefix(paths.moment_prefix(rel, moment_id))
        urls.forget(old.get("video_key") or paths.moment_video_key(rel, moment_id))
        urls.forget(old.get("thumbnail_key") or paths.moment_thumbnail_key(rel, moment_id))
        urls.forget(old.get("photo_key") or paths.moment_photo_key(rel, moment_id))

    _run_all(
        [
            ("chat", lambda: chat.delete_for_moment(rel, moment_id)),
            ("tags", lambda: sync_tags(rel, moment_id, store.tags_of(old))),
            ("files", files),
        ]
    )


def upload_removed(old: Image) -> None:
    """An upload ticket expired (TTL) or was used: without a moment, its object goes."""
    rel, moment_id = old["relationship_id"], old["moment_id"]
    if store.get_item(rel, moment_id) is None:
        objects.delete_prefix(paths.moment_prefix(rel, moment_id))


def tag_removed(old: Image) -> None:
    """A couple tag was deleted: it goes from every moment carrying it, and its links go."""
    rel, slug, epoch = old["relationship_id"], old["slug"], old.get("epoch")
    for link in tag_store.links(rel, slug):
        if link.get("epoch") != epoch:
            continue  # counted on a newer tag of the same name
        moment_id = link["moment_id"]
        changed = store.remove_tag(rel, moment_id, slug)
        tag_store.forget_link(rel, slug, moment_id, epoch)
        if changed is not None:
            domain.publish(rel, moment_id, "updated", None)


# ---------------------------------------------------------------- steps


def sync_tags(relationship_id: str, moment_id: str, mentioned: Iterable[TagRef]) -> None:
    """Make the links of every mentioned slug match the moment's current tags (none once deleted)."""
    current = store.get(relationship_id, moment_id)
    wanted = {tag.slug: tag.name for tag in current.tags} if current else {}
    for slug in dict.fromkeys([*wanted, *(tag.slug for tag in mentioned)]):
        if slug in wanted:
            tag_store.link(relationship_id, slug, wanted[slug], moment_id)
        else:
            tag_store.unlink(relationship_id, slug, moment_id)


def queue_photo_job(relationship_id: str, moment_id: str, new: Image) -> None:
    """A photo moment came in processing: its media job makes the renditions (a replay queues a
    job that finds the work done)."""
    if new.get("status") != "processing":
        return
    media_jobs.enqueue(media_jobs.PhotoJob(relationship_id=relationship_id, moment_id=moment_id))


def queue_video_job(relationship_id: str, moment_id: str, new: Image) -> None:
    """A video moment came in processing (or ready without a thumbnail: stored by a tool): its
    media job probes it and makes the thumbnail (a replay queues a job that finds the work done)."""
    status = new.get("status") or "ready"
    if status == "failed" or (status == "ready" and new.get("thumbnail_key")):
        return
    media_jobs.enqueue(media_jobs.VideoJob(relationship_id=relationship_id, moment_id=moment_id))


def notify_partner(relationship_id: str, moment_id: str) -> None:
    """Tell the partner once, however often the record comes."""
    moment = store.get(relationship_id, moment_id)
    if moment is None or store.NOTIFIED in moment.extra:
        return
    if not moment.is_photo and moment.status != "ready":
        return  # a video is announced once it plays (the MODIFY that makes it ready comes)
    relationship = relationships.get_relationship(relationship_id)
    if relationship is None or moment.owner_id not in relationship.partner_ids:
        return
    owner = users.get(moment.owner_id)
    name = owner.display_name if owner else "Your partner"
    claimed_at = records.now().isoformat()
    if not store.mark_notified(relationship_id, moment_id, claimed_at):
        return
    try:
        notify(
            relationship.partner_of(moment.owner_id),
            "moments",
            "new_moment",
            f"{name} shared a {'photo' if moment.is_photo else 'moment'}",
            moment.title,
            f"/moments/watch?id={moment_id}",
            relationship_id=relationship_id,
        )
    except Exception:
        store.unmark_notified(relationship_id, moment_id, claimed_at)
        raise
