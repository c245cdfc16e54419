"""What the music pages share on screen: the tabs between them, a song's row with its menu, the
song list, the edit and delete dialogs, and a cover picture.

A row is a button (click, Enter or Space plays the song and the ready songs listed after it,
through ``PlayerState.play_songs``) beside its "More" menu (a Radix menu: reachable with Tab,
opened with Enter, moved in with the arrows). A song still processing or refused is not a
button: it shows "Processing…" or why it was refused.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from lumi_app import routes
from lumi_app.components.forms import form_error, picture_editor
from lumi_app.components.playlists import add_to_playlist_dialog
from lumi_app.state.music import COVER_CHANGE_ID, COVER_INPUT_ID, COVER_PROGRESS_ID, SongActionsState, SongRow
from lumi_app.state.player import PlayerState
from lumi_app.state.playlists import AddToPlaylistState
from lumi_app.state.realtime import RealtimeState
from lumi_app.state.session import SessionState

MUSIC_TABS: tuple[tuple[str, str, str], ...] = (
    ("Songs", routes.MUSIC, "list-music"),
    ("Albums", routes.MUSIC_ALBUMS, "disc-3"),
    ("Artists", routes.MUSIC_ARTISTS, "mic-vocal"),
    ("Playlists", routes.MUSIC_PLAYLISTS, "list-video"),
    ("Stats", routes.MUSIC_STATS, "chart-column"),
    ("Upload", routes.MUSIC_UPLOAD, "upload"),
    ("Search", routes.MUSIC_SEARCH, "search"),
)
PARTNER = rx.cond(RealtimeState.partner_name != "", RealtimeState.partner_name, "your partner")


def music_tabs() -> rx.Component:
    """Links between Songs, Albums, Artists and Upload (they wrap on a phone)."""
    path = SessionState.router.url.path

    def tab(label: str, route: str, icon: str) -> rx.Component:
        current = (path == route) | (path == f"{route}/")
        if route == routes.MUSIC_ALBUMS:
            current = current | path.startswith(routes.MUSIC_ALBUM)
        if route == routes.MUSIC_ARTISTS:
            current = current | path.startswith(routes.MUSIC_ARTIST)
        if route == routes.MUSIC_PLAYLISTS:
            current = current | path.startswith(routes.MUSIC_PLAYLIST)
        return rx.link(
            rx.icon(icon, size=15, aria_hidden="true"),
            label,
            href=route,
            underline="none",
            size="2",
            display="inline-flex",
            align_items="center",
            gap="0.35rem",
            # four on one line at 390 px: tighter on a phone
            padding=rx.breakpoints(initial="0.4rem 0.55rem", sm="0.4rem 0.8rem"),
            min_height="36px",
            border_radius="var(--radius-5)",
            color=rx.cond(current, rx.color("accent", 11), rx.color("gray", 11)),
            background=rx.cond(current, rx.color("accent", 3), rx.color("gray", 3)),
            aria_current=rx.cond(current, "page", "false"),
        )

    return rx.el.nav(
        rx.flex(*[tab(*item) for item in MUSIC_TABS], gap=rx.breakpoints(initial="0.35rem", sm="0.5rem"), wrap="wrap"),
        aria_label="Music",
        width="100%",
    )


def cover(url: rx.Var[str] | str, size: str = "44px", icon_size: int = 20) -> rx.Component:
    """A song's or album's cover, or a music-note placeholder."""
    return rx.cond(
        url != "",
        rx.image(
            src=url,
            alt="",
            width=size,
            height=size,
            object_fit="cover",
            border_radius="var(--radius-2)",
            flex_shrink="0",
            loading="lazy",
        ),
        rx.center(
            rx.icon("music", size=icon_size, color=rx.color("gray", 10), aria_hidden="true"),
            width=size,
            height=size,
            flex_shrink="0",
            border_radius="var(--radius-2)",
            background=rx.color("gray", 4),
        ),
    )


def _badge(row: rx.Var[SongRow]) -> rx.Component:
    return rx.cond(
        row.mine,
        rx.cond(row.shared, rx.badge("Shared", color_scheme="pink", variant="soft", size="1")),
        rx.badge("From ", PARTNER, color_scheme="grass", variant="soft", size="1"),
    )


def _status(row: rx.Var[SongRow]) -> rx.Component:
    return rx.match(
        row.status,
        (
            "processing",
            rx.hstack(
                rx.spinner(size="1"),
                rx.text("Processing…", size="2", color_scheme="gray"),
                align="center",
                spacing="1",
                flex_shrink="0",
            ),
        ),
        ("refused", rx.text("Refused", size="2", color_scheme="red", flex_shrink="0")),
        rx.text(row.duration, size="2", color_scheme="gray", flex_shrink="0", font_variant_numeric="tabular-nums"),
    )


def _row_body(row: rx.Var[SongRow]) -> list[rx.Component]:
    return [
        cover(row.cover_url),
        rx.vstack(
            rx.hstack(
                rx.text(row.title, weight="medium", size="3", trim="both", truncate=True),
                _badge(row),
                align="center",
                spacing="2",
                min_width="0",
                width="100%",
            ),
            rx.cond(
                row.status == "refused",
                rx.text(row.refused_reason, size="2", color_scheme="red"),
                rx.text(row.subtitle, size="2", color_scheme="gray", truncate=True),
            ),
            spacing="1",
            min_width="0",
            flex="1",
            align="start",
        ),
        _status(row),
    ]


_ROW_STYLE: dict[str, Any] = {
    "display": "flex",
    "align_items": "center",
    "gap": "0.75rem",
    "flex": "1",
    "min_width": "0",
    "padding": "0.5rem 0.5rem",
    "min_height": "56px",
    "border_radius": "var(--radius-3)",
    "text_align": "left",
}


def _menu(row: rx.Var[SongRow]) -> rx.Component:
    ready = row.status == "ready"
    own_ready = row.mine & ready
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis-vertical", size=18),
                variant="ghost",
                color_scheme="gray",
                size="3",
                aria_label="More for " + row.title,
            )
        ),
        rx.menu.content(
            rx.cond(
                ready,
                rx.fragment(
                    rx.menu.item(
                        rx.icon("list-start", size=16), "Play next", on_select=PlayerState.play_next(row.song_id)
                    ),
                    rx.menu.item(
                        rx.icon("list-plus", size=16), "Add to queue", on_select=PlayerState.add_to_queue(row.song_id)
                    ),
                    rx.menu.item(
                        rx.icon("list-video", size=16),
                        "Add to playlist…",
                        on_select=AddToPlaylistState.open_for_song(row.song_id, row.title),
                    ),
                ),
            ),
            rx.cond(
                own_ready,
                rx.fragment(
                    rx.menu.item(rx.icon("pencil", size=16), "Edit details", on_select=SongActionsState.open_edit(row)),
                    rx.cond(
                        SessionState.is_paired,
                        rx.cond(
                            row.shared,
                            rx.menu.item(
                                rx.icon("lock", size=16),
                                "Make private",
                                on_select=SongActionsState.set_visibility(row.song_id, "private"),
                            ),
                            rx.menu.item(
                                rx.icon("share-2", size=16),
                                "Share with my partner",
                                on_select=SongActionsState.set_visibility(row.song_id, "partner"),
                            ),
                        ),
                    ),
                ),
            ),
            rx.cond(
                row.mine,
                rx.fragment(
                    rx.menu.separator(),
                    rx.menu.item(
                        rx.icon("trash-2", size=16),
                        "Delete",
                        color="red",
                        on_select=SongActionsState.ask_delete(row.song_id, row.title),
                    ),
                ),
            ),
            rx.cond(
                ~row.mine & ~ready,
                rx.menu.item("Nothing to do yet", disabled=True),
            ),
        ),
    )


def song_row(row: rx.Var[SongRow], playable_ids: rx.Var[list[str]]) -> rx.Component:
    """One song: a button that plays it (when ready), and its menu."""
    return rx.el.li(
        rx.cond(
            row.status == "ready",
            rx.el.button(
                *_row_body(row),
                type="button",
                on_click=PlayerState.play_songs(playable_ids, row.play_index),
                aria_label="Play " + row.title,
                background="transparent",
                border="none",
                color="inherit",
                cursor="pointer",
                font="inherit",
                _hover={"background": rx.color("gray", 3)},
                _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "-2px"},
                **_ROW_STYLE,
            ),
            rx.el.div(*_row_body(row), **_ROW_STYLE),
        ),
        _menu(row),
        display="flex",
        align_items="center",
        gap="0.25rem",
        list_style="none",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-song-status": row.status},
    )


def song_list(rows: rx.Var[list[SongRow]], playable_ids: rx.Var[list[str]], label: str) -> rx.Component:
    return rx.el.ul(
        rx.foreach(rows, lambda row: song_row(row, playable_ids)),
        aria_label=label,
        padding="0",
        margin="0",
        width="100%",
    )


def play_all_buttons(playable_ids: rx.Var[list[str]]) -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("play", size=16),
            "Play all",
            on_click=PlayerState.play_songs(playable_ids, 0),
            disabled=playable_ids.length() == 0,
            size="3",
        ),
        spacing="2",
    )


# ---------------------------------------------------------------- dialogs


def _edit_field(label: str, name: str, input_mode: str = "text", **props: Any) -> rx.Component:
    field_id = f"song-edit-{name.replace('_', '-')}"
    error = SongActionsState.edit_errors.get(name, "")
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="500", font_size="var(--font-size-2)"),
        rx.input(
            id=field_id,
            name=name,
            default_value=SongActionsState.edit_song.get(name, ""),
            input_mode=input_mode,
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=f"{field_id}-error",
            auto_complete="off",
            size="3",
            width="100%",
            **props,
        ),
        rx.cond(error != "", rx.text(error, id=f"{field_id}-error", size="2", color_scheme="red")),
        spacing="1",
        width="100%",
        align="stretch",
    )


def _cover_editor() -> rx.Component:
    """The song's cover (or a placeholder), a picture to change it to, and "Remove cover"."""
    state = SongActionsState
    return picture_editor(
        cover(state.edit_cover, size="88px", icon_size=32),
        input_id=COVER_INPUT_ID,
        busy=state.cover_busy,
        choose=state.choose_cover,
        choose_label="Change cover",
        choose_id=COVER_CHANGE_ID,
        choose_variant="soft",
        has_picture=state.edit_cover != "",
        remove=state.remove_cover,
        stage=state.cover_stage,
        progress_id=COVER_PROGRESS_ID,
        error=state.cover_error,
        notice=state.cover_notice,
        role="group",
        aria_label="Cover",
    )


