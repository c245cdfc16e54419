"""Reminders of the couple's dates: each person's reminder time, and what the sender does.

* **On the day, and 1, 3, 7 or 14 days before.** At a person's reminder time (a quarter hour
  in their zone, 09:00 until they choose; independent of daily affirmations) the sender looks
  at their couple's dates falling 0-14 days ahead (two or three Queries on the dates index),
  keeps each occurrence whose offset the date asked for (the day itself always), and the
  relationship's anniversary on its day.
* **An hour before a date with a time.** The aggregator finds such dates by their own index
  entry (``DATEHOUR#``) and the sender reminds both partners.
* **Once.** A reminder is recorded per person under ``attribute_not_exists`` with the key
  ``{date_id}#{occurrence}#{offset}`` in a transaction that also checks the person is still in
  the couple; its notification's id follows from that record, so a replayed or redelivered
  message does nothing (or only makes the notification a crash left out).

The app sets the zone of the default time from the browser (``PUT /dates/reminders/zone``);
until some zone is known, no reminder can be placed in anyone's day, so none is sent.
"""

from __future__ import annotations

import calendar as leap
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backend import contracts
from backend.domain import dates as calendar
from backend.domain.models import Caller, Relationship
from backend.domain.notifications import exists as notification_exists
from backend.domain.notifications import notify
from backend.store import date_reminders as store
from backend.store import dates as dates_store
from backend.store import keys, records, relationships, users
from backend.store.dates import DateRecord

log = logging.getLogger("lumi.date_reminders")

DEFAULT_TIME = "09:00"
CATEGORY = "reminders"
KIND = "date_reminder"


# ---------------------------------------------------------------- pure rules

OFFSETS: tuple[int, ...] = (0, 1, 3, 7, 14)
HOUR_BEFORE = "hour"
# How far ahead a run looks: the largest "days before".
AHEAD = max(OFFSETS)


def days_to_look_at(local_date: date) -> list[tuple[int, date]]:
    """(offset, the day a date must fall on) for a reminder run on ``local_date``: on the day
    itself, and 1, 3, 7 and 14 days ahead for dates that asked for it."""
    return [(offset, local_date + timedelta(days=offset)) for offset in OFFSETS]


def index_prefixes(day: date) -> list[str]:
    """The dates-index prefixes holding every date that falls on ``day``: yearly ones by
    month-day (and a yearly 29 February on a common year's 28 February), one-off ones by date."""
    prefixes = [f"{keys.YEARLY_PREFIX}{day:%m-%d}#"]
    if day.month == 2 and day.day == 28 and not leap.isleap(day.year):
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


def occurrence_of_slot(slot_date: date, slot_time: str) -> date:
    """The day a timed date reminded at this local quarter hour happens on: an hour later (its
    time is within the quarter hour that follows, which never crosses another midnight)."""
    hours, minutes = (int(part) for part in slot_time.split(":"))
    return (datetime(slot_date.year, slot_date.month, slot_date.day, hours, minutes) + timedelta(hours=1)).date()


# ---------------------------------------------------------------- the reminder time


def _view(found: store.ReminderTime | None) -> contracts.DateReminderTimeView:
    if found is None:
        return contracts.DateReminderTimeView(local_time=DEFAULT_TIME, time_zone="UTC", chosen=False, set=False)
    return contracts.DateReminderTimeView(
        local_time=found.local_time, time_zone=found.time_zone, chosen=found.chosen, set=True
    )


def reminder_time(caller: Caller) -> contracts.DateReminderTimeView:
    return _view(store.reminder_time(caller.user_id))


def set_time(caller: Caller, body: contracts.DateReminderTime) -> contracts.DateReminderTimeView:
    chosen = store.ReminderTime(caller.user_id, body.local_time, body.time_zone, chosen=True)
    store.put_time(chosen)
    return _view(chosen)


