"""The page template: every page is declared with :func:`page` and only describes its content.

The shell owns navigation (a bottom bar on a phone, a sidebar from 768 px up), the header
with the partner's presence badge and the notification bell (live, see
``lumi_app/state/realtime.py``), a slot for the player bar still to come, and the signed-in
gate: a protected page shows its content only once the session is resumed, so nobody sees
a flash of someone's data before a redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx

from lumi_app import routes
from lumi_app.components.avatar import avatar
from lumi_app.components.live import notification_bell, presence_badge, presence_bridge
from lumi_app.components.player import player_bar, player_bridge
from lumi_app.state.realtime import RealtimeState
from lumi_app.state.session import SessionState
from lumi_app.state.visit import VisitState, visit_open

SIDEBAR_WIDTH = "240px"
BOTTOM_NAV_HEIGHT = "64px"
# Radix/Reflex breakpoint "sm" = 48em (768 px): phones below it, tablets and desktops above.
PHONE_ONLY = rx.breakpoints(initial="flex", sm="none")
WIDE_ONLY = rx.breakpoints(initial="none", sm="flex")


class NavItem:
    def __init__(self, label: str, route: str, icon: str) -> None:
        self.label = label
        self.route = route
        self.icon = icon


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", routes.HOME, "house"),
    NavItem("Moments", routes.MOMENTS, "clapperboard"),
    NavItem("Affirmations", routes.AFFIRMATIONS_RECEIVED, "sparkles"),
    NavItem("Dates", routes.DATES, "calendar-heart"),
    NavItem("Music", routes.MUSIC, "music"),
    NavItem("Partner", routes.PAIRING, "heart"),
    NavItem("Settings", routes.SETTINGS, "settings"),
)


def _is_current(route: str) -> rx.Var[bool]:
    path = SessionState.router.url.path
    if route in (routes.SETTINGS, routes.MOMENTS, routes.MUSIC):
        return path.startswith(route)
    if route == routes.AFFIRMATIONS_RECEIVED:
        return path.startswith(routes.AFFIRMATIONS)
    return (path == route) | (path == f"{route}/")


# ---------------------------------------------------------------- header pieces and slots


def presence_badge_slot() -> rx.Component:
    """Header: the partner's presence (online / idle / offline) badge."""
    return rx.cond(SessionState.signed_in, presence_badge())


def notification_bell_slot() -> rx.Component:
    """Header: the notification bell with its live unread count."""
    return rx.cond(SessionState.signed_in, notification_bell())


def player_bar_slot() -> rx.Component:
    """Above the bottom navigation (phone) / at the bottom of the content (desktop): the music player bar
    (once there is a queue), its bridge to ``lumi-player.js`` and the shortcuts help."""
    return rx.cond(
        SessionState.signed_in,
        rx.fragment(player_bar(SIDEBAR_WIDTH, BOTTOM_NAV_HEIGHT), player_bridge()),
    )


# ---------------------------------------------------------------- building blocks


def logo(size: str = "6") -> rx.Component:
    return rx.link(
        rx.hstack(
            # 2x of the 28 px it is shown at (2.6 KB instead of the 12 KB app icon: every page's header has it).
            rx.image(
                src="/logo-56.png",
                alt="",
                width="28px",
                height="28px",
                border_radius="8px",
                custom_attrs={"width": "28", "height": "28"},
            ),
            rx.text("Lumi", size=size, weight="bold"),  # a name, not a heading: pages have their own
            align="center",
            spacing="2",
        ),
        href=routes.LANDING,
        underline="none",
        color="inherit",
        aria_label="Lumi",
    )


def user_avatar(size: str = "3") -> rx.Component:
    return avatar(SessionState.avatar_url, SessionState.initials, SessionState.display_name, size=size)


def _sidebar_link(item: NavItem) -> rx.Component:
    current = _is_current(item.route)
    return rx.link(
        rx.hstack(rx.icon(item.icon, size=18), rx.text(item.label, size="3"), align="center", spacing="3"),
        href=item.route,
        underline="none",
        padding="0.6rem 0.75rem",
        border_radius="var(--radius-3)",
        color=rx.cond(current, rx.color("accent", 11), rx.color("gray", 12)),
        background=rx.cond(current, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("accent", 4)},
        aria_current=rx.cond(current, "page", "false"),
        display="block",
        width="100%",
    )


