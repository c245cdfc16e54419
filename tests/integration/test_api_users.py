"""Profiles and avatars: real S3 uploads (moto over HTTP), server-side checks, signed URLs in Redis."""

from __future__ import annotations

import base64
import calendar
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from botocore.exceptions import ClientError

from backend.aws import client
from backend.domain import profiles
from backend.domain.errors import Conflict
from backend.media import objects
from backend.media.urls import cache_seconds
from backend.settings import get_settings, reset_settings
from backend.store import keys, table
from backend.store.redis_client import key as redis_key
from backend.store.redis_client import redis_client
from tests.integration.conftest import Api, Person, Register, unique_name
from tests.integration.test_api_auth import assert_error


def tiny_png(red: int = 255) -> bytes:
    """A valid 1×1 PNG, built here so no binary fixture is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, 0, 0]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def upload(ticket: dict[str, Any], data: bytes, content_type: str | None = None) -> httpx.Response:
    """What the browser does: a multipart POST of the ticket's fields plus the file, straight to S3."""
    fields = dict(ticket["fields"])
    if content_type is not None:
        fields["Content-Type"] = content_type
    return httpx.post(ticket["url"], data=fields, files={"file": ("avatar", data, fields["Content-Type"])})


def object_exists(key: str) -> bool:
    try:
        client("s3").head_object(Bucket=get_settings().media_bucket, Key=key)
    except ClientError:
        return False
    return True


def ticket_for(api: Api, person: Person, data: bytes, content_type: str = "image/png") -> dict[str, Any]:
    status, ticket = api.post(
        "/users/me/avatar", {"content_type": content_type, "size": len(data)}, token=person.access_token
    )
    assert status == 200, ticket
    return ticket


# ---------------------------------------------------------------- profile


def test_change_display_name_and_username(api: Api, register: Register) -> None:
    person = register("pat")
    new_name = unique_name("renamed")
    status, profile = api.patch(
        "/users/me", {"display_name": "  Patricia  ", "username": f" {new_name} "}, token=person.access_token
    )
    assert status == 200, profile
    assert profile["display_name"] == "Patricia" and profile["username"] == new_name
    # the claim moved: the new name is held, the old one is free, and login follows
    assert table.get(keys.username_claim(new_name))["user_id"] == person.user_id
    assert table.get(keys.username_claim(person.username)) is None
    assert api.post("/auth/login", {"login": new_name, "password": person.password})[0] == 200
    assert api.post("/auth/login", {"login": person.username, "password": person.password})[0] == 401


def test_taking_a_username_in_use_is_a_conflict(api: Api, register: Register) -> None:
    first, second = register("one"), register("two")
    assert_error(api.patch("/users/me", {"username": first.username}, token=second.access_token), 409, "username_taken")
    assert table.get(keys.username_claim(first.username))["user_id"] == first.user_id
    assert table.get(keys.profile(second.user_id))["username"] == second.username


