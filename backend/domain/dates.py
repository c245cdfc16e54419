"""The couple's important dates: a calendar both partners keep, and a private .ics feed per person.

Either partner adds, edits and deletes a date (a birthday, an anniversary, a date night, a
trip, something else); the other sees it live (a ``date_changed`` message on the couple's
``dates`` topic). A date happens once or every year; a yearly 29 February falls on 28
February in other years. The relationship's own anniversary is not stored as a date: it is
derived from the relationship ("3 years together"), so changing it in one place changes it
everywhere.

Reads are Queries on the dates index (``backend.store.keys``): a month is two, the upcoming
list three ranges that never wrap the year. Everything is read within the caller's own
couple: another couple's ids are a 404.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import re
import secrets
import unicodedata
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend import aws, contracts
from backend.contracts import DATE_YEAR_MAX, DATE_YEAR_MIN, DateChange, DateChangedMessage
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.domain.models import Caller, Relationship, UserProfile
from backend.realtime.publisher import try_publish
from backend.realtime.topics import Channel, couple_topic
from backend.settings import get_settings
from backend.store import dates as store
from backend.store import keys, relationships, users
from backend.store.dates import DateRecord

log = logging.getLogger("lumi.dates")

UPCOMING_DEFAULT = contracts.DATES_UPCOMING_DEFAULT
UPCOMING_MAX = contracts.DATES_UPCOMING_MAX
# A feed secret as issued (secrets.token_urlsafe(32)): anything else is not even looked up.
FEED_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _not_paired() -> Conflict:
    return Conflict("You need a partner to keep dates together.", code="not_paired")


def _missing() -> NotFound:
    return NotFound("We could not find that date.")


# ---------------------------------------------------------------- pure rules


def on_year(day: date, year: int) -> date:
    """A yearly date's day in ``year``: 29 February falls on 28 February in other years."""
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def next_yearly(first: date, today: date) -> date:
    """The first day on or after ``today`` (and not before its first one) a yearly date falls on."""
    if first >= today:
        return first
    this_year = on_year(first, today.year)
    return this_year if this_year >= today else on_year(first, today.year + 1)


def next_occurrence(record: DateRecord, today: date) -> date | None:
    """When a date happens next (today included); None: a one-off date that has passed."""
    if record.repeats == "yearly":
        return next_yearly(record.day, today)
    return record.day if record.day >= today else None


def occurrence_in_month(record: DateRecord, year: int, month: int) -> date | None:
    """The day a date falls on in a month (its index key already matched the month), if any."""
    if record.repeats == "yearly":
        if year < record.day.year or record.day.month != month:
            return None
        return on_year(record.day, year)
    return record.day if (record.day.year, record.day.month) == (year, month) else None


def parse_month(month: str) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month), within the calendar's years."""
    match = re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", month)
    if not match or not DATE_YEAR_MIN <= int(match[1]) <= DATE_YEAR_MAX:
        raise ValidationFailed({"month": f"Give a month as YYYY-MM, between {DATE_YEAR_MIN} and {DATE_YEAR_MAX}."})
    return int(match[1]), int(match[2])


def month_prefixes(year: int, month: int) -> tuple[str, str]:
    """The index prefixes of a month: yearly dates by month (any year), one-off dates by year and month."""
    return f"{keys.YEARLY_PREFIX}{month:02d}-", f"{keys.ONCE_PREFIX}{year:04d}-{month:02d}-"


def upcoming_ranges(today: date) -> list[tuple[str, str]]:
    """The index ranges (BETWEEN, both ends included) that hold the upcoming dates, soonest first:
    yearly ones from today's month-day to 31 December, then from 1 January up to (not including)
    today's month-day (next year's), then one-off ones from today on. No range wraps the year."""
    month_day = today.strftime("%m-%d")
    return [
        (f"{keys.YEARLY_PREFIX}{month_day}", f"{keys.YEARLY_PREFIX}{keys.RANGE_END}"),
        # "YEARLY#12-06" sorts before every "YEARLY#12-06#{id}": today's dates are in the first range only.
        (keys.YEARLY_PREFIX, f"{keys.YEARLY_PREFIX}{month_day}"),
        (f"{keys.ONCE_PREFIX}{today.isoformat()}", f"{keys.ONCE_PREFIX}{keys.RANGE_END}"),
    ]


def years_together_title(years: int) -> str:
    return f"{years} year together" if years == 1 else f"{years} years together"


def clean_title(text: str) -> str:
    text = text.strip()
    if not text or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ValidationFailed({"title": "Use letters, emoji, digits, spaces and punctuation only."})
    return text


def clean_notes(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in text):
        raise ValidationFailed({"notes": "Use letters, emoji, digits, spaces and punctuation only."})
    return text or None


def zone_of(name: str | None) -> str:
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed({"time_zone": "Choose a time zone from the list, like Europe/Paris."}) from error
    return name


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# ---------------------------------------------------------------- the couple


