"""Dates settings: when your date reminders come (a quarter hour in your zone), and your private
calendar link (a feed Google Calendar or Apple Calendar subscribes to).

The reminder time is personal (each partner has their own); until the person chooses one, it is
09:00 in the zone their app last gave. The feed's URL holds a secret: the API keeps only its
hash, so the URL is shown once, when it is made, and a new one replaces the old.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import DateReminderTime
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.affirmations import QUARTER_HOURS
from lumi_app.components.forms import busy_button, form_error, form_notice, link_button, section
from lumi_app.components.moments import loading
from lumi_app.components.shell import page
from lumi_app.components.zones import zone_datalist
from lumi_app.pages.settings.nav import settings_tabs
from lumi_app.state.couple import unless_not_paired
from lumi_app.state.page_data import begin_refresh, open_page, run_fetch
from lumi_app.state.realtime import refresh_on_couple_change
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect
from lumi_app.state.views import long_date
from lumi_app.state.visit import VisitState

ZONE_LIST_ID = "date-reminder-zones"
FEED_URL_ID = "calendar-feed-url"


async def _reminder_time_or_error(call: Any) -> Any:
    """The reminder time, or the API's words when it could not be read (the feed still shows)."""
    try:
        return await call
    except ApiError as failure:
        if isinstance(failure, SessionEnded) or failure.status == 401:
            raise
        return failure


