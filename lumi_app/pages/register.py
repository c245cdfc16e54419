"""Sign up: e-mail, username, display name and password.

Signed in at once when the account is confirmed at sign-up (the local stack's default);
otherwise (AWS) on to the confirm page, for the code e-mailed to the address.
"""

from __future__ import annotations

import reflex as rx
from pydantic import ValidationError

from backend.contracts import PASSWORD_RULE, USERNAME_RULE, AuthSession, RegisterRequest, SignUpPending
from lumi_app import routes
from lumi_app.api_client import get_api
from lumi_app.components.forms import auth_card, field, form_error, submit_button
from lumi_app.components.shell import page
from lumi_app.state.form_errors import show_invalid_fields
from lumi_app.state.session import sign_in
from lumi_app.state.sign_up import ConfirmationNeeded, confirmation_needed
from lumi_app.state.visit import opens_new_visit

# Words for what the local check of RegisterRequest rejects, per field.
_LOCAL_MESSAGES = {
    "email": "Enter a valid e-mail address, like name@example.com.",
    "username": f"Usernames are {USERNAME_RULE}.",
    "display_name": "Enter the name your partner will see (1–60 characters).",
    "password": f"Use a password of {PASSWORD_RULE}.",
}
_FIELDS = {
    "email": "email_error",
    "username": "username_error",
    "display_name": "display_name_error",
    "password": "password_error",
}
_CODES = {"email_taken": "email_error", "username_taken": "username_error", "weak_password": "password_error"}


class RegisterState(rx.State):
    busy: bool = False
    error: str = ""
    email_error: str = ""
    username_error: str = ""
    display_name_error: str = ""
    password_error: str = ""

    _visit: str = ""

    def _clear_errors(self) -> None:
        self.error = self.email_error = self.username_error = self.display_name_error = self.password_error = ""

    @rx.event
    async def open(self):
        """A new visit starts without the last one's errors."""
        if await opens_new_visit(self):
            self._clear_errors()

    @rx.event
    async def submit(self, form: dict[str, str]):
        if self.busy:
            return
        self._clear_errors()
        try:
            request = RegisterRequest(
                email=form.get("email", "").strip(),
                username=form.get("username", ""),
                display_name=form.get("display_name", ""),
                password=form.get("password", ""),
            )
        except ValidationError as invalid:
            show_invalid_fields(self, invalid, _LOCAL_MESSAGES, fields=_FIELDS)
            return
        self.busy = True
        yield

        async def sign_up() -> AuthSession:
            answer = await get_api().register(request)
            if isinstance(answer, SignUpPending):
                raise ConfirmationNeeded(answer.email)
            return answer

        try:
            signed_in = await sign_in(self, sign_up, codes=_CODES, fields=_FIELDS)
        except ConfirmationNeeded as needed:
            await confirmation_needed(self, needed.login, request.password, from_sign_in=False)
            yield rx.redirect(routes.CONFIRM_EMAIL, replace=True)
            return
        if signed_in:
            yield rx.redirect(routes.HOME, replace=True)


@page(routes.REGISTER, "Sign up", guest_only=True, on_load=[RegisterState.open])
def register() -> rx.Component:
    return auth_card(
        "Create your Lumi account",
        form_error(RegisterState.error),
        field(
            "E-mail",
            id="register-email",
            name="email",
            type="email",
            error=RegisterState.email_error,
            auto_complete="email",
            required=True,
        ),
        field(
            "Username",
            id="register-username",
            name="username",
            error=RegisterState.username_error,
            hint="Your partner finds you by it. Lowercase letters, digits, dots and underscores.",
            auto_complete="username",
            auto_capitalize="none",
            required=True,
        ),
        field(
            "Display name",
            id="register-display-name",
            name="display_name",
            error=RegisterState.display_name_error,
            hint="The name your partner sees.",
            auto_complete="nickname",
            required=True,
        ),
        field(
            "Password",
            id="register-password",
            name="password",
            type="password",
            error=RegisterState.password_error,
            hint="At least 8 characters, with a lowercase letter and a digit.",
            auto_complete="new-password",
            required=True,
        ),
        submit_button("Sign up", RegisterState.busy, width="100%"),
        rx.text("Already have an account? ", rx.link("Log in", href=routes.LOGIN), size="2"),
        on_submit=RegisterState.submit,
        aria_label="Sign up",
    )
