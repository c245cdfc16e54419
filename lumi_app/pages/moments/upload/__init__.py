"""New moment: a video or a photo (dropped on the drop zone, chosen, or on a phone recorded or
taken with the camera), with a title, a description and tags.

The chosen file shows at once: a preview (the video, with its length, or the photo, from an
object URL in the browser) and what it is, announced to screen readers. It goes from the
browser straight to S3 (``assets/lumi-upload.js`` posts it with the presigned fields of
``POST /moments/uploads``), with a progress bar and a Cancel button; the Reflex server never
sees the bytes (the file inputs stay outside the form: a file input in a form would have
Reflex send its bytes with the submit). Then ``POST /moments`` has the API look at it (its
size and magic bytes: "Checking the video…") and make the moment, and the person lands on
its watch page: a video shows "Processing your video…" there while the media job probes it,
then plays (or says why it can't be played); a photo shows "Preparing the photo…" until its
renditions are made. Both turn live. A file the quick check refuses is explained in words
here, and what they typed stays.
"""

from __future__ import annotations

import reflex as rx

from backend.contracts import MOMENT_DESCRIPTION_MAX, MOMENT_TAGS_MAX, MOMENT_TITLE_MAX
from lumi_app import routes
from lumi_app.components.forms import form_error, form_notice, section, stacked_form, submit_button
from lumi_app.components.moments import loading, not_paired_state
from lumi_app.components.shell import page
from lumi_app.pages.moments.upload.fields import file_field, form_field, hint, invalid, label, label_with_count
from lumi_app.pages.moments.upload.state import (
    CANCEL_SCRIPT,
    DESCRIPTION_ID,
    PROGRESS_ID,
    TAGS_ID,
    TITLE_ID,
    UploadState,
    file_problem,
    parse_tags,
)

__all__ = ["UploadState", "file_problem", "parse_tags", "upload"]


def _title_field() -> rx.Component:
    state = UploadState
    return form_field(
        TITLE_ID,
        label_with_count("Title", TITLE_ID, state.title_count),
        rx.input(
            id=TITLE_ID,
            name="title",
            value=state.title,
            on_change=state.set_title,
            max_length=MOMENT_TITLE_MAX,
            size="3",
            width="100%",
            auto_complete="off",
            aria_invalid=invalid(state.title_error),
            aria_describedby=f"{TITLE_ID}-count {TITLE_ID}-error",
        ),
        error=state.title_error,
    )


def _description_field() -> rx.Component:
    state = UploadState
    return form_field(
        DESCRIPTION_ID,
        label_with_count("Description", DESCRIPTION_ID, state.description_count),
        rx.text_area(
            id=DESCRIPTION_ID,
            name="description",
            value=state.description,
            on_change=state.set_description,
            max_length=MOMENT_DESCRIPTION_MAX,
            rows="4",
            size="3",
            width="100%",
            resize="vertical",
            aria_invalid=invalid(state.description_error),
            aria_describedby=f"{DESCRIPTION_ID}-count {DESCRIPTION_ID}-error",
        ),
        error=state.description_error,
    )


def _tags_field() -> rx.Component:
    state = UploadState
    return form_field(
        TAGS_ID,
        label("Tags", TAGS_ID),
        rx.input(
            id=TAGS_ID,
            name="tags",
            value=state.tags_text,
            on_change=state.set_tags_text,
            placeholder="beach, sunset, us",
            size="3",
            width="100%",
            auto_complete="off",
            auto_capitalize="none",
            aria_invalid=invalid(state.tags_error),
            aria_describedby=f"{TAGS_ID}-hint {TAGS_ID}-error",
        ),
        hint(f"Separate tags with commas, up to {MOMENT_TAGS_MAX}.", TAGS_ID),
        rx.cond(
            state.parsed_tags.length() > 0,
            rx.el.ul(
                rx.foreach(
                    state.parsed_tags,
                    lambda tag: rx.el.li(rx.badge("#", tag, size="2", variant="soft"), list_style="none"),
                ),
                aria_label="Tags to add",
                display="flex",
                flex_wrap="wrap",
                gap="0.4rem",
                padding="0",
                margin="0",
            ),
        ),
        error=state.tags_error,
    )


def _progress() -> rx.Component:
    state = UploadState
    return rx.cond(
        state.stage == "uploading",
        rx.vstack(
            rx.hstack(
                rx.text("Uploading…", size="2"),
                rx.text("0%", id=f"{PROGRESS_ID}-text", size="2", color_scheme="gray"),
                spacing="2",
            ),
            rx.el.progress(
                id=PROGRESS_ID,
                max=100,
                aria_label="Upload progress",
                width="100%",
                height="0.75rem",
                accent_color=rx.color("accent", 9),
            ),
            rx.button(
                "Cancel upload",
                type="button",
                # In the browser at once (no round trip), and once more from the server in case the
                # post had not started yet (the ticket was on its way): its promise says "cancelled".
                on_click=[rx.call_script(CANCEL_SCRIPT), UploadState.cancel],
                variant="soft",
                color_scheme="gray",
            ),
            role="status",
            spacing="2",
            width="100%",
            align="start",
        ),
        rx.cond(
            state.stage == "checking",
            rx.cond(state.chosen_kind == "photo", loading("Checking the photo…"), loading("Checking the video…")),
        ),
    )


def _form() -> rx.Component:
    state = UploadState
    return section(
        "Share a moment",
        form_error(state.error),
        form_notice(state.notice),
        # Outside the <form>: a file input in it would have Reflex send the file's bytes with the
        # submit event (Socket.IO attachments); the video goes to storage only, from lumi-upload.js.
        file_field(),
        stacked_form(
            _title_field(),
            _description_field(),
            _tags_field(),
            _progress(),
            rx.flex(
                submit_button("Share moment", state.busy),
                rx.link("Back to moments", href=routes.MOMENTS, size="2"),
                gap="1rem",
                align="center",
                wrap="wrap",
            ),
            on_submit=state.share,
            aria_label="New moment",
            spacing="4",
            align="stretch",
        ),
    )


@page(routes.MOMENT_NEW, "New moment", on_load=[UploadState.load])
def upload() -> rx.Component:
    state = UploadState
    return rx.cond(
        state.loaded,
        rx.cond(
            state.not_paired,
            not_paired_state("Pair with your partner, then share your first moment with them."),
            _form(),
        ),
        loading(),
    )
