"""Fixed-window rate limits kept in Redis: INCR and EXPIRE in one MULTI pipeline.

Auth routes are limited per client IP (``requestContext.http.sourceIp``) and sign-in also
per login identifier; partner requests per person. Identifiers are hashed so Redis never
holds e-mail addresses. Limits come from ``Settings.rate_limit_*``.
"""

from __future__ import annotations

import hashlib
import time
from typing import Annotated

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends

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
    event = request.resolved_event
    try:
        return str(event.request_context.http.source_ip or "unknown")  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return "unknown"


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
