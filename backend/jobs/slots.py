"""Which local quarter hours are due at a UTC instant, in a time zone (pure; unit-tested).

The cron runs every 15 minutes (UTC). A run at instant ``t`` delivers, in each zone, the
quarter hours ``s`` of local wall-clock time with ``wall(t - 15 min) < s <= wall(t)``:

* spring forward (Paris, 02:00 → 03:00): the 03:00 run sees the wall clock jump from 01:45 to
  03:00 and picks up 02:00, 02:15, 02:30, 02:45 and 03:00, so a slot that does not exist
  that day delivers at the first valid local time after it;
* fall back (Paris, 03:00 → 02:00): the second pass through 02:00–02:45 (``fold=1``) yields
  nothing, so a slot that happens twice delivers once (at its first occurrence);
* the local date of a slot is the date of that wall-clock time, so zones far from UTC
  (Pacific/Kiritimati at UTC+14, Pacific/Pago_Pago at UTC-11) get their own date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

QUARTER = timedelta(minutes=15)
# How far ahead to look for a next delivery: two days and a bit covers any DST change.
_HORIZON = timedelta(hours=50)


@dataclass(frozen=True, order=True)
class DueSlot:
    local_date: date
    local_time: str  # "HH:MM"


def floor_quarter(instant: datetime) -> datetime:
    """The quarter hour (UTC) an instant falls in: the cron's own instant."""
    instant = instant.astimezone(UTC)
    return instant.replace(minute=instant.minute - instant.minute % 15, second=0, microsecond=0)


def _repeated(wall: datetime) -> bool:
    """A wall-clock time in the second pass of a fall-back hour."""
    if not wall.fold:
        return False
    return wall.replace(fold=0).utcoffset() != wall.utcoffset()


def due_slots(instant: datetime, zone: str) -> list[DueSlot]:
    """The local quarter hours (with their local dates) a run at ``instant`` delivers in ``zone``."""
    tz = ZoneInfo(zone)
    now = instant.astimezone(tz)
    if _repeated(now):
        return []
    before = (instant - QUARTER).astimezone(tz)
    wall, prev = now.replace(tzinfo=None, fold=0), before.replace(tzinfo=None, fold=0)
    if wall <= prev:
        return []
    # The first quarter hour strictly after the previous wall-clock time.
    slot = prev.replace(second=0, microsecond=0) - timedelta(minutes=prev.minute % 15)
    slot += QUARTER
    found: list[DueSlot] = []
    while slot <= wall:
        found.append(DueSlot(slot.date(), slot.strftime("%H:%M")))
        slot += QUARTER
    return found


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def next_delivery(local_time: str, zone: str, after: datetime, first_date: date | None = None) -> datetime | None:
    """The first run (UTC) after ``after`` that delivers ``local_time`` in ``zone``, on or
    after the local date ``first_date``: exactly what :func:`due_slots` will do."""
    start = floor_quarter(after)
    if start <= after:
        start += QUARTER
    instant = start
    while instant - start <= _HORIZON:
        for slot in due_slots(instant, zone):
            if slot.local_time == local_time and (first_date is None or slot.local_date >= first_date):
                return instant
        instant += QUARTER
    return None


__all__ = ["QUARTER", "DueSlot", "due_slots", "floor_quarter", "local_date", "next_delivery"]
