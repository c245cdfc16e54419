"""Reminders of the couple's dates: which days a run looks at, which index keys hold them
(29 February included), the hour-before slot, and reminder times across DST changes."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.domain.date_reminders import (
    days_to_look_at,
    dues_for,
    falls_on,
    hour_before_slot,
    index_prefixes,
    occurrence_of_slot,
    ranges_ahead,
    reminder_id,
    wants,
)
from backend.jobs.slots import QUARTER, due_slots
from backend.store import keys
from backend.store.dates import DateRecord, hour_before


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


# ---------------------------------------------------------------- what the sender reads and keeps


def _record(day: str, repeats: str = "once", before: tuple[int, ...] = (), at: str | None = None) -> DateRecord:
    return DateRecord(
        date_id=f"d-{day}-{repeats}-{at}",
        relationship_id="r",
        kind="other",
        title="T",
        day=date.fromisoformat(day),
        time=at,
        time_zone="Europe/Paris" if at else None,
        notes=None,
        repeats=repeats,
        reminders_before=before,
        created_by="u",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=None,
    )


def _in_ranges(record: DateRecord, ranges: list[tuple[str, str]]) -> bool:
    key = keys.date_index_sort_key(record.repeats, record.day.isoformat(), record.date_id)
    return any(low <= key <= high for low, high in ranges)


@pytest.mark.parametrize("start", ["2026-12-06", "2026-12-20", "2026-12-31", "2027-02-14", "2027-02-27", "2028-02-20"])
def test_the_ranges_a_person_s_run_reads_hold_every_date_it_reminds_of(start: str) -> None:
    # every date on each of the 40 days around the run, once and yearly, 29 February included
    today = date.fromisoformat(start)
    ranges = ranges_ahead(today)
    assert len(ranges) <= 3
    candidates = [
        _record((today + timedelta(days=n)).isoformat(), repeats, (1, 3, 7, 14))
        for n in range(-5, 35)
        for repeats in ("once", "yearly")
    ]
    candidates += [_record("2024-02-29", "yearly", (1, 3, 7, 14)), _record("2000-02-29", "yearly", (1,))]
    # (yearly ones began in 2000, a leap year, so each day of the year exists)
    candidates = [r if r.repeats == "once" else replace(r, day=r.day.replace(year=2000)) for r in candidates]
    due = dues_for(candidates, today)
    assert len(due) >= 10
    for reminder in due:
        assert reminder.record is not None and _in_ranges(reminder.record, ranges), reminder
    # and a date reminds exactly on the offsets it asked for
    for reminder in due:
        assert (reminder.occurrence - today).days == reminder.offset


def test_a_yearly_29_february_is_due_on_28_february_of_a_common_year_only() -> None:
    leap = _record("2000-02-29", "yearly")
    assert falls_on(leap, date(2027, 2, 28)) and not falls_on(leap, date(2028, 2, 28))
    assert falls_on(leap, date(2028, 2, 29)) and not falls_on(leap, date(1999, 2, 28))  # not before it began
    assert [(d.offset, d.occurrence) for d in dues_for([leap], date(2027, 2, 28))] == [(0, date(2027, 2, 28))]


def test_days_before_are_reminded_only_when_the_date_asked_for_them() -> None:
    asked = _record("2027-01-03", "once", (7,))
    quiet = _record("2027-01-03", "once")
    assert [d.title for d in dues_for([asked, quiet], date(2026, 12, 27))] == ["In 7 days: T"]
    assert len(dues_for([asked, quiet], date(2027, 1, 3))) == 2


@pytest.mark.parametrize("day", ["2026-12-06", "2027-01-01", "2028-02-29"])
def test_the_hour_index_and_the_aggregator_agree_on_every_time_of_day(day: str) -> None:
    # the gsi3 slot a timed date is stored under, and the day the aggregator reads at that slot
    the_day = date.fromisoformat(day)
    for minutes in range(0, 24 * 60, 5):
        at = f"{minutes // 60:02d}:{minutes % 60:02d}"
        slot_day, slot_time = hour_before_slot(the_day, at)
        assert hour_before(at) == slot_time
        assert occurrence_of_slot(slot_day, slot_time) == the_day, at