class DateSettingsState(rx.State):
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""

    # When reminders come (the form: the person's until saved).
    local_time: str = "09:00"
    time_zone: str = ""
    reminder_note: str = ""  # "Reminders come at 09:00 (Europe/Paris)."
    reminder_unavailable: str = ""
    saving: bool = False
    reminder_error: str = ""
    reminder_notice: str = ""

    # The calendar link.
    not_paired: bool = False
    feed_active: bool = False
    feed_since: str = ""  # "6 December 2026"
    feed_url: str = ""  # only right after it was made
    feed_busy: bool = False
    feed_error: str = ""
    feed_notice: str = ""

    _zone: str = ""
    _edited: bool = False
    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock) -> list[Any]:
        return await api.gather(
            lambda api, token: _reminder_time_or_error(api.date_reminder_time(token)),
            lambda api, token: unless_not_paired(api.calendar_feed(token)),
        )

    async def _show(self, data: list[Any]) -> None:
        reminder, feed = data
        if isinstance(reminder, ApiError):
            self.reminder_unavailable = f"Your reminder time couldn't be loaded: {reminder.message}"
        else:
            self.reminder_unavailable = ""
            if not self._edited:
                self._show_reminder(reminder)
        self.not_paired = feed is None
        self._show_feed(feed)

    def _show_reminder(self, reminder: Any) -> None:
        self.local_time = reminder.local_time
        # The browser's zone is proposed until the person has chosen one.
        self.time_zone = reminder.time_zone if reminder.chosen else (self._zone or reminder.time_zone)
        self.reminder_note = (
            f"Reminders come at {reminder.local_time} ({reminder.time_zone})."
            if reminder.set
            else "Lumi doesn't know your time zone yet: save one, and your reminders come at the time you choose."
        )

    def _show_feed(self, feed: Any) -> None:
        self.feed_active = bool(feed and feed.active)
        self.feed_since = long_date(feed.created_at) if feed and feed.active and feed.created_at else ""
        if not self.feed_active:
            self.feed_url = ""

    def _reset(self) -> None:
        self._edited = False
        self.feed_url = ""
        self.reminder_error = self.reminder_notice = self.feed_error = self.feed_notice = ""

    @rx.event
    async def load(self):
        self._zone = (await self.get_state(VisitState)).time_zone
        return await open_page(self, DateSettingsState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def refresh(self):
        return begin_refresh(self, DateSettingsState.fetch)

    # ------------------------------------------------------------ reminder time

    @rx.event
    def set_local_time(self, value: str):
        if value in QUARTER_HOURS:
            self.local_time, self._edited, self.reminder_notice = value, True, ""

    @rx.event
    def set_time_zone(self, value: str):
        self.time_zone, self._edited, self.reminder_notice = value.strip(), True, ""
        self.reminder_error = ""

    @rx.event
    async def save_reminder_time(self, _form: dict[str, Any] | None = None):
        if self.saving:
            return
        self.reminder_error = self.reminder_notice = ""
        try:
            request = DateReminderTime(local_time=self.local_time, time_zone=self.time_zone)
        except ValidationError:
            self.reminder_error = "Choose a time zone from the list, like Europe/Paris."
            return
        self.saving = True
        yield
        try:
            saved = await api_call(self, lambda api, token: api.set_date_reminder_time(token, request))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.reminder_error = failure.fields.get("time_zone") or failure.message
            return
        finally:
            self.saving = False
        self._edited = False
        self.reminder_unavailable = ""
        self._show_reminder(saved)
        self.reminder_notice = "Saved."

    # ------------------------------------------------------------ the calendar link

    @rx.event
    async def issue_feed(self):
        """A new link (shown this once); a link made before stops working."""
        if self.feed_busy:
            return
        self.feed_busy, self.feed_error, self.feed_notice = True, "", ""
        yield
        try:
            feed = await api_call(self, lambda api, token: api.issue_calendar_feed(token))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.feed_error = failure.message
            return
        finally:
            self.feed_busy = False
        replaced = self.feed_active
        self._show_feed(feed)
        self.feed_url = feed.url or ""
        self.feed_notice = "Your new link is ready; the old one no longer works." if replaced else "Your link is ready."

    @rx.event
    async def revoke_feed(self):
        if self.feed_busy:
            return
        self.feed_busy, self.feed_error, self.feed_notice = True, "", ""
        yield
        try:
            await api_call(self, lambda api, token: api.revoke_calendar_feed(token))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.feed_error = failure.message
            return
        finally:
            self.feed_busy = False
        self._show_feed(None)
        self.feed_notice = "Your calendar link is turned off. Calendars subscribed to it stop updating."

    @rx.event
    def copy_feed_url(self):
        if not self.feed_url:
            return None
        self.feed_notice = "Link copied."
        return rx.set_clipboard(self.feed_url)


refresh_on_couple_change(routes.SETTINGS_DATES, DateSettingsState.refresh)


# ---------------------------------------------------------------- view


def _reminder_form() -> rx.Component:
    state = DateSettingsState
    return section(
        "When reminders come",
        rx.el.form(
            rx.vstack(
                rx.text(
                    "On the day of each of your dates, and the days before that you chose for it. "
                    "A date with a time also reminds you an hour before.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(
                    state.reminder_unavailable != "", rx.text(state.reminder_unavailable, size="2", color_scheme="red")
                ),
                rx.flex(
                    rx.vstack(
                        rx.el.label("Time of day", html_for="date-reminder-time", font_weight="500"),
                        rx.el.select(
                            *[rx.el.option(hour, value=hour) for hour in QUARTER_HOURS],
                            id="date-reminder-time",
                            value=state.local_time,
                            on_change=state.set_local_time,
                            padding="0.4rem",
                            border_radius="var(--radius-2)",
                        ),
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.el.label("Time zone", html_for="date-reminder-zone", font_weight="500"),
                        rx.el.input(
                            id="date-reminder-zone",
                            list=ZONE_LIST_ID,
                            value=state.time_zone,
                            on_change=state.set_time_zone,
                            auto_complete="off",
                            aria_invalid=rx.cond(state.reminder_error != "", "true", "false"),
                            aria_describedby="date-reminder-zone-error",
                            padding="0.4rem",
                            border_radius="var(--radius-2)",
                            border=f"1px solid {rx.color('gray', 7)}",
                            max_width="100%",
                        ),
                        zone_datalist(ZONE_LIST_ID),
                        rx.cond(
                            state.reminder_error != "",
                            rx.text(state.reminder_error, id="date-reminder-zone-error", size="2", color_scheme="red"),
                        ),
                        spacing="1",
                        min_width="0",
                    ),
                    gap="1rem",
                    wrap="wrap",
                ),
                rx.cond(state.reminder_note != "", rx.text(state.reminder_note, size="2")),
                rx.hstack(
                    busy_button("Save", state.saving, type="submit"),
                    form_notice(state.reminder_notice),
                    align="center",
                    spacing="3",
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=state.save_reminder_time,
            aria_label="When date reminders come",
        ),
    )


def _feed_link() -> rx.Component:
    state = DateSettingsState
    return rx.vstack(
        rx.el.label("Your calendar link", html_for=FEED_URL_ID, font_weight="500"),
        rx.hstack(
            rx.input(
                id=FEED_URL_ID,
                value=state.feed_url,
                read_only=True,
                aria_describedby=f"{FEED_URL_ID}-hint",
                width="100%",
                min_width="0",
                flex="1",
            ),
            rx.button(rx.icon("copy", size=16), "Copy", on_click=state.copy_feed_url, type="button"),
            width="100%",
            spacing="2",
        ),
        rx.text(
            "Copy it now: it can't be shown again. Keep it private: anyone with it can see your dates.",
            id=f"{FEED_URL_ID}-hint",
            size="2",
            color_scheme="gray",
        ),
        spacing="1",
        width="100%",
    )


def _feed() -> rx.Component:
    state = DateSettingsState
    return section(
        "Your dates in another calendar",
        rx.text(
            "Subscribe in Google Calendar or Apple Calendar: it shows your dates there, and keeps them up to date.",
            size="2",
        ),
        rx.cond(
            state.not_paired,
            rx.vstack(
                rx.text(
                    "Pair with your partner first: the link shows the dates you keep together.", color_scheme="gray"
                ),
                link_button("Pair with your partner", routes.PAIRING),
                spacing="2",
                align="start",
            ),
            rx.vstack(
                rx.cond(
                    state.feed_active,
                    rx.text("Your link works since ", state.feed_since, ".", size="2", color_scheme="gray"),
                    rx.text("You have no calendar link.", size="2", color_scheme="gray"),
                ),
                rx.cond(state.feed_url != "", _feed_link()),
                rx.flex(
                    rx.cond(
                        state.feed_active,
                        busy_button("Get a new link", state.feed_busy, on_click=state.issue_feed, variant="soft"),
                        busy_button("Get my link", state.feed_busy, on_click=state.issue_feed),
                    ),
                    rx.cond(
                        state.feed_active,
                        busy_button(
                            "Turn off", state.feed_busy, on_click=state.revoke_feed, variant="soft", color_scheme="red"
                        ),
                    ),
                    gap="0.75rem",
                    wrap="wrap",
                ),
                rx.cond(
                    state.feed_active,
                    rx.text(
                        "A new link replaces this one: calendars subscribed to the old one stop updating.",
                        size="1",
                        color_scheme="gray",
                    ),
                ),
                form_notice(state.feed_notice),
                form_error(state.feed_error),
                spacing="3",
                align="start",
                width="100%",
            ),
        ),
        aria_label="Your dates in another calendar",
    )


@page(routes.SETTINGS_DATES, "Date settings", on_load=[DateSettingsState.load])
def date_settings() -> rx.Component:
    state = DateSettingsState
    return rx.vstack(
        settings_tabs(),
        form_error(state.error),
        rx.cond(
            state.loaded & (state.loaded_for == SessionState.context_key),
            rx.vstack(_reminder_form(), _feed(), spacing="4", width="100%", align="stretch"),
            rx.cond(
                state.error != "",
                rx.button("Try again", on_click=state.load, variant="soft"),
                loading("Loading your date settings…"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
