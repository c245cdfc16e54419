"""Date reminders: each person's reminder time, the zones to look at, the due indexes the
aggregator reads, and the record that makes a reminder happen once per person.

Keys and access patterns: ``backend.store.keys`` (``DATEREMINDERS``, ``DATEDUE#``,
``DATEHOUR#``, ``DATEZONES``, ``DATEREMINDED#``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.store import keys, records, table
from backend.store.dates import DateRecord, date_from, register_zone
from backend.store.table import Item, TransactionFailed

DATE_REMINDER_TIME = "DateReminderTime"
DATE_REMINDED = "DateReminded"
# How long the record of a reminder is kept after its occurrence (a replay comes within days).
REMINDED_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class ReminderTime:
    user_id: str
    local_time: str
    time_zone: str
    chosen: bool


def time_from(item: Item) -> ReminderTime:
    return ReminderTime(
        user_id=item["user_id"],
        local_time=item["local_time"],
        time_zone=item["time_zone"],
        chosen=bool(item.get("chosen")),
    )


def reminder_time(user_id: str) -> ReminderTime | None:
    item = table.get(keys.date_reminder_time(user_id))
    return time_from(item) if item else None


def zones() -> list[str]:
    item = table.get(keys.date_reminder_zones())
    return sorted(item.get("zones", set())) if item else []


def put_time(new: ReminderTime, only_if_not_chosen: bool = False) -> bool:
    """Store a person's reminder time (indexed by zone and quarter hour). ``only_if_not_chosen``:
    the app's default zone, which never replaces a time the person chose. False: not written."""
    register_zone(new.time_zone)
    item: Item = {
        **keys.date_reminder_time(new.user_id),
        "type": DATE_REMINDER_TIME,
        "user_id": new.user_id,
        "local_time": new.local_time,
        "time_zone": new.time_zone,
        "chosen": new.chosen,
        "gsi3pk": keys.date_due_partition(new.time_zone, new.local_time),
        "gsi3sk": new.user_id,
        "updated_at": records.stored_time(records.now()),
    }
    if not only_if_not_chosen:
        table.put(item)
        return True
    try:
        table.transact([table.tx_put(item, "attribute_not_exists(pk) OR chosen = :no", {":no": False})])
    except TransactionFailed as failed:
        if failed.failed(0):
            return False
        raise
    return True


def due_page(zone: str, local_time: str, limit: int, next_token: str | None) -> tuple[list[str], str | None]:
    """A page of the people whose reminder time is this quarter hour in this zone."""
    result = table.query_page(
        ("gsi3pk", keys.date_due_partition(zone, local_time)), index=keys.DUE_INDEX, limit=limit, next_token=next_token
    )
    return [item["user_id"] for item in result.items], result.next_token


def timed_dates_due(zone: str, local_time: str, prefixes: list[str]) -> list[DateRecord]:
    """The dates whose hour-before quarter hour is this one, on the day the prefixes name."""
    found: list[DateRecord] = []
    for prefix in prefixes:
        items = table.query_all(
            ("gsi3pk", keys.date_hour_partition(zone, local_time)), ("gsi3sk", prefix), index=keys.DUE_INDEX
        )
        found.extend(date_from(item) for item in items)
    return found


def record(
    user_id: str, relationship_id: str, reminder_id: str, occurrence: str, at: datetime, about: dict[str, Any]
) -> bool:
    """Record a reminder for a person once, while they are in the couple. False: it was
    recorded before (a replay) or the person left the couple; nothing is written then."""
    expires = datetime.fromisoformat(occurrence).replace(tzinfo=at.tzinfo) + REMINDED_KEPT
    item: Item = {
        **keys.date_reminded(user_id, reminder_id),
        **keys.tenant_key(relationship_id, "DATEREMINDED", f"{user_id}#{reminder_id}"),
        "type": DATE_REMINDED,
        "user_id": user_id,
        "relationship_id": relationship_id,
        "reminder_id": reminder_id,
        "occurrence": occurrence,
        "reminded_at": records.stored_time(at),
        "expires_at": int(max(expires, at + REMINDED_KEPT).timestamp()),
        **about,
    }
    try:
        table.transact(
            [
                table.tx_put(item, "attribute_not_exists(pk)"),
                table.tx_check(keys.profile(user_id), "relationship_id = :rel", {":rel": relationship_id}),
            ]
        )
    except TransactionFailed as failed:
        if failed.failed(0) or failed.failed(1):
            return False
        raise
    return True


def reminded(user_id: str, reminder_id: str) -> Item | None:
    return table.get(keys.date_reminded(user_id, reminder_id))


__all__ = [
    "ReminderTime",
    "due_page",
    "put_time",
    "record",
    "reminded",
    "reminder_time",
    "timed_dates_due",
    "zones",
]
