"""Signed-in sessions of the app, kept in Redis so any Reflex backend process can resume them.

The browser holds only an opaque random session id (the ``lumi_sid`` cookie). Redis maps
``sha256(session id)`` to the refresh token and user id for 30 days, so a reload, a new
tab, a restarted backend or another backend process behind the same Redis signs the
person back in without asking for the password. Storing only the hash means a copy of
Redis alone does not let anyone present a valid cookie.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import weakref
from dataclasses import dataclass

import redis.asyncio as redis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from backend.settings import get_settings

SESSION_COOKIE = "lumi_sid"
SESSION_TTL_SECONDS = 30 * 24 * 3600
_KEY_PREFIX = "lumi:app:session:"


@dataclass(frozen=True)
class StoredSession:
    refresh_token: str
    user_id: str

    def __repr__(self) -> str:  # keeps the refresh token out of logs and tracebacks
        return f"StoredSession(user_id={self.user_id!r})"


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.Redis] = weakref.WeakKeyDictionary()


def _redis() -> redis.Redis:
    """One connection pool per event loop (redis.asyncio pools are bound to the loop that uses them)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = redis.Redis.from_url(
            get_settings().redis_connection_url,
            decode_responses=True,
            socket_connect_timeout=2,
            retry=AsyncRetry(ExponentialBackoff(cap=0.25, base=0.05), 3),
            retry_on_error=[ConnectionError, TimeoutError],
        )
    return client


async def save_session(session_id: str, refresh_token: str, user_id: str) -> None:
    value = json.dumps({"refresh_token": refresh_token, "user_id": user_id})
    await _redis().set(_KEY_PREFIX + session_hash(session_id), value, ex=SESSION_TTL_SECONDS)


async def load_session(session_id: str) -> StoredSession | None:
    if not session_id:
        return None
    raw = await _redis().get(_KEY_PREFIX + session_hash(session_id))
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return StoredSession(refresh_token=str(data["refresh_token"]), user_id=str(data["user_id"]))
    except (ValueError, KeyError, TypeError):
        return None


async def delete_session(session_id: str) -> None:
    if session_id:
        await _redis().delete(_KEY_PREFIX + session_hash(session_id))
