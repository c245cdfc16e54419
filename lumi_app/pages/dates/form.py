"""The add / edit dialog of a date, and the confirmation before deleting one."""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.contracts import DATE_KINDS, DATE_NOTES_MAX, DATE_TITLE_MAX, REMINDER_DAYS
from lumi_app.components.dates import KIND_LABELS
from lumi_app.components.forms import busy_button, field, form_error, submit_button
from lumi_app.pages.dates.state import DatesState

FIELD_BORDER = f"1px solid {rx.color('gray', 7)}"


def _error(message: rx.Var[str], id: str) -> rx.Component:
    return rx.cond(message != "", rx.text(message, id=id, size="2", color_scheme="red"))


def _kind() -> rx.Component:
    state = DatesState
    return rx.vstack(
        rx.el.label("Kind", html_for="date-kind", font_weight="500", font_size="var(--font-size-2)"),
        rx.el.select(
            *[rx.el.option(KIND_LABELS[kind], value=kind) for kind in DATE_KINDS],
            id="date-kind",
            name="kind",
            value=state.form_kind,
            on_change=state.set_form_kind,
            aria_invalid=rx.cond(state.kind_error != "", "true", "false"),
            aria_describedby="date-kind-error",
            padding="0.5rem",
            border_radius="var(--radius-2)",
            border=FIELD_BORDER,
            width="100%",
        ),
        _error(state.kind_error, "date-kind-error"),
        spacing="1",
        width="100%",
    )


def _notes() -> rx.Component:
    state = DatesState
    return rx.vstack(
        rx.el.label("Notes (optional)", html_for="date-notes", font_weight="500", font_size="var(--font-size-2)"),
        rx.text_area(
            id="date-notes",
            name="notes",
            default_value=state.form_notes,
            max_length=DATE_NOTES_MAX,
            rows="3",
            width="100%",
            aria_invalid=rx.cond(state.notes_error != "", "true", "false"),
            aria_describedby="date-notes-error",
        ),
        _error(state.notes_error, "date-notes-error"),
        spacing="1",
        width="100%",
    )


def _choice(type: str, name: str, value: str, label: str, checked: rx.Var[bool], on_change: Any = None) -> rx.Component:
    """A labelled checkbox or radio button; controlled by the state when given ``on_change``."""
    id = f"date-{name}-{value}"
    state = {"default_checked": checked} if on_change is None else {"checked": checked, "on_change": on_change}
    return rx.hstack(
        rx.el.input(type=type, id=id, name=name, value=value, margin="0", **state),
        rx.el.label(label, html_for=id),
        align="center",
        spacing="2",
    )


def _fieldset(legend: str, *children: rx.Component, hint: str, error: rx.Var[str], id: str) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(legend, font_weight="500", font_size="var(--font-size-2)", padding="0"),
        rx.flex(*children, gap="0.5rem 1rem", wrap="wrap", margin_top="0.35rem"),
        rx.text(hint, id=f"{id}-hint", size="1", color_scheme="gray", margin_top="0.25rem"),
        _error(error, f"{id}-error"),
        aria_describedby=f"{id}-hint {id}-error",
        border="none",
        padding="0",
        margin="0",
        width="100%",
    )


def _repeats() -> rx.Component:
    state = DatesState
    return _fieldset(
        "Repeats",
        # Controlled: choosing a kind proposes its usual answer (a birthday: every year).
        *[
            _choice("radio", "repeats", value, label, yearly, on_change=state.set_form_repeats(value))
            for value, label, yearly in (
                ("once", "Once", ~state.form_yearly),
                ("yearly", "Every year", state.form_yearly),
            )
        ],
        hint="A 29 February date falls on 28 February in other years.",
        error=state.repeats_error,
        id="date-repeats",
    )


def _reminders() -> rx.Component:
    state = DatesState
    return _fieldset(
        "Also remind me",
        *[
            _choice(
                "checkbox",
                f"remind_{days}",
                "on",
                f"{days} {'day' if days == 1 else 'days'} before",
                state.form_reminders.contains(days),
            )
            for days in REMINDER_DAYS
        ],
        hint="Shared by both of you. A reminder comes on the day anyway.",
        error=state.reminders_error,
        id="date-reminders",
    )


def date_dialog() -> rx.Component:
    state = DatesState
    editing = state.editing_id != ""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(editing, "Edit date", "Add a date")),
            rx.dialog.description(
                "Both of you see it in your calendar.", size="2", color=rx.color("gray", 11), margin_bottom="1rem"
            ),
            rx.form(
                rx.vstack(
                    _kind(),
                    field(
                        "Title",
                        id="date-title",
                        name="title",
                        error=state.title_error,
                        default_value=state.form_title,
                        max_length=DATE_TITLE_MAX,
                        placeholder="Ana's birthday",
                    ),
                    rx.flex(
                        rx.box(
                            field(
                                "Date",
                                id="date-day",
                                name="date",
                                type="date",
                                error=state.date_error,
                                default_value=state.form_date,
                            ),
                            flex="1 1 9rem",
                            min_width="0",
                        ),
                        rx.box(
                            field(
                                "Time (optional)",
                                id="date-time",
                                name="time",
                                type="time",
                                error=state.time_error,
                                default_value=state.form_time,
                                hint="Empty: all day.",
                            ),
                            flex="1 1 7rem",
                            min_width="0",
                        ),
                        gap="0.75rem",
                        wrap="wrap",
                        width="100%",
                    ),
                    rx.text("Times are in your time zone, ", state.zone_name, ".", size="1", color_scheme="gray"),
                    _notes(),
                    _repeats(),
                    _reminders(),
                    form_error(state.form_error),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray", size="3")
                        ),
                        submit_button(rx.cond(editing, "Save changes", "Add date"), state.saving),  # type: ignore[arg-type]
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                key=state.form_key,
                on_submit=state.save,
                no_validate=True,
                aria_label=rx.cond(editing, "Edit date", "Add a date"),
                width="100%",
            ),
            max_width="480px",
        ),
        open=state.form_open,
        on_open_change=state.set_form_open,
    )


def delete_dialog() -> rx.Component:
    state = DatesState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete “", state.confirm_title, "”?"),
            rx.alert_dialog.description(
                rx.text("It goes from both your calendars, with its reminders. This can't be undone."), size="2"
            ),
            form_error(state.delete_error),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                busy_button("Delete", state.deleting, on_click=state.delete, color_scheme="red"),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="440px",
        ),
        open=state.confirm_open,
        on_open_change=state.set_confirm_open,
    )
