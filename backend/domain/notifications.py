"""Notifications: producing them, reading and marking them, and where they may be pushed.

Producing one (:func:`notify`) stores it and, while the recipient is online, publishes it
live over MQTT from the same request (the partner's bell rises within a few tens of
milliseconds); otherwise it queues its delivery on the ``notifications`` queue, whose sender
(``backend.jobs.notifications``) pushes it by Web Push to their devices, or delivers it live
after all if they came back meanwhile. A
notification belongs to its recipient alone: anyone else asking for it, by any route, hears
that it does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from backend import contracts
from backend.aws import client
from backend.contracts import NOTIFICATION_CATEGORIES, NotificationMessage, NotificationsReadMessage
from backend.domain.errors import Conflict, NotFound, Unavailable, ValidationFailed
from backend.domain.models import Caller, Notification, PushSubscription
from backend.push.endpoints import allowed_endpoint, usable_keys
from backend.realtime import presence
from backend.realtime.publisher import PublishError, get_publisher, try_publish
from backend.realtime.topics import Channel, user_topic
from backend.settings import get_settings
from backend.store import notifications as store
from backend.store import records, redis_errors, relationships, users

log = logging.getLogger("lumi.notifications")

TITLE_MAX = 120
BODY_MAX = 2000
PAGE_DEFAULT = contracts.NOTIFICATIONS_PAGE_DEFAULT
PAGE_MAX = contracts.NOTIFICATIONS_PAGE_MAX


class DeliveryRequest(BaseModel):
    """The body of a message on the ``notifications`` queue: which stored notification to deliver."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notification_id: str
    recipient_id: str


# ---------------------------------------------------------------- producing


def notify(
    recipient_id: str,
    category: str,
    kind: str,
    title: str,
    body: str,
    link: str,
    relationship_id: str | None = None,
    identity: tuple[str, datetime] | None = None,
) -> Notification:
    """Store a notification for ``recipient_id`` and deliver it.

    ``identity`` (an id and its time) replaces the fresh id a notification gets: a producer
    that must notify once for something (a delivery) derives it, and checks with
    :func:`exists` before notifying again after a crash.

    An online recipient gets it live from here, at once: it is stored already counted as
    unread (one transaction with the counter) and published with the exact count, and
    nothing is queued. Everyone else, and an online recipient whose live message the
    broker did not take, gets it through the ``notifications`` queue (Web Push, or live
    again on the retry). Either way it is stored once and delivered once (the sender's
    idempotency is keyed on its id). ``relationship_id`` marks one about the couple: it is
    deleted with the couple's data when they split up. If the delivery can be neither made
    nor queued, the notification is taken back, so a failed call leaves nothing behind.
    """
    if category not in NOTIFICATION_CATEGORIES:
        raise ValueError(f"unknown notification category {category!r}")
    if not link.startswith("/") or link.startswith("//"):
        raise ValueError(f"a notification links to a path of the app, not {link!r}")
    notification_id, created_at = identity or store.new_notification_id()
    notification = Notification(
        notification_id=notification_id,
        recipient_id=recipient_id,
        category=category,
        kind=kind,
        title=_clip(title, TITLE_MAX),
        body=_clip(body, BODY_MAX),
        link=link,
        created_at=created_at,
        relationship_id=relationship_id,
    )
    if _is_online(recipient_id):
        store.add_counted(notification, delivery="live")
        if _deliver_live(notification):
            return notification
        store.set_delivery(notification, "queued")  # the sender says how it went in the end
    else:
        store.add(notification)
    try:
        _enqueue(DeliveryRequest(notification_id=notification_id, recipient_id=recipient_id))
    except (BotoCoreError, ClientError) as error:
        log.error("could not queue notification %s: %s", notification_id, error)
        store.remove(notification)
        raise Unavailable() from error
    return notification


def exists(recipient_id: str, notification_id: str) -> bool:
    return store.get(recipient_id, notification_id) is not None


def _is_online(user_id: str) -> bool:
    """Presence lives in Redis; without it, the queue's sender decides later (and retries)."""
    try:
        return presence.is_online(user_id)
    except (redis_errors.RedisError, Unavailable) as error:
        log.warning("presence unknown for %s (%s); the notification goes through the queue", user_id, error)
        return False