def sidebar() -> rx.Component:
    return rx.el.nav(
        rx.vstack(
            logo(),
            rx.vstack(*[_sidebar_link(item) for item in NAV_ITEMS], spacing="1", width="100%"),
            rx.spacer(),
            rx.cond(
                SessionState.signed_in,
                rx.hstack(
                    user_avatar("2"),
                    rx.vstack(
                        rx.text(SessionState.display_name, size="2", weight="medium", trim="both"),
                        rx.text("@", SessionState.username, size="1", color_scheme="gray"),
                        spacing="1",
                        min_width="0",
                    ),
                    align="center",
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.button(
                rx.icon("log-out", size=16),
                "Log out",
                on_click=SessionState.logout,
                variant="soft",
                color_scheme="gray",
                width="100%",
            ),
            height="100%",
            padding="1.25rem 1rem",
            spacing="5",
        ),
        aria_label="Main",
        display=WIDE_ONLY,
        position="fixed",
        top="0",
        left="0",
        bottom="0",
        width=SIDEBAR_WIDTH,
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        z_index="10",
    )


def _bottom_link(item: NavItem) -> rx.Component:
    current = _is_current(item.route)
    return rx.link(
        rx.vstack(
            rx.icon(item.icon, size=22),
            rx.text(item.label, size="1", weight=rx.cond(current, "bold", "regular"), white_space="nowrap"),
            align="center",
            spacing="1",
        ),
        href=item.route,
        underline="none",
        color=rx.cond(current, rx.color("accent", 11), rx.color("gray", 11)),
        aria_current=rx.cond(current, "page", "false"),
        # Six items on a 390 px phone: each as wide as its label, the room left shared out.
        flex="1 1 auto",
        min_width="0",
        display="flex",
        justify_content="center",
        padding_y="0.5rem",
    )


def bottom_nav() -> rx.Component:
    return rx.el.nav(
        rx.hstack(*[_bottom_link(item) for item in NAV_ITEMS], width="100%", spacing="0"),
        aria_label="Main",
        display=PHONE_ONLY,
        position="fixed",
        left="0",
        right="0",
        bottom="0",
        height=BOTTOM_NAV_HEIGHT,
        padding_bottom="env(safe-area-inset-bottom)",
        border_top=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        z_index="10",
    )


def header(title: str, *, heading: bool = True) -> rx.Component:
    """The top bar; ``heading=False`` for a page whose content has its own h1 (the title is plain text then)."""
    title_component = (
        rx.heading(title, size="5", as_="h1", display=WIDE_ONLY)
        if heading
        else rx.text(title, size="5", weight="bold", display=WIDE_ONLY)
    )
    return rx.el.header(
        rx.hstack(
            rx.box(logo("5"), display=PHONE_ONLY),
            title_component,
            rx.spacer(),
            rx.hstack(
                presence_badge_slot(),
                notification_bell_slot(),
                rx.cond(SessionState.signed_in, rx.box(user_avatar("2"), display=PHONE_ONLY)),
                align="center",
                spacing="3",
                min_width="0",
            ),
            align="center",
            width="100%",
        ),
        padding="0.75rem 1rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        position="sticky",
        top="0",
        background=rx.color("gray", 1),
        z_index="5",
    )


def _waiting() -> rx.Component:
    return rx.center(
        rx.vstack(rx.spinner(size="3"), rx.text("Opening Lumi…", color_scheme="gray"), align="center"),
        padding_y="4rem",
        role="status",
    )


def _unreachable() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.callout(SessionState.unreachable_message, icon="wifi-off", color_scheme="amber", role="alert"),
            rx.button("Try again", on_click=SessionState.retry),
            align="center",
            spacing="3",
        ),
        padding_y="4rem",
    )


CONTENT_WIDTH = "760px"
WIDE_CONTENT_WIDTH = "1200px"


def live_paused_banner() -> rx.Component:
    """While the app has lost its live connection: changes still save, and show once it is back."""
    return rx.cond(
        RealtimeState.live_paused,
        rx.callout(
            "Live updates are paused while Lumi reconnects. What you do is saved; "
            "what changed meanwhile shows as soon as it is back.",
            icon="wifi-off",
            color_scheme="amber",
            size="1",
            role="status",
            margin_bottom="1rem",
        ),
    )


def _opening_page() -> rx.Component:
    return rx.center(
        rx.hstack(rx.spinner(), rx.text("Loading…", color_scheme="gray"), align="center"),
        padding_y="3rem",
        role="status",
    )


def visit_gate(content: rx.Component) -> rx.Component:
    """The page's content once this visit's loads have begun, never what it held on another visit."""
    return rx.cond(visit_open(), content, _opening_page())


def _phone_heading(title: str) -> rx.Component:
    """A phone has no title in its top bar (the logo is there): the page's h1 opens the content."""
    return rx.heading(title, size="6", as_="h1", display=PHONE_ONLY, margin_bottom="1rem")


