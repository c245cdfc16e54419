"""The Cognito user pool: passwords, tokens and groups live there, profiles do not.

Each Cognito error is turned into the domain error a person can act on; anything else is
a fault and propagates.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from botocore.exceptions import ClientError

from backend.aws import client
from backend.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    RateLimited,
    Unauthorized,
    ValidationFailed,
    WeakPassword,
    WrongPassword,
)
from backend.domain.models import Tokens
from backend.resources import DEFAULT_GROUP
from backend.settings import get_settings

log = logging.getLogger("lumi.user_pool")

_WEAK = "Choose a password with at least 8 characters, including a lowercase letter and a digit."
# The same words for an unknown account and a wrong password: neither may tell a stranger
# whether an account exists.
INVALID_CREDENTIALS = "That e-mail or username and password don't match."
INVALID_CODE = "That code is not right or has expired. Ask for a new one."


def _cognito() -> Any:
    return client("cognito-idp")


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def _throttled(error: ClientError) -> DomainError | None:
    if _code(error) in {"TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"}:
        return RateLimited(retry_after=30)
    return None


def _raise(error: ClientError, mapping: dict[str, DomainError]) -> NoReturn:
    mapped = mapping.get(_code(error)) or _throttled(error)
    if mapped is None:
        raise error
    raise mapped from error


def sign_up(email: str, password: str) -> tuple[str, bool]:
    """Create the Cognito user (username = e-mail); returns its ``sub`` (Lumi's user id) and
    whether it is confirmed already (``UserConfirmed``: a pre-sign-up trigger, or the local
    stack, may confirm at once); if not, Cognito has e-mailed it a code for
    :func:`confirm_sign_up`."""
    settings = get_settings()
    try:
        response = _cognito().sign_up(
            ClientId=settings.user_pool_client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
    except ClientError as error:
        _raise(
            error,
            {
                "UsernameExistsException": Conflict(
                    "An account with that e-mail address already exists.", code="email_taken"
                ),
                "InvalidPasswordException": WeakPassword(_WEAK),
                "InvalidParameterException": ValidationFailed({"email": "Enter a valid e-mail address."}),
            },
        )
    return str(response["UserSub"]), bool(response.get("UserConfirmed"))


def finish_sign_up(user_id: str) -> None:
    """Join the default group, confirmed or not: an unconfirmed user can be in a group, and its
    first tokens (after the code) carry it, so nothing is left to do after confirming."""
    settings = get_settings()
    _cognito().admin_add_user_to_group(UserPoolId=settings.user_pool_id, Username=user_id, GroupName=DEFAULT_GROUP)


SIGN_UP_CODE_WRONG = "That code is not right. Check the latest e-mail from Lumi, or ask for a new code."
SIGN_UP_CODE_EXPIRED = "That code has expired. Ask for a new one."
SIGN_UP_TOO_MANY = "Too many wrong codes. Ask for a new code, or try again in a few minutes."


def confirm_sign_up(address: str, code: str) -> None:
    """Confirm the account's e-mail with the code Cognito sent.

    A wrong code (and, as the app client prevents user-existence errors, an unknown address)
    is a 400 ``invalid_code``; an expired one ``code_expired``; too many wrong ones a 429. An
    account that is confirmed already is answered as a wrong code: saying otherwise would tell
    a stranger the address has an account (the app says so to the person who just confirmed)."""
    settings = get_settings()
    try:
        _cognito().confirm_sign_up(ClientId=settings.user_pool_client_id, Username=address, ConfirmationCode=code)
    except ClientError as error:
        if _code(error) in {"LimitExceededException", "TooManyFailedAttemptsException"}:
            raise RateLimited(retry_after=300, message=SIGN_UP_TOO_MANY) from error
        wrong = BadRequest(SIGN_UP_CODE_WRONG, code="invalid_code")
        _raise(
            error,
            {
                "CodeMismatchException": wrong,
                "UserNotFoundException": wrong,
                "NotAuthorizedException": wrong,
                "ExpiredCodeException": BadRequest(SIGN_UP_CODE_EXPIRED, code="code_expired"),
            },
        )


def resend_sign_up_code(address: str) -> None:
    """Have Cognito e-mail a new confirmation code (the last one stops working).

    Whatever Cognito says about this one user (unknown, confirmed already, too many codes) is
    logged and not passed on: the caller answers the same in every case. Throttling of the
    service itself is a RateLimited."""
    _send_code_whatever_the_user("resend_confirmation_code", address, "sign-up")


def password_sign_in(email: str, password: str, wrong: DomainError | None = None) -> Tokens:
    """USER_PASSWORD_AUTH; ``wrong`` is what a bad password (or an unknown address) means to the caller."""
    settings = get_settings()
    wrong = wrong or invalid_credentials()
    try:
        response = _cognito().initiate_auth(
            ClientId=settings.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as error:
        _raise(
            error,
            {
                "NotAuthorizedException": wrong,
                "UserNotFoundException": wrong,
                # Cognito says so only after the password was right, so this tells nobody else anything.
                "UserNotConfirmedException": Unauthorized(
                    "Confirm your e-mail address first: enter the code we e-mailed you.", code="account_not_confirmed"
                ),
                "PasswordResetRequiredException": Unauthorized(
                    "Please reset your password.", code="password_reset_required"
                ),
            },
        )
    result = response.get("AuthenticationResult")
    if not result:
        raise Unauthorized("This sign-in needs a step Lumi does not support yet.", code="challenge_required")
    return Tokens(result["AccessToken"], result["RefreshToken"], int(result["ExpiresIn"]))


def invalid_credentials() -> Unauthorized:
    return Unauthorized(INVALID_CREDENTIALS, code="invalid_credentials")


def invalid_code() -> BadRequest:
    return BadRequest(INVALID_CODE, code="invalid_code")


def forgot_password(address: str) -> None:
    """Have Cognito e-mail a reset code to the user with this address (it sends nothing when
    there is none, and says so to nobody).

    Whatever Cognito says about this one user (unknown, unconfirmed, no verified address, too
    many codes asked for) is logged and not passed on: the caller answers the same in every
    case. Only faults of the service itself propagate (throttling as RateLimited)."""
    _send_code_whatever_the_user("forgot_password", address, "reset")


# What Cognito may say about the one user a code was asked for; the callers answer alike anyway.
_QUIET_CODE_ERRORS = frozenset(
    {
        "UserNotFoundException",
        "InvalidParameterException",
        "NotAuthorizedException",
        "LimitExceededException",
        "CodeDeliveryFailureException",
    }
)


def _send_code_whatever_the_user(operation: str, address: str, kind: str) -> None:
    """Ask Cognito to e-mail a code (``operation``: ``forgot_password`` or
    ``resend_confirmation_code``); what it says about this user is logged, not raised."""
    try:
        getattr(_cognito(), operation)(ClientId=get_settings().user_pool_client_id, Username=address)
    except ClientError as error:
        if _code(error) == "TooManyRequestsException":
            raise RateLimited(retry_after=30) from error
        if _code(error) in _QUIET_CODE_ERRORS:
            log.info("no %s code was sent (%s)", kind, _code(error))
            return
        raise


def confirm_forgot_password(address: str, code: str, new_password: str) -> None:
    """Set a new password with the e-mailed code. A wrong, expired or used code and an unknown
    user are one :class:`BadRequest` (``invalid_code``); a password the pool refuses is a
    :class:`ValidationFailed` on ``new_password``."""
    settings = get_settings()
    invalid = invalid_code()
    try:
        _cognito().confirm_forgot_password(
            ClientId=settings.user_pool_client_id, Username=address, ConfirmationCode=code, Password=new_password
        )
    except ClientError as error:
        _raise(
            error,
            {
                "CodeMismatchException": invalid,
                "ExpiredCodeException": invalid,
                "UserNotFoundException": invalid,
                "NotAuthorizedException": invalid,
                "InvalidPasswordException": ValidationFailed({"new_password": _WEAK}, code="weak_password"),
            },
        )


def sign_out_everywhere(user_id: str) -> None:
    """Cognito's global sign-out: every refresh token of the user stops working."""
    settings = get_settings()
    try:
        _cognito().admin_user_global_sign_out(UserPoolId=settings.user_pool_id, Username=user_id)
    except ClientError as error:
        if _code(error) != "UserNotFoundException":
            raise


def refresh(refresh_token: str) -> Tokens:
    """New access token from a refresh token; Cognito returns no new refresh token, so keep it."""
    settings = get_settings()
    expired = Unauthorized("Your session has ended. Please sign in again.", code="session_expired")
    try:
        response = _cognito().initiate_auth(
            ClientId=settings.user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ClientError as error:
        _raise(
            error,
            {"NotAuthorizedException": expired, "UserNotFoundException": expired, "ResourceNotFoundException": expired},
        )
    result = response["AuthenticationResult"]
    return Tokens(result["AccessToken"], result.get("RefreshToken") or refresh_token, int(result["ExpiresIn"]))


def change_password(access_token: str, current: str, new: str) -> None:
    try:
        _cognito().change_password(AccessToken=access_token, PreviousPassword=current, ProposedPassword=new)
    except ClientError as error:
        _raise(
            error,
            {
                "NotAuthorizedException": WrongPassword("Your current password is not right."),
                "InvalidPasswordException": WeakPassword(_WEAK),
            },
        )


def delete_user(user_id: str) -> None:
    """Sign the user out everywhere and delete them; already gone is fine.

    By ``sub``, Cognito's own username in a pool that signs in by e-mail: a new account
    that reuses the e-mail address is never hit by mistake.
    """
    settings = get_settings()
    for call in (_cognito().admin_user_global_sign_out, _cognito().admin_delete_user):
        try:
            call(UserPoolId=settings.user_pool_id, Username=user_id)
        except ClientError as error:
            if _code(error) != "UserNotFoundException":
                raise
