"""Which push endpoints the sender may call.

An endpoint is a URL the browser hands over and the sender later POSTs to, from inside our
network: taken blindly it would let anyone make Lumi call any address (server-side request
forgery). Only https URLs of the browsers' push services are accepted
(``Settings.push_service_hosts``, subdomains included); loopback only when
``Settings.push_allow_loopback`` says a local test push service is listening there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from backend.settings import get_settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def allowed_endpoint(endpoint: str) -> bool:
    settings = get_settings()
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    if host in LOOPBACK_HOSTS:
        return settings.push_allow_loopback and parts.scheme in ("http", "https")
    if parts.scheme != "https":
        return False
    services = [h.strip().lower() for h in settings.push_service_hosts.split(",") if h.strip()]
    return any(host == service or host.endswith(f".{service}") for service in services)


def origin(endpoint: str) -> str:
    """The VAPID audience: scheme, host and port of the push service."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def usable_keys(p256dh: str, auth: str) -> bool:
    """The browser's keys: an uncompressed P-256 point and a 16-byte secret (both base64url)."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        point = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        secret = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return len(point) == 65 and len(secret) == 16
