"""Affirmations, their deliveries, the writers' counts and the delivery schedules.

An affirmation lives in its recipient's partition (the daily sender reads one partition);
its writer is the recipient's partner. Every couple-owned item carries the tenant key, so
the stream's cascade removes affirmations, counts and deliveries (with their hearts) when
the couple splits. Schedules are personal and stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.domain.errors import Conflict, NotFound
from backend.store import keys, records, table
from backend.store.table import Item, TransactionFailed

AFFIRMATION = "Affirmation"
AFFIRMATION_COUNT = "AffirmationCount"
AFFIRMATION_DELIVERY = "AffirmationDelivery"
AFFIRMATION_SCHEDULE = "AffirmationSchedule"


@dataclass(frozen=True)
class AffirmationRecord:
    affirmation_id: str
    recipient_id: str
    writer_id: str
    relationship_id: str
    text: str
    created_at: datetime
    updated_at: datetime | None
    delivered_count: int
    last_delivered_at: datetime | None
    hearts: int


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    recipient_id: str
    writer_id: str
    writer_name: str
    relationship_id: str
    affirmation_id: str | None
    kind: str
    text: str
    local_date: str
    delivered_at: datetime
    hearted: bool


@dataclass(frozen=True)
class Schedule:
    user_id: str
    starts_on: str  # ISO local date
    enabled: bool
    local_time: str
    time_zone: str
    until: str | None = None  # ISO local date it stops applying (exclusive), once superseded


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ---------------------------------------------------------------- affirmations


def affirmation_from(item: Item) -> AffirmationRecord:
    return AffirmationRecord(
        affirmation_id=item["affirmation_id"],
        recipient_id=item["recipient_id"],
        writer_id=item["writer_id"],
        relationship_id=item["relationship_id"],
        text=item["text"],
        created_at=datetime.fromisoformat(item["created_at"]),
        updated_at=_time(item.get("updated_at")),
        delivered_count=int(item.get("delivered_count", 0)),
        last_delivered_at=_time(item.get("last_delivered_at")),
        hearts=int(item.get("hearts", 0)),
    )


def affirmation_item(relationship_id: str, writer_id: str, recipient_id: str, text: str) -> Item:
    """A new affirmation in its stored shape (a fresh time-ordered id)."""
    affirmation_id, created_at = records.time_ordered_id()
    return {
        **keys.affirmation(recipient_id, affirmation_id),
        **keys.tenant_key(relationship_id, "AFFIRMATION", affirmation_id),
        "type": AFFIRMATION,
        "affirmation_id": affirmation_id,
        "recipient_id": recipient_id,
        "writer_id": writer_id,
        "relationship_id": relationship_id,
        "text": text,
        "created_at": records.stored_time(created_at),
        "delivered_count": 0,
        "hearts": 0,
    }


def add(relationship_id: str, writer_id: str, recipient_id: str, text: str, cap: int) -> AffirmationRecord:
    """Put a new affirmation and count it for its writer, in one transaction (at most ``cap``)."""
    item = affirmation_item(relationship_id, writer_id, recipient_id, text)
    counter = table.tx_update(
        keys.affirmation_count(relationship_id, writer_id),
        "ADD #n :one SET #t = :type, gsi2pk = :gpk, gsi2sk = :gsk",
        condition="attribute_not_exists(#n) OR #n < :cap",
        values={
            ":one": 1,
            ":cap": cap,
            ":type": AFFIRMATION_COUNT,
            ":gpk": keys.tenant(relationship_id),
            ":gsk": f"AFFCOUNT#{writer_id}",
        },
        names={"#n": "count", "#t": "type"},
    )
    try:
        table.transact([table.tx_put(item, "attribute_not_exists(pk)"), counter])
    except TransactionFailed as failed:
        if failed.failed(1):
            raise Conflict(
                f"You can keep up to {cap} affirmations. Delete one to add another.", code="too_many_affirmations"
            ) from failed
        raise
    return affirmation_from(item)


def count(relationship_id: str, writer_id: str) -> int:
    item = table.get(keys.affirmation_count(relationship_id, writer_id))
    return int(item.get("count", 0)) if item else 0


def page(
    recipient_id: str, relationship_id: str, limit: int, next_token: str | None
) -> tuple[list[AffirmationRecord], str | None]:
    """The affirmations for ``recipient_id`` within their couple, newest first."""
    result = table.query_page(
        ("pk", keys.user_partition(recipient_id)),
        ("sk", keys.AFFIRMATION_PREFIX),
        filter_expression="relationship_id = :rel",
        filter_values={":rel": relationship_id},
        limit=limit,
        next_token=next_token,
        forward=False,
    )
    return [affirmation_from(item) for item in result.items], result.next_token


def all_for(recipient_id: str, relationship_id: str) -> list[AffirmationRecord]:
    """Every affirmation for a recipient in their couple (at most the cap: one or two Query pages)."""
    return [
        affirmation_from(item)
        for item in table.query_all(
            ("pk", keys.user_partition(recipient_id)),
            ("sk", keys.AFFIRMATION_PREFIX),
            filter_expression="relationship_id = :rel",
            filter_values={":rel": relationship_id},
            limit=1000,
        )
    ]


_MINE = "writer_id = :writer AND relationship_id = :rel"


def update_text(
    recipient_id: str, affirmation_id: str, writer_id: str, relationship_id: str, text: str
) -> AffirmationRecord:
    item = table.update(
        keys.affirmation(recipient_id, affirmation_id),
        "SET #text = :text, updated_at = :at",
        {
            ":text": text,
            ":at": records.stored_time(records.now()),
            ":writer": writer_id,
            ":rel": relationship_id,
        },
        names={"#text": "text"},
        condition=f"attribute_exists(pk) AND {_MINE}",
    )
    if item is None:
        raise NotFound("We could not find that affirmation.")
    return affirmation_from(item)


def delete(recipient_id: str, affirmation_id: str, writer_id: str, relationship_id: str) -> None:
    """Delete it and count it down, together; deliveries keep their own copy of the text."""
    try:
        table.transact(
            [
                table.tx_delete(
                    keys.affirmation(recipient_id, affirmation_id),
                    f"attribute_exists(pk) AND {_MINE}",
                    {":writer": writer_id, ":rel": relationship_id},
                ),
                table.tx_update(
                    keys.affirmation_count(relationship_id, writer_id),
                    "ADD #n :minus",
                    condition="#n > :zero",
                    values={":minus": -1, ":zero": 0},
                    names={"#n": "count"},
                ),
            ]
        )
    except TransactionFailed as failed:
        if failed.failed(0):
            raise NotFound("We could not find that affirmation.") from failed
        raise


# ---------------------------------------------------------------- deliveries


def delivery_item(delivery: Delivery) -> Item:
    return {
        **keys.received_affirmation(delivery.recipient_id, delivery.delivery_id),
        **keys.tenant_key(delivery.relationship_id, "AFFRECEIVED", f"{delivery.recipient_id}#{delivery.delivery_id}"),
        "type": AFFIRMATION_DELIVERY,
        "delivery_id": delivery.delivery_id,
        "recipient_id": delivery.recipient_id,
        "writer_id": delivery.writer_id,
        "writer_name": delivery.writer_name,
        "relationship_id": delivery.relationship_id,
        "affirmation_id": delivery.affirmation_id,
        "kind": delivery.kind,
        "text": delivery.text,
        "local_date": delivery.local_date,
        "delivered_at": records.stored_time(delivery.delivered_at),
        "hearted": delivery.hearted,
    }


def delivery_from(item: Item) -> Delivery:
    return Delivery(
        delivery_id=item["delivery_id"],
        recipient_id=item["recipient_id"],
        writer_id=item["writer_id"],
        writer_name=item.get("writer_name", ""),
        relationship_id=item["relationship_id"],
        affirmation_id=item.get("affirmation_id"),
        kind=item["kind"],
        text=item["text"],
        local_date=item["local_date"],
        delivered_at=datetime.fromisoformat(item["delivered_at"]),
        hearted=bool(item.get("hearted")),
    )


def record_daily(delivery: Delivery) -> str:
    """The daily delivery and the pick's count, atomically, once per recipient and local date.

    Also checks that the recipient is still in this couple. Returns "recorded", or why
    nothing was written: "already" (a replay), "affirmation gone" (deleted meanwhile),
    "unpaired" (the couple split meanwhile).
    """
    assert delivery.affirmation_id is not None
    try:
        table.transact(
            [
                table.tx_put(delivery_item(delivery), "attribute_not_exists(pk)"),
                table.tx_update(
                    keys.affirmation(delivery.recipient_id, delivery.affirmation_id),
                    "ADD delivered_count :one SET last_delivered_at = :at",
                    condition="attribute_exists(pk)",
                    values={":one": 1, ":at": records.stored_time(delivery.delivered_at)},
                ),
                table.tx_check(
                    keys.profile(delivery.recipient_id), "relationship_id = :rel", {":rel": delivery.relationship_id}
                ),
            ]
        )
    except TransactionFailed as failed:
        if failed.failed(0):
            return "already"
        if failed.failed(1):
            return "affirmation gone"
        if failed.failed(2):
            return "unpaired"
        raise
    return "recorded"


def record_now(delivery: Delivery) -> None:
    table.put(delivery_item(delivery))


def received_on(recipient_id: str, local_date: str) -> list[Delivery]:
    items = table.query_all(
        ("pk", keys.user_partition(recipient_id)),
        ("sk", f"{keys.RECEIVED_AFFIRMATION_PREFIX}{local_date}_"),
        forward=False,
    )
    return [delivery_from(item) for item in items]


def received_before(
    recipient_id: str, today: str, limit: int, next_token: str | None
) -> tuple[list[Delivery], str | None]:
    """What came on other days than ``today``, newest first (a page; the filter may make it short)."""
    result = table.query_page(
        ("pk", keys.user_partition(recipient_id)),
        ("sk", keys.RECEIVED_AFFIRMATION_PREFIX),
        filter_expression="local_date <> :today",
        filter_values={":today": today},
        limit=limit,
        next_token=next_token,
        forward=False,
    )
    return [delivery_from(item) for item in result.items], result.next_token


def get_delivery(recipient_id: str, delivery_id: str) -> Delivery | None:
    item = table.get(keys.received_affirmation(recipient_id, delivery_id))
    return delivery_from(item) if item else None


def set_heart(delivery: Delivery, hearted: bool) -> None:
    """Heart (or un-heart) a delivery and mirror it on its affirmation's count, in one
    transaction pinned to the delivery's current state: a repeat changes nothing."""
    key = keys.received_affirmation(delivery.recipient_id, delivery.delivery_id)
    state = "hearted = :was"
    flip = table.tx_update(
        key,
        "SET hearted = :now",
        condition=f"attribute_exists(pk) AND {state}",
        values={":now": hearted, ":was": not hearted},
    )
    operations = [flip]
    if delivery.affirmation_id:
        operations.append(
            table.tx_update(
                keys.affirmation(delivery.recipient_id, delivery.affirmation_id),
                "ADD hearts :step",
                condition="attribute_exists(pk)",
                values={":step": 1 if hearted else -1},
            )
        )
    try:
        table.transact(operations)
    except TransactionFailed as failed:
        if failed.failed(0) or len(operations) == 1:
            return  # already so (or gone): nothing to do
        # The affirmation was deleted meanwhile: the delivery keeps its own heart.
        try:
            table.transact([flip])
        except TransactionFailed:
            return


