"""Accounts through the API against real Cognito (moto), DynamoDB and Redis."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm
from moto.utilities.utils import load_resource

from backend.api.auth import verify_access_token
from backend.aws import client
from backend.contracts import APP_SERVER_HEADER, CLIENT_IP_HEADER
from backend.domain import accounts
from backend.domain.errors import Conflict, WeakPassword
from backend.settings import get_settings, reset_settings
from backend.store import keys, table
from tests.integration.conftest import PASSWORD, Api, Person, Register, unique_name

# ---------------------------------------------------------------- tokens made with the emulator's own key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def sign_like_cognito(claims: dict[str, Any]) -> str:
    """Sign with the private key moto signs with, so only the claims we change differ."""
    private = RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": "dummy"})


def unsigned_token(claims: dict[str, Any], alg: str = "none") -> str:
    header = _b64(json.dumps({"alg": alg, "kid": "dummy", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def hs256_with_public_key(claims: dict[str, Any]) -> str:
    """The classic confusion attack: HMAC keyed with the (public) RSA key."""
    public = json.dumps(load_resource("cognitoidp/resources/jwks-public.json")).encode()
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'kid': 'dummy'}).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def assert_error(response: tuple[int, Any], status: int, code: str) -> dict[str, Any]:
    got_status, body = response
    assert got_status == status, body
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# ---------------------------------------------------------------- sign-up and sign-in


def test_register_signs_in_and_returns_the_profile(api: Api) -> None:
    # given
    username = unique_name("reg")
    # when
    status, body = api.post(
        "/auth/register",
        {"email": f"{username.upper()}@Example.COM", "password": PASSWORD, "username": username, "display_name": "Ana"},
    )
    # then
    assert status == 201, body
    profile = body["profile"]
    assert profile["username"] == username
    assert profile["email"] == f"{username}@example.com"  # one spelling per address
    assert profile["groups"] == ["listener"]
    assert profile["relationship_id"] is None
    claims = claims_of(body["tokens"]["access_token"])
    assert claims["sub"] == profile["user_id"] and claims["token_use"] == "access"
    assert body["tokens"]["token_type"] == "Bearer" and body["tokens"]["expires_in"] > 0
    status, me = api.get("/users/me", token=body["tokens"]["access_token"])
    assert status == 200 and me == profile
    assert table.get(keys.username_claim(username))["user_id"] == profile["user_id"]
    assert table.get(keys.email_claim(f"{username}@example.com"))["user_id"] == profile["user_id"]


def test_login_by_email_and_by_username(api: Api, register: Register) -> None:
    person = register("login")
    for login in (person.email, person.username, person.email.upper(), f"  {person.username}  "):
        status, body = api.post("/auth/login", {"login": login, "password": person.password})
        assert status == 200, (login, body)
        assert body["profile"]["user_id"] == person.user_id
        assert api.get("/users/me", token=body["tokens"]["access_token"])[0] == 200


def test_a_username_typed_with_capitals_is_kept_in_lower_case(api: Api) -> None:
    # given someone who types their name the way they write it
    typed = f"Ana.Lee.{unique_name('x').split('_')[1].upper()}"
    request = {"email": f"{typed}@example.com", "password": PASSWORD, "username": f" {typed} ", "display_name": "Ana"}
    # when they register, then the account is theirs under the lower-case name
    status, body = api.post("/auth/register", request)
    assert status == 201, body
    assert body["profile"]["username"] == typed.lower()
    assert table.get(keys.username_claim(typed.lower()))["user_id"] == body["profile"]["user_id"]
    # and they sign in with any spelling of it
    status, signed_in = api.post("/auth/login", {"login": typed.upper(), "password": PASSWORD})
    assert status == 200, signed_in
    assert signed_in["profile"]["user_id"] == body["profile"]["user_id"]
    # and another spelling is the same name, so it is taken
    again = {**request, "email": f"other.{typed}@example.com", "username": typed.swapcase()}
    assert_error(api.post("/auth/register", again), 409, "username_taken")


def test_an_unknown_account_and_a_wrong_password_get_the_same_answer(api: Api, register: Register) -> None:
    # given a real account
    person = register("fail")
    attempts = {
        "wrong password, by username": {"login": person.username, "password": "not it 123"},
        "wrong password, by e-mail": {"login": person.email.upper(), "password": "not it 123"},
        "unknown username": {"login": unique_name("ghost"), "password": PASSWORD},
        "unknown e-mail": {"login": "ghost@nowhere.example", "password": PASSWORD},
    }
    # when each is tried, then every answer is the same, status, body and headers
    answers = {}
    for what, attempt in attempts.items():
        status, body = api.post("/auth/login", attempt)
        answers[what] = (status, body, sorted(api.last_headers))
    assert len({json.dumps(answer, sort_keys=True) for answer in answers.values()}) == 1, answers
    status, body, _ = answers["unknown e-mail"]
    assert status == 401
    assert body == {
        "error": {
            "code": "invalid_credentials",
            "message": "That e-mail or username and password don't match.",
            "fields": {},
        }
    }


def test_an_unknown_account_goes_through_the_same_steps(
    api: Api, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So it is not answered in an obviously shorter time: Cognito is asked either way, about the
    real address or about a stand-in that cannot exist (never about what a stranger typed)."""
    person = register("steps")
    asked: list[str] = []
    original = accounts.user_pool.password_sign_in

    def asking(address: str, password: str, wrong: Any = None) -> Any:
        asked.append(address)
        return original(address, password, wrong)

    monkeypatch.setattr(accounts.user_pool, "password_sign_in", asking)
    ghost = unique_name("ghost")
    for login in (person.username, ghost, ghost.upper(), f"{ghost}@example.com"):
        assert api.post("/auth/login", {"login": login, "password": "not it 123"})[0] == 401
    known, unknown, same_unknown, unknown_email = asked
    assert known == person.email
    assert unknown == same_unknown and unknown.endswith("@lumi.invalid")
    assert unknown_email.endswith("@lumi.invalid") and unknown_email != unknown


