""" "Thinking of you": a one-tap nudge to the caller's partner, limited per person."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.api.ratelimit import hit
from backend.contracts import NudgeSent

router = Router()
TAGS = ["nudges"]


@router.post(
    "/nudges",
    status_code=202,
    tags=TAGS,
    security=BEARER,
    summary="Tell my partner I am thinking of them (delivered live or by push)",
    responses=responses(202, NudgeSent, 401, 409, 429, description="Queued for delivery"),
)
def nudge(caller: CurrentCaller) -> NudgeSent:
    from backend.domain import notifications
    from backend.settings import get_settings

    hit("nudges", caller.user_id, get_settings().rate_limit_nudges_per_minute)
    notification = notifications.nudge(caller)
    return NudgeSent(notification_id=notification.notification_id, sent_at=notification.created_at)
