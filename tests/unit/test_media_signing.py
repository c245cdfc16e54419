"""Signed read URLs: CloudFront's canned-policy URLs (checked the way CloudFront checks them,
with the public key) and the S3 presigned GET that stays the default."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from botocore.config import Config
from botocore.session import get_session
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backend.media import objects, signing, urls
from backend.settings import Settings, get_settings, reset_settings

DOMAIN = "d111111abcdef8.cloudfront.net"
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
SETTINGS = (
    "LUMI_MEDIA_URL_SIGNER",
    "LUMI_MEDIA_CDN_DOMAIN",
    "LUMI_CLOUDFRONT_KEY_PAIR_ID",
    "LUMI_CLOUDFRONT_PRIVATE_KEY",
    "LUMI_CLOUDFRONT_PRIVATE_KEY_SECRET_ARN",
)


def new_key_pair() -> tuple[str, rsa.RSAPublicKey]:
    """A fresh RSA key pair: the private half as PEM (what the operator stores), the public half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode(), key.public_key()


def cloudfront_b64decode(text: str) -> bytes:
    """CloudFront's URL-safe base64: ``+`` as ``-``, ``=`` as ``_``, ``/`` as ``~``."""
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def verify_cloudfront_url(url: str, public_key: rsa.RSAPublicKey) -> int:
    """Check a canned-policy URL as CloudFront does; returns its expiry (epoch seconds).

    CloudFront takes the URL without its signing parameters as the policy's resource and
    the Expires parameter as its DateLessThan, rebuilds the policy JSON with no whitespace
    and verifies the signature (RSA PKCS#1 v1.5 over SHA-1) with the key named by Key-Pair-Id."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, strict_parsing=True)
    assert set(query) == {"Expires", "Signature", "Key-Pair-Id"}, query
    assert all(len(values) == 1 for values in query.values())
    expires = int(query["Expires"][0])
    resource = f"{parts.scheme}://{parts.netloc}{parts.path}"
    policy = (
        '{"Statement":[{"Resource":"' + resource + '","Condition":{"DateLessThan":{"AWS:EpochTime":'
        f"{expires}" + "}}}]}"
    )
    # parse_qs would turn a "+" into a space; CloudFront's alphabet has none, so take it raw
    raw_signature = dict(pair.split("=", 1) for pair in parts.query.split("&"))["Signature"]
    public_key.verify(cloudfront_b64decode(raw_signature), policy.encode(), padding.PKCS1v15(), hashes.SHA1())
    return expires


@pytest.fixture
def signer_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Media signing settings as each test sets them, all put back afterwards."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    signing.forget_keys()
    yield monkeypatch
    monkeypatch.undo()
    reset_settings()
    signing.forget_keys()


@pytest.fixture
def cloudfront(signer_settings: pytest.MonkeyPatch) -> rsa.RSAPublicKey:
    """The CloudFront signer with a fresh key; returns the public key CloudFront would hold."""
    pem, public_key = new_key_pair()
    signer_settings.setenv("LUMI_MEDIA_URL_SIGNER", "cloudfront")
    signer_settings.setenv("LUMI_MEDIA_CDN_DOMAIN", DOMAIN)
    signer_settings.setenv("LUMI_CLOUDFRONT_KEY_PAIR_ID", KEY_PAIR_ID)
    signer_settings.setenv("LUMI_CLOUDFRONT_PRIVATE_KEY", pem)
    reset_settings()
    return public_key


def test_a_cloudfront_url_carries_expiry_signature_and_key_pair_id(cloudfront: rsa.RSAPublicKey) -> None:
    # given the CloudFront signer
    # when a moment's video is signed for an hour
    before = int(time.time())
    url = signing.sign("private/rel/r1/moments/m1/video", 3600)
    after = int(time.time())
    # then it is on the distribution's domain, over https, with the three canned-policy parameters
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", DOMAIN, "/private/rel/r1/moments/m1/video")
    query = parse_qs(parts.query)
    assert query["Key-Pair-Id"] == [KEY_PAIR_ID]
    # and the signature is good for the canned policy CloudFront rebuilds from it
    expires = verify_cloudfront_url(url, cloudfront)
    # and it expires expires_in seconds from now
    assert before + 3600 <= expires <= after + 3600


def test_a_tampered_url_or_another_key_does_not_verify(cloudfront: rsa.RSAPublicKey) -> None:
    # given a signed URL
    url = signing.sign("private/rel/r1/moments/m1/video", 600)
    expires = verify_cloudfront_url(url, cloudfront)
    # when its path or expiry is changed, or it is checked with another key
    other_object = url.replace("/m1/", "/m2/")
    longer = url.replace(f"Expires={expires}", f"Expires={expires + 86400}")
    _, other_key = new_key_pair()
    # then CloudFront would refuse it
    for forged, key in ((other_object, cloudfront), (longer, cloudfront), (url, other_key)):
        with pytest.raises(InvalidSignature):
            verify_cloudfront_url(forged, key)


@pytest.mark.parametrize(
    ("object_key", "path"),
    [
        ("private/users/u1/avatar/my photo.jpg", "/private/users/u1/avatar/my%20photo.jpg"),
        ("private/rel/r1/moments/m1/café été.mp4", "/private/rel/r1/moments/m1/caf%C3%A9%20%C3%A9t%C3%A9.mp4"),
        ("private/a+b&c=d?e#f", "/private/a%2Bb%26c%3Dd%3Fe%23f"),
    ],
)
def test_keys_with_spaces_unicode_and_url_characters_are_quoted(
    cloudfront: rsa.RSAPublicKey, object_key: str, path: str
) -> None:
    # when a key with characters that mean something in a URL is signed
    url = signing.sign(object_key, 60)
    # then the path is percent-encoded (so browsers send it unchanged) and names the same object
    parts = urlsplit(url)
    assert parts.path == path
    assert unquote(parts.path[1:]) == object_key
    assert parts.query.count("?") == 0 and "#" not in url
    verify_cloudfront_url(url, cloudfront)


def test_the_key_may_come_with_escaped_newlines(signer_settings: pytest.MonkeyPatch) -> None:
    """An environment variable set from a one-line secret carries the PEM's newlines as ``\\n``."""
    pem, public_key = new_key_pair()
    for name, value in {
        "LUMI_MEDIA_URL_SIGNER": "cloudfront",
        "LUMI_MEDIA_CDN_DOMAIN": DOMAIN,
        "LUMI_CLOUDFRONT_KEY_PAIR_ID": KEY_PAIR_ID,
        "LUMI_CLOUDFRONT_PRIVATE_KEY": pem.replace("\n", "\\n"),
    }.items():
        signer_settings.setenv(name, value)
    reset_settings()
    verify_cloudfront_url(signing.sign("private/x", 60), public_key)


