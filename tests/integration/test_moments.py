"""Moments through the API on the real local stack: uploads straight to the emulated S3 with
the ticket's presigned POST, the API's checks without ffmpeg (size, magic bytes), then the
media job's probe and thumbnail with real ffmpeg, queued by the stream (``process``: the
stream poller, the media queue's poller, the stream again), who may see and change what, the
feed and its pages, the cached signed URLs, the partner's notification, and what a deletion
takes with it.
"""

from __future__ import annotations

import base64
import calendar
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import httpx
import pytest
from botocore.exceptions import ClientError

from backend.aws import client
from backend.jobs import media as media_job
from backend.local.queue_poller import QueuePoller
from backend.local.stream_poller import StreamPoller
from backend.media import urls, video
from backend.settings import get_settings, reset_settings
from backend.store import keys, table
from backend.store.redis_client import key as redis_key
from backend.store.redis_client import redis_client
from backend.streams.handler import handler as stream_handler
from tests.builders import stream_event, stream_record
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.media import CONTENT_TYPES, jpeg_size, unplayable_video, video_bytes

# ---------------------------------------------------------------- helpers: what the browser does


def ask_ticket(api: Api, person: Person, content_type: str = "video/mp4", size: int = 50_000) -> dict[str, Any]:
    status, ticket = api.post(
        "/moments/uploads", {"content_type": content_type, "size": size}, token=person.access_token
    )
    assert status == 201, ticket
    return ticket


def post_file(ticket: dict[str, Any], data: bytes, changes: dict[str, str] | None = None) -> httpx.Response:
    """A multipart POST of the ticket's fields (some changed) plus the file, straight to S3."""
    fields = {**ticket["fields"], **(changes or {})}
    return httpx.post(ticket["url"], data=fields, files={"file": ("clip", data, fields["Content-Type"])}, timeout=30)


