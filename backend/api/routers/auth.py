"""Accounts: register, sign in and out, refresh, change or reset the password, delete the account."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from backend.api import views
from backend.api.auth import BEARER, AccessToken, CurrentCaller, verify_access_token
from backend.api.docs import responses
from backend.api.ratelimit import AuthClient, hit, limit_password_reset, limit_sign_in
from backend.contracts import (
    AuthSession,
    AuthTokens,
    ChangePasswordRequest,
    DeleteAccountRequest,
    ForgotPasswordRequest,
    LoginRequest,
    LogoutRequest,
    PasswordResetRequested,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
)
from backend.domain import accounts
from backend.mail import RESET_CODE_LIFETIME_SECONDS
from backend.settings import get_settings

router = Router()
TAGS = ["auth"]


def _session(signed_in: accounts.SignedIn) -> AuthSession:
    return AuthSession(
        tokens=views.tokens(signed_in.tokens), profile=views.own_profile(signed_in.profile, signed_in.caller)
    )


@router.post(
    "/auth/register",
    status_code=201,
    tags=TAGS,
    summary="Create an account and sign in",
    responses=responses(201, AuthSession, 409, 429, description="Signed up and signed in"),
)
def register(body: RegisterRequest, _client: AuthClient) -> AuthSession:
    signed_in = accounts.register(str(body.email), body.password, body.username, body.display_name, verify_access_token)
    return _session(signed_in)


@router.post(
    "/auth/login",
    tags=TAGS,
    summary="Sign in with e-mail or username",
    description="An unknown account and a wrong password get the same 401 `invalid_credentials`.",
    responses=responses(200, AuthSession, 401, 429),
)
def login(body: LoginRequest, _client: AuthClient) -> AuthSession:
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
    hit("password", caller.user_id, get_settings().rate_limit_auth_per_minute)
    accounts.delete_account(caller, body.password)
    return Response(status_code=204)
