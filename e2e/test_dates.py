"""The couple's dates: one partner adds, edits and deletes them and the other sees it live, across
December and January; Home counts down to the next one; the calendar link feeds another
calendar app until it is replaced or turned off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from e2e.date_pages import CalendarPage, DateSettingsPage, day_name
from e2e.pages import LIVE_MS, HomePage, RegisterPage, expect_no_horizontal_scroll, expect_same_page, mark_page, pair_up
from e2e.people import DESKTOP, PHONE, Person

BIRTH_YEAR = 1996


def browser_today(person: Person) -> date:
    """Today where the person's browser is (the calendar's "today")."""
    zone = person.page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    return datetime.now(ZoneInfo(zone)).date()


def next_24_december(today: date) -> date:
    this_year = date(today.year, 12, 24)
    return this_year if this_year >= today else date(today.year + 1, 12, 24)


def in_words(day: date, today: date) -> str:
    days = (day - today).days
    return "Today" if days == 0 else "Tomorrow" if days == 1 else f"in {days} days"


def test_partners_keep_their_dates_together_live_across_the_new_year(new_person: Callable[..., Person]) -> None:
    # given Ana at a desk and Ben on a phone, paired; Ben has the calendar open at December
    ana, ben = new_person("Ana", DESKTOP), new_person("Ben", PHONE)
    RegisterPage(ana.page).register(ana)
    RegisterPage(ben.page).register(ben)
    pair_up(ana, ben)
    today = browser_today(ben)
    birthday = next_24_december(today)
    dinner = date(birthday.year + 1, 1, 3)
    ben_calendar = CalendarPage(ben.page).open_month(birthday)
    expect(ben_calendar.nothing_yet).to_be_visible()
    expect_no_horizontal_scroll(ben.page)
    mark_page(ben.page)

    # when Ana adds Ben's birthday (every year, a reminder 3 days before) and a dinner on 3 January at 19:30
    ana_calendar = CalendarPage(ana.page).open_month(birthday)
    ana_calendar.add(
        "Ben's birthday", date(BIRTH_YEAR, 12, 24), kind="Birthday", yearly=True, remind=(3,), notes="Cake!"
    )
    ana_calendar.expect_marked(birthday, "Ben's birthday")
    # (a date night is proposed as "Once", a birthday as "Every year")
    ana_calendar.add("New year dinner", dinner, kind="Date night", time="19:30")
    # (the page shows a saved date's day: January now)
    ana_calendar.expect_month(dinner)
    ana_calendar.expect_marked(dinner, "New year dinner")
    expect(ana_calendar.entry("New year dinner")).to_contain_text("19:30")
    expect(ana_calendar.entry("New year dinner")).not_to_contain_text("every year")
    expect_no_horizontal_scroll(ana.page)

    # then Ben, without reloading, has the birthday marked in December and both in "Upcoming"
    expect(ben_calendar.day(birthday)).to_have_accessible_name(
        f"{day_name(birthday)}, 1 date: Ben's birthday", timeout=LIVE_MS
    )
    expect(ben_calendar.upcoming_entry("Ben's birthday")).to_contain_text(f"turns {birthday.year - BIRTH_YEAR}")
    expect(ben_calendar.upcoming_entry("New year dinner")).to_contain_text(in_words(dinner, today))
    expect(ben_calendar.upcoming_items).to_have_count(2)
    expect_same_page(ben.page)

    # and January shows the dinner (with the button), December the birthday again (with the button)
    ben_calendar.next_button.click()
    ben_calendar.expect_month(dinner)
    ben_calendar.expect_marked(dinner, "New year dinner")
    ben_calendar.previous_button.click()
    ben_calendar.expect_month(birthday)
    ben_calendar.expect_marked(birthday, "Ben's birthday")

    # and with the keyboard: from 31 December, → crosses into January, Enter chooses 3 January
    new_years_eve = date(birthday.year, 12, 31)
    ben_calendar.choose(new_years_eve)
    expect(ben_calendar.day(new_years_eve)).to_be_focused()
    ben.page.keyboard.press("ArrowRight")
    ben_calendar.expect_month(dinner)
    expect(ben_calendar.day(date(dinner.year, 1, 1))).to_be_focused()
    ben.page.keyboard.press("ArrowRight")
    ben.page.keyboard.press("ArrowRight")
    expect(ben_calendar.day(dinner)).to_be_focused()
    ben.page.keyboard.press("Enter")
    expect(ben_calendar.day(dinner)).to_have_attribute("aria-pressed", "true")
    expect(ben_calendar.entry("New year dinner")).to_contain_text("19:30")
    # ↑ a week back, into December; Page Down a month on, back in January
    ben.page.keyboard.press("ArrowUp")
    ben_calendar.expect_month(birthday)
    expect(ben_calendar.day(date(birthday.year, 12, 27))).to_be_focused()
    ben.page.keyboard.press("PageDown")
    ben_calendar.expect_month(dinner)
    expect(ben_calendar.day(date(dinner.year, 1, 27))).to_be_focused()
    ben_calendar.choose(dinner)
    expect_no_horizontal_scroll(ben.page)

    # when Ana renames the birthday, then Ben's calendar shows the new name live
    ana_calendar.go_to_month(birthday)
    ana_calendar.choose(birthday)
    expect(ana_calendar.entry("Ben's birthday")).to_contain_text("Cake!")
    ana_calendar.edit("Ben's birthday", title="Ben's 30th birthday")
    expect(ben_calendar.upcoming_entry("Ben's 30th birthday")).to_be_visible(timeout=LIVE_MS)
    expect(ben_calendar.upcoming_entry("Ben's birthday")).to_have_count(0)

    # when Ben deletes the dinner, then it goes from Ana's calendar live
    ben_calendar.delete("New year dinner")
    ben_calendar.expect_unmarked(dinner)
    expect(ana_calendar.upcoming_entry("New year dinner")).to_have_count(0, timeout=LIVE_MS)
    expect(ana_calendar.upcoming_items).to_have_count(1)
    expect_same_page(ben.page)

    # and Home counts down to the next date, linking to its day
    HomePage(ana.page).open()
    next_date = ana.page.get_by_role("region", name="Next date")
    ana_today = browser_today(ana)
    expect(next_date).to_contain_text("Ben's 30th birthday")
    expect(next_date).to_contain_text(in_words(birthday, ana_today))
    next_date.get_by_role("link", name="Ben's 30th birthday").first.click()
    CalendarPage(ana.page).wait_until_ready()
    expect(CalendarPage(ana.page).chosen_heading).to_have_text(f"{birthday.day} {birthday:%B %Y}")

    assert ana.console_errors() == []
    assert ben.console_errors() == []


def test_the_calendar_link_feeds_a_calendar_app_until_replaced_or_turned_off(new_person: Callable[..., Person]) -> None:
    # given Cleo (on a phone) and Dan, paired, with a birthday in their calendar
    cleo, dan = new_person("Cleo", PHONE), new_person("Dan", DESKTOP)
    RegisterPage(cleo.page).register(cleo)
    RegisterPage(dan.page).register(dan)
    pair_up(cleo, dan)
    today = browser_today(cleo)
    CalendarPage(cleo.page).open_month(today).add("Dan's birthday", date(1990, 12, 24), kind="Birthday", yearly=True)

    # when Cleo gets her calendar link
    settings = DateSettingsPage(cleo.page).open()
    expect(settings.feed).to_contain_text("Subscribe in Google Calendar or Apple Calendar")
    expect(settings.reminder_form).to_contain_text("Reminders come at")
    url = settings.get_link()
    expect_no_horizontal_scroll(cleo.page)

    # then a calendar app fetching it (no Lumi session) gets the dates as iCalendar
    answer = cleo.context.request.get(url)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Dan's birthday" in answer.text()
    assert "RRULE:FREQ=YEARLY" in answer.text()

    # when she gets a new link, then the old one answers 404 and the new one works
    newer = settings.get_link()
    assert newer != url
    assert cleo.context.request.get(url).status == 404
    assert cleo.context.request.get(newer).status == 200

    # when she turns it off, then the link answers 404
    settings.turn_off()
    assert cleo.context.request.get(newer).status == 404
    expect_no_horizontal_scroll(cleo.page)
    assert cleo.console_errors() == []