def test_a_cloudfront_signer_without_its_key_or_domain_says_what_is_missing(
    signer_settings: pytest.MonkeyPatch,
) -> None:
    signer_settings.setenv("LUMI_MEDIA_URL_SIGNER", "cloudfront")
    reset_settings()
    with pytest.raises(signing.SigningNotConfigured, match="LUMI_MEDIA_CDN_DOMAIN"):
        signing.cloudfront_url("private/x", 60)
    signer_settings.setenv("LUMI_MEDIA_CDN_DOMAIN", DOMAIN)
    signer_settings.setenv("LUMI_CLOUDFRONT_KEY_PAIR_ID", KEY_PAIR_ID)
    reset_settings()
    with pytest.raises(signing.SigningNotConfigured, match="LUMI_CLOUDFRONT_PRIVATE_KEY"):
        signing.cloudfront_url("private/x", 60)
    # a secret still holding its generated placeholder, not a PEM
    signer_settings.setenv("LUMI_CLOUDFRONT_PRIVATE_KEY", "h7Vq3xPlaceholderNotAKey")
    reset_settings()
    with pytest.raises(signing.SigningNotConfigured, match="not a PEM private key"):
        signing.cloudfront_url("private/x", 60)


def test_a_half_configured_cloudfront_signer_serves_s3_urls_until_its_key_works(
    signer_settings: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given CloudFront is chosen but its secret still holds the placeholder, and S3 can presign
    session = get_session()
    session.set_credentials("AKIA", "secret")
    s3 = session.create_client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))
    signer_settings.setattr(objects, "_s3", lambda: s3)
    signer_settings.setattr(objects, "signing_credentials_expiry", lambda: None)
    for name, value in {
        "LUMI_MEDIA_URL_SIGNER": "cloudfront",
        "LUMI_MEDIA_CDN_DOMAIN": DOMAIN,
        "LUMI_CLOUDFRONT_KEY_PAIR_ID": KEY_PAIR_ID,
        "LUMI_CLOUDFRONT_PRIVATE_KEY": "h7Vq3xPlaceholderNotAKey",
    }.items():
        signer_settings.setenv(name, value)
    reset_settings()

    # when a URL is signed, then it is an S3 presigned GET and the deployment mistake is logged
    url = signing.sign("private/x", 60)
    assert "X-Amz-Signature" in url and DOMAIN not in url
    assert signing.active_signer() == "s3"
    assert "CloudFront signing is not usable" in caplog.text

    # when the operator sets the real key, then CloudFront URLs are served once the retry time is up
    pem, public_key = new_key_pair()
    signer_settings.setenv("LUMI_CLOUDFRONT_PRIVATE_KEY", pem)
    reset_settings()
    signer_settings.setattr(signing, "_cloudfront_unusable_until", 0.0)
    verify_cloudfront_url(signing.sign("private/x", 60), public_key)


