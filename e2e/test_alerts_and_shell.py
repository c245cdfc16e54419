"""Alerts that count a burst as one and get out of the way; a phone's Home with one heading; the
skip link; and an unpaired person's invite to copy."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.moments_pages import FeedPage
from e2e.pages import LIVE_MS, HomePage, RegisterPage, ScreenWatch, pair_up
from e2e.people import DESKTOP, PHONE, Person
from e2e.watch_pages import WatchPage

# lumi_app/lumi_app.py: alerts go after 4 s; allow for the fade out and a loaded machine.
ALERT_GONE_MS = 5_500
SONNER_TOAST = "[data-sonner-toast]"


def _overlap(page: Page, one: Locator, other: Locator) -> bool:
    a, b = one.bounding_box(), other.bounding_box()
    assert a is not None and b is not None
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and (b["y"] < a["y"] + a["height"])
    )


def test_a_burst_of_nudges_is_one_alert_that_counts_up_stays_clear_of_the_header_and_goes(
    new_person: Callable[..., Person],
) -> None:
    # given Alex on a phone at Home and Blake at a desk, paired
    alex, blake = new_person("Alex", PHONE), new_person("Blake", DESKTOP)
    RegisterPage(alex.page).register(alex)
    RegisterPage(blake.page).register(blake)
    pair_up(alex, blake)
    alex_home = HomePage(alex.page).open()
    blake_home = HomePage(blake.page).open()
    # (only alerts about the nudges count: the pairing's own alert may arrive late and show beside one)
    toasts = f"[...document.querySelectorAll('{SONNER_TOAST}')]"
    nudge_alerts = f"{toasts}.filter(t => /thinking of you/i.test(t.textContent))"
    many = ScreenWatch(alex.page, two_alerts=f"{nudge_alerts}.length > 1").start()

    # when Blake taps "Thinking of you" three times in a row
    for _ in range(3):
        assert blake_home.think_of(alex)

    # then Alex sees one alert that counts them, never a pile of three
    alert = alex_home.shell.toast("Blake is thinking of you (3 times)")
    expect(alert).to_be_visible(timeout=LIVE_MS)
    alex_home.shell.expect_unread(1 + 3)  # and "You and Blake are a pair"
    assert many.seen() == {}, "a burst showed as several alerts"

    # and it covers neither the top bar nor the page's title
    toast = alex.page.locator(SONNER_TOAST).filter(has_text="Blake is thinking of you")
    assert not _overlap(alex.page, toast, alex.page.get_by_role("banner"))
    assert not _overlap(alex.page, toast, alex_home.greeting("Alex"))

    # and it goes by itself within about four seconds
    expect(alex.page.locator(SONNER_TOAST)).to_have_count(0, timeout=ALERT_GONE_MS)
    assert alex.console_errors() == []


def test_a_phones_home_has_one_heading_a_skip_link_and_an_invite_to_copy(
    new_person: Callable[..., Person],
) -> None:
    # given Robin on a phone, just signed up, not paired
    robin = new_person("Robin", PHONE)
    robin.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    home = RegisterPage(robin.page).register(robin)
    home.expect_unpaired()

    # then Home has one level-one heading, the greeting, and no "Home" heading above it
    expect(robin.page.get_by_role("heading", level=1)).to_have_count(1)
    expect(home.greeting("Robin")).to_be_visible()
    expect(robin.page.get_by_role("heading", name="Home", exact=True)).to_have_count(0)

    # and the first Tab reaches "Skip to content", which takes the keyboard to the page's content
    robin.page.keyboard.press("Tab")
    skip = robin.page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    robin.page.keyboard.press("Enter")
    expect(robin.page.get_by_role("main")).to_be_focused()

    # and Home tells Robin the username to give a partner, and copies an invite with it
    expect(robin.page.get_by_role("main").get_by_text(f"@{robin.username}", exact=True)).to_be_visible()
    robin.page.get_by_role("button", name="Copy an invite for your partner").click()
    expect(robin.page.get_by_text("The invite is copied", exact=False)).to_be_visible()
    copied = robin.page.evaluate("navigator.clipboard.readText()")
    assert f"@{robin.username}" in copied and re.search(r"https?://[^ ]+/register", copied), copied
    assert robin.console_errors() == []


def test_an_alert_waits_while_the_person_types_where_it_would_show(
    new_person: Callable[..., Person], add_moments: Callable[[Person, list[str]], None]
) -> None:
    # given Alex on a phone, typing in a moment's message box (pinned above the bottom bar,
    # where alerts show), and Blake at a desk, paired
    alex, blake = new_person("Alex", PHONE), new_person("Blake", DESKTOP)
    RegisterPage(alex.page).register(alex)
    RegisterPage(blake.page).register(blake)
    pair_up(alex, blake)
    add_moments(blake, ["Harbour lights"])
    feed = FeedPage(alex.page).open()
    feed.feed.open("Harbour lights")
    watch = WatchPage(alex.page).wait_until_ready()
    watch.scroll_chat_to(0.4)
    watch.composer.click()
    watch.composer.press_sequentially("On my w")
    blake_home = HomePage(blake.page).open()

    # when Blake nudges Alex
    assert blake_home.think_of(alex)

    # then Alex's bell counts it, but no alert covers the box while Alex types in it
    watch.shell.expect_unread(2)  # and "You and Blake are a pair"
    alex.page.wait_for_timeout(1_500)  # proving an absence: an alert would have shown within ~0.1 s
    expect(alex.page.locator(SONNER_TOAST)).to_have_count(0)
    expect(watch.composer).to_be_focused()

    # when Alex leaves the box, then the alert shows
    alex.page.keyboard.press("Escape")
    watch.composer.blur()
    expect(watch.shell.toast("Blake is thinking of you")).to_be_visible(timeout=LIVE_MS)
    expect(watch.composer).to_have_value("On my w")
