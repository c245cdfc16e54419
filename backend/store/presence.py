"""Presence in Redis: one hash per person, and one sorted set of when someone may go stale.

``lumi:{stage}:presence:{user_id}`` (hash)
    ``c:{connection_id}`` → ``{activity}|{last beat, epoch seconds}`` per open tab or device,
    ``state`` → what the partner was last told, ``last_seen`` → epoch seconds.
``lumi:{stage}:presence-expiries`` (sorted set)
    member = user id, score = when their first fresh connection goes stale. The cleanup job
    reads only the due range (``ZRANGEBYSCORE -inf now``), so it never scans everybody.

Every change is read-compute-write on the person's hash under ``WATCH``/``MULTI``: two tabs
beating at the same moment both land (the loser of the race retries on the new value), and
the hash and its expiry entry always change together. The rules themselves live in
:mod:`backend.domain.presence`.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.domain.errors import Unavailable
from backend.domain.presence import Connection, Presence, next_expiry
from backend.store import redis_errors
from backend.store.redis_client import key, redis_client

_CONNECTION = "c:"
_STATE = "state"
_LAST_SEEN = "last_seen"
# Long enough that "last seen" survives a holiday; the record is rewritten on every beat.
RECORD_TTL_SECONDS = 90 * 24 * 3600
MAX_RETRIES = 50


def _record_key(user_id: str) -> str:
    return key("presence", user_id)


def _expiries_key() -> str:
    return key("presence-expiries")


def _parse(fields: dict[str, str]) -> Presence:
    connections: dict[str, Connection] = {}
    for name, value in fields.items():
        if not name.startswith(_CONNECTION):
            continue
        activity, _, beat = value.partition("|")
        try:
            connections[name[len(_CONNECTION) :]] = Connection("idle" if activity == "idle" else "active", float(beat))
        except ValueError:
            continue  # a damaged entry is forgotten rather than breaking the person's presence
    state = fields.get(_STATE)
    last_seen = fields.get(_LAST_SEEN)
    return Presence(
        connections=connections,
        state=state if state in ("online", "idle", "offline") else "offline",  # type: ignore[arg-type]
        last_seen=float(last_seen) if last_seen else None,
    )


def _fields(presence: Presence) -> dict[str, str]:
    fields = {f"{_CONNECTION}{cid}": f"{c.activity}|{c.last_beat!r}" for cid, c in presence.connections.items()}
    fields[_STATE] = presence.state
    if presence.last_seen is not None:
        fields[_LAST_SEEN] = repr(presence.last_seen)
    return fields


def load(user_id: str) -> Presence:
    try:
        return _parse(redis_client().hgetall(_record_key(user_id)))
    except redis_errors.RedisError as error:
        raise Unavailable("Presence is unavailable right now.") from error


def update(user_id: str, change: Callable[[Presence], Presence], offline_after: float) -> tuple[Presence, Presence]:
    """Apply ``change`` to the person's presence atomically; returns (before, after)."""
    record, expiries = _record_key(user_id), _expiries_key()
    try:
        with redis_client().pipeline() as pipe:
            for _ in range(MAX_RETRIES):
                try:
                    pipe.watch(record)
                    before = _parse(pipe.hgetall(record))
                    after = change(before)
                    expiry = next_expiry(after, offline_after)
                    pipe.multi()
                    pipe.delete(record)
                    pipe.hset(record, mapping=_fields(after))
                    pipe.expire(record, RECORD_TTL_SECONDS)
                    if expiry is None:
                        pipe.zrem(expiries, user_id)
                    else:
                        pipe.zadd(expiries, {user_id: expiry})
                    pipe.execute()
                    return before, after
                except redis_errors.WatchError:
                    continue
    except redis_errors.RedisError as error:
        raise Unavailable("Presence is unavailable right now.") from error
    raise Unavailable("Presence is too busy right now. Please try again.")


def due(now: float, limit: int = 500) -> list[str]:
    """People whose first connection went stale by ``now`` (their state may have changed)."""
    try:
        return list(redis_client().zrangebyscore(_expiries_key(), "-inf", now, start=0, num=limit))
    except redis_errors.RedisError as error:
        raise Unavailable("Presence is unavailable right now.") from error


__all__ = ["RECORD_TTL_SECONDS", "due", "load", "update"]
