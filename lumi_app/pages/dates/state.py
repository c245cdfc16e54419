"""The calendar's state: the month shown and its grid, the chosen day, "Upcoming", and the add /
edit form and delete confirmation.

The month and "Upcoming" come from two API calls made together, outside the tab's state lock.
Changing month builds the new grid at once (so the keyboard can go on) and fetches its dates;
a newer fetch always wins (``run_fetch``'s generations). A live ``date_changed`` (either partner
added, edited or deleted one) fetches again quietly; the form is uncontrolled and keyed by
``form_key``, so a refresh never touches what the person is typing.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import (
    DATE_KINDS,
    DATE_TITLE_MAX,
    REMINDER_DAYS,
    CoupleDate,
    CoupleDateCreate,
    CoupleDateUpdate,
    DateChangedMessage,
)
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.affirmations import local_today
from lumi_app.components.dates import (
    CalendarDayView,
    DateEntryView,
    month_grid,
    month_of,
    month_title,
    next_occurrence,
    parse_day,
    parse_month,
    shift_month,
)
from lumi_app.state.couple import unless_not_paired
from lumi_app.state.form_errors import show_error, show_invalid_fields
from lumi_app.state.page_data import begin_refresh, open_page, run_fetch
from lumi_app.state.realtime import listen_to_live, refresh_on_couple_change, tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, api_call, login_redirect
from lumi_app.state.views import zone_named
from lumi_app.state.visit import VisitState

log = logging.getLogger("lumi.app.dates")

UPCOMING_LIMIT = 10
YEARLY_KINDS = frozenset({"birthday", "anniversary"})
FIELDS = {
    "kind": "kind_error",
    "title": "title_error",
    "date": "date_error",
    "time": "time_error",
    "time_zone": "time_error",
    "notes": "notes_error",
    "repeats": "repeats_error",
    "reminders_before": "reminders_error",
}
LOCAL_MESSAGES = {
    "kind": "Choose what kind of date it is.",
    "title": f"Give it a name (up to {DATE_TITLE_MAX} characters).",
    "date": "Enter a date between 1900 and 2200.",
    "time": "Enter a time like 19:30, or leave it empty.",
    "notes": "Notes can be up to 1,000 characters.",
    "repeats": "Choose once or every year.",
}


class DatesState(rx.State):
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    not_paired: bool = False

    month: str = ""  # "2026-12"
    month_loading: bool = False
    weeks: list[list[CalendarDayView]] = []
    entries: list[DateEntryView] = []  # the month's, by day
    upcoming: list[DateEntryView] = []
    chosen_day: str = ""  # ISO
    focus_day: str = ""  # the grid's one tab stop (arrow keys move it)
    today: str = ""
    zone_name: str = "UTC"  # the browser's, for times

    # The add / edit dialog (uncontrolled inputs, re-created when form_key changes).
    form_open: bool = False
    form_key: int = 0
    editing_id: str = ""
    form_kind: str = "birthday"
    form_title: str = ""
    form_date: str = ""
    form_time: str = ""
    form_notes: str = ""
    form_yearly: bool = True
    form_reminders: list[int] = []
    saving: bool = False
    form_error: str = ""
    kind_error: str = ""
    title_error: str = ""
    date_error: str = ""
    time_error: str = ""
    notes_error: str = ""
    repeats_error: str = ""
    reminders_error: str = ""
    notice: str = ""

    confirm_open: bool = False
    confirm_id: str = ""
    confirm_title: str = ""
    deleting: bool = False
    delete_error: str = ""

    _zone: str = ""
    _repeats_chosen: bool = False  # the person chose once / every year: a kind no longer proposes it
    _edit_zone: str = ""  # the zone of the edited date's time (kept unless it had none)
    _visit: str = ""
    _generation: int = 0

    @rx.var(cache=True)
    def month_name(self) -> str:
        return month_title(self.month) if self.month else ""

    @rx.var(cache=True)
    def chosen_entries(self) -> list[DateEntryView]:
        return [entry for entry in self.entries if entry.day == self.chosen_day]

    @rx.var(cache=True)
    def chosen_name(self) -> str:
        day = parse_day(self.chosen_day)
        return f"{day.day} {day:%B %Y}" if day else ""

    # ------------------------------------------------------------ loading

    def _today(self) -> date:
        return local_today(zone_named(self._zone))

    async def _get(self, api: ApiOutsideLock) -> list[Any]:
        month, today = self.month, self._today()
        return await api.gather(
            lambda api, token: unless_not_paired(api.dates_in_month(token, month)),
            lambda api, token: unless_not_paired(api.upcoming_dates(token, today=today, limit=UPCOMING_LIMIT)),
        )

    async def _show(self, data: list[Any]) -> None:
        month, upcoming = data
        self.month_loading = False
        if month is None or upcoming is None:
            self.not_paired = True
            self.entries, self.upcoming = [], []
            return
        self.not_paired = False
        today = self._today()
        self.today = today.isoformat()
        if month.month == self.month:
            self.entries = [DateEntryView.of(entry, today) for entry in month.entries]
            self.weeks = month_grid(self.month, month.entries, today)
        self.upcoming = [DateEntryView.of(entry, today) for entry in upcoming.entries]

    def _reset(self) -> None:
        self.form_open = self.confirm_open = False
        self.notice = self.delete_error = ""
        today = self._today()
        asked = self.router.url.query_parameters
        day = parse_day(str(asked.get("day") or ""))
        month = month_of(day) if day else parse_month(str(asked.get("month") or "")) or month_of(today)
        if day is None:
            day = today if month_of(today) == month else date.fromisoformat(f"{month}-01")
        self._show_month(month, day)

    def _show_month(self, month: str, day: date) -> None:
        """Under the lock: the grid of ``month`` at once (marked once its dates come), ``day`` chosen."""
        if month != self.month or not self.weeks:
            self.month = month
            self.entries = []
            self.weeks = month_grid(month, [], self._today())
        self.chosen_day = self.focus_day = day.isoformat()

    @rx.event
    async def load(self):
        self._zone = (await self.get_state(VisitState)).time_zone
        self.zone_name = self._zone or "UTC"
        return await open_page(self, DatesState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def refresh(self):
        """A date changed (a live message, or this person saved one): fetch again, no loading state."""
        return begin_refresh(self, DatesState.fetch)

    def _go_to(self, day: date) -> Any:
        month = month_of(day)
        changed = month != self.month
        self._show_month(month, day)
        if not changed:
            return None
        self.month_loading = True
        return begin_refresh(self, DatesState.fetch)

    # ------------------------------------------------------------ moving around

    @rx.event
    def previous_month(self):
        return self._go_to(date.fromisoformat(f"{shift_month(self.month, -1)}-01"))

    @rx.event
    def next_month(self):
        return self._go_to(date.fromisoformat(f"{shift_month(self.month, 1)}-01"))

    @rx.event
    def go_today(self):
        return self._go_to(self._today())

    @rx.event
    def choose(self, day: str):
        chosen = parse_day(day)
        if chosen is not None:
            return self._go_to(chosen)
        return None

    @rx.event
    def move_focus(self, day: str):
        """The arrow keys in the grid (``calendar_keys``): the tab stop moves to ``day``; into
        the month before or after when it lies there, focused once that grid is drawn."""
        target = parse_day(day)
        if target is None:
            return None
        if month_of(target) == self.month:
            self.focus_day = target.isoformat()
            return None
        # Into another month: that month shows, with the day the keyboard reached chosen.
        fetch = self._go_to(target)
        return [fetch, rx.call_script(_focus_day_script(target.isoformat()))] if fetch else None

    # ------------------------------------------------------------ adding and editing

    def _clear_errors(self) -> None:
        self.form_error = self.kind_error = self.title_error = self.date_error = ""
        self.time_error = self.notes_error = self.repeats_error = self.reminders_error = ""

    @rx.event
    def start_add(self):
        self._clear_errors()
        self.notice = ""
        self.editing_id = ""
        self.form_kind, self.form_title, self.form_time, self.form_notes = "birthday", "", "", ""
        self.form_date = self.chosen_day
        self.form_yearly, self.form_reminders = True, []
        self._repeats_chosen = False
        self._edit_zone = ""
        self.form_key += 1
        self.form_open = True

    @rx.event
    async def start_edit(self, date_id: str):
        self._clear_errors()
        self.notice = ""
        try:
            item = await api_call(self, lambda api, token: api.couple_date(token, date_id))
        except SessionEnded:
            return await login_redirect(self)
        except ApiError as failure:
            self.error = "This date was deleted meanwhile." if failure.status == 404 else failure.message
            return begin_refresh(self, DatesState.fetch)
        self.error = ""
        self._fill_form(item)
        self.form_key += 1
        self.form_open = True
        return None

    def _fill_form(self, item: CoupleDate) -> None:
        self.editing_id = item.date_id
        self.form_kind, self.form_title = item.kind, item.title
        self.form_date, self.form_time = item.date.isoformat(), item.time or ""
        self.form_notes = item.notes or ""
        self.form_yearly = item.repeats == "yearly"
        self._repeats_chosen = True
        self.form_reminders = list(item.reminders_before)
        self._edit_zone = item.time_zone or ""

    @rx.event
    def set_form_kind(self, kind: str):
        """A kind proposes how often it comes (birthdays and anniversaries every year), until the
        person chooses themselves."""
        if kind in DATE_KINDS:
            self.form_kind = kind
            if not self._repeats_chosen:
                self.form_yearly = kind in YEARLY_KINDS

    @rx.event
    def set_form_repeats(self, repeats: str):
        self.form_yearly = repeats == "yearly"
        self._repeats_chosen = True

    @rx.event
    def set_form_open(self, open: bool):
        if not self.saving:
            self.form_open = open

    def _request(self, form: dict[str, Any]) -> dict[str, Any]:
        time = str(form.get("time") or "").strip()
        notes = str(form.get("notes") or "").strip()
        fields = {
            # Kind and repeats are the state's (controlled: a kind proposes repeats), the rest the form's.
            "kind": self.form_kind,
            "title": str(form.get("title") or ""),
            "date": str(form.get("date") or "").strip() or None,
            "time": time or None,
            "time_zone": (self._edit_zone or self._zone or "UTC") if time else None,
            "notes": notes or None,
            "repeats": "yearly" if self.form_yearly else "once",
            "reminders_before": [days for days in REMINDER_DAYS if form.get(f"remind_{days}")],
        }
        if fields["time_zone"] is None:
            del fields["time_zone"]
        return fields

    @rx.event
    async def save(self, form: dict[str, Any]):
        if self.saving:
            return
        self._clear_errors()
        fields = self._request(form)
        if fields["date"] is None:
            self.date_error = "Choose the day."
            return
        try:
            request: CoupleDateCreate | CoupleDateUpdate = (
                CoupleDateUpdate(**fields) if self.editing_id else CoupleDateCreate(**fields)
            )
        except ValidationError as invalid:
            show_invalid_fields(self, invalid, LOCAL_MESSAGES, fields=FIELDS)
            if not any(getattr(self, attr) for attr in set(FIELDS.values())):
                self.form_error = "Check the fields above."
            return
        self.saving = True
        yield
        date_id = self.editing_id
        try:
            if date_id:
                saved = await api_call(self, lambda api, token: api.update_date(token, date_id, request))  # type: ignore[arg-type]
            else:
                saved = await api_call(self, lambda api, token: api.add_date(token, request))  # type: ignore[arg-type]
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 404:
                self.form_error = "This date was deleted meanwhile."
            else:
                show_error(self, failure, fields=FIELDS, form="form_error")
            return
        finally:
            self.saving = False
        self.form_open = False
        self.notice = f"“{saved.title}” {'saved' if date_id else 'added'}."
        yield self._go_to(next_occurrence(saved.date, saved.repeats, self._today())) or DatesState.refresh

    # ------------------------------------------------------------ deleting

    @rx.event
    def ask_delete(self, date_id: str, title: str):
        self.confirm_id, self.confirm_title = date_id, title
        self.delete_error = self.notice = ""
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, open: bool):
        if not self.deleting:
            self.confirm_open = open

    @rx.event
    async def delete(self):
        if self.deleting or not self.confirm_id:
            return
        self.deleting = True
        self.delete_error = ""
        yield
        date_id, title = self.confirm_id, self.confirm_title
        try:
            await api_call(self, lambda api, token: api.delete_date(token, date_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status != 404:  # already gone: what the person wanted
                self.delete_error = failure.message
                return
        finally:
            self.deleting = False
        self.confirm_open = False
        self.notice = f"“{title}” deleted."
        yield DatesState.refresh


def _focus_day_script(day: str) -> str:
    """Focus the grid's button for ``day`` once it is drawn (the month was just changed)."""
    selector = json.dumps(f'[data-lumi-calendar] button[data-day="{day}"]')
    return (
        "(() => { let tries = 0; const go = () => {"
        f" const button = document.querySelector({selector});"
        " if (button) { button.focus(); } else if (++tries < 60) { requestAnimationFrame(go); } };"
        " go(); })()"
    )


async def _date_changed(state: Any, message: DateChangedMessage) -> Any:
    """Either partner added, edited or deleted a date: fetch the calendar again if it is on screen."""
    if state.loaded and not state.not_paired and await tab_shows(state, routes.DATES):
        return DatesState.refresh
    return None


listen_to_live((DateChangedMessage,), DatesState, _date_changed)
refresh_on_couple_change(routes.DATES, DatesState.refresh)
