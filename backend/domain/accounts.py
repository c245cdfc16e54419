"""Signing up (and confirming the address), in and out, passwords and account deletion
(Cognito + the profile table).

A new account is signed in at once when Cognito confirms it at sign-up (the local stack's
default); otherwise (AWS) Cognito e-mails a code, and the account signs in after
:func:`confirm_sign_up`. The profile and the default group are made at sign-up either way, so
confirming has nothing else to do.

Sign-in and password reset never tell whether an account exists: an unknown login gets the
same answer as a wrong password or code, through the same steps (the profile lookup, then
one Cognito call about a stand-in address that cannot exist, ``rules.stand_in_address``),
so it neither reads differently nor comes back in an obviously shorter time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from backend.domain.errors import Conflict, Unauthorized, WrongPassword
from backend.domain.models import Caller, Tokens, UserProfile
from backend.domain.rules import check_display_name, login_identifier, normalize_email, stand_in_address
from backend.store import records, redis_errors, sessions, user_pool, users

log = logging.getLogger("lumi.accounts")

# Verifies an access token and says who it belongs to (backend.api.auth provides it).
TokenVerifier = Callable[[str], Caller]


@dataclass(frozen=True)
class SignedIn:
    tokens: Tokens
    caller: Caller
    profile: UserProfile


@dataclass(frozen=True)
class SignUpPending:
    """Signed up; the address must be confirmed with the e-mailed code before signing in."""

    email: str


def register(
    email: str, password: str, username: str, display_name: str, verify: TokenVerifier
) -> SignedIn | SignUpPending:
    """Create the Cognito user, then claim username and e-mail in one transaction.

    Cognito first, because only it can say the password is acceptable; if the claims then
    lose a race, the just-made Cognito user is deleted again so no orphan is left. Signed in
    when Cognito confirmed the account at once, else pending its e-mailed code.
    """
    email = normalize_email(email)
    display_name = check_display_name(display_name)
    if users.owner_of_username(username):
        raise Conflict("That username is taken.", code="username_taken")
    if users.owner_of_email(email):
        raise Conflict("An account with that e-mail address already exists.", code="email_taken")

    user_id, confirmed = user_pool.sign_up(email, password)
    try:
        user_pool.finish_sign_up(user_id)
        users.create(
            UserProfile(
                user_id=user_id,
                username=username,
                email=email,
                display_name=display_name,
                created_at=records.now(),
            )
        )
    except BaseException:
        _undo_sign_up(user_id)
        raise
    if not confirmed:
        return SignUpPending(email)
    return sign_in(email, password, verify)


def confirm_sign_up(login: str, code: str) -> None:
    """Confirm a new account's address with its e-mailed code; then it can sign in.

    An unknown login is asked about under a stand-in address, and gets the same 400
    ``invalid_code`` as a wrong code."""
    _, address = _account(login)
    user_pool.confirm_sign_up(address, code)


def resend_sign_up_code(login: str) -> None:
    """E-mail a new confirmation code to an unconfirmed account; for any other login nothing is
    sent, and the caller cannot tell the difference."""
    _, address = _account(login)
    user_pool.resend_sign_up_code(address)


def _undo_sign_up(user_id: str) -> None:
    try:
        user_pool.delete_user(user_id)
    except Exception:  # the original error matters more; this one is logged
        log.exception("could not delete the Cognito user of a failed sign-up")


def _account(login: str) -> tuple[UserProfile | None, str]:
    """The account ``login`` names, if any, and the address to ask Cognito about."""
    identifier = login_identifier(login)
    profile = users.find(**{identifier.kind: identifier.value})
    return profile, profile.email if profile else stand_in_address(login)


def sign_in(login: str, password: str, verify: TokenVerifier) -> SignedIn:
    """Unknown account or wrong password: the same 401 ``invalid_credentials``; the right
    password of an account not confirmed yet: 401 ``account_not_confirmed``."""
    profile, address = _account(login)
    tokens = user_pool.password_sign_in(address, password)
    if profile is None:  # Cognito cannot know a stand-in address; this is only defence in depth
        raise user_pool.invalid_credentials()
    caller = verify(tokens.access_token)
    sessions.remember_session(caller.user_id, caller.session_id)
    return SignedIn(tokens, caller, profile)


def request_password_reset(login: str) -> None:
    """Have a reset code e-mailed to the account's address; for an unknown login nothing is
    sent, and the caller cannot tell the difference."""
    _, address = _account(login)
    user_pool.forgot_password(address)


def reset_password(login: str, code: str, new_password: str) -> None:
    """Set a new password with the e-mailed code, then sign the person out everywhere.

    A wrong, expired or used code and an unknown login are one 400 ``invalid_code``. The
    sessions are ended as Cognito's global sign-out does (refresh tokens) and, for the access
    tokens still in their hour, through the denylist: if Redis cannot be reached for that,
    the new password still stands (it is set; failing now would only make the person ask for
    another code), and those tokens expire within the hour, as they would in plain Cognito.
    """
    profile, address = _account(login)
    user_pool.confirm_forgot_password(address, code, new_password)
    if profile is None:  # Cognito cannot know a stand-in address; this is only defence in depth
        raise user_pool.invalid_code()
    user_pool.sign_out_everywhere(profile.user_id)
    try:
        revoked = sessions.revoke_all(profile.user_id)
    except redis_errors.RedisError:
        log.exception("the password was reset, but its sessions could not be listed as signed out")
    else:
        log.info("password reset; %d session(s) signed out", revoked)


def refresh(refresh_token: str, verify: TokenVerifier) -> Tokens:
    expired = Unauthorized("Your session has ended. Please sign in again.", code="session_expired")
    if sessions.refresh_token_revoked(refresh_token):
        raise expired
    tokens = user_pool.refresh(refresh_token)
    try:
        verify(tokens.access_token)  # a signed-out session stays signed out
    except Unauthorized as error:
        raise expired from error
    return tokens


def sign_out(caller: Caller, refresh_token: str | None) -> None:
    sessions.revoke_session(caller.session_id, caller.token_expires_at)
    if refresh_token:
        sessions.revoke_refresh_token(refresh_token)


def change_password(caller: Caller, access_token: str, current: str, new: str) -> None:
    users.require(caller.user_id)
    user_pool.change_password(access_token, current, new)


def delete_account(caller: Caller, password: str) -> None:
    """Check the password, then remove the profile (the stream cascades) and the Cognito user."""
    profile = users.require(caller.user_id)
    user_pool.password_sign_in(profile.email, password, wrong=WrongPassword())
    users.delete(profile.user_id)
    sessions.revoke_session(caller.session_id, caller.token_expires_at)
    user_pool.delete_user(profile.user_id)  # the stream does it again if this fails
