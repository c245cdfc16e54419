"""Due slots: local quarter hours and dates across DST changes and the date line."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.jobs.slots import QUARTER, DueSlot, due_slots, floor_quarter, next_delivery


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def slots_at(text: str, zone: str) -> list[tuple[str, str]]:
    return [(slot.local_date.isoformat(), slot.local_time) for slot in due_slots(at(text), zone)]


ALL_QUARTERS = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)]


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/Paris", "2026-03-29"),  # spring forward: 02:00 → 03:00
        ("Europe/Paris", "2026-10-25"),  # fall back: 03:00 → 02:00
        ("America/New_York", "2026-03-08"),
        ("America/New_York", "2026-11-01"),
        ("Pacific/Kiritimati", "2026-12-06"),
        ("Pacific/Pago_Pago", "2026-12-06"),
        ("Asia/Kathmandu", "2026-12-06"),  # UTC+5:45
        ("Australia/Lord_Howe", "2026-10-04"),  # a half-hour DST change
        ("UTC", "2026-12-06"),
    ],
)
def test_every_local_quarter_hour_of_a_day_is_due_exactly_once(zone: str, day: str) -> None:
    local_day = date.fromisoformat(day)
    start = at(f"{day}T00:00") - timedelta(days=2)
    seen: Counter[str] = Counter()
    for n in range(4 * 24 * 4):
        for slot in due_slots(start + n * QUARTER, zone):
            if slot.local_date == local_day:
                seen[slot.local_time] += 1
    assert sorted(seen) == ALL_QUARTERS
    assert set(seen.values()) == {1}


def test_spring_forward_delivers_the_missing_slots_at_the_first_valid_time() -> None:
    # Paris, 2026-03-29: at 01:00 UTC the wall clock jumps from 01:45 (CET) to 03:00 (CEST).
    assert slots_at("2026-03-29T00:45", "Europe/Paris") == [("2026-03-29", "01:45")]
    assert slots_at("2026-03-29T01:00", "Europe/Paris") == [
        ("2026-03-29", "02:00"),
        ("2026-03-29", "02:15"),
        ("2026-03-29", "02:30"),
        ("2026-03-29", "02:45"),
        ("2026-03-29", "03:00"),
    ]
    assert slots_at("2026-03-29T01:15", "Europe/Paris") == [("2026-03-29", "03:15")]
    # New York, 2026-03-08: 02:00 EST does not exist either
    assert [t for _, t in slots_at("2026-03-08T07:00", "America/New_York")] == [
        "02:00",
        "02:15",
        "02:30",
        "02:45",
        "03:00",
    ]
    assert next_delivery("02:30", "Europe/Paris", at("2026-03-28T12:00"), date(2026, 3, 29)) == at("2026-03-29T01:00")


def test_fall_back_delivers_a_repeated_slot_once_at_its_first_occurrence() -> None:
    # Paris, 2026-10-25: 02:00–02:59 happens twice (CEST, then CET from 01:00 UTC).
    assert slots_at("2026-10-25T00:30", "Europe/Paris") == [("2026-10-25", "02:30")]
    for again in ("01:00", "01:15", "01:30", "01:45"):
        assert slots_at(f"2026-10-25T{again}", "Europe/Paris") == []
    assert slots_at("2026-10-25T02:00", "Europe/Paris") == [("2026-10-25", "03:00")]
    # New York, 2026-11-01: 01:00–01:59 twice
    assert slots_at("2026-11-01T05:30", "America/New_York") == [("2026-11-01", "01:30")]
    assert slots_at("2026-11-01T06:30", "America/New_York") == []
    assert slots_at("2026-11-01T07:00", "America/New_York") == [("2026-11-01", "02:00")]


def test_zones_far_from_utc_get_their_own_date() -> None:
    # Kiritimati is UTC+14: 10:00 UTC on the 5th is already midnight on the 6th there.
    assert slots_at("2026-12-05T10:00", "Pacific/Kiritimati") == [("2026-12-06", "00:00")]
    assert slots_at("2026-12-06T09:00", "Pacific/Kiritimati") == [("2026-12-06", "23:00")]
    # Pago Pago is UTC-11: 09:00 UTC on the 6th is still the 5th there.
    assert slots_at("2026-12-06T09:00", "Pacific/Pago_Pago") == [("2026-12-05", "22:00")]
    assert slots_at("2026-12-06T11:00", "Pacific/Pago_Pago") == [("2026-12-06", "00:00")]
    # the same UTC instant is two different dates on either side of the date line
    assert due_slots(at("2026-12-06T10:45"), "Pacific/Kiritimati")[0].local_date == date(2026, 12, 7)
    assert due_slots(at("2026-12-06T10:45"), "Pacific/Pago_Pago")[0].local_date == date(2026, 12, 5)


def test_the_run_instant_is_the_quarter_hour_and_next_delivery_follows_the_rule() -> None:
    assert floor_quarter(at("2026-12-06T09:07:31")) == at("2026-12-06T09:00")
    assert due_slots(at("2026-12-06T09:00"), "Europe/Paris") == [DueSlot(date(2026, 12, 6), "10:00")]
    assert next_delivery("10:00", "Europe/Paris", at("2026-12-06T09:00")) == at("2026-12-07T09:00")
    assert next_delivery("10:00", "Europe/Paris", at("2026-12-06T08:59")) == at("2026-12-06T09:00")
    assert next_delivery("10:00", "Europe/Paris", at("2026-12-06T08:00"), date(2026, 12, 8)) == at("2026-12-08T09:00")
