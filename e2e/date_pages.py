"""Page objects for the couple's dates: the calendar (month grid, chosen day, "Upcoming", the add /
edit dialog) and the date settings (reminder time, calendar link)."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Locator, Page, expect

from e2e.pages import AppPage, from_now_on


def day_name(day: date) -> str:
    """How the grid names a day: "24 December" (then ", today", ", 1 date: …")."""
    return f"{day.day} {day:%B}"


def month_name(day: date) -> str:
    return f"{day:%B %Y}"


class CalendarPage(AppPage):
    path = "/dates"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.month_region = page.get_by_role("region", name="Month")
        self.month_heading = self.month_region.get_by_role("heading", level=2)
        self.grid = page.get_by_role("grid")
        self.previous_button = page.get_by_role("button", name="Previous month")
        self.next_button = page.get_by_role("button", name="Next month")
        self.today_button = self.month_region.get_by_role("button", name="Today", exact=True)
        self.chosen = page.get_by_role("region", name="Chosen day")
        self.chosen_heading = self.chosen.get_by_role("heading", level=2)
        self.add_button = self.chosen.get_by_role("button", name="Add a date")
        self.upcoming = page.get_by_role("region", name="Upcoming")
        self.upcoming_items = page.get_by_role("list", name="Upcoming dates").get_by_role("listitem")
        self.nothing_yet = page.get_by_text("No dates yet — add a birthday or your anniversary")
        self.not_paired = page.get_by_text("Dates are for two")
        self.dialog = page.get_by_role("dialog")
        self.ready = self.grid.or_(self.not_paired)

    def open_month(self, day: date) -> CalendarPage:
        self.page.goto(f"{self.path}?month={day:%Y-%m}")
        self.wait_until_ready()
        expect(self.month_heading).to_have_text(month_name(day))
        return self

    def open_day(self, day: date) -> CalendarPage:
        self.page.goto(f"{self.path}?day={day.isoformat()}")
        self.wait_until_ready()
        expect(self.chosen_heading).to_have_text(f"{day.day} {day:%B %Y}")
        return self

    # ------------------------------------------------------------ the grid

    def day(self, day: date) -> Locator:
        """The grid's button for ``day`` (of the month shown)."""
        return self.grid.get_by_role("button", name=re.compile(rf"^{re.escape(day_name(day))}(,|$)"))

    def expect_month(self, day: date) -> None:
        expect(self.month_heading).to_have_text(month_name(day))
        expect(self.grid).to_have_accessible_name(month_name(day))

    def expect_marked(self, day: date, *titles: str) -> None:
        """The day's button names its dates: "24 December, 1 date: Ana's birthday"."""
        count = f"{len(titles)} {'date' if len(titles) == 1 else 'dates'}"
        expect(self.day(day)).to_have_accessible_name(
            re.compile(rf"^{re.escape(day_name(day))}(, today)?, {count}: {re.escape(', '.join(titles))}$")
        )

    def expect_unmarked(self, day: date) -> None:
        expect(self.day(day)).to_have_accessible_name(re.compile(rf"^{re.escape(day_name(day))}(, today)?$"))

    def choose(self, day: date) -> None:
        self.day(day).click()
        expect(self.day(day)).to_have_attribute("aria-pressed", "true")
        expect(self.chosen_heading).to_have_text(f"{day.day} {day:%B %Y}")

    def go_to_month(self, day: date) -> None:
        """Press "Previous month" / "Next month" until the month of ``day`` shows."""
        for _ in range(24):
            shown = self.month_heading.inner_text()
            if shown == month_name(day):
                return
            year, month = _parse_month(shown)
            (self.next_button if (day.year, day.month) > (year, month) else self.previous_button).click()
            expect(self.month_heading).not_to_have_text(shown)
        raise AssertionError(f"never reached {month_name(day)}")

    # ------------------------------------------------------------ the chosen day

    def entry(self, title: str) -> Locator:
        return self.chosen.get_by_role("listitem").filter(has_text=title)

    def upcoming_entry(self, title: str) -> Locator:
        return self.upcoming_items.filter(has_text=title)

    # ------------------------------------------------------------ adding, editing, deleting

    def fill_form(
        self,
        *,
        kind: str | None = None,
        title: str | None = None,
        day: date | None = None,
        time: str | None = None,
        yearly: bool | None = None,
        remind: tuple[int, ...] | None = None,
        notes: str | None = None,
    ) -> None:
        dialog = self.dialog
        if kind is not None:
            dialog.get_by_label("Kind").select_option(label=kind)
            expect(dialog.get_by_label("Kind")).to_have_value(re.compile("."))
        if title is not None:
            dialog.get_by_label("Title").fill(title)
        if day is not None:
            dialog.get_by_label("Date", exact=True).fill(day.isoformat())
        if time is not None:
            dialog.get_by_label("Time (optional)").fill(time)
        if notes is not None:
            dialog.get_by_label("Notes (optional)").fill(notes)
        if yearly is not None:
            # A click, not check(): the choice shows once the app took it (choosing a kind proposes one).
            radio = dialog.get_by_role("radio", name="Every year" if yearly else "Once")
            radio.click()
            expect(radio).to_be_checked()
        if remind is not None:
            for days in (1, 3, 7, 14):
                box = dialog.get_by_role("checkbox", name=f"{days} {'day' if days == 1 else 'days'} before")
                box.set_checked(days in remind)

    def add(self, title: str, day: date, **fields: object) -> None:
        """Add a date through the dialog; waits until it is saved (the page shows its day)."""
        self.add_button.click()
        expect(self.dialog.get_by_role("heading", name="Add a date")).to_be_visible()
        self.fill_form(title=title, day=day, **fields)  # type: ignore[arg-type]
        added = from_now_on(self.notice(f"“{title}” added."))
        self.dialog.get_by_role("button", name="Add date").click()
        expect(added).to_be_visible()
        expect(self.dialog).to_have_count(0)

    def edit(self, current_title: str, **fields: object) -> None:
        """Edit a date of the chosen day (``fields`` as :meth:`fill_form` takes them)."""
        self.chosen.get_by_role("button", name=f"Edit {current_title}", exact=True).click()
        expect(self.dialog.get_by_role("heading", name="Edit date")).to_be_visible()
        expect(self.dialog.get_by_label("Title")).to_have_value(current_title)
        self.fill_form(**fields)  # type: ignore[arg-type]
        saved = from_now_on(self.page.get_by_role("status").filter(has_text=re.compile(r"” saved\.$")))
        self.dialog.get_by_role("button", name="Save changes").click()
        expect(saved).to_be_visible()
        expect(self.dialog).to_have_count(0)

    def delete(self, title: str) -> None:
        self.chosen.get_by_role("button", name=f"Delete {title}", exact=True).click()
        confirm = self.page.get_by_role("alertdialog")
        expect(confirm).to_contain_text(f"Delete “{title}”?")
        confirm.get_by_role("button", name="Delete", exact=True).click()
        expect(self.notice(f"“{title}” deleted.")).to_be_visible()
        expect(self.entry(title)).to_have_count(0)


