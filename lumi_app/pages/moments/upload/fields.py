"""Pieces of the new-moment form: labels, hints and fields with their errors, and the chosen file
(the drop zone, what was chosen, its preview, and a phone's camera buttons)."""

from __future__ import annotations

import reflex as rx

from backend.settings import get_settings
from lumi_app.components.shell import PHONE_ONLY, WIDE_ONLY
from lumi_app.pages.moments.upload.state import (
    CHOSEN_ID,
    DROP_ZONE_ID,
    FILE_INPUT_ID,
    MB,
    PHOTO_INPUT_ID,
    RECORD_INPUT_ID,
    UploadState,
)


def label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(text, html_for=html_for, font_weight="500", font_size="var(--font-size-2)")


def label_with_count(text: str, html_for: str, count: rx.Var[str]) -> rx.Component:
    return rx.hstack(
        label(text, html_for),
        rx.spacer(),
        rx.text(count, id=f"{html_for}-count", size="1", color_scheme="gray", aria_live="polite"),
        width="100%",
        align="center",
    )


def hint(text: str, input_id: str) -> rx.Component:
    return rx.text(text, id=f"{input_id}-hint", size="1", color_scheme="gray")


def form_field(
    input_id: str, label: rx.Component, control: rx.Component, *extras: rx.Component, error: rx.Var[str]
) -> rx.Component:
    """A label, its control, what goes under it, and its error (``forms.field`` has no count, preview or file)."""
    return rx.vstack(
        label,
        control,
        *extras,
        rx.cond(error != "", rx.text(error, id=f"{input_id}-error", size="2", color_scheme="red")),
        spacing="1",
        width="100%",
        align="stretch",
    )


def invalid(error: rx.Var[str]) -> rx.Var[str]:
    return rx.cond(error != "", "true", "false")


_SR_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "whiteSpace": "nowrap",
    "border": "0",
}
# What the file input takes: the videos and photos Lumi shares (HEIC named: some browsers need it).
ACCEPT = "video/*,image/*,.heic,.heif"


def camera_button(label: str, icon: str, input_id: str, accept: str) -> rx.Component:
    """A phone's "Record a video" / "Take a photo": a real button (a label holding a file input with
    ``capture``, which opens the camera); what it gets goes into the drop zone's input."""
    return rx.el.label(
        rx.icon(icon, size=18, aria_hidden="true"),
        rx.el.span(label),
        rx.el.input(
            type="file",
            id=input_id,
            accept=accept,
            capture="environment",
            disabled=UploadState.busy,
            aria_label=label,
            custom_attrs={"data-lumi-upload-into": FILE_INPUT_ID},
            style=_SR_ONLY,
        ),
        html_for=input_id,
        display="inline-flex",
        align_items="center",
        justify_content="center",
        gap="0.4rem",
        min_height="44px",
        padding="0 0.6rem",
        flex="1",
        white_space="nowrap",
        font_size="var(--font-size-2)",
        border_radius="var(--radius-3)",
        background=rx.color("accent", 9),
        color=rx.color("accent", 1),
        font_weight="500",
        cursor="pointer",
        _focus_within={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "2px"},
    )


def _preview() -> rx.Component:
    """The chosen file as it will be shared: the video (with its length) or the photo."""
    state = UploadState
    media_box = {
        "width": "100%",
        "max_height": "320px",
        "border_radius": "var(--radius-3)",
        "background": "black",
        "object_fit": "contain",
        "display": "block",
    }
    return rx.cond(
        state.preview_url != "",
        rx.vstack(
            rx.cond(
                state.chosen_kind == "photo",
                rx.el.img(src=state.preview_url, alt="The chosen photo", id=f"{FILE_INPUT_ID}-preview", **media_box),
                rx.el.video(
                    src=state.preview_url,
                    id=f"{FILE_INPUT_ID}-preview",
                    controls=True,
                    muted=True,
                    plays_inline=True,
                    preload="metadata",
                    aria_label="The chosen video",
                    **media_box,
                ),
            ),
            rx.cond(
                state.chosen_duration != "",
                rx.text("Length ", rx.el.strong(state.chosen_duration), size="2", id=f"{FILE_INPUT_ID}-length"),
            ),
            spacing="2",
            width="100%",
            align="stretch",
        ),
    )


def file_field() -> rx.Component:
    """The drop zone (drag and drop, or choose: a label holding the file input, so a click, Enter
    or Space opens the chooser), the chosen file announced, its preview, and on a phone the camera."""
    state = UploadState
    chosen = rx.el.p(
        rx.cond(state.chosen_text != "", "Chosen: " + state.chosen_text, "No file chosen yet."),
        id=CHOSEN_ID,
        aria_live="polite",
        font_size="var(--font-size-2)",
        color=rx.color("gray", 11),
        margin="0",
        overflow_wrap="anywhere",
    )
    zone = rx.el.label(
        rx.icon("image-up", size=28, aria_hidden="true", color=rx.color("accent", 10)),
        rx.el.span("Drag a video or photo here, or\u00a0", rx.el.u("choose one"), display=WIDE_ONLY),
        rx.el.span("Choose a video or photo", display=PHONE_ONLY, font_weight="500"),
        rx.el.input(
            type="file",
            id=FILE_INPUT_ID,
            accept=ACCEPT,
            on_change=UploadState.file_changed,
            disabled=state.busy,
            aria_label="Video or photo",
            aria_invalid=invalid(state.file_error),
            aria_describedby=f"{CHOSEN_ID} {FILE_INPUT_ID}-hint {FILE_INPUT_ID}-error",
            style=_SR_ONLY,
        ),
        html_for=FILE_INPUT_ID,
        id=DROP_ZONE_ID,
        custom_attrs={"data-lumi-drop-into": FILE_INPUT_ID},
        display="flex",
        flex_direction="column",
        align_items="center",
        justify_content="center",
        gap="0.5rem",
        min_height=rx.breakpoints(initial="5.5rem", sm="9rem"),
        padding="1rem",
        text_align="center",
        border=f"2px dashed {rx.color('accent', 7)}",
        border_radius="var(--radius-4)",
        background=rx.color("accent", 2),
        cursor="pointer",
        _hover={"background": rx.color("accent", 3)},
        _focus_within={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "2px"},
        # lumi-upload.js marks the zone while a file is dragged over it.
        style={"&[data-dragging]": {"background": rx.color("accent", 4), "borderStyle": "solid"}},
    )
    return form_field(
        FILE_INPUT_ID,
        rx.text("Video or photo", as_="div", font_weight="500", size="2"),
        zone,
        chosen,
        hint(
            f"MP4, MOV or WebM up to {get_settings().moment_max_bytes // MB} MB; "
            f"JPEG, PNG, WebP or HEIC up to {get_settings().photo_max_bytes // MB} MB.",
            FILE_INPUT_ID,
        ),
        _preview(),
        rx.flex(
            camera_button("Record a video", "video", RECORD_INPUT_ID, "video/*"),
            camera_button("Take a photo", "camera", PHOTO_INPUT_ID, "image/*"),
            display=PHONE_ONLY,
            gap="0.75rem",
            width="100%",
            wrap="wrap",
        ),
        error=state.file_error,
    )
