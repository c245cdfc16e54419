"""The couple's dates, their count, and each person's calendar feed secret.

A date lives in the couple's partition at ``DATE#{id}``; its gsi1 key (``DATES#{rel}``,
``YEARLY#{MM-DD}#{id}`` or ``ONCE#{YYYY-MM-DD}#{id}``) is what the month and upcoming views
Query. Every item carries the tenant key, so the stream's cascade removes dates, the count,
and feed secrets (claim and pointer) when the couple splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend.domain.errors import Conflict, NotFound
from backend.store import keys, records, table
from backend.store.table import Item, TransactionFailed

COUPLE_DATE = "CoupleDate"
DATE_COUNT = "DateCount"
CALENDAR_FEED_CLAIM = "CalendarFeedClaim"
CALENDAR_FEED = "CalendarFeed"

# The fields a person sets (the rest is the store's).
EDITABLE = ("kind", "title", "date", "time", "time_zone", "notes", "repeats", "reminders_before")


@dataclass(frozen=True)
class DateRecord:
    date_id: str
    relationship_id: str
    kind: str
    title: str
    day: date
    time: str | None
    time_zone: str | None
    notes: str | None
    repeats: str
    reminders_before: tuple[int, ...]
    created_by: str
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class FeedClaim:
    user_id: str
    relationship_id: str


def _missing() -> NotFound:
    return NotFound("We could not find that date.")


def date_from(item: Item) -> DateRecord:
    return DateRecord(
        date_id=item["date_id"],
        relationship_id=item["relationship_id"],
        kind=item["kind"],
        title=item["title"],
        day=date.fromisoformat(item["date"]),
        time=item.get("time"),
        time_zone=item.get("time_zone"),
        notes=item.get("notes"),
        repeats=item["repeats"],
        reminders_before=tuple(sorted(int(d) for d in item.get("reminders_before", []))),
        created_by=item["created_by"],
        created_at=datetime.fromisoformat(item["created_at"]),
        updated_at=datetime.fromisoformat(item["updated_at"]) if item.get("updated_at") else None,
    )


def register_zone(zone: str) -> None:
    """Add a zone to those the reminder aggregator looks at (idempotent; written before the item
    that needs it, so a crash in between leaves an extra zone, never a missing one)."""
    table.update(keys.date_reminder_zones(), "ADD zones :zone", {":zone": {zone}})


def hour_before(at: str) -> str:
    """The local quarter hour of the reminder an hour before ``HH:MM``: an hour earlier,
    rounded down to the quarter (never later than an hour before; 00:30 → 23:30 the day before)."""
    hours, minutes = (int(part) for part in at.split(":"))
    total = (hours * 60 + minutes - 60) % (24 * 60)
    total -= total % 15
    return f"{total // 60:02d}:{total % 60:02d}"


def hour_index_key(date_id: str, repeats: str, day: str, at: str, zone: str) -> Item:
    """gsi3 attributes of a date with a time: the quarter hour an hour before it, in its zone,
    sorted by its own calendar key (the day it happens on)."""
    return {
        "gsi3pk": keys.date_hour_partition(zone, hour_before(at)),
        "gsi3sk": keys.date_index_sort_key(repeats, day, date_id),
    }


def date_item(relationship_id: str, created_by: str, fields: dict[str, Any]) -> Item:
    """A new date in its stored shape (a fresh time-ordered id); ``fields``: the editable ones, ISO date."""
    date_id, created_at = records.time_ordered_id()
    item: Item = {
        **keys.couple_date(relationship_id, date_id),
        **keys.tenant_key(relationship_id, "DATE", date_id),
        **keys.date_index_key(relationship_id, fields["repeats"], fields["date"], date_id),
        **(
            hour_index_key(date_id, fields["repeats"], fields["date"], fields["time"], fields["time_zone"])
            if fields.get("time")
            else {}
        ),
        "type": COUPLE_DATE,
        "date_id": date_id,
        "relationship_id": relationship_id,
        "created_by": created_by,
        "created_at": records.stored_time(created_at),
    }
    item.update({name: value for name, value in fields.items() if value is not None})
    return item


def add(relationship_id: str, created_by: str, fields: dict[str, Any], cap: int) -> DateRecord:
    """Put a new date and count it for the couple, in one transaction (at most ``cap``), while
    its author is still in the couple."""
    item = date_item(relationship_id, created_by, fields)
    if fields.get("time"):
        register_zone(fields["time_zone"])
    counter = table.tx_update(
        keys.date_count(relationship_id),
        "ADD #n :one SET #t = :type, gsi2pk = :gpk, gsi2sk = :gsk",
        condition="attribute_not_exists(#n) OR #n < :cap",
        values={
            ":one": 1,
            ":cap": cap,
            ":type": DATE_COUNT,
            ":gpk": keys.tenant(relationship_id),
            ":gsk": "DATECOUNT",
        },
        names={"#n": "count", "#t": "type"},
    )
    in_couple = table.tx_check(keys.profile(created_by), "relationship_id = :rel", {":rel": relationship_id})
    try:
        table.transact([table.tx_put(item, "attribute_not_exists(pk)"), counter, in_couple])
    except TransactionFailed as failed:
        if failed.failed(1):
            raise Conflict(
                f"You can keep up to {cap} dates. Delete one to add another.", code="too_many_dates"
            ) from failed
        if failed.failed(2):
            raise Conflict("You need a partner to keep dates together.", code="not_paired") from failed
        raise
    return date_from(item)


def get(relationship_id: str, date_id: str) -> DateRecord | None:
    item = table.get(keys.couple_date(relationship_id, date_id))
    return date_from(item) if item and item.get("type") == COUPLE_DATE else None


_ATTEMPTS = 4


def update(relationship_id: str, date_id: str, changes: dict[str, Any]) -> DateRecord:
    """Apply ``changes`` (editable fields; None removes ``time`` or ``notes``) in one conditional
    UpdateItem. The index key follows the day and the repeat rule: it is computed from the item
    as read, under a condition that they did not change meanwhile (else read again)."""
    for _ in range(_ATTEMPTS):
        current = table.get(keys.couple_date(relationship_id, date_id))
        if current is None or current.get("type") != COUPLE_DATE:
            raise _missing()
        day = changes.get("date") or current["date"]
        repeats = changes.get("repeats") or current["repeats"]
        at = changes["time"] if "time" in changes else current.get("time")
        zone = changes["time_zone"] if "time_zone" in changes else current.get("time_zone")
        if at and not zone:  # a time without a zone is in UTC, as when added
            zone = changes["time_zone"] = "UTC"
        if at and zone:
            register_zone(zone)
        sets = ["gsi1sk = :gsk", "updated_at = :at"]
        removes: list[str] = []
        names: dict[str, str] = {"#d": "date", "#r": "repeats", "#tm": "time", "#tz": "time_zone"}
        values: dict[str, Any] = {
            ":gsk": keys.date_index_sort_key(repeats, day, date_id),
            ":at": records.stored_time(records.now()),
            ":old_day": current["date"],
            ":old_repeats": current["repeats"],
        }
        # The hour-before index follows the day, the repeat rule, the time and its zone, as read.
        pinned = ["attribute_exists(pk)", "#d = :old_day", "#r = :old_repeats"]
        for name, placeholder in (("time", "#tm"), ("time_zone", "#tz")):
            if current.get(name) is None:
                pinned.append(f"attribute_not_exists({placeholder})")
            else:
                pinned.append(f"{placeholder} = :old_{name}")
                values[f":old_{name}"] = current[name]
        if at and zone:
            hour = hour_index_key(date_id, repeats, day, at, zone)
            sets += ["gsi3pk = :hpk", "gsi3sk = :hsk"]
            values.update({":hpk": hour["gsi3pk"], ":hsk": hour["gsi3sk"]})
        else:
            removes += ["gsi3pk", "gsi3sk"]
        for index, (name, value) in enumerate(changes.items()):
            names[f"#f{index}"] = name
            if value is None:
                removes.append(f"#f{index}")
            else:
                sets.append(f"#f{index} = :f{index}")
                values[f":f{index}"] = value
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        item = table.update(
            keys.couple_date(relationship_id, date_id),
            expression,
            values,
            names=names,
            condition=" AND ".join(pinned),
        )
        if item is not None:
            return date_from(item)
    raise Conflict("This date is being changed by your partner right now. Try again.", code="date_busy")


def delete(relationship_id: str, date_id: str) -> None:
    """Delete it and count it down, together."""
    try:
        table.transact(
            [
                table.tx_delete(keys.couple_date(relationship_id, date_id), "attribute_exists(pk)"),
                table.tx_update(
                    keys.date_count(relationship_id),
                    "ADD #n :minus",
                    condition="#n > :zero",
                    values={":minus": -1, ":zero": 0},
                    names={"#n": "count"},
                ),
            ]
        )
    except TransactionFailed as failed:
        if failed.failed(0):
            raise _missing() from failed
        raise


def with_index_prefix(relationship_id: str, prefix: str) -> list[DateRecord]:
    """Every date whose index key starts with ``prefix`` (a month: ``YEARLY#12-``, ``ONCE#2026-12-``)."""
    items = table.query_all(
        ("gsi1pk", keys.dates_partition(relationship_id)), ("gsi1sk", prefix), index=keys.DATES_INDEX, limit=500
    )
    return [date_from(item) for item in items]


def in_index_range(relationship_id: str, low: str, high: str, limit: int) -> list[DateRecord]:
    """Up to ``limit`` dates whose index key lies between ``low`` and ``high``, in key order."""
    items = table.query_range(
        ("gsi1pk", keys.dates_partition(relationship_id)), ("gsi1sk", low, high), index=keys.DATES_INDEX, limit=limit
    )
    return [date_from(item) for item in items]


def every(relationship_id: str) -> list[DateRecord]:
    """All of a couple's dates (bounded by the cap), for the feed."""
    items = table.query_all(("gsi1pk", keys.dates_partition(relationship_id)), index=keys.DATES_INDEX, limit=500)
    return [date_from(item) for item in items]


# ---------------------------------------------------------------- calendar feed secrets


def feed_of(user_id: str) -> Item | None:
    """The person's feed pointer: ``secret_hash``, ``relationship_id``, ``created_at``."""
    return table.get(keys.calendar_feed(user_id))


def claim(secret_hash: str) -> FeedClaim | None:
    item = table.get(keys.calendar_feed_claim(secret_hash))
    if item is None:
        return None
    return FeedClaim(user_id=item["user_id"], relationship_id=item["relationship_id"])


def issue(user_id: str, relationship_id: str, secret_hash: str, old_hash: str | None) -> datetime:
    """Make ``secret_hash`` the person's feed, revoking ``old_hash`` in the same transaction; the
    pointer must still be as read (``old_hash`` or none) and the person still in the couple."""
    at = records.now()
    common = {
        "user_id": user_id,
        "relationship_id": relationship_id,
        "secret_hash": secret_hash,
        "created_at": records.stored_time(at),
    }
    pointer = {
        **keys.calendar_feed(user_id),
        **keys.tenant_key(relationship_id, "CALFEEDOF", user_id),
        "type": CALENDAR_FEED,
        **common,
    }
    claim_item = {
        **keys.calendar_feed_claim(secret_hash),
        **keys.tenant_key(relationship_id, "CALFEED", secret_hash),
        "type": CALENDAR_FEED_CLAIM,
        **common,
    }
    if old_hash is None:
        put_pointer = table.tx_put(pointer, "attribute_not_exists(pk)")
    else:
        put_pointer = table.tx_put(pointer, "secret_hash = :old", {":old": old_hash})
    operations = [
        put_pointer,
        table.tx_put(claim_item, "attribute_not_exists(pk)"),
        table.tx_check(keys.profile(user_id), "relationship_id = :rel", {":rel": relationship_id}),
    ]
    if old_hash is not None:
        operations.append(table.tx_delete(keys.calendar_feed_claim(old_hash)))
    try:
        table.transact(operations)
    except TransactionFailed as failed:
        if failed.failed(2):
            raise Conflict("You need a partner to keep dates together.", code="not_paired") from failed
        if failed.failed(0):
            raise Conflict("Your calendar link changed meanwhile. Try again.", code="feed_busy") from failed
        raise
    return at


def revoke(user_id: str, secret_hash: str) -> bool:
    """Remove the person's pointer (if still ``secret_hash``) and its claim; False if already gone."""
    try:
        table.transact(
            [
                table.tx_delete(keys.calendar_feed(user_id), "secret_hash = :h", {":h": secret_hash}),
                table.tx_delete(keys.calendar_feed_claim(secret_hash)),
            ]
        )
    except TransactionFailed as failed:
        if failed.failed(0):
            return False
        raise
    return True
