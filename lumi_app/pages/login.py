"""Log in with an e-mail address or username and a password."""

from __future__ import annotations

import reflex as rx

from backend.contracts import LoginRequest
from lumi_app import routes
from lumi_app.api_client import get_api
from lumi_app.components.forms import auth_card, field, form_error, submit_button
from lumi_app.components.shell import page
from lumi_app.state.session import sign_in
from lumi_app.state.visit import opens_new_visit

_CODES = {"unknown_user": "login_error", "wrong_password": "password_error"}
_FIELDS = {"login": "login_error", "password": "password_error"}


class LoginState(rx.State):
    busy: bool = False
    error: str = ""
    login_error: str = ""
    password_error: str = ""

    _visit: str = ""

    @rx.event
    async def open(self):
        """A new visit starts without the last one's errors."""
        if await opens_new_visit(self):
            self.error = self.login_error = self.password_error = ""

    @rx.event
    async def submit(self, form: dict[str, str]):
        if self.busy:
            return
        self.error = self.login_error = self.password_error = ""
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
        if await sign_in(
            self, lambda: get_api().login(LoginRequest(login=login, password=password)), codes=_CODES, fields=_FIELDS
        ):
            yield rx.redirect(routes.safe_next(self.router.url.query_parameters.get("next")), replace=True)


@page(routes.LOGIN, "Log in", guest_only=True, on_load=[LoginState.open])
def login() -> rx.Component:
    return auth_card(
        "Welcome back",
        form_error(LoginState.error),
        field(
            "E-mail or username",
            id="login-login",
            name="login",
            error=LoginState.login_error,
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
        submit_button("Log in", LoginState.busy, width="100%"),
        rx.text("New to Lumi? ", rx.link("Create an account", href=routes.REGISTER), size="2"),
        on_submit=LoginState.submit,
        aria_label="Log in",
    )
