"""boto3 clients, made once per process and pointed at the configured endpoint.

Locally that endpoint is the moto server on 127.0.0.1; in AWS it is left unset.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from backend.settings import get_settings

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=20)
# Presigned POSTs default to legacy SigV2 policies, which S3 refuses for buckets made since 2020.
_SERVICE_CONFIG = {"s3": Config(signature_version="s3v4")}


@cache
def client(service: str) -> Any:
    settings = get_settings()
    config = _CONFIG.merge(_SERVICE_CONFIG[service]) if service in _SERVICE_CONFIG else _CONFIG
    kwargs: dict[str, Any] = {"region_name": settings.region, "config": config}
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
        # The emulator accepts any credentials; real ones are never needed (or sent) locally.
        kwargs.setdefault("aws_access_key_id", "lumi-local")
        kwargs.setdefault("aws_secret_access_key", "lumi-local")
    return boto3.session.Session().client(service, **kwargs)


def reset_clients() -> None:
    client.cache_clear()
