"""Signed read URLs for private objects, cached in Redis, with a hit ratio anyone can read.

Profiles and feeds are read far more often than pictures and videos change, and a stable URL
lets the browser cache what it points at. The cache key is the object key only (never a
signature). An entry lives at most half of what the URL lives, and the URL lives no longer
than the credentials that signed it (temporary credentials of an S3 presigned GET: a role's,
a container's; a CloudFront signed URL's key does not expire), so a cached URL always has time
left when it is served. Which signer: ``backend.media.signing``. A page of a feed asks for all its
URLs at once: one ``MGET``, then one pipeline that stores the new ones and counts hits and
misses, so the ratio is measured across every process sharing the Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.media import signing
from backend.settings import get_settings
from backend.store import redis_errors
from backend.store.redis_client import key, redis_client

log = logging.getLogger("lumi.media.urls")

# Seconds of a credential's life never counted on (clock skew, a slow client).
CREDENTIAL_MARGIN_SECONDS = 60


def cache_seconds(url_ttl: int, credentials_left: float | None = None) -> int:
    """How long a URL signed now may stay cached: half of what it will work for.

    0 means "do not cache" (the signing credentials are about to expire)."""
    if credentials_left is None:
        return max(1, url_ttl // 2)
    works_for = min(float(url_ttl), credentials_left - CREDENTIAL_MARGIN_SECONDS)
    return max(0, int(works_for // 2))


def credentials_left(now: datetime | None = None) -> float | None:
    """Seconds until the signing credentials expire, or None when they do not."""
    expiry = signing.credentials_expiry()
    if expiry is None:
        return None
    now = now or datetime.now(UTC)
    return (expiry - now).total_seconds()


def _cache_key(object_key: str) -> str:
    return key("media-url", object_key)


def _stats_key(kind: str) -> str:
    return key("media-url-stats", kind)


def signed_urls(object_keys: Iterable[str | None]) -> dict[str, str]:
    """Signed URLs for many objects (None keys skipped), served from the cache where possible.

    Without Redis the URLs are signed afresh each time: pages keep their pictures and videos
    while the cache is away (signing is local work, the cache only saves it).
    """
    wanted = list(dict.fromkeys(object_key for object_key in object_keys if object_key))
    if not wanted:
        return {}
    ttl = get_settings().media_url_ttl_seconds
    try:
        redis = redis_client()
        cached = redis.mget([_cache_key(object_key) for object_key in wanted])
    except redis_errors.RedisError as error:
        log.warning("the signed-URL cache is unreachable (%s); signing without it", error)
        return {object_key: signing.sign(object_key, ttl) for object_key in wanted}
    found = {object_key: str(url) for object_key, url in zip(wanted, cached, strict=True) if url}
    missing = [object_key for object_key in wanted if object_key not in found]
    pipeline = redis.pipeline(transaction=False)
    if missing:
        for object_key in missing:
            found[object_key] = signing.sign(object_key, ttl)
        lifetime = cache_seconds(ttl, credentials_left())  # after signing: botocore refreshes first
        if lifetime > 0:
            for object_key in missing:
                pipeline.set(_cache_key(object_key), found[object_key], ex=lifetime)
        pipeline.incrby(_stats_key("misses"), len(missing))
    if len(missing) < len(wanted):
        pipeline.incrby(_stats_key("hits"), len(wanted) - len(missing))
    try:
        pipeline.execute()
    except redis_errors.RedisError as error:
        log.warning("could not cache signed URLs (%s); they are signed again next time", error)
    return found


def signed_url(object_key: str | None) -> str | None:
    if not object_key:
        return None
    return signed_urls([object_key])[object_key]


def forget(object_key: str | None) -> None:
    """Drop a cached URL when its object is deleted (without Redis it expires on its own, and
    points at nothing meanwhile)."""
    if object_key:
        try:
            redis_client().delete(_cache_key(object_key))
        except redis_errors.RedisError as error:
            log.warning("could not drop a cached URL (%s); it expires on its own", error)


def forget_all() -> int:
    """Drop every cached URL of this stage; how many went (the local stack restarting on kept
    data: its URLs name the previous run's endpoint, and maybe objects it rolled back)."""
    redis = redis_client()
    found = list(redis.scan_iter(match=_cache_key("*"), count=1000))
    return int(redis.delete(*found)) if found else 0


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int

    @property
    def lookups(self) -> int:
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0


def cache_stats() -> CacheStats:
    """Hits and misses since the last reset, summed over every process using this Redis."""
    hits, misses = redis_client().mget([_stats_key("hits"), _stats_key("misses")])
    return CacheStats(int(hits or 0), int(misses or 0))


def reset_cache_stats() -> None:
    redis_client().delete(_stats_key("hits"), _stats_key("misses"))
