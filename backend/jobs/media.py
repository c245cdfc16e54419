"""The media job: the Lambda behind the ``media`` queue (heavy media work, off the request path).

In AWS this is where ffmpeg lives (with the music job), not in the API or the stream handler.

A :class:`~backend.domain.media_jobs.VideoJob` checks a video moment the API stored
"processing" (it looked only at the size and the magic bytes): ``ffmpeg -i`` on a presigned
URL, forced to the container the bytes proved. A video browsers can play, with a picture and
a length within ``moment_max_seconds``, gets its thumbnail (a frame about a second in, the
feed's width) and becomes ready with its length and size in one conditional write; the
couple's screens are told (``thumbnail_ready``) and the partner is notified on the stream.
Anything else is marked "failed" with the words :func:`backend.domain.moments.probe_problem`
gives (the ones the API used to answer with); its file is deleted (nobody can play it, and it
was the person's to keep or not), but the moment stays, so both partners see why on its card
until the owner deletes it and shares another (``updated``).

A :class:`~backend.domain.media_jobs.PhotoJob` makes a photo moment's renditions: the
original is decoded, turned upright by its EXIF orientation, converted to sRGB and written as
two JPEGs without any metadata (the feed's, 480 px wide, as the moment's thumbnail; the
viewer's, 1600 px on its long side). Then the moment is marked ready, under the condition that
it is still processing, the original (which may carry GPS) is deleted, and the couple's screens
are told (``thumbnail_ready``), so "processing" turns into the photo live.

Safe to run any number of times, without an idempotency store: every step is idempotent (the
rendition and thumbnail keys are fixed, deleting is), and the conditional "ready" or "failed"
decides once. A moment deleted meanwhile loses what the job wrote. A file that cannot be
played or decoded is marked "failed" (retrying would not help); anything else (storage or
ffmpeg away) raises, SQS brings the message back, and after three tries it lands in the
dead-letter queue — a video on its last try is marked failed first, so none stays
"processing" for ever.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backend.domain import moments as domain
from backend.domain.media_jobs import PhotoJob, VideoJob, media_job
from backend.jobs.last_try import or_give_up
from backend.media import objects, paths, photo, video
from backend.settings import get_settings
from backend.store import moments as store
from backend.store.moments import MomentRecord

log = logging.getLogger("lumi.jobs.media")

# How long ffmpeg's presigned URL of the video works (it reads it at once).
PROBE_URL_SECONDS = 300
MISSING_VIDEO = "We could not find the uploaded video. Please share it again."
GAVE_UP = "We could not check this video. Please share it again later."


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A processor per batch: it holds the batch's results, and the local stack may run two batches at once.
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def record_handler(record: SQSRecord) -> str:
    job = media_job.validate_json(record.body)
    if isinstance(job, PhotoJob):
        return make_photo_renditions(job.relationship_id, job.moment_id)
    # On the last try the couple is told (and the owner can share it again).
    work = functools.partial(check_video, job.relationship_id, job.moment_id)
    return or_give_up(record, "media", work, functools.partial(_gave_up, job), log, f"video {job.moment_id}")


# ---------------------------------------------------------------- videos


def check_video(relationship_id: str, moment_id: str) -> str:
    """Make a processing video ready (or failed, with why); returns what happened, for the logs and tests."""
    moment = store.get(relationship_id, moment_id)
    if moment is None:
        objects.delete_prefix(paths.moment_prefix(relationship_id, moment_id))  # deleted before we came
        return "gone"
    if moment.is_photo:
        return "not a video"
    key = moment.video_key or paths.moment_video_key(relationship_id, moment_id)
    if moment.status == "failed":
        objects.delete(key)  # a run that marked it failed may have stopped before this
        return "already failed"
    if moment.status == "ready":
        return "already ready" if moment.thumbnail_key else _thumbnail_only(moment, key)
    settings = get_settings()
    started = time.perf_counter()
    info = objects.inspect(key, video.SNIFF_BYTES)
    if info is None:
        return _video_failed(moment, key, MISSING_VIDEO)
    container = video.sniff_container(info.head)
    if container is None:  # the API checked this; the object changed since
        return _video_failed(moment, key, f"{domain.NOT_A_VIDEO}.")
    source = objects.signed_get(key, PROBE_URL_SECONDS)
    probe = video.probe(source, container)
    reason = domain.probe_problem(probe, settings.moment_max_seconds)
    if reason is not None:
        return _video_failed(moment, key, f"{reason}.")
    assert probe is not None
    thumbnail_key = _thumbnail(moment, source, container, probe.duration_seconds)
    width, height = probe.display_size
    if not store.set_video_ready(
        relationship_id,
        moment_id,
        duration_seconds=float(probe.duration_seconds or 0.0),
        width=width,
        height=height,
        thumbnail_key=thumbnail_key,
    ):
        if store.get_item(relationship_id, moment_id) is None:
            # Deleted while we worked: its clean-up may have run before we wrote the thumbnail.
            objects.delete_prefix(paths.moment_prefix(relationship_id, moment_id))
            return "gone"
        return "done by another run"
    log.info(
        "video %s: %s, %.1fs, %sx%s, checked in %.2fs",
        moment_id,
        probe.video_codec,
        probe.duration_seconds or 0.0,
        width,
        height,
        time.perf_counter() - started,
    )
    domain.publish(relationship_id, moment_id, "thumbnail_ready", None)
    return "ready"


def _thumbnail(moment: MomentRecord, source: str, container: video.Container, duration: float | None) -> str | None:
    """The feed's frame, stored next to the video; None when ffmpeg could not take one (the video
    still plays: it is shown without a preview rather than kept from the couple)."""
    settings = get_settings()
    try:
        picture = video.thumbnail(
            source, container, video.thumbnail_at(duration, settings.thumbnail_at_seconds), settings.thumbnail_width
        )
    except video.VideoError:
        log.exception("no thumbnail for video %s", moment.moment_id)
        return None
    key = paths.moment_thumbnail_key(moment.relationship_id, moment.moment_id)
    objects.put_bytes(key, picture, "image/jpeg")
    return key


def _thumbnail_only(moment: MomentRecord, key: str) -> str:
    """A ready video without a thumbnail (stored by a tool, or its frame failed before): make it."""
    container = _container_of(moment.content_type)
    source = objects.signed_get(key, PROBE_URL_SECONDS)
    settings = get_settings()
    at = video.thumbnail_at(moment.duration_seconds, settings.thumbnail_at_seconds)
    picture = video.thumbnail(source, container, at, settings.thumbnail_width)
    thumbnail_key = paths.moment_thumbnail_key(moment.relationship_id, moment.moment_id)
    objects.put_bytes(thumbnail_key, picture, "image/jpeg")
    if not store.set_thumbnail(moment.relationship_id, moment.moment_id, thumbnail_key):
        objects.delete(thumbnail_key)  # deleted meanwhile: its clean-up may have run already
        return "gone"
    domain.publish(moment.relationship_id, moment.moment_id, "thumbnail_ready", None)
    return "thumbnail made"


def _container_of(content_type: str) -> video.Container:
    for container, declared in video.CONTAINER_TYPES.items():
        if declared == content_type:
            return container
    raise ValueError(f"not a moment's video type: {content_type}")


def _video_failed(moment: MomentRecord, key: str, why: str) -> str:
    """Keep the moment, saying why it cannot be played; its file goes (and any thumbnail)."""
    log.info("video %s cannot be played: %s", moment.moment_id, why)
    if not store.set_video_failed(moment.relationship_id, moment.moment_id, why):
        if store.get_item(moment.relationship_id, moment.moment_id) is None:
            objects.delete_prefix(paths.moment_prefix(moment.relationship_id, moment.moment_id))
            return "gone"
        return "done by another run"
    objects.delete(key)
    domain.publish(moment.relationship_id, moment.moment_id, "updated", None)
    return "failed"


def _gave_up(job: VideoJob) -> str:
    moment = store.get(job.relationship_id, job.moment_id)
    if moment is None or moment.status != "processing":
        return "gone" if moment is None else f"already {moment.status}"
    if not store.set_video_failed(job.relationship_id, job.moment_id, GAVE_UP):
        return "done by another run"
    domain.publish(job.relationship_id, job.moment_id, "updated", None)
    try:
        objects.delete(moment.video_key or paths.moment_video_key(job.relationship_id, job.moment_id))
    except Exception:  # storage away: the file goes with the moment when its owner deletes it
        log.exception("the file of failed video %s stays for now", job.moment_id)
    return "failed"


# ---------------------------------------------------------------- photos


def make_photo_renditions(relationship_id: str, moment_id: str) -> str:
    """Make a processing photo ready (or failed); returns what happened, for the logs and tests."""
    moment = store.get(relationship_id, moment_id)
    original_key = paths.moment_original_key(relationship_id, moment_id)
    if moment is None:
        objects.delete_prefix(paths.moment_prefix(relationship_id, moment_id))  # deleted before we came
        return "gone"
    if not moment.is_photo:
        return "not a photo"
    if moment.status != "processing":
        objects.delete(original_key)  # a run that marked it ready may have stopped before this
        return f"already {moment.status}"
    settings = get_settings()
    started = time.perf_counter()
    data = objects.read_bytes(original_key, settings.photo_max_bytes + 1)
    found = photo.sniff_format(data[: photo.SNIFF_BYTES]) if data else None
    if data is None or found is None or len(data) > settings.photo_max_bytes:
        return _failed(relationship_id, moment_id, original_key, "the original is missing or not a photo")
    try:
        made = photo.renditions(data, found, settings.photo_max_pixels)
    except photo.PhotoError as error:
        return _failed(relationship_id, moment_id, original_key, str(error))
    photo_key = paths.moment_photo_key(relationship_id, moment_id)
    thumbnail_key = paths.moment_thumbnail_key(relationship_id, moment_id)
    objects.put_bytes(photo_key, made.viewer, "image/jpeg")
    objects.put_bytes(thumbnail_key, made.feed, "image/jpeg")
    if not store.set_photo_ready(relationship_id, moment_id, photo_key, thumbnail_key, made.width, made.height):
        if store.get_item(relationship_id, moment_id) is None:
            # Deleted while we worked: its clean-up may have run before we wrote.
            objects.delete_prefix(paths.moment_prefix(relationship_id, moment_id))
            return "gone"
        objects.delete(original_key)
        return "done by another run"
    objects.delete(original_key)
    log.info(
        "photo %s: %dx%d, %d bytes, renditions made in %.2fs",
        moment_id,
        made.width,
        made.height,
        len(data),
        time.perf_counter() - started,
    )
    domain.publish(relationship_id, moment_id, "thumbnail_ready", None)
    return "ready"


def _failed(relationship_id: str, moment_id: str, original_key: str, why: str) -> str:
    log.warning("photo %s cannot be made ready: %s", moment_id, why)
    if store.set_photo_failed(relationship_id, moment_id):
        domain.publish(relationship_id, moment_id, "updated", None)
    objects.delete(original_key)
    return "failed"


__all__ = ["check_video", "handler", "make_photo_renditions", "record_handler"]
