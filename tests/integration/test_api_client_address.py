"""The app's API client forwards the browser's address, so people get their own auth budgets.

Every call reaches the API from the Reflex backend (one source address). The client reads
the browser's address from the Reflex event being handled (what ``State.router.session``
shows) and sends it on auth calls; the API, behind the real local HTTP adapter, counts it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from reflex.istate.data import RouterData
from reflex_base.constants import RouteVar
from reflex_base.event.context import EventContext

from backend.contracts import LoginRequest
from backend.local.http_adapter import LocalApiServer
from backend.local.stack import LocalStack
from backend.settings import reset_settings
from lumi_app.api_client import ApiError, LumiApi, browser_address
from tests.integration.conftest import unique_name


def browser_event(address: str) -> EventContext:
    """The context Reflex handles a browser's event in (only the routing data matters here)."""
    return EventContext(
        token=unique_name("tab"),
        state_manager=None,  # type: ignore[arg-type]
        enqueue_impl=None,  # type: ignore[arg-type]
        router_data={RouteVar.CLIENT_IP: address},
    )


@pytest.fixture
def api_url(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The API behind the real HTTP adapter, over the API tests' stack, with a low auth limit.

    Its own adapter rather than the session's full stack: that one's pollers read the
    settings all the time, and one of them may cache the old limit as the test changes it.
    """
    monkeypatch.setenv("LUMI_RATE_LIMIT_AUTH_PER_MINUTE", "3")
    reset_settings()
    server = LocalApiServer().start()
    yield server.url
    server.stop()
    reset_settings()


async def sign_in_as_nobody(api: LumiApi, address: str) -> int:
    with browser_event(address):
        try:
            await api.login(LoginRequest(login=unique_name("nobody"), password="x1234567"))
        except ApiError as error:
            return error.status
    return 200


async def test_browsers_signing_in_through_the_app_have_their_own_budgets(api_url: str) -> None:
    # given two browsers, both served by this Reflex backend (one client, one source address)
    api = LumiApi(api_url)
    first, second = (f"198.19.{random.randint(0, 255)}.{random.randint(1, 254)}" for _ in range(2))
    try:
        # when the first one uses up its sign-in budget
        assert [await sign_in_as_nobody(api, first) for _ in range(3)] == [404, 404, 404]
        assert await sign_in_as_nobody(api, first) == 429
        # then the second one still has all of its own
        assert [await sign_in_as_nobody(api, second) for _ in range(3)] == [404, 404, 404]
    finally:
        await api.aclose()


def test_the_address_is_the_one_reflex_shows_the_state() -> None:
    router_data = {RouteVar.CLIENT_IP: "203.0.113.9"}
    with browser_event("203.0.113.9"):
        assert browser_address() == RouterData.from_router_data(router_data).session.client_ip
    assert browser_address() is None  # outside an event there is no browser


@pytest.mark.parametrize("reported", ["", "unknown", "0.0.0.0, 10.0.0.1", "::ffff:not"])
def test_an_address_that_is_not_one_ip_is_not_forwarded(reported: str) -> None:
    with browser_event(reported):
        assert browser_address() is None
