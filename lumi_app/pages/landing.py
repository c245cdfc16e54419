"""The landing page: what Lumi is, and the way in."""

from __future__ import annotations

import reflex as rx

from lumi_app import routes
from lumi_app.components.forms import link_button
from lumi_app.components.shell import page
from lumi_app.state.session import SessionState


def _feature(icon: str, title: str, text: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=22, color=rx.color("accent", 10)),
            rx.heading(title, size="3", as_="h3"),
            rx.text(text, size="2", color_scheme="gray"),
            spacing="2",
        ),
        width="100%",
    )


@page(routes.LANDING, "Welcome", public=True)
def landing() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("A little light for the two of you", size="8", as_="h1", text_align="center"),
            rx.text(
                "Lumi is a private space for you and your partner: share moments, send each other "
                "songs and sweet words, and keep your own music in one place.",
                size="4",
                color_scheme="gray",
                text_align="center",
                max_width="560px",
            ),
            rx.cond(
                SessionState.signed_in,
                rx.hstack(
                    link_button("Open Lumi", routes.HOME, size="3"),
                    rx.text("Signed in as ", rx.text.strong(SessionState.display_name), size="2"),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                    justify="center",
                ),
                rx.hstack(
                    link_button("Sign up", routes.REGISTER, size="3"),
                    link_button("Log in", routes.LOGIN, size="3", variant="outline"),
                    spacing="3",
                    justify="center",
                ),
            ),
            align="center",
            spacing="5",
            padding_y="3rem",
            width="100%",
        ),
        rx.grid(
            _feature(
                "heart-handshake", "Just the two of you", "Pair with your partner and keep everything between you."
            ),
            _feature("images", "Moments", "Short videos and photos of your days, with a chat for each one."),
            _feature("music", "Your music", "Upload your songs, make playlists, recommend tracks to each other."),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="4",
            width="100%",
        ),
        spacing="6",
        width="100%",
    )
