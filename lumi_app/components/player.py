"""The music player bar, its bridge to ``assets/lumi-player.js``, and the shortcuts help dialog.

The bar shows what :class:`~lumi_app.state.player.PlayerState` holds (the song, the queue);
everything that changes while a song plays (time, seek bar, play/pause, volume, shuffle,
repeat) is painted by the JS straight into the DOM, found by id, so playing costs no websocket
traffic. Its buttons call the JS on the client (``rx.call_script`` runs in the browser).
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventChain, LiteralEventChainVar
from reflex_base.vars import Var, VarData

from lumi_app import routes
from lumi_app.state.player import PlayerState

BAR_ID = "lumi-player-bar"
HELP_ID = "lumi-player-help"
PHONE_BAR_HEIGHT = "64px"
WIDE_BAR_HEIGHT = "84px"
BAR_HEIGHT = rx.breakpoints(initial=PHONE_BAR_HEIGHT, sm=WIDE_BAR_HEIGHT)
PHONE_ONLY = rx.breakpoints(initial="flex", sm="none")
WIDE_ONLY = rx.breakpoints(initial="none", sm="flex")

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "Play or pause"),
    ("← / →", "Back / forward 10 seconds (with Shift: 30 seconds)"),
    ("↑ / ↓", "Volume up / down"),
    ("M", "Mute or unmute"),
    ("N", "Next song"),
    ("P", "Previous song (or back to the start of this one)"),
    ("/", "Search your music (on the music pages)"),
    ("?", "Show these shortcuts"),
)


def _js(call: str) -> rx.event.EventSpec:
    return rx.call_script(f"window.lumiPlayer && window.lumiPlayer.{call}")


class PlayerBridge(rx.Fragment):
    """Hands ``lumi-player.js`` a function that sends ``PlayerState.from_player(kind, data)``
    (Reflex's own event dispatch, as the presence bridge does)."""

    def add_hooks(self) -> list[str | Var]:
        send = LiteralEventChainVar.create(
            EventChain.create(PlayerState.from_player, args_spec=lambda kind, data: [kind, data], key="player")
        )
        code = (
            "useEffect(() => {"
            f" const send = {send};"
            " window.__lumiPlayerSend = send;"
            " window.lumiPlayer?.attach(send);"
            " return () => { if (window.__lumiPlayerSend === send) { window.__lumiPlayerSend = null; }"
            " window.lumiPlayer?.detach(send); };"
            " }, []);"
        )
        imports = VarData(imports={"react": ["useEffect"]})
        return [Var(code, _var_data=VarData.merge(send._get_all_var_data(), imports))]


def _icon_button(label: str, icon: str, call: str, element_id: str = "", **props) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=18, aria_hidden="true"),
        on_click=_js(call),
        aria_label=label,
        title=label,
        variant="ghost",
        color_scheme="gray",
        size="2",
        **({"id": element_id} if element_id else {}),
        **props,
    )


def _toggle_button(element_id: str = "", size: str = "3") -> rx.Component:
    """Play/pause: both icons there, the JS's ``data-playing`` shows one."""
    return rx.icon_button(
        rx.icon("play", size=20, class_name="lumi-icon-play", aria_hidden="true"),
        rx.icon("pause", size=20, class_name="lumi-icon-pause", aria_hidden="true"),
        on_click=_js("toggle()"),
        aria_label="Play",
        size=size,
        radius="full",
        **({"id": element_id} if element_id else {}),
        custom_attrs={"data-lumi-toggle": "", "data-playing": "false"},
        style={
            "& .lumi-icon-pause": {"display": "none"},
            "&[data-playing='true'] .lumi-icon-pause": {"display": "block"},
            "&[data-playing='true'] .lumi-icon-play": {"display": "none"},
        },
    )


def _cover(size: str) -> rx.Component:
    song = PlayerState.now_playing
    return rx.cond(
        song.cover_url != "",
        rx.image(
            src=song.cover_url,
            alt="",
            width=size,
            height=size,
            border_radius="var(--radius-2)",
            object_fit="cover",
            flex_shrink="0",
        ),
        rx.center(
            rx.icon("music", size=20, aria_hidden="true"),
            width=size,
            height=size,
            flex_shrink="0",
            border_radius="var(--radius-2)",
            background=rx.color("accent", 4),
            color=rx.color("accent", 11),
        ),
    )