# ---------------------------------------------------------------- schedules


def schedule_from(item: Item) -> Schedule:
    return Schedule(
        user_id=item["user_id"],
        starts_on=item["starts_on"],
        enabled=bool(item["enabled"]),
        local_time=item["local_time"],
        time_zone=item["time_zone"],
        until=item.get("until"),
    )


def schedule_item(schedule: Schedule) -> Item:
    item: Item = {
        **keys.affirmation_schedule(schedule.user_id, schedule.starts_on),
        "type": AFFIRMATION_SCHEDULE,
        "user_id": schedule.user_id,
        "starts_on": schedule.starts_on,
        "enabled": schedule.enabled,
        "local_time": schedule.local_time,
        "time_zone": schedule.time_zone,
        "until": schedule.until,
    }
    if schedule.enabled:
        item.update(keys.due_index_key(schedule.time_zone, schedule.local_time, schedule.user_id, schedule.starts_on))
    return item


def schedules_of(user_id: str) -> list[Schedule]:
    """A person's schedule items, oldest first (at most a current one and a next one, and
    any that ended since the last change)."""
    return [
        schedule_from(item)
        for item in table.query_all(("pk", keys.user_partition(user_id)), ("sk", keys.SCHEDULE_PREFIX))
    ]


def save_schedule(new: Schedule, current: Schedule | None, ended: list[Schedule]) -> None:
    """Put ``new``; end ``current`` the day ``new`` starts (if it is another item); delete the
    items that no longer apply; register the zone for the aggregator."""
    operations: list[dict[str, Any]] = [table.tx_put(schedule_item(new))]
    if current is not None and current.starts_on != new.starts_on:
        operations.append(
            table.tx_update(
                keys.affirmation_schedule(current.user_id, current.starts_on),
                "SET #until = :until",
                condition="attribute_exists(pk)",
                values={":until": new.starts_on},
                names={"#until": "until"},
            )
        )
    for old in ended:
        if old.starts_on not in (new.starts_on, current.starts_on if current else None):
            operations.append(table.tx_delete(keys.affirmation_schedule(old.user_id, old.starts_on)))
    operations.append(table.tx_update(keys.affirmation_zones(), "ADD zones :zone", values={":zone": {new.time_zone}}))
    table.transact(operations)


