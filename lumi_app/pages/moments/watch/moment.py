"""The watch page's view of the moment: the video or the photo, what it is about, its tags, and
the owner's Edit and Delete."""

from __future__ import annotations

import reflex as rx

from backend.contracts import MOMENT_DESCRIPTION_MAX, MOMENT_TAGS_MAX, MOMENT_TITLE_MAX
from lumi_app import routes
from lumi_app.components.forms import busy_button, field, form_error, stacked_form, submit_button
from lumi_app.pages.moments.watch.state import RENEW_VIDEO_ID, TagView, WatchState

VIDEO_ID = "moment-video"
PHOTO_ID = "moment-photo"


def _video_not_ready() -> rx.Component:
    """While the media job checks the video: "Processing your video…" (it turns into the video
    live); if it can't be played: why, and for the owner what to do (Delete is beside the title)."""
    moment = WatchState.moment
    processing = rx.vstack(
        rx.spinner(size="3"),
        rx.text(
            rx.cond(moment.mine, "Processing your video…", "Processing the video…"),
            size="2",
            color=rx.color("gray", 11),
        ),
        rx.text("It shows here as soon as it's ready.", size="1", color=rx.color("gray", 11)),
        align="center",
        spacing="2",
    )
    failed = rx.vstack(
        rx.icon("video-off", size=24, color=rx.color("red", 11)),
        rx.text("This video can't be played", size="3", weight="medium"),
        rx.text(moment.failure_reason, size="2", id="moment-failure-reason"),
        rx.cond(
            moment.mine,
            rx.vstack(
                rx.text("Delete this moment, then share another video.", size="2", color=rx.color("gray", 11)),
                rx.link("Share another video", href=routes.MOMENT_NEW, size="2"),
                align="center",
                spacing="1",
            ),
        ),
        align="center",
        spacing="2",
        padding="1rem",
        text_align="center",
    )
    return rx.center(
        rx.cond(moment.status == "failed", failed, processing),
        role="status",
        width="100%",
        aspect_ratio="16 / 9",
        max_height="70vh",
        background=rx.color("gray", 3),
        border_radius="var(--radius-4)",
        overflow="hidden",
    )


def _video() -> rx.Component:
    """The video (a signed URL serving HTTP Range, so it seeks), named by the moment's title."""
    moment = WatchState.moment
    return rx.cond(moment.status == "ready", _playable_video(), _video_not_ready())


def _playable_video() -> rx.Component:
    moment = WatchState.moment
    return rx.box(
        rx.el.video(
            "Your browser can't play this video.",
            id=VIDEO_ID,
            src=moment.video_url,
            poster=moment.poster,
            controls=True,
            plays_inline=True,
            preload="metadata",
            aria_label=moment.title,
            key=moment.moment_id + "-" + WatchState.video_version.to_string(),
            width="100%",
            height="100%",
            style={"objectFit": "contain", "display": "block"},
        ),
        rx.el.button(
            "Load the video again",
            id=RENEW_VIDEO_ID,
            type="button",
            on_click=WatchState.renew_video,
            hidden=True,
            tab_index=-1,
        ),
        width="100%",
        aspect_ratio=moment.aspect_ratio,
        max_height="70vh",
        background="black",
        border_radius="var(--radius-4)",
        overflow="hidden",
    )


def _photo() -> rx.Component:
    """The photo, upright and without metadata, described by its title; "Preparing the photo…"
    until the media job has made it (it shows live)."""
    moment = WatchState.moment
    preparing = rx.vstack(
        rx.spinner(size="3"),
        rx.text("Preparing the photo…", size="2", color=rx.color("gray", 11)),
        align="center",
        spacing="2",
    )
    failed = rx.vstack(
        rx.icon("image-off", size=24, color=rx.color("gray", 11)),
        rx.text("This photo couldn't be prepared. Delete it and share it again.", size="2"),
        align="center",
        spacing="2",
        padding="1rem",
        text_align="center",
    )
    return rx.box(
        rx.cond(
            moment.photo_url != "",
            rx.el.img(
                src=moment.photo_url,
                alt=moment.title,
                id=PHOTO_ID,
                width="100%",
                height="100%",
                style={"objectFit": "contain", "display": "block"},
            ),
            rx.center(rx.cond(moment.status == "failed", failed, preparing), role="status", height="100%"),
        ),
        width="100%",
        aspect_ratio=moment.aspect_ratio,
        max_height="70vh",
        background=rx.color("gray", 3),
        border_radius="var(--radius-4)",
        overflow="hidden",
    )


