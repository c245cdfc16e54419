"""Log in with an e-mail address or username and a password.

An unknown account and a wrong password get the same words, above the form (the API answers
both with ``invalid_credentials``): neither field is to blame on its own, and nothing tells
a stranger whether an account exists. The right password of an account whose e-mail is not
confirmed yet leads on to the confirm page (enter the e-mailed code, or ask for a new one).
"""

from __future__ import annotations

import reflex as rx

from backend.contracts import AuthSession, LoginRequest
from lumi_app import routes
from lumi_app.api_client import ApiError, get_api
from lumi_app.components.forms import auth_card, field, form_error, form_notice, submit_button
from lumi_app.components.shell import page
from lumi_app.state.password_reset import remembered_login, take_notice
from lumi_app.state.session import sign_in
from lumi_app.state.sign_up import (
    NOT_CONFIRMED,
    ConfirmationNeeded,
    confirmation_needed,
    forget_password,
    take_confirmed_notice,
)
from lumi_app.state.visit import opens_new_visit

_FIELDS = {"login": "login_error", "password": "password_error"}


class LoginState(rx.State):
    busy: bool = False
    error: str = ""
    notice: str = ""
    login_error: str = ""
    password_error: str = ""
    # What the login field starts with: the login of a password just reset, else empty.
    prefill: str = ""

    _visit: str = ""

    @rx.event
    async def open(self):
        """A new visit starts without the last one's errors; after a reset it says so, once."""
        if await opens_new_visit(self):
            self.error = self.login_error = self.password_error = ""
            self.notice = await take_notice(self, "password_reset")
            self.prefill = await remembered_login(self) if self.notice else ""
            if not self.notice:
                self.notice, self.prefill = await take_confirmed_notice(self)

    @rx.event
    async def submit(self, form: dict[str, str]):
        if self.busy:
            return
        self.error = self.notice = self.login_error = self.password_error = ""
        login = form.get("login", "").strip()
        password = form.get("password", "")
        if not login:
            self.login_error = "Enter your e-mail address or username."
        if not password:
            self.password_error = "Enter your password."
        if not (login and password):
            return
        self.busy = True
        yield

        async def authenticate() -> AuthSession:
            try:
                return await get_api().login(LoginRequest(login=login, password=password))
            except ApiError as failure:
                if failure.code == NOT_CONFIRMED:
                    raise ConfirmationNeeded(login) from failure
                raise

        try:
            signed_in = await sign_in(self, authenticate, codes={}, fields=_FIELDS)
        except ConfirmationNeeded:
            await confirmation_needed(self, login, password, from_sign_in=True)
            yield rx.redirect(routes.CONFIRM_EMAIL)
            return
        if signed_in:
            await forget_password(self)
            yield rx.redirect(routes.safe_next(self.router.url.query_parameters.get("next")), replace=True)


@page(routes.LOGIN, "Log in", guest_only=True, on_load=[LoginState.open])
def login() -> rx.Component:
    return auth_card(
        "Welcome back",
        form_notice(LoginState.notice),
        form_error(LoginState.error),
        field(
            "E-mail or username",
            id="login-login",
            name="login",
            error=LoginState.login_error,
            default_value=LoginState.prefill,
            auto_complete="username",
            auto_capitalize="none",
            required=True,
        ),
        field(
            "Password",
            id="login-password",
            name="password",
            type="password",
            error=LoginState.password_error,
            auto_complete="current-password",
            required=True,
        ),
        rx.link("Forgot your password?", href=routes.FORGOT_PASSWORD, size="2"),
        submit_button("Log in", LoginState.busy, width="100%"),
        rx.text("New to Lumi? ", rx.link("Create an account", href=routes.REGISTER), size="2"),
        on_submit=LoginState.submit,
        aria_label="Log in",
    )
