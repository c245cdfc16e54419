"""A signed-in person stays signed in when their Reflex backend process changes or restarts.

The browser only ever talks to the public backend port (the :class:`BackendSwitch`); behind
it run real ``reflex run --backend-only`` processes that share nothing but Redis. Moving the
switch to another process and stopping the first one, or restarting the process, must not
ask anybody to sign in again.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from backend.local.services import free_port
from e2e.forwarder import BackendSwitch
from e2e.pages import HomePage, RegisterPage, SettingsAccountPage
from e2e.people import PHONE, Person
from tools.system import LumiSystem

pytestmark = pytest.mark.local_only(
    reason="moves a signed-in browser between Reflex backend processes the suite starts, stops and restarts itself"
)


@pytest.fixture
def backend_pool(lumi: LumiSystem, backend_switch: BackendSwitch) -> Iterator[LumiSystem]:
    """The system, left with a live backend behind the switch whatever the test did to its processes."""
    yield lumi
    if not lumi.backend_running(backend_switch.upstream):
        lumi.start_backend(backend_switch.upstream)


def test_the_session_moves_to_another_backend_process_and_survives_a_restart(
    backend_pool: LumiSystem, backend_switch: BackendSwitch, new_person: Callable[..., Person]
) -> None:
    # given Gil signed up through the first backend process
    first = backend_switch.upstream
    gil = new_person("Gil", PHONE)
    RegisterPage(gil.page).register(gil)
    assert backend_switch.connections[first] > 0

    # when a second process takes over and the first one is stopped
    second = free_port()
    backend_pool.start_backend(second)
    backend_switch.switch_to(second)
    backend_pool.stop_backend(first)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", first), timeout=2).close()

    # then a reload finds Gil still signed in, now served by the second process
    home = HomePage(gil.page).reload()
    expect(home.greeting(gil.name)).to_be_visible()
    assert backend_switch.connections[second] > 0

    # and what needs the session works there: his account, and saving a change to it
    account = SettingsAccountPage(gil.page).open()
    expect(account.username).to_have_value(gil.username)
    account.rename("Gil Moved")

    # when that process restarts
    backend_pool.stop_backend(second)
    backend_pool.start_backend(second)

    # then a reload still finds Gil signed in, with his new name
    account.reload()
    expect(account.username).to_have_value(gil.username)
    expect(account.display_name).to_have_value("Gil Moved")
    account.shell.go_to("Home")
    expect(HomePage(gil.page).greeting("Gil Moved")).to_be_visible()