def _edit_dialog() -> rx.Component:
    state = SongActionsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit details"),
            rx.dialog.description("What the library shows of this song.", size="2", color_scheme="gray"),
            rx.box(_cover_editor(), margin_y="1rem"),
            rx.form(
                rx.vstack(
                    form_error(state.edit_error),
                    _edit_field("Title", "title", max_length=200),
                    _edit_field("Artist", "artist", max_length=200),
                    _edit_field("Album", "album", max_length=200),
                    _edit_field("Album artist", "album_artist", max_length=200),
                    rx.grid(
                        _edit_field("Track", "track_number", "numeric", max_length=4),
                        _edit_field("Disc", "disc_number", "numeric", max_length=3),
                        _edit_field("Year", "year", "numeric", max_length=4),
                        columns="3",
                        gap="0.75rem",
                        width="100%",
                    ),
                    _edit_field("Genre", "genre", max_length=200),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Cancel", type="button", variant="soft", color_scheme="gray", disabled=state.cover_busy
                            )
                        ),
                        rx.button(
                            rx.spinner(loading=state.saving, size="1"),
                            "Save",
                            type="submit",
                            disabled=state.saving | state.cover_busy,
                        ),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=state.save_edit,
                reset_on_submit=False,
                key=state.edit_song.get("song_id", ""),
            ),
            max_width="520px",
        ),
        open=state.edit_open,
        on_open_change=state.set_edit_open,
    )


def _delete_dialog() -> rx.Component:
    state = SongActionsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete “", state.delete_title, "”?"),
            rx.alert_dialog.description(
                "The song and its file are deleted for good, for you and your partner.", size="2"
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


def song_dialogs() -> rx.Component:
    """The song menu's dialogs (once per page that lists songs)."""
    return rx.fragment(_edit_dialog(), _delete_dialog(), add_to_playlist_dialog())


__all__ = ["MUSIC_TABS", "cover", "music_tabs", "play_all_buttons", "song_dialogs", "song_list", "song_row"]
