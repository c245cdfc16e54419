"""The caller's notifications: the list, one, the unread count, marking read, and push settings.

Static paths (``/notifications/settings``, ``/notifications/unread-count``,
``/notifications/read``) are matched before ``/notifications/<notification_id>``; a
notification of anyone else is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.contracts import (
    NOTIFICATIONS_PAGE_DEFAULT,
    NOTIFICATIONS_PAGE_MAX,
    MarkNotificationsRead,
    Notification,
    NotificationFilter,
    NotificationPage,
    NotificationSettings,
    UnreadCount,
)

router = Router()
TAGS = ["notifications"]

Id = PathId


@router.get(
    "/notifications",
    tags=TAGS,
    security=BEARER,
    summary="My notifications, newest first (all or unread), a page at a time",
    responses=responses(200, NotificationPage, 401),
)
def list_notifications(
    caller: CurrentCaller,
    which: Annotated[NotificationFilter, Query(alias="filter", description="`all` or only `unread` ones")] = "all",
    next_token: Annotated[
        str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=NOTIFICATIONS_PAGE_MAX)] = NOTIFICATIONS_PAGE_DEFAULT,
) -> NotificationPage:
    from backend.domain import notifications

    page = notifications.list_page(caller, which, limit, next_token)
    return NotificationPage(
        items=[notifications.as_contract(item) for item in page.items],
        next=page.next_token,
        unread_count=page.unread_count,
    )


@router.get(
    "/notifications/unread-count",
    tags=TAGS,
    security=BEARER,
    summary="How many of my notifications are unread",
    responses=responses(200, UnreadCount, 401),
)
def unread_count(caller: CurrentCaller) -> UnreadCount:
    from backend.domain import notifications

    return UnreadCount(unread_count=notifications.unread_count(caller))


@router.post(
    "/notifications/read",
    tags=TAGS,
    security=BEARER,
    summary="Mark some (up to 100) or all of my notifications read",
    responses=responses(200, UnreadCount, 401, 404, 409),
)
def mark_read(body: MarkNotificationsRead, caller: CurrentCaller) -> UnreadCount:
    from backend.domain import notifications

    return UnreadCount(unread_count=notifications.mark_read(caller, body.notification_ids, body.all))


@router.get(
    "/notifications/settings",
    tags=TAGS,
    security=BEARER,
    summary="Which kinds of notification are pushed to my devices",
    responses=responses(200, NotificationSettings, 401),
)
def get_settings(caller: CurrentCaller) -> NotificationSettings:
    from backend.domain import notifications

    return NotificationSettings(push=notifications.push_settings(caller))  # type: ignore[arg-type]


@router.put(
    "/notifications/settings",
    tags=TAGS,
    security=BEARER,
    summary="Choose which kinds are pushed (a kind left out is pushed)",
    responses=responses(200, NotificationSettings, 401),
)
def put_settings(body: NotificationSettings, caller: CurrentCaller) -> NotificationSettings:
    from backend.domain import notifications

    return NotificationSettings(push=notifications.save_push_settings(caller, dict(body.push)))  # type: ignore[arg-type]


@router.get(
    "/notifications/<notification_id>",
    tags=TAGS,
    security=BEARER,
    summary="One of my notifications (404 for anyone else's)",
    responses=responses(200, Notification, 401, 404),
)
def get_notification(notification_id: Id, caller: CurrentCaller) -> Notification:
    from backend.domain import notifications

    return notifications.as_contract(notifications.get_one(caller, notification_id))
