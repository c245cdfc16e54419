"""The app's API client forwards the browser's address, so people get their own auth budgets.

Every call reaches the API from the Reflex backend (one source address). The client reads
the browser's address from the Reflex event being handled (what ``State.router.session``
shows) and sends it on auth calls with the app server's secret; the API, behind the real
local HTTP adapter, counts that address only for the app server. Anyone else who reaches
the API (here: from its own loopback address) is counted by where the call comes from,
whatever address it claims.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import httpx
import pytest
from reflex.istate.data import RouterData
from reflex_base.constants import RouteVar
from reflex_base.event.context import EventContext

from backend.contracts import APP_SERVER_HEADER, CLIENT_IP_HEADER, LoginRequest
from backend.local.http_adapter import LocalApiServer
from backend.local.stack import LocalStack
from backend.settings import Settings, get_settings, reset_settings
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


def loopback_address() -> str:
    """A source address of our own on the loopback network, so this test's budget is its own."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def browser_address_for_test() -> str:
    return f"198.19.{random.randint(0, 255)}.{random.randint(1, 254)}"


def app_server(api_url: str) -> LumiApi:
    """The app's client as the Reflex backend makes it, from a source address of its own."""
    transport = httpx.AsyncHTTPTransport(local_address=loopback_address())
    return LumiApi(api_url, app_server_secret=get_settings().app_server_secret, transport=transport)


async def sign_in_as_nobody(api: LumiApi, address: str) -> int:
    with browser_event(address):
        try:
            await api.login(LoginRequest(login=unique_name("nobody"), password="x1234567"))
        except ApiError as error:
            return error.status
    return 200


async def test_browsers_signing_in_through_the_app_have_their_own_budgets(api_url: str) -> None:
    # given two browsers, both served by this Reflex backend (one client, one source address)
    api = app_server(api_url)
    first, second = browser_address_for_test(), browser_address_for_test()
    try:
        # when the first one uses up its sign-in budget
        assert [await sign_in_as_nobody(api, first) for _ in range(3)] == [401, 401, 401]
        assert await sign_in_as_nobody(api, first) == 429
        # then the second one still has all of its own
        assert [await sign_in_as_nobody(api, second) for _ in range(3)] == [401, 401, 401]
    finally:
        await api.aclose()


# What a caller that is not the app server may send instead of the app server's secret.
NOT_THE_SECRET: dict[str, Callable[[str], str | None]] = {
    "none": lambda secret: None,
    "empty": lambda secret: "",
    "another": lambda secret: "not-the-secret",
    "cut-short": lambda secret: secret[:-1],
    "longer": lambda secret: f"{secret}x",
}


@pytest.mark.parametrize("not_the_secret", NOT_THE_SECRET.values(), ids=NOT_THE_SECRET.keys())
def test_a_direct_caller_cannot_choose_its_budget(api_url: str, not_the_secret: Callable[[str], str | None]) -> None:
    # given a caller that reaches the API itself (not through the app) and claims another
    # browser's address on every attempt, without the app server's secret
    presented = not_the_secret(get_settings().app_server_secret)
    caller = httpx.Client(base_url=api_url, transport=httpx.HTTPTransport(local_address=loopback_address()))

    def attempt() -> int:
        headers = {CLIENT_IP_HEADER: browser_address_for_test()}
        if presented is not None:
            headers[APP_SERVER_HEADER] = presented
        body = {"login": unique_name("nobody"), "password": "x1234567"}
        return caller.post("/auth/login", json=body, headers=headers).status_code

    with caller:
        # when it makes more attempts than one budget allows, then they all count as its own
        assert [attempt() for _ in range(3)] == [401, 401, 401]
        assert attempt() == 429


async def test_with_the_header_not_trusted_even_the_app_server_gets_one_budget(
    api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an API that does not believe forwarded addresses, whoever sends them
    monkeypatch.setenv("LUMI_TRUSTED_CLIENT_IP_HEADER", "false")
    reset_settings()
    api = app_server(api_url)
    try:
        # when the app server signs in for a new browser each time, then they share its budget
        assert [await sign_in_as_nobody(api, browser_address_for_test()) for _ in range(3)] == [401, 401, 401]
        assert await sign_in_as_nobody(api, browser_address_for_test()) == 429
    finally:
        await api.aclose()


def test_forwarded_addresses_are_not_trusted_unless_configured() -> None:
    """Off and secretless by default: only a deployment that set both up trusts the header."""
    assert Settings.model_fields["trusted_client_ip_header"].default is False
    assert Settings.model_fields["app_server_secret"].default == ""


def test_the_local_stack_trusts_only_its_own_app_server(stack: LocalStack) -> None:
    env = stack.env()
    assert env["LUMI_TRUSTED_CLIENT_IP_HEADER"] == "true"
    assert len(env["LUMI_APP_SERVER_SECRET"]) >= 32


def test_the_address_is_the_one_reflex_shows_the_state() -> None:
    router_data = {RouteVar.CLIENT_IP: "203.0.113.9"}
    with browser_event("203.0.113.9"):
        assert browser_address() == RouterData.from_router_data(router_data).session.client_ip
    assert browser_address() is None  # outside an event there is no browser


@pytest.mark.parametrize("reported", ["", "unknown", "0.0.0.0, 10.0.0.1", "::ffff:not"])
def test_an_address_that_is_not_one_ip_is_not_forwarded(reported: str) -> None:
    with browser_event(reported):
        assert browser_address() is None


def test_in_aws_only_the_app_servers_role_may_forward_addresses(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's real handler, with events as an IAM-auth function URL hands them over."""
    from backend.api.app import handler
    from backend.local.lambda_context import LocalLambdaContext
    from tests.builders import function_url_event, iam_caller

    # given the API as infra/ configures it: the app server's role named, no secret
    monkeypatch.setenv("LUMI_RATE_LIMIT_AUTH_PER_MINUTE", "3")
    monkeypatch.setenv("LUMI_APP_SERVER_ROLE_ARN", "arn:aws:iam::123456789012:role/LumiAppServerTaskRole")
    monkeypatch.setenv("LUMI_TRUSTED_CLIENT_IP_HEADER", "false")
    reset_settings()
    app_server = iam_caller("arn:aws:sts::123456789012:assumed-role/LumiAppServerTaskRole/task-1")
    someone_else = iam_caller("arn:aws:sts::123456789012:assumed-role/SomeOtherRole/session")
    source = loopback_address()  # both callers leave through the same NAT address

    def attempt(caller: dict, browser: str) -> int:
        event = function_url_event(
            "POST",
            "/auth/login",
            json={"login": unique_name("nobody"), "password": "x1234567"},
            source_ip=source,
            headers={CLIENT_IP_HEADER: browser},
            iam=caller,
        )
        return int(handler(event, LocalLambdaContext(function_name="lumi-api"))["statusCode"])

    try:
        # when the app server signs in for one browser until its budget is spent
        first, second = browser_address_for_test(), browser_address_for_test()
        assert [attempt(app_server, first) for _ in range(4)] == [401, 401, 401, 429]
        # then another browser it serves has its own budget
        assert attempt(app_server, second) == 401
        # and another signed caller claiming new browsers each time is counted by its source
        assert [attempt(someone_else, browser_address_for_test()) for _ in range(4)] == [401, 401, 401, 429]
    finally:
        reset_settings()