def test_the_signer_and_cdn_domain_are_validated(signer_settings: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(media_url_signer="cdn")
    with pytest.raises(ValidationError):
        Settings(media_cdn_domain="https://d123.cloudfront.net/")
    assert Settings(media_url_signer="cloudfront", media_cdn_domain="d123.cloudfront.net").media_cdn_domain


def test_the_s3_signer_is_the_default(signer_settings: pytest.MonkeyPatch) -> None:
    # given no signer setting, and S3 credentials to presign with
    session = get_session()
    session.set_credentials("AKIA", "secret")
    s3 = session.create_client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))
    signer_settings.setattr(objects, "_s3", lambda: s3)
    assert Settings.model_fields["media_url_signer"].default == "s3"
    assert get_settings().media_url_signer == "s3"
    # when a URL is signed
    url = signing.sign("private/users/u1/avatar/a b", 900)
    # then it is an S3 presigned GET of that object for that long
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path.endswith("/private/users/u1/avatar/a%20b")
    assert query["X-Amz-Expires"] == ["900"] and "X-Amz-Signature" in query and "Key-Pair-Id" not in query


def test_with_cloudfront_only_the_url_lifetime_bounds_the_cache(cloudfront: rsa.RSAPublicKey) -> None:
    """The key pair does not expire: the S3 credentials' expiry no longer counts."""

    def expiring_soon() -> None:
        raise AssertionError("the S3 credentials are not asked about")

    assert signing.credentials_expiry() is None
    assert urls.credentials_left() is None
    assert urls.cache_seconds(get_settings().media_url_ttl_seconds, urls.credentials_left()) == 1800
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(objects, "signing_credentials_expiry", expiring_soon)
        assert urls.credentials_left() is None


def test_the_policy_is_the_one_botocore_builds() -> None:
    """Our rebuilt policy is CloudFront's documented canned form, byte for byte."""
    from datetime import UTC, datetime

    from botocore.signers import CloudFrontSigner

    url = f"https://{DOMAIN}/private/x"
    built = CloudFrontSigner(KEY_PAIR_ID, lambda message: b"").build_policy(
        url, datetime.fromtimestamp(1_900_000_000, UTC)
    )
    assert json.loads(built) == {
        "Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": 1_900_000_000}}}]
    }
    assert built == (
        '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/private/x",'
        '"Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}'
    )
