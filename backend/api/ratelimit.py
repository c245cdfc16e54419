"""Sliding-window rate limits kept in Redis: a log of each budget's recent attempts, checked and written by one script.

Auth routes are limited per client IP; sign-in, reset codes and reset attempts also per login
identifier (hourly for the last two); partner
requests per person. Identifiers are hashed so Redis never holds e-mail addresses. Limits
come from ``Settings.rate_limit_*``.

The client IP is the browser's. Every call of the app reaches the API from the Reflex
backend, so ``requestContext.http.sourceIp`` is the backend's own address and would give
every person one shared budget; the backend forwards the browser's address in
``X-Lumi-Client-Ip``. Any other caller could send that header too and pick its own budget,
so it is believed only from the app server, and only when it holds one valid IP address;
otherwise the source IP counts. The app server is:

- in AWS, the caller the function URL authenticated (IAM, ``requestContext.authorizer.iam``)
  as the app server's task role, ``Settings.app_server_role_arn``. Calls through CloudFront
  (the public paths, signed by CloudFront's origin access control) or signed by anyone else
  are not the app server, whatever headers they bring;
- locally (no IAM in front of the adapter), a call that carries the app server's secret
  (``X-Lumi-App-Server`` holds ``Settings.app_server_secret``) while
  ``Settings.trusted_client_ip_header`` is on.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends

from backend.contracts import APP_SERVER_HEADER, CLIENT_IP_HEADER
from backend.domain.errors import RateLimited
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
    from backend.settings import get_settings

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
    return client_ip_of(request.resolved_event.raw_event)


def client_ip_of(event: dict[str, Any]) -> str:
    """:func:`client_ip` of a function-URL event (payload 2.0)."""
    headers = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    if from_app_server(event, headers):
        forwarded = ip_address_or_none(headers.get(CLIENT_IP_HEADER.lower()))
        if forwarded is not None:
            return forwarded
    http = (event.get("requestContext") or {}).get("http") or {}
    return str(http.get("sourceIp") or "unknown")


def from_app_server(event: dict[str, Any], headers: dict[str, str]) -> bool:
    """Whether the call comes from the app server (see the module docstring)."""
    from backend.settings import get_settings

    settings = get_settings()
    if settings.app_server_role_arn and signed_as_role(event, settings.app_server_role_arn):
        return True
    return settings.trusted_client_ip_header and is_app_server(headers.get(APP_SERVER_HEADER.lower()))


def signed_as_role(event: dict[str, Any], role_arn: str) -> bool:
    """Whether the function URL authenticated this call as a session of the IAM role ``role_arn``.

    A role's sessions sign as ``arn:aws:sts::<account>:assumed-role/<name>/<session>`` (the
    role's path is not in it), so partition, account and name must match the role's ARN
    ``arn:aws:iam::<account>:role/<path/><name>``.
    """
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    iam = authorizer.get("iam") if isinstance(authorizer, dict) else None
    if not isinstance(iam, dict):
        return False
    role = _role_parts(role_arn)
    caller = _assumed_role_parts(str(iam.get("userArn") or ""))
    return role is not None and caller is not None and role == caller


def _role_parts(arn: str) -> tuple[str, str, str] | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    name = parts[5].rsplit("/", 1)[-1]
    return (parts[1], parts[4], name) if parts[4] and name else None


def _assumed_role_parts(arn: str) -> tuple[str, str, str] | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sts":
        return None
    kind, _, rest = parts[5].partition("/")
    name, _, session = rest.partition("/")
    if kind != "assumed-role" or not name or not session or not parts[4]:
        return None
    return (parts[1], parts[4], name)


def is_app_server(presented: str | None) -> bool:
    """Whether a call carries the app server's secret (in constant time; no secret, no app server)."""
    from backend.settings import get_settings

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
    from backend.settings import get_settings

    ip = client_ip(request)
    hit("auth-ip", ip, get_settings().rate_limit_auth_per_minute)
    return ip


def limit_sign_in(login: str) -> None:
    from backend.settings import get_settings

    hit("sign-in", login.strip().lower(), get_settings().rate_limit_auth_per_minute)


def limit_password_reset(step: str, login: str) -> None:
    """Per login and per hour, for ``step`` ("code": codes asked for, "reset": attempts to use one).

    Counted whether or not an account matches, so being limited tells nothing either."""
    _limit_codes(f"password-{step}", login)


def limit_sign_up_code(step: str, login: str) -> None:
    """The same per login and hour for a new account's e-mailed code ("resend": codes asked
    for, "confirm": attempts to use one), counted whether or not an account matches."""
    _limit_codes(f"sign-up-{step}", login)


def _limit_codes(bucket: str, login: str) -> None:
    from backend.settings import get_settings

    try:
        hit(bucket, login.strip().lower(), get_settings().rate_limit_password_reset_per_hour, 3600)
    except RateLimited as limited:
        minutes = math.ceil(limited.retry_after / 60)
        when = "in a minute" if minutes <= 1 else f"in {minutes} minutes"
        raise RateLimited(limited.retry_after, f"Too many tries for this account. Please try again {when}.") from None


def limit_partner_requests(user_id: str) -> None:
    from backend.settings import get_settings

    hit("partner-requests", user_id, get_settings().rate_limit_requests_per_minute)


AuthClient = Annotated[str, Depends(limit_auth_client)]
