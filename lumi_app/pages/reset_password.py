"""Choose a new password with the code from the e-mail; then log in with it.

A wrong or expired code, and a login no account has, read the same ("That code is not right
or has expired…"). Success signs the person out everywhere (the API does) and goes straight
to the sign-in page, which says so.
"""

from __future__ import annotations

import reflex as rx
from pydantic import ValidationError

from backend.contracts import PASSWORD_RULE, ResetPasswordRequest
from lumi_app import routes
from lumi_app.api_client import ApiError, get_api
from lumi_app.components.forms import auth_card, field, form_error, form_notice, submit_button
from lumi_app.components.shell import page
from lumi_app.state.form_errors import show_error, show_invalid_fields
from lumi_app.state.password_reset import password_reset, remembered_login, take_notice
from lumi_app.state.visit import opens_new_visit

PASSWORD_HINT = "At least 8 characters, with a lowercase letter and a digit."
_LOCAL_MESSAGES = {
    "login": "Enter the e-mail address or username of your account.",
    "code": "Enter the 6-digit code from the e-mail.",
    "new_password": f"Use a password of {PASSWORD_RULE}.",
}
_FIELDS = {"login": "login_error", "code": "code_error", "new_password": "new_error"}
_CODES = {"invalid_code": "code_error", "weak_password": "new_error"}


class ResetPasswordState(rx.State):
    busy: bool = False
    error: str = ""
    notice: str = ""
    login_error: str = ""
    code_error: str = ""
    new_error: str = ""
    confirm_error: str = ""
    prefill: str = ""

    _visit: str = ""

    def _clear_errors(self) -> None:
        self.error = self.login_error = self.code_error = self.new_error = self.confirm_error = ""

    @rx.event
    async def open(self):
        """A new visit starts clean; coming from the forgot page it says a code was sent."""
        if await opens_new_visit(self):
            self._clear_errors()
            self.notice = await take_notice(self, "code_sent")
            self.prefill = await remembered_login(self)

    @rx.event
    async def submit(self, form: dict[str, str]):
        if self.busy:
            return
        self._clear_errors()
        new = form.get("new_password", "")
        if new != form.get("confirm_password", ""):
            self.confirm_error = "The two new passwords don't match."
        try:
            request = ResetPasswordRequest(
                login=form.get("login", ""),
                code="".join(form.get("code", "").split()),  # "123 456" as the e-mail may show it
                new_password=new,
            )
        except ValidationError as invalid:
            show_invalid_fields(self, invalid, _LOCAL_MESSAGES, fields=_FIELDS)
            return
        if self.confirm_error:
            return
        self.busy = True
        yield
        try:
            await get_api().reset_password(request)
        except ApiError as failure:
            show_error(self, failure, codes=_CODES, fields=_FIELDS)
            return
        finally:
            self.busy = False
        await password_reset(self)
        yield rx.redirect(routes.LOGIN, replace=True)


@page(routes.RESET_PASSWORD, "Choose a new password", guest_only=True, on_load=[ResetPasswordState.open])
def reset_password() -> rx.Component:
    return auth_card(
        "Choose a new password",
        form_notice(ResetPasswordState.notice),
        form_error(ResetPasswordState.error),
        field(
            "E-mail or username",
            id="reset-login",
            name="login",
            error=ResetPasswordState.login_error,
            default_value=ResetPasswordState.prefill,
            auto_complete="username",
            auto_capitalize="none",
        ),
        field(
            "Code from the e-mail",
            id="reset-code",
            name="code",
            error=ResetPasswordState.code_error,
            hint="6 digits. It works once, for one hour.",
            auto_complete="one-time-code",
            input_mode="numeric",
        ),
        field(
            "New password",
            id="reset-new-password",
            name="new_password",
            type="password",
            error=ResetPasswordState.new_error,
            hint=PASSWORD_HINT,
            auto_complete="new-password",
        ),
        field(
            "New password again",
            id="reset-confirm-password",
            name="confirm_password",
            type="password",
            error=ResetPasswordState.confirm_error,
            auto_complete="new-password",
        ),
        submit_button("Change password", ResetPasswordState.busy, width="100%"),
        rx.text(
            "No code, or too old? ",
            rx.link("Send a new one", href=routes.FORGOT_PASSWORD),
            " · ",
            rx.link("Back to log in", href=routes.LOGIN),
            size="2",
        ),
        on_submit=ResetPasswordState.submit,
        aria_label="Choose a new password",
    )
