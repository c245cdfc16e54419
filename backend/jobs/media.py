"""The media job: the Lambda behind the ``media`` queue (heavy media work, off the request path).

A :class:`~backend.domain.media_jobs.PhotoJob` makes a photo moment's renditions: the
original is decoded, turned upright by its EXIF orientation, converted to sRGB and written as
two JPEGs without any metadata (the feed's, 480 px wide, as the moment's thumbnail; the
viewer's, 1600 px on its long side). Then the moment is marked ready, under the condition that
it is still processing, the original (which may carry GPS) is deleted, and the couple's screens
are told (``thumbnail_ready``), so "processing" turns into the photo live.

Safe to run any number of times, without an idempotency store: every step is idempotent (the
rendition keys are fixed, deleting is), and the conditional "ready" decides once. A moment
deleted meanwhile loses what the job wrote. A photo that cannot be decoded is marked "failed"
(retrying would not help); anything else (storage away) raises, SQS brings the message back,
and after three tries it lands in the dead-letter queue.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backend.domain import moments as domain
from backend.domain.media_jobs import PhotoJob
from backend.media import objects, paths, photo
from backend.settings import get_settings
from backend.store import moments as store

log = logging.getLogger("lumi.jobs.media")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A processor per batch: it holds the batch's results, and the local stack may run two batches at once.
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def record_handler(record: SQSRecord) -> str:
    job = PhotoJob.model_validate_json(record.body)
    return make_photo_renditions(job.relationship_id, job.moment_id)


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


__all__ = ["handler", "make_photo_renditions", "record_handler"]
