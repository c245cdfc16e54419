"""The music queue: a song's heavy work, off the request path and off the stream's shards.

A :class:`SongJob` asks ``backend.jobs.music`` to check a processing song's file, read its
tags, make its streaming rendition, measure its loudness and waveform, and mark it ready or
refused. It is sent by the confirm (``backend.domain.music.confirm``) right after the song
was stored; a confirm retried for a song still processing sends it again, and the job finds
the work done (one conditional write decides), so a lost or duplicate message is harmless.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from backend.aws import client
from backend.domain.errors import Unavailable
from backend.settings import get_settings


class SongJob(BaseModel):
    """Make this processing song ready (or refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["song_process"] = "song_process"
    owner_id: str
    song_id: str


def enqueue(job: SongJob) -> None:
    queue_url = get_settings().queue_url_music
    if not queue_url:
        raise Unavailable("Songs cannot be processed: no music queue is configured.")
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=job.model_dump_json())