def _deliver_live(notification: Notification) -> bool:
    """Publish it to the recipient's tabs now; False when the broker did not take it (queue it)."""
    message = NotificationMessage(
        notification=as_contract(notification), unread_count=store.unread_count(notification.recipient_id)
    )
    topic = user_topic(get_settings().stage, notification.recipient_id, Channel.NOTIFICATIONS)
    try:
        get_publisher().publish(topic, message)
    except PublishError as error:
        log.warning("live delivery of %s failed (%s); queueing it", notification.notification_id, error)
        return False
    return True


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _enqueue(request: DeliveryRequest) -> None:
    queue_url = get_settings().queue_url_notifications
    if not queue_url:
        raise Unavailable("Notifications cannot be sent: no queue is configured.")
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=request.model_dump_json())


# ---------------------------------------------------------------- reading and marking


@dataclass(frozen=True)
class NotificationList:
    items: list[Notification]
    next_token: str | None
    unread_count: int


def list_page(caller: Caller, which: store.Filter, limit: int | None, next_token: str | None) -> NotificationList:
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    items, token = store.page(caller.user_id, which, size, next_token)
    return NotificationList(items, token, store.unread_count(caller.user_id))


def get_one(caller: Caller, notification_id: str) -> Notification:
    notification = store.get(caller.user_id, notification_id)
    if notification is None:
        raise NotFound("We could not find that notification.")
    return notification


def unread_count(caller: Caller) -> int:
    return store.unread_count(caller.user_id)


def mark_read(caller: Caller, notification_ids: list[str], everything: bool) -> int:
    """Mark the caller's own notifications read; returns the unread count afterwards and tells
    the caller's other tabs and devices (their bells) at once."""
    if everything:
        store.mark_all_read(caller.user_id)
    elif notification_ids:
        store.mark_read(caller.user_id, notification_ids)
    else:
        raise ValidationFailed({"notification_ids": "Give the notifications to mark, or all."})
    count = store.unread_count(caller.user_id)
    topic = user_topic(get_settings().stage, caller.user_id, Channel.NOTIFICATIONS)
    try_publish(topic, NotificationsReadMessage(unread_count=count))
    return count


# ---------------------------------------------------------------- settings and subscriptions


def push_settings(caller: Caller) -> dict[str, bool]:
    return store.push_settings(caller.user_id, NOTIFICATION_CATEGORIES)


def save_push_settings(caller: Caller, push: dict[str, bool]) -> dict[str, bool]:
    """Replace the caller's choices; a category left out is pushed (the default)."""
    users.require(caller.user_id)
    store.save_push_settings(caller.user_id, {category: bool(push[category]) for category in push})
    return push_settings(caller)


def subscribe(caller: Caller, endpoint: str, p256dh: str, auth: str, expiration_time: int | None) -> None:
    users.require(caller.user_id)
    if not allowed_endpoint(endpoint):
        raise ValidationFailed({"endpoint": "This is not a push service Lumi can deliver to."})
    if not usable_keys(p256dh, auth):
        raise ValidationFailed({"keys": "These are not the keys of a browser's push subscription."})
    store.save_subscription(
        PushSubscription(
            user_id=caller.user_id,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            created_at=records.now(),
            expiration_time=expiration_time,
        )
    )


def unsubscribe(caller: Caller, endpoint: str) -> None:
    """Idempotent: forgetting a subscription that is not there is fine."""
    store.remove_subscription(caller.user_id, endpoint)


# ---------------------------------------------------------------- the first producer


def nudge(caller: Caller) -> Notification:
    """ "Thinking of you": a one-tap notification to the caller's partner."""
    me = users.require(caller.user_id)
    not_paired = Conflict("You need a partner to send a nudge.", code="not_paired")
    if not me.relationship_id:
        raise not_paired
    relationship = relationships.get_relationship(me.relationship_id)
    if relationship is None or me.user_id not in relationship.partner_ids:
        raise not_paired
    partner = users.get(relationship.partner_of(me.user_id))
    if partner is None or partner.relationship_id != relationship.relationship_id:
        raise not_paired
    return notify(
        partner.user_id,
        category="partner",
        kind="thinking_of_you",
        title=f"{me.display_name} is thinking of you",
        body=f"A little nudge from {me.display_name}, just because.",
        link="/home",
        relationship_id=relationship.relationship_id,
    )


# ---------------------------------------------------------------- the public shape


def as_contract(notification: Notification) -> contracts.Notification:
    return contracts.Notification(
        notification_id=notification.notification_id,
        category=notification.category,  # type: ignore[arg-type]
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        link=notification.link,
        created_at=notification.created_at,
        read=notification.read,
    )


__all__ = [
    "DeliveryRequest",
    "NotificationList",
    "as_contract",
    "get_one",
    "list_page",
    "mark_read",
    "notify",
    "nudge",
    "push_settings",
    "save_push_settings",
    "subscribe",
    "unread_count",
    "unsubscribe",
]