def skip_link() -> rx.Component:
    """The first thing a keyboard reaches: straight to the page's content (hidden until focused)."""
    return rx.el.a(
        "Skip to content",
        href="#main",
        # A fragment link only moves where Tab goes next; focus the content itself, as a screen
        # reader's user expects.
        on_click=rx.call_script("document.getElementById('main')?.focus()"),
        class_name="lumi-skip-link",
        position="absolute",
        left="0.5rem",
        top="-3rem",
        z_index="100",
        padding="0.5rem 0.75rem",
        border_radius="var(--radius-2)",
        background=rx.color("accent", 9),
        color="white",
        _focus={"top": "0.5rem"},
    )


def app_shell(title: str, content: rx.Component, *, wide: bool = False, heading: bool = True) -> rx.Component:
    """The signed-in layout around a page's content (``wide``: grids, and a video beside its chat;
    ``heading=False``: the content has its own h1)."""
    gated = rx.cond(
        SessionState.signed_in,
        rx.fragment(live_paused_banner(), visit_gate(content)),
        rx.cond(SessionState.unreachable_message != "", _unreachable(), _waiting()),
    )
    return rx.box(
        skip_link(),
        sidebar(),
        rx.box(
            header(title, heading=heading),
            rx.el.main(
                rx.heading(title, size="6", as_="h1", display=PHONE_ONLY, margin_bottom="1rem")
                if heading
                else rx.fragment(),
                gated,
                id="main",
                tab_index=-1,
                padding="1rem",
                max_width=WIDE_CONTENT_WIDTH if wide else CONTENT_WIDTH,
                width="100%",
                margin_x="auto",
            ),
            player_bar_slot(),
            margin_left=rx.breakpoints(initial="0", sm=SIDEBAR_WIDTH),
            padding_bottom=rx.breakpoints(initial=f"calc({BOTTOM_NAV_HEIGHT} + 1rem)", sm="1rem"),
            min_width="0",
        ),
        bottom_nav(),
        presence_bridge(),
        min_height="100vh",
        # Nothing scrolls sideways. "clip", not "hidden": hidden would make this box a scroll
        # container, and a position: sticky inside it (a phone's pinned chat box) would stick to
        # this box instead of the page. Browsers without clip (Safari before 16) keep hidden.
        style={"overflowX": "hidden", "@supports (overflow: clip)": {"overflowX": "clip"}},
    )


def public_shell(content: rx.Component) -> rx.Component:
    """The layout of pages anyone can see (landing, sign in, sign up)."""
    return rx.box(
        skip_link(),
        rx.el.header(
            rx.hstack(logo(), rx.spacer(), align="center", width="100%", max_width="960px", margin_x="auto"),
            padding="1rem",
        ),
        rx.el.main(content, id="main", tab_index=-1, padding="1rem", max_width="960px", width="100%", margin_x="auto"),
        min_height="100vh",
        overflow_x="hidden",
    )


# ---------------------------------------------------------------- the decorator

PageFn = Callable[[], rx.Component]


def page(
    route: str,
    title: str,
    *,
    on_load: Sequence[Any] = (),
    public: bool = False,
    guest_only: bool = False,
    wide: bool = False,
    heading: bool = True,
) -> Callable[[PageFn], PageFn]:
    """Register a page with its shell.

    Protected pages (the default) first resume the session or redirect to sign in, then
    run their own ``on_load``; the last one marks the visit ready to show (``VisitState.show``),
    and until then the shell shows "Loading…" instead of the page (``visit_gate``). ``public``
    pages show without a session (and at once); ``guest_only`` ones (sign in, sign up) send a
    signed-in person to the app instead. ``heading=False``: the page's content has its own h1,
    so the shell shows the title without making it a heading.
    """
    if public or guest_only:
        guard = SessionState.redirect_if_signed_in if guest_only else SessionState.check
        loads = [guard, *on_load, VisitState.show]
    else:
        # resume: start (or re-key) the tab's live task; runs again after every reconnect.
        loads = [SessionState.require_signed_in, RealtimeState.resume, *on_load, VisitState.show]

    def decorator(content: PageFn) -> PageFn:
        def render() -> rx.Component:
            body = content()
            if public:  # the landing page: shown at once (first paint), it keeps nothing per visit
                return public_shell(body)
            if guest_only:
                return public_shell(visit_gate(body))
            return app_shell(title, body, wide=wide, heading=heading)

        render.__name__ = content.__name__
        render.__module__ = content.__module__
        rx.page(route=route, title=f"{title} · Lumi", on_load=loads)(render)
        return content

    return decorator
