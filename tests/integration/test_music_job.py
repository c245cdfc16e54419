"""The music job on the real local stack: songs generated at test time with ffmpeg's sine source
in every format (some tagged with mutagen, one with cover art), uploaded through the ticket's
presigned POST, confirmed, and made ready by the job behind the ``music`` queue
(``music.drain()``): tags, duration, the streaming rendition (AAC in MP4, its index before its
media), loudness and peaks. Damaged files, files that are not audio, songs too long and a
second copy of a song are refused with a reason, their files deleted and their bytes given
back to the quota.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from backend.jobs import music as music_job
from backend.local.queue_poller import QueuePoller
from backend.local.stack import LocalStack
from backend.media.audio import PEAK_COUNT
from backend.settings import reset_settings
from backend.store import keys, table
from tests.audio import CONTENT_TYPES, FORMATS, Tags, cover_art, make_song, tagged_song
from tests.integration.conftest import Api, Person, Register
from tests.integration.test_moments import object_exists, object_keys
from tests.integration.test_music_uploads import confirm, song_prefix, upload_song, usage
from tests.media import make_video


@pytest.fixture(scope="package")
def music_poller(api_stack: LocalStack) -> QueuePoller:
    """The real music job behind the stack's ``music`` queue, drained by hand."""
    assert api_stack.provisioned is not None
    return QueuePoller(api_stack.provisioned.queue_urls["music"], music_job.handler)


@pytest.fixture
def music(stack: LocalStack, music_poller: QueuePoller) -> Iterator[QueuePoller]:
    music_poller.drain(timeout=60)  # what earlier tests left
    yield music_poller


def add_song(api: Api, person: Person, data: bytes, fmt: str = "mp3", file_name: str | None = None) -> dict[str, Any]:
    ticket = upload_song(api, person, data, CONTENT_TYPES[fmt], file_name or f"track.{fmt}")
    status, song = confirm(api, person, ticket["song_id"])
    assert status == 201, song
    assert song["status"] == "processing"
    return song


def stored(person: Person, song_id: str) -> dict[str, Any]:
    item = table.get(keys.song(person.user_id, song_id))
    assert item is not None
    return item


def boxes(data: bytes) -> list[str]:
    """The top-level boxes of an MP4 file, in order."""
    found, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        found.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return found


def rendition_of(person: Person, song_id: str) -> bytes:
    from backend.aws import client
    from backend.settings import get_settings

    key = f"{song_prefix(person.user_id, song_id)}stream.m4a"
    return client("s3").get_object(Bucket=get_settings().media_bucket, Key=key)["Body"].read()


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_becomes_a_ready_song_with_rendition_loudness_and_peaks(
    api: Api, register: Register, music: QueuePoller, fmt: str
) -> None:
    # given a person who uploaded an untagged two-second song
    ana = register("ana")
    song = add_song(api, ana, make_song(fmt), fmt, file_name=f"Evening_{fmt}.{fmt}")
    # when the music job has run
    assert music.drain(timeout=60) >= 1
    # then the song is ready, titled after its file name, about two seconds long
    item = stored(ana, song["song_id"])
    assert item["status"] == "ready", item.get("refused_reason")
    assert item["title"] == f"Evening {fmt}" and "artist" not in item
    assert 1.9 <= float(item["duration_seconds"]) <= 2.1
    # its rendition is AAC in MP4 with the index (moov) before the media (mdat)
    rendition = rendition_of(ana, song["song_id"])
    top = boxes(rendition)
    assert top[0] == "ftyp" and "moov" in top and "mdat" in top
    assert top.index("moov") < top.index("mdat"), top
    assert b"mp4a" in rendition[: rendition.index(b"mdat")]
    # a sine at ffmpeg's default amplitude (1/8) measures about -22 LUFS
    assert -25.0 <= float(item["loudness_lufs"]) <= -18.0
    peaks = bytes(item["peaks"].value)
    assert len(peaks) == PEAK_COUNT and 20 <= max(peaks) <= 40 and min(peaks[5:-5]) >= 15
    # the content hash is claimed, the original kept, no cover
    assert table.get(keys.song_hash(ana.user_id, item["content_hash"]))["song_id"] == song["song_id"]
    assert sorted(object_keys(song_prefix(ana.user_id, song["song_id"]))) == [
        f"{song_prefix(ana.user_id, song['song_id'])}original",
        f"{song_prefix(ana.user_id, song['song_id'])}stream.m4a",
    ]
    assert "cover_key" not in item


