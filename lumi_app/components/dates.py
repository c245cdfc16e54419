"""What the calendar page and Home share about the couple's dates: the view models (a day of the
month grid, an entry of a day or of "Upcoming"), the words ("Tomorrow", "in 5 days", "turns 30")
and the next-date card.

Days are the viewer's own (the browser's zone): "today" is theirs, and the API is asked for what
comes from that day on.
"""

from __future__ import annotations

import calendar
import dataclasses
from datetime import date

import reflex as rx

from backend.contracts import CalendarEntry
from lumi_app import routes
from lumi_app.components.forms import link_button, section

KIND_LABELS: dict[str, str] = {
    "birthday": "Birthday",
    "anniversary": "Anniversary",
    "date_night": "Date night",
    "trip": "Trip",
    "other": "Other",
}
KIND_ICONS: dict[str, str] = {
    "birthday": "cake",
    "anniversary": "heart",
    "date_night": "wine",
    "trip": "plane",
    "other": "calendar-days",
}
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def countdown(day: date, today: date) -> str:
    """ "Today", "Tomorrow", "in 12 days" (or "3 days ago" for a day gone by)."""
    days = (day - today).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Tomorrow"
    if days == -1:
        return "Yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def years_text(kind: str, years: int | None, *, relationship: bool = False) -> str:
    """What a yearly date's occurrence marks: "turns 30" (a birthday), "3 years" (anything else);
    nothing for the first one, and nothing for the relationship's anniversary ("3 years together" is its title)."""
    if not years or relationship:
        return ""
    if kind == "birthday":
        return f"turns {years}"
    return "1 year" if years == 1 else f"{years} years"


def day_name(day: date, today: date) -> str:
    """ "Thursday 24 December" (and the year when it is not this one)."""
    text = f"{WEEKDAYS[day.weekday()]} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def month_title(month: str) -> str:
    """``2026-12`` → "December 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return f"{calendar.month_name[number]} {year}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift_month(month: str, by: int) -> str:
    """``2026-12`` + 1 → ``2027-01`` (and back): the year turns with the month."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + (number - 1) + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(text: str | None) -> str | None:
    """A ``?month=YYYY-MM`` the calendar can show, else None."""
    try:
        year, number = (int(part) for part in (text or "").split("-"))
    except ValueError:
        return None
    if not (1900 <= year <= 2200 and 1 <= number <= 12) or len(text or "") != 7:
        return None
    return f"{year:04d}-{number:02d}"


def parse_day(text: str | None) -> date | None:
    """A ``?day=YYYY-MM-DD`` the calendar can show, else None."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2200 and len(text or "") == 10 else None


def next_occurrence(first: date, repeats: str, today: date) -> date:
    """The day to show a date on after saving it: itself, or a yearly one's next day from today
    (a 29 February falls on 28 February in other years)."""
    if repeats != "yearly" or first >= today:
        return first
    for year in (today.year, today.year + 1):
        day = _on_year(first, year)
        if day >= today:
            return day
    return _on_year(first, today.year + 1)


def _on_year(first: date, year: int) -> date:
    if first.month == 2 and first.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return first.replace(year=year)


@dataclasses.dataclass
class DateEntryView:
    """One occurrence, as a day's list, "Upcoming" and Home show it."""

    key: str = ""  # unique in a list: the date (or "anniversary") and its day
    date_id: str = ""  # "": the relationship's own anniversary (not editable here)
    day: str = ""  # ISO, for links and grouping
    day_name: str = ""  # "Thursday 24 December"
    countdown: str = ""  # "Today", "Tomorrow", "in 5 days"
    title: str = ""
    kind: str = ""
    kind_label: str = ""
    time: str = ""  # "19:30" or ""
    years: str = ""  # "turns 30", "3 years", ""
    notes: str = ""
    repeats_yearly: bool = False
    reminders: str = ""  # "Also reminds 3 and 7 days before"
    link: str = ""  # /dates?day=…

    @classmethod
    def of(cls, entry: CalendarEntry, today: date) -> DateEntryView:
        item = entry.item
        relationship = entry.date_id is None
        return cls(
            key=f"{entry.date_id or 'anniversary'}-{entry.occurs_on.isoformat()}",
            date_id=entry.date_id or "",
            day=entry.occurs_on.isoformat(),
            day_name=day_name(entry.occurs_on, today),
            countdown=countdown(entry.occurs_on, today),
            title=entry.title,
            kind=entry.kind,
            kind_label="Your anniversary" if relationship else KIND_LABELS.get(entry.kind, "Other"),
            time=entry.time or "",
            years=years_text(entry.kind, entry.years, relationship=relationship),
            notes=(item.notes or "") if item else "",
            repeats_yearly=bool(item and item.repeats == "yearly") or relationship,
            reminders=reminders_text(item.reminders_before if item else []),
            link=day_url(entry.occurs_on),
        )


