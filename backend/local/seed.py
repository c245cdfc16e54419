"""Demo data for a fresh local stack: two people who are each other's partner.

Everything goes through the public API over HTTP, exactly as the app would do it, so the
seed exercises the same validation, Cognito calls and stream handlers as real sign-ups.
Running it again is harmless: existing people log in instead, and the pairing is only
completed if it is not there yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from backend.contracts import (
    AuthSession,
    CurrentRelationship,
    LoginRequest,
    PartnerRequest,
    PartnerRequestCreate,
    PartnerRequests,
    RegisterRequest,
)

log = logging.getLogger("lumi.local.seed")

DEMO_PASSWORD = "lumi-demo-1"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    email: str
    password: str = DEMO_PASSWORD
    user_id: str = ""


DEMO_USERS: tuple[DemoUser, DemoUser] = (
    DemoUser("alex", "Alex", "alex@example.com"),
    DemoUser("sam", "Sam", "sam@example.com"),
)


class SeedError(RuntimeError):
    """The demo data cannot be put in place (say, a demo user is paired with someone else)."""


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def _check(response: httpx.Response, action: str) -> httpx.Response:
    if response.is_error:
        raise SeedError(f"{action} failed: {response.status_code} {response.text[:300]}")
    return response


class _Person:
    def __init__(self, http: httpx.Client, session: AuthSession, demo: DemoUser) -> None:
        self.http = http
        self.demo = demo
        self.profile = session.profile
        self.headers = {"Authorization": f"Bearer {session.tokens.access_token}"}

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers=self.headers)

    def post(self, path: str, json: dict | None = None) -> httpx.Response:
        return self.http.post(path, json=json, headers=self.headers)

    def current_partner(self) -> str | None:
        response = _check(self.get("/relationships/current"), "reading the pairing")
        current = CurrentRelationship.model_validate(response.json())
        return current.relationship.partner.username if current.relationship else None

    def requests(self) -> PartnerRequests:
        return PartnerRequests.model_validate(_check(self.get("/relationships/requests"), "listing requests").json())


def _sign_in(http: httpx.Client, demo: DemoUser) -> _Person:
    register = RegisterRequest(
        email=demo.email, password=demo.password, username=demo.username, display_name=demo.display_name
    )
    response = http.post("/auth/register", json=register.model_dump(mode="json"))
    if response.status_code == 201:
        log.info("created demo user %s", demo.username)
    elif response.status_code == 409 and _error_code(response) in {"username_taken", "email_taken"}:
        login = LoginRequest(login=demo.username, password=demo.password)
        response = _check(http.post("/auth/login", json=login.model_dump(mode="json")), f"logging in {demo.username}")
    else:
        _check(response, f"registering {demo.username}")
    return _Person(http, AuthSession.model_validate(response.json()), demo)


def _pair(first: _Person, second: _Person) -> None:
    names = (first.demo.username, second.demo.username)
    partners = (first.current_partner(), second.current_partner())
    if partners == (names[1], names[0]):
        log.info("%s and %s are already partners", *names)
        return
    if any(partners):
        raise SeedError(f"{names[0]} or {names[1]} is paired with someone else ({partners}); not touching that")

    pending = [r for r in second.requests().received if r.from_user.username == names[0]]
    if pending:
        request = pending[0]
    else:
        reverse = [r for r in first.requests().received if r.from_user.username == names[1]]
        if reverse:
            # The other direction is already pending: accepting it pairs them just as well.
            first, second, request = second, first, reverse[0]
        else:
            created = first.post("/relationships/requests", json=PartnerRequestCreate(to=names[1]).model_dump())
            request = PartnerRequest.model_validate(_check(created, "sending the partner request").json())
    _check(second.post(f"/relationships/requests/{request.request_id}/accept"), "accepting the partner request")
    log.info("paired %s and %s", *names)


def seed(api_url: str, users: tuple[DemoUser, DemoUser] = DEMO_USERS, timeout: float = 30.0) -> list[DemoUser]:
    """Make sure the demo users exist and are partners; return them with their ids."""
    with httpx.Client(base_url=api_url, timeout=timeout) as http:
        people = [_sign_in(http, demo) for demo in users]
        _pair(people[0], people[1])
        return [
            DemoUser(p.demo.username, p.demo.display_name, p.demo.email, p.demo.password, p.profile.user_id)
            for p in people
        ]


__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoUser", "SeedError", "seed"]
