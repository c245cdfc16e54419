"""Presence rules: how one person's open tabs and devices add up to online, idle or offline.

Each tab (or device) is a *connection* that beats every heartbeat interval with its
activity. A connection is *fresh* while its last beat is younger than the offline timeout
(at least 2.5 beats, so one late beat never flickers the partner's badge). The person is
online if any fresh connection is active, idle if fresh ones are all idle, and offline
when none is fresh. ``state`` is what the partner was last told; a change of the
aggregate against it is a transition worth publishing.

Pure functions over plain values: the Redis store applies them atomically, the cleanup
job and the API call them with the clock's ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

Activity = Literal["active", "idle"]
PresenceState = Literal["online", "idle", "offline"]

# A client that makes up a new connection id on every beat must not grow a person's record
# without bound: past this many fresh connections the longest silent ones are forgotten.
MAX_CONNECTIONS = 16


@dataclass(frozen=True)
class Connection:
    activity: Activity
    last_beat: float  # epoch seconds


def _frozen(connections: Mapping[str, Connection]) -> Mapping[str, Connection]:
    return MappingProxyType(dict(connections))


@dataclass(frozen=True)
class Presence:
    """One person's connections, the state their partner was last told, and when they were last seen."""

    connections: Mapping[str, Connection] = field(default_factory=lambda: _frozen({}))
    state: PresenceState = "offline"
    last_seen: float | None = None


def is_fresh(connection: Connection, now: float, offline_after: float) -> bool:
    return now - connection.last_beat < offline_after


def aggregate(connections: Mapping[str, Connection], now: float, offline_after: float) -> PresenceState:
    fresh = [c for c in connections.values() if is_fresh(c, now, offline_after)]
    if any(c.activity == "active" for c in fresh):
        return "online"
    return "idle" if fresh else "offline"


def _settle(presence: Presence, connections: dict[str, Connection], now: float, offline_after: float) -> Presence:
    """Drop stale connections (and the oldest beyond the cap) and recompute the state."""
    fresh = {cid: c for cid, c in connections.items() if is_fresh(c, now, offline_after)}
    if len(fresh) > MAX_CONNECTIONS:
        newest = sorted(fresh.items(), key=lambda item: item[1].last_beat, reverse=True)[:MAX_CONNECTIONS]
        fresh = dict(newest)
    return replace(presence, connections=_frozen(fresh), state=aggregate(fresh, now, offline_after))


def beat(presence: Presence, connection_id: str, activity: Activity, now: float, offline_after: float) -> Presence:
    """A tab says it is open (and whether its person is using it)."""
    connections = {**presence.connections, connection_id: Connection(activity, now)}
    return replace(_settle(presence, connections, now, offline_after), last_seen=now)


def gone(presence: Presence, connection_id: str, now: float, offline_after: float) -> Presence:
    """A tab closed. The person was there until now, if that tab was still counted."""
    known = presence.connections.get(connection_id)
    connections = {cid: c for cid, c in presence.connections.items() if cid != connection_id}
    settled = _settle(presence, connections, now, offline_after)
    if known is not None and is_fresh(known, now, offline_after):
        return replace(settled, last_seen=now)
    return settled


def sweep(presence: Presence, now: float, offline_after: float) -> Presence:
    """Forget tabs that stopped beating. ``last_seen`` stays the last beat: that is when they were seen."""
    return _settle(presence, dict(presence.connections), now, offline_after)


def next_expiry(presence: Presence, offline_after: float) -> float | None:
    """When the first fresh connection goes stale (the state may change then), or None without any."""
    if not presence.connections:
        return None
    return min(c.last_beat for c in presence.connections.values()) + offline_after


def changed(before: Presence, after: Presence) -> bool:
    """Whether the partner must hear about it."""
    return before.state != after.state


__all__ = [
    "MAX_CONNECTIONS",
    "Activity",
    "Connection",
    "Presence",
    "PresenceState",
    "aggregate",
    "beat",
    "changed",
    "gone",
    "is_fresh",
    "next_expiry",
    "sweep",
]
