"""Notifications, the unread count, notification settings and push subscriptions.

The unread count is the number of a person's notifications flagged ``unread_counted``.
Flag and counter change only together, in one transaction whose conditions pin the
notification's current state (:func:`settle`, :func:`mark_read`): a notification is
counted once while it is unread and uncounted, uncounted once when it is read. Whoever
applies that step (the stream handler, the sender before it reports a count, a request
marking things read) and however often a stream record is replayed, the count stays exact.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from backend.domain.errors import Conflict, NotFound
from backend.domain.models import Notification, PushSubscription
from backend.store import keys, records, table
from backend.store.table import Item, TransactionFailed

NOTIFICATION = "Notification"
UNREAD_COUNTER = "UnreadCounter"
NOTIFICATION_GONE = "NotificationGone"
NOTIFICATION_SETTINGS = "NotificationSettings"
PUSH_SUBSCRIPTION = "PushSubscription"
PUSH_ENDPOINT_CLAIM = "PushEndpointClaim"

# Everything of a person's that goes with their account (besides the claims, found through these).
PERSONAL_TYPES = frozenset({NOTIFICATION, UNREAD_COUNTER, NOTIFICATION_GONE, NOTIFICATION_SETTINGS, PUSH_SUBSCRIPTION})

# A stream record can be replayed for as long as the stream keeps it (24 h); the guard of a
# counted removal must outlive that.
GONE_GUARD_SECONDS = 2 * 24 * 3600
# TransactWriteItems takes 100 actions: 99 notifications and the counter.
TRANSACTION_ITEMS = 99
_ATTEMPTS = 5

Filter = Literal["all", "unread"]


# ---------------------------------------------------------------- ids and items


# A fresh id and its creation time; the sort key orders a person's notifications by time.
new_notification_id = records.time_ordered_id


def notification_item(notification: Notification) -> Item:
    item: Item = {
        **keys.notification(notification.recipient_id, notification.notification_id),
        "type": NOTIFICATION,
        "notification_id": notification.notification_id,
        "recipient_id": notification.recipient_id,
        "category": notification.category,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "created_at": records.stored_time(notification.created_at),
        "read_at": records.stored_time(notification.read_at) if notification.read_at else None,
        "relationship_id": notification.relationship_id,
    }
    if notification.read_at is None:
        item.update(keys.unread_index_key(notification.recipient_id, notification.notification_id))
    if notification.relationship_id:
        item.update(keys.tenant_key(notification.relationship_id, "NOTIFICATION", notification.notification_id))
    return item


def notification_from(item: Item) -> Notification:
    read_at = item.get("read_at")
    return Notification(
        notification_id=item["notification_id"],
        recipient_id=item["recipient_id"],
        category=item["category"],
        kind=item["kind"],
        title=item["title"],
        body=item["body"],
        link=item["link"],
        created_at=datetime.fromisoformat(item["created_at"]),
        read_at=datetime.fromisoformat(read_at) if read_at else None,
        relationship_id=item.get("relationship_id"),
        delivery=item.get("delivery"),
    )


# ---------------------------------------------------------------- notifications


def add(notification: Notification) -> Notification:
    table.put(notification_item(notification))  # the id is new: time plus 64 random bits
    return notification


def add_counted(notification: Notification, delivery: str) -> Notification:
    """Store a new unread notification already counted, with how it is being delivered: the item
    and the counter's +1 in one transaction (the stream then finds nothing to settle)."""
    item = {
        **notification_item(notification),
        "unread_counted": True,
        "delivery": delivery,
        "delivered_at": records.stored_time(datetime.now(UTC)),
    }
    table.transact([table.tx_put(item, "attribute_not_exists(pk)"), _counter_op(notification.recipient_id, 1)])
    return notification


def remove(notification: Notification) -> None:
    """Take back a notification that could not be delivered; a counted one is counted down by the stream."""
    table.delete(keys.notification(notification.recipient_id, notification.notification_id))


def get(recipient_id: str, notification_id: str) -> Notification | None:
    item = table.get(keys.notification(recipient_id, notification_id))
    return notification_from(item) if item else None


def page(recipient_id: str, which: Filter, limit: int, next_token: str | None) -> tuple[list[Notification], str | None]:
    """One page, newest first; ``query_page`` refuses a token this person did not get for the same filter."""
    if which == "unread":
        result = table.query_page(
            ("gsi1pk", keys.unread_partition(recipient_id)),
            ("gsi1sk", keys.NOTIFICATION_PREFIX),
            index=keys.UNREAD_INDEX,
            limit=limit,
            next_token=next_token,
            forward=False,
        )
    else:
        result = table.query_page(
            ("pk", keys.user_partition(recipient_id)),
            ("sk", keys.NOTIFICATION_PREFIX),
            limit=limit,
            next_token=next_token,
            forward=False,
        )
    return [notification_from(item) for item in result.items], result.next_token