def _titles() -> rx.Component:
    song = PlayerState.now_playing
    return rx.vstack(
        rx.text(song.title, size="2", weight="medium", truncate=True, width="100%"),
        rx.text(song.artist, size="1", color_scheme="gray", truncate=True, width="100%"),
        spacing="0",
        min_width="0",
        width="100%",
    )


def _seek_bar() -> rx.Component:
    return rx.hstack(
        rx.text("0:00", id="lumi-player-elapsed", size="1", color_scheme="gray", min_width="2.5rem", align="right"),
        rx.box(
            rx.el.canvas(
                id="lumi-player-wave",
                aria_hidden="true",
                style={
                    "display": "block",
                    "width": "100%",
                    "height": "28px",
                    "--lumi-played": rx.color("accent", 9),
                    "--lumi-rest": rx.color("gray", 6),
                },
            ),
            id="lumi-player-seek",
            role="slider",
            tab_index=0,
            aria_label="Seek",
            custom_attrs={"aria-valuemin": "0", "aria-valuemax": "0", "aria-valuenow": "0", "aria-valuetext": ""},
            flex="1",
            min_width="0",
            cursor="pointer",
            border_radius="var(--radius-2)",
            _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outline_offset": "2px"},
        ),
        rx.text("-0:00", id="lumi-player-remaining", size="1", color_scheme="gray", min_width="2.5rem"),
        align="center",
        spacing="2",
        width="100%",
    )


def _repeat_button() -> rx.Component:
    return rx.icon_button(
        rx.icon("repeat", size=18, class_name="lumi-repeat-all", aria_hidden="true"),
        rx.icon("repeat-1", size=18, class_name="lumi-repeat-one", aria_hidden="true"),
        on_click=_js("setRepeat()"),
        aria_label="Repeat: off",
        title="Repeat (off, all, one)",
        variant="ghost",
        color_scheme="gray",
        size="2",
        id="lumi-player-repeat",
        custom_attrs={"aria-pressed": "false", "data-repeat": "off"},
        style={
            "& .lumi-repeat-one": {"display": "none"},
            "&[data-repeat='one'] .lumi-repeat-one": {"display": "block"},
            "&[data-repeat='one'] .lumi-repeat-all": {"display": "none"},
            "&[aria-pressed='true']": {"color": rx.color("accent", 11)},
        },
    )


def _volume() -> rx.Component:
    return rx.hstack(
        rx.icon_button(
            rx.icon("volume-2", size=18, class_name="lumi-volume-on", aria_hidden="true"),
            rx.icon("volume-x", size=18, class_name="lumi-volume-off", aria_hidden="true"),
            on_click=_js("mute()"),
            aria_label="Mute",
            title="Mute (M)",
            variant="ghost",
            color_scheme="gray",
            size="2",
            id="lumi-player-mute",
            custom_attrs={"aria-pressed": "false", "data-muted": "false"},
            style={
                "& .lumi-volume-off": {"display": "none"},
                "&[data-muted='true'] .lumi-volume-off": {"display": "block"},
                "&[data-muted='true'] .lumi-volume-on": {"display": "none"},
            },
        ),
        rx.el.input(
            type="range",
            id="lumi-player-volume",
            min="0",
            max="100",
            step="1",
            default_value="100",
            aria_label="Volume",
            style={"width": "90px", "accentColor": rx.color("accent", 9)},
        ),
        align="center",
        spacing="1",
    )


