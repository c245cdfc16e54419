"""The media queue: heavy media work, off the request path and off the stream's shards.

A :class:`PhotoJob` asks ``backend.jobs.media`` to make a photo moment's renditions; a
:class:`VideoJob` asks it to check a video moment with ffmpeg (and make its thumbnail). Both
are queued by the stream when the moment is inserted (``backend.streams.moments``): the
stream retries its step until the queue took the message, so a stored moment always gets its
job, and a replayed record or a duplicate message only finds the work already done.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from backend.aws import client
from backend.domain.errors import Unavailable
from backend.settings import get_settings


class PhotoJob(BaseModel):
    """Make the renditions of this photo moment (if it is still processing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["photo_renditions"] = "photo_renditions"
    relationship_id: str
    moment_id: str


class VideoJob(BaseModel):
    """Probe this video moment (if it is still processing) and make its thumbnail (if it has none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["video_check"] = "video_check"
    relationship_id: str
    moment_id: str


MediaJob = Annotated[PhotoJob | VideoJob, Field(discriminator="kind")]
media_job = TypeAdapter(MediaJob)


def enqueue(job: PhotoJob | VideoJob) -> None:
    queue_url = get_settings().queue_url_media
    if not queue_url:
        raise Unavailable("Moments cannot be processed: no media queue is configured.")
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=job.model_dump_json())
