"""What the playlist pages and the song menus share on screen: the "Add to playlist" dialog
(mounted once per page that lists songs, beside the song dialogs), a playlist's badge and its
cover (an uploaded one, else a 2×2 mosaic of its songs' covers, else a placeholder)."""

from __future__ import annotations

import reflex as rx

from lumi_app.components.forms import form_error
from lumi_app.state.playlists import AddToPlaylistState, PlaylistChoice
from lumi_app.state.realtime import RealtimeState

PARTNER = rx.cond(RealtimeState.partner_name != "", RealtimeState.partner_name, "your partner")


def playlist_badge(mine: rx.Var[bool], shared: rx.Var[bool]) -> rx.Component:
    """ "Shared" on mine that my partner edits too; "From <partner>" on theirs."""
    return rx.cond(
        mine,
        rx.cond(shared, rx.badge("Shared", color_scheme="pink", variant="soft", size="1")),
        rx.badge("From ", PARTNER, color_scheme="grass", variant="soft", size="1"),
    )


def _placeholder(size: str | rx.Var | dict, icon_size: int) -> rx.Component:
    return rx.center(
        rx.icon("list-music", size=icon_size, color=rx.color("gray", 10), aria_hidden="true"),
        width=size,
        height=size,
        flex_shrink="0",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 4),
    )


def playlist_cover(
    cover_url: rx.Var[str], cells: rx.Var[list[str]], size: str | rx.Var | dict = "56px", icon_size: int = 22
) -> rx.Component:
    """An uploaded cover, else the 2×2 mosaic of ``cells`` (see ``state.playlists.mosaic``), else a placeholder."""
    return rx.cond(
        cover_url != "",
        rx.image(
            src=cover_url,
            alt="",
            width=size,
            height=size,
            object_fit="cover",
            border_radius="var(--radius-3)",
            flex_shrink="0",
        ),
        rx.cond(
            cells.length() > 0,
            rx.grid(
                rx.foreach(
                    cells,
                    lambda url: rx.cond(
                        url != "",
                        rx.image(src=url, alt="", width="100%", height="100%", object_fit="cover"),
                        rx.box(background=rx.color("gray", 4), width="100%", height="100%"),
                    ),
                ),
                columns="2",
                width=size,
                height=size,
                flex_shrink="0",
                overflow="hidden",
                border_radius="var(--radius-3)",
                custom_attrs={"data-cover-mosaic": "true"},
            ),
            _placeholder(size, icon_size),
        ),
    )


def _choice(choice: rx.Var[PlaylistChoice]) -> rx.Component:
    state = AddToPlaylistState
    return rx.el.li(
        rx.el.button(
            rx.icon("list-music", size=18, aria_hidden="true", flex_shrink="0"),
            rx.vstack(
                rx.text(choice.name, weight="medium", size="3", truncate=True, width="100%"),
                rx.text(choice.detail, size="1", color_scheme="gray"),
                spacing="0",
                align="start",
                min_width="0",
                flex="1",
            ),
            rx.cond(state.adding == choice.playlist_id, rx.spinner(size="1")),
            type="button",
            on_click=state.add(choice.playlist_id, choice.name),
            disabled=state.adding != "",
            aria_label="Add to " + choice.name,
            display="flex",
            align_items="center",
            gap="0.75rem",
            width="100%",
            min_height="48px",
            padding="0.4rem 0.5rem",
            border="none",
            border_radius="var(--radius-3)",
            background="transparent",
            color="inherit",
            font="inherit",
            text_align="left",
            cursor="pointer",
            _hover={"background": rx.color("gray", 3)},
            _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "-2px"},
        ),
        list_style="none",
    )


def _new_playlist_form() -> rx.Component:
    state = AddToPlaylistState
    error = state.new_name_error
    return rx.form(
        rx.vstack(
            rx.el.label("Name of the new playlist", html_for="add-new-playlist-name", font_weight="500"),
            rx.input(
                id="add-new-playlist-name",
                name="name",
                max_length=100,
                auto_focus=True,
                auto_complete="off",
                aria_invalid=rx.cond(error != "", "true", "false"),
                aria_describedby="add-new-playlist-name-error",
                size="3",
                width="100%",
            ),
            rx.cond(error != "", rx.text(error, id="add-new-playlist-name-error", size="2", color_scheme="red")),
            rx.button(
                rx.spinner(loading=state.adding == "new", size="1"),
                "Create and add",
                type="submit",
                disabled=state.adding != "",
            ),
            spacing="2",
            align="start",
            width="100%",
        ),
        on_submit=state.create_and_add,
        reset_on_submit=False,
        width="100%",
    )


def add_to_playlist_dialog() -> rx.Component:
    """Once per page that lists songs; song menus open it with ``AddToPlaylistState.open_for_song``."""
    state = AddToPlaylistState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add to playlist"),
            rx.dialog.description(rx.text("“", state.what, "”", truncate=True), size="2", color_scheme="gray"),
            rx.vstack(
                form_error(state.error),
                rx.cond(
                    state.loading,
                    rx.hstack(rx.spinner(), rx.text("Loading your playlists…", color_scheme="gray"), role="status"),
                    rx.cond(
                        state.choices.length() > 0,
                        rx.el.ul(
                            rx.foreach(state.choices, _choice),
                            aria_label="Your playlists",
                            padding="0",
                            margin="0",
                            width="100%",
                            max_height="50vh",
                            overflow_y="auto",
                        ),
                        rx.text("You have no playlists yet: make one here.", size="2", color_scheme="gray"),
                    ),
                ),
                rx.cond(
                    state.creating,
                    _new_playlist_form(),
                    rx.button(
                        rx.icon("plus", size=16, aria_hidden="true"),
                        "New playlist…",
                        variant="soft",
                        on_click=state.start_new,
                        disabled=state.loading,
                    ),
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                margin_top="0.75rem",
                width="100%",
            ),
            max_width="440px",
        ),
        open=state.open,
        on_open_change=state.set_open,
    )


__all__ = ["PARTNER", "add_to_playlist_dialog", "playlist_badge", "playlist_cover"]