def _couple(caller: Caller) -> tuple[UserProfile, Relationship]:
    """The caller and their relationship, while they are in it (409 ``not_paired`` otherwise)."""
    me = users.require(caller.user_id)
    if not me.relationship_id:
        raise _not_paired()
    relationship = relationships.get_relationship(me.relationship_id)
    if relationship is None or me.user_id not in relationship.partner_ids:
        raise _not_paired()
    return me, relationship


def view(record: DateRecord) -> contracts.CoupleDate:
    return contracts.CoupleDate(
        date_id=record.date_id,
        kind=record.kind,  # type: ignore[arg-type]
        title=record.title,
        date=record.day,
        time=record.time,
        time_zone=record.time_zone,
        notes=record.notes,
        repeats=record.repeats,  # type: ignore[arg-type]
        reminders_before=list(record.reminders_before),
        created_by=record.created_by,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def entry(record: DateRecord, occurs_on: date) -> contracts.CalendarEntry:
    return contracts.CalendarEntry(
        occurs_on=occurs_on,
        kind=record.kind,  # type: ignore[arg-type]
        title=record.title,
        time=record.time,
        years=occurs_on.year - record.day.year if record.repeats == "yearly" else None,
        date_id=record.date_id,
        item=view(record),
    )


def anniversary_entry(anniversary: date, occurs_on: date) -> contracts.CalendarEntry | None:
    years = occurs_on.year - anniversary.year
    if years < 1:
        return None
    return contracts.CalendarEntry(
        occurs_on=occurs_on, kind="anniversary", title=years_together_title(years), years=years
    )


def _order(entries: list[contracts.CalendarEntry]) -> list[contracts.CalendarEntry]:
    return sorted(entries, key=lambda e: (e.occurs_on, e.time or "", e.date_id is not None, e.title))


def publish(relationship_id: str, date_id: str, change: DateChange, by_user_id: str) -> None:
    """Tell the couple's open screens (a courtesy: they re-read from the API)."""
    topic = couple_topic(get_settings().stage, relationship_id, Channel.DATES)
    try_publish(topic, DateChangedMessage(date_id=date_id, change=change, by_user_id=by_user_id))


# ---------------------------------------------------------------- the calendar


def month(caller: Caller, month_text: str) -> contracts.CalendarMonth:
    year, month_number = parse_month(month_text)
    _me, relationship = _couple(caller)
    yearly_prefix, once_prefix = month_prefixes(year, month_number)
    entries: list[contracts.CalendarEntry] = []
    for record in [
        *store.with_index_prefix(relationship.relationship_id, yearly_prefix),
        *store.with_index_prefix(relationship.relationship_id, once_prefix),
    ]:
        occurs_on = occurrence_in_month(record, year, month_number)
        if occurs_on is not None:
            entries.append(entry(record, occurs_on))
    anniversary = relationship.anniversary
    if anniversary is not None and anniversary.month == month_number:
        extra = anniversary_entry(anniversary, on_year(anniversary, year))
        if extra is not None:
            entries.append(extra)
    return contracts.CalendarMonth(month=f"{year:04d}-{month_number:02d}", entries=_order(entries))


def upcoming(caller: Caller, today: date | None, limit: int | None) -> contracts.UpcomingDates:
    _me, relationship = _couple(caller)
    today = today or datetime.now(UTC).date()
    if not DATE_YEAR_MIN <= today.year <= DATE_YEAR_MAX:
        raise ValidationFailed({"from": f"Give a day between {DATE_YEAR_MIN} and {DATE_YEAR_MAX}."})
    size = min(max(1, limit or UPCOMING_DEFAULT), UPCOMING_MAX)
    entries: list[contracts.CalendarEntry] = []
    for low, high in upcoming_ranges(today):
        for record in store.in_index_range(relationship.relationship_id, low, high, size):
            occurs_on = next_occurrence(record, today)
            if occurs_on is not None:
                entries.append(entry(record, occurs_on))
    if relationship.anniversary is not None:
        extra = anniversary_entry(relationship.anniversary, next_yearly(relationship.anniversary, today))
        if extra is None:  # the first anniversary is a year after the day itself
            extra = anniversary_entry(relationship.anniversary, on_year(relationship.anniversary, today.year + 1))
        if extra is not None:
            entries.append(extra)
    return contracts.UpcomingDates(today=today, entries=_order(entries)[:size])


def _fields(body: contracts.CoupleDateCreate) -> dict[str, Any]:
    return {
        "kind": body.kind,
        "title": clean_title(body.title),
        "date": body.date.isoformat(),
        "time": body.time,
        "time_zone": zone_of(body.time_zone) if body.time else None,
        "notes": clean_notes(body.notes),
        "repeats": body.repeats,
        "reminders_before": list(body.reminders_before),
    }


def add(caller: Caller, body: contracts.CoupleDateCreate) -> contracts.CoupleDate:
    me, relationship = _couple(caller)
    record = store.add(relationship.relationship_id, me.user_id, _fields(body), get_settings().dates_max)
    publish(relationship.relationship_id, record.date_id, "created", me.user_id)
    return view(record)


def get(caller: Caller, date_id: str) -> contracts.CoupleDate:
    _me, relationship = _couple(caller)
    record = store.get(relationship.relationship_id, date_id)
    if record is None:
        raise _missing()
    return view(record)


def update(caller: Caller, date_id: str, body: contracts.CoupleDateUpdate) -> contracts.CoupleDate:
    me, relationship = _couple(caller)
    sent = body.model_fields_set
    changes: dict[str, Any] = {}
    for name in ("kind", "title", "date", "repeats", "reminders_before"):
        if name in sent:
            value = getattr(body, name)
            if value is None:
                raise ValidationFailed({name: "This one cannot be empty."})
            changes[name] = value
    if "title" in changes:
        changes["title"] = clean_title(changes["title"])
    if "date" in changes:
        changes["date"] = changes["date"].isoformat()
    if "reminders_before" in changes:
        changes["reminders_before"] = list(changes["reminders_before"])
    if "notes" in sent:
        changes["notes"] = clean_notes(body.notes)
    if "time" in sent:
        changes["time"] = body.time
        if body.time is None:
            changes["time_zone"] = None
    if "time_zone" in sent and body.time_zone is not None:
        changes["time_zone"] = zone_of(body.time_zone)
    if not changes:
        return get(caller, date_id)
    record = store.update(relationship.relationship_id, date_id, changes)
    publish(relationship.relationship_id, date_id, "updated", me.user_id)
    return view(record)


def delete(caller: Caller, date_id: str) -> None:
    me, relationship = _couple(caller)
    store.delete(relationship.relationship_id, date_id)
    publish(relationship.relationship_id, date_id, "deleted", me.user_id)


# ---------------------------------------------------------------- the calendar feed


def feed_url(secret: str) -> str:
    return f"{public_api_base()}/calendar/{secret}.ics"


def public_api_base() -> str:
    """Where calendar apps reach the public API: ``public_api_url``; else the SSM parameter
    ``public_api_url_parameter`` names (AWS: the app's distribution, written by the stack after
    it is made); else ``api_url`` (the local stack, where the API itself is public)."""
    settings = get_settings()
    if settings.public_api_url:
        return settings.public_api_url.rstrip("/")
    if settings.public_api_url_parameter:
        return _parameter_value(settings.public_api_url_parameter).rstrip("/")
    return settings.api_url.rstrip("/")


@cache
def _parameter_value(name: str) -> str:
    return str(aws.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])