def test_duplicate_username_or_email_is_a_conflict(api: Api, register: Register) -> None:
    person = register("dup")
    other = unique_name("other")
    taken_name = {"email": f"{other}@example.com", "password": PASSWORD, "username": person.username}
    assert_error(api.post("/auth/register", {**taken_name, "display_name": "X"}), 409, "username_taken")
    taken_mail = {"email": person.email.upper(), "password": PASSWORD, "username": other, "display_name": "X"}
    assert_error(api.post("/auth/register", taken_mail), 409, "email_taken")
    # neither attempt left a Cognito user or a claim behind
    assert table.get(keys.username_claim(other)) is None
    assert _cognito_users(f"{other}@example.com") == 0


def test_weak_password_gets_a_clear_error(api: Api) -> None:
    name = unique_name("weak")
    for password in ("short1", "nodigitshere", "12345678901"):
        error = assert_error(
            api.post(
                "/auth/register",
                {"email": f"{name}@example.com", "password": password, "username": name, "display_name": "W"},
            ),
            422,
            "validation_error",
        )
        assert set(error["fields"]) == {"password"}
        assert "8 characters" in error["fields"]["password"] and "digit" in error["fields"]["password"]
    assert _cognito_users(f"{name}@example.com") == 0


def _cognito_users(email: str) -> int:
    response = client("cognito-idp").list_users(UserPoolId=get_settings().user_pool_id, Filter=f'email = "{email}"')
    return len(response["Users"])


