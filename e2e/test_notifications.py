"""Notifications: a nudge reaches the partner live, the notifications page, notification settings."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from backend.settings import Settings
from e2e.moments_pages import UploadPage, couple
from e2e.pages import (
    LIVE_MS,
    HomePage,
    NotificationSettingsPage,
    NotificationsPage,
    PairingPage,
    RegisterPage,
    expect_no_horizontal_scroll,
    expect_same_page,
    mark_page,
    pair_up,
)
from e2e.people import DESKTOP, PHONE, Person
from e2e.watch_pages import WatchPage
from tests.media import make_video

# Settings.rate_limit_nudges_per_minute, which the suite's own system leaves as it is; a deployment
# with another limit says so in LUMI_E2E_NUDGES_PER_MINUTE.
NUDGES_PER_MINUTE = int(
    os.environ.get("LUMI_E2E_NUDGES_PER_MINUTE") or Settings.model_fields["rate_limit_nudges_per_minute"].default
)
# lumi_app/pages/notifications.py PAGE_SIZE: how many the list shows before it loads more.
PAGE_SIZE = 20


def test_thinking_of_you_reaches_the_partner_live_and_waits_on_the_notifications_page(
    new_person: Callable[..., Person],
) -> None:
    # given Alex on a phone and Blake at a desk, paired; Alex's one unread notification says so
    alex = new_person("Alex", PHONE)
    blake = new_person("Blake", DESKTOP)
    RegisterPage(alex.page).register(alex)
    RegisterPage(blake.page).register(blake)
    pair_up(alex, blake)
    alex_pairing = PairingPage(alex.page).wait_until_ready()
    paired = 1  # "You and Blake are a pair"
    alex_pairing.shell.expect_unread(paired)
    mark_page(alex.page)
    blake_home = HomePage(blake.page).open()

    # when Blake taps "Thinking of you"
    assert blake_home.think_of(alex)

    # then Alex's bell counts it and an alert pops up, without a reload
    alex_pairing.shell.expect_unread(paired + 1)
    expect(alex_pairing.shell.toast("Blake is thinking of you")).to_be_visible(timeout=LIVE_MS)
    expect(alex_pairing.shell.toast("A little nudge from Blake, just because.")).to_be_visible()
    expect_same_page(alex.page)

    # when Blake keeps tapping, then each one counts until Lumi says he has sent enough for now
    # (the limit is per minute on the clock, so a minute turning over mid-way allows a few more)
    sent = 1
    while blake_home.think_of(alex):
        sent += 1
        alex_pairing.shell.expect_unread(paired + sent)
        assert sent <= 2 * NUDGES_PER_MINUTE, "tapping was never limited"
    assert sent >= NUDGES_PER_MINUTE
    expect(blake_home.too_many_nudges).to_have_text(re.compile(r"Try again in \d+ seconds\."))
    alex_pairing.shell.expect_unread(paired + sent)

    # when Alex opens the notifications from the bell, then all of them are there, unread
    notifications = alex_pairing.shell.open_notifications()
    expect(notifications.show_all_button).to_have_attribute("aria-pressed", "true")
    expect(notifications.item("Blake is thinking of you")).to_have_count(sent)
    expect(notifications.unread_tags()).to_have_count(paired + sent)
    expect(notifications.end_of_list).to_be_visible()
    created = notifications.created_times()
    assert created == sorted(created, reverse=True), f"not newest first: {created}"
    expect_no_horizontal_scroll(alex.page)

    # when Alex shows only the unread ones and marks the newest read
    notifications.show("Unread")
    expect(notifications.items).to_have_count(paired + sent)
    notifications.select(notifications.items.first)
    notifications.mark_selected_read()

    # then it leaves the unread list and the bell counts one less
    expect(notifications.items).to_have_count(paired + sent - 1)
    notifications.shell.expect_unread(paired + sent - 1)

    # when Alex shows them all and opens the second newest (still unread)
    notifications.show("All")
    expect(notifications.items).to_have_count(paired + sent)
    expect(notifications.unread_tags()).to_have_count(paired + sent - 1)
    notifications.open_item(notifications.items.nth(1))

    # then it takes Alex to its link, home, and counts as read
    home = HomePage(alex.page).wait_until_ready()
    expect(alex.page).to_have_url(re.compile(r"/home$"))
    home.shell.expect_unread(paired + sent - 2)

    # when Alex marks all read from the unread list
    notifications = home.shell.open_notifications()
    notifications.show("Unread")
    expect(notifications.items).to_have_count(paired + sent - 2)
    notifications.mark_all_read()

    # then nothing is unread, and the bell says so
    expect(notifications.all_caught_up).to_be_visible()
    expect(notifications.items).to_have_count(0)
    notifications.shell.expect_unread(0)

    # and all of them are still listed, read
    notifications.show("All")
    expect(notifications.items).to_have_count(paired + sent)
    expect(notifications.unread_tags()).to_have_count(0)

    assert alex.console_errors() == []
    assert blake.console_errors() == []


def test_the_notifications_list_loads_more_as_it_scrolls_to_the_end(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Gwen has more notifications than one page holds: while she was away, Hal wrote to her
    # about a moment, message after message (the newest last here)
    gwen, hal = couple(new_person, ("Gwen", DESKTOP), ("Hal", DESKTOP))
    UploadPage(hal.page).open().upload(make_video(tmp_path / "walk.webm", 2, "webm"), "Walk")
    chat = WatchPage(hal.page).wait_until_ready()
    gwen.page.close()
    chat.shell.expect_partner("Gwen", "offline", last_seen="just now", timeout=LIVE_MS)
    reminders = [f"Reminder {n}" for n in range(1, PAGE_SIZE + 6)]
    for text in reminders:
        chat.send(text)

    # when she comes back and opens her notifications, then the newest page of them shows, newest first
    gwen.page = gwen.context.new_page()
    notifications = NotificationsPage(gwen.page).open()
    newest_first = [re.compile(rf"{text}(?!\d)") for text in reversed(reminders)]
    expect(notifications.items).to_have_text(newest_first[:PAGE_SIZE])
    expect(notifications.item("Hal on “Walk”")).to_have_count(PAGE_SIZE)
    expect(notifications.end_of_list).to_have_count(0)

    # when she scrolls to the end of the list, then the rest loads by itself (older ones too, such as
    # the moment itself), and the list says it is all
    notifications.items.last.scroll_into_view_if_needed()
    expect(notifications.items.filter(has_text=re.compile(r"Reminder \d+"))).to_have_text(newest_first)
    expect(notifications.item("Hal shared a moment")).to_have_count(1)
    expect(notifications.end_of_list).to_be_visible()
    expect(notifications.load_more_button).to_have_count(0)
    assert gwen.console_errors() == []


def test_notification_settings_save_each_kind_at_once_and_keep_it(new_person: Callable[..., Person]) -> None:
    # given Emma signed up: every kind of notification pushes, push on this device is off
    emma = new_person("Emma", PHONE)
    RegisterPage(emma.page).register(emma)
    settings = NotificationSettingsPage(emma.page).open()
    expect(settings.heading).to_be_visible()
    for label in settings.CATEGORIES:
        expect(settings.category(label)).to_be_checked()
    expect(settings.push_on_this_device).not_to_be_checked()

    # when she turns music and reminders off
    settings.set_category("Music", on=False)
    settings.set_category("Reminders", on=False)

    # then that is kept: after a reload they are off, the others still on
    settings.reload()
    for label in settings.CATEGORIES:
        expect(settings.category(label)).to_be_checked(checked=label not in ("Music", "Reminders"))

    # when she turns music back on, then that is kept too
    settings.set_category("Music", on=True)
    settings.reload()
    expect(settings.category("Music")).to_be_checked()
    expect(settings.category("Reminders")).not_to_be_checked()
    expect_no_horizontal_scroll(emma.page)
    assert emma.console_errors() == []
