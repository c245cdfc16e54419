"""The emulated Cognito keeps the forgot-password, sign-up-code and sign-out promises Lumi relies on.

moto 5.2.5 alone breaks them (see ``backend.local.moto_fixes``, items 4-6 and 8). The canaries
(``test_raw_moto_…``) call moto's own code and fail once moto changes, saying which part of
the fix can go; the other tests show the fixed emulator answers as Cognito does, through
boto3 against the stack's moto server.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse

from backend.aws import client
from backend.local import moto_fixes
from backend.local.stack import LocalStack
from backend.resources import PASSWORD_POLICY
from backend.settings import get_settings
from tests.integration.conftest import PASSWORD, Person, Register

NEW_PASSWORD = "a new one 42"

# ---------------------------------------------------------------- canaries: raw moto


class RawPool:
    """A user pool in a moto backend of its own, as Lumi's is made (e-mail as the username)."""

    def __init__(self) -> None:
        self.backend = CognitoIdpBackend("us-east-1", "123456789012")
        self.pool = self.backend.create_user_pool(
            "canary", {"UsernameAttributes": ["email"], "Policies": {"PasswordPolicy": PASSWORD_POLICY}}
        )
        self.client_id = self.backend.create_user_pool_client(
            self.pool.id, False, {"ClientName": "canary", "PreventUserExistenceErrors": "ENABLED"}
        ).id
        self.email = f"{uuid.uuid4().hex[:8]}@example.com"
        self.user, _ = self.backend.sign_up(self.client_id, self.email, PASSWORD, [])
        self.backend.admin_confirm_sign_up(self.pool.id, self.user.username)


def original(name: str, current: Any) -> Any:
    """moto's own method, whether or not the fix is installed in this process."""
    return getattr(moto_fixes, name) or current


def test_raw_moto_returns_the_reset_code_to_the_caller() -> None:
    """When this fails, moto's ForgotPassword changed: look again at ``_forgot_password``."""
    raw = RawPool()
    forgot = original("ORIGINAL_FORGOT_PASSWORD", CognitoIdpBackend.forgot_password)
    code, _ = forgot(raw.backend, raw.client_id, raw.email)
    assert code is not None and code.startswith("moto-confirmation-code:"), "moto no longer returns the code"
    respond = original("ORIGINAL_FORGOT_PASSWORD_RESPONSE", CognitoIdpResponse.forgot_password)
    assert moto_fixes.CODE_HEADER in inspect.getsource(respond), "moto no longer sends the code in a header"


def test_raw_moto_accepts_any_code_and_any_password() -> None:
    """When this fails, moto checks reset codes or the password policy itself: the fix's
    ``_confirm_forgot_password`` may go."""
    raw = RawPool()
    forgot = original("ORIGINAL_FORGOT_PASSWORD", CognitoIdpBackend.forgot_password)
    confirm = original("ORIGINAL_CONFIRM_FORGOT_PASSWORD", CognitoIdpBackend.confirm_forgot_password)
    forgot(raw.backend, raw.client_id, raw.email)
    confirm(raw.backend, raw.client_id, raw.email, "x", "000000")
    assert raw.user.password == "x", "moto refused a wrong code or a weak password"
    confirm(raw.backend, raw.client_id, raw.email, "y", "000000")  # and again: nothing is used up
    assert raw.user.password == "y"


def test_raw_moto_global_sign_out_by_sub_misses_a_sign_in_by_e_mail() -> None:
    """When this fails, moto's sign-out matches the user by any of its names: ``_sign_out`` may go."""
    raw = RawPool()
    refresh_token, _ = raw.pool.create_refresh_token(raw.client_id, raw.email)
    sign_out = original("ORIGINAL_SIGN_OUT", CognitoIdpUserPool.sign_out)
    sign_out(raw.pool, raw.user.username)
    assert raw.pool.refresh_tokens[refresh_token] is not None, "moto now signs out a user by any name"


# ---------------------------------------------------------------- the fixed emulator


@pytest.fixture
def person(stack: LocalStack, register: Register) -> Person:
    return register("cog")


@pytest.fixture
def cognito(stack: LocalStack) -> Iterator[Any]:
    yield client("cognito-idp")


def error_code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as failure:
        call(ClientId=get_settings().user_pool_client_id, **kwargs)
    return str(failure.value.response["Error"]["Code"])


