"""Relationship settings: who your partner is, your anniversary, and leaving (after confirming)."""

from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import AnniversaryUpdate
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.avatar import avatar
from lumi_app.components.forms import (
    busy_button,
    empty_state,
    field,
    form_error,
    form_notice,
    link_button,
    section,
    section_form,
    submit_button,
)
from lumi_app.components.shell import page
from lumi_app.components.together import together_summary
from lumi_app.pages.settings.nav import settings_tabs
from lumi_app.state.form_errors import show_error
from lumi_app.state.page_data import begin_refresh, open_page, run_fetch
from lumi_app.state.realtime import refresh_on_couple_change
from lumi_app.state.session import (
    ApiOutsideLock,
    SessionEnded,
    SessionState,
    api_call,
    login_redirect,
    refresh_profile,
)
from lumi_app.state.views import RelationshipView

ANNIVERSARY_ID = "anniversary"


class RelationshipSettingsState(rx.State):
    loaded: bool = False
    loaded_for: str = ""  # SessionState.context_key when loaded
    error: str = ""
    notice: str = ""
    has_partner: bool = False
    partner: RelationshipView = RelationshipView()

    saving: bool = False
    anniversary_error: str = ""

    leave_open: bool = False
    leaving: bool = False
    leave_error: str = ""

    @rx.var(cache=True)
    def today(self) -> str:
        return date.today().isoformat()

    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock) -> Any:
        return await api.call(lambda api, token: api.current_relationship(token))

    async def _show(self, current: Any) -> None:
        self.has_partner = current.relationship is not None
        self.partner = RelationshipView.of(current.relationship) if current.relationship else RelationshipView()

    def _reset(self) -> None:
        self.leave_open = False

    @rx.event
    async def load(self):
        return await open_page(
            self,
            RelationshipSettingsState.fetch,
            reset=self._reset,
            clear=("notice", "anniversary_error", "leave_error"),
        )

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def refresh(self):
        """The couple changed (a live message, e.g. the partner set the anniversary or left)."""
        return begin_refresh(self, RelationshipSettingsState.fetch)

    @rx.event
    async def save_anniversary(self, form: dict[str, str]):
        if self.saving or not self.has_partner:
            return
        self.notice = self.error = self.anniversary_error = ""
        raw = form.get("anniversary", "").strip()
        try:
            update = AnniversaryUpdate(anniversary=date.fromisoformat(raw) if raw else None)
        except ValueError as invalid:  # ValidationError is a ValueError too
            self.anniversary_error = (
                "The anniversary can't be in the future."
                if isinstance(invalid, ValidationError)
                else "Enter a date, like 2021-06-14."
            )
            return
        self.saving = True
        yield
        relationship_id = self.partner.relationship_id
        try:
            relationship = await api_call(
                self, lambda api, token: api.set_anniversary(token, relationship_id, update.anniversary)
            )
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            show_error(self, failure, fields={"anniversary": "anniversary_error"})
            return
        finally:
            self.saving = False
        self.partner = RelationshipView.of(relationship)
        self.notice = "Anniversary saved." if relationship.anniversary else "Anniversary removed."

    @rx.event
    def set_leave_open(self, open: bool):
        if self.leaving:
            return
        self.leave_open = open
        self.leave_error = ""

    @rx.event
    async def leave(self):
        if self.leaving or not self.has_partner:
            return
        self.leave_error = ""
        self.leaving = True
        yield
        relationship_id = self.partner.relationship_id
        name = self.partner.partner_name
        try:
            await api_call(self, lambda api, token: api.leave_relationship(token, relationship_id))
            await refresh_profile(self)
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.leave_error = failure.message
            return
        finally:
            self.leaving = False
        self.leave_open = False
        self.has_partner = False
        self.partner = RelationshipView()
        self.loaded_for = (await self.get_state(SessionState)).context_key
        self.notice = f"You left your relationship with {name}."


def _partner() -> rx.Component:
    partner = RelationshipSettingsState.partner
    return section(
        "Partner",
        rx.hstack(
            avatar(partner.partner_avatar_url, partner.partner_initials, partner.partner_name, size="5"),
            rx.vstack(
                rx.text(partner.partner_name, weight="bold"),
                rx.text("@", partner.partner_username, size="2", color_scheme="gray"),
                together_summary(partner.since_iso, partner.anniversary_iso),
                rx.text(
                    rx.cond(
                        partner.anniversary != "", "Together since " + partner.anniversary, "Paired on " + partner.since
                    ),
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
                min_width="0",
            ),
            align="center",
            spacing="3",
        ),
    )


def _anniversary() -> rx.Component:
    return section_form(
        "Anniversary",
        field(
            "Anniversary date",
            id=ANNIVERSARY_ID,
            name="anniversary",
            type="date",
            error=RelationshipSettingsState.anniversary_error,
            default_value=RelationshipSettingsState.partner.anniversary_iso,
            # A new value (the partner changed it, live) re-creates the uncontrolled input.
            key=RelationshipSettingsState.partner.anniversary_iso,
            max=RelationshipSettingsState.today,
            hint="Leave it empty to remove it.",
        ),
        submit_button("Save anniversary", RelationshipSettingsState.saving),
        on_submit=RelationshipSettingsState.save_anniversary,
        aria_label="Anniversary",
    )


def _leave() -> rx.Component:
    state = RelationshipSettingsState
    return section(
        "Leave the relationship",
        rx.text(
            "You both go back to being unpaired, and what you shared in Lumi is removed for both of you.",
            size="2",
            color_scheme="gray",
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button("Leave relationship", color_scheme="red", variant="soft")),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Leave your relationship?"),
                rx.alert_dialog.description(
                    rx.text(
                        "You and ",
                        state.partner.partner_name,
                        " will no longer be paired, and your shared moments, dates and playlists are deleted. "
                        "This can't be undone.",
                    ),
                    size="2",
                ),
                form_error(state.leave_error),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Stay together", variant="soft", color_scheme="gray")),
                    busy_button("Leave", state.leaving, on_click=state.leave, color_scheme="red"),
                    justify="end",
                    spacing="3",
                    margin_top="1rem",
                ),
                max_width="440px",
            ),
            open=state.leave_open,
            on_open_change=state.set_leave_open,
        ),
    )


def _unpaired() -> rx.Component:
    return empty_state(
        "heart-off",
        "You're not paired with anyone",
        "Send your partner a request to share Lumi with them.",
        link_button("Pair with your partner", routes.PAIRING),
    )


refresh_on_couple_change(routes.SETTINGS_RELATIONSHIP, RelationshipSettingsState.refresh)


@page(routes.SETTINGS_RELATIONSHIP, "Relationship", on_load=[RelationshipSettingsState.load])
def relationship() -> rx.Component:
    state = RelationshipSettingsState
    return rx.vstack(
        settings_tabs(),
        form_notice(state.notice),
        form_error(state.error),
        rx.cond(
            state.loaded & (state.loaded_for == SessionState.context_key),
            rx.cond(
                state.has_partner,
                rx.vstack(_partner(), _anniversary(), _leave(), spacing="4", width="100%", align="stretch"),
                _unpaired(),
            ),
            rx.cond(
                state.error == "",
                rx.hstack(rx.spinner(), rx.text("Loading your relationship…", color_scheme="gray"), role="status"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
