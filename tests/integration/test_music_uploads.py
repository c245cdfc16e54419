"""Uploading songs on the real local stack: a ticket whose presigned POST pins the key under the
owner's private prefix, the file sent straight to the emulated S3, and the confirm that looks
at it (magic bytes), stores the song "processing" with its bytes counted against the quota,
and queues its job on the ``music`` queue. Files that are not songs and songs that do not fit
are refused and their objects deleted; nobody but the uploader can confirm an upload.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from backend.aws import client
from backend.local.stack import LocalStack
from backend.settings import get_settings, reset_settings
from backend.store import keys, table
from tests.audio import CONTENT_TYPES, FORMATS, make_song
from tests.integration.conftest import Api, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_moments import object_exists, object_keys, post_file, s3_error

# ---------------------------------------------------------------- helpers: what the browser does


def ask_ticket(
    api: Api, person: Person, content_type: str = "audio/mpeg", size: int = 20_000, file_name: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"content_type": content_type, "size": size}
    if file_name is not None:
        body["file_name"] = file_name
    status, ticket = api.post("/music/uploads", body, token=person.access_token)
    assert status == 201, ticket
    return ticket


def upload_song(
    api: Api, person: Person, data: bytes, content_type: str = "audio/mpeg", file_name: str | None = "song.mp3"
) -> dict[str, Any]:
    ticket = ask_ticket(api, person, content_type, len(data), file_name)
    response = post_file(ticket, data)
    assert response.status_code == 204, response.text
    return ticket


def confirm(api: Api, person: Person, song_id: str) -> tuple[int, Any]:
    return api.post("/music/songs", {"song_id": song_id}, token=person.access_token)


def song_prefix(user_id: str, song_id: str) -> str:
    return f"private/users/{user_id}/music/{song_id}/"


def usage(api: Api, person: Person) -> dict[str, int]:
    status, body = api.get("/music/usage", token=person.access_token)
    assert status == 200, body
    return body


@pytest.fixture
def music_queue(stack: LocalStack) -> Iterator[str]:
    """The ``music`` queue's URL, emptied of what earlier tests left."""
    assert stack.provisioned is not None
    url = stack.provisioned.queue_urls["music"]
    take_jobs(url)
    yield url


def take_jobs(queue_url: str) -> list[dict[str, Any]]:
    """Every message now on the queue (received and deleted), as JSON."""
    sqs = client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def small_quota(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("LUMI_MUSIC_QUOTA_BYTES", "60000")
    reset_settings()
    yield 60_000
    monkeypatch.delenv("LUMI_MUSIC_QUOTA_BYTES")
    reset_settings()


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_is_confirmed_as_a_processing_song_and_its_job_queued(
    api: Api, register: Register, music_queue: str, fmt: str
) -> None:
    # given a person who uploaded a song in this format
    ana = register("ana")
    data = make_song(fmt)  # type: ignore[arg-type]
    ticket = upload_song(api, ana, data, CONTENT_TYPES[fmt], f"Music/My_first song.{fmt}")
    # when they confirm it
    status, song = confirm(api, ana, ticket["song_id"])
    # then it is their song, processing, titled after its file name, its real size counted
    assert status == 201, song
    assert song["song_id"] == ticket["song_id"] and song["owner_id"] == ana.user_id and song["mine"] is True
    assert song["status"] == "processing" and song["visibility"] == "private"
    assert song["title"] == "My first song"
    assert song["size"] == len(data) and song["content_type"] == CONTENT_TYPES[fmt]
    assert song["stream_url"] is None and song["cover_url"] is None
    assert usage(api, ana) == {
        "bytes_used": len(data),
        "quota_bytes": get_settings().music_quota_bytes,
        "song_count": 1,
    }
    # and its job is on the music queue, the ticket consumed
    assert take_jobs(music_queue) == [{"kind": "song_process", "owner_id": ana.user_id, "song_id": ticket["song_id"]}]
    assert table.get(keys.song_upload(ana.user_id, ticket["song_id"])) is None
    stored = table.get(keys.song(ana.user_id, ticket["song_id"]))
    assert stored is not None and stored["type"] == "Song"
    assert stored["gsi1pk"] == f"SONGS#{ana.user_id}#TITLE" and stored["gsi1sk"].startswith("my first song#~#")


def test_the_ticket_pins_the_owners_key_type_and_size(api: Api, register: Register) -> None:
    ana = register("ana")
    ticket = ask_ticket(api, ana, "audio/flac", 30_000)
    settings = get_settings()
    expected_key = f"private/users/{ana.user_id}/music/{ticket['song_id']}/original"
    assert ticket["key"] == expected_key
    assert (ticket["min_bytes"], ticket["max_bytes"]) == (settings.music_min_bytes, settings.music_max_bytes)
    assert settings.music_max_bytes == 200 * 1024 * 1024
    conditions = json.loads(base64.b64decode(ticket["fields"]["policy"]))["conditions"]
    assert {"key": expected_key} in conditions
    assert {"Content-Type": "audio/flac"} in conditions
    assert ["content-length-range", settings.music_min_bytes, settings.music_max_bytes] in conditions
    data = make_song("flac")
    elsewhere = f"private/users/{ana.user_id}/music/planted/original"
    assert s3_error(post_file(ticket, data, {"key": elsewhere})) == (403, "AccessDenied")
    assert s3_error(post_file(ticket, data, {"Content-Type": "audio/mpeg"})) == (403, "AccessDenied")
    assert not object_exists(elsewhere) and not object_exists(expected_key)
    assert post_file(ticket, data).status_code == 204


def test_wrong_types_and_sizes_get_no_ticket(api: Api, register: Register) -> None:
    ana = register("ana")
    status, body = api.post("/music/uploads", {"content_type": "video/mp4", "size": 5000}, token=ana.access_token)
    assert status == 422 and "content_type" in body["error"]["fields"], body
    too_big = 200 * 1024 * 1024 + 1
    error = assert_error(
        api.post("/music/uploads", {"content_type": "audio/mpeg", "size": too_big}, token=ana.access_token),
        422,
        "validation_error",
    )
    assert error["fields"] == {"size": "Songs can be up to 200 MB."}
    error = assert_error(
        api.post("/music/uploads", {"content_type": "audio/mpeg", "size": 10}, token=ana.access_token),
        422,
        "validation_error",
    )
    assert error["fields"] == {"size": "This file is too small to be a song."}
    status, body = api.post("/music/uploads", {"content_type": "audio/mpeg", "size": 5000})
    assert status == 401, body


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n" + b"x" * 4000, b"\x89PNG\r\n\x1a\n" + b"\0" * 4000, b"\0" * 5000],
    ids=["pdf", "png", "zeros"],
)
def test_a_file_that_is_not_audio_is_refused_and_deleted(
    api: Api, register: Register, music_queue: str, data: bytes
) -> None:
    ana = register("ana")
    ticket = upload_song(api, ana, data, "audio/mpeg")
    error = assert_error(confirm(api, ana, ticket["song_id"]), 422, "invalid_audio")
    assert error["fields"] == {"file": "This file is not a song we can play."}
    # the file and the ticket are gone, nothing was counted or queued
    assert object_keys(song_prefix(ana.user_id, ticket["song_id"])) == []
    assert table.get(keys.song_upload(ana.user_id, ticket["song_id"])) is None
    assert table.get(keys.song(ana.user_id, ticket["song_id"])) is None
    assert usage(api, ana)["bytes_used"] == 0
    assert take_jobs(music_queue) == []
    assert_error(confirm(api, ana, ticket["song_id"]), 404, "not_found")