@pytest.mark.parametrize("fmt", FORMATS)
def test_tags_and_cover_art_are_read_in_each_format(api: Api, register: Register, music: QueuePoller, fmt: str) -> None:
    ana = register("ana")
    tags = Tags(title=f"Blue Hour ({fmt})", artist="Édith & the Lights")
    song = add_song(api, ana, tagged_song(fmt, tags, cover=cover_art((900, 700))), fmt)  # type: ignore[arg-type]
    music.drain(timeout=60)
    item = stored(ana, song["song_id"])
    assert item["status"] == "ready", item.get("refused_reason")
    assert (item["title"], item["artist"], item["album"], item["album_artist"]) == (
        f"Blue Hour ({fmt})",
        "Édith & the Lights",
        "Night Songs",
        "Ana & the Lights",
    )
    assert (item["track_number"], item["disc_number"], item["year"], item["genre"]) == (3, 1, 2019, "Jazz")
    # the sort keys come from the tags (folded: no case, no accents)
    assert item["gsi1sk"] == f"blue hour ({fmt})#edith & the lights#{song['song_id']}"
    assert item["gsi3sk"] == f"edith & the lights#night songs#001#0003#{song['song_id']}"
    # the cover is a small JPEG of its own
    from backend.aws import client
    from backend.settings import get_settings

    cover = client("s3").get_object(Bucket=get_settings().media_bucket, Key=item["cover_key"])["Body"].read()
    with Image.open(io.BytesIO(cover)) as picture:
        assert picture.format == "JPEG" and picture.size == (600, 467)


def test_the_owner_sees_the_song_become_ready_in_the_api(api: Api, register: Register, music: QueuePoller) -> None:
    ana = register("ana")
    song = add_song(api, ana, tagged_song("mp3", Tags(title="Morning")))
    music.drain(timeout=60)
    # a retried confirm answers the ready song, with a signed rendition URL that plays
    status, ready = confirm(api, ana, song["song_id"])
    assert status == 201 and ready["status"] == "ready" and ready["title"] == "Morning"
    assert ready["stream_url"] and ready["cover_url"] is None and ready["loudness_lufs"] < -10
    response = httpx.get(ready["stream_url"], headers={"Range": "bytes=0-99"}, timeout=10)
    assert response.status_code == 206 and response.content[4:8] == b"ftyp"
    # and running the job again changes nothing
    assert music_job.process_song(ana.user_id, song["song_id"]) == "already ready"


