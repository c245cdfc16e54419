"""Check your e-mail: enter the code sent at sign-up (or a new one) to confirm the address.

Reached after signing up when the account must confirm its address (AWS; locally with
``LUMI_AUTO_CONFIRM_SIGN_UP=false``), and from the sign-in page when the right password
belongs to an account not confirmed yet. A confirmed code signs the person in with the
password they typed a moment ago (kept in backend-only state, ``lumi_app.state.sign_up``):
they have just proved both, and asking for the password again would only be in the way.
Without it (another tab, a reload after the tab's state expired) they go to sign in, the
login filled in. "Send a new code" waits a little between codes and says so.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from pydantic import ValidationError

from backend.contracts import ConfirmSignUpRequest, LoginRequest, ResendSignUpCodeRequest
from lumi_app import routes
from lumi_app.api_client import ApiError, get_api
from lumi_app.components.forms import auth_card, busy_button, field, form_error, form_notice, submit_button
from lumi_app.components.shell import page
from lumi_app.state.form_errors import show_error
from lumi_app.state.session import sign_in
from lumi_app.state.sign_up import email_confirmed, take_password, waiting_login
from lumi_app.state.visit import opens_new_visit

RESEND_COOLDOWN_SECONDS = 30
CODE_HINT = "6 digits, from the e-mail Lumi sent you. It works for 24 hours."
_CODES = {"invalid_code": "code_error", "code_expired": "code_error"}
_FIELDS = {"login": "login_error", "code": "code_error"}


class ConfirmEmailState(rx.State):
    busy: bool = False
    resend_busy: bool = False
    cooling_down: bool = False
    error: str = ""
    notice: str = ""
    login_error: str = ""
    code_error: str = ""
    # The login of the account waiting (from sign-up or sign-in in this tab); empty: ask for it.
    login: str = ""
    from_sign_in: bool = False

    _visit: str = ""
    _typed_login: str = ""

    def _clear_errors(self) -> None:
        self.error = self.login_error = self.code_error = ""

    @rx.event
    async def open(self):
        if await opens_new_visit(self):
            self._clear_errors()
            self.notice = ""
            self.login, self.from_sign_in = await waiting_login(self)
            self._typed_login = ""

    @rx.event
    def remember_login(self, value: str):
        """What the person typed as their address (the field is theirs; "Send a new code" reads it)."""
        self._typed_login = value.strip()

    def _login(self, form: dict[str, str] | None = None) -> str:
        login = self.login or (form or {}).get("login", "").strip() or self._typed_login
        if not login:
            self.login_error = "Enter the e-mail address you signed up with."
        return login

    @rx.event
    async def submit(self, form: dict[str, str]):
        if self.busy:
            return
        self._clear_errors()
        self.notice = ""
        login = self._login(form)
        try:
            request = ConfirmSignUpRequest(login=login or "-", code="".join(form.get("code", "").split()))
        except ValidationError:
            self.code_error = "Enter the 6-digit code from the e-mail."
            return
        if not login:
            return
        self.busy = True
        yield
        try:
            await get_api().confirm_sign_up(request)
        except ApiError as failure:
            self.busy = False
            show_error(self, failure, codes=_CODES, fields=_FIELDS)
            return
        password = await take_password(self)
        if password and await sign_in(
            self, lambda: get_api().login(LoginRequest(login=login, password=password)), codes={}, fields={}
        ):
            yield rx.redirect(routes.HOME, replace=True)
            return
        self.busy = False
        await email_confirmed(self, login)
        yield rx.redirect(routes.LOGIN, replace=True)

    @rx.event
    async def resend(self):
        if self.resend_busy or self.cooling_down:
            return
        self._clear_errors()
        login = self._login()
        if not login:
            return
        self.resend_busy = True
        yield
        try:
            sent = await get_api().resend_sign_up_code(ResendSignUpCodeRequest(login=login))
        except ApiError as failure:
            show_error(self, failure, fields=_FIELDS)
            return
        finally:
            self.resend_busy = False
        self.notice = sent.message
        self.cooling_down = True
        yield ConfirmEmailState.end_cooldown

    @rx.event(background=True)
    async def end_cooldown(self):
        await asyncio.sleep(RESEND_COOLDOWN_SECONDS)
        async with self:
            self.cooling_down = False


def _intro() -> rx.Component:
    return rx.cond(
        ConfirmEmailState.from_sign_in,
        rx.text(
            "Your e-mail address isn't confirmed yet. Enter the code we e-mailed when you signed up, "
            "or send a new one.",
        ),
        rx.cond(
            ConfirmEmailState.login != "",
            rx.text("We've sent a 6-digit code to ", rx.text.strong(ConfirmEmailState.login), ". Enter it to finish."),
            rx.text("Enter the e-mail address you signed up with and the code we sent to it."),
        ),
    )


@page(routes.CONFIRM_EMAIL, "Confirm your e-mail", guest_only=True, on_load=[ConfirmEmailState.open])
def confirm_email() -> rx.Component:
    return auth_card(
        "Check your e-mail",
        _intro(),
        form_notice(ConfirmEmailState.notice),
        form_error(ConfirmEmailState.error),
        rx.cond(
            ConfirmEmailState.login == "",
            field(
                "E-mail",
                id="confirm-login",
                name="login",
                type="email",
                error=ConfirmEmailState.login_error,
                auto_complete="email",
                on_blur=ConfirmEmailState.remember_login,
            ),
        ),
        field(
            "Code from the e-mail",
            id="confirm-code",
            name="code",
            error=ConfirmEmailState.code_error,
            hint=CODE_HINT,
            auto_complete="one-time-code",
            input_mode="numeric",
            max_length=12,
            auto_focus=True,
        ),
        submit_button("Confirm", ConfirmEmailState.busy, width="100%"),
        rx.vstack(
            busy_button(
                "Send a new code",
                ConfirmEmailState.resend_busy,
                disabled=ConfirmEmailState.cooling_down,
                variant="soft",
                width="100%",
                on_click=ConfirmEmailState.resend,
            ),
            rx.cond(
                ConfirmEmailState.cooling_down,
                rx.text(
                    f"You can ask for another code in {RESEND_COOLDOWN_SECONDS} seconds.",
                    size="2",
                    color_scheme="gray",
                    role="status",
                ),
            ),
            width="100%",
            spacing="1",
        ),
        rx.text("Wrong address? ", rx.link("Sign up again", href=routes.REGISTER), size="2"),
        on_submit=ConfirmEmailState.submit,
        aria_label="Confirm your e-mail",
    )
