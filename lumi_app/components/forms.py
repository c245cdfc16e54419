"""Form pieces shared by every page: labelled fields with their error, form errors, busy buttons.

Each input has an id its ``<label>`` points at (so assistive tech and Playwright's
``get_by_label`` find it), its error is tied to it with ``aria-describedby``, and inputs
are uncontrolled, so whatever the person typed stays put when the server says no.
"""

from __future__ import annotations

from typing import Any

import reflex as rx


def field(
    label: str,
    *,
    id: str,
    name: str,
    error: rx.Var[str],
    type: str = "text",
    hint: str | None = None,
    **input_props: Any,
) -> rx.Component:
    """A labelled input with an optional hint and the error the server gave for it."""
    error_id = f"{id}-error"
    hint_id = f"{id}-hint"
    has_error = error != ""
    return rx.vstack(
        rx.el.label(label, html_for=id, font_weight="500", font_size="var(--font-size-2)"),
        rx.input(
            id=id,
            name=name,
            type=type,
            size="3",
            width="100%",
            aria_invalid=rx.cond(has_error, "true", "false"),
            aria_describedby=f"{hint_id} {error_id}" if hint else error_id,
            **input_props,
        ),
        *([rx.text(hint, id=hint_id, size="1", color_scheme="gray")] if hint else []),
        rx.cond(has_error, rx.text(error, id=error_id, size="2", color_scheme="red")),
        spacing="1",
        width="100%",
        align="stretch",
    )


def stacked_form(
    *children: rx.Component, on_submit: Any, aria_label: str, spacing: str = "3", **stack_props: Any
) -> rx.Component:
    """A named form with its pieces stacked; the browser's own checks are off, the server's words show instead."""
    return rx.form(
        rx.vstack(*children, spacing=spacing, width="100%", **stack_props),
        on_submit=on_submit,
        no_validate=True,
        aria_label=aria_label,
        width="100%",
    )


def section_form(title: str, *children: rx.Component, on_submit: Any, aria_label: str) -> rx.Component:
    """A titled card holding one form (a settings block: fields, then the submit button)."""
    return section(title, stacked_form(*children, on_submit=on_submit, aria_label=aria_label, align="start"))


def auth_card(title: str, *children: rx.Component, on_submit: Any, aria_label: str) -> rx.Component:
    """The centred card of the sign-in and sign-up pages: a heading, then the form's pieces."""
    return rx.center(
        rx.card(
            stacked_form(
                rx.heading(title, size="6", as_="h1"),
                *children,
                on_submit=on_submit,
                aria_label=aria_label,
                spacing="4",
            ),
            width="100%",
            max_width="440px",
            size="3",
        ),
        width="100%",
    )


def form_error(message: rx.Var[str]) -> rx.Component:
    """The error of the whole form (wrong password, network…), announced to screen readers."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def form_notice(message: rx.Var[str]) -> rx.Component:
    """A success message, announced politely."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="green", role="status", width="100%"),
    )


def submit_button(label: str, busy: rx.Var[bool], **props: Any) -> rx.Component:
    """A submit button that keeps its name while busy (a spinner shows progress, clicks are ignored)."""
    return rx.button(
        rx.spinner(loading=busy, size="2"),
        label,
        type="submit",
        size="3",
        disabled=busy,
        aria_busy=rx.cond(busy, "true", "false"),
        **props,
    )


def busy_button(label: str, busy: rx.Var[bool], **props: Any) -> rx.Component:
    """Like :func:`submit_button` for a plain action button."""
    return rx.button(
        rx.spinner(loading=busy, size="1"),
        label,
        type="button",
        disabled=busy,
        aria_busy=rx.cond(busy, "true", "false"),
        **props,
    )


def empty_state(icon: str, title: str, text: str, *actions: rx.Component) -> rx.Component:
    """What to show instead of an empty list: what it means and what to do next."""
    return rx.vstack(
        rx.icon(icon, size=28, color=rx.color("gray", 10)),
        rx.text(title, weight="medium"),
        rx.text(text, size="2", color_scheme="gray", text_align="center"),
        *actions,
        align="center",
        spacing="2",
        padding="1.5rem 1rem",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="var(--radius-4)",
        width="100%",
    )


def section(title: str, *children: rx.Component, **props: Any) -> rx.Component:
    """A titled card grouping related content on a page."""
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", align="stretch", width="100%"),
        width="100%",
        **props,
    )


def link_button(label: str, href: str, **props: Any) -> rx.Component:
    """A link that looks like a button (one ``<a>``, so it is a link to assistive tech)."""
    return rx.button(rx.link(label, href=href, underline="none"), as_child=True, **props)