def test_two_people_racing_for_one_new_username(register: Register) -> None:
    """Same use case the route calls, on two threads (see the registration race for why)."""
    first, second = register("r1"), register("r2")
    wanted = unique_name("prize")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def rename(person: Person) -> None:
        from backend.api.auth import verify_access_token

        caller = verify_access_token(person.access_token)
        barrier.wait()
        try:
            profiles.update(caller, None, wanted)
            outcomes[person.user_id] = "ok"
        except Conflict as error:
            outcomes[person.user_id] = error.code

    threads = [threading.Thread(target=rename, args=(p,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["ok", "username_taken"]
    winner = next(user_id for user_id, outcome in outcomes.items() if outcome == "ok")
    assert table.get(keys.username_claim(wanted))["user_id"] == winner
    loser = first if winner == second.user_id else second
    assert table.get(keys.username_claim(loser.username))["user_id"] == loser.user_id


# ---------------------------------------------------------------- avatar


def test_the_upload_policy_pins_key_content_type_and_size(api: Api, register: Register) -> None:
    person = register("pol")
    before = time.time()
    ticket = ticket_for(api, person, tiny_png())
    prefix = f"private/users/{person.user_id}/avatar/"
    assert ticket["key"].startswith(prefix) and len(ticket["key"]) > len(prefix)
    assert ticket["fields"]["key"] == ticket["key"]
    assert ticket["max_bytes"] == get_settings().avatar_max_bytes
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"key": ticket["key"]} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"bucket": get_settings().media_bucket} in conditions
    assert ["content-length-range", 1, get_settings().avatar_max_bytes] in conditions
    expires = calendar.timegm(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    assert (
        before + get_settings().upload_url_ttl_seconds - 5
        <= expires
        <= time.time() + get_settings().upload_url_ttl_seconds + 5
    )
    # signed with SigV4 (S3 refuses legacy SigV2 policies on new buckets)
    assert ticket["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_upload_requests_outside_the_rules_are_refused(api: Api, register: Register) -> None:
    person = register("big")
    error = assert_error(
        api.post(
            "/users/me/avatar",
            {"content_type": "image/png", "size": get_settings().avatar_max_bytes + 1},
            token=person.access_token,
        ),
        422,
        "validation_error",
    )
    assert "size" in error["fields"]
    error = assert_error(
        api.post("/users/me/avatar", {"content_type": "image/gif", "size": 10}, token=person.access_token),
        422,
        "validation_error",
    )
    assert "content_type" in error["fields"]


def with_fields(ticket: dict[str, Any], **changes: str) -> dict[str, Any]:
    """The ticket with some form fields changed (``x_amz_signature`` for ``x-amz-signature``)."""
    fields = {**ticket["fields"], **{name.replace("_", "-"): value for name, value in changes.items()}}
    return {**ticket, "fields": fields}


def s3_error(response: httpx.Response, status: int, code: str) -> str:
    """S3's XML error answer: check status and code, return the message."""
    assert response.status_code == status, response.text
    error = ElementTree.fromstring(response.content)
    assert error.tag == "Error" and error.findtext("Code") == code, response.text
    return error.findtext("Message") or ""


def test_storage_takes_an_upload_that_keeps_to_the_policy(api: Api, register: Register) -> None:
    person = register("ok")
    picture = tiny_png()
    ticket = ticket_for(api, person, picture)
    response = upload(ticket, picture)
    assert response.status_code == 204, response.text
    assert object_exists(ticket["key"])


def test_the_browser_upload_gets_cors_headers_either_way(api: Api, register: Register) -> None:
    """What assets/lumi-upload.js does: FormData with the ticket's fields in order, the file last,
    from the app's origin. The answer must carry CORS headers, or the page cannot read its status."""
    person = register("web")
    picture = tiny_png()
    origin = get_settings().app_origin
    ticket = ticket_for(api, person, picture)

    def form_data(ticket: dict[str, Any], data: bytes) -> list[tuple[str, Any]]:
        return [*((name, (None, value)) for name, value in ticket["fields"].items()), ("file", ("me.png", data))]

    accepted = httpx.post(ticket["url"], files=form_data(ticket, picture), headers={"Origin": origin})
    assert accepted.status_code == 204, accepted.text
    assert accepted.headers["access-control-allow-origin"] == origin
    empty = ticket_for(api, person, picture)
    refused = httpx.post(empty["url"], files=form_data(empty, b""), headers={"Origin": origin})
    s3_error(refused, 400, "EntityTooSmall")
    assert refused.headers["access-control-allow-origin"] == origin
    assert not object_exists(empty["key"])


def test_storage_refuses_an_upload_with_another_content_type(api: Api, register: Register) -> None:
    person = register("ct")
    ticket = ticket_for(api, person, tiny_png())
    response = upload(ticket, b"<html>not a picture</html>", content_type="text/html")
    message = s3_error(response, 403, "AccessDenied")
    assert message == 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'
    assert not object_exists(ticket["key"])


def test_storage_refuses_an_oversize_upload(api: Api, register: Register, small_avatars: int) -> None:
    person = register("fat")
    ticket = ticket_for(api, person, tiny_png())
    data = tiny_png() + b"\0" * small_avatars
    response = upload(ticket, data)
    s3_error(response, 400, "EntityTooLarge")
    error = ElementTree.fromstring(response.content)
    assert error.findtext("ProposedSize") == str(len(data))
    assert error.findtext("MaxSizeAllowed") == str(small_avatars)
    assert not object_exists(ticket["key"])


def test_storage_refuses_an_upload_under_another_key(api: Api, register: Register) -> None:
    owner, thief = register("key1"), register("key2")
    ticket = ticket_for(api, thief, tiny_png())
    elsewhere = f"private/users/{owner.user_id}/avatar/planted"
    response = upload(with_fields(ticket, key=elsewhere), tiny_png())
    message = s3_error(response, 403, "AccessDenied")
    assert message == f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{ticket["key"]}"]'
    assert not object_exists(elsewhere) and not object_exists(ticket["key"])


def test_storage_refuses_an_expired_ticket(register: Register) -> None:
    person = register("late")
    key = f"private/users/{person.user_id}/avatar/late"
    stale = objects.presigned_post(key, "image/png", get_settings().avatar_max_bytes, expires_in=-60)
    response = upload({"url": stale.url, "fields": stale.fields}, tiny_png())
    assert s3_error(response, 403, "AccessDenied") == "Invalid according to Policy: Policy expired."
    assert not object_exists(key)


def test_storage_refuses_a_policy_changed_after_signing(api: Api, register: Register) -> None:
    # given a ticket whose policy someone widened to any size and any content type
    person = register("forger")
    ticket = ticket_for(api, person, tiny_png())
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    policy["conditions"] = [
        ["content-length-range", 0, 10**9] if isinstance(c, list) else c
        for c in policy["conditions"]
        if c != {"Content-Type": "image/png"}
    ] + [["starts-with", "$Content-Type", ""]]
    forged = with_fields(ticket, policy=base64.b64encode(json.dumps(policy).encode()).decode())
    # when it is sent with the original signature, then S3 refuses it
    s3_error(upload(forged, b"<script>", content_type="text/html"), 403, "SignatureDoesNotMatch")
    # and an untouched policy with a signature that is not its own is refused too
    signature = ticket["fields"]["x-amz-signature"]
    other = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    s3_error(upload(with_fields(ticket, x_amz_signature=other), tiny_png()), 403, "SignatureDoesNotMatch")
    assert not object_exists(ticket["key"])


@pytest.fixture
def small_avatars(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("LUMI_AVATAR_MAX_BYTES", "1024")
    reset_settings()
    yield 1024
    reset_settings()


def test_a_text_file_sent_as_png_is_rejected_and_deleted(api: Api, register: Register) -> None:
    # given a text file uploaded under a PNG ticket (S3 accepts it: the content type matches)
    person = register("txt")
    ticket = ticket_for(api, person, b"hello, I am text")
    assert upload(ticket, b"hello, I am text").status_code == 204
    assert object_exists(ticket["key"])
    # when it is offered as the avatar
    error = assert_error(
        api.put("/users/me/avatar", {"key": ticket["key"]}, token=person.access_token), 422, "invalid_image"
    )
    # then it is refused, deleted, and the profile is unchanged
    assert "key" in error["fields"]
    assert not object_exists(ticket["key"])
    assert api.get("/users/me", token=person.access_token)[1]["avatar_url"] is None


def test_a_png_declared_as_jpeg_is_rejected(api: Api, register: Register) -> None:
    person = register("liar")
    ticket = ticket_for(api, person, tiny_png(), content_type="image/jpeg")
    assert upload(ticket, tiny_png()).status_code == 204
    assert_error(api.put("/users/me/avatar", {"key": ticket["key"]}, token=person.access_token), 422, "invalid_image")
    assert not object_exists(ticket["key"])


def test_an_oversize_object_that_reached_storage_is_rejected_at_confirm(
    api: Api, register: Register, small_avatars: int
) -> None:
    """The confirm step does not trust the policy alone (a policy bug, an object put some other way)."""
    person = register("huge")
    ticket = ticket_for(api, person, tiny_png())
    client("s3").put_object(
        Bucket=get_settings().media_bucket,
        Key=ticket["key"],
        Body=tiny_png() + b"\0" * small_avatars,
        ContentType="image/png",
    )
    assert_error(api.put("/users/me/avatar", {"key": ticket["key"]}, token=person.access_token), 422, "invalid_image")
    assert not object_exists(ticket["key"])


def test_keys_that_are_not_the_callers_upload_are_refused(api: Api, register: Register) -> None:
    owner, thief = register("own"), register("thief")
    ticket = ticket_for(api, owner, tiny_png())
    assert upload(ticket, tiny_png()).status_code == 204
    for key in (
        ticket["key"],
        f"private/users/{thief.user_id}/avatar/../../{owner.user_id}/avatar/x",
        f"private/users/{thief.user_id}/avatar/",
        "public/anything.png",
    ):
        assert_error(api.put("/users/me/avatar", {"key": key}, token=thief.access_token), 422, "invalid_image")
    assert object_exists(ticket["key"])  # someone else's upload is not touched
    assert_error(
        api.put("/users/me/avatar", {"key": f"private/users/{owner.user_id}/avatar/missing"}, token=owner.access_token),
        422,
        "invalid_image",
    )


def test_a_real_png_becomes_the_avatar_and_is_served(api: Api, register: Register) -> None:
    # given an uploaded PNG
    person = register("pic")
    picture = tiny_png()
    ticket = ticket_for(api, person, picture)
    assert upload(ticket, picture).status_code == 204
    # when confirmed
    status, profile = api.put("/users/me/avatar", {"key": ticket["key"]}, token=person.access_token)
    # then the profile serves it through a signed URL
    assert status == 200, profile
    served = httpx.get(profile["avatar_url"])
    assert served.status_code == 200 and served.content == picture
    assert table.get(keys.profile(person.user_id))["avatar_key"] == ticket["key"]
    # the signed URL is cached in Redis under the object key, for less than its lifetime
    cached = redis_key("media-url", ticket["key"])
    assert redis_client().get(cached) == profile["avatar_url"]
    assert 0 < redis_client().ttl(cached) <= cache_seconds(get_settings().media_url_ttl_seconds)
    assert api.get("/users/me", token=person.access_token)[1]["avatar_url"] == profile["avatar_url"]

    # when a second picture replaces it, the first object is deleted
    second = tiny_png(red=10)
    next_ticket = ticket_for(api, person, second)
    assert upload(next_ticket, second).status_code == 204
    status, profile = api.put("/users/me/avatar", {"key": next_ticket["key"]}, token=person.access_token)
    assert status == 200
    assert httpx.get(profile["avatar_url"]).content == second
    assert not object_exists(ticket["key"])
    assert redis_client().get(cached) is None
