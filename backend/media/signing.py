"""Who signs the read URLs browsers get for private objects: one function, two signers.

``LUMI_MEDIA_URL_SIGNER=s3`` (the local stack): an S3 presigned GET, signed with the
process's credentials, so it stops working when they expire. ``cloudfront`` (AWS): a
CloudFront signed URL with a canned policy on the media distribution, whose origin access
control is the only reader of the private bucket. It is signed with the private half of a
key pair whose public half is in the distribution's trusted key group; that key does not
expire, so only the URL's own lifetime bounds it.

Server-side reads (ffmpeg probing an upload, making a thumbnail) do not come here: they use
``objects.signed_get`` and read the bucket directly. botocore's signer and cryptography are
imported by the first CloudFront URL, not with this module (the local stack never needs them).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from backend.media import objects
from backend.settings import Settings, get_settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger("lumi.media.signing")

# After a failed attempt to load the CloudFront key, how long S3 URLs are served before trying again.
RETRY_CLOUDFRONT_SECONDS = 60.0
_cloudfront_unusable_until = 0.0


class SigningNotConfigured(RuntimeError):
    """The CloudFront signer was chosen without what it needs (a deployment mistake)."""


def sign(object_key: str, expires_in: int) -> str:
    """A URL that reads ``object_key`` for ``expires_in`` seconds from now."""
    if active_signer() == "cloudfront":
        return cloudfront_url(object_key, expires_in)
    return objects.signed_get(object_key, expires_in)


def credentials_expiry() -> datetime | None:
    """When what signs the URLs stops working, or None if it does not expire.

    S3: the process's temporary credentials (a role's, a container's). CloudFront: never;
    the key pair is only retired by deployment."""
    if active_signer() == "cloudfront":
        return None
    return objects.signing_credentials_expiry()


def active_signer() -> str:
    """``cloudfront`` when it is chosen and its key loads, else ``s3``.

    A deployment whose key secret is not set yet (or holds something else) keeps serving
    media through S3 presigned URLs, which the functions' role may read, instead of failing
    every page; the error is logged, and the key is tried again a minute later.
    """
    global _cloudfront_unusable_until
    settings = get_settings()
    if settings.media_url_signer != "cloudfront":
        return "s3"
    if time.monotonic() < _cloudfront_unusable_until:
        return "s3"
    try:
        _check_cloudfront(settings)
    except SigningNotConfigured as error:
        log.error("serving S3 URLs: CloudFront signing is not usable: %s", error)
        _cloudfront_unusable_until = time.monotonic() + RETRY_CLOUDFRONT_SECONDS
        return "s3"
    return "cloudfront"


def _check_cloudfront(settings: Settings) -> None:
    if not settings.media_cdn_domain or not settings.cloudfront_key_pair_id:
        raise SigningNotConfigured("the cloudfront signer needs LUMI_MEDIA_CDN_DOMAIN and LUMI_CLOUDFRONT_KEY_PAIR_ID")
    _private_key(_private_key_pem(settings))


def cdn_url(object_key: str, domain: str) -> str:
    """The object's URL on the distribution, every byte outside the unreserved set quoted.

    The canned policy names this exact URL and CloudFront rebuilds it from the request, so
    it must reach CloudFront unchanged: browsers leave percent-escapes alone."""
    return f"https://{domain}/{quote(object_key, safe='/')}"


def cloudfront_url(object_key: str, expires_in: int, now: datetime | None = None) -> str:
    from botocore.signers import CloudFrontSigner

    settings = get_settings()
    _check_cloudfront(settings)
    key = _private_key(_private_key_pem(settings))
    signer = CloudFrontSigner(settings.cloudfront_key_pair_id, lambda message: _rsa_sha1(key, message))
    expires = (now or datetime.now(UTC)) + timedelta(seconds=expires_in)
    return str(signer.generate_presigned_url(cdn_url(object_key, settings.media_cdn_domain), date_less_than=expires))


def _rsa_sha1(key: rsa.RSAPrivateKey, message: bytes) -> bytes:
    """CloudFront verifies RSA PKCS#1 v1.5 signatures over SHA-1 of the policy."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # CloudFront's choice, not ours


def _private_key_pem(settings: Settings) -> str:
    if settings.cloudfront_private_key:
        return settings.cloudfront_private_key
    if settings.cloudfront_private_key_secret_arn:
        return _secret(settings.cloudfront_private_key_secret_arn)
    raise SigningNotConfigured(
        "the cloudfront signer needs LUMI_CLOUDFRONT_PRIVATE_KEY or LUMI_CLOUDFRONT_PRIVATE_KEY_SECRET_ARN"
    )


@lru_cache(maxsize=4)
def _secret(arn: str) -> str:
    """Read once per process: every URL a page needs is signed without a network call."""
    from backend.aws import client

    return str(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


@lru_cache(maxsize=4)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parsed once per key (an environment variable may carry the PEM's newlines as ``\\n``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(pem.replace("\\n", "\n").strip().encode(), password=None)
    except ValueError as error:
        raise SigningNotConfigured(
            "the CloudFront signing key is not a PEM private key: set the secret's value to the private key "
            "whose public half is the distribution's trusted key"
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningNotConfigured("the CloudFront signing key must be an RSA key")
    return key


def forget_keys() -> None:
    """Drop the cached secret and parsed keys (tests; a rotated key is picked up by new processes)."""
    global _cloudfront_unusable_until
    _secret.cache_clear()
    _private_key.cache_clear()
    _cloudfront_unusable_until = 0.0