def moment_media() -> rx.Component:
    """The moment itself: its photo or its video."""
    return rx.cond(WatchState.moment.kind == "photo", _photo(), _video())


def _tag(tag: TagView) -> rx.Component:
    return rx.el.li(
        rx.link(rx.badge("#", tag.name, size="2", variant="soft", radius="full"), href=tag.href, underline="none"),
        key=tag.slug,
        list_style="none",
    )


def about() -> rx.Component:
    moment = WatchState.moment
    return rx.vstack(
        rx.flex(
            rx.heading(moment.title, size="5", as_="h2", flex="1", min_width="0", overflow_wrap="anywhere"),
            rx.cond(moment.mine, _owner_actions()),
            gap="0.75rem",
            align="start",
            wrap="wrap",
            width="100%",
        ),
        rx.text(
            moment.owner_name,
            " · ",
            rx.el.time(moment.created_on, date_time=moment.created_at),
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            moment.description != "",
            rx.text(moment.description, size="3", white_space="pre-wrap", overflow_wrap="anywhere"),
        ),
        rx.cond(
            moment.tags.length() > 0,
            rx.el.ul(
                rx.foreach(moment.tags, _tag),
                aria_label="Tags",
                display="flex",
                flex_wrap="wrap",
                gap="0.4rem",
                padding="0",
                margin="0",
            ),
        ),
        spacing="2",
        width="100%",
        align="stretch",
    )


def _owner_actions() -> rx.Component:
    return rx.hstack(_edit_dialog(), _delete_dialog(), spacing="2")


def _edit_dialog() -> rx.Component:
    moment = WatchState.moment
    description_error = WatchState.description_error
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("pencil", size=16), "Edit", variant="soft", size="2")),
        rx.dialog.content(
            rx.dialog.title("Edit moment"),
            rx.dialog.description("Change its title, description and tags.", size="2", color_scheme="gray"),
            stacked_form(
                form_error(WatchState.edit_error),
                field(
                    "Title",
                    id="moment-edit-title",
                    name="title",
                    error=WatchState.title_error,
                    default_value=moment.title,
                    max_length=MOMENT_TITLE_MAX,
                ),
                rx.vstack(
                    rx.el.label(
                        "Description",
                        html_for="moment-edit-description",
                        font_weight="500",
                        font_size="var(--font-size-2)",
                    ),
                    rx.text_area(
                        id="moment-edit-description",
                        name="description",
                        default_value=moment.description,
                        max_length=MOMENT_DESCRIPTION_MAX,
                        rows="4",
                        size="3",
                        width="100%",
                        aria_invalid=rx.cond(description_error != "", "true", "false"),
                        aria_describedby="moment-edit-description-error",
                    ),
                    rx.cond(
                        description_error != "",
                        rx.text(description_error, id="moment-edit-description-error", size="2", color_scheme="red"),
                    ),
                    spacing="1",
                    width="100%",
                    align="stretch",
                ),
                field(
                    "Tags",
                    id="moment-edit-tags",
                    name="tags",
                    error=WatchState.tags_error,
                    default_value=moment.tags_text,
                    hint=f"Separate tags with commas (up to {MOMENT_TAGS_MAX}).",
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                    submit_button("Save changes", WatchState.saving),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                on_submit=WatchState.save_moment,
                aria_label="Edit moment",
                margin_top="1rem",
            ),
            max_width="480px",
        ),
        open=WatchState.edit_open,
        on_open_change=WatchState.set_edit_open,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), "Delete", variant="soft", color_scheme="red", size="2")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this moment?"),
            rx.alert_dialog.description(
                rx.cond(
                    WatchState.moment.kind == "photo",
                    "The photo, its chat and its tags go for both of you. This can't be undone.",
                    "The video, its chat and its tags go for both of you. This can't be undone.",
                ),
                size="2",
            ),
            rx.vstack(
                form_error(WatchState.delete_error),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                    busy_button(
                        "Delete moment", WatchState.deleting, on_click=WatchState.delete_moment, color_scheme="red"
                    ),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                width="100%",
                margin_top="1rem",
            ),
            max_width="440px",
        ),
        open=WatchState.delete_open,
        on_open_change=WatchState.set_delete_open,
    )
