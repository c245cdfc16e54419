"""The POST-policy rules the local S3 enforces, on forms signed by botocore (no sockets).

End-to-end behaviour against the moto server is in ``tests/integration/test_api_users.py``
and ``tests/integration/test_api_upload_policy.py``.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from backend.local.s3_post_policy import Refusal, check_post, sigv4_signature

BUCKET = "lumi-unit-media"
KEY = "private/users/u1/avatar/a1"
ACCESS_KEY, SECRET = "unit-key", "unit-secret"
FAILED = "Invalid according to Policy: Policy Condition failed:"


def secrets(access_key_id: str, token: str | None) -> str | None:
    return SECRET if access_key_id == ACCESS_KEY and token is None else None


PINNED: list[Any] = [{"Content-Type": "image/png"}, ["content-length-range", 1, 100]]


def signed_form(
    conditions: list[Any] | None = None,
    fields: dict[str, str] | None = None,
    expires_in: int = 600,
    secret: str = SECRET,
) -> dict[str, str]:
    """Form fields as botocore makes them for a browser upload (the same call as ``backend.media``).

    ``conditions`` replace the pinned type and size; botocore adds bucket, key and x-amz-*."""
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:1",  # never contacted: presigning is local
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        config=Config(signature_version="s3v4"),
    )
    ticket = s3.generate_presigned_post(
        BUCKET,
        KEY,
        Fields={"Content-Type": "image/png", **(fields or {})},
        Conditions=PINNED if conditions is None else conditions,
        ExpiresIn=expires_in,
    )
    return dict(ticket["fields"])


def check(form: dict[str, str], *, size: int | None = 10, key: str = KEY, bucket: str = BUCKET) -> Refusal | None:
    return check_post(form, bucket=bucket, key=key, file_size=size, secret_for=secrets)


def refused(form: dict[str, str], status: int, code: str, **kwargs: Any) -> Refusal:
    refusal = check(form, **kwargs)
    assert refusal is not None, "S3 would have stored this upload"
    assert (refusal.status, refusal.code) == (status, code), refusal
    return refusal


def test_a_form_that_keeps_to_its_policy_passes() -> None:
    assert check(signed_form()) is None
    assert check(signed_form(), size=1) is None and check(signed_form(), size=100) is None


def test_the_signature_is_sigv4_over_the_base64_policy() -> None:
    form = signed_form()
    _, day, region, service, _ = form["x-amz-credential"].split("/")
    assert sigv4_signature(SECRET, day, region, service, form["policy"]) == form["x-amz-signature"]


def test_a_form_signed_with_another_secret_does_not_match() -> None:
    refusal = refused(signed_form(secret="not-the-secret"), 403, "SignatureDoesNotMatch")
    assert ("AWSAccessKeyId", ACCESS_KEY) in refusal.details


def test_an_unknown_access_key_is_refused() -> None:
    form = signed_form()
    form["x-amz-credential"] = form["x-amz-credential"].replace(ACCESS_KEY, "nobody", 1)
    refused(form, 403, "InvalidAccessKeyId")


def test_a_policy_edited_after_signing_does_not_match() -> None:
    form = signed_form()
    policy = json.loads(base64.b64decode(form["policy"]))
    policy["conditions"].append(["starts-with", "$x-amz-meta-note", ""])
    form["policy"] = encoded(policy)
    refused(form, 403, "SignatureDoesNotMatch")


def test_sigv2_forms_and_missing_signature_fields_are_refused() -> None:
    form = signed_form()
    legacy = {name: value for name, value in form.items() if not name.startswith("x-amz-")}
    refused({**legacy, "AWSAccessKeyId": ACCESS_KEY, "signature": "c2ln"}, 400, "InvalidRequest")
    missing = refused({k: v for k, v in form.items() if k != "x-amz-signature"}, 400, "InvalidArgument")
    assert ("ArgumentName", "x-amz-signature") in missing.details
    refused({k: v for k, v in form.items() if k != "key"}, 400, "InvalidArgument")
    refused(form, 400, "InvalidArgument", size=None)  # no file at all


def test_an_expired_policy_is_refused() -> None:
    refusal = refused(signed_form(expires_in=-1), 403, "AccessDenied")
    assert refusal.message == "Invalid according to Policy: Policy expired."
    form = signed_form(expires_in=60)
    assert check_post(form, bucket=BUCKET, key=KEY, file_size=10, secret_for=secrets, now=time.time() + 61)


def test_every_condition_must_hold() -> None:
    form = signed_form()
    refusal = refused({**form, "Content-Type": "text/html"}, 403, "AccessDenied")
    assert refusal.message == f'{FAILED} ["eq", "$Content-Type", "image/png"]'
    refusal = refused(form, 403, "AccessDenied", key="private/users/u2/avatar/x")
    assert refusal.message == f'{FAILED} ["eq", "$key", "{KEY}"]'
    refusal = refused(form, 403, "AccessDenied", bucket="another-bucket")
    assert refusal.message == f'{FAILED} ["eq", "$bucket", "{BUCKET}"]'


def test_a_field_named_in_a_condition_must_be_sent() -> None:
    form = signed_form(conditions=[*PINNED, ["eq", "$success_action_status", "201"]])
    refusal = refused(form, 403, "AccessDenied")
    assert refusal.message.endswith('["eq", "$success_action_status", "201"]')
    assert check({**form, "success_action_status": "201"}) is None


def test_starts_with() -> None:
    prefix, images = ["starts-with", "$key", "private/users/u1/"], ["starts-with", "$Content-Type", "image/"]
    form = signed_form(conditions=[prefix, images])
    assert check(form) is None
    refusal = refused(form, 403, "AccessDenied", key="public/x")
    assert refusal.message.endswith('["starts-with", "$key", "private/users/u1/"]')
    refusal = refused({**form, "Content-Type": "text/html"}, 403, "AccessDenied")
    assert refusal.message.endswith('["starts-with", "$Content-Type", "image/"]')
    anything = signed_form(conditions=[["starts-with", "$Content-Type", ""]])
    assert check({**anything, "Content-Type": "text/html"}) is None


def test_a_content_type_list_must_match_in_every_part() -> None:
    form = signed_form(conditions=[["starts-with", "$Content-Type", "image/"]])
    assert check({**form, "Content-Type": "image/png, image/webp"}) is None
    refused({**form, "Content-Type": "image/png, text/html"}, 403, "AccessDenied")


def test_every_field_must_be_covered_by_a_condition() -> None:
    form = signed_form()
    refusal = refused({**form, "x-amz-meta-note": "hi"}, 403, "AccessDenied")
    assert refusal.message == "Invalid according to Policy: Extra input fields: x-amz-meta-note"
    assert check({**form, "x-ignore-tracking": "1"}) is None


def test_field_names_match_whatever_their_case() -> None:
    form = signed_form()
    renamed = {{"Content-Type": "content-type", "key": "KEY"}.get(name, name): value for name, value in form.items()}
    assert check(renamed) is None


def test_the_size_must_be_in_the_content_length_range() -> None:
    form = signed_form()
    small = refused(form, 400, "EntityTooSmall", size=0)
    assert small.details == (("ProposedSize", "0"), ("MinSizeAllowed", "1"))
    large = refused(form, 400, "EntityTooLarge", size=101)
    assert large.details == (("ProposedSize", "101"), ("MaxSizeAllowed", "100"))
    body = large.xml().decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<Code>EntityTooLarge</Code>" in body and "<MaxSizeAllowed>100</MaxSizeAllowed>" in body
    assert "<RequestId>" in body and "<HostId>" in body


def encoded(policy: Any) -> str:
    return base64.b64encode(json.dumps(policy).encode()).decode()


@pytest.mark.parametrize(
    "policy",
    [
        "not base64 at all!",
        encoded([1, 2]),
        encoded({"conditions": []}),
        encoded({"expiration": "soon", "conditions": []}),
        encoded({"expiration": "2999-01-01T00:00:00Z", "conditions": [["in", "$key", ["a"]]]}),
        encoded({"expiration": "2999-01-01T00:00:00Z", "conditions": [{"key": 5}]}),
        encoded({"expiration": "2999-01-01T00:00:00Z", "conditions": [["content-length-range", "a", 2]]}),
    ],
)
def test_a_malformed_policy_is_an_invalid_policy_document(policy: str) -> None:
    form = signed_form()
    _, day, region, service, _ = form["x-amz-credential"].split("/")
    form.update(policy=policy, **{"x-amz-signature": sigv4_signature(SECRET, day, region, service, policy)})
    refused(form, 400, "InvalidPolicyDocument")