def test_concurrent_registrations_of_one_username_leave_exactly_one_account(api: Api) -> None:
    """Eight sign-ups race for one username with different e-mails.

    Powertools keeps the current event on the resolver class (one invocation per Lambda
    environment; the local HTTP adapter serialises too), so the race is run where its
    protection lives: the same use case the route calls, on eight threads at once.
    """
    # given
    username = unique_name("race")
    emails = [f"{username}.{i}@example.com" for i in range(8)]
    barrier = threading.Barrier(len(emails))
    outcomes: list[str] = []

    def sign_up(email: str) -> None:
        barrier.wait()
        try:
            accounts.register(email, PASSWORD, username, "Racer", verify_access_token)
            outcomes.append("ok")
        except Conflict as error:
            outcomes.append(error.code)

    # when
    threads = [threading.Thread(target=sign_up, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then
    assert sorted(outcomes) == ["ok"] + ["username_taken"] * 7, outcomes
    owner = table.get(keys.username_claim(username))["user_id"]
    profiles = [e for e in emails if table.get(keys.email_claim(e))]
    assert len(profiles) == 1
    assert table.get(keys.profile(owner))["email"] == profiles[0]
    assert sum(_cognito_users(email) for email in emails) == 1
    assert _profiles_named(username) == 1
    status, _ = api.post("/auth/login", {"login": username, "password": PASSWORD})
    assert status == 200


def _profiles_named(username: str) -> int:
    """A test-only Scan: the API never scans, but a test may look everywhere for leftovers."""
    found = 0
    for page in (
        client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=get_settings().table_name,
            FilterExpression="#t = :profile AND username = :name",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={":profile": {"S": "UserProfile"}, ":name": {"S": username}},
        )
    ):
        found += page["Count"]
    return found


def test_a_password_cognito_refuses_is_a_weak_password_and_leaves_nothing() -> None:
    """The contract mirrors the pool's policy; should they drift, Cognito's verdict still reads well."""
    name = unique_name("cog")
    with pytest.raises(WeakPassword):
        accounts.register(f"{name}@example.com", "abc", name, "Weak", verify_access_token)
    assert _cognito_users(f"{name}@example.com") == 0
    assert table.get(keys.username_claim(name)) is None


# ---------------------------------------------------------------- sessions


def test_refresh_returns_a_new_access_token_and_the_same_refresh_token(api: Api, register: Register) -> None:
    person = register("fresh")
    status, tokens = api.post("/auth/refresh", {"refresh_token": person.refresh_token})
    assert status == 200, tokens
    assert tokens["refresh_token"] == person.refresh_token
    assert tokens["access_token"] != person.access_token
    assert claims_of(tokens["access_token"])["sub"] == person.user_id
    assert api.get("/users/me", token=tokens["access_token"])[0] == 200
    assert_error(api.post("/auth/refresh", {"refresh_token": "not-a-refresh-token"}), 401, "session_expired")


def test_logout_ends_this_session_only(api: Api, register: Register) -> None:
    # given two sessions of one person
    person = register("bye")
    status, other = api.post("/auth/login", {"login": person.email, "password": person.password})
    assert status == 200
    # when the first signs out
    status, body = api.post("/auth/logout", {"refresh_token": person.refresh_token}, token=person.access_token)
    assert status == 204 and body is None
    # then its access token and refresh token are dead
    assert_error(api.get("/users/me", token=person.access_token), 401, "unauthorized")
    assert_error(api.post("/auth/refresh", {"refresh_token": person.refresh_token}), 401, "session_expired")
    # and the other session lives on
    assert api.get("/users/me", token=other["tokens"]["access_token"])[0] == 200
    assert api.post("/auth/refresh", {"refresh_token": other["tokens"]["refresh_token"]})[0] == 200


def test_logout_without_refresh_token_still_blocks_refreshing_that_session(api: Api, register: Register) -> None:
    person = register("bye2")
    assert api.post("/auth/logout", {}, token=person.access_token)[0] == 204
    # the refreshed token would carry the signed-out session's origin_jti
    assert_error(api.post("/auth/refresh", {"refresh_token": person.refresh_token}), 401, "session_expired")


@pytest.fixture
def person(register: Register) -> Person:
    return register("tok")


def test_a_token_re_signed_unchanged_is_accepted(api: Api, person: Person) -> None:
    """The control for the cases below: our signing is right, so only the changed claim fails them."""
    token = sign_like_cognito(claims_of(person.access_token))
    assert api.get("/users/me", token=token)[0] == 200


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c: sign_like_cognito({**c, "exp": int(time.time()) - 600}), id="expired"),
        pytest.param(lambda c: sign_like_cognito({**c, "client_id": "someone-elses-app"}), id="wrong-audience"),
        pytest.param(lambda c: sign_like_cognito({**c, "iss": c["iss"] + "x"}), id="wrong-issuer"),
        pytest.param(lambda c: sign_like_cognito({**c, "token_use": "id"}), id="id-token"),
        pytest.param(lambda c: sign_like_cognito({k: v for k, v in c.items() if k != "exp"}), id="no-exp"),
        pytest.param(lambda c: unsigned_token(c), id="alg-none"),
        pytest.param(lambda c: unsigned_token(c, alg="None"), id="alg-None"),
        pytest.param(lambda c: hs256_with_public_key(c), id="hs256"),
    ],
)
def test_forged_tokens_are_refused(api: Api, person: Person, forge: Any) -> None:
    assert_error(api.get("/users/me", token=forge(claims_of(person.access_token))), 401, "unauthorized")


