"""The notification sender: the Lambda behind the ``notifications`` queue.

Each message names one stored notification (:class:`~backend.domain.notifications.DeliveryRequest`).
Only what still needs delivering is queued: ``notify`` publishes to an online recipient from
the request itself, and queues a notification for someone idle or offline, or one whose live
message the broker did not take. While the recipient is online (an open, used tab) it goes
live: a ``NotificationMessage`` with the exact unread count on their user topic. While they
are idle or offline it goes by Web Push to each of their subscriptions, if their settings push
that category; a subscription the push service calls gone (404/410) is deleted. It stays
stored either way.

Retries and duplicates. Powertools batch processing reports failed messages only; SQS
brings them back and, after three receives, moves them to the dead-letter queue. SQS may
also deliver a message twice. Powertools idempotency, kept in our table, makes both safe:
a delivery that completed is not repeated (keyed on the notification id), and inside a
delivery each push to one subscription is remembered on its own (keyed on notification and
endpoint), so a retry after one device failed does not buzz the devices that already got
it. A failure (a push service error other than 404/410, the broker not acknowledging)
raises, which releases the idempotency record so the retry really runs.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel, ConfigDict

from backend.aws import client
from backend.contracts import NotificationMessage
from backend.domain.errors import Unavailable
from backend.domain.models import Notification, PushSubscription
from backend.domain.notifications import DeliveryRequest, as_contract
from backend.push import webpush
from backend.realtime import presence
from backend.realtime.publisher import get_publisher
from backend.realtime.topics import Channel, user_topic
from backend.settings import get_settings
from backend.store import keys, redis_errors
from backend.store import notifications as store

log = logging.getLogger("lumi.jobs.notifications")

FUNCTION = "notification-sender"
# What ``delivery`` says once a notification reached the person (or had nowhere to go).
DELIVERED = frozenset({"live", "push", "none"})
# Remember completed deliveries for a day: SQS duplicates arrive within minutes.
REMEMBER_SECONDS = 24 * 3600

delivery_config = IdempotencyConfig(
    event_key_jmespath="notification_id", raise_on_no_idempotency_key=True, expires_after_seconds=REMEMBER_SECONDS
)
push_config = IdempotencyConfig(
    event_key_jmespath="[notification_id, endpoint_hash]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=REMEMBER_SECONDS,
)


class DeliveryFailed(Exception):
    """Some part of a delivery must be tried again (the message goes back to the queue)."""


class PushAttempt(BaseModel):
    """The idempotency key of one push: this notification to this endpoint."""

    model_config = ConfigDict(frozen=True)

    notification_id: str
    endpoint_hash: str


# ---------------------------------------------------------------- the Lambda


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    delivery_config.register_lambda_context(context)
    push_config.register_lambda_context(context)
    # A processor per batch: it holds the batch's results, and the local stack may run two batches at once.
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def record_handler(record: SQSRecord) -> dict[str, Any]:
    request = DeliveryRequest.model_validate_json(record.body)
    return _guarded()[0](request=request)


# ---------------------------------------------------------------- delivery


def deliver(request: DeliveryRequest) -> dict[str, Any]:
    """Deliver one stored notification; returns what was done (kept as the idempotency record's result)."""
    done = {"notification_id": request.notification_id}
    notification = store.get(request.recipient_id, request.notification_id)
    if notification is None:
        return {**done, "channel": "none", "reason": "gone"}  # deleted meanwhile (account or couple removed)
    if notification.read:
        return {**done, "channel": "none", "reason": "already read"}
    if notification.delivery in DELIVERED:
        # Delivered already: live from the request that made it, or by an earlier run of this
        # sender whose idempotency record has expired. A duplicate message changes nothing.
        return {**done, "channel": "none", "reason": f"delivered {notification.delivery} already"}
    # Count it now (the stream would, a moment later) so the number we show is exact.
    store.settle(notification.recipient_id, [notification.notification_id])
    if _is_online(notification.recipient_id):
        _publish(notification)
        outcome: dict[str, Any] = {"channel": "live"}
    else:
        outcome = _push(notification)
    store.set_delivery(notification, outcome["channel"])
    return {**done, **outcome}


def _is_online(user_id: str) -> bool:
    """Presence lives in Redis; while it cannot be asked, a push reaches the person either way
    (retrying instead would send notifications to the dead-letter queue during a Redis outage)."""
    try:
        return presence.is_online(user_id)
    except (redis_errors.RedisError, Unavailable) as error:
        log.warning("presence unknown for %s (%s); pushing", user_id, error)
        return False


def _publish(notification: Notification) -> None:
    message = NotificationMessage(
        notification=as_contract(notification), unread_count=store.unread_count(notification.recipient_id)
    )
    topic = user_topic(get_settings().stage, notification.recipient_id, Channel.NOTIFICATIONS)
    get_publisher().publish(topic, message)  # raises PublishError: the message is retried


def _push(notification: Notification) -> dict[str, Any]:
    enabled = store.push_settings(notification.recipient_id, [notification.category])[notification.category]
    if not enabled:
        return {"channel": "none", "reason": "category off"}
    payload = webpush.PushPayload(
        title=notification.title,
        body=notification.body,
        link=notification.link,
        notification_id=notification.notification_id,
        category=notification.category,
    )
    pushed, removed, failed = 0, 0, 0
    push_once = _guarded()[1]
    for subscription in store.subscriptions_of(notification.recipient_id):
        attempt = PushAttempt(
            notification_id=notification.notification_id, endpoint_hash=store.endpoint_hash(subscription.endpoint)
        )
        try:
            push_once(attempt=attempt, subscription=subscription, payload=payload)
            pushed += 1
        except webpush.PushGone as gone:
            log.info("push subscription of %s is gone (%s); deleting it", notification.recipient_id, gone)
            store.remove_subscription(subscription.user_id, subscription.endpoint)
            removed += 1
        except webpush.PushFailed as error:
            log.warning("push to a device of %s failed: %s", notification.recipient_id, error)
            failed += 1
    if failed:
        raise DeliveryFailed(f"{failed} push(es) of notification {notification.notification_id} failed")
    return {"channel": "push" if pushed else "none", "pushed": pushed, "removed": removed}


def push_one(attempt: PushAttempt, subscription: PushSubscription, payload: webpush.PushPayload) -> dict[str, Any]:
    webpush.send(subscription, payload)
    return {"pushed": attempt.endpoint_hash}


# ---------------------------------------------------------------- idempotency


@lru_cache(maxsize=4)
def _guarded_for(table_name: str, endpoint: str | None) -> tuple[Any, Any]:
    """``deliver`` and ``push_one`` wrapped in Powertools idempotency on our one table.

    Made per table and endpoint, not at import: tests and the local stack switch stacks.
    Records live in ``IDEMPOTENCY#notification-sender`` (see ``backend.store.keys``) and
    expire through the table's TTL attribute.
    """

    def layer() -> DynamoDBPersistenceLayer:
        return DynamoDBPersistenceLayer(
            table_name=table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=keys.idempotency_partition(FUNCTION),
            expiry_attr="expires_at",
            boto3_client=client("dynamodb"),
        )

    delivery = idempotent_function(
        data_keyword_argument="request",
        persistence_store=layer(),
        config=delivery_config,
        key_prefix=f"{FUNCTION}.deliver",
    )(deliver)
    push = idempotent_function(
        data_keyword_argument="attempt",
        persistence_store=layer(),
        config=push_config,
        key_prefix=f"{FUNCTION}.push",
    )(push_one)
    return delivery, push


def _guarded() -> tuple[Any, Any]:
    settings = get_settings()
    return _guarded_for(settings.table_name, settings.aws_endpoint_url)


__all__ = ["DeliveryFailed", "PushAttempt", "deliver", "handler", "record_handler"]
