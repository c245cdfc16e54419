"""Account settings: display name, username and profile photo.

The photo goes from the browser straight to S3 (``assets/lumi-upload.js`` posts it with the
presigned fields the API hands out); the app then asks the API to check and use it.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import USERNAME_RULE, AvatarUploadRequest, UpdateProfileRequest
from backend.settings import get_settings
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.avatar import avatar
from lumi_app.components.forms import (
    busy_button,
    field,
    form_error,
    form_notice,
    section,
    section_form,
    submit_button,
    upload_progress,
)
from lumi_app.components.shell import page
from lumi_app.pages.settings.nav import settings_tabs
from lumi_app.state.form_errors import show_error, show_invalid_fields
from lumi_app.state.image_upload import (
    IMAGE_CONTENT_TYPES,
    IMAGE_HINT,
    clear_script,
    describe_script,
    image_problem,
    post_script,
    storage_problem,
)
from lumi_app.state.session import SessionEnded, SessionState, api_call, login_redirect, show_profile
from lumi_app.state.visit import opens_new_visit

AVATAR_INPUT_ID = "avatar-file"
AVATAR_PROGRESS_ID = "avatar-progress"

_FIELDS = {"display_name": "display_name_error", "username": "username_error"}
_LOCAL_MESSAGES = {
    "display_name": "Enter the name your partner will see (1–60 characters).",
    "username": f"Usernames are {USERNAME_RULE}.",
}


class AccountState(rx.State):
    saving: bool = False
    error: str = ""
    notice: str = ""
    display_name_error: str = ""
    username_error: str = ""

    uploading: bool = False
    upload_stage: str = ""
    upload_error: str = ""
    upload_notice: str = ""
    _pending_key: str = ""
    _visit: str = ""

    @rx.event
    async def open(self):
        """A new visit starts without the last one's messages (an upload on its way keeps going)."""
        if await opens_new_visit(self):
            self.error = self.notice = self.display_name_error = self.username_error = ""
            if not self.uploading:
                self.upload_stage = self.upload_error = self.upload_notice = ""

    # ------------------------------------------------------------ names

    @rx.event
    async def save(self, form: dict[str, str]):
        if self.saving:
            return
        self.error = self.notice = self.display_name_error = self.username_error = ""
        session = await self.get_state(SessionState)
        changes: dict[str, str] = {}
        display_name = form.get("display_name", "").strip()
        username = form.get("username", "").strip().lower()
        if display_name != session.display_name:
            changes["display_name"] = display_name
        if username != session.username:
            changes["username"] = username
        if not changes:
            self.notice = "Nothing to change."
            return
        try:
            request = UpdateProfileRequest(**changes)
        except ValidationError as invalid:
            show_invalid_fields(self, invalid, _LOCAL_MESSAGES, fields=_FIELDS)
            return
        self.saving = True
        yield
        try:
            profile = await api_call(self, lambda api, token: api.update_me(token, request))
            await show_profile(self, profile)
            self.notice = "Your profile is saved."
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            show_error(self, failure, codes={"username_taken": "username_error"}, fields=_FIELDS)
        finally:
            self.saving = False

    # ------------------------------------------------------------ photo

    @rx.event
    def choose_photo(self):
        """Ask the browser what file is chosen; the answer arrives in ``start_upload``."""
        if self.uploading:
            return None
        self.upload_error = self.upload_notice = ""
        return rx.call_script(describe_script(AVATAR_INPUT_ID), callback=AccountState.start_upload)

    @rx.event
    async def start_upload(self, chosen: dict[str, Any] | None):
        if self.uploading:
            return
        problem = image_problem(chosen, get_settings().avatar_max_bytes)
        if problem or not chosen:
            self.upload_error = problem
            return
        self.uploading = True
        self.upload_stage = "Uploading…"
        yield
        try:
            request = AvatarUploadRequest(content_type=chosen["type"], size=int(chosen["size"]))
            ticket = await api_call(self, lambda api, token: api.avatar_upload_ticket(token, request))
        except SessionEnded:
            self.uploading = False
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.uploading = False
            self.upload_error = failure.message
            return
        self._pending_key = ticket.key
        yield rx.call_script(
            post_script(AVATAR_INPUT_ID, ticket, AVATAR_PROGRESS_ID), callback=AccountState.upload_sent
        )

    @rx.event
    async def upload_sent(self, result: dict[str, Any] | None):
        """The browser finished posting the photo to storage; have the API check it and use it."""
        if not self.uploading:
            return
        problem = storage_problem(result)
        if problem:
            self.uploading = False
            self.upload_error = problem
            return
        self.upload_stage = "Checking the photo…"
        yield
        key = self._pending_key
        try:
            profile = await api_call(self, lambda api, token: api.confirm_avatar(token, key))
            await show_profile(self, profile)
            self.upload_notice = "Your photo is updated."
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.upload_error = failure.message
        finally:
            self.uploading = False
            self._pending_key = ""
        yield rx.call_script(clear_script(AVATAR_INPUT_ID))


# ---------------------------------------------------------------- components


def _names_form() -> rx.Component:
    return section_form(
        "Profile",
        form_error(AccountState.error),
        form_notice(AccountState.notice),
        field(
            "Display name",
            id="account-display-name",
            name="display_name",
            error=AccountState.display_name_error,
            default_value=SessionState.display_name,
            auto_complete="nickname",
        ),
        field(
            "Username",
            id="account-username",
            name="username",
            error=AccountState.username_error,
            default_value=SessionState.username,
            auto_complete="username",
            auto_capitalize="none",
        ),
        rx.text("E-mail: ", SessionState.email, size="2", color_scheme="gray"),
        submit_button("Save profile", AccountState.saving),
        on_submit=AccountState.save,
        aria_label="Profile",
    )


def _photo() -> rx.Component:
    return section(
        "Photo",
        rx.flex(
            avatar(SessionState.avatar_url, SessionState.initials, "Your photo", size="7"),
            rx.vstack(
                rx.el.label("Profile photo", html_for=AVATAR_INPUT_ID, font_weight="500"),
                rx.el.input(
                    type="file",
                    id=AVATAR_INPUT_ID,
                    accept=",".join(IMAGE_CONTENT_TYPES),
                    aria_describedby=f"{AVATAR_INPUT_ID}-hint",
                    max_width="100%",
                ),
                rx.text(
                    IMAGE_HINT,
                    id=f"{AVATAR_INPUT_ID}-hint",
                    size="1",
                    color_scheme="gray",
                ),
                busy_button("Upload photo", AccountState.uploading, on_click=AccountState.choose_photo),
                upload_progress(AccountState.uploading, AccountState.upload_stage, AVATAR_PROGRESS_ID),
                form_error(AccountState.upload_error),
                form_notice(AccountState.upload_notice),
                spacing="2",
                align="start",
                min_width="0",
                flex="1",
            ),
            spacing="4",
            align="start",
            wrap="wrap",
        ),
    )


@page(routes.SETTINGS_ACCOUNT, "Account", on_load=[AccountState.open])
def account() -> rx.Component:
    return rx.vstack(settings_tabs(), _names_form(), _photo(), spacing="4", width="100%", align="stretch")
