"""The list of settings sub-pages, shown on /settings and above every sub-page."""

from __future__ import annotations

import reflex as rx

from lumi_app import routes
from lumi_app.state.session import SessionState

SETTINGS_PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("Account", routes.SETTINGS_ACCOUNT, "user-round", "Display name, username and photo"),
    ("Security", routes.SETTINGS_SECURITY, "shield", "Password and deleting your account"),
    ("Notifications", routes.SETTINGS_NOTIFICATIONS, "bell", "Push notifications on this device, and what they cover"),
    ("Appearance", routes.SETTINGS_APPEARANCE, "sun-moon", "Light, dark or like your device"),
    ("Relationship", routes.SETTINGS_RELATIONSHIP, "heart", "Your partner, anniversary, leaving"),
    ("Dates", routes.SETTINGS_DATES, "calendar-heart", "When date reminders come, and your calendar link"),
    ("Music", routes.SETTINGS_MUSIC, "music", "The storage your songs use"),
)


def settings_tabs() -> rx.Component:
    """Compact links between the sub-pages (wraps on a phone rather than scrolling sideways)."""
    path = SessionState.router.url.path

    def tab(label: str, route: str) -> rx.Component:
        current = (path == route) | (path == f"{route}/")
        return rx.link(
            label,
            href=route,
            underline="none",
            size="2",
            padding="0.35rem 0.75rem",
            border_radius="var(--radius-5)",
            color=rx.cond(current, rx.color("accent", 11), rx.color("gray", 11)),
            background=rx.cond(current, rx.color("accent", 3), rx.color("gray", 3)),
            aria_current=rx.cond(current, "page", "false"),
        )

    return rx.el.nav(
        rx.flex(*[tab(label, route) for label, route, _, _ in SETTINGS_PAGES], spacing="2", wrap="wrap"),
        aria_label="Settings",
        margin_bottom="1rem",
    )


def settings_menu() -> rx.Component:
    """The full list with descriptions, for the settings overview."""

    def entry(label: str, route: str, icon: str, text: str) -> rx.Component:
        return rx.el.li(
            rx.link(
                rx.hstack(
                    rx.icon(icon, size=20),
                    rx.vstack(
                        rx.text(label, weight="medium"),
                        rx.text(text, size="2", color_scheme="gray"),
                        spacing="0",
                        min_width="0",
                    ),
                    rx.spacer(),
                    rx.icon("chevron-right", size=18, color=rx.color("gray", 9)),
                    align="center",
                    spacing="3",
                    width="100%",
                ),
                href=route,
                underline="none",
                color="inherit",
                display="block",
                padding="0.85rem 1rem",
                _hover={"background": rx.color("gray", 3)},
            ),
            list_style="none",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        )

    return rx.el.nav(
        rx.el.ul(*[entry(*item) for item in SETTINGS_PAGES], padding="0", margin="0"),
        aria_label="Settings",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-4)",
        overflow="hidden",
        width="100%",
    )