@pytest.mark.parametrize(
    "data",
    [b"fLaC" + bytes(range(256)) * 40, b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x13\x37" * 3000],
    ids=["corrupt-flac", "corrupt-mp3"],
)
def test_a_corrupt_file_is_refused_and_deleted(api: Api, register: Register, music: QueuePoller, data: bytes) -> None:
    ana = register("ana")
    song = add_song(api, ana, data, "flac")
    assert usage(api, ana)["bytes_used"] == len(data)
    music.drain(timeout=60)
    item = stored(ana, song["song_id"])
    assert item["status"] == "refused"
    assert item["refused_reason"] in (music_job.DAMAGED, music_job.NOT_AUDIO)
    assert object_keys(song_prefix(ana.user_id, song["song_id"])) == []
    assert "gsi1pk" not in item and "gsi3pk" not in item and int(item["expires_at"]) > 0
    now = usage(api, ana)
    assert (now["bytes_used"], now["song_count"]) == (0, 0)


def test_a_video_without_sound_is_not_a_song(api: Api, register: Register, music: QueuePoller) -> None:
    # an MP4 (its bytes pass the magic check) that holds only a picture
    ana = register("ana")
    data = make_video(seconds=1, size="64x48").read_bytes()
    song = add_song(api, ana, data, "m4a")
    music.drain(timeout=60)
    item = stored(ana, song["song_id"])
    assert (item["status"], item["refused_reason"]) == ("refused", "This file is not a song we can play")
    assert object_keys(song_prefix(ana.user_id, song["song_id"])) == []
    assert usage(api, ana)["bytes_used"] == 0


def test_a_song_longer_than_allowed_is_refused(
    api: Api, register: Register, music: QueuePoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = register("ana")
    song = add_song(api, ana, make_song("ogg", seconds=3))
    monkeypatch.setenv("LUMI_MUSIC_MAX_SECONDS", "2")
    reset_settings()
    try:
        music.drain(timeout=60)
    finally:
        monkeypatch.delenv("LUMI_MUSIC_MAX_SECONDS")
        reset_settings()
    item = stored(ana, song["song_id"])
    assert (item["status"], item["refused_reason"]) == ("refused", "Songs can be up to 2 seconds long")
    assert not object_exists(f"{song_prefix(ana.user_id, song['song_id'])}original")


def test_the_same_file_twice_is_recognised_and_not_kept(api: Api, register: Register, music: QueuePoller) -> None:
    ana, ben = register("ana"), register("ben")
    data = tagged_song("flac", Tags(title="Only Once"))
    first = add_song(api, ana, data, "flac")
    music.drain(timeout=60)
    # the same bytes again (under another name) are refused, with the song they duplicate
    second = add_song(api, ana, data, "flac", file_name="copy.flac")
    music.drain(timeout=60)
    item = stored(ana, second["song_id"])
    assert (item["status"], item["refused_reason"]) == ("refused", "You already have this song: Only Once")
    assert object_keys(song_prefix(ana.user_id, second["song_id"])) == []
    assert stored(ana, first["song_id"])["status"] == "ready"
    assert usage(api, ana)["bytes_used"] == len(data) and usage(api, ana)["song_count"] == 1
    # another person may have the same file
    theirs = add_song(api, ben, data, "flac")
    music.drain(timeout=60)
    assert stored(ben, theirs["song_id"])["status"] == "ready"


def test_a_song_deleted_before_its_job_leaves_no_file(api: Api, register: Register, music: QueuePoller) -> None:
    ana = register("ana")
    song = add_song(api, ana, make_song("wav"))
    table.delete(keys.song(ana.user_id, song["song_id"]))  # as a delete route will
    music.drain(timeout=60)
    assert object_keys(song_prefix(ana.user_id, song["song_id"])) == []


def _sqs_event(body: str, receive_count: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "r1",
                "body": body,
                "attributes": {"ApproximateReceiveCount": str(receive_count)},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:lumi-apitest-music",
                "awsRegion": "us-east-1",
            }
        ]
    }


def test_a_song_that_keeps_failing_is_refused_on_its_last_try(
    api: Api, register: Register, music: QueuePoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from backend.domain.music_jobs import SongJob
    from backend.local.lambda_context import LocalLambdaContext
    from backend.media import audio

    ana = register("ana")
    song = add_song(api, ana, make_song("mp3", seconds=1, frequency=1110))
    music.drain(timeout=60)
    # as if the job had not run yet
    table.update(keys.song(ana.user_id, song["song_id"]), "SET #s = :p", {":p": "processing"}, {"#s": "status"})

    def ffmpeg_away(*args: Any, **kwargs: Any) -> None:
        raise audio.AudioError("ffmpeg took longer than 120s")

    monkeypatch.setattr(audio, "process", ffmpeg_away)
    body = SongJob(owner_id=ana.user_id, song_id=song["song_id"]).model_dump_json()
    context = LocalLambdaContext(function_name="lumi-music")
    # the first tries fail (SQS brings the message back) and the song stays processing
    with pytest.raises(BatchProcessingError):  # the whole batch failed: Lambda reports it, SQS retries
        music_job.handler(_sqs_event(body, 1), context)
    assert stored(ana, song["song_id"])["status"] == "processing"
    # the last one refuses it with a reason and gives its storage back
    assert music_job.handler(_sqs_event(body, 3), context) == {"batchItemFailures": []}
    item = stored(ana, song["song_id"])
    assert (item["status"], item["refused_reason"]) == ("refused", music_job.GAVE_UP)
    assert object_keys(song_prefix(ana.user_id, song["song_id"])) == []
    assert usage(api, ana)["bytes_used"] == 0
