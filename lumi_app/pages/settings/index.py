"""Settings overview: the sub-pages, and logging out."""

from __future__ import annotations

import reflex as rx

from lumi_app import routes
from lumi_app.components.shell import PHONE_ONLY, page
from lumi_app.pages.settings.nav import settings_menu
from lumi_app.state.session import SessionState


@page(routes.SETTINGS, "Settings")
def settings() -> rx.Component:
    return rx.vstack(
        settings_menu(),
        rx.button(
            rx.icon("log-out", size=16),
            "Log out",
            on_click=SessionState.logout,
            variant="soft",
            color_scheme="gray",
            size="3",
            # On wider screens the sidebar has the same button; one at a time keeps its name unique.
            display=PHONE_ONLY,
        ),
        spacing="5",
        width="100%",
        align="start",
    )