def _wide_bar() -> rx.Component:
    return rx.hstack(
        rx.hstack(_cover("52px"), _titles(), align="center", spacing="3", width="26%", min_width="0"),
        rx.vstack(
            rx.hstack(
                rx.icon_button(
                    rx.icon("shuffle", size=18, aria_hidden="true"),
                    on_click=_js("setShuffle()"),
                    aria_label="Shuffle",
                    title="Shuffle",
                    variant="ghost",
                    color_scheme="gray",
                    size="2",
                    id="lumi-player-shuffle",
                    custom_attrs={"aria-pressed": "false"},
                    style={"&[aria-pressed='true']": {"color": rx.color("accent", 11)}},
                ),
                _icon_button("Previous song", "skip-back", "previous()"),
                _toggle_button("lumi-player-toggle"),
                _icon_button("Next song", "skip-forward", "next()"),
                _repeat_button(),
                align="center",
                spacing="3",
            ),
            _seek_bar(),
            align="center",
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            _volume(),
            rx.link(
                rx.icon("list-music", size=18, aria_hidden="true"),
                href=routes.MUSIC_QUEUE,
                aria_label="Queue",
                title="Queue",
                color=rx.color("gray", 11),
                display="flex",
                padding="6px",
            ),
            _icon_button("Keyboard shortcuts", "keyboard", "openHelp()"),
            align="center",
            justify="end",
            spacing="2",
            width="26%",
        ),
        display=WIDE_ONLY,
        align="center",
        spacing="4",
        width="100%",
        height="100%",
        padding_x="1rem",
    )


def _phone_bar() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(_cover("44px"), _titles(), align="center", spacing="3", min_width="0", width="100%"),
            href=routes.MUSIC_QUEUE,
            aria_label=f"Now playing: {PlayerState.now_playing.title}. Open the queue",
            underline="none",
            color="inherit",
            flex="1",
            min_width="0",
        ),
        _toggle_button(size="2"),
        _icon_button("Next song", "skip-forward", "next()"),
        display=PHONE_ONLY,
        align="center",
        spacing="3",
        width="100%",
        height="100%",
        padding_x="0.75rem",
    )


def player_bar(sidebar_width: str, bottom_nav_height: str) -> rx.Component:
    """The bar, fixed above a phone's bottom navigation / along a desktop's bottom right of the
    sidebar, and a spacer of its height in the page's flow so it never covers the content."""
    return rx.cond(
        PlayerState.has_queue,
        rx.fragment(
            rx.box(height=BAR_HEIGHT, aria_hidden="true"),
            rx.el.section(
                _phone_bar(),
                _wide_bar(),
                id=BAR_ID,
                aria_label="Music player",
                position="fixed",
                left=rx.breakpoints(initial="0", sm=sidebar_width),
                right="0",
                bottom=rx.breakpoints(initial=f"calc({bottom_nav_height} + env(safe-area-inset-bottom))", sm="0"),
                height=BAR_HEIGHT,
                border_top=f"1px solid {rx.color('gray', 5)}",
                background=rx.color("gray", 2),
                z_index="9",
            ),
        ),
    )


def shortcuts_dialog() -> rx.Component:
    """The keyboard shortcuts (? opens it; a native modal dialog: Escape closes it)."""
    return rx.el.dialog(
        rx.vstack(
            rx.heading("Keyboard shortcuts", size="4", as_="h2", id="lumi-player-help-title"),
            rx.el.dl(
                *[
                    rx.hstack(
                        rx.el.dt(rx.el.kbd(key), min_width="5rem", font_weight="bold"),
                        rx.el.dd(what, margin="0"),
                        spacing="3",
                    )
                    for key, what in SHORTCUTS
                ],
                style={"display": "flex", "flexDirection": "column", "gap": "0.5rem", "margin": "0"},
            ),
            rx.text("They work anywhere in Lumi, except while you type.", size="2", color_scheme="gray"),
            rx.el.form(rx.button("Close", type="submit", variant="soft"), method="dialog", align_self="end"),
            spacing="3",
        ),
        id=HELP_ID,
        aria_labelledby="lumi-player-help-title",
        style={
            "border": "none",
            "borderRadius": "var(--radius-4)",
            "padding": "1.25rem",
            "maxWidth": "min(28rem, calc(100vw - 2rem))",
            "background": rx.color("gray", 1),
            "color": rx.color("gray", 12),
            "&::backdrop": {"background": "rgba(0, 0, 0, 0.4)"},
        },
    )


def player_bridge() -> rx.Component:
    return rx.fragment(PlayerBridge.create(), shortcuts_dialog())
