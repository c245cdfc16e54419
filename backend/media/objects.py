"""S3 calls for media: presigned POST tickets, looking at an upload, deleting objects."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from backend.aws import client
from backend.domain.models import ObjectInfo
from backend.settings import get_settings


def _s3() -> Any:
    return client("s3")


def _bucket() -> str:
    return get_settings().media_bucket


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_in: int
    min_bytes: int = 1


def presigned_post(key: str, content_type: str, max_bytes: int, expires_in: int, min_bytes: int = 1) -> PresignedPost:
    """A browser upload whose policy pins this exact key, this content type and a size range."""
    response = _s3().generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"bucket": _bucket()},
            {"key": key},
            {"Content-Type": content_type},
            ["content-length-range", min_bytes, max_bytes],
        ],
        ExpiresIn=expires_in,
    )
    return PresignedPost(response["url"], dict(response["fields"]), key, max_bytes, expires_in, min_bytes)


def inspect(key: str, head_bytes: int) -> ObjectInfo | None:
    """Size, stored content type and first bytes of an object; None if it is not there."""
    try:
        head = _s3().head_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    size = int(head["ContentLength"])
    first = b""
    if size > 0:
        body = _s3().get_object(Bucket=_bucket(), Key=key, Range=f"bytes=0-{head_bytes - 1}")["Body"]
        first = body.read(head_bytes)
    return ObjectInfo(key=key, size=size, content_type=head.get("ContentType"), head=first)


def read_bytes(key: str, max_bytes: int) -> bytes | None:
    """A whole (small) object, at most ``max_bytes`` of it; None if it is not there."""
    try:
        body = _s3().get_object(Bucket=_bucket(), Key=key)["Body"]
    except ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    with body:
        return bytes(body.read(max_bytes))


@dataclass(frozen=True)
class Downloaded:
    size: int
    sha256: str
    truncated: bool  # the object is larger than was allowed (only that much was written)


def download(key: str, path: Path, max_bytes: int, chunk_bytes: int = 1024 * 1024) -> Downloaded | None:
    """Copy an object to a local file (at most ``max_bytes``), hashing it on the way; None if
    it is not there. The music job works on a local copy: ffmpeg reads it several times."""
    try:
        body = _s3().get_object(Bucket=_bucket(), Key=key)["Body"]
    except ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    digest = hashlib.sha256()
    size = 0
    truncated = False
    with body, path.open("wb") as out:
        while chunk := body.read(chunk_bytes):
            if size + len(chunk) > max_bytes:
                chunk = chunk[: max_bytes - size]
                truncated = True
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
            if truncated:
                break
    return Downloaded(size, digest.hexdigest(), truncated)


def put_file(key: str, path: Path, content_type: str) -> None:
    """Store a file the server made (a song's rendition) under a server-made key."""
    with path.open("rb") as data:
        _s3().put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type)


def put_bytes(key: str, data: bytes, content_type: str) -> None:
    """Store something the server made (a thumbnail) under a server-made key."""
    _s3().put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type)


def delete(key: str) -> None:
    _s3().delete_object(Bucket=_bucket(), Key=key)


def delete_prefix(prefix: str) -> int:
    """Delete every object under a prefix (1000 per request); returns how many went."""
    deleted = 0
    paginator = _s3().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
        objects = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
        if objects:
            _s3().delete_objects(Bucket=_bucket(), Delete={"Objects": objects, "Quiet": True})
            deleted += len(objects)
    return deleted


def signed_get(key: str, expires_in: int) -> str:
    return str(
        _s3().generate_presigned_url("get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=expires_in)
    )


def signing_credentials_expiry() -> datetime | None:
    """When the credentials that sign URLs expire, if botocore knows (temporary credentials:
    a role's, a container's); None for long-lived keys. A signed URL stops working with them."""
    signer = getattr(_s3(), "_request_signer", None)
    credentials = getattr(signer, "_credentials", None)
    expiry = getattr(credentials, "_expiry_time", None)
    return expiry if isinstance(expiry, datetime) else None