def _parse_month(text: str) -> tuple[int, int]:
    name, year = text.rsplit(" ", 1)
    return int(year), list(_MONTHS).index(name) + 1


_MONTHS = tuple(date(2000, month, 1).strftime("%B") for month in range(1, 13))


class DateSettingsPage(AppPage):
    path = "/settings/dates"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.reminder_form = page.get_by_role("form", name="When date reminders come")
        self.reminder_time = self.reminder_form.get_by_label("Time of day")
        self.reminder_zone = self.reminder_form.get_by_label("Time zone")
        self.save_button = self.reminder_form.get_by_role("button", name="Save")
        self.feed = page.get_by_role("region", name="Your dates in another calendar")
        self.get_link_button = self.feed.get_by_role("button", name="Get my link")
        self.new_link_button = self.feed.get_by_role("button", name="Get a new link")
        self.turn_off_button = self.feed.get_by_role("button", name="Turn off")
        self.link = self.feed.get_by_label("Your calendar link")
        self.copy_button = self.feed.get_by_role("button", name="Copy")
        self.ready = self.feed

    def get_link(self) -> str:
        """ "Get my link" (or "Get a new link" when there is one): returns the URL shown once."""
        button = self.new_link_button if self.new_link_button.is_visible() else self.get_link_button
        before = self.link.input_value() if self.link.is_visible() else ""
        button.click()
        expect(self.link).to_have_value(re.compile(r"^https?://.+\.ics$"))
        if before:
            expect(self.link).not_to_have_value(before)
        expect(self.feed.get_by_text("it can't be shown again")).to_be_visible()
        return self.link.input_value()

    def turn_off(self) -> None:
        self.turn_off_button.click()
        expect(self.notice("Your calendar link is turned off.")).to_be_visible()
        expect(self.get_link_button).to_be_visible()
        expect(self.link).to_have_count(0)

    def set_reminder_time(self, local_time: str, zone: str | None = None) -> None:
        self.reminder_time.select_option(local_time)
        if zone is not None:
            self.reminder_zone.fill(zone)
        saved = from_now_on(self.notice("Saved."))
        self.save_button.click()
        expect(saved).to_be_visible()
