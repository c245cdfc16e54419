"""SigV4 for the app server's calls to the API's function URL (IAM-only in AWS).

:class:`LambdaUrlSigner` is an ``httpx.Auth`` that ``lumi_app.api_client`` is given at
start (``rxconfig.py`` installs :func:`lambda_url_signer` when ``Settings.api_auth`` is
"iam"), so the app never imports botocore itself. Credentials are the task role's, from
botocore's default chain (the ECS container provider in Fargate), refreshed before they
expire; a refresh that has to fetch new ones runs off the event loop.

Every request carries ``x-amz-content-sha256`` with the hash of its body, signed: function
URLs take no unsigned payloads. Signed are the host, the content type, the ``x-amz-*``
headers and every ``x-lumi-*`` header (the person's token, the browser's address), so
none of them can be changed on the way without the function URL refusing the call.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, Generator
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials, RefreshableCredentials

SERVICE = "lambda"
_SIGNED = ("host", "content-type")
_SIGNED_PREFIXES = ("x-lumi-",)
# What signing adds to a request; copied from botocore's request onto httpx's.
_ADDED = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")


class LambdaUrlSigner(httpx.Auth):
    """Signs each request for a Lambda function URL with ``credentials`` (SigV4, service ``lambda``)."""

    requires_request_body = True

    def __init__(self, region: str, credentials: Credentials) -> None:
        if not region:
            raise ValueError("signing for a function URL needs the region")
        self.region = region
        self._credentials = credentials

    def sign(self, request: httpx.Request, credentials: ReadOnlyCredentials) -> None:
        body = request.content
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in _SIGNED or name.lower().startswith(_SIGNED_PREFIXES)
        }
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
        signed = AWSRequest(method=request.method, url=str(request.url), headers=headers, data=body)
        SigV4Auth(credentials, SERVICE, self.region).add_auth(signed)
        for name in _ADDED:
            if name in signed.headers:
                request.headers[name] = signed.headers[name]
            else:
                request.headers.pop(name, None)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request, self._credentials.get_frozen_credentials())
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        credentials = self._credentials
        if isinstance(credentials, RefreshableCredentials) and credentials.refresh_needed():
            # Fetching new credentials is a blocking HTTP call (the ECS credentials endpoint).
            frozen = await asyncio.to_thread(credentials.get_frozen_credentials)
        else:
            frozen = credentials.get_frozen_credentials()
        self.sign(request, frozen)
        yield request


def lambda_url_signer() -> LambdaUrlSigner:
    """A signer with this process's AWS credentials (the task role in Fargate) for ``Settings.region``."""
    import botocore.session

    from backend.settings import get_settings

    credentials: Any = botocore.session.get_session().get_credentials()
    if credentials is None:
        raise RuntimeError("LUMI_API_AUTH=iam but no AWS credentials were found (the task role's, in ECS)")
    return LambdaUrlSigner(get_settings().region, credentials)


__all__ = ["SERVICE", "LambdaUrlSigner", "lambda_url_signer"]
