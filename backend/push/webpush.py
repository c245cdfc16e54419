"""Web Push: encrypt a notification for one browser and hand it to that browser's push service.

pywebpush does the work: the payload is encrypted for the subscription's keys with
``aes128gcm`` (RFC 8188 / 8291) and the request carries a VAPID token (RFC 8292, ES256)
signed with ``Settings.vapid_private_key``: ``sub`` our contact, ``aud`` the push service's
origin, ``exp`` twelve hours ahead (services refuse more than 24). ``TTL`` says how long the
service keeps it for a device that is away; ``Topic`` (the notification id) lets a retried
send replace a copy still waiting there instead of queueing a second one.

Push services take at most 4096 bytes of encrypted body, so the JSON payload is cut to fit
(the body first, then the title).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from backend.domain.models import PushSubscription
from backend.push.endpoints import allowed_endpoint, origin
from backend.settings import get_settings

log = logging.getLogger("lumi.push")

MAX_ENCRYPTED_BYTES = 4096
# aes128gcm adds a header (16-byte salt, 4-byte record size, 1-byte key id length, the
# 65-byte sender key), one padding delimiter byte and a 16-byte tag.
AES128GCM_OVERHEAD = 16 + 4 + 1 + 65 + 1 + 16
MAX_PAYLOAD_BYTES = MAX_ENCRYPTED_BYTES - AES128GCM_OVERHEAD
VAPID_TOKEN_SECONDS = 12 * 3600
TIMEOUT_SECONDS = 10.0
GONE_STATUSES = frozenset({404, 410})
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class PushGone(Exception):
    """The push service says this subscription no longer exists (404/410): forget it."""


class PushFailed(Exception):
    """The push service could not take the message now: try again later."""


@dataclass(frozen=True)
class PushPayload:
    """What the service worker gets in its ``push`` event (as JSON)."""

    title: str
    body: str
    link: str
    notification_id: str
    category: str

    def encode(self) -> bytes:
        """The JSON, cut to fit one push message once encrypted."""
        data = self._json(self.title, self.body)
        if len(data) <= MAX_PAYLOAD_BYTES:
            return data
        body = _longest_fit(self.body, lambda text: self._json(self.title, text))
        if body is not None:
            return self._json(self.title, body)
        title = _longest_fit(self.title, lambda text: self._json(text, ""))
        if title is None:
            raise ValueError("the link and id alone do not fit in a push message")
        return self._json(title, "")

    def _json(self, title: str, body: str) -> bytes:
        fields = {
            "title": title,
            "body": body,
            "link": self.link,
            "notification_id": self.notification_id,
            "category": self.category,
        }
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def _cut(text: str, length: int) -> str:
    return text if length >= len(text) else text[:length].rstrip() + "…"


def _longest_fit(text: str, encode: Callable[[str], bytes]) -> str | None:
    """The longest cut of ``text`` whose encoding fits, or None when not even an empty one does."""
    if len(encode("")) > MAX_PAYLOAD_BYTES:
        return None
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(encode(_cut(text, middle))) <= MAX_PAYLOAD_BYTES:
            low = middle
        else:
            high = middle - 1
    return _cut(text, low) if low else ""


@lru_cache(maxsize=4)
def _vapid(private_key: str) -> Vapid:
    if not private_key:
        raise PushFailed("no VAPID key is configured (LUMI_VAPID_PRIVATE_KEY)")
    return Vapid.from_raw(private_key.encode())


@lru_cache(maxsize=1)
def _session() -> requests.Session:
    return requests.Session()


def vapid_claims(endpoint: str, now: float | None = None) -> dict[str, str | int]:
    settings = get_settings()
    issued = int(now if now is not None else time.time())
    return {"sub": settings.vapid_subject, "aud": origin(endpoint), "exp": issued + VAPID_TOKEN_SECONDS}


def send(subscription: PushSubscription, payload: PushPayload) -> None:
    """Deliver one push message; raise :class:`PushGone` or :class:`PushFailed` when it was not taken."""
    if not allowed_endpoint(subscription.endpoint):
        raise PushGone("the endpoint is not a push service Lumi delivers to")
    settings = get_settings()
    headers = {"Urgency": "normal"}
    if _TOPIC.match(payload.notification_id):
        headers["Topic"] = payload.notification_id
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=payload.encode(),  # type: ignore[arg-type] - bytes are sent as they are
            vapid_private_key=_vapid(settings.vapid_private_key),
            vapid_claims=vapid_claims(subscription.endpoint),
            content_encoding="aes128gcm",
            ttl=settings.push_ttl_seconds,
            timeout=TIMEOUT_SECONDS,
            headers=headers,  # type: ignore[arg-type]
            requests_session=_session(),
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in GONE_STATUSES:
            raise PushGone(f"the push service answered {status}") from error
        raise PushFailed(f"the push service answered {status}: {error.message}") from error
    except requests.RequestException as error:
        raise PushFailed(f"could not reach the push service: {error}") from error
    except ValueError as error:
        # Keys that are no P-256 point and secret: this subscription can never be delivered to.
        raise PushGone(f"the subscription's keys are not usable: {error}") from error


__all__ = ["MAX_ENCRYPTED_BYTES", "MAX_PAYLOAD_BYTES", "PushFailed", "PushGone", "PushPayload", "send", "vapid_claims"]
