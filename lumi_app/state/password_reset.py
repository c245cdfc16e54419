"""What the forgot-password, reset-password and sign-in pages hand each other in one tab.

The forgot page keeps the login the person typed, so the reset page (and sign-in after the
reset) need not ask for it again, and says a code was asked for; the reset page says the
password was changed, which the sign-in page shows once. Pages never import each other, so
this lives here.
"""

from __future__ import annotations

import reflex as rx

CODE_SENT_MESSAGE = "If an account matches, we've sent a code to its e-mail. It works for one hour."
PASSWORD_RESET_MESSAGE = "Your password is changed, and you're signed out everywhere. Log in with the new one."


class PasswordResetState(rx.State):
    login: str = ""
    # Set by one page for the next one to show once (consumed by :func:`take_notice`).
    _code_sent: bool = False
    _password_reset: bool = False


async def code_sent(state: rx.State, login: str) -> None:
    shared = await state.get_state(PasswordResetState)
    shared.login = login
    shared._code_sent = True


async def password_reset(state: rx.State) -> None:
    shared = await state.get_state(PasswordResetState)
    shared._password_reset = True


async def take_notice(state: rx.State, which: str) -> str:
    """The message another page left for this one (``"code_sent"`` or ``"password_reset"``), once."""
    shared = await state.get_state(PasswordResetState)
    if which == "code_sent" and shared._code_sent:
        shared._code_sent = False
        return CODE_SENT_MESSAGE
    if which == "password_reset" and shared._password_reset:
        shared._password_reset = False
        return PASSWORD_RESET_MESSAGE
    return ""


async def remembered_login(state: rx.State) -> str:
    return (await state.get_state(PasswordResetState)).login
