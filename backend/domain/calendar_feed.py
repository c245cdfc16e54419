"""The couple's dates as an iCalendar (RFC 5545) document, made with the ``icalendar`` library.

What a calendar app (Google, Apple, Outlook) gets when it subscribes to a person's feed URL:

* ``VCALENDAR`` with ``PRODID``, ``VERSION:2.0``, ``CALSCALE:GREGORIAN``, ``METHOD:PUBLISH``,
  ``X-WR-CALNAME`` (the calendar's name in the app), ``X-WR-CALDESC``, and how often to fetch
  it again: ``REFRESH-INTERVAL;VALUE=DURATION:PT6H`` (RFC 7986) and ``X-PUBLISHED-TTL:PT6H``
  (the same for Apple and Outlook).
* One ``VEVENT`` per date: ``UID`` ``{date_id}@lumi`` (stable across edits, so an app updates
  the event instead of adding one), ``DTSTAMP``/``LAST-MODIFIED``, ``SUMMARY`` (the title),
  ``DESCRIPTION`` (the notes), ``CATEGORIES`` (the kind, in words).
  - Without a time: an all-day event, ``DTSTART;VALUE=DATE`` and ``DTEND;VALUE=DATE`` the day after.
  - With a time: ``DTSTART;TZID={zone}`` and ``DTEND`` an hour later, with the zone's
    ``VTIMEZONE`` (added by the library), or plain UTC (``Z``) for UTC.
  - Yearly: ``RRULE:FREQ=YEARLY``; a 29 February date: ``RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1``
    (the last day of February: the 29th in leap years, the 28th in others, exactly the
    calendar's own rule), starting on the 29 February it was first.
* The relationship's anniversary, when set, as one more yearly all-day event
  (``UID`` ``anniversary-{relationship_id}@lumi``, "Our anniversary").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from backend.domain.models import Relationship
from backend.store.dates import DateRecord

PRODID = "-//Lumi//Our dates//EN"
CALENDAR_NAME = "Lumi: our dates"
REFRESH = timedelta(hours=6)
TIMED_LENGTH = timedelta(hours=1)
KIND_LABELS = {
    "birthday": "Birthday",
    "anniversary": "Anniversary",
    "date_night": "Date night",
    "trip": "Trip",
    "other": "Other",
}


def yearly_rule(first: date) -> dict[str, object]:
    """The RRULE of a yearly date: every year on its day; 29 February on February's last day."""
    if first.month == 2 and first.day == 29:
        return {"FREQ": "YEARLY", "BYMONTH": 2, "BYMONTHDAY": -1}
    return {"FREQ": "YEARLY"}


def _all_day(event: Event, day: date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))


def _timed(event: Event, day: date, at: str, zone: str | None) -> None:
    hours, minutes = (int(part) for part in at.split(":"))
    tz = UTC if zone in (None, "UTC") else ZoneInfo(zone)
    start = datetime.combine(day, time(hours, minutes), tzinfo=tz)
    event.add("dtstart", start)
    event.add("dtend", start + TIMED_LENGTH)


def date_event(record: DateRecord) -> Event:
    event = Event()
    event.add("uid", f"{record.date_id}@lumi")
    stamp = record.updated_at or record.created_at
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", stamp.astimezone(UTC))
    event.add("summary", record.title)
    if record.time:
        _timed(event, record.day, record.time, record.time_zone)
    else:
        _all_day(event, record.day)
    if record.repeats == "yearly":
        event.add("rrule", yearly_rule(record.day))
    if record.notes:
        event.add("description", record.notes)
    event.add("categories", [KIND_LABELS.get(record.kind, "Other")])
    event.add("transp", "TRANSPARENT")
    return event


def anniversary_event(relationship: Relationship, anniversary: date) -> Event:
    event = Event()
    event.add("uid", f"anniversary-{relationship.relationship_id}@lumi")
    event.add("dtstamp", relationship.since.astimezone(UTC))
    event.add("summary", "Our anniversary")
    _all_day(event, anniversary)
    event.add("rrule", yearly_rule(anniversary))
    event.add("categories", [KIND_LABELS["anniversary"]])
    event.add("transp", "TRANSPARENT")
    return event


def render(relationship: Relationship, records: list[DateRecord]) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", CALENDAR_NAME)
    cal.add("x-wr-caldesc", "The dates you keep together in Lumi.")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    if relationship.anniversary is not None:
        cal.add_component(anniversary_event(relationship, relationship.anniversary))
    for record in sorted(records, key=lambda r: (r.day, r.time or "", r.date_id)):
        cal.add_component(date_event(record))
    cal.add_missing_timezones()
    return cal.to_ical()
