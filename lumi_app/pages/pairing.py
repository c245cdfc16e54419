"""Pairing: send a partner request, answer the ones you received, cancel the ones you sent.

The lists are fetched again on load and after every action (realtime updates come later).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx

from lumi_app import routes
from lumi_app.api_client import ApiError, LumiApi
from lumi_app.components.avatar import avatar
from lumi_app.components.forms import (
    empty_state,
    field,
    form_error,
    form_notice,
    link_button,
    section,
    section_form,
    submit_button,
)
from lumi_app.components.invite import invite_text
from lumi_app.components.shell import page
from lumi_app.state.form_errors import show_error
from lumi_app.state.page_data import ApiUnderLock, begin_refresh, mark_loaded, open_page, run_fetch
from lumi_app.state.realtime import refresh_on_couple_change, shows_notifications
from lumi_app.state.session import (
    ApiOutsideLock,
    SessionEnded,
    SessionState,
    api_call,
    login_redirect,
    refresh_profile,
)
from lumi_app.state.views import PartnerRequestView, RelationshipView

PAIR_INPUT_ID = "pair-to"

# Errors about whom the request goes to are shown beside the field.
_TO_CODES = {
    code: "to_error"
    for code in (
        "unknown_user",
        "cannot_pair_with_self",
        "already_paired",
        "partner_already_paired",
        "request_exists",
        "incoming_request_exists",
    )
}


class PairingState(rx.State):
    loaded: bool = False
    loaded_for: str = ""  # SessionState.context_key when loaded
    load_error: str = ""
    has_partner: bool = False
    partner: RelationshipView = RelationshipView()
    received: list[PartnerRequestView] = []
    sent: list[PartnerRequestView] = []

    sending: bool = False
    to_error: str = ""
    send_error: str = ""
    notice: str = ""

    acting_on: str = ""
    action_error: str = ""

    _visit: str = ""
    _generation: int = 0
    _notice_is_about_a_request: bool = False

    async def _get(self, api: ApiOutsideLock | ApiUnderLock) -> list[Any]:
        return await api.gather(
            lambda api, token: api.partner_requests(token),
            lambda api, token: api.current_relationship(token),
        )

    async def _show(self, data: list[Any]) -> None:
        requests, current = data
        if current.relationship is not None and self._notice_is_about_a_request:
            self.notice = ""  # "Request sent to Kai" is old news once they are a pair
        self.received = [PartnerRequestView.of(r, r.from_user) for r in requests.received]
        self.sent = [PartnerRequestView.of(r, r.to_user) for r in requests.sent]
        self.has_partner = current.relationship is not None
        self.partner = RelationshipView.of(current.relationship) if current.relationship else RelationshipView()

    async def _fetch(self) -> None:
        """After the person's own action (the lock is held anyway)."""
        await self._show(await self._get(ApiUnderLock(self)))
        await mark_loaded(self)

    @rx.event
    async def load(self):
        return await open_page(
            self,
            PairingState.fetch,
            reset=self._reset,
            error="load_error",
            clear=("notice", "action_error", "send_error", "to_error"),
        )

    def _reset(self) -> None:
        self._notice_is_about_a_request = False

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, error="load_error"):
            yield update

    @rx.event
    def refresh(self):
        """The couple or the requests changed (a live message): fetch again, keeping what is shown."""
        return begin_refresh(self, PairingState.fetch)

    @rx.event
    async def send(self, form: dict[str, str]):
        if self.sending:
            return
        self.to_error = self.send_error = self.notice = self.action_error = ""
        to = form.get("to", "").strip()
        if not to:
            self.to_error = "Enter your partner's username or e-mail address."
            return
        self.sending = True
        yield
        try:
            request = await api_call(self, lambda api, token: api.send_partner_request(token, to))
            self.notice = f"Request sent to {request.to_user.display_name} (@{request.to_user.username})."
            self._notice_is_about_a_request = True
            await self._fetch()
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            show_error(self, failure, codes=_TO_CODES, fields={"to": "to_error"}, form="send_error")
            return
        finally:
            self.sending = False
        yield rx.set_value(PAIR_INPUT_ID, "")

    async def _act(self, request_id: str, action: Callable[[LumiApi, str], Awaitable[object]], done: str):
        if self.acting_on:
            return
        self.acting_on = request_id
        self.notice = self.action_error = self.send_error = self.to_error = ""
        self._notice_is_about_a_request = False
        yield
        try:
            await api_call(self, action)
            self.notice = done
            await refresh_profile(self)
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.action_error = failure.message
        finally:
            self.acting_on = ""
        try:
            await self._fetch()
        except ApiError as failure:
            self.load_error = failure.message

    def _name_of(self, request_id: str, requests: list[PartnerRequestView]) -> str:
        return next((r.display_name for r in requests if r.request_id == request_id), "your partner")

    @rx.event
    async def accept(self, request_id: str):
        name = self._name_of(request_id, self.received)
        async for update in self._act(
            request_id,
            lambda api, token: api.accept_partner_request(token, request_id),
            f"You and {name} are now paired.",
        ):
            yield update

    @rx.event
    async def decline(self, request_id: str):
        name = self._name_of(request_id, self.received)
        async for update in self._act(
            request_id,
            lambda api, token: api.decline_partner_request(token, request_id),
            f"You declined {name}'s request.",
        ):
            yield update

    @rx.event
    async def cancel(self, request_id: str):
        name = self._name_of(request_id, self.sent)
        async for update in self._act(
            request_id,
            lambda api, token: api.cancel_partner_request(token, request_id),
            f"You cancelled your request to {name}.",
        ):
            yield update