def test_a_tampered_token_is_refused(api: Api, person: Person, register: Register) -> None:
    someone = register("victim")
    header, payload, signature = person.access_token.split(".")
    claims = {**claims_of(person.access_token), "sub": someone.user_id}
    tampered = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    assert_error(api.get("/users/me", token=tampered), 401, "unauthorized")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert_error(api.get("/users/me", token=f"{header}.{payload}.{flipped}"), 401, "unauthorized")


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Bearer a.b", "Bearer " + "x" * 5000],
)
def test_missing_or_garbage_authorization_is_401(api: Api, authorization: str) -> None:
    headers = {"authorization": authorization} if authorization else {}
    assert_error(api.get("/users/me", headers=headers), 401, "unauthorized")


def test_a_token_with_an_unknown_key_id_is_refused(api: Api, person: Person) -> None:
    private = RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))
    token = jwt.encode(claims_of(person.access_token), private, algorithm="RS256", headers={"kid": "rotated-away"})
    assert_error(api.get("/users/me", token=token), 401, "unauthorized")


# ---------------------------------------------------------------- password and account


def test_change_password(api: Api, register: Register) -> None:
    person = register("pw")
    new = "another secret 2"
    assert_error(
        api.post(
            "/auth/password", {"current_password": "wrong pass 1", "new_password": new}, token=person.access_token
        ),
        400,
        "wrong_password",
    )
    error = assert_error(
        api.post("/auth/password", {"current_password": PASSWORD, "new_password": "weak"}, token=person.access_token),
        422,
        "validation_error",
    )
    assert "new_password" in error["fields"]
    status, _ = api.post(
        "/auth/password", {"current_password": PASSWORD, "new_password": new}, token=person.access_token
    )
    assert status == 204
    assert_error(api.post("/auth/login", {"login": person.email, "password": PASSWORD}), 401, "invalid_credentials")
    assert api.post("/auth/login", {"login": person.email, "password": new})[0] == 200


def test_delete_account_needs_the_password(api: Api, register: Register) -> None:
    person = register("keep")
    error = assert_error(
        api.post("/auth/delete-account", {"password": "not mine 1"}, token=person.access_token), 400, "wrong_password"
    )
    assert error["fields"] == {}
    assert api.get("/users/me", token=person.access_token)[0] == 200


# ---------------------------------------------------------------- rate limits


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LUMI_RATE_LIMIT_AUTH_PER_MINUTE", "3")
    monkeypatch.setenv("LUMI_RATE_LIMIT_REQUESTS_PER_MINUTE", "2")
    reset_settings()
    yield
    reset_settings()


def test_sign_in_attempts_are_rate_limited_per_ip_and_per_login(api: Api, register: Register, low_limits: None) -> None:
    person = register("limit")
    attempt = {"login": person.username, "password": "guessing 1"}
    # per client IP: three attempts, then 429 with Retry-After
    for _ in range(3):
        assert api.post("/auth/login", attempt, source_ip="192.0.2.1")[0] == 401
    error = assert_error(api.post("/auth/login", attempt, source_ip="192.0.2.1"), 429, "rate_limited")
    assert error["message"]
    retry_after = int(api.last_headers["retry-after"])
    assert 1 <= retry_after <= 60
    # per login identifier: a new IP does not get a new budget for the same account
    assert_error(api.post("/auth/login", attempt, source_ip="192.0.2.99"), 429, "rate_limited")
    # other people from other addresses are unaffected
    other = {"login": unique_name("nobody"), "password": "x1234567"}
    assert api.post("/auth/login", other, source_ip="192.0.2.200")[0] == 401


def random_address(version: int = 4) -> str:
    if version == 6:
        return f"2001:db8::{random.randint(1, 0xFFFF):x}:{random.randint(1, 0xFFFF):x}"
    return f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"


