"""Web Push: the key browsers subscribe with, and the caller's subscriptions (one per browser)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.contracts import PushSubscriptionCreate, PushSubscriptionDelete, VapidPublicKey
from backend.domain.errors import Unavailable

router = Router()
TAGS = ["push"]


@router.get(
    "/push/vapid-public-key",
    tags=TAGS,
    security=BEARER,
    summary="The application server key for PushManager.subscribe()",
    responses=responses(200, VapidPublicKey, 401),
)
def vapid_public_key(caller: CurrentCaller) -> VapidPublicKey:
    from backend.settings import get_settings

    key = get_settings().vapid_public_key
    if not key:
        raise Unavailable("Push notifications are not set up on this server.")
    return VapidPublicKey(public_key=key)


@router.post(
    "/push/subscriptions",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Push to this browser (what PushSubscription.toJSON() gives; saving it again is harmless)",
    responses=responses(201, None, 401, description="Subscribed"),
)
def subscribe(body: PushSubscriptionCreate, caller: CurrentCaller) -> Response[None]:
    from backend.domain import notifications

    notifications.subscribe(caller, body.endpoint, body.keys.p256dh, body.keys.auth, body.expirationTime)
    return Response(status_code=201)


@router.delete(
    "/push/subscriptions",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Stop pushing to this browser",
    responses=responses(204, None, 401, description="Unsubscribed"),
)
def unsubscribe(body: PushSubscriptionDelete, caller: CurrentCaller) -> Response[None]:
    from backend.domain import notifications

    notifications.unsubscribe(caller, body.endpoint)
    return Response(status_code=204)
