"""The media queue: heavy media work, off the request path and off the stream's shards.

A :class:`PhotoJob` asks ``backend.jobs.media`` to make a photo moment's renditions. It is
queued by the stream when a photo moment is inserted (``backend.streams.moments``): the
stream retries its step until the queue took the message, so a stored photo always gets its
job, and a replayed record or a duplicate message only finds the work already done.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from backend.aws import client
from backend.domain.errors import Unavailable
from backend.settings import get_settings


class PhotoJob(BaseModel):
    """Make the renditions of this photo moment (if it is still processing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["photo_renditions"] = "photo_renditions"
    relationship_id: str
    moment_id: str


def enqueue(job: PhotoJob) -> None:
    queue_url = get_settings().queue_url_media
    if not queue_url:
        raise Unavailable("Photos cannot be processed: no media queue is configured.")
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=job.model_dump_json())
