"""Make the emulated S3 enforce presigned POST policies, as S3 does.

Lumi's uploads go from the browser straight to S3 with a presigned POST whose policy pins
the key, the content type and a ``content-length-range``; S3 refuses anything else. moto
5.2.5 checks nothing (its ``_bucket_response_post`` stores whatever arrives), so locally a
wrong key, type or size would be stored and only the confirm step could notice.

This module checks a POST that carries a ``policy`` field the way S3 does, in order:

1. the SigV4 fields are there and ``x-amz-signature`` is the HMAC of the base64 policy
   under the signing key of ``x-amz-credential`` (403 ``SignatureDoesNotMatch``; an
   unknown access key is 403 ``InvalidAccessKeyId``; SigV2 policies are refused),
2. the policy has not expired (403 ``AccessDenied`` "Policy expired."),
3. every condition holds: exact (``{"f": v}`` / ``["eq", "$f", v]``), ``starts-with``
   (a comma-separated Content-Type must match in every part) and ``bucket``
   (403 ``AccessDenied`` "Policy Condition failed: [...]"),
4. every form field except ``policy``, ``x-amz-signature``, ``file`` and ``x-ignore-*``
   is covered by a condition (403 "Extra input fields: ..."),
5. the file's size is within ``content-length-range`` (400 ``EntityTooSmall`` /
   ``EntityTooLarge`` with ``ProposedSize`` and the limit).

Field names match case-insensitively, values exactly. The signing secret is the one moto
keeps for the access key (IAM users, STS sessions) or, for the key the local stack's
clients use, the known local secret. Everything else (storing the object, metadata,
redirects, CORS headers from the server) stays moto's own code. Installed by
:class:`backend.local.services.MotoService`; idempotent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

ALGORITHM = "AWS4-HMAC-SHA256"

# The credentials every local client signs with (backend/aws.py, backend/local/bootstrap.py).
# The emulator accepts any credentials for its API, so it keeps no secret for these.
LOCAL_CREDENTIALS: dict[str, str] = {"lumi-local": "lumi-local"}

# Form fields no condition has to cover (besides ``x-ignore-*``).
UNSIGNED_FIELDS = frozenset({"policy", "x-amz-signature", "file"})
SIGV4_FIELDS = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")

SecretLookup = Callable[[str, str | None], str | None]
"""(access key id, session token or None) -> secret access key, or None if unknown."""

_installed = False
ORIGINAL_BUCKET_RESPONSE_POST: Any = None


@dataclass(frozen=True)
class Refusal:
    """An S3 error answer: status, code, message and the extra elements S3 adds for that code."""

    status: int
    code: str
    message: str
    details: tuple[tuple[str, str], ...] = ()

    def xml(self) -> bytes:
        extra = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in self.details)
        request_id = os.urandom(8).hex().upper()
        host_id = base64.b64encode(os.urandom(48)).decode()
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}</Message>{extra}"
            f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
        ).encode()


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _policy_denied(reason: str) -> _Refused:
    return _Refused(Refusal(403, "AccessDenied", f"Invalid according to Policy: {reason}"))


def _invalid_policy(reason: str) -> _Refused:
    return _Refused(Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: {reason}"))


def _missing_field(name: str) -> _Refused:
    return _Refused(
        Refusal(
            400,
            "InvalidArgument",
            f"Bucket POST must contain a field named '{name}'.  "
            "If it is specified, please check the order of the fields.",
            (("ArgumentName", name), ("ArgumentValue", "")),
        )
    )


def check_post(
    fields: Mapping[str, str],
    *,
    bucket: str,
    key: str,
    file_size: int | None,
    secret_for: SecretLookup,
    now: float | None = None,
) -> Refusal | None:
    """What S3 answers to this browser POST instead of storing it; None when it would store it.

    ``fields`` are the form fields as sent (first value of each), without the file;
    ``key`` is the object key after ``${filename}`` is expanded; ``file_size`` is None
    when the form carries no file.
    """
    try:
        _check(fields, bucket, key, file_size, secret_for, time.time() if now is None else now)
    except _Refused as refused:
        return refused.refusal
    return None


def _check(
    fields: Mapping[str, str], bucket: str, key: str, file_size: int | None, secret_for: SecretLookup, now: float
) -> None:
    form: dict[str, str] = {}
    for name, value in fields.items():
        form.setdefault(name.lower(), value)  # names are case-insensitive; the first one counts
    if "key" not in form:
        raise _missing_field("key")
    if file_size is None:
        raise _Refused(
            Refusal(
                400,
                "InvalidArgument",
                "POST requires exactly one file upload per request.",
                (("ArgumentName", "file"), ("ArgumentValue", "0")),
            )
        )
    if "policy" not in form:
        raise _missing_field("policy")
    policy_b64 = form["policy"]
    _verify_signature(form, policy_b64, secret_for)
    policy = _decode(policy_b64)
    _check_expiration(policy, now)
    covered, ranges = _check_conditions(policy["conditions"], form, bucket, key)
    extra = [name for name in form if name not in covered and name not in UNSIGNED_FIELDS]
    extra = [name for name in extra if not name.startswith("x-ignore-")]
    if extra:
        raise _policy_denied(f"Extra input fields: {', '.join(extra)}")
    for low, high in ranges:
        if file_size < low:
            raise _Refused(
                Refusal(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    (("ProposedSize", str(file_size)), ("MinSizeAllowed", str(low))),
                )
            )
        if file_size > high:
            raise _Refused(
                Refusal(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    (("ProposedSize", str(file_size)), ("MaxSizeAllowed", str(high))),
                )
            )


def _verify_signature(form: Mapping[str, str], policy_b64: str, secret_for: SecretLookup) -> None:
    if "x-amz-algorithm" not in form and ("signature" in form or "awsaccesskeyid" in form):
        raise _unsupported_mechanism()
    for name in SIGV4_FIELDS:
        if name not in form:
            raise _missing_field(name)
    if form["x-amz-algorithm"] != ALGORITHM:
        raise _unsupported_mechanism()
    credential = form["x-amz-credential"]
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise _Refused(
            Refusal(
                400,
                "InvalidArgument",
                f"Invalid credential: {credential}",
                (("ArgumentName", "x-amz-credential"), ("ArgumentValue", credential)),
            )
        )
    access_key_id, day, region, service, _ = parts
    secret = secret_for(access_key_id, form.get("x-amz-security-token"))
    if secret is None:
        raise _Refused(
            Refusal(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                (("AWSAccessKeyId", access_key_id),),
            )
        )
    expected = sigv4_signature(secret, day, region, service, policy_b64)
    provided = form["x-amz-signature"]
    if not hmac.compare_digest(expected, provided.lower()):
        raise _Refused(
            Refusal(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
                (
                    ("AWSAccessKeyId", access_key_id),
                    ("StringToSign", policy_b64),
                    ("SignatureProvided", provided),
                    ("StringToSignBytes", " ".join(f"{byte:02x}" for byte in policy_b64.encode())),
                ),
            )
        )


def _unsupported_mechanism() -> _Refused:
    return _Refused(
        Refusal(
            400,
            "InvalidRequest",
            f"The authorization mechanism you have provided is not supported. Please use {ALGORITHM}.",
        )
    )


def sigv4_signature(secret: str, day: str, region: str, service: str, string_to_sign: str) -> str:
    """SigV4: the HMAC chain over the credential scope, then the HMAC of what is signed."""

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    signing_key = sign(sign(sign(sign(f"AWS4{secret}".encode(), day), region), service), "aws4_request")
    return hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _decode(policy_b64: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _invalid_policy("Invalid JSON.") from None
    if not isinstance(policy, dict):
        raise _invalid_policy("Invalid JSON.")
    if "expiration" not in policy:
        raise _invalid_policy("Policy missing expiration.")
    if not isinstance(policy.get("conditions"), list):
        raise _invalid_policy("Policy missing conditions.")
    return policy


def _check_expiration(policy: Mapping[str, Any], now: float) -> None:
    value = policy["expiration"]
    try:
        expires = datetime.fromisoformat(str(value))
    except ValueError:
        raise _invalid_policy(f"Invalid 'expiration' value: '{value}'") from None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if expires.timestamp() <= now:
        raise _policy_denied("Policy expired.")


def _check_conditions(
    conditions: list[Any], form: Mapping[str, str], bucket: str, key: str
) -> tuple[set[str], list[tuple[int, int]]]:
    """Check every condition; return the field names they cover and the size ranges."""
    covered: set[str] = set()
    ranges: list[tuple[int, int]] = []
    for condition in conditions:
        if isinstance(condition, list) and condition and str(condition[0]).lower() == "content-length-range":
            ranges.append(_length_range(condition))
            continue
        operator, field, expected = _parse_condition(condition)
        name = field.lower()
        covered.add(name)
        actual = bucket if name == "bucket" else key if name == "key" else form.get(name)
        if actual is None or not _holds(operator, name, actual, expected):
            raise _policy_denied(f"Policy Condition failed: {json.dumps([operator, f'${field}', expected])}")
    return covered, ranges


def _parse_condition(condition: Any) -> tuple[str, str, str]:
    if isinstance(condition, dict) and len(condition) == 1:
        field, expected = next(iter(condition.items()))
        if not isinstance(expected, str):
            raise _invalid_policy("Invalid Simple-Condition: value must be a string.")
        return "eq", str(field).removeprefix("$"), expected
    if (
        isinstance(condition, list)
        and len(condition) == 3
        and isinstance(condition[0], str)
        and condition[0].lower() in ("eq", "starts-with")
        and isinstance(condition[1], str)
        and condition[1].startswith("$")
        and isinstance(condition[2], str)
    ):
        return condition[0].lower(), condition[1][1:], condition[2]
    raise _invalid_policy(f"Invalid Condition: {json.dumps(condition)}")


def _length_range(condition: list[Any]) -> tuple[int, int]:
    try:
        if len(condition) != 3 or any(isinstance(bound, bool) for bound in condition[1:]):
            raise ValueError
        low, high = int(condition[1]), int(condition[2])
    except (TypeError, ValueError):
        raise _invalid_policy(f"Invalid content-length-range: {json.dumps(condition)}") from None
    return low, high


def _holds(operator: str, name: str, actual: str, expected: str) -> bool:
    if operator == "eq":
        return actual == expected
    if name == "content-type":  # "Content-Types values that include commas are interpreted as lists"
        return all(part.strip().startswith(expected) for part in actual.split(","))
    return actual.startswith(expected)


# ---------------------------------------------------------------- moto glue


def install() -> None:
    """Check policies in the in-process moto S3 (the threaded moto server shares its classes)."""
    global _installed, ORIGINAL_BUCKET_RESPONSE_POST
    if _installed:
        return
    from moto.s3.responses import S3Response

    ORIGINAL_BUCKET_RESPONSE_POST = S3Response._bucket_response_post
    S3Response._bucket_response_post = _bucket_response_post  # type: ignore[method-assign]
    _installed = True


def _bucket_response_post(response: Any, request: Any, bucket_name: str) -> Any:
    """moto's POST on a bucket, refused first when a browser upload breaks its policy."""
    form = response.form_data
    response.path = response._get_path(request)
    is_policy_upload = any(name.lower() == "policy" for name in form)
    if is_policy_upload and request.headers.get("Content-Length") and not response.is_delete_keys():
        response.backend.get_bucket(bucket_name)  # NoSuchBucket comes before any policy check
        refusal = check_post(
            {name: form.get(name) for name in form},
            bucket=bucket_name,
            key=(response.querystring.get("key") or [""])[0],
            file_size=_file_size(response, request),
            secret_for=lambda access_key_id, token: _secret_for(response, access_key_id, token),
        )
        if refusal is not None:
            return refusal.status, {"content-type": "application/xml"}, refusal.xml()
    return ORIGINAL_BUCKET_RESPONSE_POST(response, request, bucket_name)


def _file_size(response: Any, request: Any) -> int | None:
    if not request.files and "file" not in response.form_data:
        return None
    body = response.raw_body
    return len(body.encode() if isinstance(body, str) else body or b"")


def _secret_for(response: Any, access_key_id: str, session_token: str | None) -> str | None:
    """The secret moto keeps for this key (IAM user, STS session), else the local stack's."""
    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key
    from moto.utilities.utils import get_partition

    headers = {"X-Amz-Security-Token": session_token} if session_token else {}
    try:
        known = create_access_key(response.current_account, get_partition(response.region), access_key_id, headers)
    except CreateAccessKeyFailure:
        return LOCAL_CREDENTIALS.get(access_key_id) if session_token is None else None
    return str(known.create_credentials().secret_key)
