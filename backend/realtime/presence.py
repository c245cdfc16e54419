"""Presence use cases: heartbeats and disconnects from tabs, the partner's badge, and cleanup.

When a person's aggregate state changes (see :mod:`backend.domain.presence`), the new
:class:`~backend.contracts.PresenceStatus` is published on their couple's presence topic
in the same request, so the partner's screen changes within a second. Someone without a
partner changes state silently: there is nobody to tell.

:func:`current_state` is what other features ask (e.g. the notification sender: live over
MQTT while online, Web Push while idle or offline). It reads the connections with the
clock's ``now``, so it is right even before the cleanup job has swept stale tabs.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from functools import partial

from backend.contracts import PresenceMessage, PresenceStatus
from backend.domain import presence as rules
from backend.domain import tenancy
from backend.domain.errors import DomainError, NotFound
from backend.domain.models import Caller
from backend.realtime.publisher import try_publish
from backend.realtime.topics import Channel, couple_topic
from backend.settings import get_settings
from backend.store import presence as store
from backend.store import relationships, users

log = logging.getLogger("lumi.realtime.presence")


def _offline_after() -> float:
    return get_settings().presence_offline_seconds


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def status(user_id: str, presence: rules.Presence, now: float) -> PresenceStatus:
    state = rules.aggregate(presence.connections, now, _offline_after())
    return PresenceStatus(user_id=user_id, state=state, last_seen=_at(presence.last_seen))


def current_state(user_id: str) -> PresenceStatus:
    """A person's presence right now: online, idle or offline, with when they were last seen."""
    now = time.time()
    return status(user_id, store.load(user_id), now)


def is_online(user_id: str) -> bool:
    """Whether a live message would be seen now (an open, used tab); else it should be pushed."""
    return current_state(user_id).state == "online"


def _announce(user_id: str, after: rules.Presence, now: float) -> None:
    """Tell the partner, if there is one. The profile is read only when the state changed.

    Best effort: the change is stored either way, and the partner's screen re-reads it."""
    try:
        profile = users.get(user_id)
    except DomainError as error:
        log.warning("could not announce %s's presence: %s", user_id, error.message)
        return
    if profile is None or not profile.relationship_id:
        return
    stage = get_settings().stage
    message = PresenceMessage(presence=status(user_id, after, now))
    try_publish(couple_topic(stage, profile.relationship_id, Channel.PRESENCE), message)


def heartbeat(user_id: str, connection_id: str, activity: rules.Activity) -> PresenceStatus:
    """One tab is open (and used, or idle); returns the person's own aggregate."""
    now = time.time()
    offline_after = _offline_after()
    change = partial(rules.beat, connection_id=connection_id, activity=activity, now=now, offline_after=offline_after)
    before, after = store.update(user_id, change, offline_after)
    if rules.changed(before, after):
        _announce(user_id, after, now)
    return status(user_id, after, now)


def disconnect(user_id: str, connection_id: str) -> PresenceStatus:
    """One tab closed; the person goes offline when it was their last."""
    now = time.time()
    offline_after = _offline_after()
    change = partial(rules.gone, connection_id=connection_id, now=now, offline_after=offline_after)
    before, after = store.update(user_id, change, offline_after)
    if rules.changed(before, after):
        _announce(user_id, after, now)
    return status(user_id, after, now)


def partner_presence(caller: Caller) -> PresenceStatus | None:
    """The caller's partner's presence; None while the caller has no partner (nobody else's is readable)."""
    me = users.require(caller.user_id)
    if not me.relationship_id:
        return None
    try:
        relationship = tenancy.own_relationship(me, me.relationship_id, relationships.get_relationship)
    except NotFound:
        return None  # the relationship is being taken apart
    return current_state(relationship.partner_of(me.user_id))


def sweep_stale(now: float | None = None, batch: int = 500) -> int:
    """Forget tabs that stopped beating and announce who went offline (or idle); returns how many changed.

    Reads only the people due in the expiry set, never everybody."""
    now = time.time() if now is None else now
    offline_after = _offline_after()
    changes = 0
    seen: set[str] = set()
    while True:
        due = [user_id for user_id in store.due(now, limit=batch) if user_id not in seen]
        if not due:
            return changes
        for user_id in due:
            seen.add(user_id)
            change = partial(rules.sweep, now=now, offline_after=offline_after)
            before, after = store.update(user_id, change, offline_after)
            if rules.changed(before, after):
                changes += 1
                _announce(user_id, after, now)


__all__ = ["current_state", "disconnect", "heartbeat", "is_online", "partner_presence", "status", "sweep_stale"]
