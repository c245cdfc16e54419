"""Fixed-window rate limits kept in Redis: INCR and EXPIRE in one MULTI pipeline.

Auth routes are limited per client IP and sign-in also per login identifier; partner
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
    """Count one attempt; raise :class:`RateLimited` once ``limit`` is exceeded in this window."""
    if not get_settings().rate_limits_enabled or limit <= 0:
        return
    now = int(time.time())
    window = now // window_seconds
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:32]
    counter = key("rate", bucket, digest, str(window))
    pipe = redis_client().pipeline(transaction=True)
    pipe.incr(counter)
    pipe.expire(counter, window_seconds + 1)
    count, _ = pipe.execute()
    if int(count) > limit:
        raise RateLimited(retry_after=window_seconds - now % window_seconds)


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


def limit_partner_requests(user_id: str) -> None:
    hit("partner-requests", user_id, get_settings().rate_limit_requests_per_minute)


AuthClient = Annotated[str, Depends(limit_auth_client)]
