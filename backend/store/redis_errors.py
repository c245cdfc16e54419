"""redis-py's exceptions, looked up when an ``except`` clause first needs them.

``import redis`` costs a cold start about 50 ms (it loads its asyncio client, cluster and
sentinel code), and a Lambda handler should pay that only once it talks to Redis. An
``except`` clause evaluates its class when an exception reaches it, so code written as
``except redis_errors.RedisError:`` names the real class without importing redis at
import time; by then the client (and so redis) is loaded anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.exceptions import ConnectionError, RedisError, TimeoutError, WatchError

__all__ = ["ConnectionError", "RedisError", "TimeoutError", "WatchError"]


def __getattr__(name: str) -> type[Exception]:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import redis.exceptions

    return getattr(redis.exceptions, name)
