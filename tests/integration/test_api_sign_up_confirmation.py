"""Signing up with the e-mailed code, as in AWS: the local stack with auto-confirm off (the code
in the local outbox), through the API against Cognito (moto, with the fix of
``backend.local.moto_fixes``), DynamoDB and Redis."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.local import moto_fixes
from backend.local.services import free_port
from backend.local.stack import LocalStack
from backend.settings import reset_settings
from tests.integration.conftest import PASSWORD, Api, Register, unique_name

PENDING_MESSAGE = "We've sent a code to your e-mail. Enter it to finish signing up."
RESENT = {
    "message": "If that account is waiting for its code, we've sent a new one. Only the newest code works.",
    "code_lifetime_seconds": 24 * 3600,
}
WRONG_CODE = {
    "error": {
        "code": "invalid_code",
        "message": "That code is not right. Check the latest e-mail from Lumi, or ask for a new code.",
        "fields": {},
    }
}


@pytest.fixture
def codes_asked(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """The session's stack with auto-confirm off (its pool's rule reads the flag at each sign-up)."""
    monkeypatch.setattr(stack, "auto_confirm_sign_up", False)
    return stack


def sign_up(api: Api, prefix: str = "new") -> tuple[str, str, tuple[int, Any]]:
    username = unique_name(prefix)
    email = f"{username}@example.com"
    answer = api.post(
        "/auth/register",
        {"email": email, "password": PASSWORD, "username": username, "display_name": prefix.title()},
        source_ip=f"198.51.{random.randint(0, 255)}.{random.randint(1, 254)}",
    )
    return email, username, answer


def codes_sent_to(stack: LocalStack, address: str) -> list[str]:
    """The sign-up codes in the outbox for ``address``, newest first."""
    return [m.code for m in stack.outbox.messages(address) if m.kind == "sign_up_code"]


def confirm(api: Api, login: str, code: str) -> tuple[int, Any]:
    return api.post("/auth/signup/confirm", {"login": login, "code": code})


def resend(api: Api, login: str) -> tuple[int, Any]:
    return api.post("/auth/signup/resend", {"login": login})


def sign_in(api: Api, login: str, password: str = PASSWORD) -> tuple[int, Any]:
    return api.post("/auth/login", {"login": login, "password": password})


def another(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_sign_up_waits_for_the_e_mailed_code_then_signs_in(api: Api, codes_asked: LocalStack) -> None:
    # when a person signs up
    email, username, (status, body) = sign_up(api)

    # then the answer says a code is needed, and no session is handed out yet
    assert status == 202, body
    assert body == {
        "status": "confirmation_needed",
        "email": email,
        "message": PENDING_MESSAGE,
        "code_lifetime_seconds": 24 * 3600,
    }
    # and exactly one code went to the outbox, in Lumi's words
    [mail] = [m for m in codes_asked.outbox.messages(email) if m.kind == "sign_up_code"]
    assert len(mail.code) == 6 and mail.code.isdigit()
    assert mail.code in mail.text and mail.subject == "Your Lumi confirmation code"

    # when they sign in before confirming, then the right password says what is missing
    status, body = sign_in(api, email)
    assert (status, body["error"]["code"]) == (401, "account_not_confirmed"), body
    # and a wrong password still says only that the two don't match
    assert sign_in(api, username, "not the password 1")[1]["error"]["code"] == "invalid_credentials"

    # when they enter the code, then the account is confirmed and signs in, in the default group
    assert confirm(api, email, mail.code) == (204, None)
    status, session = sign_in(api, username)
    assert status == 200, session
    assert session["profile"]["email"] == email
    me = api.get("/users/me", token=session["tokens"]["access_token"])
    assert me[0] == 200 and me[1]["groups"] == ["listener"], me


def test_a_wrong_code_is_refused_and_the_right_one_still_works(api: Api, codes_asked: LocalStack) -> None:
    email, username, (status, _) = sign_up(api)
    assert status == 202
    [code] = codes_sent_to(codes_asked, email)
    # a wrong code (by e-mail or username) is a 400 that says what to do
    assert confirm(api, email, another(code)) == (400, WRONG_CODE)
    assert confirm(api, username, another(another(code))) == (400, WRONG_CODE)
    assert sign_in(api, email)[0] == 401
    # the right one, with the spaces an e-mail may show, confirms by username
    assert confirm(api, username.upper(), f" {code} ") == (204, None)
    assert sign_in(api, email)[0] == 200


def test_an_expired_code_says_so(api: Api, codes_asked: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    email, _, _ = sign_up(api)
    [code] = codes_sent_to(codes_asked, email)
    issued = moto_fixes.clock()
    monkeypatch.setattr(moto_fixes, "clock", lambda: issued + 24 * 3600)
    status, body = confirm(api, email, code)
    assert (status, body["error"]["code"]) == (400, "code_expired"), body
    assert "Ask for a new one" in body["error"]["message"]


def test_a_new_code_replaces_the_last_and_the_answer_never_tells_who_exists(api: Api, codes_asked: LocalStack) -> None:
    # given an account waiting for its code, one confirmed already, and an unknown address
    waiting, _, _ = sign_up(api)
    [first] = codes_sent_to(codes_asked, waiting)
    confirmed, _, _ = sign_up(api, "done")
    assert confirm(api, confirmed, codes_sent_to(codes_asked, confirmed)[0]) == (204, None)
    unknown = f"{unique_name('ghost')}@example.com"

    # when a new code is asked for each, then every answer is the same
    assert [resend(api, login) for login in (waiting, confirmed, unknown)] == [(202, RESENT)] * 3

    # and only the waiting account got one, which replaces the first
    codes = codes_sent_to(codes_asked, waiting)
    assert len(codes) == 2
    assert len(codes_sent_to(codes_asked, confirmed)) == 1 and codes_asked.outbox.messages(unknown) == []
    if codes[0] != first:  # a new random code equals the last once in a million
        assert confirm(api, waiting, first) == (400, WRONG_CODE)
    assert confirm(api, waiting, codes[0]) == (204, None)


def test_confirming_an_unknown_or_confirmed_account_reads_as_a_wrong_code(api: Api, register: Register) -> None:
    confirmed = register("done")
    unknown = f"{unique_name('ghost')}@example.com"
    assert confirm(api, confirmed.email, "123456") == (400, WRONG_CODE)
    assert confirm(api, unknown, "123456") == (400, WRONG_CODE)
    assert confirm(api, unique_name("ghost"), "123456") == (400, WRONG_CODE)


def test_too_many_wrong_codes_wait_for_a_new_one(api: Api, codes_asked: LocalStack) -> None:
    email, _, _ = sign_up(api)
    [code] = codes_sent_to(codes_asked, email)
    for _ in range(moto_fixes.SIGN_UP_CODE_TRIES):
        assert confirm(api, email, another(code))[0] == 400
    # then even the right code is refused, with a 429 that says what to do (never a 500)
    status, body = confirm(api, email, code)
    assert status == 429, body
    assert body["error"]["code"] == "rate_limited" and "Ask for a new code" in body["error"]["message"]
    assert int(api.last_headers["retry-after"]) > 0
    # and a new code works
    assert resend(api, email)[0] == 202
    assert confirm(api, email, codes_sent_to(codes_asked, email)[0]) == (204, None)


def test_the_code_routes_check_what_they_are_given(api: Api) -> None:
    for body in ({"login": "someone@example.com", "code": "12345"}, {"login": "", "code": "123456"}, {}):
        status, answer = api.post("/auth/signup/confirm", body)
        assert status == 422, answer
    assert api.post("/auth/signup/resend", {"login": ""})[0] == 422


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LUMI_RATE_LIMIT_PASSWORD_RESET_PER_HOUR", "2")
    reset_settings()
    yield
    reset_settings()


@pytest.mark.parametrize("kind", ["waiting", "unknown"])
def test_codes_and_attempts_are_limited_per_login_per_hour(
    api: Api, codes_asked: LocalStack, low_limits: None, kind: str
) -> None:
    login = sign_up(api)[0] if kind == "waiting" else f"{unique_name('ghost')}@example.com"
    assert [resend(api, login)[0] for _ in range(2)] == [202, 202]
    status, body = api.post("/auth/signup/resend", {"login": login.upper()}, source_ip="192.0.2.78")
    assert status == 429 and "minutes" in body["error"]["message"], body
    assert [confirm(api, login, "000000")[0] for _ in range(2)] == [400, 400]
    assert confirm(api, login, "000000")[0] == 429


def test_with_auto_confirm_on_sign_up_signs_in_and_sends_no_code(api: Api, stack: LocalStack) -> None:
    assert stack.auto_confirm_sign_up
    email, _, (status, body) = sign_up(api)
    assert status == 201 and body["profile"]["email"] == email, body
    assert stack.outbox.messages(email) == []


def test_the_launcher_with_auto_confirm_off_asks_for_the_code_and_says_so(tmp_path: Path) -> None:
    """``LUMI_AUTO_CONFIRM_SIGN_UP=false python -m backend.local``, as ``make dev`` would start it."""
    from tests.integration.test_local_stack import REPO, wait_until

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LUMI_", "AWS_"))}
    env |= {"PYTHONPATH": str(REPO), "LUMI_AUTO_CONFIRM_SIGN_UP": "false", "LUMI_LOCAL_OUTBOX_PORT": "0"}
    for name in ("MOTO", "REDIS", "MQTT", "MQTT_WS", "API"):
        env[f"LUMI_LOCAL_{name}_PORT"] = str(free_port())
    env_file, log = tmp_path / "stack.env", tmp_path / "stack.log"
    command = [sys.executable, "-m", "backend.local", "--env-file", str(env_file), "--without", "pollers"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: env_file.exists() or process.poll() is not None, what="the env file")
        assert process.poll() is None, log.read_text()
        stack_env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        # the banner says how sign-up works, and the env file tells other processes
        assert stack_env["LUMI_AUTO_CONFIRM_SIGN_UP"] == "false"
        wait_until(lambda: "asks for the code e-mailed on sign-up" in log.read_text(), what="the banner")

        api = httpx.Client(base_url=stack_env["LUMI_API_URL"], timeout=10)
        email = f"{unique_name('cli')}@example.com"
        body = {"email": email, "password": PASSWORD, "username": unique_name("cli"), "display_name": "Cli"}
        assert api.post("/auth/register", json=body).status_code == 202
        found = httpx.get(f"{stack_env['LUMI_OUTBOX_URL']}messages.json", params={"to": email}, timeout=10).json()
        [message] = found["messages"]
        assert message["kind"] == "sign_up_code"
        assert api.post("/auth/signup/confirm", json={"login": email, "code": message["code"]}).status_code == 204
        assert api.post("/auth/login", json={"login": email, "password": PASSWORD}).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
