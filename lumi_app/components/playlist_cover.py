"""The creator's "Change cover" button of a playlist and its dialog: the cover now (or a
placeholder), a picture to upload with its progress, "Remove cover", and clear errors.

Mount it once on the playlist page, for the playlist's creator only (``Playlist.mine``): the
partner's attempt would be refused (403). After a change the dialog says "Cover changed."; the
page refreshes through the backend's ``playlist_changed`` ``updated`` message.
"""

from __future__ import annotations

import reflex as rx

from lumi_app.components.forms import picture_editor
from lumi_app.state.playlist_cover import CHANGE_ID, INPUT_ID, PROGRESS_ID, PlaylistCoverState


def _preview() -> rx.Component:
    state = PlaylistCoverState
    return rx.cond(
        state.loading,
        rx.center(rx.spinner(size="3"), width="120px", height="120px", flex_shrink="0"),
        rx.cond(
            state.cover_url != "",
            rx.image(
                src=state.cover_url,
                alt="The playlist's cover",
                width="120px",
                height="120px",
                object_fit="cover",
                border_radius="var(--radius-3)",
                flex_shrink="0",
            ),
            rx.center(
                rx.icon("list-music", size=40, color=rx.color("gray", 10), aria_hidden="true"),
                rx.text("No cover uploaded: the covers of its songs show.", size="1", color_scheme="gray", as_="span"),
                direction="column",
                gap="0.35rem",
                text_align="center",
                padding="0.5rem",
                width="120px",
                height="120px",
                flex_shrink="0",
                border_radius="var(--radius-3)",
                background=rx.color("gray", 4),
            ),
        ),
    )


def _editor() -> rx.Component:
    state = PlaylistCoverState
    return picture_editor(
        _preview(),
        input_id=INPUT_ID,
        busy=state.busy,
        choose=state.choose,
        choose_label="Upload cover",
        choose_id=CHANGE_ID,
        choose_variant="solid",
        has_picture=state.cover_url != "",
        remove=state.remove,
        stage=state.stage,
        progress_id=PROGRESS_ID,
        error=state.error,
        notice=state.notice,
        wrap="wrap",
    )


def playlist_cover_button(playlist_id: rx.Var[str]) -> rx.Component:
    """ "Change cover" and its dialog, for the playlist ``playlist_id`` (its creator only)."""
    state = PlaylistCoverState
    return rx.fragment(
        rx.button(
            rx.icon("image", size=16, aria_hidden="true"),
            "Change cover",
            type="button",
            variant="soft",
            on_click=state.open_for(playlist_id),
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Playlist cover"),
                rx.dialog.description(
                    "A picture of your own instead of the covers of its songs. Your partner sees it too.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.box(_editor(), margin_y="1rem"),
                rx.flex(
                    rx.dialog.close(
                        rx.button("Close", type="button", variant="soft", color_scheme="gray", disabled=state.busy)
                    ),
                    justify="end",
                ),
                max_width="520px",
            ),
            open=state.open,
            on_open_change=state.set_open,
        ),
    )


__all__ = ["playlist_cover_button"]
