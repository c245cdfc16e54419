"""VAPID keys for Web Push, in the forms browsers and pywebpush take.

The private key is the raw 32-byte P-256 scalar and the public key the uncompressed
65-byte point, both base64url without padding: the public one is what
``PushManager.subscribe({applicationServerKey})`` wants.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_vapid_keys() -> tuple[str, str]:
    """A new (private, public) key pair."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)
