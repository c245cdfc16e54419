"""Reminders of the couple's dates: which days a run looks at, which index keys hold them
(29 February included), the hour-before slot, and reminder times across DST changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.jobs.date_reminders import days_to_look_at, hour_before_slot, index_prefixes, reminder_id, wants
from backend.jobs.slots import QUARTER, due_slots
from backend.store import keys


def test_a_run_looks_at_the_day_and_1_3_7_14_days_ahead_across_the_year() -> None:
    assert days_to_look_at(date(2026, 12, 25)) == [
        (0, date(2026, 12, 25)),
        (1, date(2026, 12, 26)),
        (3, date(2026, 12, 28)),
        (7, date(2027, 1, 1)),
        (14, date(2027, 1, 8)),
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-02-28", ["YEARLY#02-28#", "YEARLY#02-29#", "ONCE#2027-02-28#"]),  # a common year
        ("2028-02-28", ["YEARLY#02-28#", "ONCE#2028-02-28#"]),
        ("2028-02-29", ["YEARLY#02-29#", "ONCE#2028-02-29#"]),
        ("2027-01-01", ["YEARLY#01-01#", "ONCE#2027-01-01#"]),
    ],
)
def test_the_index_prefixes_of_a_day(day: str, expected: list[str]) -> None:
    assert index_prefixes(date.fromisoformat(day)) == expected
    # and each really is the start of the keys a date on that day gets
    the_day = date.fromisoformat(day)
    assert keys.date_index_sort_key("once", day, "x").startswith(expected[-1])
    assert keys.date_index_sort_key("yearly", f"1990-{the_day:%m-%d}", "x").startswith(expected[0])


def test_days_before_only_when_asked_for() -> None:
    assert wants(0, ())
    assert wants(3, (3, 14)) and not wants(7, (3, 14))


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        ("2026-12-24", "19:30", ("2026-12-24", "18:30")),
        ("2026-12-24", "19:40", ("2026-12-24", "18:30")),  # never later than an hour before
        ("2027-01-01", "00:30", ("2026-12-31", "23:30")),  # the day before, the year before
        ("2028-03-01", "00:05", ("2028-02-29", "23:00")),
    ],
)
def test_the_hour_before_slot(day: str, at: str, expected: tuple[str, str]) -> None:
    slot_day, slot_time = hour_before_slot(date.fromisoformat(day), at)
    assert (slot_day.isoformat(), slot_time) == expected


def test_a_reminder_is_once_per_date_occurrence_and_offset() -> None:
    ids = {
        reminder_id("d1", date(2026, 12, 24), 0),
        reminder_id("d1", date(2026, 12, 24), 3),
        reminder_id("d1", date(2027, 12, 24), 0),
        reminder_id("d1", date(2026, 12, 24), "hour"),
    }
    assert len(ids) == 4


def runs_on(zone: str, local_time: str, first: datetime, hours: int) -> Counter[date]:
    """How often the quarter-hourly cron delivers ``local_time`` per local date, over ``hours``."""
    delivered: Counter[date] = Counter()
    instant = first
    while instant < first + timedelta(hours=hours):
        for slot in due_slots(instant, zone):
            if slot.local_time == local_time:
                delivered[slot.local_date] += 1
        instant += QUARTER
    return delivered


@pytest.mark.parametrize(
    ("zone", "local_time", "start"),
    [
        ("Europe/Paris", "02:30", "2027-03-27T00:00"),  # 28 March 2027: 02:00 → 03:00, 02:30 does not exist
        ("Europe/Paris", "02:30", "2027-10-30T00:00"),  # 31 October 2027: 03:00 → 02:00, 02:30 happens twice
        ("America/New_York", "09:00", "2027-03-13T00:00"),
        ("Australia/Lord_Howe", "02:00", "2027-04-03T00:00"),  # a half-hour DST change
    ],
)
def test_a_reminder_time_comes_once_a_day_across_dst_changes(zone: str, local_time: str, start: str) -> None:
    delivered = runs_on(zone, local_time, datetime.fromisoformat(start).replace(tzinfo=UTC), hours=72)
    assert delivered and set(delivered.values()) == {1}, delivered
    assert len(delivered) >= 2
