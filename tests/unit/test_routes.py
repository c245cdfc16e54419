"""Where the app sends people: after signing in, and from a notification's link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from lumi_app import routes


def test_signing_in_returns_to_the_moment_that_was_asked_for() -> None:
    # given a signed-out person opening a moment from a push notification
    url = routes.login_url("/moments/watch/?id=0001abc#chat")

    # when they sign in, the page and its id come back (not just the page)
    next_path = parse_qs(urlsplit(url).query)["next"][0]
    assert routes.safe_next(next_path) == "/moments/watch?id=0001abc"


@pytest.mark.parametrize(
    "next_path",
    ["https://evil.example/home", "//evil.example/home", "/not-a-page?id=1", "home", None, ""],
)
def test_after_signing_in_only_pages_of_the_app_are_followed(next_path: str | None) -> None:
    assert routes.safe_next(next_path) == routes.HOME


def test_public_pages_are_not_remembered() -> None:
    assert routes.login_url("/register?x=1") == routes.LOGIN


def test_moment_and_tag_urls_quote_their_ids() -> None:
    assert routes.moment_url("a b/c") == "/moments/watch?id=a%20b%2Fc"
    assert routes.tag_url("road-trip") == "/moments/tag?slug=road-trip"


@pytest.mark.parametrize("link", ["//evil.example", "https://evil.example", "\\\\evil", "", None])
def test_notification_links_stay_in_the_app(link: str | None) -> None:
    assert routes.in_app_link(link) == routes.HOME