def set_zone(caller: Caller, body: contracts.DateReminderZone) -> contracts.DateReminderTimeView:
    """The app's zone for the default time: written unless the person chose a time (or it is
    already this zone); a person who chose keeps their time and zone."""
    current = store.reminder_time(caller.user_id)
    if current is not None and (current.chosen or current.time_zone == body.time_zone):
        return _view(current)
    default = store.ReminderTime(caller.user_id, DEFAULT_TIME, body.time_zone, chosen=False)
    if store.put_time(default, only_if_not_chosen=True):
        return _view(default)
    return _view(store.reminder_time(caller.user_id))


# ---------------------------------------------------------------- what falls when


@dataclass(frozen=True)
class Due:
    """One reminder to give: a date's occurrence (or the anniversary's) and how far ahead it is."""

    reminder_id: str
    occurrence: date
    offset: int | str  # days before, or "hour"
    title: str
    body: str
    record: DateRecord | None = None


def falls_on(record: DateRecord, day: date) -> bool:
    """Whether a date happens on ``day`` (a yearly 29 February on a common year's 28 February)."""
    if record.repeats == "yearly":
        return day >= record.day and calendar.on_year(record.day, day.year) == day
    return record.day == day


def _when(offset: int | str, occurrence: date, at: str | None) -> tuple[str, str]:
    """(a prefix for the title, the body's words) of a reminder."""
    day_words = f"{occurrence:%A} {occurrence.day} {occurrence:%B}"
    time_words = f" at {at}" if at else ""
    if offset == HOUR_BEFORE:
        return "In an hour", f"Today{time_words}"
    if offset == 0:
        return "Today", f"{day_words}{time_words}" if at else f"{day_words}, all day"
    if offset == 1:
        return "Tomorrow", f"{day_words}{time_words}"
    return f"In {offset} days", f"{day_words}{time_words}"


def _years(record: DateRecord, occurrence: date) -> str:
    if record.repeats != "yearly":
        return ""
    years = occurrence.year - record.day.year
    if years <= 0:
        return ""
    if record.kind == "birthday":
        return f" · turns {years}"
    return f" · {years} year{'s' if years != 1 else ''}"


def due_of(record: DateRecord, occurrence: date, offset: int | str) -> Due:
    prefix, body = _when(offset, occurrence, record.time)
    # An hour before: once per time too, so a date moved to a later hour reminds again then.
    once = f"{offset}@{record.time}" if offset == HOUR_BEFORE else offset
    return Due(
        reminder_id=reminder_id(record.date_id, occurrence, once),
        occurrence=occurrence,
        offset=offset,
        title=f"{prefix}: {record.title}",
        body=body + _years(record, occurrence),
        record=record,
    )


def anniversary_due(relationship: Relationship, local_date: date) -> Due | None:
    """The relationship's anniversary on its day (from the first one on)."""
    anniversary = relationship.anniversary
    if anniversary is None or calendar.on_year(anniversary, local_date.year) != local_date:
        return None
    years = local_date.year - anniversary.year
    if years < 1:
        return None
    return Due(
        reminder_id=reminder_id(f"anniversary-{relationship.relationship_id}", local_date, 0),
        occurrence=local_date,
        offset=0,
        title="Happy anniversary",
        body=f"Today: {calendar.years_together_title(years)}",
    )


def ranges_ahead(local_date: date) -> list[tuple[str, str]]:
    """The dates-index ranges holding every date that falls 0-14 days after ``local_date``: one
    for one-off dates, one or two (across 31 December) for yearly ones; a yearly 29 February is
    in the range whenever 28 February of a common year is."""
    last = local_date + timedelta(days=AHEAD)
    end = keys.RANGE_END
    ranges = [(f"{keys.ONCE_PREFIX}{local_date.isoformat()}", f"{keys.ONCE_PREFIX}{last.isoformat()}#{end}")]
    low, high = f"{local_date:%m-%d}", f"{last:%m-%d}"
    if high == "02-28":  # a yearly 29 February falls on 28 February in common years
        high = "02-29"
    if low <= high:
        ranges.append((f"{keys.YEARLY_PREFIX}{low}", f"{keys.YEARLY_PREFIX}{high}#{end}"))
    else:  # across the new year
        ranges.append((f"{keys.YEARLY_PREFIX}{low}", f"{keys.YEARLY_PREFIX}{end}"))
        ranges.append((f"{keys.YEARLY_PREFIX}", f"{keys.YEARLY_PREFIX}{high}#{end}"))
    return ranges


