"""Accounts: register, sign in and out, refresh, change password, delete the account."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from backend.api import views
from backend.api.auth import BEARER, AccessToken, CurrentCaller, verify_access_token
from backend.api.docs import responses
from backend.api.ratelimit import AuthClient, hit, limit_sign_in
from backend.contracts import (
    AuthSession,
    AuthTokens,
    ChangePasswordRequest,
    DeleteAccountRequest,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    RegisterRequest,
)
from backend.domain import accounts
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
    responses=responses(200, AuthSession, 401, 404, 429),
)
def login(body: LoginRequest, _client: AuthClient) -> AuthSession:
    limit_sign_in(body.login)
    return _session(accounts.sign_in(body.login, body.password, verify_access_token))


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