def feed(caller: Caller) -> contracts.CalendarFeed:
    """Whether the caller has a feed (its URL cannot be shown again: only its hash is kept)."""
    me, relationship = _couple(caller)
    pointer = store.feed_of(me.user_id)
    if pointer is None or pointer.get("relationship_id") != relationship.relationship_id:
        return contracts.CalendarFeed()
    return contracts.CalendarFeed(active=True, created_at=datetime.fromisoformat(pointer["created_at"]))


def issue_feed(caller: Caller) -> contracts.CalendarFeed:
    """A new secret URL for the caller's feed; the one before (if any) stops working at once."""
    me, relationship = _couple(caller)
    pointer = store.feed_of(me.user_id)
    old_hash = pointer["secret_hash"] if pointer else None
    secret = secrets.token_urlsafe(32)
    at = store.issue(me.user_id, relationship.relationship_id, secret_hash(secret), old_hash)
    return contracts.CalendarFeed(active=True, url=feed_url(secret), created_at=at)


def revoke_feed(caller: Caller) -> None:
    """The caller's feed stops working; doing it again changes nothing."""
    pointer = store.feed_of(caller.user_id)
    if pointer is not None:
        store.revoke(caller.user_id, pointer["secret_hash"])


def feed_owner(secret: str) -> Relationship | None:
    """The relationship a feed secret opens, while its owner is still in it; None for anything else."""
    if not FEED_SECRET_PATTERN.fullmatch(secret):
        return None
    claim = store.claim(secret_hash(secret))
    if claim is None:
        return None
    owner = users.get(claim.user_id)
    if owner is None or owner.relationship_id != claim.relationship_id:
        return None
    relationship = relationships.get_relationship(claim.relationship_id)
    if relationship is None or claim.user_id not in relationship.partner_ids:
        return None
    return relationship


def ics(secret: str) -> bytes | None:
    """The couple's dates as an iCalendar document, for the owner of ``secret``; None: not a feed."""
    from backend.domain import calendar_feed

    relationship = feed_owner(secret)
    if relationship is None:
        return None
    return calendar_feed.render(relationship, store.every(relationship.relationship_id))
