"""Forgot your password: ask for a code by e-mail, then go on to choose a new password.

Whatever the login, the answer is the same ("If an account matches, we've sent a code…"),
so the page cannot be used to find out who has an account.
"""

from __future__ import annotations

import reflex as rx
from pydantic import ValidationError

from backend.contracts import ForgotPasswordRequest
from lumi_app import routes
from lumi_app.api_client import ApiError, get_api
from lumi_app.components.forms import auth_card, field, form_error, submit_button
from lumi_app.components.shell import page
from lumi_app.state.form_errors import show_error
from lumi_app.state.password_reset import code_sent, remembered_login
from lumi_app.state.visit import opens_new_visit


class ForgotPasswordState(rx.State):
    busy: bool = False
    error: str = ""
    login_error: str = ""
    # What the field starts with: the login typed on this tab's last reset, if any.
    prefill: str = ""

    _visit: str = ""

    @rx.event
    async def open(self):
        """A new visit starts without the last one's errors."""
        if await opens_new_visit(self):
            self.error = self.login_error = ""
            self.prefill = await remembered_login(self)

    @rx.event
    async def submit(self, form: dict[str, str]):
        if self.busy:
            return
        self.error = self.login_error = ""
        try:
            request = ForgotPasswordRequest(login=form.get("login", ""))
        except ValidationError:
            self.login_error = "Enter the e-mail address or username of your account."
            return
        self.busy = True
        yield
        try:
            await get_api().forgot_password(request)
        except ApiError as failure:
            show_error(self, failure, fields={"login": "login_error"})
            return
        finally:
            self.busy = False
        await code_sent(self, request.login)
        yield rx.redirect(routes.RESET_PASSWORD)


@page(routes.FORGOT_PASSWORD, "Forgot your password?", guest_only=True, on_load=[ForgotPasswordState.open])
def forgot_password() -> rx.Component:
    return auth_card(
        "Forgot your password?",
        rx.text(
            "Enter the e-mail address or username of your account. We'll e-mail you a code to choose a new password.",
            size="2",
        ),
        form_error(ForgotPasswordState.error),
        field(
            "E-mail or username",
            id="forgot-login",
            name="login",
            error=ForgotPasswordState.login_error,
            default_value=ForgotPasswordState.prefill,
            auto_complete="username",
            auto_capitalize="none",
            required=True,
        ),
        submit_button("Send code", ForgotPasswordState.busy, width="100%"),
        rx.text(
            "Already have a code? ",
            rx.link("Enter it", href=routes.RESET_PASSWORD),
            " · ",
            rx.link("Back to log in", href=routes.LOGIN),
            size="2",
        ),
        on_submit=ForgotPasswordState.submit,
        aria_label="Forgot your password",
    )
