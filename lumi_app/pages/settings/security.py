"""Security settings: change the password; delete the account (after confirming with the password)."""

from __future__ import annotations

import reflex as rx
from pydantic import ValidationError

from backend.contracts import PASSWORD_RULE, ChangePasswordRequest
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import field, form_error, form_notice, section, section_form, stacked_form, submit_button
from lumi_app.components.shell import page
from lumi_app.pages.settings.nav import settings_tabs
from lumi_app.state.form_errors import show_error
from lumi_app.state.session import SessionEnded, api_call, end_session, login_redirect
from lumi_app.state.visit import opens_new_visit

PASSWORD_IDS = ("current-password", "new-password", "confirm-password")


class SecurityState(rx.State):
    changing: bool = False
    error: str = ""
    notice: str = ""
    current_error: str = ""
    new_error: str = ""
    confirm_error: str = ""

    delete_open: bool = False
    deleting: bool = False
    delete_error: str = ""
    delete_password_error: str = ""

    _visit: str = ""

    @rx.event
    async def open(self):
        """A new visit starts without the last one's messages and closed dialogs."""
        if await opens_new_visit(self):
            self.error = self.notice = self.current_error = self.new_error = self.confirm_error = ""
            self.delete_error = self.delete_password_error = ""
            if not self.deleting:
                self.delete_open = False

    @rx.event
    async def change_password(self, form: dict[str, str]):
        if self.changing:
            return
        self.error = self.notice = self.current_error = self.new_error = self.confirm_error = ""
        current = form.get("current_password", "")
        new = form.get("new_password", "")
        if not current:
            self.current_error = "Enter your current password."
        if new != form.get("confirm_password", ""):
            self.confirm_error = "The two new passwords don't match."
        try:
            request = ChangePasswordRequest(current_password=current or "-", new_password=new)
        except ValidationError:
            self.new_error = f"Use a password of {PASSWORD_RULE}."
            return
        if self.current_error or self.confirm_error:
            return
        self.changing = True
        yield
        try:
            await api_call(self, lambda api, token: api.change_password(token, request))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            show_error(
                self,
                failure,
                codes={"wrong_password": "current_error", "weak_password": "new_error"},
                fields={"current_password": "current_error", "new_password": "new_error"},
            )
            return
        finally:
            self.changing = False
        self.notice = "Your password is changed."
        for input_id in PASSWORD_IDS:
            yield rx.set_value(input_id, "")

    @rx.event
    def set_delete_open(self, open: bool):
        if self.deleting:
            return
        self.delete_open = open
        self.delete_error = self.delete_password_error = ""

    @rx.event
    async def delete_account(self, form: dict[str, str]):
        if self.deleting:
            return
        self.delete_error = self.delete_password_error = ""
        password = form.get("password", "")
        if not password:
            self.delete_password_error = "Enter your password to confirm."
            return
        self.deleting = True
        yield
        try:
            await api_call(self, lambda api, token: api.delete_account(token, password))
        except SessionEnded:
            self.deleting = False
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.deleting = False
            show_error(self, failure, codes={"wrong_password": "delete_password_error"}, form="delete_error")
            return
        await end_session(self)
        self.deleting = False
        self.delete_open = False
        yield rx.toast.success("Your account was deleted.")
        yield rx.redirect(routes.LANDING, replace=True)


def _change_password() -> rx.Component:
    return section_form(
        "Change password",
        form_error(SecurityState.error),
        form_notice(SecurityState.notice),
        field(
            "Current password",
            id="current-password",
            name="current_password",
            type="password",
            error=SecurityState.current_error,
            auto_complete="current-password",
        ),
        field(
            "New password",
            id="new-password",
            name="new_password",
            type="password",
            error=SecurityState.new_error,
            hint="At least 8 characters, with a lowercase letter and a digit.",
            auto_complete="new-password",
        ),
        field(
            "New password again",
            id="confirm-password",
            name="confirm_password",
            type="password",
            error=SecurityState.confirm_error,
            auto_complete="new-password",
        ),
        submit_button("Change password", SecurityState.changing),
        on_submit=SecurityState.change_password,
        aria_label="Change password",
    )


def _delete_account() -> rx.Component:
    return section(
        "Delete account",
        rx.text(
            "This deletes your profile and ends your relationship in Lumi. It can't be undone.",
            size="2",
            color_scheme="gray",
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button("Delete account", color_scheme="red", variant="soft")),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Delete your account?"),
                rx.alert_dialog.description(
                    "Everything you keep in Lumi goes with it. Enter your password to confirm.",
                    size="2",
                ),
                stacked_form(
                    form_error(SecurityState.delete_error),
                    field(
                        "Password",
                        id="delete-password",
                        name="password",
                        type="password",
                        error=SecurityState.delete_password_error,
                        auto_complete="current-password",
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        submit_button("Delete my account", SecurityState.deleting, color_scheme="red"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=SecurityState.delete_account,
                    aria_label="Delete account",
                    margin_top="1rem",
                ),
                max_width="440px",
            ),
            open=SecurityState.delete_open,
            on_open_change=SecurityState.set_delete_open,
        ),
    )


@page(routes.SETTINGS_SECURITY, "Security", on_load=[SecurityState.open])
def security() -> rx.Component:
    return rx.vstack(
        settings_tabs(),
        _change_password(),
        _delete_account(),
        spacing="4",
        width="100%",
        align="stretch",
    )
