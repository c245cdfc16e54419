"""Partners see each other's presence live: online, idle, offline with "last seen", no reloads.

Idle comes two ways, both driven in the browser: five minutes without input (the page's clock
is moved on) and the page being hidden (see :meth:`Person.look_away`)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from e2e.pages import (
    LIVE_MS,
    HomePage,
    PairingPage,
    RegisterPage,
    expect_no_horizontal_scroll,
    expect_same_page,
    mark_page,
)
from e2e.people import DESKTOP, PHONE, Person

# Settings.presence_idle_seconds is 300: a tab nobody touched for five minutes is idle.
IDLE_AFTER = "05:01"


def test_a_partner_sees_the_other_come_online_go_idle_and_go_offline_live(
    new_person: Callable[..., Person],
) -> None:
    # given Alex at a desk and Blake on a phone, signed up; no badge while they are unpaired
    alex = new_person("Alex", DESKTOP)
    blake = new_person("Blake", PHONE)
    alex_home = RegisterPage(alex.page).register(alex)
    RegisterPage(blake.page).register(blake)
    expect(alex_home.shell.presence).to_have_count(0)

    # when Alex asks Blake to pair and Blake accepts
    alex_pairing = PairingPage(alex.page).open()
    alex_pairing.send_request(blake.username)
    mark_page(alex.page)
    PairingPage(blake.page).open().accept_from(alex.name)

    # then each one's badge shows the other online, Alex's without a reload, wherever Alex goes
    alex_pairing.shell.expect_partner("Blake", "online", timeout=LIVE_MS)
    alex_pairing.shell.go_to("Home")
    alex_home = HomePage(alex.page).wait_until_ready()
    alex_home.shell.expect_partner("Blake", "online")
    HomePage(blake.page).open().shell.expect_partner("Alex", "online")
    expect_no_horizontal_scroll(blake.page)

    # when Blake closes Lumi, then Alex sees him offline, last seen just now
    blake.page.close()
    alex_home.shell.expect_partner("Blake", "offline", last_seen="just now", timeout=LIVE_MS)

    # when Blake opens Lumi again, then Alex sees him come online
    blake.page = blake.context.new_page()
    HomePage(blake.page).open()
    alex_home.shell.expect_partner("Blake", "online", timeout=LIVE_MS)

    # when Blake leaves Lumi open without touching it for five minutes, then he is idle
    # (his browser's clock jumps ahead, as when a laptop wakes up; the threshold is the real one)
    blake.page.clock.install()
    blake.page.clock.fast_forward(IDLE_AFTER)
    alex_home.shell.expect_partner("Blake", "idle", timeout=LIVE_MS)

    # when he moves the mouse, then he is online again
    blake.page.mouse.move(20, 20)
    alex_home.shell.expect_partner("Blake", "online", timeout=LIVE_MS)

    # when Blake switches to another app, then he is idle
    blake.look_away()
    alex_home.shell.expect_partner("Blake", "idle", timeout=LIVE_MS)

    # when he comes back to Lumi, then he is online again
    blake.come_back()
    alex_home.shell.expect_partner("Blake", "online", timeout=LIVE_MS)

    # when he closes it, then he is offline once more
    blake.page.close()
    alex_home.shell.expect_partner("Blake", "offline", last_seen="just now", timeout=LIVE_MS)

    # and Alex's page followed all of it by itself: never reloaded, nothing in the console
    expect_same_page(alex.page)
    assert alex.console_errors() == []
    assert blake.console_errors() == []
