"""What the sign-up, sign-in and confirm-e-mail pages hand each other in one tab.

When an account still has to confirm its e-mail address (AWS, or the local stack with
``LUMI_AUTO_CONFIRM_SIGN_UP=false``), sign-up and sign-in send the person to the confirm page
with the login they used. The password they just typed is kept too, in backend-only state (it
never reaches the browser; it is forgotten once used, when the person signs in on the sign-in
page, and otherwise goes with the tab's state when Reflex lets that expire), so that a
confirmed code signs them in at once instead of asking for the password a second time. In
another tab, or after the tab's state has gone, the confirm page asks for the login and sends
the person to sign in afterwards, the login filled in.
"""

from __future__ import annotations

import reflex as rx

NOT_CONFIRMED = "account_not_confirmed"  # the API's code for the right password of an unconfirmed account
EMAIL_CONFIRMED_MESSAGE = "Your e-mail address is confirmed. Log in to start."


class ConfirmationNeeded(Exception):
    """Signing up or in stopped at the e-mailed code (raised inside the authenticate step)."""

    def __init__(self, login: str) -> None:
        super().__init__(login)
        self.login = login


class SignUpConfirmationState(rx.State):
    login: str = ""
    from_sign_in: bool = False
    _password: str = ""
    _confirmed: bool = False


async def confirmation_needed(state: rx.State, login: str, password: str, *, from_sign_in: bool) -> None:
    shared = await state.get_state(SignUpConfirmationState)
    shared.login = login
    shared._password = password
    shared.from_sign_in = from_sign_in


async def take_password(state: rx.State) -> str:
    """The password typed before the confirm step, once (then forgotten); empty if none is kept."""
    shared = await state.get_state(SignUpConfirmationState)
    password, shared._password = shared._password, ""
    return password


async def email_confirmed(state: rx.State, login: str) -> None:
    """Confirmed without a kept password: the sign-in page says so once, the login filled in."""
    shared = await state.get_state(SignUpConfirmationState)
    shared.login = login
    shared._password = ""
    shared._confirmed = True


async def take_confirmed_notice(state: rx.State) -> tuple[str, str]:
    """(message, login) for the sign-in page after a confirmation, once; else two empty strings."""
    shared = await state.get_state(SignUpConfirmationState)
    if not shared._confirmed:
        return "", ""
    shared._confirmed = False
    return EMAIL_CONFIRMED_MESSAGE, shared.login


async def waiting_login(state: rx.State) -> tuple[str, bool]:
    """The login of the account waiting for its code in this tab (empty if none), and whether
    the person came from the sign-in page."""
    shared = await state.get_state(SignUpConfirmationState)
    return shared.login, shared.from_sign_in


async def forget_password(state: rx.State) -> None:
    """Signed in another way: the kept password (if any) is not needed any more."""
    (await state.get_state(SignUpConfirmationState))._password = ""
