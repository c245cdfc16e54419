"""What the calendar page and Home say about the couple's dates: the month grid, countdowns,
years, and moving between months across the year boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend.contracts import CalendarEntry, CoupleDate
from lumi_app.components.dates import (
    DateEntryView,
    countdown,
    day_url,
    month_grid,
    month_title,
    next_occurrence,
    parse_day,
    parse_month,
    reminders_text,
    shift_month,
    years_text,
)

TODAY = date(2026, 12, 6)


def birthday(**changes: object) -> CalendarEntry:
    item = CoupleDate(
        date_id="d1",
        kind="birthday",
        title="Ana's birthday",
        date=date(1996, 12, 24),
        repeats="yearly",
        reminders_before=[3, 7],
        created_by="u1",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    fields = {"occurs_on": date(2026, 12, 24), "kind": "birthday", "title": "Ana's birthday", "years": 30}
    fields.update(changes)
    return CalendarEntry(date_id="d1", item=item, **fields)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (TODAY, "Today"),
        (date(2026, 12, 7), "Tomorrow"),
        (date(2026, 12, 18), "in 12 days"),
        (date(2027, 1, 3), "in 28 days"),
    ],
)
def test_countdown_says_how_soon(day: date, words: str) -> None:
    assert countdown(day, TODAY) == words


def test_years_read_as_an_age_for_birthdays_and_a_count_for_the_rest() -> None:
    assert years_text("birthday", 30) == "turns 30"
    assert years_text("anniversary", 3) == "3 years"
    assert years_text("anniversary", 1) == "1 year"
    assert years_text("birthday", 0) == ""
    assert years_text("other", None) == ""
    # the relationship's own anniversary says it in its title ("3 years together")
    assert years_text("anniversary", 3, relationship=True) == ""


@pytest.mark.parametrize(
    ("month", "by", "expected"),
    [("2026-12", 1, "2027-01"), ("2027-01", -1, "2026-12"), ("2026-06", 0, "2026-06"), ("2026-01", -13, "2024-12")],
)
def test_months_turn_the_year(month: str, by: int, expected: str) -> None:
    assert shift_month(month, by) == expected


def test_the_grid_starts_on_monday_with_seven_cells_a_week() -> None:
    weeks = month_grid("2026-12", [birthday()], TODAY)

    assert all(len(week) == 7 for week in weeks)
    # 1 December 2026 is a Tuesday: one empty cell before it
    assert weeks[0][0].day == "" and weeks[0][1].day == "2026-12-01"
    days = [cell for week in weeks for cell in week if cell.day]
    assert [cell.number for cell in days] == [str(n) for n in range(1, 32)]
    marked = {cell.day: cell for cell in days if cell.count}
    assert list(marked) == ["2026-12-24"]
    assert marked["2026-12-24"].label == "24 December, 1 date: Ana's birthday"
    today = next(cell for cell in days if cell.today)
    assert today.day == "2026-12-06" and today.label == "6 December, today"


def test_a_day_with_several_dates_names_them_all() -> None:
    other = birthday(title="Christmas Eve dinner", kind="date_night", years=None)
    weeks = month_grid("2026-12", [birthday(), other], TODAY)
    cell = next(c for week in weeks for c in week if c.day == "2026-12-24")
    assert cell.label == "24 December, 2 dates: Ana's birthday, Christmas Eve dinner"


def test_january_of_next_year_has_its_own_grid() -> None:
    weeks = month_grid("2027-01", [], TODAY)
    days = [cell.day for week in weeks for cell in week if cell.day]
    assert days[0] == "2027-01-01" and days[-1] == "2027-01-31"
    assert weeks[0][4].day == "2027-01-01"  # a Friday
    assert not any(cell.today for week in weeks for cell in week)


def test_an_entry_reads_in_words() -> None:
    view = DateEntryView.of(birthday(), TODAY)
    assert view.day_name == "Thursday 24 December"
    assert view.countdown == "in 18 days"
    assert view.years == "turns 30"
    assert view.reminders == "Also reminds 3 and 7 days before"
    assert view.link == "/dates?day=2026-12-24"
    assert view.repeats_yearly


def test_the_relationships_anniversary_is_shown_but_not_editable() -> None:
    entry = CalendarEntry(occurs_on=date(2027, 3, 1), kind="anniversary", title="3 years together", years=3)
    view = DateEntryView.of(entry, TODAY)
    assert view.date_id == ""
    assert view.kind_label == "Your anniversary"
    assert view.years == ""
    assert view.day_name == "Monday 1 March 2027"


def test_after_saving_a_date_its_next_day_is_shown() -> None:
    assert next_occurrence(date(1996, 12, 24), "yearly", TODAY) == date(2026, 12, 24)
    assert next_occurrence(date(1996, 3, 1), "yearly", TODAY) == date(2027, 3, 1)
    assert next_occurrence(date(2024, 2, 29), "yearly", TODAY) == date(2027, 2, 28)
    assert next_occurrence(date(2027, 1, 3), "once", TODAY) == date(2027, 1, 3)
    assert next_occurrence(date(2020, 5, 1), "once", TODAY) == date(2020, 5, 1)


def test_only_real_months_and_days_open_from_the_address() -> None:
    assert parse_month("2027-01") == "2027-01"
    assert parse_month("2027-13") is None
    assert parse_month("2027-1") is None
    assert parse_month("") is None
    assert parse_month("9999-01") is None
    assert parse_day("2026-12-24") == date(2026, 12, 24)
    assert parse_day("2026-02-30") is None
    assert parse_day("yesterday") is None
    assert day_url(date(2026, 12, 24)) == "/dates?day=2026-12-24"
    assert month_title("2027-01") == "January 2027"


def test_reminders_are_listed_in_words() -> None:
    assert reminders_text([]) == ""
    assert reminders_text([1]) == "Also reminds 1 day before"
    assert reminders_text([14, 1, 3]) == "Also reminds 1, 3 and 14 days before"
