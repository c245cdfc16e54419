"""boto3 clients, made once per process and pointed at the configured endpoint.

Locally that endpoint is the moto server on 127.0.0.1; in AWS it is left unset. boto3 is
imported by the first :func:`client` call, not with this module: importing it costs a cold
start over 100 ms, which a Lambda handler pays only once it really talks to AWS.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from backend.settings import get_settings

# One client per service is shared by every thread of the process: locally that is each poller's
# workers and the API server's request threads, more than urllib3's default pool of 10 connections.
_CONFIG: dict[str, Any] = {
    "retries": {"max_attempts": 3, "mode": "standard"},
    "connect_timeout": 5,
    "read_timeout": 20,
    "max_pool_connections": 50,
}
# Presigned POSTs default to legacy SigV2 policies, which S3 refuses for buckets made since 2020.
_SERVICE_CONFIG: dict[str, dict[str, Any]] = {"s3": {"signature_version": "s3v4"}}


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    settings = get_settings()
    config = Config(**_CONFIG, **_SERVICE_CONFIG.get(service, {}))
    kwargs: dict[str, Any] = {"region_name": settings.region, "config": config}
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
        # The emulator accepts any credentials; real ones are never needed (or sent) locally.
        kwargs.setdefault("aws_access_key_id", "lumi-local")
        kwargs.setdefault("aws_secret_access_key", "lumi-local")
    return boto3.session.Session().client(service, **kwargs)


def reset_clients() -> None:
    client.cache_clear()
