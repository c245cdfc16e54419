"""One Redis connection pool per URL (rate limits, revoked sessions, signed-URL cache)."""

from __future__ import annotations

from functools import lru_cache

import redis

from backend.settings import get_settings


@lru_cache(maxsize=4)
def _for_url(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)


def redis_client() -> redis.Redis:
    return _for_url(get_settings().redis_url)


def key(*parts: str) -> str:
    """Namespaced by stage so several stacks can share one Redis."""
    return ":".join(("lumi", get_settings().stage, *parts))
