"""Signed read URLs for private objects, cached in Redis.

Profiles are read far more often than avatars change, and a stable URL lets the browser
cache the picture. The cache key is the object key only (never a signature), and an entry
lives at most half the URL's lifetime, so a cached URL always has time left when served.
In AWS the signing credentials must also outlive the entry; Lambda's last for hours.
"""

from __future__ import annotations

from backend.media import objects
from backend.settings import get_settings
from backend.store.redis_client import key, redis_client


def cache_seconds(url_ttl: int) -> int:
    return max(1, url_ttl // 2)


def signed_url(object_key: str | None) -> str | None:
    if not object_key:
        return None
    cache_key = key("media-url", object_key)
    cached = redis_client().get(cache_key)
    if cached:
        return str(cached)
    ttl = get_settings().media_url_ttl_seconds
    url = objects.signed_get(object_key, ttl)
    redis_client().set(cache_key, url, ex=cache_seconds(ttl))
    return url


def forget(object_key: str | None) -> None:
    """Drop a cached URL when its object is deleted."""
    if object_key:
        redis_client().delete(key("media-url", object_key))
