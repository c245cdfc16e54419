"""Accounts: register (and confirm the address), sign in and out, refresh, change or reset the
password, delete the account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import Router

from backend.api import views
from backend.api.auth import BEARER, AccessToken, CurrentCaller, verify_access_token
from backend.api.docs import responses
from backend.api.ratelimit import AuthClient, hit, limit_password_reset, limit_sign_in, limit_sign_up_code
from backend.contracts import (
    AuthSession,
    AuthTokens,
    ChangePasswordRequest,
    ConfirmSignUpRequest,
    DeleteAccountRequest,
    ForgotPasswordRequest,
    LoginRequest,
    LogoutRequest,
    PasswordResetRequested,
    RefreshRequest,
    RegisterRequest,
    ResendSignUpCodeRequest,
    ResetPasswordRequest,
    SignUpCodeSent,
    SignUpPending,
)
from backend.mail import RESET_CODE_LIFETIME_SECONDS, SIGN_UP_CODE_LIFETIME_SECONDS

if TYPE_CHECKING:
    from backend.domain import accounts

router = Router()
TAGS = ["auth"]


def _session(signed_in: accounts.SignedIn) -> AuthSession:
    return AuthSession(
        tokens=views.tokens(signed_in.tokens), profile=views.own_profile(signed_in.profile, signed_in.caller)
    )


SIGN_UP_CODE_SENT = "We've sent a code to your e-mail. Enter it to finish signing up."


def _json(status: int, body: AuthSession | SignUpPending) -> Response[AuthSession | SignUpPending]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@router.post(
    "/auth/register",
    status_code=201,
    tags=TAGS,
    summary="Create an account: signed in at once, or after confirming the e-mailed code",
    description="201 with a session when the account is confirmed at sign-up (the local stack's default); "
    "202 `confirmation_needed` when Cognito e-mailed a code, to send to `POST /auth/signup/confirm` "
    "before signing in.",
    responses={
        **responses(201, AuthSession, 409, 429, description="Signed up and signed in"),
        202: {
            "description": "Signed up; confirm the e-mailed code, then sign in",
            "content": {"application/json": {"model": SignUpPending}},
        },
    },
)
def register(body: RegisterRequest, _client: AuthClient) -> Response[AuthSession | SignUpPending]:
    from backend.domain import accounts

    result = accounts.register(str(body.email), body.password, body.username, body.display_name, verify_access_token)
    if isinstance(result, accounts.SignUpPending):
        pending = SignUpPending(
            email=result.email, message=SIGN_UP_CODE_SENT, code_lifetime_seconds=SIGN_UP_CODE_LIFETIME_SECONDS
        )
        return _json(202, pending)
    return _json(201, _session(result))


@router.post(
    "/auth/signup/confirm",
    status_code=204,
    tags=TAGS,
    summary="Confirm a new account's e-mail address with the e-mailed code; then sign in",
    description="A wrong code, an unknown account and one confirmed already get the same 400 `invalid_code`; "
    "an expired code 400 `code_expired`; too many wrong codes 429.",
    responses=responses(204, None, 429, description="Confirmed; the account can sign in"),
)
def confirm_sign_up(body: ConfirmSignUpRequest, _client: AuthClient) -> Response[None]:
    from backend.domain import accounts

    limit_sign_up_code("confirm", body.login)
    accounts.confirm_sign_up(body.login, body.code)
    return Response(status_code=204)


SIGN_UP_CODE_RESENT = SignUpCodeSent(
    message="If that account is waiting for its code, we've sent a new one. Only the newest code works.",
    code_lifetime_seconds=SIGN_UP_CODE_LIFETIME_SECONDS,
)


@router.post(
    "/auth/signup/resend",
    status_code=202,
    tags=TAGS,
    summary="E-mail a new confirmation code to an account not confirmed yet",
    description="The same 202 and body whether or not such an account exists; only one is sent a code.",
    responses=responses(202, SignUpCodeSent, 429, description="Asked for (sent if an account waits for one)"),
)
def resend_sign_up_code(body: ResendSignUpCodeRequest, _client: AuthClient) -> SignUpCodeSent:
    from backend.domain import accounts

    limit_sign_up_code("resend", body.login)
    accounts.resend_sign_up_code(body.login)
    return SIGN_UP_CODE_RESENT


@router.post(
    "/auth/login",
    tags=TAGS,
    summary="Sign in with e-mail or username",
    description="An unknown account and a wrong password get the same 401 `invalid_credentials`; the right "
    "password of an account whose e-mail is not confirmed yet 401 `account_not_confirmed` (confirm it with "
    "`POST /auth/signup/confirm`).",
    responses=responses(200, AuthSession, 401, 429),
)
def login(body: LoginRequest, _client: AuthClient) -> AuthSession:
    from backend.domain import accounts

    limit_sign_in(body.login)
    return _session(accounts.sign_in(body.login, body.password, verify_access_token))


RESET_CODE_SENT = PasswordResetRequested(
    message="If an account matches, we've sent a code to its e-mail.",
    code_lifetime_seconds=RESET_CODE_LIFETIME_SECONDS,
)


@router.post(
    "/auth/password/forgot",
    status_code=202,
    tags=TAGS,
    summary="E-mail a code for choosing a new password",
    description="The same 202 and body whether or not an account matches; only a real account is sent a code.",
    responses=responses(202, PasswordResetRequested, 429, description="Asked for (sent if an account matches)"),
)
def forgot_password(body: ForgotPasswordRequest, _client: AuthClient) -> PasswordResetRequested:
    from backend.domain import accounts

    limit_password_reset("code", body.login)
    accounts.request_password_reset(body.login)
    return RESET_CODE_SENT


@router.post(
    "/auth/password/reset",
    status_code=204,
    tags=TAGS,
    summary="Choose a new password with the e-mailed code; signs out every session",
    description="A wrong, expired or used code and an unknown account get the same 400 `invalid_code`.",
    responses=responses(204, None, 429, description="Password changed; every session signed out"),
)
def reset_password(body: ResetPasswordRequest, _client: AuthClient) -> Response[None]:
    from backend.domain import accounts

    limit_password_reset("reset", body.login)
    accounts.reset_password(body.login, body.code, body.new_password)
    return Response(status_code=204)


@router.post(
    "/auth/refresh",
    tags=TAGS,
    summary="New access token from a refresh token (the refresh token stays the same)",
    responses=responses(200, AuthTokens, 401, 429),
)
def refresh(body: RefreshRequest, _client: AuthClient) -> AuthTokens:
    from backend.domain import accounts

    return views.tokens(accounts.refresh(body.refresh_token, verify_access_token))


@router.post(
    "/auth/logout",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Sign out this session",
    responses=responses(204, None, 401, 429, description="Signed out"),
)
def logout(body: LogoutRequest, caller: CurrentCaller, _client: AuthClient) -> Response[None]:
    from backend.domain import accounts

    accounts.sign_out(caller, body.refresh_token)
    return Response(status_code=204)


@router.post(
    "/auth/password",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Change password",
    responses=responses(204, None, 401, 429, description="Password changed"),
)
def change_password(
    body: ChangePasswordRequest, caller: CurrentCaller, token: AccessToken, _client: AuthClient
) -> Response[None]:
    from backend.domain import accounts
    from backend.settings import get_settings

    hit("password", caller.user_id, get_settings().rate_limit_auth_per_minute)
    accounts.change_password(caller, token, body.current_password, body.new_password)
    return Response(status_code=204)


@router.post(
    "/auth/delete-account",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Delete the account and everything in it",
    responses=responses(204, None, 401, 429, description="Account deleted"),
)
def delete_account(body: DeleteAccountRequest, caller: CurrentCaller, _client: AuthClient) -> Response[None]:
    from backend.domain import accounts
    from backend.settings import get_settings

    hit("password", caller.user_id, get_settings().rate_limit_auth_per_minute)
    accounts.delete_account(caller, body.password)
    return Response(status_code=204)