def ask(cognito: Any, stack: LocalStack, email: str) -> tuple[str, dict[str, Any]]:
    response = cognito.forgot_password(ClientId=get_settings().user_pool_client_id, Username=email)
    return stack.outbox.messages(email)[0].code, response


def confirm(cognito: Any, email: str, code: str, password: str = NEW_PASSWORD) -> None:
    cognito.confirm_forgot_password(
        ClientId=get_settings().user_pool_client_id, Username=email, ConfirmationCode=code, Password=password
    )


def test_forgot_password_e_mails_the_code_and_does_not_return_it(
    cognito: Any, stack: LocalStack, person: Person
) -> None:
    code, response = ask(cognito, stack, person.email)
    assert len(code) == 6 and code.isdigit()
    assert moto_fixes.CODE_HEADER not in response["ResponseMetadata"]["HTTPHeaders"]
    assert code not in str(response)
    assert response["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"


def test_confirm_refuses_a_wrong_code_and_takes_the_right_one_once(
    cognito: Any, stack: LocalStack, person: Person
) -> None:
    code, _ = ask(cognito, stack, person.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    confirm_call = cognito.confirm_forgot_password
    assert (
        error_code(confirm_call, Username=person.email, ConfirmationCode=wrong, Password=NEW_PASSWORD)
        == "CodeMismatchException"
    )
    confirm(cognito, person.email, code)
    assert (
        error_code(confirm_call, Username=person.email, ConfirmationCode=code, Password="and again 1")
        == "ExpiredCodeException"
    )
    signed_in = cognito.initiate_auth(
        ClientId=get_settings().user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": person.email, "PASSWORD": NEW_PASSWORD},
    )
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_confirm_refuses_a_password_the_policy_refuses(cognito: Any, stack: LocalStack, person: Person) -> None:
    code, _ = ask(cognito, stack, person.email)
    for weak in ("short1", "NOLOWERCASE1", "nodigitshere"):
        assert (
            error_code(cognito.confirm_forgot_password, Username=person.email, ConfirmationCode=code, Password=weak)
            == "InvalidPasswordException"
        )
    confirm(cognito, person.email, code)  # the code was not used up


def test_confirm_refuses_a_code_older_than_an_hour(
    cognito: Any, stack: LocalStack, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _ = ask(cognito, stack, person.email)
    issued = moto_fixes.clock()
    monkeypatch.setattr(moto_fixes, "clock", lambda: issued + 3600)
    assert (
        error_code(cognito.confirm_forgot_password, Username=person.email, ConfirmationCode=code, Password=NEW_PASSWORD)
        == "ExpiredCodeException"
    )


def test_an_unknown_user_reads_as_a_wrong_code(cognito: Any, stack: LocalStack) -> None:
    nobody = f"{uuid.uuid4().hex}@example.com"
    response = cognito.forgot_password(ClientId=get_settings().user_pool_client_id, Username=nobody)
    assert response["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert stack.outbox.messages(nobody) == []
    assert (
        error_code(cognito.confirm_forgot_password, Username=nobody, ConfirmationCode="123456", Password=NEW_PASSWORD)
        == "CodeMismatchException"
    )


def test_global_sign_out_by_sub_ends_sign_ins_by_e_mail(cognito: Any, stack: LocalStack, person: Person) -> None:
    cognito.admin_user_global_sign_out(UserPoolId=get_settings().user_pool_id, Username=person.user_id)
    assert (
        error_code(
            cognito.initiate_auth,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": person.refresh_token},
        )
        == "NotAuthorizedException"
    )


# ---------------------------------------------------------------- sign-up confirmation


def test_raw_moto_sign_up_sends_no_code_and_confirm_takes_any() -> None:
    """When this fails, moto sends or checks sign-up codes itself: ``_sign_up`` and
    ``_confirm_sign_up_response`` may go."""
    raw = RawPool()
    sign_up = original("ORIGINAL_SIGN_UP", CognitoIdpBackend.sign_up)
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    user, _ = sign_up(raw.backend, raw.client_id, email, PASSWORD, [])
    assert user.status.value == "UNCONFIRMED" and user.confirmation_code is None, "moto now makes a sign-up code"
    respond = original("ORIGINAL_CONFIRM_SIGN_UP_RESPONSE", CognitoIdpResponse.confirm_sign_up)
    assert "ConfirmationCode" not in inspect.getsource(respond), "moto's ConfirmSignUp now reads the code"
    raw.backend.confirm_sign_up(raw.client_id, email)
    assert user.status.value == "CONFIRMED"


def test_raw_moto_has_no_resend_confirmation_code() -> None:
    """When this fails, moto implements ResendConfirmationCode: ``_resend_confirmation_code_response`` may go."""
    assert "resend_confirmation_code" not in vars(CognitoIdpBackend), "moto now resends confirmation codes"


@pytest.fixture
def codes_for_everyone(stack: LocalStack) -> Iterator[str]:
    """The stack's pool with no pre-sign-up rule, as Cognito without a trigger; yields its id."""
    pool_id = get_settings().user_pool_id
    moto_fixes.confirm_sign_ups(pool_id, None)
    try:
        yield pool_id
    finally:
        moto_fixes.confirm_sign_ups(pool_id, stack.confirms_at_once)


def cognito_sign_up(cognito: Any) -> tuple[str, dict[str, Any]]:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    response = cognito.sign_up(
        ClientId=get_settings().user_pool_client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return email, response


def test_sign_up_e_mails_a_code_that_confirms_once(cognito: Any, stack: LocalStack, codes_for_everyone: str) -> None:
    email, response = cognito_sign_up(cognito)
    assert response["UserConfirmed"] is False
    assert response["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    [mail] = stack.outbox.messages(email)
    assert mail.kind == "sign_up_code" and len(mail.code) == 6 and mail.code not in str(response)
    wrong = f"{(int(mail.code) + 1) % 1_000_000:06d}"
    assert error_code(cognito.confirm_sign_up, Username=email, ConfirmationCode=wrong) == "CodeMismatchException"
    assert (
        error_code(
            cognito.initiate_auth,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        == "UserNotConfirmedException"
    )
    cognito.confirm_sign_up(ClientId=get_settings().user_pool_client_id, Username=email, ConfirmationCode=mail.code)
    assert error_code(cognito.confirm_sign_up, Username=email, ConfirmationCode=mail.code) == "NotAuthorizedException"
    assert error_code(cognito.resend_confirmation_code, Username=email) == "InvalidParameterException"
    signed_in = cognito.initiate_auth(
        ClientId=get_settings().user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_resend_replaces_the_code_and_an_unknown_user_gets_made_up_details(
    cognito: Any, stack: LocalStack, codes_for_everyone: str
) -> None:
    email, _ = cognito_sign_up(cognito)
    response = cognito.resend_confirmation_code(ClientId=get_settings().user_pool_client_id, Username=email)
    assert response["CodeDeliveryDetails"]["Destination"] == f"{email[0]}***@e***"
    newest, first = (m.code for m in stack.outbox.messages(email))
    if newest != first:  # a new random code equals the last once in a million
        assert error_code(cognito.confirm_sign_up, Username=email, ConfirmationCode=first) == "CodeMismatchException"
    cognito.confirm_sign_up(ClientId=get_settings().user_pool_client_id, Username=email, ConfirmationCode=newest)

    nobody = f"{uuid.uuid4().hex}@example.com"
    made_up = cognito.resend_confirmation_code(ClientId=get_settings().user_pool_client_id, Username=nobody)
    assert made_up["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert stack.outbox.messages(nobody) == []
    assert error_code(cognito.confirm_sign_up, Username=nobody, ConfirmationCode="123456") == "CodeMismatchException"


def test_a_sign_up_code_lasts_a_day(
    cognito: Any, stack: LocalStack, codes_for_everyone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, _ = cognito_sign_up(cognito)
    code = stack.outbox.messages(email)[0].code
    issued = moto_fixes.clock()
    monkeypatch.setattr(moto_fixes, "clock", lambda: issued + 24 * 3600)
    assert error_code(cognito.confirm_sign_up, Username=email, ConfirmationCode=code) == "ExpiredCodeException"


def test_the_pools_rule_confirms_at_once_without_a_code(cognito: Any, stack: LocalStack) -> None:
    assert stack.auto_confirm_sign_up
    email, response = cognito_sign_up(cognito)
    assert response["UserConfirmed"] is True and "CodeDeliveryDetails" not in response
    assert stack.outbox.messages(email) == []
