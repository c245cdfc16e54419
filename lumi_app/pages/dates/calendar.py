"""The couple's calendar at /dates: the month grid (Monday first; days with something marked),
the chosen day's dates under it (a phone's width has room for nothing beside it), "Upcoming",
and adding, editing and deleting dates.

Keyboard: the grid is one tab stop (roving tabindex); the arrow keys move a day or a week,
Home/End to the week's ends, Page Up/Down a month, across months and years; Enter or Space
chooses the day. ``?month=YYYY-MM`` and ``?day=YYYY-MM-DD`` open a month or a day (reminders
link to their day).
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventChain, LiteralEventChainVar
from reflex_base.vars import Var, VarData

from lumi_app import routes
from lumi_app.components.dates import WEEKDAYS, CalendarDayView, DateEntryView, kind_icon
from lumi_app.components.forms import empty_state, form_error, form_notice, link_button, section
from lumi_app.components.moments import loading
from lumi_app.components.shell import page
from lumi_app.pages.dates.form import date_dialog, delete_dialog
from lumi_app.pages.dates.state import DatesState
from lumi_app.state.session import SessionState

GRID_ATTRIBUTE = "data-lumi-calendar"

# The day the key leads to, from the focused day's ISO date (UTC arithmetic: no DST surprises).
_KEY_SCRIPT = """
const moves = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7};
const onKey = (event) => {
  const button = event.target && event.target.closest && event.target.closest('[%(grid)s] button[data-day]');
  if (!button || event.altKey || event.ctrlKey || event.metaKey) return;
  const [y, m, d] = button.dataset.day.split('-').map(Number);
  let day = new Date(Date.UTC(y, m - 1, d));
  const weekday = (day.getUTCDay() + 6) %% 7;
  if (event.key in moves) day.setUTCDate(d + moves[event.key]);
  else if (event.key === 'Home') day.setUTCDate(d - weekday);
  else if (event.key === 'End') day.setUTCDate(d + 6 - weekday);
  else if (event.key === 'PageUp' || event.key === 'PageDown') {
    const month = new Date(Date.UTC(y, m - 1 + (event.key === 'PageUp' ? -1 : 1), 1));
    const last = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 0)).getUTCDate();
    day = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), Math.min(d, last)));
  } else return;
  event.preventDefault();
  const iso = day.toISOString().slice(0, 10);
  const target = document.querySelector('[%(grid)s] button[data-day="' + iso + '"]');
  if (target) target.focus();
  move(iso);
};
document.addEventListener('keydown', onKey);
return () => document.removeEventListener('keydown', onKey);
"""


class CalendarKeys(rx.Fragment):
    """The grid's arrow keys: a keydown listener, bound while the calendar is mounted, that moves
    the focus at once and tells the state (``DatesState.move_focus``: the tab stop, another month)."""

    def add_hooks(self) -> list[str | Var]:
        move = LiteralEventChainVar.create(
            EventChain.create(DatesState.move_focus, args_spec=lambda day: [day], key="move")
        )
        code = f"useEffect(() => {{ const move = {move};" + _KEY_SCRIPT % {"grid": GRID_ATTRIBUTE} + "}, []);"
        imports = VarData(imports={"react": ["useEffect"]})
        return [Var(code, _var_data=VarData.merge(move._get_all_var_data(), imports))]


# ---------------------------------------------------------------- the month


def _day_cell(cell: CalendarDayView) -> rx.Component:
    state = DatesState
    chosen = cell.day == state.chosen_day
    return rx.el.td(
        rx.cond(
            cell.day != "",
            rx.el.button(
                rx.text(cell.number, as_="span", weight=rx.cond(cell.count > 0, "bold", "regular")),
                rx.el.span(
                    width="6px",
                    height="6px",
                    border_radius="50%",
                    background=rx.cond(cell.count > 0, rx.cond(chosen, "white", rx.color("accent", 9)), "transparent"),
                    aria_hidden="true",
                ),
                type="button",
                on_click=state.choose(cell.day),
                aria_label=cell.label,
                aria_pressed=rx.cond(chosen, "true", "false"),
                aria_current=rx.cond(cell.today, "date", "false"),
                tab_index=rx.cond(cell.day == state.focus_day, 0, -1),
                custom_attrs={"data-day": cell.day},
                display="flex",
                flex_direction="column",
                align_items="center",
                justify_content="center",
                gap="2px",
                width="100%",
                height="2.75rem",
                border=rx.cond(cell.today, f"2px solid {rx.color('accent', 9)}", "2px solid transparent"),
                border_radius="var(--radius-3)",
                background=rx.cond(
                    chosen, rx.color("accent", 9), rx.cond(cell.count > 0, rx.color("accent", 3), "transparent")
                ),
                color=rx.cond(chosen, "white", rx.color("gray", 12)),
                cursor="pointer",
                font_size="var(--font-size-2)",
                _hover={"background": rx.cond(chosen, rx.color("accent", 10), rx.color("accent", 4))},
                _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outline_offset": "2px"},
            ),
        ),
        role="gridcell",
        padding="2px",
    )


def _week(week: list[CalendarDayView]) -> rx.Component:
    return rx.el.tr(rx.foreach(week, _day_cell), role="row")


def _grid() -> rx.Component:
    state = DatesState
    return rx.el.table(
        rx.el.thead(
            rx.el.tr(
                *[
                    rx.el.th(
                        name[:3],
                        abbr=name,
                        scope="col",
                        role="columnheader",
                        font_size="var(--font-size-1)",
                        font_weight="500",
                        color=rx.color("gray", 11),
                        padding_bottom="0.25rem",
                    )
                    for name in WEEKDAYS
                ],
                role="row",
            )
        ),
        rx.el.tbody(rx.foreach(state.weeks, _week)),
        role="grid",
        aria_label=state.month_name,
        aria_busy=rx.cond(state.month_loading, "true", "false"),
        custom_attrs={GRID_ATTRIBUTE: "true"},
        width="100%",
        table_layout="fixed",
        border_collapse="collapse",
    )


def _month_bar() -> rx.Component:
    state = DatesState
    return rx.hstack(
        rx.icon_button(
            rx.icon("chevron-left", size=18),
            on_click=state.previous_month,
            aria_label="Previous month",
            variant="soft",
            color_scheme="gray",
        ),
        rx.heading(state.month_name, as_="h2", size="4", aria_live="polite", text_align="center", flex="1"),
        rx.icon_button(
            rx.icon("chevron-right", size=18),
            on_click=state.next_month,
            aria_label="Next month",
            variant="soft",
            color_scheme="gray",
        ),
        rx.button("Today", on_click=state.go_today, variant="soft"),
        align="center",
        spacing="2",
        width="100%",
    )


def _month() -> rx.Component:
    state = DatesState
    return rx.card(
        rx.vstack(
            _month_bar(),
            _grid(),
            rx.cond(state.month_loading, loading("Loading the month…")),
            CalendarKeys.create(),
            spacing="3",
            width="100%",
        ),
        width="100%",
        role="region",
        aria_label="Month",
    )


# ---------------------------------------------------------------- a day's dates, and "Upcoming"


def _entry_meta(entry: DateEntryView, *, with_day: bool) -> rx.Component:
    return rx.text(
        rx.cond(with_day, entry.day_name + " · ", ""),
        entry.kind_label,
        rx.cond(entry.time != "", " · " + entry.time, ""),
        rx.cond(entry.years != "", " · " + entry.years, ""),
        rx.cond(entry.repeats_yearly, " · every year", ""),
        size="2",
        color_scheme="gray",
    )


def _day_entry(entry: DateEntryView) -> rx.Component:
    state = DatesState
    return rx.el.li(
        rx.hstack(
            kind_icon(entry.kind, 20),
            rx.vstack(
                rx.text(entry.title, weight="bold", overflow_wrap="anywhere"),
                _entry_meta(entry, with_day=False),
                rx.cond(
                    entry.notes != "", rx.text(entry.notes, size="2", white_space="pre-wrap", overflow_wrap="anywhere")
                ),
                rx.cond(entry.reminders != "", rx.text(entry.reminders, size="1", color_scheme="gray")),
                rx.cond(
                    entry.date_id != "",
                    rx.hstack(
                        rx.button(
                            rx.icon("pencil", size=14),
                            "Edit",
                            size="1",
                            variant="soft",
                            on_click=state.start_edit(entry.date_id),
                            aria_label="Edit " + entry.title,
                        ),
                        rx.button(
                            rx.icon("trash-2", size=14),
                            "Delete",
                            size="1",
                            variant="soft",
                            color_scheme="red",
                            on_click=state.ask_delete(entry.date_id, entry.title),
                            aria_label="Delete " + entry.title,
                        ),
                        spacing="2",
                        margin_top="0.25rem",
                    ),
                    rx.link("Change it in relationship settings", href=routes.SETTINGS_RELATIONSHIP, size="1"),
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        list_style="none",
        padding="0.75rem 0",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def _chosen_day() -> rx.Component:
    state = DatesState
    return section(
        state.chosen_name,
        rx.cond(
            state.chosen_entries.length() > 0,
            rx.el.ul(
                rx.foreach(state.chosen_entries, _day_entry),
                aria_label="Dates on " + state.chosen_name,
                padding="0",
                margin="0",
            ),
            rx.text("Nothing on this day.", color_scheme="gray", size="2"),
        ),
        rx.box(rx.button(rx.icon("plus", size=16), "Add a date", on_click=state.start_add)),
        aria_label="Chosen day",
    )


def _upcoming_entry(entry: DateEntryView) -> rx.Component:
    """A date coming up; choosing it shows its day in the grid (and its dates under it)."""
    return rx.el.li(
        rx.el.button(
            rx.hstack(
                kind_icon(entry.kind, 18),
                rx.vstack(
                    rx.text(entry.title, weight="medium", overflow_wrap="anywhere"),
                    _entry_meta(entry, with_day=True),
                    spacing="0",
                    min_width="0",
                    flex="1",
                    align="start",
                ),
                rx.badge(entry.countdown, color_scheme="pink", variant="soft", flex_shrink="0"),
                align="center",
                spacing="3",
                width="100%",
            ),
            type="button",
            on_click=DatesState.choose(entry.day),
            aria_label=entry.title + ", " + entry.day_name + ", " + entry.countdown,
            width="100%",
            text_align="left",
            background="transparent",
            border="none",
            color="inherit",
            cursor="pointer",
            padding="0.6rem 0",
            font="inherit",
        ),
        list_style="none",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def _upcoming() -> rx.Component:
    state = DatesState
    return section(
        "Upcoming",
        rx.cond(
            state.upcoming.length() > 0,
            rx.el.ul(rx.foreach(state.upcoming, _upcoming_entry), aria_label="Upcoming dates", padding="0", margin="0"),
            empty_state(
                "calendar-heart",
                "No dates yet — add a birthday or your anniversary",
                "Both of you see them here, and get a reminder when they come.",
                rx.button(rx.icon("plus", size=16), "Add a date", on_click=state.start_add, variant="soft"),
            ),
        ),
        aria_label="Upcoming",
    )


def _not_paired() -> rx.Component:
    return empty_state(
        "heart-handshake",
        "Dates are for two",
        "Pair with your partner, and you keep your birthdays, anniversaries and plans together here.",
        link_button("Pair with your partner", routes.PAIRING),
    )


@page(routes.DATES, "Dates", on_load=[DatesState.load], wide=True)
def dates() -> rx.Component:
    state = DatesState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.vstack(
        form_error(state.error),
        form_notice(state.notice),
        rx.cond(
            ready,
            rx.cond(
                state.not_paired,
                _not_paired(),
                rx.grid(
                    rx.vstack(_month(), _chosen_day(), spacing="4", width="100%", min_width="0"),
                    rx.box(_upcoming(), min_width="0"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    gap="1rem",
                    width="100%",
                    align_items="start",
                ),
            ),
            rx.cond(
                state.error != "",
                rx.button("Try again", on_click=state.load, variant="soft"),
                loading("Loading your dates…"),
            ),
        ),
        date_dialog(),
        delete_dialog(),
        spacing="4",
        width="100%",
        align="stretch",
    )
