"""One playlist (``?id=``): its cover (an uploaded one, else a 2×2 mosaic of its songs' covers),
name, description, how many songs and how long; Play all and Shuffle; its entries in order.

Both partners of a shared playlist add, remove and reorder; only its creator renames, describes,
shares or makes it personal, and deletes it (the partner does not see those). An entry whose song
I cannot play (deleted, no longer shared) stays, greyed, "Unavailable".

Reordering: drag an entry by its grip (``assets/lumi-playlist-drag.js``, pointer events: mouse
and touch), or Move up / Move down from the keyboard (focus stays on the moved entry's button,
as on the queue page). Either is one API write: the entry is put right after the one above its
new place. The move shows at once; if the API refuses it (removed meanwhile: 404; changed at the
same moment: 409/422) the order goes back and the page says why, then refetches.

Live: a ``playlist_changed`` for this playlist (or a ``song_changed`` for one of its songs: made
private, deleted) refetches it quietly; a move or a removal the message names shows at once,
before that refetch. Not while the person drags (the refetch waits for the drop); ``deleted``
(or ``unshared`` for the partner) replaces the entries with what happened.

A package: ``state`` (the playlist, its entries and every action on them), this module (its view).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.contracts import PLAYLIST_DESCRIPTION_MAX, PLAYLIST_NAME_MAX
from lumi_app import routes
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import loading
from lumi_app.components.music import cover, music_tabs
from lumi_app.components.playlist_cover import playlist_cover_button
from lumi_app.components.playlists import PARTNER, playlist_badge, playlist_cover
from lumi_app.components.shell import page
from lumi_app.pages.music.playlist.state import EDIT_DESCRIPTION_ID, EDIT_NAME_ID, PlaylistDragBridge, PlaylistState
from lumi_app.state.player import PlayerState
from lumi_app.state.playlists import EntryRow
from lumi_app.state.session import SessionState

# ---------------------------------------------------------------- view


def _creator_menu() -> rx.Component:
    state = PlaylistState
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis-vertical", size=18),
                variant="soft",
                color_scheme="gray",
                size="3",
                aria_label="More for this playlist",
            )
        ),
        rx.menu.content(
            rx.menu.item(rx.icon("pencil", size=16), "Rename or describe", on_select=state.open_edit),
            rx.cond(
                state.shared,
                rx.menu.item(rx.icon("lock", size=16), "Make personal", on_select=state.set_shared(False)),
                rx.cond(
                    SessionState.is_paired,
                    rx.menu.item(rx.icon("share-2", size=16), "Share with ", PARTNER, on_select=state.set_shared(True)),
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(rx.icon("trash-2", size=16), "Delete playlist", color="red", on_select=state.ask_delete),
        ),
    )


def _header() -> rx.Component:
    state = PlaylistState
    return rx.flex(
        playlist_cover(state.cover_url, state.cells, size=rx.breakpoints(initial="120px", sm="180px"), icon_size=40),
        rx.vstack(
            rx.hstack(
                rx.heading(state.name, as_="h2", size="6", overflow_wrap="anywhere"),
                playlist_badge(state.mine, state.shared),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                state.description != "",
                rx.text(state.description, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
            ),
            rx.text(state.details, color_scheme="gray", size="2", id="playlist-details"),
            rx.flex(
                rx.button(
                    rx.spinner(loading=state.playing, size="1"),
                    rx.icon("play", size=16, aria_hidden="true"),
                    "Play all",
                    on_click=state.play_all(False),
                    disabled=(state.playable_ids.length() == 0) | state.playing,
                    size="3",
                ),
                rx.button(
                    rx.icon("shuffle", size=16, aria_hidden="true"),
                    "Shuffle",
                    on_click=state.play_all(True),
                    disabled=(state.playable_ids.length() == 0) | state.playing,
                    variant="soft",
                    size="3",
                ),
                rx.cond(state.mine, rx.fragment(playlist_cover_button(state.playlist_id), _creator_menu())),
                gap="0.5rem",
                wrap="wrap",
                align="center",
            ),
            spacing="2",
            min_width="0",
            flex="1",
        ),
        gap="1rem",
        align=rx.breakpoints(initial="start", sm="end"),
        wrap="wrap",
        width="100%",
    )


def _entry(row: rx.Var[EntryRow], index: rx.Var[int]) -> rx.Component:
    state = PlaylistState
    last = index == state.rows.length() - 1
    body = [
        cover(row.cover_url, size="40px", icon_size=18),
        rx.vstack(
            rx.text(row.title, weight="medium", size="2", truncate=True, width="100%"),
            rx.hstack(
                rx.cond(~row.available, rx.badge("Unavailable", color_scheme="gray", variant="surface", size="1")),
                rx.text(row.artist, size="1", color_scheme="gray", truncate=True),
                spacing="2",
                align="center",
                min_width="0",
                width="100%",
            ),
            spacing="0",
            align="start",
            min_width="0",
            flex="1",
        ),
        rx.text(
            row.duration,
            size="1",
            color_scheme="gray",
            display=rx.breakpoints(initial="none", sm="block"),
            font_variant_numeric="tabular-nums",
        ),
    ]
    row_style: dict[str, Any] = {
        "display": "flex",
        "align_items": "center",
        "gap": "0.6rem",
        "flex": "1",
        "min_width": "0",
        "padding": "0.35rem 0.25rem",
        "min_height": "52px",
        "border_radius": "var(--radius-3)",
        "text_align": "left",
    }
    return rx.el.li(
        rx.box(
            rx.icon("grip-vertical", size=18, aria_hidden="true"),
            custom_attrs={"data-playlist-handle": "true"},
            title="Drag to reorder",
            color=rx.color("gray", 10),
            cursor="grab",
            touch_action="none",
            padding="0.5rem 0.1rem",
            display="flex",
            align_items="center",
            flex_shrink="0",
        ),
        rx.cond(
            row.available,
            rx.el.button(
                *body,
                type="button",
                on_click=PlayerState.play_songs(state.playable_ids, row.play_index),
                id="playlist-play-" + row.entry_id,
                aria_label="Play " + row.title,
                background="transparent",
                border="none",
                color="inherit",
                cursor="pointer",
                font="inherit",
                _hover={"background": rx.color("gray", 3)},
                _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "-2px"},
                **row_style,
            ),
            rx.el.div(*body, opacity="0.55", aria_disabled="true", **row_style),
        ),
        rx.icon_button(
            rx.icon("arrow-up", size=16, aria_hidden="true"),
            on_click=state.move(row.entry_id, -1),
            disabled=index == 0,
            id="playlist-up-" + row.entry_id,
            aria_label="Move " + row.title + " up",
            variant="ghost",
            color_scheme="gray",
        ),
        rx.icon_button(
            rx.icon("arrow-down", size=16, aria_hidden="true"),
            on_click=state.move(row.entry_id, 1),
            disabled=last,
            id="playlist-down-" + row.entry_id,
            aria_label="Move " + row.title + " down",
            variant="ghost",
            color_scheme="gray",
        ),
        rx.icon_button(
            rx.icon("x", size=16, aria_hidden="true"),
            on_click=state.remove(row.entry_id),
            aria_label="Remove " + row.title + " from the playlist",
            variant="ghost",
            color_scheme="gray",
        ),
        custom_attrs={"data-playlist-entry": row.entry_id, "data-available": rx.cond(row.available, "true", "false")},
        display="flex",
        align_items="center",
        gap="0.25rem",
        list_style="none",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _entries() -> rx.Component:
    state = PlaylistState
    return rx.cond(
        state.rows.length() > 0,
        rx.el.ol(
            rx.foreach(state.rows, _entry),
            aria_label="Songs of the playlist",
            padding="0",
            margin="0",
            width="100%",
        ),
        empty_state(
            "list-music",
            "No songs in this playlist yet",
            "Add songs from any song's menu: “Add to playlist…”.",
            link_button("Go to your songs", routes.MUSIC, variant="soft"),
        ),
    )


def _edit_dialog() -> rx.Component:
    state = PlaylistState

    def error(name: str) -> rx.Component:
        message = state.edit_errors.get(name, "")
        return rx.cond(message != "", rx.text(message, size="2", color_scheme="red"))

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename or describe"),
            rx.dialog.description("What you both see of this playlist.", size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    form_error(state.edit_error),
                    rx.el.label("Name", html_for=EDIT_NAME_ID, font_weight="500"),
                    rx.input(
                        id=EDIT_NAME_ID,
                        name="name",
                        default_value=state.name,
                        max_length=PLAYLIST_NAME_MAX,
                        auto_complete="off",
                        size="3",
                        width="100%",
                    ),
                    error("name"),
                    rx.el.label("Description", html_for=EDIT_DESCRIPTION_ID, font_weight="500"),
                    rx.text_area(
                        id=EDIT_DESCRIPTION_ID,
                        name="description",
                        default_value=state.description,
                        max_length=PLAYLIST_DESCRIPTION_MAX,
                        rows="3",
                        width="100%",
                    ),
                    error("description"),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Cancel", type="button", variant="soft", color_scheme="gray", disabled=state.saving
                            )
                        ),
                        rx.button(rx.spinner(loading=state.saving, size="1"), "Save", type="submit"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=state.save_edit,
                reset_on_submit=False,
            ),
            max_width="480px",
        ),
        open=state.edit_open,
        on_open_change=state.set_edit_open,
    )


def _delete_dialog() -> rx.Component:
    state = PlaylistState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete “", state.name, "”?"),
            rx.alert_dialog.description(
                "The playlist is deleted for good (for your partner too, if shared). Its songs stay in your music.",
                size="2",
            ),
            form_error(state.delete_error),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.spinner(loading=state.deleting, size="1"),
                    "Delete",
                    color_scheme="red",
                    on_click=state.confirm_delete,
                    disabled=state.deleting,
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="440px",
        ),
        open=state.delete_open,
        on_open_change=state.set_delete_open,
    )


def _content() -> rx.Component:
    state = PlaylistState
    return rx.cond(
        state.gone != "",
        empty_state(
            "list-x",
            rx.cond(state.gone == "deleted", "This playlist was deleted", "This playlist is no longer shared with you"),
            "Its songs are still in your music if they were yours or shared with you.",
            link_button("See your playlists", routes.MUSIC_PLAYLISTS),
        ),
        rx.cond(
            state.unknown,
            empty_state(
                "list-x",
                "This playlist isn't here for you",
                "It may have been deleted, or is no longer shared with you.",
                link_button("See your playlists", routes.MUSIC_PLAYLISTS),
            ),
            rx.vstack(
                _header(),
                form_error(state.action_error),
                _entries(),
                spacing="4",
                width="100%",
            ),
        ),
    )


@page(routes.MUSIC_PLAYLIST, "Playlist", on_load=[PlaylistState.load], wide=True)
def playlist() -> rx.Component:
    state = PlaylistState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.vstack(
        music_tabs(),
        form_error(state.error),
        rx.cond(
            ready,
            _content(),
            rx.cond(
                state.error != "",
                rx.button("Try again", on_click=state.reload, variant="soft"),
                loading("Loading the playlist…"),
            ),
        ),
        _edit_dialog(),
        _delete_dialog(),
        PlaylistDragBridge.create(),
        spacing="4",
        width="100%",
        align="stretch",
    )