def sign_in_as_nobody(api: Api, forwarded: str | None) -> int:
    """One sign-in attempt for an unknown login (so only the per-client budget counts), made by
    the app server (with its secret) for the browser at ``forwarded``."""
    headers = {APP_SERVER_HEADER: get_settings().app_server_secret}
    if forwarded is not None:
        headers[CLIENT_IP_HEADER] = forwarded
    return api.post("/auth/login", {"login": unique_name("nobody"), "password": "x1234567"}, headers=headers)[0]


def test_browsers_behind_the_reflex_backend_have_their_own_budgets(api: Api, low_limits: None) -> None:
    # given two browsers whose calls all come from the one Reflex backend (one source IP)
    first, second = random_address(), random_address()
    # when the first one uses up its budget
    assert [sign_in_as_nobody(api, first) for _ in range(3)] == [401, 401, 401]
    assert sign_in_as_nobody(api, first) == 429
    # then the second one still has all of its own
    assert [sign_in_as_nobody(api, second) for _ in range(3)] == [401, 401, 401]
    # and an address counts as one whatever its spelling
    assert sign_in_as_nobody(api, f" {first} ") == 429
    third = random_address(version=6)
    assert [sign_in_as_nobody(api, third) for _ in range(3)] == [401, 401, 401]
    assert sign_in_as_nobody(api, third.replace("2001:db8::", "2001:0db8:0:0:0:0:")) == 429


def test_a_forwarded_address_is_ignored_when_the_header_is_not_trusted(
    api: Api, low_limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUMI_TRUSTED_CLIENT_IP_HEADER", "false")
    reset_settings()
    # every attempt claims another browser, with the app server's secret, but they all come from one address
    assert [sign_in_as_nobody(api, random_address()) for _ in range(3)] == [401, 401, 401]
    assert sign_in_as_nobody(api, random_address()) == 429
    assert sign_in_as_nobody(api, None) == 429


@pytest.mark.parametrize("garbage", ["not-an-ip", "203.0.113.1, 203.0.113.2", "", "203.0.113.999", "1" * 100])
def test_a_forwarded_value_that_is_not_an_ip_address_is_ignored(api: Api, low_limits: None, garbage: str) -> None:
    # given the source address's budget used up by attempts without the header
    assert [sign_in_as_nobody(api, None) for _ in range(3)] == [401, 401, 401]
    # when garbage is forwarded, the source address still counts
    assert sign_in_as_nobody(api, garbage) == 429
    # while a real forwarded address gets its own budget
    assert sign_in_as_nobody(api, random_address(version=6)) == 401


def test_partner_requests_are_rate_limited_per_person(api: Api, register: Register, low_limits: None) -> None:
    sender = register("eager")
    targets = [register("t") for _ in range(3)]
    assert api.post("/relationships/requests", {"to": targets[0].username}, token=sender.access_token)[0] == 201
    assert api.post("/relationships/requests", {"to": targets[1].username}, token=sender.access_token)[0] == 201
    assert_error(
        api.post("/relationships/requests", {"to": targets[2].username}, token=sender.access_token), 429, "rate_limited"
    )
    assert int(api.last_headers["retry-after"]) >= 1


class JwksServer:
    """Stands in for the pool's JWKS endpoint so keys can rotate; counts how often it is asked."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.keys = keys
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_signing_keys_are_cached_and_fetched_again_for_an_unknown_key_id(
    api: Api, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.api import auth

    public = load_resource("cognitoidp/resources/jwks-public.json")["keys"][0]
    server = JwksServer([public])
    try:
        monkeypatch.setenv("LUMI_JWKS_URL", server.url)
        monkeypatch.setattr(auth, "MIN_REFETCH_SECONDS", 0.0)
        reset_settings()
        private = RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))
        claims = claims_of(person.access_token)

        def token(kid: str) -> str:
            return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})

        # the keys are fetched once and then served from the cache
        assert api.get("/users/me", token=token("dummy"))[0] == 200
        assert api.get("/users/me", token=token("dummy"))[0] == 200
        assert server.requests == 1
        # a rotated key is picked up by fetching again
        server.keys = [public, {**public, "kid": "rotated"}]
        assert api.get("/users/me", token=token("rotated"))[0] == 200
        assert server.requests == 2
        # a key id nobody publishes costs one more fetch, then a 401
        assert_error(api.get("/users/me", token=token("never-published")), 401, "unauthorized")
        assert server.requests == 3
    finally:
        server.stop()
        monkeypatch.undo()
        reset_settings()