def s3_error(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, ElementTree.fromstring(response.content).findtext("Code")


def upload(api: Api, person: Person, data: bytes, content_type: str = "video/mp4") -> dict[str, Any]:
    ticket = ask_ticket(api, person, content_type, len(data))
    response = post_file(ticket, data)
    assert response.status_code == 204, response.text
    return ticket


def share(
    api: Api,
    person: Person,
    title: str = "At the beach",
    tags: list[str] | None = None,
    fmt: str = "mp4",
    description: str = "",
) -> dict[str, Any]:
    """Upload a real generated video and make it a moment; returns the moment."""
    ticket = upload(api, person, video_bytes(fmt=fmt), CONTENT_TYPES[fmt])  # type: ignore[arg-type]
    status, moment = api.post(
        "/moments",
        {"moment_id": ticket["moment_id"], "title": title, "description": description, "tags": tags or []},
        token=person.access_token,
    )
    assert status == 201, moment
    return moment


def process(stream: StreamPoller, media: QueuePoller) -> None:
    """What follows a create: the stream queues the media job, the job checks the video, and the
    stream handles what the job wrote (the partner's notification)."""
    stream.drain()
    media.drain()
    stream.drain()


def object_keys(prefix: str) -> list[str]:
    found = client("s3").list_objects_v2(Bucket=get_settings().media_bucket, Prefix=prefix)
    return [entry["Key"] for entry in found.get("Contents", [])]


def object_exists(key: str) -> bool:
    try:
        client("s3").head_object(Bucket=get_settings().media_bucket, Key=key)
    except ClientError:
        return False
    return True


def moment_prefix(rel: str, moment_id: str) -> str:
    return f"private/rel/{rel}/moments/{moment_id}/"


def couple_tags(api: Api, person: Person) -> dict[str, int]:
    status, body = api.get("/tags", token=person.access_token)
    assert status == 200, body
    return {tag["slug"]: tag["moment_count"] for tag in body["items"]}


def stored_count(rel: str, slug: str) -> int | None:
    item = table.get(keys.tag(rel, slug))
    return int(item["moment_count"]) if item else None


def links_of(rel: str, slug: str) -> list[str]:
    items = table.query_all(("pk", keys.tenant(rel)), ("sk", keys.tagged_prefix(slug)))
    return [item["moment_id"] for item in items]


def image(item: dict[str, Any]) -> dict[str, Any]:
    """A stored item as a stream image (numbers as DynamoDB numbers)."""

    def plain(value: Any) -> Any:
        if isinstance(value, float):
            return Decimal(str(value))
        if isinstance(value, list):
            return [plain(entry) for entry in value]
        if isinstance(value, dict):
            return {name: plain(entry) for name, entry in value.items()}
        return value

    return {name: plain(value) for name, value in item.items()}


def replay(event_name: str, old: dict[str, Any] | None = None, new: dict[str, Any] | None = None) -> None:
    """Deliver one moment record to the real stream handler again, as a retry would."""
    some = new or old
    assert some is not None
    record = stream_record(
        event_name,
        keys.key_of(some),
        old=image(old) if old else None,
        new=image(new) if new else None,
        sequence_number=str(time.time_ns()),
    )
    assert stream_handler(stream_event(record), None) == {"batchItemFailures": []}


def forge_token(start: dict[str, str]) -> str:
    """A page token as the API makes them, around a start key of our choosing."""
    key = {name: {"S": value} for name, value in start.items()}
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def notifications_of(api: Api, person: Person) -> list[dict[str, Any]]:
    status, body = api.get("/notifications", token=person.access_token, query={"limit": "100"})
    assert status == 200, body
    return body["items"]


# ---------------------------------------------------------------- upload, checks, thumbnail


@pytest.mark.parametrize("fmt", ["mp4", "webm", "mov"])
def test_a_real_video_becomes_a_moment_with_a_thumbnail(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, fmt: str
) -> None:
    # given a couple, and a real 3-second video uploaded through the ticket's presigned POST
    ana, ben, rel = couple()
    stream.drain()
    data = video_bytes(fmt=fmt)  # type: ignore[arg-type]
    ticket = upload(api, ana, data, CONTENT_TYPES[fmt])
    assert table.get(keys.moment_upload(rel, ticket["moment_id"])) is not None
    # when it is made a moment
    status, moment = api.post(
        "/moments",
        {"moment_id": ticket["moment_id"], "title": "  Sunset  ", "tags": ["Beach", "summer  fun"]},
        token=ana.access_token,
    )
    # then the moment is there at once, processing, its ticket used up, nothing of it served yet
    assert status == 201, moment
    assert moment["moment_id"] == ticket["moment_id"] and moment["status"] == "processing"
    assert moment["title"] == "Sunset" and moment["owner"]["user_id"] == ana.user_id
    assert moment["content_type"] == CONTENT_TYPES[fmt] and moment["size"] == len(data)
    assert moment["duration_seconds"] == 0 and moment["failure_reason"] is None
    assert moment["tags"] == [{"slug": "beach", "name": "Beach"}, {"slug": "summer-fun", "name": "summer fun"}]
    assert moment["video_url"] is None and moment["thumbnail_url"] is None and moment["message_count"] == 0
    assert table.get(keys.moment_upload(rel, ticket["moment_id"])) is None
    # when the stream has queued its media job and the job has run
    process(stream, media)
    # then ffmpeg's facts are on it, it is ready, and the thumbnail is a real JPEG of the feed's width
    status, seen = api.get(f"/moments/{moment['moment_id']}", token=ben.access_token)
    assert status == 200, seen
    assert seen["status"] == "ready" and seen["failure_reason"] is None
    assert abs(seen["duration_seconds"] - 3.0) < 0.2
    assert (seen["width"], seen["height"]) == (320, 240)
    assert seen["thumbnail_url"]
    picture = httpx.get(seen["thumbnail_url"], timeout=10)
    assert picture.status_code == 200
    assert jpeg_size(picture.content)[0] == get_settings().thumbnail_width
    assert sorted(object_keys(moment_prefix(rel, moment["moment_id"]))) == [
        f"{moment_prefix(rel, moment['moment_id'])}thumbnail.jpg",
        f"{moment_prefix(rel, moment['moment_id'])}video",
    ]
    # and the video serves ranges, so players can seek
    part = httpx.get(seen["video_url"], headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206 and part.content == data[100:200]
    # and a duplicate job message finds the work done
    assert media_job.check_video(rel, moment["moment_id"]) == "already ready"


def test_the_api_never_runs_ffmpeg(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given every way this process could start ffmpeg, recorded
    ana, _, rel = couple()
    stream.drain()
    ticket = upload(api, ana, video_bytes())
    started: list[str] = []
    real_run = video._run

    def recorded(arguments: list[str]) -> Any:
        started.append(" ".join(arguments))
        return real_run(arguments)

    monkeypatch.setattr(video, "_run", recorded)
    # when the API makes the moment
    status, moment = api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Quick"}, token=ana.access_token)
    # then it answered without ffmpeg
    assert status == 201 and moment["status"] == "processing", moment
    assert started == []
    # and the media job is where ffmpeg ran (probe and thumbnail)
    process(stream, media)
    assert len(started) >= 2
    assert table.get(keys.moment(rel, moment["moment_id"]))["status"] == "ready"  # type: ignore[index]


def test_a_text_file_renamed_mp4_is_rejected_and_removed(api: Api, couple: MakeCouple) -> None:
    # given a text file sent as MP4 (S3 takes it: type and size fit the policy)
    ana, _, rel = couple()
    text = b"Dear diary, this is not a video at all.\n" * 40
    ticket = upload(api, ana, text, "video/mp4")
    assert object_exists(ticket["key"])
    # when it is offered as a moment
    error = assert_error(
        api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Nope"}, token=ana.access_token),
        422,
        "invalid_video",
    )
    # then it is refused in words, and neither the object nor the ticket stays
    assert error["fields"] == {"video": "This file is not a video we can play."}
    assert not object_exists(ticket["key"])
    assert table.get(keys.moment_upload(rel, ticket["moment_id"])) is None
    assert table.get(keys.moment(rel, ticket["moment_id"])) is None
    # and the used-up ticket cannot be tried again
    assert_error(
        api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Again"}, token=ana.access_token),
        404,
        "not_found",
    )


def test_a_webm_sent_as_mp4_is_rejected(api: Api, couple: MakeCouple) -> None:
    ana, _, rel = couple()
    ticket = upload(api, ana, video_bytes(fmt="webm"), "video/mp4")
    error = assert_error(
        api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Mislabelled"}, token=ana.access_token),
        422,
        "invalid_video",
    )
    assert error["fields"] == {"video": "The file is a WebM video but was sent as MP4."}
    assert object_keys(moment_prefix(rel, ticket["moment_id"])) == []


@pytest.fixture
def short_moments(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LUMI_MOMENT_MAX_SECONDS", "120")
    reset_settings()
    yield 120
    monkeypatch.delenv("LUMI_MOMENT_MAX_SECONDS")
    reset_settings()


def shared_but_failed(
    api: Api, person: Person, stream: StreamPoller, media: QueuePoller, data: bytes, title: str
) -> dict[str, Any]:
    """Share a file the API lets through (its bytes are a video container) and let the media job
    look at it; returns the moment as the partner then sees it."""
    ticket = upload(api, person, data)
    status, moment = api.post("/moments", {"moment_id": ticket["moment_id"], "title": title}, token=person.access_token)
    assert status == 201 and moment["status"] == "processing", moment
    process(stream, media)
    status, seen = api.get(f"/moments/{moment['moment_id']}", token=person.access_token)
    assert status == 200, seen
    return seen


def test_a_video_longer_than_allowed_is_marked_failed_with_the_reason(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, short_moments: int
) -> None:
    # given a 121-second video where 2 minutes is the most
    ana, ben, rel = couple()
    stream.drain()
    # when Ana shares it, then the API takes it (201) and the media job marks it failed, in the same words
    seen = shared_but_failed(api, ana, stream, media, video_bytes(seconds=121, size="64x48"), "Too long")
    assert seen["status"] == "failed"
    assert seen["failure_reason"] == "Videos can be up to 2 minutes long."
    assert seen["video_url"] is None and seen["thumbnail_url"] is None
    # and the moment stays for both of them (so they see why), without its file
    status, for_ben = api.get(f"/moments/{seen['moment_id']}", token=ben.access_token)
    assert status == 200 and for_ben["failure_reason"] == "Videos can be up to 2 minutes long."
    assert object_keys(moment_prefix(rel, seen["moment_id"])) == []
    # and Ben was not told about a moment he cannot watch
    assert [n for n in notifications_of(api, ben) if n["kind"] == "new_moment"] == []
    # and a duplicate job changes nothing; the owner deletes it like any moment
    assert media_job.check_video(rel, seen["moment_id"]) == "already failed"
    assert api.delete(f"/moments/{seen['moment_id']}", token=ana.access_token)[0] == 204
    stream.drain()
    assert table.get(keys.moment(rel, seen["moment_id"])) is None


@pytest.mark.parametrize("kind", ["mpeg4", "sound_only"])
def test_an_mp4_browsers_cannot_play_is_marked_failed(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, kind: str
) -> None:
    # given an MP4 holding an MPEG-4 Part 2 picture, or sound only: right magic bytes, nothing to watch
    ana, _, rel = couple()
    stream.drain()
    seen = shared_but_failed(api, ana, stream, media, unplayable_video(kind), "Old camera")
    # then it says so in the words the API used to refuse it with, and its file is gone
    assert seen["status"] == "failed" and seen["failure_reason"] == "This file is not a video we can play."
    assert object_keys(moment_prefix(rel, seen["moment_id"])) == []


def test_a_video_the_job_cannot_check_is_failed_on_its_last_try(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given ffmpeg that cannot run at all (the binary missing)
    ana, _, _ = couple()
    stream.drain()
    ticket = upload(api, ana, video_bytes())
    status, moment = api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Stuck"}, token=ana.access_token)
    assert status == 201, moment
    monkeypatch.setattr(video, "ffmpeg_exe", lambda: "/nonexistent/ffmpeg")
    stream.drain()
    # when its job is tried (the poller, like SQS, brings it back after each failure)
    assert media.drain() >= 3
    # then on its last try the moment says why instead of processing for ever
    status, seen = api.get(f"/moments/{moment['moment_id']}", token=ana.access_token)
    assert status == 200 and seen["status"] == "failed", seen
    assert seen["failure_reason"] == media_job.GAVE_UP


def test_creating_before_the_upload_arrived_keeps_the_ticket(api: Api, couple: MakeCouple) -> None:
    ana, _, rel = couple()
    ticket = ask_ticket(api, ana)
    assert_error(
        api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Early"}, token=ana.access_token),
        422,
        "upload_missing",
    )
    assert table.get(keys.moment_upload(rel, ticket["moment_id"])) is not None


def test_the_upload_policy_pins_key_prefix_type_and_size(api: Api, couple: MakeCouple) -> None:
    # given a ticket
    ana, _, rel = couple()
    ticket = ask_ticket(api, ana, "video/mp4", 50_000)
    settings = get_settings()
    # then its policy pins the server-made key under the couple's prefix, the type and the size range
    expected_key = f"private/rel/{rel}/moments/{ticket['moment_id']}/video"
    assert ticket["key"] == expected_key
    assert (ticket["min_bytes"], ticket["max_bytes"]) == (settings.moment_min_bytes, settings.moment_max_bytes)
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"key": expected_key} in conditions
    assert {"Content-Type": "video/mp4"} in conditions
    assert ["content-length-range", settings.moment_min_bytes, settings.moment_max_bytes] in conditions
    assert {"bucket": settings.media_bucket} in conditions
    data = video_bytes()
    # and the storage refuses another key, another type and a file too small
    elsewhere = f"private/rel/{rel}/moments/planted/video"
    assert s3_error(post_file(ticket, data, {"key": elsewhere})) == (403, "AccessDenied")
    assert s3_error(post_file(ticket, data, {"Content-Type": "video/webm"})) == (403, "AccessDenied")
    assert s3_error(post_file(ticket, b"\0" * 100)) == (400, "EntityTooSmall")
    assert not object_exists(elsewhere) and not object_exists(expected_key)
    # while the file as ticketed is stored
    assert post_file(ticket, data).status_code == 204
    assert object_exists(expected_key)


def test_the_storage_refuses_an_oversize_video(api: Api, couple: MakeCouple, monkeypatch: pytest.MonkeyPatch) -> None:
    ana, _, _ = couple()
    monkeypatch.setenv("LUMI_MOMENT_MAX_BYTES", "4096")
    reset_settings()
    try:
        ticket = ask_ticket(api, ana, "video/mp4", 4000)
        response = post_file(ticket, video_bytes())
        assert s3_error(response) == (400, "EntityTooLarge")
        assert not object_exists(ticket["key"])
        # and a ticket for more than that is refused up front
        status, body = api.post("/moments/uploads", {"content_type": "video/mp4", "size": 5000}, token=ana.access_token)
        assert status == 422 and "size" in body["error"]["fields"], body
    finally:
        monkeypatch.delenv("LUMI_MOMENT_MAX_BYTES")
        reset_settings()


def test_someone_without_a_partner_gets_no_ticket(api: Api, register: Register) -> None:
    solo = register("solo")
    assert_error(
        api.post("/moments/uploads", {"content_type": "video/mp4", "size": 5000}, token=solo.access_token),
        409,
        "not_paired",
    )
    assert_error(api.get("/moments", token=solo.access_token), 409, "not_paired")
    assert_error(api.get(f"/moments/{uuid.uuid4().hex}", token=solo.access_token), 404, "not_found")


def test_only_the_person_who_asked_for_the_ticket_makes_the_moment(api: Api, couple: MakeCouple) -> None:
    # given Ana's uploaded video
    ana, ben, rel = couple()
    ticket = upload(api, ana, video_bytes())
    # when Ben tries to make it his moment, then there is no such upload for him
    assert_error(
        api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Mine now"}, token=ben.access_token),
        404,
        "not_found",
    )
    assert table.get(keys.moment_upload(rel, ticket["moment_id"])) is not None
    # and Ana still can; a retry of her create gives the same moment
    body = {"moment_id": ticket["moment_id"], "title": "Ours"}
    status, moment = api.post("/moments", body, token=ana.access_token)
    assert status == 201 and moment["owner"]["user_id"] == ana.user_id, moment
    status, again = api.post("/moments", body, token=ana.access_token)
    assert status == 201 and again["moment_id"] == moment["moment_id"]


def test_a_moment_deleted_while_its_thumbnail_is_made_leaves_no_thumbnail(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a moment whose owner deletes it while ffmpeg is at work
    ana, _, rel = couple()
    stream.drain()
    moment = share(api, ana)
    real_thumbnail = video.thumbnail

    def slow_thumbnail(*args: Any, **kwargs: Any) -> bytes:
        picture = real_thumbnail(*args, **kwargs)
        assert api.delete(f"/moments/{moment['moment_id']}", token=ana.access_token)[0] == 204
        return picture

    monkeypatch.setattr(video, "thumbnail", slow_thumbnail)
    # when the media job runs
    process(stream, media)
    # then neither the moment nor any file of it is left
    assert table.get(keys.moment(rel, moment["moment_id"])) is None
    assert object_keys(moment_prefix(rel, moment["moment_id"])) == []


# ---------------------------------------------------------------- who may see and change what


def test_another_couple_cannot_see_or_change_a_moment(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller
) -> None:
    # given couple X's tagged, thumbnailed moment
    xa, xb, x_rel = couple()
    ya, yb, _ = couple()
    moment = share(api, xa, tags=["Secret place"])
    process(stream, media)
    moment_id = moment["moment_id"]
    thumbnail_url = api.get(f"/moments/{moment_id}", token=xb.access_token)[1]["thumbnail_url"]
    assert thumbnail_url
    # then couple Y can neither read, change nor delete it
    for person in (ya, yb):
        assert_error(api.get(f"/moments/{moment_id}", token=person.access_token), 404, "not_found")
        assert_error(api.patch(f"/moments/{moment_id}", {"title": "Ha"}, token=person.access_token), 404, "not_found")
        assert_error(api.delete(f"/moments/{moment_id}", token=person.access_token), 404, "not_found")
        assert_error(api.get("/tags/secret-place/moments", token=person.access_token), 404, "not_found")
        assert_error(api.delete("/tags/secret-place", token=person.access_token), 404, "not_found")
        # nor find its tag, its thumbnail URL or the moment in anything they are shown
        seen = [
            api.get("/moments", token=person.access_token),
            api.get("/tags", token=person.access_token),
            api.get("/moments", token=person.access_token, query={"filter": "partner"}),
        ]
        for status, body in seen:
            assert status == 200
            text = json.dumps(body)
            assert moment_id not in text and "secret-place" not in text and thumbnail_url not in text
    # and nothing of X changed
    status, still = api.get(f"/moments/{moment_id}", token=xa.access_token)
    assert status == 200 and still["title"] == moment["title"]
    assert couple_tags(api, xa) == {"secret-place": 1}
    assert table.get(keys.moment(x_rel, moment_id)) is not None


def test_the_partner_can_watch_but_not_edit_or_delete(api: Api, couple: MakeCouple) -> None:
    ana, ben, _ = couple()
    moment = share(api, ana, title="Mine")
    moment_id = moment["moment_id"]
    assert api.get(f"/moments/{moment_id}", token=ben.access_token)[0] == 200
    assert_error(api.patch(f"/moments/{moment_id}", {"title": "His"}, token=ben.access_token), 403, "forbidden")
    assert_error(api.delete(f"/moments/{moment_id}", token=ben.access_token), 403, "forbidden")
    assert api.get(f"/moments/{moment_id}", token=ana.access_token)[1]["title"] == "Mine"


@contextmanager
def profile_reads() -> Iterator[list[str]]:
    """The partition keys of the profiles this process reads from DynamoDB meanwhile (GetItem or BatchGetItem)."""
    read: list[str] = []

    def on_call(params: dict[str, Any], **_: Any) -> None:
        batches = params.get("RequestItems", {}).values()
        for key in [params.get("Key"), *(key for batch in batches for key in batch["Keys"])]:
            if key and key.get("sk") == {"S": keys.PROFILE}:
                read.append(key["pk"]["S"])

    events = client("dynamodb").meta.events
    for operation in ("GetItem", "BatchGetItem"):
        events.register(f"before-parameter-build.dynamodb.{operation}", on_call)
    try:
        yield read
    finally:
        for operation in ("GetItem", "BatchGetItem"):
            events.unregister(f"before-parameter-build.dynamodb.{operation}", on_call)


def test_watching_and_editing_read_each_profile_once(api: Api, couple: MakeCouple) -> None:
    # given Ana's moment
    ana, ben, _ = couple()
    moment_id = share(api, ana, title="Mine")["moment_id"]
    ana_pk, ben_pk = keys.profile(ana.user_id)["pk"], keys.profile(ben.user_id)["pk"]
    # when she watches and edits it, and Ben watches it and reads the feed
    with profile_reads() as by_ana_watching:
        assert api.get(f"/moments/{moment_id}", token=ana.access_token)[0] == 200
    with profile_reads() as by_ana_editing:
        assert api.patch(f"/moments/{moment_id}", {"title": "Ours"}, token=ana.access_token)[0] == 200
    with profile_reads() as by_ben_watching:
        status, seen = api.get(f"/moments/{moment_id}", token=ben.access_token)
    with profile_reads() as by_ben_paging:
        assert api.get("/moments", token=ben.access_token)[0] == 200
    # then the caller's profile, read to find the couple, also names the owner: no second read
    assert by_ana_watching == [ana_pk] and by_ana_editing == [ana_pk]
    # and a partner's moment reads the owner's profile once more
    assert status == 200 and seen["owner"]["user_id"] == ana.user_id
    assert sorted(by_ben_watching) == sorted(by_ben_paging) == sorted([ben_pk, ana_pk])


def test_the_owner_edits_title_description_and_tags(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given Ana's moment tagged "beach"
    ana, ben, rel = couple()
    moment = share(api, ana, tags=["beach"])
    stream.drain()
    # when she changes its description and tags, leaving the title out
    status, edited = api.patch(
        f"/moments/{moment['moment_id']}",
        {"description": "Line one\nline two", "tags": ["Sunset", "sunset", "Picnic"]},
        token=ana.access_token,
    )
    # then the rest stays, the tags are one per slug, and counts follow once the stream ran
    assert status == 200, edited
    assert edited["title"] == moment["title"] and edited["description"] == "Line one\nline two"
    assert edited["tags"] == [{"slug": "sunset", "name": "Sunset"}, {"slug": "picnic", "name": "Picnic"}]
    assert edited["updated_at"] is not None
    stream.drain()
    assert couple_tags(api, ben) == {"sunset": 1, "picnic": 1}
    assert stored_count(rel, "beach") == 0
    # and tags that are not tags are refused in words
    status, body = api.patch(f"/moments/{moment['moment_id']}", {"tags": ["!!!"]}, token=ana.access_token)
    assert status == 422 and "tags" in body["error"]["fields"], body


# ---------------------------------------------------------------- deleting


def test_deleting_a_moment_cascades(api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller) -> None:
    # given two moments sharing a tag, with thumbnails and cached URLs
    ana, ben, rel = couple()
    doomed = share(api, ana, tags=["Trip", "Only here"])
    kept = share(api, ana, tags=["trip"])
    process(stream, media)
    doomed_id = doomed["moment_id"]
    assert api.get(f"/moments/{doomed_id}", token=ben.access_token)[0] == 200  # caches its URLs
    video_key = f"{moment_prefix(rel, doomed_id)}video"
    assert redis_client().exists(redis_key("media-url", video_key))
    assert couple_tags(api, ana) == {"trip": 2, "only-here": 1}
    # when its owner deletes it
    status, body = api.delete(f"/moments/{doomed_id}", token=ana.access_token)
    # then it is gone at once for both partners
    assert status == 204 and body is None
    assert_error(api.get(f"/moments/{doomed_id}", token=ben.access_token), 404, "not_found")
    assert [m["moment_id"] for m in api.get("/moments", token=ben.access_token)[1]["items"]] == [kept["moment_id"]]
    # and once the stream ran, its links, counts, files and cached URLs follow
    stream.drain()
    assert couple_tags(api, ana) == {"trip": 1}
    assert links_of(rel, "trip") == [kept["moment_id"]] and links_of(rel, "only-here") == []
    assert object_keys(moment_prefix(rel, doomed_id)) == []
    assert not redis_client().exists(redis_key("media-url", video_key))
    assert len(object_keys(moment_prefix(rel, kept["moment_id"]))) == 2
    # and deleting again is a 404
    assert_error(api.delete(f"/moments/{doomed_id}", token=ana.access_token), 404, "not_found")


def test_an_unused_upload_ticket_takes_its_file_with_it(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given an uploaded video that never became a moment
    ana, _, rel = couple()
    ticket = upload(api, ana, video_bytes())
    stream.drain()
    # when its ticket goes (DynamoDB's TTL deletes it)
    table.delete(keys.moment_upload(rel, ticket["moment_id"]))
    stream.drain()
    # then so does the file
    assert not object_exists(ticket["key"])


# ---------------------------------------------------------------- the feed


def test_the_feed_filters_all_mine_and_my_partners_newest_first(api: Api, couple: MakeCouple) -> None:
    ana, ben, _ = couple()
    first = share(api, ana, title="one")
    second = share(api, ben, title="two")
    third = share(api, ana, title="three")

    def ids(person: Person, which: str) -> list[str]:
        status, page = api.get("/moments", token=person.access_token, query={"filter": which})
        assert status == 200, page
        return [item["moment_id"] for item in page["items"]]

    assert ids(ana, "all") == ids(ben, "all") == [third["moment_id"], second["moment_id"], first["moment_id"]]
    assert ids(ana, "mine") == ids(ben, "partner") == [third["moment_id"], first["moment_id"]]
    assert ids(ana, "partner") == ids(ben, "mine") == [second["moment_id"]]
    owners = {
        m["moment_id"]: m["owner"]["display_name"] for m in api.get("/moments", token=ana.access_token)[1]["items"]
    }
    assert owners[second["moment_id"]] == "Ben" and owners[first["moment_id"]] == "Ana"


def test_the_feed_pages_with_a_next_token_that_only_fits_its_own_listing(api: Api, couple: MakeCouple) -> None:
    # given three moments
    ana, ben, _ = couple()
    made = [share(api, ana, title=f"m{n}")["moment_id"] for n in range(3)]
    other, _, _ = couple()
    # when Ben pages through two at a time
    status, page1 = api.get("/moments", token=ben.access_token, query={"limit": "2"})
    assert status == 200 and page1["next"], page1
    status, page2 = api.get("/moments", token=ben.access_token, query={"limit": "2", "next": page1["next"]})
    assert status == 200, page2
    # then he sees each once, newest first
    seen = [m["moment_id"] for m in page1["items"] + page2["items"]]
    assert seen == list(reversed(made))
    if page2["next"]:
        assert api.get("/moments", token=ben.access_token, query={"next": page2["next"]})[1]["items"] == []
    # and the token is refused by another couple, another filter, and as nonsense
    ben_rel = ben.profile["relationship_id"] or api.get("/users/me", token=ben.access_token)[1]["relationship_id"]
    forged = forge_token({"pk": f"REL#{ben_rel}", "sk": "MOMENT#0", "gsi1pk": f"MOMENTS#{ben_rel}#BY#{ben.user_id}"})
    status, partner_page = api.get("/moments", token=ben.access_token, query={"limit": "1", "filter": "partner"})
    assert status == 200 and partner_page["next"], partner_page
    for token, query in (
        (ben.access_token, {"next": partner_page["next"], "filter": "mine"}),
        (ben.access_token, {"next": partner_page["next"]}),
        (ana.access_token, {"next": partner_page["next"], "filter": "partner"}),
        (other.access_token, {"next": page1["next"]}),
        (ben.access_token, {"next": page1["next"], "filter": "mine"}),
        (ben.access_token, {"next": "bm90IGEgdG9rZW4"}),
        (ben.access_token, {"next": forged, "filter": "mine"}),
        (ben.access_token, {"next": forged}),
    ):
        assert_error(api.get("/moments", token=token, query=query), 422, "validation_error")
    assert_error(api.get("/moments", token=ben.access_token, query={"limit": "51"}), 422, "validation_error")


def test_signed_urls_are_cached_and_never_outlive_the_url(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller
) -> None:
    # given a feed of two thumbnailed moments
    ana, ben, _ = couple()
    share(api, ana)
    share(api, ana)
    process(stream, media)
    for moment in api.get("/moments", token=ana.access_token)[1]["items"]:
        urls.forget(urlsplit(moment["video_url"]).path.split("/", 2)[2])
        urls.forget(urlsplit(moment["thumbnail_url"]).path.split("/", 2)[2])
    urls.reset_cache_stats()
    # when the feed is loaded twice
    status, first = api.get("/moments", token=ben.access_token)
    after_first = urls.cache_stats()
    status, second = api.get("/moments", token=ben.access_token)
    after_second = urls.cache_stats()
    # then the first load signed the four URLs and the second signed none
    assert status == 200
    assert after_first.misses == 4
    assert after_second.misses == 4 and after_second.hits - after_first.hits == 4
    assert after_second.hit_ratio == pytest.approx(0.5)
    assert [m["video_url"] for m in first["items"]] == [m["video_url"] for m in second["items"]]
    # and every entry expires well before its URL does
    ttl = get_settings().media_url_ttl_seconds
    for moment in second["items"]:
        for url in (moment["video_url"], moment["thumbnail_url"]):
            object_key = urlsplit(url).path.split("/", 2)[2]
            left = redis_client().ttl(redis_key("media-url", object_key))
            query = parse_qs(urlsplit(url).query)
            assert int(query["X-Amz-Expires"][0]) == ttl
            signed_at = calendar.timegm(time.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ"))
            url_left = signed_at + ttl - time.time()
            assert 0 < left <= urls.cache_seconds(ttl) < ttl
            assert left < url_left


# ---------------------------------------------------------------- notifications and replays


def test_the_partner_is_notified_once(api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller) -> None:
    # given Ana shares a moment: while it is processing, Ben is not told yet
    ana, ben, rel = couple()
    stream.drain()
    moment = share(api, ana, title="Look!")
    stream.drain()
    assert [n for n in notifications_of(api, ben) if n["kind"] == "new_moment"] == []
    # when the media job makes it ready and the stream runs
    media.drain()
    stream.drain()
    # and its records come again (retries): the INSERT, and the MODIFY that made it ready
    item = table.get(keys.moment(rel, moment["moment_id"]))
    assert item is not None and item["status"] == "ready"
    ready = {name: value for name, value in item.items() if name != "partner_notified_at"}
    processing = {**ready, "status": "processing"}
    replay("INSERT", new=processing)
    replay("MODIFY", old=processing, new=ready)
    replay("MODIFY", old=processing, new=ready)
    stream.drain()
    media.drain()
    # then Ben has exactly one notification about it, and Ana none
    about = [n for n in notifications_of(api, ben) if n["kind"] == "new_moment"]
    assert len(about) == 1
    assert about[0]["title"] == "Ana shared a moment" and about[0]["body"] == "Look!"
    assert about[0]["link"] == f"/moments/watch?id={moment['moment_id']}"
    assert about[0]["category"] == "moments"
    assert [n for n in notifications_of(api, ana) if n["kind"] == "new_moment"] == []


def test_when_the_couple_splits_their_moments_tags_and_files_go(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller
) -> None:
    # given a couple with a tagged, thumbnailed moment and an upload never used
    ana, ben, rel = couple()
    moment = share(api, ana, tags=["Us"])
    ticket = upload(api, ben, video_bytes())
    process(stream, media)
    # when one of them leaves and the stream has run
    assert api.delete(f"/relationships/{rel}", token=ben.access_token)[0] == 204
    stream.drain()
    # then nothing of the couple is left: no moment, upload, tag or link, and no file
    assert table.get(keys.moment(rel, moment["moment_id"])) is None
    assert table.get(keys.moment_upload(rel, ticket["moment_id"])) is None
    assert table.get(keys.tag(rel, "us")) is None and links_of(rel, "us") == []
    assert object_keys(f"private/rel/{rel}/") == []
    assert_error(api.get(f"/moments/{moment['moment_id']}", token=ana.access_token), 404, "not_found")
