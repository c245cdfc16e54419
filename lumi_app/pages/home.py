"""Home: a greeting, your partner (or the way to pair with one), "Thinking of you", the next of
the couple's dates with its countdown, and the couple's latest moments (kept current by live
moment and date messages while Home is open).

What Home shows comes from API calls made together, outside the tab's state lock: the page
costs one round trip, and the tab's other events go on meanwhile. The same round trip gives
the API the browser's zone for the default (09:00) date reminder time."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from backend.contracts import DateChangedMessage, MomentChangedMessage, NotificationMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.affirmations import ReceivedView, local_today, received_card
from lumi_app.components.avatar import avatar
from lumi_app.components.dates import DateEntryView, next_date_card
from lumi_app.components.forms import form_error, form_notice, link_button, section
from lumi_app.components.invite import invite_text
from lumi_app.components.moments import SMALL_CARD_MIN_WIDTH, MomentCard, loading, moment_grid
from lumi_app.components.shell import page
from lumi_app.components.together import together_summary
from lumi_app.state.affirmations import toggle_heart
from lumi_app.state.couple import unless_not_paired
from lumi_app.state.page_data import begin_refresh, open_page, run_fetch
from lumi_app.state.realtime import listen_to_live, listen_to_notifications, refresh_on_couple_change, tab_shows
from lumi_app.state.session import (
    ApiOutsideLock,
    SessionEnded,
    SessionState,
    api_call,
    login_redirect,
    show_profile,
)
from lumi_app.state.views import RelationshipView, zone_named
from lumi_app.state.visit import VisitState

log = logging.getLogger("lumi.app.home")

LATEST_MOMENTS = 3


class HomeState(rx.State):
    loaded: bool = False
    loaded_for: str = ""  # SessionState.context_key when loaded
    error: str = ""
    has_partner: bool = False
    partner: RelationshipView = RelationshipView()
    invites: int = 0
    latest_moments: list[MomentCard] = []
    affirmations_today: list[ReceivedView] = []
    next_date: DateEntryView = DateEntryView()
    has_next_date: bool = False
    heart_error: str = ""

    nudging: bool = False
    nudge_notice: str = ""
    nudge_error: str = ""

    _zone: str = ""  # the browser's, for "today"
    _zone_told: str = ""  # the zone the API was last given for date reminders (once per tab)
    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock) -> list[Any]:
        """Everything Home shows, in one round trip (the calls go out together)."""
        zone = self._zone
        tell = zone if zone != self._zone_told else ""
        today = local_today(zone_named(zone))
        return await api.gather(
            lambda api, token: api.me(token),
            lambda api, token: api.current_relationship(token),
            lambda api, token: api.partner_requests(token),
            lambda api, token: unless_not_paired(api.moments(token, limit=LATEST_MOMENTS)),
            lambda api, token: unless_not_paired(api.received_affirmations(token, zone=zone, limit=1)),
            lambda api, token: unless_not_paired(api.upcoming_dates(token, today=today, limit=1)),
            lambda api, token: _tell_reminder_zone(api, token, tell),
        )

    async def _show(self, data: list[Any]) -> None:
        profile, current, requests, latest, received, upcoming, _ = data
        self._zone_told = self._zone
        await show_profile(self, profile)
        self.has_partner = current.relationship is not None
        self.partner = RelationshipView.of(current.relationship) if current.relationship else RelationshipView()
        self.invites = len(requests.received)
        paired = current.relationship is not None and latest is not None
        self.latest_moments = [MomentCard.of(moment, profile.user_id) for moment in latest.items] if paired else []
        zone = zone_named(self._zone)
        today = local_today(zone)
        self.affirmations_today = (
            [ReceivedView.of(item, zone, today) for item in received.today] if paired and received else []
        )
        next_entries = upcoming.entries if paired and upcoming else []
        self.has_next_date = bool(next_entries)
        self.next_date = DateEntryView.of(next_entries[0], today) if next_entries else DateEntryView()

    def _reset(self) -> None:
        self.nudge_notice = self.nudge_error = self.heart_error = ""

    @rx.event
    async def load(self):
        self._zone = (await self.get_state(VisitState)).time_zone
        return await open_page(self, HomeState.fetch, reset=self._reset)

    @rx.event
    async def toggle_heart(self, delivery_id: str):
        """Love today's affirmation (or take it back)."""
        self.heart_error = ""
        try:
            await toggle_heart(self, delivery_id, ("affirmations_today",))
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.heart_error = failure.message

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def refresh(self):
        """The couple changed (a live message): fetch again, without a loading state."""
        return begin_refresh(self, HomeState.fetch)

    @rx.event
    async def nudge(self):
        """One tap: "thinking of you" reaches the partner (live, or as a push while they're away)."""
        if self.nudging:
            return
        self.nudging = True
        self.nudge_notice = self.nudge_error = ""
        yield
        try:
            await api_call(self, lambda api, token: api.send_nudge(token))
            self.nudge_notice = f"{self.partner.partner_name or 'Your partner'} will know you're thinking of them."
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.nudge_error = _nudge_error(failure)
        finally:
            self.nudging = False


async def _tell_reminder_zone(api: Any, token: str, zone: str) -> None:
    """The browser's zone for the default date reminder time (a time the person chose is kept).
    Not worth failing Home for: a failure is only logged."""
    if not zone:
        return
    try:
        await api.set_date_reminder_zone(token, zone)
    except ApiError as failure:
        if isinstance(failure, SessionEnded) or failure.status == 401:
            raise  # the token is renewed (or the session ended) as for any other call
        log.info("could not set the date reminder zone: %s %s", failure.status, failure.code)


