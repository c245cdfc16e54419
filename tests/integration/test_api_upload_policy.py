"""The emulated S3 holds browser uploads to their POST policy, as S3 does.

moto 5.2.5 alone stores whatever a POST carries (see ``backend.local.s3_post_policy``);
these tests drive the fixed emulator over HTTP. The rules themselves are unit-tested in
``tests/unit/test_s3_post_policy.py``; the product's own tickets in ``test_api_users.py``.
"""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree import ElementTree

import boto3
import httpx
import pytest
from botocore.config import Config
from moto.s3.responses import S3Response

from backend.aws import client
from backend.local import s3_post_policy
from backend.local.stack import LocalStack
from backend.settings import get_settings


def s3_with(access_key_id: str, secret: str) -> Any:
    settings = get_settings()
    return boto3.client(
        "s3",
        endpoint_url=settings.aws_endpoint_url,
        region_name=settings.region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        config=Config(signature_version="s3v4"),
    )


def ticket(s3: Any, key: str) -> dict[str, Any]:
    return dict(
        s3.generate_presigned_post(
            get_settings().media_bucket,
            key,
            Fields={"Content-Type": "text/plain"},
            Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 1, 64]],
            ExpiresIn=60,
        )
    )


def post(upload: dict[str, Any], data: bytes) -> httpx.Response:
    return httpx.post(upload["url"], data=upload["fields"], files={"file": ("note.txt", data, "text/plain")})


def error_code(response: httpx.Response) -> str | None:
    return ElementTree.fromstring(response.content).findtext("Code")


def stored(key: str) -> bool:
    found = client("s3").list_objects_v2(Bucket=get_settings().media_bucket, Prefix=key)
    return any(entry["Key"] == key for entry in found.get("Contents", []))


def test_the_secret_moto_keeps_for_an_iam_key_signs_uploads(stack: LocalStack) -> None:
    # given an access key the emulator made (it knows its secret)
    iam = client("iam")
    user = f"uploader-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    made = iam.create_access_key(UserName=user)["AccessKey"]
    key = f"probe/{uuid.uuid4().hex}"
    # when an upload is signed with it, it is stored; signed with another secret, it is not
    assert post(ticket(s3_with(made["AccessKeyId"], made["SecretAccessKey"]), key), b"hello").status_code == 204
    assert stored(key)
    other = f"probe/{uuid.uuid4().hex}"
    response = post(ticket(s3_with(made["AccessKeyId"], "not-the-secret"), other), b"hello")
    assert (response.status_code, error_code(response)) == (403, "SignatureDoesNotMatch")
    assert not stored(other)


def test_an_access_key_nobody_issued_is_refused(stack: LocalStack) -> None:
    key = f"probe/{uuid.uuid4().hex}"
    response = post(ticket(s3_with("AKIANOBODYISSUEDTHIS", "whatever"), key), b"hello")
    assert (response.status_code, error_code(response)) == (403, "InvalidAccessKeyId")
    assert not stored(key)


def test_posts_without_a_policy_are_still_moto_s_own(stack: LocalStack) -> None:
    s3, bucket = client("s3"), get_settings().media_bucket
    keys = [f"probe/{uuid.uuid4().hex}" for _ in range(2)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    # DeleteObjects is a POST too (?delete), with no policy
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True})
    assert not any(stored(key) for key in keys)


def test_a_missing_bucket_is_no_such_bucket(stack: LocalStack) -> None:
    upload = ticket(client("s3"), "probe/x")
    upload["url"] = upload["url"].rsplit("/", 1)[0] + "/lumi-no-such-bucket"
    response = post(upload, b"hello")
    assert (response.status_code, error_code(response)) == (404, "NoSuchBucket")


def test_installing_twice_keeps_one_check(stack: LocalStack) -> None:
    s3_post_policy.install()
    assert S3Response._bucket_response_post is s3_post_policy._bucket_response_post
    assert s3_post_policy.ORIGINAL_BUCKET_RESPONSE_POST is not s3_post_policy._bucket_response_post


def test_raw_moto_still_stores_whatever_arrives(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the check exists: without it an oversize upload of the wrong type is stored.
    When this fails, moto checks policies itself and the check can go."""
    monkeypatch.setattr(S3Response, "_bucket_response_post", s3_post_policy.ORIGINAL_BUCKET_RESPONSE_POST)
    key = f"probe/{uuid.uuid4().hex}"
    upload = ticket(client("s3"), key)
    upload["fields"]["Content-Type"] = "text/html"
    assert post(upload, b"<p>" * 100).status_code == 204
    assert stored(key)
