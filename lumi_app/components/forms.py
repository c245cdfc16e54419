"""Form pieces shared by every page: labelled fields with their error, form errors, busy buttons.

Each input has an id its ``<label>`` points at (so assistive tech and Playwright's
``get_by_label`` find it), its error is tied to it with ``aria-describedby``, and inputs
are uncontrolled, so whatever the person typed stays put when the server says no. Every
password field has a show-password toggle (:func:`password_toggle`).
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from lumi_app.state.image_upload import IMAGE_CONTENT_TYPES, IMAGE_HINT

SHOW_PASSWORD = "Show password"
HIDE_PASSWORD = "Hide password"


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
    slots = [rx.input.slot(password_toggle(id), side="right")] if type == "password" else []
    return rx.vstack(
        rx.el.label(label, html_for=id, font_weight="500", font_size="var(--font-size-2)"),
        rx.input(
            *slots,
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


def _toggle_script(input_id: str, button_id: str) -> str:
    """Flip the field between hidden and shown text in the browser (no round trip), say which
    on the button, and leave the focus in the field with the caret at the end."""
    return f"""(() => {{
  const input = document.getElementById({json.dumps(input_id)});
  const button = document.getElementById({json.dumps(button_id)});
  if (!input || !button) return;
  const show = input.type === "password";
  input.type = show ? "text" : "password";
  button.setAttribute("aria-pressed", show ? "true" : "false");
  button.setAttribute("aria-label", show ? {json.dumps(HIDE_PASSWORD)} : {json.dumps(SHOW_PASSWORD)});
  for (const icon of button.querySelectorAll("[data-when]")) icon.hidden = (icon.dataset.when === "shown") !== show;
  input.focus();
  const end = input.value.length;
  try {{ input.setSelectionRange(end, end); }} catch (e) {{}}
}})()"""


def password_toggle(input_id: str) -> rx.Component:
    """The eye button inside a password field: "Show password" (pressed: "Hide password").

    A toggle button (``aria-pressed``) that changes only the browser's DOM: React keeps the
    props it rendered, so a re-render of the form leaves the field as the person set it, and
    the typed password is never sent anywhere to be shown."""
    button_id = f"{input_id}-toggle"
    return rx.icon_button(
        # No display style on these: it would outrank the ``hidden`` attribute the script flips.
        rx.el.span(rx.icon("eye", size=18), custom_attrs={"data-when": "hidden"}, line_height="0"),
        rx.el.span(rx.icon("eye-off", size=18), custom_attrs={"data-when": "shown"}, hidden=True, line_height="0"),
        id=button_id,
        type="button",
        variant="ghost",
        color_scheme="gray",
        aria_label=SHOW_PASSWORD,
        aria_pressed="false",
        aria_controls=input_id,
        on_click=rx.call_script(_toggle_script(input_id, button_id)),
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


def busy_button(
    label: str, busy: rx.Var[bool], type: str = "button", disabled: rx.Var[bool] | None = None, **props: Any
) -> rx.Component:
    """Like :func:`submit_button` for a plain action button (or a submit one, with ``type``);
    ``disabled`` adds a reason to refuse clicks besides being busy."""
    return rx.button(
        rx.spinner(loading=busy, size="1"),
        label,
        type=type,
        disabled=busy if disabled is None else busy | disabled,
        aria_busy=rx.cond(busy, "true", "false"),
        **props,
    )


def upload_progress(busy: rx.Var[bool], stage: rx.Var[str], progress_id: str) -> rx.Component:
    """While ``busy``: the upload's stage ("Uploading…") and a bar ``lumiUpload.post`` fills in
    (its percentage goes to the element ``{progress_id}-text``)."""
    return rx.cond(
        busy,
        rx.vstack(
            rx.hstack(
                rx.text(stage, size="2"),
                rx.text("0%", id=f"{progress_id}-text", size="2", color_scheme="gray"),
                spacing="2",
            ),
            rx.el.progress(
                id=progress_id,
                max=100,
                aria_label="Upload progress",
                width="100%",
                accent_color=rx.color("accent", 9),
            ),
            spacing="1",
            width="100%",
            role="status",
        ),
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
    """A titled card grouping related content on a page (a named region when given an ``aria_label``)."""
    if "aria_label" in props:
        props.setdefault("role", "region")
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", align="stretch", width="100%"),
        width="100%",
        **props,
    )


def link_button(label: str, href: str, **props: Any) -> rx.Component:
    """A link that looks like a button (one ``<a>``, so it is a link to assistive tech)."""
    return rx.button(rx.link(label, href=href, underline="none"), as_child=True, **props)


def picture_editor(
    preview: rx.Component,
    *,
    input_id: str,
    busy: Any,
    choose: Any,
    choose_label: str,
    choose_id: str,
    choose_variant: str,
    has_picture: Any,
    remove: Any,
    stage: Any,
    progress_id: str,
    error: Any,
    notice: Any,
    **props: Any,
) -> rx.Component:
    """A cover picture to change: ``preview``, a labelled file input with the image hint, the
    button that uploads the chosen file, "Remove cover" while there is one, the upload's
    progress, and its error or notice (a song's edit dialog and a playlist's cover dialog)."""
    return rx.flex(
        preview,
        rx.vstack(
            rx.el.label("Cover picture", html_for=input_id, font_weight="500", font_size="var(--font-size-2)"),
            rx.el.input(
                type="file",
                id=input_id,
                accept=",".join(IMAGE_CONTENT_TYPES),
                aria_describedby=f"{input_id}-hint",
                disabled=busy,
                max_width="100%",
                font_size="var(--font-size-2)",
            ),
            rx.text(IMAGE_HINT, id=f"{input_id}-hint", size="1", color_scheme="gray"),
            rx.flex(
                busy_button(choose_label, busy, on_click=choose, variant=choose_variant, id=choose_id),
                rx.cond(
                    has_picture,
                    rx.button(
                        "Remove cover",
                        type="button",
                        variant="soft",
                        color_scheme="gray",
                        on_click=remove,
                        disabled=busy,
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
            ),
            upload_progress(busy, stage, progress_id),
            form_error(error),
            form_notice(notice),
            spacing="2",
            align="start",
            min_width="0",
            flex="1",
        ),
        gap="1rem",
        align="start",
        width="100%",
        **props,
    )
