"""The couple's dates: yearly and leap-day rules, month and upcoming ranges across the year
boundary (checked against the keys' own sort order), and the .ics feed's events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from backend.contracts import CoupleDateCreate
from backend.domain.calendar_feed import render, yearly_rule
from backend.domain.dates import (
    FEED_SECRET_PATTERN,
    month_prefixes,
    next_occurrence,
    next_yearly,
    occurrence_in_month,
    on_year,
    parse_month,
    upcoming_ranges,
)
from backend.domain.errors import ValidationFailed
from backend.domain.models import Relationship
from backend.store import keys
from backend.store.dates import DateRecord

CREATED = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def record(
    day: str, repeats: str = "yearly", date_id: str = "d1", time: str | None = None, zone: str | None = None, **more
) -> DateRecord:
    fields = {
        "date_id": date_id,
        "relationship_id": "r1",
        "kind": "birthday",
        "title": "Ana's birthday",
        "day": date.fromisoformat(day),
        "time": time,
        "time_zone": zone,
        "notes": None,
        "repeats": repeats,
        "reminders_before": (),
        "created_by": "u1",
        "created_at": CREATED,
        "updated_at": None,
    }
    fields.update(more)
    return DateRecord(**fields)


# ---------------------------------------------------------------- yearly and leap-day rules


@pytest.mark.parametrize(
    ("first", "year", "expected"),
    [
        ("2000-02-29", 2027, "2027-02-28"),  # not a leap year
        ("2000-02-29", 2028, "2028-02-29"),  # a leap year
        ("2000-02-29", 2100, "2100-02-28"),  # divisible by 100: not a leap year
        ("2000-02-29", 2400, "2400-02-29"),  # divisible by 400: a leap year
        ("1990-12-31", 2026, "2026-12-31"),
        ("1990-01-01", 2027, "2027-01-01"),
    ],
)
def test_a_yearly_date_falls_on_its_day_and_29_february_on_28_february_in_other_years(
    first: str, year: int, expected: str
) -> None:
    assert on_year(date.fromisoformat(first), year) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("first", "today", "expected"),
    [
        ("1990-06-14", "2026-06-14", "2026-06-14"),  # today counts
        ("1990-06-14", "2026-06-15", "2027-06-14"),
        ("1990-01-02", "2026-12-31", "2027-01-02"),  # December → January
        ("2000-02-29", "2027-02-28", "2027-02-28"),
        ("2000-02-29", "2027-03-01", "2028-02-29"),
        ("2000-02-29", "2028-02-29", "2028-02-29"),
        ("2030-05-01", "2026-12-01", "2030-05-01"),  # not before its first day
    ],
)
def test_the_next_occurrence_of_a_yearly_date(first: str, today: str, expected: str) -> None:
    assert next_yearly(date.fromisoformat(first), date.fromisoformat(today)) == date.fromisoformat(expected)


def test_a_one_off_date_happens_once_and_is_gone_after() -> None:
    once = record("2026-12-24", repeats="once")
    assert next_occurrence(once, date(2026, 12, 24)) == date(2026, 12, 24)
    assert next_occurrence(once, date(2026, 12, 25)) is None
    assert occurrence_in_month(once, 2026, 12) == date(2026, 12, 24)
    assert occurrence_in_month(once, 2027, 12) is None


def test_a_yearly_date_shows_in_its_month_from_its_first_year_on() -> None:
    leap = record("2024-02-29")
    assert occurrence_in_month(leap, 2025, 2) == date(2025, 2, 28)
    assert occurrence_in_month(leap, 2028, 2) == date(2028, 2, 29)
    assert occurrence_in_month(leap, 2023, 2) is None
    assert occurrence_in_month(leap, 2025, 3) is None


# ---------------------------------------------------------------- month and upcoming ranges


def index_key(day: str, repeats: str, date_id: str) -> str:
    return keys.date_index_sort_key(repeats, day, date_id)


# A couple's index, every day of a year boundary and a leap day, both kinds.
INDEX = sorted(
    [
        index_key("1990-12-31", "yearly", "nye"),
        index_key("1990-01-01", "yearly", "nyd"),
        index_key("1990-01-15", "yearly", "jan"),
        index_key("2000-02-29", "yearly", "leap"),
        index_key("1990-11-30", "yearly", "nov"),
        index_key("1990-12-06", "yearly", "today"),
        index_key("2026-12-31", "once", "party"),
        index_key("2027-01-01", "once", "brunch"),
        index_key("2026-12-05", "once", "past"),
        index_key("2027-12-01", "once", "later"),
    ]
)


def between(low: str, high: str) -> list[str]:
    """What a Query with BETWEEN finds, in key order."""
    return [key.rsplit("#", 1)[1] for key in INDEX if low <= key <= high]


def prefixed(prefix: str) -> list[str]:
    return [key.rsplit("#", 1)[1] for key in INDEX if key.startswith(prefix)]


def test_a_month_is_two_prefixes_and_december_and_january_stay_in_their_own_year() -> None:
    december_yearly, december_once = month_prefixes(2026, 12)
    assert (december_yearly, december_once) == ("YEARLY#12-", "ONCE#2026-12-")
    assert prefixed(december_yearly) == ["today", "nye"]
    assert prefixed(december_once) == ["past", "party"]
    january_yearly, january_once = month_prefixes(2027, 1)
    assert prefixed(january_yearly) == ["nyd", "jan"]
    assert prefixed(january_once) == ["brunch"]
    assert prefixed(month_prefixes(2027, 2)[0]) == ["leap"]


def test_upcoming_ranges_go_round_the_year_without_wrapping_a_range() -> None:
    # given today is 6 December
    ranges = upcoming_ranges(date(2026, 12, 6))
    assert all(low <= high for low, high in ranges)
    found = [between(low, high) for low, high in ranges]
    # then: this December's yearly dates (today's included), then January to November's, then
    # one-off dates from today on; each date exactly once
    assert found == [["today", "nye"], ["nyd", "jan", "leap", "nov"], ["party", "brunch", "later"]]


def test_upcoming_on_the_last_and_first_day_of_the_year() -> None:
    assert [between(*r) for r in upcoming_ranges(date(2026, 12, 31))][:2] == [
        ["nye"],
        ["nyd", "jan", "leap", "nov", "today"],
    ]
    assert [between(*r) for r in upcoming_ranges(date(2027, 1, 1))][:2] == [
        ["nyd", "jan", "leap", "nov", "today", "nye"],
        [],
    ]


def test_upcoming_on_28_february_of_a_common_year_includes_the_leap_day_date() -> None:
    first, wrap, _ = upcoming_ranges(date(2027, 2, 28))
    assert "leap" in between(*first) and "leap" not in between(*wrap)
    assert next_occurrence(record("2000-02-29"), date(2027, 2, 28)) == date(2027, 2, 28)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-12", "1899-12", "2201-01", "2026-1", "2026-12-01"])
def test_a_month_is_checked(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_month(text)


def test_a_month_parses() -> None:
    assert parse_month("2026-12") == (2026, 12)
    assert parse_month("2027-01") == (2027, 1)


# ---------------------------------------------------------------- the request


def test_reminders_before_are_a_set_of_the_allowed_days() -> None:
    body = CoupleDateCreate(kind="trip", title=" Lisbon ", date=date(2027, 5, 1), reminders_before=[14, 1, 14])
    assert body.title == "Lisbon" and body.reminders_before == [1, 14]
    with pytest.raises(ValueError):
        CoupleDateCreate(kind="trip", title="x", date=date(2027, 5, 1), reminders_before=[2])
    with pytest.raises(ValueError):
        CoupleDateCreate(kind="trip", title="x" * 91, date=date(2027, 5, 1))
    with pytest.raises(ValueError):
        CoupleDateCreate(kind="trip", title="x", date=date(2027, 5, 1), time="24:00")


# ---------------------------------------------------------------- the .ics feed


def parsed(records: list[DateRecord], anniversary: date | None = None) -> Calendar:
    relationship = Relationship("r1", ("u1", "u2"), datetime(2020, 1, 1, tzinfo=UTC), anniversary)
    return Calendar.from_ical(render(relationship, records))


def events_by_uid(cal: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def test_the_feed_names_itself_and_says_how_often_to_fetch_it() -> None:
    cal = parsed([])
    assert str(cal["PRODID"]) == "-//Lumi//Our dates//EN"
    assert str(cal["VERSION"]) == "2.0" and str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Lumi: our dates"
    assert str(cal["X-PUBLISHED-TTL"]) == "PT6H"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in cal.to_ical().decode()
    assert cal.walk("VEVENT") == []


def test_each_date_is_one_event_with_its_repeat_rule() -> None:
    cal = parsed(
        [
            record("1990-06-14", date_id="bday", notes="Cake!"),
            record("2000-02-29", date_id="leap"),
            record("2026-12-24", repeats="once", date_id="eve", kind="date_night", time="19:30", zone="Europe/Paris"),
        ],
        anniversary=date(2021, 3, 5),
    )
    events = events_by_uid(cal)
    assert set(events) == {"bday@lumi", "leap@lumi", "eve@lumi", "anniversary-r1@lumi"}
    bday = events["bday@lumi"]
    assert bday.decoded("DTSTART") == date(1990, 6, 14)  # all day: a DATE
    assert bday.decoded("DTEND") == date(1990, 6, 15)
    assert dict(bday["RRULE"]) == {"FREQ": ["YEARLY"]}
    assert str(bday["DESCRIPTION"]) == "Cake!"
    assert bday["CATEGORIES"].cats == ["Birthday"]
    leap = events["leap@lumi"]
    assert dict(leap["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [2], "BYMONTHDAY": [-1]}
    eve = events["eve@lumi"]
    start = eve.decoded("DTSTART")
    assert start == datetime(2026, 12, 24, 19, 30, tzinfo=start.tzinfo) and str(start.tzinfo) == "Europe/Paris"
    assert eve["DTSTART"].params["TZID"] == "Europe/Paris"
    assert "RRULE" not in eve
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert str(events["anniversary-r1@lumi"]["SUMMARY"]) == "Our anniversary"


def test_the_29_february_rule_lands_on_february_s_last_day() -> None:
    assert yearly_rule(date(2000, 2, 29)) == {"FREQ": "YEARLY", "BYMONTH": 2, "BYMONTHDAY": -1}
    assert yearly_rule(date(2000, 2, 28)) == {"FREQ": "YEARLY"}


def test_feed_secrets_look_like_what_is_issued() -> None:
    import secrets

    assert FEED_SECRET_PATTERN.fullmatch(secrets.token_urlsafe(32))
    assert not FEED_SECRET_PATTERN.fullmatch("short")
    assert not FEED_SECRET_PATTERN.fullmatch("a" * 42 + "/")
