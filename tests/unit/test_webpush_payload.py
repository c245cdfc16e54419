"""Web Push payloads, VAPID claims and which endpoints the sender may call: pure, no sockets."""

from __future__ import annotations

import json
import os
import time

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from backend.push.endpoints import allowed_endpoint, origin, usable_keys
from backend.push.vapid import b64url, generate_vapid_keys
from backend.push.webpush import MAX_ENCRYPTED_BYTES, MAX_PAYLOAD_BYTES, PushPayload, vapid_claims
from backend.settings import get_settings, reset_settings


def payload(title: str = "Ana is thinking of you", body: str = "Just because.") -> PushPayload:
    return PushPayload(title=title, body=body, link="/home", notification_id="0" * 30, category="partner")


def encrypt_like_a_push_service_receives_it(data: bytes) -> bytes:
    """What pywebpush sends: aes128gcm with a fresh sender key, for a browser's key and secret."""
    browser = ec.generate_private_key(ec.SECP256R1())
    return http_ece.encrypt(
        data,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=browser.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint),
        auth_secret=os.urandom(16),
        version="aes128gcm",
    )


def test_a_small_payload_is_the_plain_json() -> None:
    assert json.loads(payload().encode()) == {
        "title": "Ana is thinking of you",
        "body": "Just because.",
        "link": "/home",
        "notification_id": "0" * 30,
        "category": "partner",
    }


@pytest.mark.parametrize("body", ["x" * 10_000, "💛" * 10_000, '"\\' * 5_000, "é" * 3_990])
def test_a_huge_body_is_cut_to_fit_one_encrypted_push(body: str) -> None:
    data = payload(body=body).encode()
    assert len(data) <= MAX_PAYLOAD_BYTES
    decoded = json.loads(data)
    assert decoded["body"].endswith("…") and body.startswith(decoded["body"][:-1])
    assert len(decoded["body"]) > 500  # cut, not emptied
    assert len(encrypt_like_a_push_service_receives_it(data)) <= MAX_ENCRYPTED_BYTES


def test_the_overhead_is_exactly_what_aes128gcm_adds() -> None:
    data = b"x" * MAX_PAYLOAD_BYTES
    assert len(encrypt_like_a_push_service_receives_it(data)) == MAX_ENCRYPTED_BYTES


def test_a_huge_title_is_cut_too() -> None:
    data = payload(title="T" * 9_000, body="B" * 9_000).encode()
    decoded = json.loads(data)
    assert len(data) <= MAX_PAYLOAD_BYTES
    assert decoded["body"] == "" and decoded["title"].startswith("TTT") and decoded["title"].endswith("…")


def test_vapid_claims_name_the_push_service_and_expire_within_a_day() -> None:
    now = time.time()
    claims = vapid_claims("https://fcm.googleapis.com:443/fcm/send/abc?x=1", now=now)
    assert claims["aud"] == "https://fcm.googleapis.com:443"
    assert claims["sub"] == get_settings().vapid_subject
    assert now < int(claims["exp"]) <= now + 24 * 3600
    assert origin("http://127.0.0.1:8123/push/1") == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
        ("https://wns2-par02p.notify.windows.com/w/?token=abc", True),
        ("https://web.push.apple.com/QGx", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),  # not https
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://evilfcm.googleapis.com.example/x", False),
        ("https://user:pw@fcm.googleapis.com/x", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("http://127.0.0.1:9000/push", False),  # loopback only when allowed
        ("https://fcm.googleapis.com:notaport/x", False),
        ("not a url", False),
    ],
)
def test_only_browser_push_services_may_be_called(endpoint: str, allowed: bool) -> None:
    assert allowed_endpoint(endpoint) is allowed


def test_loopback_is_allowed_only_for_a_test_push_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUMI_PUSH_ALLOW_LOOPBACK", "true")
    reset_settings()
    try:
        assert allowed_endpoint("http://127.0.0.1:9000/push")
        assert not allowed_endpoint("http://10.0.0.1:9000/push")
    finally:
        monkeypatch.undo()
        reset_settings()


def test_browser_keys_must_be_a_p256_point_and_a_16_byte_secret() -> None:
    _, public = generate_vapid_keys()  # the same shape a browser's p256dh has
    secret = b64url(os.urandom(16))
    assert usable_keys(public, secret)
    assert not usable_keys(public, b64url(os.urandom(8)))
    assert not usable_keys("B" + public[1:-4] + "AAAA", secret)  # not on the curve
    assert not usable_keys("!!!!", secret)
