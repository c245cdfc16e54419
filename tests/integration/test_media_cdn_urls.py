"""CloudFront signed URLs through the real local stack: with ``LUMI_MEDIA_URL_SIGNER=cloudfront``
a moment's video and thumbnail come back as URLs on the distribution, signed with the key
CloudFront trusts, and the Redis cache keeps them as it keeps S3 presigned GETs. The server's
own reads (the media job's ffmpeg probe and thumbnail) still go to the bucket directly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.aws import client
from backend.local.queue_poller import QueuePoller
from backend.local.stack import LocalStack
from backend.local.stream_poller import StreamPoller
from backend.media import signing, urls
from backend.settings import get_settings, reset_settings
from backend.store.redis_client import key as redis_key
from backend.store.redis_client import redis_client
from tests.integration.conftest import Api, MakeCouple
from tests.integration.test_moments import moment_prefix, object_exists, process, share
from tests.unit.test_media_signing import new_key_pair, verify_cloudfront_url

DOMAIN = "d2lumitest0cdn.cloudfront.net"
KEY_PAIR_ID = "K3LUMITESTKEYID"


@pytest.fixture
def cdn(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[pytest.MonkeyPatch, rsa.RSAPublicKey]]:
    """The CloudFront signer on the local stack, with a fresh key given as PEM; put back after."""
    pem, public_key = new_key_pair()
    monkeypatch.setenv("LUMI_MEDIA_URL_SIGNER", "cloudfront")
    monkeypatch.setenv("LUMI_MEDIA_CDN_DOMAIN", DOMAIN)
    monkeypatch.setenv("LUMI_CLOUDFRONT_KEY_PAIR_ID", KEY_PAIR_ID)
    monkeypatch.setenv("LUMI_CLOUDFRONT_PRIVATE_KEY", pem)
    reset_settings()
    signing.forget_keys()
    yield monkeypatch, public_key
    monkeypatch.undo()
    reset_settings()
    signing.forget_keys()


def object_key_of(url: str) -> str:
    return unquote(urlsplit(url).path[1:])


def test_a_moment_is_served_through_cached_cloudfront_urls(
    api: Api,
    couple: MakeCouple,
    stream: StreamPoller,
    media: QueuePoller,
    cdn: tuple[pytest.MonkeyPatch, rsa.RSAPublicKey],
) -> None:
    _, public_key = cdn
    # given a moment shared, probed and thumbnailed by the media job (reading from the bucket)
    ana, ben, rel = couple()
    moment_id = share(api, ana)["moment_id"]
    process(stream, media)
    status, shared = api.get(f"/moments/{moment_id}", token=ben.access_token)
    assert status == 200 and shared["thumbnail_url"], shared
    for url in (shared["video_url"], shared["thumbnail_url"]):
        urls.forget(object_key_of(url))
    urls.reset_cache_stats()
    # when the watch page loads it twice
    started = time.time()
    status, first = api.get(f"/moments/{moment_id}", token=ben.access_token)
    after_first = urls.cache_stats()
    status_again, second = api.get(f"/moments/{moment_id}", token=ben.access_token)
    after_second = urls.cache_stats()
    # then both loads answer the same CloudFront URLs: signed once, served from the cache once
    assert status == status_again == 200
    assert (first["video_url"], first["thumbnail_url"]) == (second["video_url"], second["thumbnail_url"])
    assert (after_first.misses, after_first.hits) == (2, 0)
    assert (after_second.misses, after_second.hits) == (2, 2)
    ttl = get_settings().media_url_ttl_seconds
    for url in (first["video_url"], first["thumbnail_url"]):
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("https", DOMAIN)
        assert "X-Amz-Signature" not in url
        # on the path of the very object in the bucket
        object_key = object_key_of(url)
        assert object_key.startswith(moment_prefix(rel, moment_id)) and object_exists(object_key)
        # signed with the key CloudFront trusts, for the URL lifetime
        expires = verify_cloudfront_url(url, public_key)
        assert started + ttl - 1 <= expires <= time.time() + ttl
        # and cached for under half of that (the key pair does not expire, so nothing shorter)
        left = redis_client().ttl(redis_key("media-url", object_key))
        assert 0 < left <= ttl // 2 < ttl
        assert left < expires - time.time()


def test_the_private_key_is_read_once_from_secrets_manager(
    stack: LocalStack, cdn: tuple[pytest.MonkeyPatch, rsa.RSAPublicKey]
) -> None:
    monkeypatch, _ = cdn
    # given the private key only in a Secrets Manager secret, as the stack deploys it
    pem, public_key = new_key_pair()
    secrets = client("secretsmanager")
    arn = secrets.create_secret(Name=f"lumi-test-media-signing-{uuid.uuid4().hex[:8]}", SecretString=pem)["ARN"]
    monkeypatch.delenv("LUMI_CLOUDFRONT_PRIVATE_KEY")
    monkeypatch.setenv("LUMI_CLOUDFRONT_PRIVATE_KEY_SECRET_ARN", arn)
    reset_settings()
    signing.forget_keys()
    # when a URL is signed, the secret goes away, and another is signed
    first_key, second_key = f"private/x/{uuid.uuid4().hex}", f"private/x/{uuid.uuid4().hex} two"
    first = urls.signed_url(first_key)
    secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    second = urls.signed_url(second_key)
    # then both are signed with that key: it was read once and kept
    assert first and second
    verify_cloudfront_url(first, public_key)
    verify_cloudfront_url(second, public_key)
    assert object_key_of(second) == second_key
    urls.forget(first_key)
    urls.forget(second_key)
