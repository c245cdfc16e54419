"""Sliding-window rate limits kept in Redis: INCR, EXPIRE and the last window's count in one MULTI pipeline.

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
from typing import Annotated

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends

from backend.contracts import APP_SERVER_HEADER, CLIENT_IP_HEADER
from backend.domain.errors import RateLimited
from backend.settings import get_settings
from backend.store.redis_client import key, redis_client

WINDOW_SECONDS = 60


def hit(bucket: str, identifier: str, limit: int, window_seconds: int = WINDOW_SECONDS) -> None:
    """Count one attempt; raise :class:`RateLimited` once more than ``limit`` fall in the last window.

    A sliding window: the current fixed window's count plus the previous window's, weighted by
    how much of it still lies within the last ``window_seconds``. A fixed window alone let twice
    the limit through around a window's edge (a burst split across two minutes).
    """
    if not get_settings().rate_limits_enabled or limit <= 0:
        return
    now = time.time()
    window = int(now // window_seconds)
    elapsed = now - window * window_seconds
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:32]
    current, previous = (key("rate", bucket, digest, str(w)) for w in (window, window - 1))
    pipe = redis_client().pipeline(transaction=True)
    pipe.incr(current)
    pipe.expire(current, 2 * window_seconds + 1)
    pipe.get(previous)
    count, _, before = pipe.execute()
    count, before = int(count), int(before or 0)
    weight = 1 - elapsed / window_seconds
    if before * weight + count > limit:
        raise RateLimited(retry_after=_retry_after(count, before, limit, elapsed, window_seconds))


def _retry_after(count: int, before: int, limit: int, elapsed: float, window_seconds: int) -> int:
    """Seconds until the sliding count is back within ``limit`` (whole seconds, at least one)."""
    if count <= limit:  # the previous window's share has to fade enough
        fades_at = window_seconds * (1 - (limit - count) / before) if before else elapsed
        wait = fades_at - elapsed
    else:  # this window's own attempts have to fade, in the next window
        wait = (window_seconds - elapsed) + window_seconds * (1 - limit / count)
    return max(1, math.ceil(wait))


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
