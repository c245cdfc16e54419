"""Reminders of the couple's dates: the pure rules (unit-tested). The aggregator, the sender
and the index they read are designed in HANDOFF.md and not written yet.

The plan, on the affirmations' job path (``backend.jobs.affirmations``, ``backend.jobs.slots``):

* **On the day and days before, at the person's reminder time.** Each person has a reminder
  time (default 09:00) in their zone, indexed like the affirmation schedule on gsi3
  (``DATEDUE#{zone}#{HH:MM}``). The quarter-hourly aggregator Queries the due slots of
  :func:`backend.jobs.slots.due_slots` and enqueues (person, local date). The sender looks
  at the days :func:`days_to_look_at` names (today for "on the day", today + 1/3/7/14 for
  "days before"), Queries the couple's dates index for each (:func:`index_prefixes`: the
  yearly month-day, 29 February's on a common year's 28 February, and the one-off date), and
  keeps those whose ``reminders_before`` holds the offset (:func:`wants`).
* **An hour before a date with a time.** :func:`hour_before_slot` names the local quarter
  hour (and its local date) the reminder belongs to; the date carries it as its own gsi3 key
  so the same aggregator finds it.
* **Once.** Each reminder is recorded under ``attribute_not_exists`` with the key of
  :func:`reminder_id` (person, date, occurrence, offset) in the transaction that stores its
  notification: a replayed or redelivered message finds it and does nothing.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from backend.store import keys

OFFSETS: tuple[int, ...] = (0, 1, 3, 7, 14)
HOUR_BEFORE = "hour"


def days_to_look_at(local_date: date) -> list[tuple[int, date]]:
    """(offset, the day a date must fall on) for a reminder run on ``local_date``: on the day
    itself, and 1, 3, 7 and 14 days ahead for dates that asked for it."""
    return [(offset, local_date + timedelta(days=offset)) for offset in OFFSETS]


def index_prefixes(day: date) -> list[str]:
    """The dates-index prefixes holding every date that falls on ``day``: yearly ones by
    month-day (and a yearly 29 February on a common year's 28 February), one-off ones by date."""
    prefixes = [f"{keys.YEARLY_PREFIX}{day:%m-%d}#"]
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        prefixes.append(f"{keys.YEARLY_PREFIX}02-29#")
    prefixes.append(f"{keys.ONCE_PREFIX}{day.isoformat()}#")
    return prefixes


def wants(offset: int, reminders_before: tuple[int, ...] | list[int]) -> bool:
    """Every date reminds on its day; days before only when the date asked for them."""
    return offset == 0 or offset in reminders_before


def hour_before_slot(day: date, at: str) -> tuple[date, str]:
    """The local quarter hour (and its local date) of the reminder an hour before ``at`` on
    ``day``: wall-clock time minus an hour, rounded down to the quarter (never later than an
    hour before). A slot that a DST change skips or repeats is delivered once, at the first
    valid time, by ``due_slots``."""
    hours, minutes = (int(part) for part in at.split(":"))
    wall = datetime(day.year, day.month, day.day, hours, minutes) - timedelta(hours=1)
    wall -= timedelta(minutes=wall.minute % 15)
    return wall.date(), wall.strftime("%H:%M")


def reminder_id(date_id: str, occurrence: date, offset: int | str) -> str:
    """What makes a reminder happen once for a person: the date, its occurrence and the offset
    (days before, or ``hour``)."""
    return f"{date_id}#{occurrence.isoformat()}#{offset}"


__all__ = ["OFFSETS", "days_to_look_at", "hour_before_slot", "index_prefixes", "reminder_id", "wants"]
