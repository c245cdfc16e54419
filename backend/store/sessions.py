"""Signed-out sessions, remembered in Redis until their tokens could no longer be used anyway.

Cognito access tokens stay valid until they expire, and the emulator has no RevokeToken,
so sign-out records the session (``origin_jti``, shared by all access tokens refreshed
from one sign-in) until its access token expires, and the refresh token (as a SHA-256, so
Redis never holds a usable token) for as long as Cognito would honour it.
"""

from __future__ import annotations

import hashlib
import logging
import time

from backend.store import redis_errors
from backend.store.redis_client import key, redis_client

log = logging.getLogger("lumi.sessions")

REFRESH_TOKEN_DAYS = 30
# The longest an access token lives (Cognito's default and moto's), plus the verifier's leeway.
ACCESS_TOKEN_SECONDS = 3600 + 60


def _refresh_key(refresh_token: str) -> str:
    return key("revoked", "refresh", hashlib.sha256(refresh_token.encode()).hexdigest())


def _session_key(session_id: str) -> str:
    return key("revoked", "session", session_id)


def _sessions_key(user_id: str) -> str:
    return key("sessions", user_id)


def remember_session(user_id: str, session_id: str) -> None:
    """Note a new sign-in of ``user_id``, so :func:`revoke_all` can find it; sessions whose
    refresh token has expired are dropped on the way."""
    if not session_id:
        return
    now = time.time()
    refresh_seconds = REFRESH_TOKEN_DAYS * 24 * 3600
    sessions = _sessions_key(user_id)
    pipe = redis_client().pipeline(transaction=True)
    pipe.zadd(sessions, {session_id: now + refresh_seconds})
    pipe.zremrangebyscore(sessions, "-inf", now)
    pipe.expire(sessions, refresh_seconds)
    pipe.execute()


def revoke_all(user_id: str) -> int:
    """Sign out every remembered session of ``user_id``; returns how many there were."""
    sessions = _sessions_key(user_id)
    client = redis_client()
    alive = [str(member) for member in client.zrangebyscore(sessions, time.time(), "+inf")]
    if not alive:
        return 0
    pipe = client.pipeline(transaction=True)
    for session_id in alive:
        pipe.set(_session_key(session_id), "1", ex=ACCESS_TOKEN_SECONDS)
    pipe.zrem(sessions, *alive)  # not DEL: a sign-in meanwhile (with the new password) stays
    pipe.execute()
    return len(alive)


def revoke_session(session_id: str, token_expires_at: int) -> None:
    ttl = max(1, int(token_expires_at - time.time()) + 60)
    redis_client().set(_session_key(session_id), "1", ex=ttl)


def revoke_refresh_token(refresh_token: str) -> None:
    redis_client().set(_refresh_key(refresh_token), "1", ex=REFRESH_TOKEN_DAYS * 24 * 3600)


def session_revoked(session_id: str) -> bool:
    """Whether this sign-in was signed out. While Redis cannot be asked, an access token that
    Cognito signed and that has not expired is taken as it is, as any resource server that only
    verifies Cognito's JWTs does: stored things stay readable through a Redis outage, at the
    cost of a signed-out token working until it expires (at most an hour). Refreshing a token,
    which makes new ones, is refused meanwhile (:func:`refresh_token_revoked` raises)."""
    if not session_id:
        return False
    try:
        return bool(redis_client().exists(_session_key(session_id)))
    except redis_errors.RedisError as error:
        log.warning(
            "cannot check whether session %s was signed out (%s); taking its token as is", session_id[:8], error
        )
        return False


def refresh_token_revoked(refresh_token: str) -> bool:
    return bool(redis_client().exists(_refresh_key(refresh_token)))
