"""The queue: what plays now and what comes next, in order; move a song up or down (one API
call per move, focus staying on the moved song's button) or drag it to its place, remove one,
clear them all, or play any of them. The player's state (``lumi_app/state/player.py``) holds it,
so the bar and this page always agree."""

from __future__ import annotations

import reflex as rx

from lumi_app import routes
from lumi_app.components.playlists import add_to_playlist_dialog
from lumi_app.components.shell import page
from lumi_app.state.player import PlayerState, QueuedSong
from lumi_app.state.playlists import AddToPlaylistState


def _cover(song: QueuedSong) -> rx.Component:
    return rx.cond(
        song.cover_url != "",
        rx.image(src=song.cover_url, alt="", width="44px", height="44px", border_radius="var(--radius-2)"),
        rx.center(
            rx.icon("music", size=18, aria_hidden="true"),
            width="44px",
            height="44px",
            flex_shrink="0",
            border_radius="var(--radius-2)",
            background=rx.color("accent", 4),
            color=rx.color("accent", 11),
        ),
    )


def _entry(song: QueuedSong, index: rx.Var[int]) -> rx.Component:
    playing = song.entry_id == PlayerState.current_entry_id
    last = index == PlayerState.queue.length() - 1
    return rx.el.li(
        rx.hstack(
            rx.button(
                _cover(song),
                rx.vstack(
                    rx.cond(playing, rx.badge("Now playing", size="1", variant="soft")),
                    rx.text(
                        song.title,
                        size="2",
                        weight=rx.cond(playing, "bold", "medium"),
                        color=rx.cond(playing, rx.color("accent", 11), rx.color("gray", 12)),
                        truncate=True,
                        width="100%",
                    ),
                    rx.text(song.artist, size="1", color_scheme="gray", truncate=True, width="100%"),
                    spacing="0",
                    align="start",
                    min_width="0",
                    width="100%",
                ),
                on_click=PlayerState.play_entry(song.entry_id),
                id=f"queue-play-{song.entry_id}",
                aria_label=f"Play {song.title}",
                variant="ghost",
                color_scheme="gray",
                height="auto",
                padding="0.25rem",
                justify_content="start",
                flex="1",
                min_width="0",
                text_align="left",
            ),
            rx.text(song.duration, size="1", color_scheme="gray", display=rx.breakpoints(initial="none", sm="block")),
            rx.icon_button(
                rx.icon("arrow-up", size=16, aria_hidden="true"),
                on_click=PlayerState.move(song.entry_id, -1),
                disabled=index == 0,
                id=f"queue-up-{song.entry_id}",
                aria_label=f"Move {song.title} up",
                variant="ghost",
                color_scheme="gray",
            ),
            rx.icon_button(
                rx.icon("arrow-down", size=16, aria_hidden="true"),
                on_click=PlayerState.move(song.entry_id, 1),
                disabled=last,
                id=f"queue-down-{song.entry_id}",
                aria_label=f"Move {song.title} down",
                variant="ghost",
                color_scheme="gray",
            ),
            rx.icon_button(
                rx.icon("list-video", size=16, aria_hidden="true"),
                on_click=AddToPlaylistState.open_for_song(song.song_id, song.title),
                aria_label=f"Add {song.title} to a playlist",
                variant="ghost",
                color_scheme="gray",
            ),
            rx.icon_button(
                rx.icon("x", size=16, aria_hidden="true"),
                on_click=PlayerState.remove(song.entry_id),
                aria_label=f"Remove {song.title} from the queue",
                variant="ghost",
                color_scheme="gray",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        aria_current=rx.cond(playing, "true", "false"),
        draggable=True,
        custom_attrs={"data-queue-entry": song.entry_id},
        cursor="grab",
        padding="0.25rem 0.5rem",
        border_radius="var(--radius-3)",
        background=rx.cond(playing, rx.color("accent", 3), "transparent"),
        list_style="none",
    )


def _empty() -> rx.Component:
    return rx.vstack(
        rx.icon("list-music", size=32, color=rx.color("gray", 9), aria_hidden="true"),
        rx.text("Nothing in your queue.", weight="medium"),
        rx.text("Play a song from your music, or add songs to the queue from any song's menu.", color_scheme="gray"),
        rx.link("Go to your music", href=routes.MUSIC),
        align="center",
        text_align="center",
        spacing="2",
        padding_y="3rem",
    )


def _queue() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                PlayerState.queue.length(),
                rx.cond(PlayerState.queue.length() == 1, " song", " songs"),
                color_scheme="gray",
                size="2",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("list-x", size=16, aria_hidden="true"),
                "Clear queue",
                on_click=PlayerState.clear,
                variant="soft",
                color_scheme="gray",
            ),
            align="center",
            width="100%",
        ),
        rx.el.ol(
            rx.foreach(PlayerState.queue, _entry),
            aria_label="Queue",
            style={"padding": "0", "margin": "0", "display": "flex", "flexDirection": "column", "gap": "0.25rem"},
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _body() -> rx.Component:
    return rx.cond(
        PlayerState.loaded,
        rx.fragment(
            rx.cond(
                PlayerState.error != "",
                rx.callout(
                    PlayerState.error, icon="triangle-alert", color_scheme="red", role="alert", margin_bottom="1rem"
                ),
            ),
            rx.cond(PlayerState.has_queue, _queue(), _empty()),
        ),
        rx.center(rx.spinner(), role="status", aria_label="Loading your queue", padding_y="3rem"),
    )


@page(routes.MUSIC_QUEUE, "Queue", on_load=[PlayerState.load_queue])
def music_queue() -> rx.Component:
    return rx.fragment(_body(), add_to_playlist_dialog())