def dues_for(records_ahead: list[DateRecord], local_date: date) -> list[Due]:
    """Every reminder a person is due on ``local_date`` from these dates (pure)."""
    found: list[Due] = []
    for record in records_ahead:
        for offset in OFFSETS:
            day = local_date + timedelta(days=offset)
            if falls_on(record, day) and wants(offset, record.reminders_before):
                found.append(due_of(record, day, offset))
    return found


# ---------------------------------------------------------------- the sender's work


def _give(user_id: str, relationship_id: str, due: Due) -> str:
    """Record a reminder once and notify; a replay only makes a notification a crash left out."""
    at = records.now()
    about = {"title": due.title, "body": due.body}
    if store.record(user_id, relationship_id, due.reminder_id, due.occurrence.isoformat(), at, about):
        _notify(user_id, relationship_id, due, at)
        return "reminded"
    earlier = store.reminded(user_id, due.reminder_id)
    if earlier is None:  # not recorded: the person left the couple
        return "unpaired"
    when = datetime.fromisoformat(earlier["reminded_at"])
    notification_id, _ = _identity(user_id, due.reminder_id, when)
    if notification_exists(user_id, notification_id):
        return "already"
    _notify(user_id, relationship_id, due, when)
    return "notified late"


def _identity(user_id: str, reminder: str, at: datetime) -> tuple[str, datetime]:
    return records.derived_time_ordered_id(at, f"{user_id}#date#{reminder}"), at


def _notify(user_id: str, relationship_id: str, due: Due, at: datetime) -> None:
    notify(
        user_id,
        category=CATEGORY,
        kind=KIND,
        title=due.title,
        body=due.body,
        link=f"/dates?day={due.occurrence.isoformat()}",
        relationship_id=relationship_id,
        identity=_identity(user_id, due.reminder_id, at),
    )


def remind_person(user_id: str, local_date: date) -> Counter[str]:
    """A person's reminders for their local date: profile, relationship, 2-3 Queries, then one
    transaction (and a notification) per reminder."""
    outcomes: Counter[str] = Counter()
    me = users.get(user_id)
    if me is None or not me.relationship_id:
        outcomes["unpaired"] += 1
        return outcomes
    relationship = relationships.get_relationship(me.relationship_id)
    if relationship is None or user_id not in relationship.partner_ids:
        outcomes["unpaired"] += 1
        return outcomes
    ahead: dict[str, DateRecord] = {}
    for low, high in ranges_ahead(local_date):
        for record in dates_store.in_index_range(relationship.relationship_id, low, high, limit=100_000):
            ahead[record.date_id] = record
    dues = dues_for(list(ahead.values()), local_date)
    anniversary = anniversary_due(relationship, local_date)
    if anniversary is not None:
        dues.append(anniversary)
    for due in dues:
        outcomes[_give(user_id, relationship.relationship_id, due)] += 1
    if not dues:
        outcomes["nothing due"] += 1
    return outcomes


def remind_hour_before(relationship_id: str, date_id: str, occurrence: date) -> Counter[str]:
    """Both partners, an hour before a timed date: read again (strongly), in case it changed
    since the index was read."""
    outcomes: Counter[str] = Counter()
    record = dates_store.get(relationship_id, date_id)
    if record is None or record.time is None or not falls_on(record, occurrence):
        outcomes["gone or moved"] += 1
        return outcomes
    relationship = relationships.get_relationship(relationship_id)
    if relationship is None:
        outcomes["unpaired"] += 1
        return outcomes
    due = due_of(record, occurrence, HOUR_BEFORE)
    for partner_id in relationship.partner_ids:
        outcomes[_give(partner_id, relationship_id, due)] += 1
    return outcomes


__all__ = [
    "Due",
    "anniversary_due",
    "dues_for",
    "falls_on",
    "ranges_ahead",
    "remind_hour_before",
    "remind_person",
    "reminder_time",
    "set_time",
    "set_zone",
]
