"""Appearance: light, dark, or follow the device. Kept in the browser (Reflex's color mode)."""

from __future__ import annotations

import reflex as rx
from reflex.style import set_color_mode

from lumi_app import routes
from lumi_app.components.forms import section
from lumi_app.components.shell import page
from lumi_app.pages.settings.nav import settings_tabs

MODES: tuple[tuple[str, str, str], ...] = (
    ("light", "Light", "Always light."),
    ("dark", "Dark", "Always dark."),
    ("system", "System", "Follow your device's setting."),
)


def _option(value: str, label: str, text: str) -> rx.Component:
    return rx.radio_group.item(
        rx.vstack(rx.text(label, weight="medium"), rx.text(text, size="1", color_scheme="gray"), spacing="0"),
        value=value,
    )


@page(routes.SETTINGS_APPEARANCE, "Appearance")
def appearance() -> rx.Component:
    return rx.vstack(
        settings_tabs(),
        section(
            "Theme",
            rx.radio_group.root(
                rx.vstack(*[_option(*mode) for mode in MODES], spacing="3"),
                value=rx.color_mode,
                on_change=lambda mode: set_color_mode(mode),
                aria_label="Theme",
                size="3",
            ),
            rx.text("Your choice is remembered on this device.", size="1", color_scheme="gray"),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