def _nudge_error(failure: ApiError) -> str:
    if failure.status == 429:
        if failure.retry_after:
            seconds = max(1, round(failure.retry_after))
            if seconds >= 90:
                wait = f"{round(seconds / 60)} minutes"
            else:
                wait = "1 second" if seconds == 1 else f"{seconds} seconds"
            return f"You've sent a few already. Try again in {wait}."
        return "You've sent a few already. Try again in a little while."
    if failure.code == "not_paired":
        return "You need a partner to send this to. Pair with them first."
    return failure.message


refresh_on_couple_change(routes.HOME, HomeState.refresh)


async def _moment_changed(state: Any, message: MomentChangedMessage) -> Any:
    """A moment or a date of the couple appeared, changed or went: fetch Home again if it is on screen."""
    if state.loaded and state.has_partner and await tab_shows(state, routes.HOME):
        return HomeState.refresh
    return None


listen_to_live((MomentChangedMessage, DateChangedMessage), HomeState, _moment_changed)


async def _affirmation_came(state: Any, message: Any) -> Any:
    """Today's affirmation arrived (a live notification): fetch Home again if it is on screen."""
    came = isinstance(message, NotificationMessage) and message.notification.category == "affirmations"
    if came and state.loaded and state.has_partner and await tab_shows(state, routes.HOME):
        return HomeState.refresh
    return None


listen_to_notifications(HomeState, _affirmation_came)


def _nudge() -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.cond(HomeState.nudging, rx.spinner(size="2"), rx.icon("heart", size=18)),
            "Thinking of you",
            on_click=HomeState.nudge,
            disabled=HomeState.nudging,
            aria_busy=rx.cond(HomeState.nudging, "true", "false"),
            size="3",
            color_scheme="pink",
        ),
        form_notice(HomeState.nudge_notice),
        form_error(HomeState.nudge_error),
        spacing="2",
        align="start",
        width="100%",
    )


def _partner_card() -> rx.Component:
    partner = HomeState.partner
    return section(
        "Your partner",
        rx.hstack(
            avatar(partner.partner_avatar_url, partner.partner_initials, partner.partner_name, size="6"),
            rx.vstack(
                rx.text(partner.partner_name, size="5", weight="bold"),
                rx.text("@", partner.partner_username, size="2", color_scheme="gray"),
                together_summary(partner.since_iso, partner.anniversary_iso),
                rx.cond(
                    partner.anniversary != "",
                    rx.text("Together since ", partner.anniversary, size="2", color_scheme="gray"),
                    rx.text(
                        "Paired on ",
                        partner.since,
                        ". ",
                        rx.link("Add your anniversary", href=routes.SETTINGS_RELATIONSHIP),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                spacing="1",
                min_width="0",
            ),
            align="center",
            spacing="4",
        ),
        _nudge(),
        aria_label="Your partner",
    )


def _affirmation_today() -> rx.Component:
    """Today's affirmation from the partner, when one came (a link to all of them either way)."""
    return section(
        "Today from " + HomeState.partner.partner_name,
        rx.cond(
            HomeState.affirmations_today.length() > 0,
            rx.vstack(
                rx.foreach(
                    HomeState.affirmations_today,
                    lambda view: received_card(view, HomeState.toggle_heart(view.delivery_id)),
                ),
                spacing="3",
                width="100%",
            ),
            rx.text(
                "Nothing yet today. Kind words from your partner come at the time you choose.", color_scheme="gray"
            ),
        ),
        form_error(HomeState.heart_error),
        rx.hstack(
            rx.link("All your affirmations", href=routes.AFFIRMATIONS_RECEIVED, size="2"),
            rx.link("Write yours", href=routes.AFFIRMATIONS, size="2"),
            spacing="4",
            wrap="wrap",
        ),
        aria_label="Today's affirmation",
    )


def _latest_moments() -> rx.Component:
    return section(
        "Latest moments",
        rx.cond(
            HomeState.latest_moments.length() > 0,
            moment_grid(HomeState.latest_moments, "Latest moments", min_width=SMALL_CARD_MIN_WIDTH),
            rx.text("No moments yet. Share a video of your day with your partner.", color_scheme="gray"),
        ),
        rx.hstack(
            link_button("Share a moment", routes.MOMENT_NEW, size="2"),
            rx.link("All moments", href=routes.MOMENTS, size="2"),
            align="center",
            spacing="4",
            wrap="wrap",
        ),
        aria_label="Latest moments",
    )


def _invite_card() -> rx.Component:
    return section(
        "Invite your partner",
        rx.text(
            "Lumi is made for two. Send your partner a request with their username or e-mail, "
            "and once they accept you share one space.",
            color_scheme="gray",
        ),
        rx.cond(
            HomeState.invites > 0,
            rx.callout(
                rx.cond(
                    HomeState.invites == 1,
                    "Someone wants to pair with you.",
                    "People want to pair with you.",
                ),
                icon="heart",
                color_scheme="pink",
            ),
        ),
        invite_text(),
        rx.box(link_button("Pair with your partner", routes.PAIRING, size="3")),
    )


@page(routes.HOME, "Home", on_load=[HomeState.load], heading=False)
def home() -> rx.Component:
    # The greeting is Home's one heading (the shell shows no "Home" heading above it).
    return rx.vstack(
        rx.heading("Hi, ", SessionState.display_name, size="7", as_="h1"),
        form_error(HomeState.error),
        rx.cond(
            HomeState.loaded & (HomeState.loaded_for == SessionState.context_key),
            rx.cond(
                HomeState.has_partner,
                rx.vstack(
                    _partner_card(),
                    next_date_card(HomeState.next_date, HomeState.has_next_date),
                    _affirmation_today(),
                    _latest_moments(),
                    spacing="4",
                    width="100%",
                    align="stretch",
                ),
                _invite_card(),
            ),
            loading(),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
