"""What an unpaired person gives their partner: their own username, and an invite to copy."""

from __future__ import annotations

import reflex as rx

from lumi_app.state.invite import InviteState
from lumi_app.state.session import SessionState


def invite_text() -> rx.Component:
    """ "Your username is @robin" and a button copying an invite (for Home and the pairing page)."""
    return rx.vstack(
        rx.text(
            "Your username is ",
            rx.text.strong("@", SessionState.username),
            ". Give it to your partner so they can send you a request, or send one to them.",
        ),
        rx.hstack(
            rx.button(
                # two static icons: a name chosen at run time would load every icon (DynamicIcon, 245 KB)
                rx.cond(InviteState.copied, rx.icon("check", size=16), rx.icon("copy", size=16)),
                rx.cond(InviteState.copied, "Copied", "Copy an invite"),
                on_click=InviteState.copy,
                variant="soft",
                aria_label="Copy an invite for your partner",
            ),
            rx.el.span(
                rx.cond(InviteState.copied, "The invite is copied: paste it in a message to your partner.", ""),
                rx.cond(
                    InviteState.copy_failed, "This browser did not let Lumi copy. Share your username instead.", ""
                ),
                role="status",
                font_size="var(--font-size-2)",
                color=rx.color("gray", 11),
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        spacing="2",
        align="start",
        width="100%",
    )


__all__ = ["invite_text"]