def test_confirming_before_the_file_arrived_keeps_the_ticket(api: Api, register: Register) -> None:
    ana = register("ana")
    ticket = ask_ticket(api, ana)
    assert_error(confirm(api, ana, ticket["song_id"]), 422, "upload_missing")
    assert table.get(keys.song_upload(ana.user_id, ticket["song_id"])) is not None


def test_only_the_uploader_can_confirm(api: Api, register: Register, music_queue: str) -> None:
    ana, ben = register("ana"), register("ben")
    ticket = upload_song(api, ana, make_song("mp3"))
    # another person (partner or not) cannot, and learns nothing
    assert_error(confirm(api, ben, ticket["song_id"]), 404, "not_found")
    assert_error(confirm(api, ben, "nosuchsong"), 404, "not_found")
    assert take_jobs(music_queue) == []
    # the uploader can, and a retry answers the same song and sends its job again
    status, first = confirm(api, ana, ticket["song_id"])
    assert status == 201, first
    status, again = confirm(api, ana, ticket["song_id"])
    assert status == 201 and again == first
    assert [job["song_id"] for job in take_jobs(music_queue)] == [ticket["song_id"]] * 2
    assert usage(api, ana)["song_count"] == 1
    assert_error(confirm(api, ben, ticket["song_id"]), 404, "not_found")


def test_the_quota_refuses_a_ticket_and_a_confirm_that_would_exceed_it(
    api: Api, register: Register, music_queue: str, small_quota: int
) -> None:
    ana = register("ana")
    first = make_song("mp3", seconds=3)  # about 25 KB
    assert len(first) < small_quota // 2
    # a ticket for more than the quota is refused at once, in words
    error = assert_error(
        api.post("/music/uploads", {"content_type": "audio/mpeg", "size": small_quota + 1}, token=ana.access_token),
        409,
        "quota_exceeded",
    )
    assert "does not fit in your music storage" in error["message"]
    # two tickets fit on their own; the first song is made
    ticket_a = upload_song(api, ana, first)
    ticket_b = ask_ticket(api, ana, "audio/mpeg", len(first))
    assert confirm(api, ana, ticket_a["song_id"])[0] == 201
    # the second file is bigger than declared (within the policy's range): it would fit alone,
    # but no longer with the first one
    bigger = make_song("mp3", seconds=5, frequency=660)  # about 41 KB
    assert len(bigger) < small_quota < len(first) + len(bigger)
    assert post_file(ticket_b, bigger).status_code == 204
    error = assert_error(confirm(api, ana, ticket_b["song_id"]), 409, "quota_exceeded")
    assert "Delete some songs to make room" in error["message"]
    assert object_keys(song_prefix(ana.user_id, ticket_b["song_id"])) == []
    assert table.get(keys.song(ana.user_id, ticket_b["song_id"])) is None
    assert usage(api, ana) == {"bytes_used": len(first), "quota_bytes": small_quota, "song_count": 1}
    # and a new ticket that would not fit with what is stored is refused too
    assert_error(
        api.post(
            "/music/uploads",
            {"content_type": "audio/mpeg", "size": small_quota - len(first) + 1},
            token=ana.access_token,
        ),
        409,
        "quota_exceeded",
    )
    assert [job["song_id"] for job in take_jobs(music_queue)] == [ticket_a["song_id"]]
