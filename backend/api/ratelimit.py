"""Sliding-window rate limits kept in Redis: a log of each budget's recent attempts, checked and written by one script.

Auth routes are limited per client IP; sign-in, reset codes and reset attempts also per login
identifier (hourly for the last two); partner
requests per person. Identifiers are hashed so Redis never holds e-mail addresses. Limits
come from ``Settings.rate_limit_*``.

The client IP is the browser's. Every call of the app reaches the API from the Reflex
backend, so ``requestContext.http.sourceIp`` is the backend's own address and would give
every person one shared budget; the backend forwards the browser's address in
``X-Lumi-Client-Ip``. Any other caller could send that header too and pick its own budget,
so it is believed only when ``Settings.trusted_client_ip_header`` is on, the call proves it
comes from the app server (``X-Lumi-App-Server`` holds ``Settings.app_server_secret``), and
it holds one valid IP address; otherwise the source IP counts.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends

from backend.contracts import APP_SERVER_HEADER, CLIENT_IP_HEADER
from backend.domain.errors import RateLimited
from backend.settings import get_settings
from backend.store.redis_client import key, redis_client

if TYPE_CHECKING:
    import redis
    from redis.commands.core import Script

WINDOW_SECONDS = 60

# KEYS[1]: the budget's log (a sorted set of attempts scored by time).
# ARGV: now, window seconds, limit, a unique member for this attempt.
# Drops attempts older than the window; records this one when it fits (→ {1}); otherwise records
# nothing (a refused attempt does not keep the person waiting longer) and answers {0, t}, t the
# time of the attempt whose leaving the window makes room for one more.
_SLIDING_LOG = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return {1}
end
local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return {0, oldest[2]}
"""


def hit(bucket: str, identifier: str, limit: int, window_seconds: int = WINDOW_SECONDS) -> None:
    """Count one attempt; raise :class:`RateLimited` when ``limit`` already fall in the last window.

    An exact sliding window: at most ``limit`` attempts in any ``window_seconds``, whatever
    the clock's minute (a fixed window let twice the limit through around a window's edge, and
    the two-window estimate that replaced it could ask a person to wait up to two windows).
    Retry-After is when the oldest attempt that matters leaves the window, so it is at most
    ``window_seconds`` and a retry then is let through.
    """
    if not get_settings().rate_limits_enabled or limit <= 0:
        return
    now = time.time()
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:32]
    answer = _script()(
        keys=[key("rate", bucket, digest)], args=[repr(now), window_seconds, limit, f"{now!r}-{uuid.uuid4().hex}"]
    )
    if int(answer[0]) == 1:
        return
    oldest = float(answer[1])
    raise RateLimited(retry_after=min(window_seconds, max(1, math.ceil(oldest + window_seconds - now))))


@lru_cache(maxsize=4)
def _script_for(client: redis.Redis) -> Script:
    return client.register_script(_SLIDING_LOG)


def _script() -> Script:
    return _script_for(redis_client())


def client_ip(request: Request) -> str:
    """The address a per-client budget is kept for (see the module docstring)."""
    event = request.resolved_event
    if get_settings().trusted_client_ip_header and is_app_server(event.headers.get(APP_SERVER_HEADER)):
        forwarded = ip_address_or_none(event.headers.get(CLIENT_IP_HEADER))
        if forwarded is not None:
            return forwarded
    try:
        return str(event.request_context.http.source_ip or "unknown")  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return "unknown"


def is_app_server(presented: str | None) -> bool:
    """Whether a call carries the app server's secret (in constant time; no secret, no app server)."""
    secret = get_settings().app_server_secret
    if not secret or not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "replace"), secret.encode())


def ip_address_or_none(value: str | None) -> str | None:
    """One IPv4 or IPv6 address in canonical form, or None for anything else."""
    if not value or len(value) > 64:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def limit_auth_client(request: Request) -> str:
    """Dependency of every auth route: one budget of attempts per client IP."""
    ip = client_ip(request)
    hit("auth-ip", ip, get_settings().rate_limit_auth_per_minute)
    return ip


def limit_sign_in(login: str) -> None:
    hit("sign-in", login.strip().lower(), get_settings().rate_limit_auth_per_minute)


def limit_password_reset(step: str, login: str) -> None:
    """Per login and per hour, for ``step`` ("code": codes asked for, "reset": attempts to use one).

    Counted whether or not an account matches, so being limited tells nothing either."""
    try:
        hit(f"password-{step}", login.strip().lower(), get_settings().rate_limit_password_reset_per_hour, 3600)
    except RateLimited as limited:
        minutes = math.ceil(limited.retry_after / 60)
        when = "in a minute" if minutes <= 1 else f"in {minutes} minutes"
        raise RateLimited(limited.retry_after, f"Too many tries for this account. Please try again {when}.") from None


def limit_partner_requests(user_id: str) -> None:
    hit("partner-requests", user_id, get_settings().rate_limit_requests_per_minute)


AuthClient = Annotated[str, Depends(limit_auth_client)]
