"""Two people pair up, share an anniversary and part, each at their own browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from playwright.sync_api import expect

from e2e.pages import (
    LIVE_MS,
    HomePage,
    PairingPage,
    RegisterPage,
    ScreenWatch,
    SettingsRelationshipPage,
    expect_no_horizontal_scroll,
)
from e2e.people import DESKTOP, PHONE, Person


def test_partners_pair_share_an_anniversary_and_part(new_person: Callable[..., Person]) -> None:
    # given Alex on a phone and Blake at a desk, both just signed up
    alex = new_person("Alex", PHONE)
    blake = new_person("Blake", DESKTOP)
    RegisterPage(alex.page).register(alex).expect_unpaired()
    RegisterPage(blake.page).register(blake).expect_unpaired()

    # when Alex sends Blake a partner request by username
    alex_pairing = PairingPage(alex.page).open()
    alex_pairing.send_request(blake.username)
    expect(alex_pairing.cancel_button(blake.name)).to_be_visible()

    # then Blake's home says someone wants to pair, and the pairing page shows who
    blake_home = HomePage(blake.page).reload()
    expect(blake_home.someone_wants_to_pair).to_be_visible()
    blake_home.pair_link.click()
    blake_pairing = PairingPage(blake.page).wait_until_ready()
    expect(blake_pairing.received).to_contain_text(alex.name)

    # when Blake accepts
    alerts = ScreenWatch(blake.page, paired_alert=f"document.body.innerText.includes('You and {alex.name} are a pair')")
    alerts.start()
    blake_pairing.accept_from(alex.name)

    # then Alex's open pairing page turns to "You're paired" by itself, without the old
    # "Request sent" notice, and both are told they are a pair (Blake saw it happen: no alert)
    expect(alex_pairing.paired_heading).to_be_visible(timeout=LIVE_MS)
    expect(alex_pairing.notice("Request sent to")).to_have_count(0)
    alex_pairing.shell.expect_unread(1)
    blake_pairing.shell.expect_unread(1)

    # and each sees the other as partner on home, together since today
    blake_pairing.shell.go_to("Home")
    assert alerts.seen() == {}, "an alert repeated what Blake's pairing page showed"
    HomePage(blake.page).wait_until_ready().expect_partner(alex)
    alex_pairing.shell.go_to("Home")
    alex_home = HomePage(alex.page).wait_until_ready()
    alex_home.expect_partner(blake)
    alex_home.expect_together(0)
    expect_no_horizontal_scroll(alex.page)

    # when Alex sets their anniversary in the relationship settings
    alex_relationship = SettingsRelationshipPage(alex.page).open()
    expect_no_horizontal_scroll(alex.page)
    alex_relationship.set_anniversary(date(2021, 6, 14))

    # then Blake sees it once the page loads again, with the days since and until the next one,
    # and Alex's home shows it too
    blake_home = HomePage(blake.page).reload()
    blake_home.expect_anniversary("14 June 2021")
    today = date.today()
    next_one = date(today.year, 6, 14) if date(today.year, 6, 14) >= today else date(today.year + 1, 6, 14)
    blake_home.expect_together((today - date(2021, 6, 14)).days, (next_one - today).days)
    blake_relationship = SettingsRelationshipPage(blake.page).open()
    expect(blake_relationship.anniversary).to_have_value("2021-06-14")
    HomePage(alex.page).open().expect_anniversary("14 June 2021")

    # when Alex leaves the relationship (after confirming)
    SettingsRelationshipPage(alex.page).open().leave()

    # then both are unpaired and home invites each of them to pair
    HomePage(alex.page).open().expect_unpaired()
    HomePage(blake.page).open().expect_unpaired()
    expect(SettingsRelationshipPage(blake.page).open().not_paired).to_be_visible()


def test_a_declined_or_cancelled_request_is_gone_for_both(new_person: Callable[..., Person]) -> None:
    # given Casey and Drew, signed up
    casey = new_person("Casey", DESKTOP)
    drew = new_person("Drew", PHONE)
    RegisterPage(casey.page).register(casey)
    RegisterPage(drew.page).register(drew)
    casey_pairing = PairingPage(casey.page).open()
    casey_pairing.send_request(drew.username)

    # when Drew declines Casey's request
    drew_pairing = PairingPage(drew.page).open()
    drew_pairing.decline_from(casey.name)

    # then it is gone for Drew at once and for Casey too, live, as the page says
    expect(drew_pairing.no_requests_for_you).to_be_visible()
    expect(drew_pairing.accept_button(casey.name)).to_have_count(0)
    expect(casey_pairing.no_requests_sent).to_be_visible(timeout=LIVE_MS)
    expect(casey_pairing.cancel_button(drew.name)).to_have_count(0)
    expect(casey.page.get_by_text("Requests show up here as soon as they are sent")).to_be_visible()

    # when Casey asks again (by e-mail this time), Drew sees it live, and Casey cancels it
    casey_pairing.send_request(drew.email)
    expect(drew_pairing.accept_button(casey.name)).to_be_visible(timeout=LIVE_MS)
    casey_pairing.cancel_to(drew.name)

    # then it is gone for Casey, and for Drew, live
    expect(casey_pairing.no_requests_sent).to_be_visible()
    expect(drew_pairing.no_requests_for_you).to_be_visible(timeout=LIVE_MS)
    expect(drew_pairing.accept_button(casey.name)).to_have_count(0)
