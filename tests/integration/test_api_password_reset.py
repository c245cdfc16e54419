"""Forgot password through the API: a code by e-mail (the local outbox), then a new password,
with the same answers for an unknown account as for a real one, against Cognito (moto, with
the fix of ``backend.local.moto_fixes``), DynamoDB and Redis."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from backend.domain import accounts
from backend.domain.errors import ValidationFailed
from backend.local import moto_fixes
from backend.local.stack import LocalStack
from backend.settings import reset_settings
from tests.integration.conftest import PASSWORD, Api, Person, Register, unique_name

NEW_PASSWORD = "brand new pass 9"
CODE_SENT = {
    "message": "If an account matches, we've sent a code to its e-mail.",
    "code_lifetime_seconds": 3600,
}
INVALID_CODE = {
    "error": {
        "code": "invalid_code",
        "message": "That code is not right or has expired. Ask for a new one.",
        "fields": {},
    }
}


def ask_for_code(api: Api, login: str) -> tuple[int, Any]:
    return api.post("/auth/password/forgot", {"login": login})


def reset(api: Api, login: str, code: str, new_password: str = NEW_PASSWORD) -> tuple[int, Any]:
    return api.post("/auth/password/reset", {"login": login, "code": code, "new_password": new_password})


def codes_sent_to(stack: LocalStack, address: str) -> list[str]:
    """The reset codes in the outbox for ``address``, newest first."""
    return [m.code for m in stack.outbox.messages(address) if m.kind == "reset_code"]


def new_code(api: Api, stack: LocalStack, person: Person, login: str | None = None) -> str:
    before = len(codes_sent_to(stack, person.email))
    assert ask_for_code(api, login or person.email) == (202, CODE_SENT)
    codes = codes_sent_to(stack, person.email)
    assert len(codes) == before + 1
    return codes[0]


def another(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def signs_in(api: Api, login: str, password: str) -> bool:
    status, body = api.post("/auth/login", {"login": login, "password": password})
    assert status in (200, 401), body
    return status == 200


# ---------------------------------------------------------------- asking for a code


def test_asking_for_a_code_answers_the_same_for_real_and_unknown_accounts(
    api: Api, stack: LocalStack, register: Register
) -> None:
    # given a real account
    person = register("forgot")
    logins = {
        "by e-mail": person.email,
        "by username": person.username.upper(),
        "unknown username": unique_name("ghost"),
        "unknown e-mail": f"{unique_name('ghost')}@example.com",
    }
    # when a code is asked for with each
    answers = {}
    for what, login in logins.items():
        status, body = ask_for_code(api, login)
        answers[what] = (status, body, sorted(api.last_headers))
    # then every answer is the same 202 and body
    assert len({json.dumps(answer, sort_keys=True) for answer in answers.values()}) == 1, answers
    assert answers["unknown e-mail"][:2] == (202, CODE_SENT)
    # and only the real account was sent codes, one for each time it was asked for, to its address
    assert len(codes_sent_to(stack, person.email)) == 2
    assert stack.outbox.messages(logins["unknown e-mail"]) == []
    assert not [m for m in stack.outbox.messages() if m.to.endswith("@lumi.invalid")]


def test_the_code_is_in_the_outbox_and_its_log(
    api: Api, stack: LocalStack, register: Register, caplog: pytest.LogCaptureFixture
) -> None:
    person = register("mail")
    with caplog.at_level(logging.INFO, logger="lumi.local.outbox"):
        code = new_code(api, stack, person)
    mail = stack.outbox.messages(person.email)[0]
    assert mail.subject == "Your Lumi password reset code"
    assert code in mail.text and "60 minutes" in mail.text
    assert len(code) == 6 and code.isdigit()
    assert f"outbox: reset code {code} for {person.email[0]}***@example.com" in caplog.messages


# ---------------------------------------------------------------- using it


def test_the_right_code_sets_the_new_password_once(api: Api, stack: LocalStack, register: Register) -> None:
    # given a person who asked for a code by username
    person = register("reset")
    code = new_code(api, stack, person, login=person.username)
    # when it is used with a new password
    status, body = reset(api, person.username, code)
    # then the password is changed: the old one no longer signs in, the new one does
    assert (status, body) == (204, None)
    assert not signs_in(api, person.email, PASSWORD)
    assert signs_in(api, person.email, NEW_PASSWORD)
    # and the code works only once
    assert reset(api, person.email, code, "yet another 10") == (400, INVALID_CODE)
    assert signs_in(api, person.email, NEW_PASSWORD)


def test_a_wrong_code_and_an_unknown_account_get_the_same_400(api: Api, stack: LocalStack, register: Register) -> None:
    # given a person with a code on its way
    person = register("wrong")
    code = new_code(api, stack, person)
    # when a wrong code is tried, or any code for an unknown account
    answers = [
        reset(api, person.email, another(code)),
        reset(api, unique_name("ghost"), code),
        reset(api, f"{unique_name('ghost')}@example.com", code),
    ]
    # then each gets the same answer and nothing changed
    assert answers == [(400, INVALID_CODE)] * 3
    assert signs_in(api, person.email, PASSWORD)
    # and the right code still works after a wrong one
    assert reset(api, person.email, code) == (204, None)


def test_a_new_code_replaces_the_last_one(api: Api, stack: LocalStack, register: Register) -> None:
    person = register("twice")
    first = new_code(api, stack, person)
    second = new_code(api, stack, person)
    if first != second:  # one in a million they are the same
        assert reset(api, person.email, first) == (400, INVALID_CODE)
    assert reset(api, person.email, second) == (204, None)


def test_a_code_expires_after_an_hour(
    api: Api, stack: LocalStack, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a code asked for an hour ago
    person = register("late")
    code = new_code(api, stack, person)
    issued = moto_fixes.clock()
    monkeypatch.setattr(moto_fixes, "clock", lambda: issued + 3600)
    # when it is used, then it is refused as any wrong code, and stays refused
    assert reset(api, person.email, code) == (400, INVALID_CODE)
    monkeypatch.setattr(moto_fixes, "clock", lambda: issued)
    assert reset(api, person.email, code) == (400, INVALID_CODE)
    assert signs_in(api, person.email, PASSWORD)


def test_a_weak_new_password_is_refused_on_its_field(api: Api, stack: LocalStack, register: Register) -> None:
    person = register("weak")
    code = new_code(api, stack, person)
    for weak in ("short1", "nodigitshere", "12345678901"):
        status, body = reset(api, person.email, code, weak)
        assert status == 422, body
        assert body["error"]["code"] == "validation_error"
        assert set(body["error"]["fields"]) == {"new_password"}
        assert "8 characters" in body["error"]["fields"]["new_password"]
        assert "digit" in body["error"]["fields"]["new_password"]
    # and the code was not used up by it
    assert reset(api, person.email, code) == (204, None)


def test_a_password_the_pool_refuses_is_refused_on_its_field(api: Api, stack: LocalStack, register: Register) -> None:
    """Should the contract and the pool's policy drift apart, Cognito's verdict still reads well."""
    person = register("pool")
    code = new_code(api, stack, person)
    with pytest.raises(ValidationFailed) as refused:
        accounts.reset_password(person.email, code, "abc")
    assert refused.value.code == "weak_password" and set(refused.value.fields) == {"new_password"}
    assert reset(api, person.email, code) == (204, None)


def test_a_malformed_code_is_refused_on_its_field(api: Api) -> None:
    status, body = reset(api, unique_name("ghost"), "12ab56")
    assert status == 422
    assert body["error"]["fields"] == {"code": "Enter the 6-digit code from the e-mail."}


# ---------------------------------------------------------------- sessions


def test_a_reset_signs_out_every_session(api: Api, stack: LocalStack, register: Register) -> None:
    # given a person signed in twice, one session refreshed since
    person = register("everywhere")
    status, second = api.post("/auth/login", {"login": person.username, "password": PASSWORD})
    assert status == 200
    status, refreshed = api.post("/auth/refresh", {"refresh_token": second["tokens"]["refresh_token"]})
    assert status == 200
    tokens = [person.access_token, second["tokens"]["access_token"], refreshed["access_token"]]
    assert all(api.get("/users/me", token=token)[0] == 200 for token in tokens)
    # when the password is reset
    assert reset(api, person.email, new_code(api, stack, person)) == (204, None)
    # then no access token of before works, and no refresh token renews one
    assert [api.get("/users/me", token=token)[0] for token in tokens] == [401, 401, 401]
    for refresh_token in (person.refresh_token, second["tokens"]["refresh_token"]):
        assert api.post("/auth/refresh", {"refresh_token": refresh_token})[0] == 401
    # and a sign-in with the new password makes a session that works
    status, after = api.post("/auth/login", {"login": person.email, "password": NEW_PASSWORD})
    assert status == 200
    assert api.get("/users/me", token=after["tokens"]["access_token"])[0] == 200
    assert api.post("/auth/refresh", {"refresh_token": after["tokens"]["refresh_token"]})[0] == 200


def test_a_wrong_code_signs_nobody_out(api: Api, stack: LocalStack, register: Register) -> None:
    person = register("stays")
    code = new_code(api, stack, person)
    assert reset(api, person.email, another(code)) == (400, INVALID_CODE)
    assert api.get("/users/me", token=person.access_token)[0] == 200


# ---------------------------------------------------------------- rate limits


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LUMI_RATE_LIMIT_AUTH_PER_MINUTE", "4")
    monkeypatch.setenv("LUMI_RATE_LIMIT_PASSWORD_RESET_PER_HOUR", "2")
    reset_settings()
    yield
    reset_settings()


@pytest.mark.parametrize("kind", ["real", "unknown"])
def test_codes_and_attempts_are_limited_per_login_per_hour(
    api: Api, register: Register, low_limits: None, kind: str
) -> None:
    # given a login, real or unknown (being limited must not tell them apart either)
    login = register("limited").email if kind == "real" else f"{unique_name('ghost')}@example.com"
    # when codes are asked for from different addresses, then two an hour are answered
    assert [ask_for_code(api, login)[0] for _ in range(2)] == [202, 202]
    status, body = api.post("/auth/password/forgot", {"login": login.upper()}, source_ip="192.0.2.77")
    assert status == 429, body
    assert body["error"]["code"] == "rate_limited" and "minutes" in body["error"]["message"]
    assert 60 < int(api.last_headers["retry-after"]) <= 3600
    # and attempts to use a code are limited the same way, on their own budget
    assert [reset(api, login, "000000")[0] for _ in range(2)] == [400, 400]
    assert reset(api, login, "000000")[0] == 429


def test_reset_routes_share_the_per_client_budget_of_auth_routes(api: Api, low_limits: None) -> None:
    # four auth attempts a minute from one address, whichever route and login
    assert ask_for_code(api, unique_name("a"))[0] == 202
    assert reset(api, unique_name("b"), "123456")[0] == 400
    assert api.post("/auth/login", {"login": unique_name("c"), "password": "x1234567"})[0] == 401
    assert ask_for_code(api, unique_name("d"))[0] == 202
    assert ask_for_code(api, unique_name("e"))[0] == 429
