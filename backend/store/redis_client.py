"""One Redis connection pool per URL (rate limits, revoked sessions, signed-URL cache).

A pooled connection to a Redis that restarted fails on its next use; redis-py retries only
errors it is told to, so connection errors are retried (a fresh connection, briefly backed
off) before a caller hears Redis is away. The app's session store does the same.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis

    from backend.settings import Settings


def retry_options() -> dict[str, Any]:
    """Retry a dropped connection 3 times within about half a second (the server restarted)."""
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError, TimeoutError
    from redis.retry import Retry

    return {
        "retry": Retry(ExponentialBackoff(cap=0.25, base=0.05), 3),
        "retry_on_error": [ConnectionError, TimeoutError],
    }


@lru_cache(maxsize=4)
def _for_url(url: str) -> redis.Redis:
    import redis  # here, not at import: see backend.store.redis_errors

    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2, **retry_options()
    )


def redis_client() -> redis.Redis:
    from backend.settings import get_settings

    return _for_url(connection_url(get_settings()))


def connection_url(settings: Settings) -> str:
    """The URL with its AUTH token: given as such (the app server, tests), or read from
    Secrets Manager by ARN (a Lambda in AWS), else the URL alone (the local Redis)."""
    if settings.redis_auth_token or not settings.redis_auth_token_secret_arn:
        return settings.redis_connection_url
    from backend.settings import with_redis_password

    return with_redis_password(settings.redis_url, _secret(settings.redis_auth_token_secret_arn))


@lru_cache(maxsize=4)
def _secret(arn: str) -> str:
    """Read once per process (a cold start), not per connection."""
    from backend.aws import client

    return str(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def key(*parts: str) -> str:
    """Namespaced by stage so several stacks can share one Redis."""
    from backend.settings import get_settings

    return ":".join(("lumi", get_settings().stage, *parts))
