"""Date reminders as a person gets them: at their own reminder time, once, from the bell to the day."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from e2e.date_pages import CalendarPage, DateSettingsPage
from e2e.pages import LIVE_MS, HomePage, RegisterPage, expect_no_horizontal_scroll, pair_up
from e2e.people import DESKTOP, PHONE, Person
from e2e.test_affirmations import next_quarter_hour
from tools.app_build import ROOT
from tools.system import LumiSystem


def run_the_reminder_job(lumi: LumiSystem, at: datetime) -> None:
    """What EventBridge does every quarter hour, for one instant: the QA command of the README."""
    command = [sys.executable, "-m", "backend.jobs.date_reminders", "run", "--at", at.strftime("%Y-%m-%dT%H:%MZ")]
    env = {**lumi.base_env(), **lumi.stack_env, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=120)


@pytest.mark.local_only(reason="runs the reminder job for a chosen instant with the local stack's QA command")
def test_reminders_come_at_my_time_once_and_open_the_day(lumi: LumiSystem, new_person: Callable[..., Person]) -> None:
    # given Ana at a desk and Ben on a phone, paired
    ana, ben = new_person("Ana", DESKTOP), new_person("Ben", PHONE)
    RegisterPage(ana.page).register(ana)
    RegisterPage(ben.page).register(ben)
    pair_up(ana, ben)

    # and Ben wants his date reminders a quarter hour from now, in his zone
    zone_name = ben.page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    slot, instant = next_quarter_hour(ZoneInfo(zone_name))
    today = instant.astimezone(ZoneInfo(zone_name)).date()
    settings = DateSettingsPage(ben.page).open()
    settings.set_reminder_time(slot, zone_name)
    expect_no_horizontal_scroll(ben.page)

    # and Ana adds a picnic that day and a concert three days later, asking for "3 days before"
    calendar = CalendarPage(ana.page).open_day(today)
    calendar.add("Picnic in the park", today)
    concert = today + timedelta(days=3)
    calendar.open_day(concert)
    calendar.add("Concert", concert, remind=(3,))
    calendar.open_day(today + timedelta(days=1))
    calendar.add("Quiet dinner", today + timedelta(days=1))  # no "1 day before": no reminder today

    # when the job runs at Ben's time while he is on Home
    home = HomePage(ben.page).open()
    home.shell.expect_unread(1)  # "You and Ana are a pair"
    run_the_reminder_job(lumi, instant)

    # then both reminders reach him live, and running the job again changes nothing
    home.shell.expect_unread(3)
    run_the_reminder_job(lumi, instant)
    notifications = home.shell.open_notifications()
    expect(notifications.item("Today: Picnic in the park")).to_have_count(1, timeout=LIVE_MS)
    expect(notifications.item("In 3 days: Concert")).to_have_count(1)
    expect(notifications.items.filter(has_text="Quiet dinner")).to_have_count(0)
    home.shell.expect_unread(3)

    # and the picnic's reminder opens its day on the calendar
    notifications.item("Today: Picnic in the park").get_by_role("link", name="Today: Picnic in the park").click()
    day = CalendarPage(ben.page)
    day.wait_until_ready()
    expect(day.chosen_heading).to_have_text(f"{today.day} {today:%B %Y}")
    expect(day.entry("Picnic in the park")).to_be_visible()
    expect_no_horizontal_scroll(ben.page)
    assert ana.console_errors() == []
    assert ben.console_errors() == []
