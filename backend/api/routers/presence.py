"""Presence: each open tab beats, says when it closes, and asks how the partner is."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.contracts import PartnerPresence, PresenceDisconnect, PresenceHeartbeat, PresenceStatus

router = Router()
TAGS = ["presence"]


@router.post(
    "/presence/heartbeat",
    tags=TAGS,
    security=BEARER,
    summary="This tab is open (active or idle); returns my presence",
    responses=responses(200, PresenceStatus, 401),
)
def heartbeat(body: PresenceHeartbeat, caller: CurrentCaller) -> PresenceStatus:
    from backend.realtime import presence

    return presence.heartbeat(caller.user_id, body.connection_id, body.activity)


@router.post(
    "/presence/disconnect",
    tags=TAGS,
    security=BEARER,
    summary="This tab closed; returns my presence",
    responses=responses(200, PresenceStatus, 401),
)
def disconnect(body: PresenceDisconnect, caller: CurrentCaller) -> PresenceStatus:
    from backend.realtime import presence

    return presence.disconnect(caller.user_id, body.connection_id)


@router.get(
    "/presence/partner",
    tags=TAGS,
    security=BEARER,
    summary="My partner's presence (null when I have no partner)",
    responses=responses(200, PartnerPresence, 401),
)
def partner(caller: CurrentCaller) -> PartnerPresence:
    from backend.realtime import presence

    return PartnerPresence(presence=presence.partner_presence(caller))