def set_delivery(notification: Notification, channel: str) -> None:
    """Remember how the sender delivered it (``live``, ``push`` or ``none``): for support, and tests."""
    table.update(
        keys.notification(notification.recipient_id, notification.notification_id),
        "SET delivery = :channel, delivered_at = :at",
        {":channel": channel, ":at": records.stored_time(datetime.now(UTC))},
        condition="attribute_exists(pk)",
    )


# ---------------------------------------------------------------- the unread count


def unread_count(user_id: str) -> int:
    item = table.get(keys.unread_counter(user_id))
    return max(0, int(item.get("unread_count", 0))) if item else 0


def _counter_op(user_id: str, delta: int) -> dict[str, Any]:
    return table.tx_update(
        keys.unread_counter(user_id),
        "SET #type = :type ADD unread_count :delta",
        values={":type": UNREAD_COUNTER, ":delta": delta},
        names={"#type": "type"},
    )


def settling_steps(items: Iterable[Item], mark: bool, read_at: str) -> tuple[list[dict[str, Any]], int]:
    """The transaction actions that bring these notifications (as last seen) to their settled
    state — and, with ``mark``, read — plus the counter change they add up to. Each action's
    condition pins the state it was computed from, so a stale view cancels instead of miscounting."""
    actions: list[dict[str, Any]] = []
    delta = 0
    for item in items:
        key = keys.key_of(item)
        unread = "read_at" not in item
        counted = bool(item.get("unread_counted"))
        pinned = "attribute_exists(unread_counted)" if counted else "attribute_not_exists(unread_counted)"
        if unread and mark:
            actions.append(
                table.tx_update(
                    key,
                    "SET read_at = :now REMOVE gsi1pk, gsi1sk, unread_counted",
                    f"attribute_exists(pk) AND attribute_not_exists(read_at) AND {pinned}",
                    {":now": read_at},
                )
            )
            delta -= int(counted)
        elif unread and not counted:
            actions.append(
                table.tx_update(
                    key,
                    "SET unread_counted = :yes",
                    f"attribute_exists(pk) AND attribute_not_exists(read_at) AND {pinned}",
                    {":yes": True},
                )
            )
            delta += 1
        elif not unread and counted:
            actions.append(table.tx_update(key, "REMOVE unread_counted", f"attribute_exists(read_at) AND {pinned}"))
            delta -= 1
    return actions, delta


def _apply(user_id: str, items: list[Item], mark: bool) -> None:
    """Settle (and with ``mark``, mark read) these notifications, re-reading them if they changed meanwhile."""
    read_at = records.stored_time(datetime.now(UTC))
    for start in range(0, len(items), TRANSACTION_ITEMS):
        chunk = items[start : start + TRANSACTION_ITEMS]
        for _ in range(_ATTEMPTS):
            actions, delta = settling_steps(chunk, mark, read_at)
            if not actions:
                break
            if delta:
                actions.append(_counter_op(user_id, delta))
            try:
                table.transact(actions)
                break
            except TransactionFailed:
                chunk = table.batch_get([keys.key_of(item) for item in chunk])
        else:
            raise _busy()


def _busy() -> Conflict:
    return Conflict("Your notifications kept changing while we saved. Please try again.", code="conflict")


def settle(user_id: str, notification_ids: list[str]) -> None:
    """Make the unread count agree with these notifications' read state (idempotent)."""
    found = table.batch_get([keys.notification(user_id, nid) for nid in dict.fromkeys(notification_ids)])
    _apply(user_id, found, mark=False)


def mark_read(user_id: str, notification_ids: list[str]) -> None:
    """Mark the person's own notifications read; if any id is not theirs, nothing changes (404)."""
    wanted = list(dict.fromkeys(notification_ids))
    found = table.batch_get([keys.notification(user_id, nid) for nid in wanted])
    if len(found) != len(wanted):
        raise NotFound("We could not find that notification.")
    _apply(user_id, found, mark=True)


def mark_all_read(user_id: str) -> None:
    """Page through the unread index once and mark what it lists."""
    token: str | None = None
    while True:
        result = table.query_page(
            ("gsi1pk", keys.unread_partition(user_id)),
            index=keys.UNREAD_INDEX,
            limit=TRANSACTION_ITEMS,
            next_token=token,
        )
        _apply(user_id, result.items, mark=True)
        if result.next_token is None:
            return
        token = result.next_token