def reminders_text(days_before: list[int]) -> str:
    if not days_before:
        return ""
    numbers = [str(days) for days in sorted(days_before)]
    listed = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
    return f"Also reminds {listed} {'day' if numbers == ['1'] else 'days'} before"


@dataclasses.dataclass
class CalendarDayView:
    """A cell of the month grid: a day of the month shown, or an empty cell before/after it."""

    day: str = ""  # ISO; "" for an empty cell
    number: str = ""
    label: str = ""  # "24 December, 1 date: Ana's birthday"
    count: int = 0
    today: bool = False


def month_grid(month: str, entries: list[CalendarEntry], today: date) -> list[list[CalendarDayView]]:
    """The weeks of ``month``, Monday first, 7 cells each; days with entries carry their names."""
    year, number = (int(part) for part in month.split("-"))
    titles: dict[date, list[str]] = {}
    for entry in entries:
        titles.setdefault(entry.occurs_on, []).append(entry.title)
    weeks: list[list[CalendarDayView]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, number):
        row = []
        for day in week:
            if day.month != number:
                row.append(CalendarDayView())
                continue
            names = titles.get(day, [])
            label = f"{day.day} {day:%B}"
            if day == today:
                label += ", today"
            if names:
                label += f", {len(names)} {'date' if len(names) == 1 else 'dates'}: " + ", ".join(names)
            row.append(
                CalendarDayView(
                    day=day.isoformat(), number=str(day.day), label=label, count=len(names), today=day == today
                )
            )
        weeks.append(row)
    return weeks


def day_url(day: date) -> str:
    return f"{routes.DATES}?day={day.isoformat()}"


# ---------------------------------------------------------------- pieces


def kind_icon(kind: rx.Var[str], size: int = 20) -> rx.Component:
    """The icon of a kind of date (static icons: a dynamic name would load lazily, row by row)."""

    def icon(name: str) -> rx.Component:
        return rx.icon(name, size=size, color=rx.color("accent", 10), flex_shrink="0")

    return rx.match(kind, *[(each, icon(name)) for each, name in KIND_ICONS.items()], icon("calendar-days"))


def next_date_card(entry: rx.Var, has_next: rx.Var[bool]) -> rx.Component:
    """Home's "Next date": what comes next and how soon, linking to its day in the calendar;
    the way to add one when there is none."""
    return section(
        "Next date",
        rx.cond(
            has_next,
            rx.link(
                rx.hstack(
                    kind_icon(entry.kind, 22),
                    rx.vstack(
                        rx.text(entry.title, weight="bold", overflow_wrap="anywhere"),
                        rx.text(
                            entry.day_name,
                            rx.cond(entry.time != "", " · " + entry.time, ""),
                            rx.cond(entry.years != "", " · " + entry.years, ""),
                            size="2",
                            color_scheme="gray",
                        ),
                        spacing="0",
                        min_width="0",
                        flex="1",
                    ),
                    rx.badge(entry.countdown, size="2", color_scheme="pink", variant="soft"),
                    align="center",
                    spacing="3",
                    width="100%",
                ),
                href=entry.link,
                underline="none",
                color="inherit",
                aria_label=entry.title + ", " + entry.day_name + ", " + entry.countdown,
            ),
            rx.text("No dates yet — add a birthday or your anniversary.", color_scheme="gray"),
        ),
        rx.hstack(
            rx.cond(
                has_next,
                rx.link("All your dates", href=routes.DATES, size="2"),
                link_button("Add a date", routes.DATES, size="2"),
            ),
            spacing="4",
        ),
        aria_label="Next date",
    )