# ---------------------------------------------------------------- components


def _person(item: PartnerRequestView) -> rx.Component:
    return rx.hstack(
        avatar(item.avatar_url, item.initials, item.display_name, size="3"),
        rx.vstack(
            rx.text(item.display_name, weight="medium", trim="both"),
            rx.text("@", item.username, " · ", item.sent_on, size="1", color_scheme="gray"),
            spacing="1",
            min_width="0",
        ),
        align="center",
        spacing="3",
        min_width="0",
        flex="1",
    )


def _action_button(label: str, item: PartnerRequestView, on_click: rx.EventHandler, **props) -> rx.Component:
    busy = PairingState.acting_on == item.request_id
    return rx.button(
        rx.spinner(loading=busy, size="1"),
        label,
        on_click=on_click,
        disabled=PairingState.acting_on != "",
        aria_busy=rx.cond(busy, "true", "false"),
        aria_label=f"{label} request {'to' if label == 'Cancel' else 'from'} " + item.display_name,
        **props,
    )


def _request_row(item: PartnerRequestView, actions: rx.Component) -> rx.Component:
    """One request of a list: who, and what can be done with it."""
    return rx.el.li(
        rx.flex(_person(item), actions, align="center", justify="between", spacing="3", wrap="wrap"),
        padding_y="0.5rem",
        list_style="none",
    )


def _received_item(item: PartnerRequestView) -> rx.Component:
    return _request_row(
        item,
        rx.hstack(
            _action_button("Accept", item, PairingState.accept(item.request_id)),
            _action_button("Decline", item, PairingState.decline(item.request_id), variant="soft", color_scheme="gray"),
            spacing="2",
        ),
    )


def _sent_item(item: PartnerRequestView) -> rx.Component:
    return _request_row(
        item, _action_button("Cancel", item, PairingState.cancel(item.request_id), variant="soft", color_scheme="gray")
    )


def _send_form() -> rx.Component:
    return section_form(
        "Send a request",
        form_error(PairingState.send_error),
        field(
            "Partner's username or e-mail",
            id=PAIR_INPUT_ID,
            name="to",
            error=PairingState.to_error,
            auto_complete="off",
            auto_capitalize="none",
        ),
        submit_button("Send request", PairingState.sending),
        on_submit=PairingState.send,
        aria_label="Send a partner request",
    )


def _lists() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Requests show up here as soon as they are sent, and go as soon as they are answered.",
            size="2",
            color_scheme="gray",
        ),
        section(
            "Requests for you",
            rx.cond(
                PairingState.received.length() > 0,
                rx.el.ul(rx.foreach(PairingState.received, _received_item), aria_label="Requests for you", padding="0"),
                empty_state(
                    "inbox",
                    "No requests for you yet",
                    "When your partner sends you a request, it shows up here. You can also send one yourself above.",
                ),
            ),
        ),
        section(
            "Requests you sent",
            rx.cond(
                PairingState.sent.length() > 0,
                rx.el.ul(rx.foreach(PairingState.sent, _sent_item), aria_label="Requests you sent", padding="0"),
                empty_state(
                    "send",
                    "You haven't sent a request",
                    "Enter your partner's username or e-mail above to send one.",
                ),
            ),
        ),
        spacing="4",
        width="100%",
    )


def _paired() -> rx.Component:
    partner = PairingState.partner
    return section(
        "You're paired",
        rx.hstack(
            avatar(partner.partner_avatar_url, partner.partner_initials, partner.partner_name, size="5"),
            rx.vstack(
                rx.text("You're paired with ", rx.text.strong(partner.partner_name), "."),
                rx.text("Together since ", partner.since, size="2", color_scheme="gray"),
                spacing="1",
            ),
            align="center",
            spacing="3",
        ),
        rx.hstack(
            link_button("Go home", routes.HOME),
            link_button("Relationship settings", routes.SETTINGS_RELATIONSHIP, variant="soft"),
            spacing="3",
            wrap="wrap",
        ),
    )


refresh_on_couple_change(routes.PAIRING, PairingState.refresh)
shows_notifications(routes.PAIRING, kinds=("paired",))  # the page turns to "You're paired"


@page(routes.PAIRING, "Partner", on_load=[PairingState.load])
def pairing() -> rx.Component:
    return rx.vstack(
        form_notice(PairingState.notice),
        form_error(PairingState.action_error),
        form_error(PairingState.load_error),
        rx.cond(
            PairingState.loaded & (PairingState.loaded_for == SessionState.context_key),
            rx.cond(
                PairingState.has_partner,
                _paired(),
                rx.vstack(section("Your invite", invite_text()), _send_form(), _lists(), spacing="4", width="100%"),
            ),
            rx.cond(
                PairingState.load_error != "",
                rx.button("Try again", on_click=PairingState.load, variant="soft"),
                rx.hstack(rx.spinner(), rx.text("Loading your requests…", color_scheme="gray"), role="status"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
