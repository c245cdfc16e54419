"""The music job: the Lambda behind the ``music`` queue (a song's heavy work, off the request path).

A :class:`~backend.domain.music_jobs.SongJob` turns a processing song into a ready one, or a
refused one with a reason:

1. the original is copied to a local file (hashed on the way: SHA-256);
2. its magic bytes must prove an audio container, and ``ffmpeg -i`` (forced to that demuxer)
   must find an audio stream no longer than ``music_max_seconds``;
3. the person must not have a song of this content already (the ``SongHash`` claim);
4. mutagen reads the tags (title, artist, album, album artist, track and disc, year, genre)
   and the embedded cover art, which Pillow makes a small JPEG; no title → the file name;
5. one decode makes the streaming rendition (AAC in MP4, its index first), measures the
   integrated loudness (EBU R128) and takes the waveform peaks;
6. one conditional write makes the song ready (and claims its content) or refused (and gives
   its bytes back to the quota; its files are deleted). The owner's screens are told.

Safe to run any number of times: the object keys are fixed, and only a song still processing
is written, once. A song deleted meanwhile loses what the job wrote. A file that is not a song
is refused (trying again would not help); anything else (storage or ffmpeg away) raises and SQS
brings the message back; on its last try (before the dead-letter queue) the song is refused
with a reason instead, so no song stays "processing" for ever.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backend.domain import music as domain
from backend.domain.music_jobs import SongJob
from backend.jobs.last_try import or_give_up
from backend.media import audio, objects, paths
from backend.media.tags import cover_jpeg, read_tags
from backend.settings import get_settings
from backend.store import music as store
from backend.store import records
from backend.store.music import SongRecord

log = logging.getLogger("lumi.jobs.music")

# A refused song stays (with its reason, without its files) this long, then the TTL takes it.
REFUSED_KEEP_SECONDS = 7 * 24 * 3600

NOT_AUDIO = "This file is not a song we can play"
DAMAGED = "This file seems damaged: we could not play it"
MISSING = "The uploaded file was not found; please upload it again"
GAVE_UP = "We could not process this file; please upload it again later"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def record_handler(record: SQSRecord) -> str:
    job = SongJob.model_validate_json(record.body)
    # On the last try the person is told (and can upload it again).
    work = functools.partial(process_song, job.owner_id, job.song_id)
    return or_give_up(record, "music", work, functools.partial(_gave_up, job), log, f"song {job.song_id}")


def _gave_up(job: SongJob) -> str:
    song = store.get(job.owner_id, job.song_id)
    if song is None or song.status != "processing":
        return "gone" if song is None else f"already {song.status}"
    return _refuse(song, GAVE_UP)


def too_long_words(max_seconds: float) -> str:
    minutes = int(max_seconds // 60)
    if max_seconds >= 60 and max_seconds % 60 == 0:
        return f"Songs can be up to {minutes} minute{'s' if minutes != 1 else ''} long"
    return f"Songs can be up to {int(max_seconds)} seconds long"


def probe_problem(probe: audio.AudioProbe | None, max_seconds: float) -> str | None:
    """Why ffmpeg's view of the file rules it out (None: a song we can play)."""
    if probe is None:
        return DAMAGED
    if not probe.has_audio:
        return NOT_AUDIO
    if probe.duration_seconds is not None and probe.duration_seconds > max_seconds:
        return too_long_words(max_seconds)
    return None


