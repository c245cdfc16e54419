"""Affirmations for you: today's first, then what came before, day by day; a heart for the ones
you love; and when the daily one comes (on or off, a quarter hour, your time zone).

Days are the recipient's own (the browser's zone until they chose one). A new one arriving
while the page is open (a live notification) is fetched at once. The schedule form is the
person's until they save it: a quiet refresh never overwrites what they set but did not save.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import AffirmationSchedule, NotificationMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.affirmations import (
    QUARTER_HOURS,
    ReceivedView,
    affirmation_tabs,
    local_today,
    received_card,
    with_day_headings,
)
from lumi_app.components.forms import empty_state, form_error, form_notice, section
from lumi_app.components.moments import load_more, loading, not_paired_state
from lumi_app.components.shell import page
from lumi_app.components.zones import zone_datalist
from lumi_app.state.affirmations import toggle_heart
from lumi_app.state.couple import unless_not_paired
from lumi_app.state.page_data import ApiUnderLock, begin_refresh, load_next_page, open_page, run_fetch
from lumi_app.state.realtime import listen_to_notifications, shows_notifications, tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect
from lumi_app.state.views import long_date, zone_named
from lumi_app.state.visit import VisitState

PAGE_SIZE = 20
ZONE_LIST_ID = "affirmation-zones"


class ReceivedAffirmationsState(rx.State):
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    not_paired: bool = False
    today: list[ReceivedView] = []
    earlier: list[ReceivedView] = []
    has_more: bool = False
    loading_more: bool = False
    heart_error: str = ""

    # When the daily one comes (the form: the person's until saved).
    enabled: bool = False
    local_time: str = "09:00"
    time_zone: str = ""
    chosen: bool = False
    schedule_note: str = ""
    saving: bool = False
    schedule_error: str = ""
    schedule_notice: str = ""

    _zone: str = ""  # the browser's, for "today"
    _edited: bool = False
    _next: str = ""
    _visit: str = ""
    _generation: int = 0

    # ------------------------------------------------------------ loading

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> list[Any]:
        zone, next_token = self._zone, (self._next if more else None)

        def received(api: Any, token: str) -> Any:
            return unless_not_paired(api.received_affirmations(token, zone=zone, next=next_token, limit=PAGE_SIZE))

        if more:
            return [None, (await api.gather(received))[0]]
        return await api.gather(lambda api, token: unless_not_paired(api.affirmation_schedule(token)), received)

    async def _show(self, data: list[Any], *, more: bool = False) -> None:
        schedule, received = data
        if received is None:
            self.not_paired = True
            self.today, self.earlier, self.has_more = [], [], False
            return
        self.not_paired = False
        if schedule is not None and not self._edited:
            self._show_schedule(schedule)
        zone = zone_named(self.time_zone or self._zone)
        today = local_today(zone)
        earlier = [ReceivedView.of(item, zone, today) for item in received.items]
        if more:
            self.earlier = with_day_headings([*self.earlier, *earlier])
        else:
            self.today = [ReceivedView.of(item, zone, today) for item in received.today]
            self.earlier = with_day_headings(earlier)
        self._next = received.next or ""
        self.has_more = bool(received.next)

    def _show_schedule(self, schedule: Any) -> None:
        self.enabled = schedule.enabled
        self.local_time = schedule.local_time
        self.chosen = schedule.chosen
        # The browser's zone is proposed until the person has chosen one.
        self.time_zone = schedule.time_zone if schedule.chosen else (self._zone or schedule.time_zone)
        self.schedule_note = _schedule_note(schedule, zone_named(self.time_zone))

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    def _reset(self) -> None:
        self._edited = False
        self.schedule_error = self.schedule_notice = self.heart_error = ""

    @rx.event
    async def load(self):
        self._zone = (await self.get_state(VisitState)).time_zone
        return await open_page(self, ReceivedAffirmationsState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def refresh(self):
        return begin_refresh(self, ReceivedAffirmationsState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    # ------------------------------------------------------------ hearts

    @rx.event
    async def toggle_heart(self, delivery_id: str):
        """Love it, or take the heart back: shown at once, put back if the API says no."""
        self.heart_error = ""
        try:
            await toggle_heart(self, delivery_id, ("today", "earlier"))
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.heart_error = failure.message

    # ------------------------------------------------------------ when it comes

    @rx.event
    def set_enabled(self, value: bool):
        self.enabled, self._edited, self.schedule_notice = bool(value), True, ""

    @rx.event
    def set_local_time(self, value: str):
        if value in QUARTER_HOURS:
            self.local_time, self._edited, self.schedule_notice = value, True, ""

    @rx.event
    def set_time_zone(self, value: str):
        self.time_zone, self._edited, self.schedule_notice = value.strip(), True, ""
        self.schedule_error = ""

    @rx.event
    async def save_schedule(self, _form: dict[str, Any] | None = None):
        if self.saving:
            return
        self.schedule_error = self.schedule_notice = ""
        try:
            request = AffirmationSchedule(enabled=self.enabled, local_time=self.local_time, time_zone=self.time_zone)
        except ValidationError:
            self.schedule_error = "Choose a time zone from the list, like Europe/Paris."
            return
        self.saving = True
        yield
        try:
            schedule = await api_call(self, lambda api, token: api.set_affirmation_schedule(token, request))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.schedule_error = failure.fields.get("time_zone") or failure.message
            return
        finally:
            self.saving = False
        self._edited = False
        self._show_schedule(schedule)
        self.schedule_notice = "Saved." if not schedule.applies_from else "Saved: it applies from tomorrow."


def _schedule_note(schedule: Any, zone: Any) -> str:
    """What the person can count on: when the next one comes, and since when a change applies."""
    if not schedule.enabled:
        return "Daily affirmations are off."
    parts = []
    if schedule.next_delivery_at is not None:
        when: datetime = schedule.next_delivery_at.astimezone(zone)
        parts.append(f"The next one comes on {long_date(when.date())} at {when:%H:%M}.")
    if schedule.applies_from is not None:
        parts.append(f"Your change applies from {long_date(schedule.applies_from)}.")
    return " ".join(parts)


async def _apply_live(state: Any, message: Any) -> Any:
    """A new affirmation arrived (live): fetch it, if this page is on screen."""
    new_one = isinstance(message, NotificationMessage) and message.notification.category == "affirmations"
    if new_one and state.loaded and await tab_shows(state, routes.AFFIRMATIONS_RECEIVED):
        return ReceivedAffirmationsState.refresh
    return None


listen_to_notifications(ReceivedAffirmationsState, _apply_live)
# The new one shows in the list at once: no alert for it here.
shows_notifications(routes.AFFIRMATIONS_RECEIVED, kinds=("affirmation",))


# ---------------------------------------------------------------- view


def _schedule_form() -> rx.Component:
    state = ReceivedAffirmationsState
    return section(
        "When yours come",
        rx.el.form(
            rx.vstack(
                rx.el.label(
                    rx.hstack(
                        rx.switch(checked=state.enabled, on_change=state.set_enabled, id="affirmation-enabled"),
                        rx.text("Receive one each day", weight="medium"),
                        align="center",
                        spacing="2",
                    ),
                    html_for="affirmation-enabled",
                ),
                rx.flex(
                    rx.vstack(
                        rx.el.label("Time of day", html_for="affirmation-time", font_weight="500"),
                        rx.el.select(
                            *[rx.el.option(hour, value=hour) for hour in QUARTER_HOURS],
                            id="affirmation-time",
                            value=state.local_time,
                            on_change=state.set_local_time,
                            disabled=~state.enabled,
                            padding="0.4rem",
                            border_radius="var(--radius-2)",
                        ),
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.el.label("Time zone", html_for="affirmation-zone", font_weight="500"),
                        rx.el.input(
                            id="affirmation-zone",
                            list=ZONE_LIST_ID,
                            value=state.time_zone,
                            on_change=state.set_time_zone,
                            disabled=~state.enabled,
                            auto_complete="off",
                            aria_invalid=rx.cond(state.schedule_error != "", "true", "false"),
                            aria_describedby="affirmation-zone-error",
                            padding="0.4rem",
                            border_radius="var(--radius-2)",
                            border=f"1px solid {rx.color('gray', 7)}",
                            max_width="100%",
                        ),
                        zone_datalist(ZONE_LIST_ID),
                        rx.cond(
                            state.schedule_error != "",
                            rx.text(state.schedule_error, id="affirmation-zone-error", size="2", color_scheme="red"),
                        ),
                        spacing="1",
                        min_width="0",
                    ),
                    gap="1rem",
                    wrap="wrap",
                ),
                rx.text("A change applies from the next day.", " ", state.schedule_note, size="2", color_scheme="gray"),
                rx.hstack(
                    rx.button(
                        rx.spinner(loading=state.saving, size="1"),
                        "Save",
                        type="submit",
                        disabled=state.saving,
                        aria_busy=rx.cond(state.saving, "true", "false"),
                    ),
                    form_notice(state.schedule_notice),
                    align="center",
                    spacing="3",
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=state.save_schedule,
            aria_label="When affirmations come",
        ),
    )


def _today() -> rx.Component:
    state = ReceivedAffirmationsState
    return section(
        "Today",
        rx.cond(
            state.today.length() > 0,
            rx.vstack(
                rx.foreach(state.today, lambda view: received_card(view, state.toggle_heart(view.delivery_id))),
                spacing="3",
                width="100%",
            ),
            rx.text(
                rx.cond(
                    state.enabled,
                    "Nothing yet today: yours comes at the time you chose.",
                    "Nothing today. Turn daily affirmations on below to get one each day.",
                ),
                color_scheme="gray",
            ),
        ),
        aria_label="Today",
    )


def _earlier_item(view: Any) -> rx.Component:
    state = ReceivedAffirmationsState
    return rx.el.li(
        rx.cond(view.first_of_day, rx.heading(view.day, as_="h3", size="3", margin_top="0.75rem")),
        received_card(view, state.toggle_heart(view.delivery_id)),
        list_style="none",
    )


def _earlier() -> rx.Component:
    state = ReceivedAffirmationsState
    return section(
        "Before",
        rx.cond(
            state.earlier.length() > 0,
            rx.vstack(
                rx.el.ul(
                    rx.foreach(state.earlier, _earlier_item),
                    aria_label="Earlier affirmations",
                    padding="0",
                    margin="0",
                    display="flex",
                    flex_direction="column",
                    gap="0.75rem",
                ),
                load_more(state.has_more, state.loading_more, state.load_more, "That's all of them."),
                spacing="3",
                width="100%",
            ),
            empty_state(
                "sparkles",
                "Nothing before today",
                "What your partner writes for you comes here, one a day, at the time you choose.",
            ),
        ),
        aria_label="Before",
    )


@page(routes.AFFIRMATIONS_RECEIVED, "Affirmations", on_load=[ReceivedAffirmationsState.load])
def received() -> rx.Component:
    state = ReceivedAffirmationsState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.vstack(
        affirmation_tabs(routes.AFFIRMATIONS_RECEIVED),
        form_error(state.error),
        form_error(state.heart_error),
        rx.cond(
            ready,
            rx.cond(
                state.not_paired,
                not_paired_state("Pair with your partner, and you can send each other kind words every day."),
                rx.vstack(_today(), _schedule_form(), _earlier(), spacing="4", width="100%", align="stretch"),
            ),
            rx.cond(
                state.error != "",
                rx.button("Try again", on_click=state.load, variant="soft"),
                loading("Loading your affirmations…"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