def zones() -> list[str]:
    item = table.get(keys.affirmation_zones())
    return sorted(item.get("zones", set())) if item else []


def due_page(zone: str, local_time: str, limit: int, next_token: str | None) -> tuple[list[Schedule], str | None]:
    result = table.query_page(
        ("gsi3pk", keys.due_partition(zone, local_time)),
        index=keys.DUE_INDEX,
        limit=limit,
        next_token=next_token,
    )
    return [schedule_from(item) for item in result.items], result.next_token


def put_many(items: list[Item]) -> None:
    """Write many items at once (seeding, tests, benches), 25 per request, retrying what is left."""
    for start in range(0, len(items), 25):
        pending: dict[str, Any] = {
            table.table_name(): [{"PutRequest": {"Item": table.to_dynamo(item)}} for item in items[start : start + 25]]
        }
        while pending:
            pending = table._dynamodb().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def put_schedules(schedules: list[Schedule]) -> None:
    """Write many schedules at once, and register their zones."""
    put_many([schedule_item(s) for s in schedules])
    for zone in {s.time_zone for s in schedules}:
        table.update(keys.affirmation_zones(), "ADD zones :zone", {":zone": {zone}})


__all__ = [
    "AffirmationRecord",
    "Delivery",
    "Schedule",
    "add",
    "all_for",
    "count",
    "delete",
    "delivery_from",
    "due_page",
    "get_delivery",
    "page",
    "put_many",
    "put_schedules",
    "received_before",
    "received_on",
    "record_daily",
    "record_now",
    "save_schedule",
    "schedules_of",
    "set_heart",
    "update_text",
    "zones",
]