def process_song(owner_id: str, song_id: str) -> str:
    """Make a processing song ready (or refused); returns what happened, for the logs and tests."""
    song = store.get(owner_id, song_id)
    if song is None:
        objects.delete_prefix(paths.song_prefix(owner_id, song_id))  # deleted before we came
        return "gone"
    if song.status != "processing":
        return f"already {song.status}"
    settings = get_settings()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lumi-song-") as work:
        original = Path(work) / "original"
        copied = objects.download(paths.song_original_key(owner_id, song_id), original, settings.music_max_bytes + 1)
        if copied is None:
            return _refuse(song, MISSING)
        if copied.truncated or copied.size > settings.music_max_bytes:
            return _refuse(song, f"Songs can be up to {domain.size_words(settings.music_max_bytes)}")
        with original.open("rb") as head:
            container = audio.sniff_container(head.read(audio.SNIFF_BYTES))
        if container is None:
            return _refuse(song, NOT_AUDIO)
        probe = audio.probe(original, container)  # AudioError (ffmpeg away) raises: a retry
        problem = probe_problem(probe, settings.music_max_seconds)
        if problem:
            return _refuse(song, problem)
        duplicate = _duplicate_of(song, copied.sha256)
        if duplicate:
            return _refuse(song, duplicate)
        rendition = Path(work) / "stream.m4a"
        made = audio.process(original, container, rendition)
        if made is None:
            return _refuse(song, DAMAGED)
        duration = made.decoded_seconds or (probe.duration_seconds if probe else None)
        if duration is not None and duration > settings.music_max_seconds:
            return _refuse(song, too_long_words(settings.music_max_seconds))
        tags = read_tags(original)
        cover = cover_jpeg(tags.cover)
        rendition_key = paths.song_rendition_key(owner_id, song_id)
        objects.put_file(rendition_key, rendition, audio.RENDITION_CONTENT_TYPE)
        cover_key = None
        if cover:
            cover_key = paths.song_cover_key(owner_id, song_id)
            objects.put_bytes(cover_key, cover, "image/jpeg")
    ready = dataclasses.replace(
        song,
        status="ready",
        title=tags.title or song.title,
        artist=tags.artist,
        album=tags.album,
        album_artist=tags.album_artist,
        track_number=tags.track_number,
        disc_number=tags.disc_number,
        year=tags.year,
        genre=tags.genre,
        duration_seconds=round(duration, 3) if duration is not None else None,
        loudness_lufs=made.loudness_lufs,
        peaks=made.peaks,
        rendition_key=rendition_key,
        cover_key=cover_key,
        content_hash=copied.sha256,
        updated_at=records.now(),
    )
    outcome = store.set_ready(ready)
    if outcome == "duplicate":
        return _refuse(song, _duplicate_of(song, copied.sha256) or "You already have this song")
    if outcome == "not processing":
        if store.get(owner_id, song_id) is None:
            # Deleted while we worked: its clean-up may have run before we wrote.
            objects.delete_prefix(paths.song_prefix(owner_id, song_id))
            return "gone"
        return "done by another run"
    log.info(
        "song %s: %s, %.1fs, %d bytes, ready in %.2fs",
        song_id,
        container,
        duration or 0.0,
        copied.size,
        time.perf_counter() - started,
    )
    domain.publish(owner_id, song_id, "ready")
    return "ready"


def _duplicate_of(song: SongRecord, sha256: str) -> str | None:
    """Why this content is not kept twice (None: the person has no other song of it)."""
    holder = store.hash_claim(song.owner_id, sha256)
    if holder is None or holder == song.song_id:
        return None
    other = store.get(song.owner_id, holder)
    if other is None:
        store.release_hash(song.owner_id, sha256, holder)  # its song went: the claim is stale
        return None
    return f"You already have this song: {other.title}"


def _refuse(song: SongRecord, reason: str) -> str:
    log.info("song %s refused: %s", song.song_id, reason)
    refused = dataclasses.replace(
        song,
        status="refused",
        refused_reason=reason,
        rendition_key=None,
        cover_key=None,
        peaks=None,
        updated_at=records.now(),
        expires_at=int(time.time()) + REFUSED_KEEP_SECONDS,
    )
    if not store.set_refused(refused):
        if store.get(song.owner_id, song.song_id) is not None:
            return "done by another run"  # its files are that run's: keep them
        objects.delete_prefix(paths.song_prefix(song.owner_id, song.song_id))
        return "gone"
    objects.delete_prefix(paths.song_prefix(song.owner_id, song.song_id))
    domain.publish(song.owner_id, song.song_id, "refused")
    return "refused"


__all__ = ["handler", "process_song", "record_handler"]