def notification_removed(old: Item) -> None:
    """A counted notification was deleted: count it down, once (a guard item remembers it did)."""
    if not old.get("unread_counted"):
        return
    recipient_id, notification_id = old["recipient_id"], old["notification_id"]
    guard = {
        **keys.notification_gone(recipient_id, notification_id),
        "type": NOTIFICATION_GONE,
        "expires_at": int(time.time()) + GONE_GUARD_SECONDS,
    }
    # Cancelled when it was counted down before, or the counter went with the account.
    with contextlib.suppress(TransactionFailed):
        table.transact(
            [
                table.tx_put(guard, "attribute_not_exists(pk)"),
                table.tx_update(
                    keys.unread_counter(recipient_id),
                    "ADD unread_count :minus",
                    "attribute_exists(pk)",
                    {":minus": -1},
                ),
            ]
        )


# ---------------------------------------------------------------- settings


def push_settings(user_id: str, categories: Iterable[str]) -> dict[str, bool]:
    """Per category, whether it is pushed; a category never set is on."""
    item = table.get(keys.notification_settings(user_id)) or {}
    stored = item.get("push") or {}
    return {category: bool(stored.get(category, True)) for category in categories}


def save_push_settings(user_id: str, push: dict[str, bool]) -> None:
    table.put(
        {
            **keys.notification_settings(user_id),
            "type": NOTIFICATION_SETTINGS,
            "user_id": user_id,
            "push": dict(push),
            "updated_at": records.stored_time(datetime.now(UTC)),
        }
    )


# ---------------------------------------------------------------- push subscriptions


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def _subscription_item(subscription: PushSubscription) -> Item:
    return {
        **keys.push_subscription(subscription.user_id, endpoint_hash(subscription.endpoint)),
        "type": PUSH_SUBSCRIPTION,
        "user_id": subscription.user_id,
        "endpoint": subscription.endpoint,
        "p256dh": subscription.p256dh,
        "auth": subscription.auth,
        "created_at": records.stored_time(subscription.created_at),
        "expiration_time": subscription.expiration_time,
    }


def _subscription_from(item: Item) -> PushSubscription:
    return PushSubscription(
        user_id=item["user_id"],
        endpoint=item["endpoint"],
        p256dh=item["p256dh"],
        auth=item["auth"],
        created_at=datetime.fromisoformat(item["created_at"]),
        expiration_time=item.get("expiration_time"),
    )


def save_subscription(subscription: PushSubscription) -> None:
    """Upsert by endpoint. A browser's endpoint belongs to one person: whoever subscribed it last
    (someone else signed in on that browser), so the previous person's copy is removed with it."""
    digest = endpoint_hash(subscription.endpoint)
    claim_key = keys.push_endpoint_claim(digest)
    for _ in range(_ATTEMPTS):
        claim = table.get(claim_key)
        previous = claim.get("user_id") if claim else None
        claim_item = {**claim_key, "type": PUSH_ENDPOINT_CLAIM, "user_id": subscription.user_id}
        actions = [
            table.tx_put(claim_item, "user_id = :previous", {":previous": previous})
            if previous
            else table.tx_put(claim_item, "attribute_not_exists(pk)"),
            table.tx_put(_subscription_item(subscription)),
        ]
        if previous and previous != subscription.user_id:
            actions.append(table.tx_delete(keys.push_subscription(previous, digest)))
        try:
            table.transact(actions)
            return
        except TransactionFailed:
            continue  # the endpoint changed hands meanwhile: look again
    raise _busy()


def remove_subscription(user_id: str, endpoint: str) -> bool:
    """Forget one of the person's subscriptions; False when there was none."""
    digest = endpoint_hash(endpoint)
    removed = table.delete(keys.push_subscription(user_id, digest), "attribute_exists(pk)")
    table.delete(keys.push_endpoint_claim(digest), "user_id = :me", {":me": user_id})
    return removed


def subscriptions_of(user_id: str) -> list[PushSubscription]:
    items = table.query_all(("pk", keys.user_partition(user_id)), ("sk", keys.PUSH_PREFIX))
    return [_subscription_from(item) for item in items]


# ---------------------------------------------------------------- a deleted account


def forget_person(user_id: str) -> int:
    """Delete the person's notifications, count, settings and subscriptions (and their endpoint claims)."""
    doomed: list[keys.Key] = []
    for item in table.query_all(("pk", keys.user_partition(user_id))):
        if item.get("type") not in PERSONAL_TYPES:
            continue
        if item["type"] == PUSH_SUBSCRIPTION:
            table.delete(keys.push_endpoint_claim(endpoint_hash(item["endpoint"])), "user_id = :me", {":me": user_id})
        doomed.append(keys.key_of(item))
    return table.batch_delete(doomed)
