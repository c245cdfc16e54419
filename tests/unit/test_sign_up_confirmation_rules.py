"""Pure pieces of confirming a new account's address: the emulated Cognito's code rule, the
e-mail, the request models, the local stack's per-address rule and its banner line."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.contracts import ConfirmSignUpRequest, ResendSignUpCodeRequest
from backend.local.__main__ import LauncherSettings, sign_up_mode
from backend.local.moto_fixes import SIGN_UP_CODE_TRIES, sign_up_code_problem
from backend.local.outbox import log_line
from backend.local.stack import LocalStack
from backend.mail import (
    COGNITO_CODE_SUBJECT,
    SIGN_UP_CODE_LIFETIME_SECONDS,
    cognito_code_text,
    sign_up_code_mail,
    sign_up_code_text,
)

DAY = 24 * 3600


@pytest.mark.parametrize(
    ("pending", "given", "now", "problem"),
    [
        ({"code": "123456", "issued_at": 0, "failures": 0}, "123456", 10, None),
        ({"code": "123456", "issued_at": 0}, " 123456 ", DAY - 1, None),
        ({"code": "123456", "issued_at": 0, "failures": 0}, "123457", 10, "CodeMismatchException"),
        ({"code": "123456", "issued_at": 0, "failures": SIGN_UP_CODE_TRIES - 1}, "123456", 10, None),
        ({"code": "123456", "issued_at": 0, "failures": SIGN_UP_CODE_TRIES}, "123456", 10, "LimitExceededException"),
        ({"code": "123456", "issued_at": 0, "failures": 0}, "123456", DAY, "ExpiredCodeException"),
        (None, "123456", 10, "ExpiredCodeException"),
    ],
    ids=["right", "right-with-spaces", "wrong", "right-after-4-wrong", "after-5-wrong", "a-day-old", "none-pending"],
)
def test_what_cognito_says_about_a_sign_up_code(
    pending: dict | None, given: str, now: float, problem: str | None
) -> None:
    assert sign_up_code_problem(pending, given, now) == problem


def test_the_confirmation_e_mail_gives_the_code_how_long_it_works_and_what_if_it_was_not_you() -> None:
    mail = sign_up_code_mail("ana@example.com", "042042", sent_at=5.0)
    assert (mail.to, mail.kind, mail.code, mail.sent_at) == ("ana@example.com", "sign_up_code", "042042", 5.0)
    assert "042042" in mail.text and "24 hours" in mail.text and "ignore" in mail.text
    assert SIGN_UP_CODE_LIFETIME_SECONDS == DAY
    assert log_line(mail) == "outbox: sign-up code 042042 for a***@example.com"
    assert sign_up_code_text("042042") == mail.text


def test_the_user_pools_own_template_fits_both_codes_and_has_cognitos_placeholder() -> None:
    text = cognito_code_text()
    assert text.count("{####}") == 1 and len(text) <= 20_000  # what Cognito's EmailMessage accepts
    assert "sign up" in text and "new password" in text and "ignore" in text
    assert COGNITO_CODE_SUBJECT == "Your Lumi code"


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_a_confirmation_code_is_six_digits(code: str) -> None:
    with pytest.raises(ValidationError):
        ConfirmSignUpRequest(login="ana@example.com", code=code)
    assert ConfirmSignUpRequest(login="ana", code=" 123456 ").code == "123456"
    with pytest.raises(ValidationError):
        ResendSignUpCodeRequest(login="  ")


@pytest.mark.parametrize(
    ("auto_confirm", "domains", "address", "at_once"),
    [
        (True, (), "ana@example.com", True),
        (False, (), "ana@example.com", False),
        (True, ("code.test",), "ana@code.test", False),
        (True, ("Code.Test",), "ana@CODE.test", False),
        (True, ("code.test",), "ana@example.com", True),
        (False, ("code.test",), "ana@example.com", False),
    ],
)
def test_which_new_accounts_the_local_stack_confirms_at_once(
    auto_confirm: bool, domains: tuple[str, ...], address: str, at_once: bool
) -> None:
    stack = LocalStack(auto_confirm_sign_up=auto_confirm, sign_up_code_domains=domains)
    assert stack.confirms_at_once(address) is at_once


def test_the_launcher_reads_auto_confirm_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LauncherSettings().auto_confirm_sign_up is True
    monkeypatch.setenv("LUMI_AUTO_CONFIRM_SIGN_UP", "false")
    monkeypatch.setenv("LUMI_LOCAL_SIGN_UP_CODE_DOMAINS", "code.test")
    settings = LauncherSettings()
    assert settings.auto_confirm_sign_up is False and settings.local_sign_up_code_domains == "code.test"
    assert "outbox" in sign_up_mode(False) and "LUMI_AUTO_CONFIRM_SIGN_UP=false" in sign_up_mode(True)
