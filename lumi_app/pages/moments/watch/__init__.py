"""Watching a moment (``/moments/watch?id=…``): the video (a signed URL that serves HTTP Range, so
seeking works) or the photo (upright, without metadata), what it is about, and the couple's chat
beside it (below it on a phone, its message box pinned above the bottom bar).

A package: ``state`` (the moment, the owner's edit and delete, live changes), ``moment`` (its
view). The chat is a component with its own state (``lumi_app/components/chat``).
``assets/lumi-chat.js`` sends with Enter, keeps the chat scrolled to the newest message, says
when the tab is looked at again so the partner's messages count as read, and renews a video
whose signed URL stopped working.
"""

from __future__ import annotations

import reflex as rx

from lumi_app import routes
from lumi_app.components.chat import chat_panel
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import loading
from lumi_app.components.shell import page
from lumi_app.pages.moments.watch.moment import about, moment_media
from lumi_app.pages.moments.watch.state import WatchState
from lumi_app.state.session import SessionState


def _watching() -> rx.Component:
    return rx.grid(
        rx.vstack(moment_media(), about(), spacing="3", width="100%", min_width="0"),
        chat_panel(),
        grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(17rem, 2fr)"),
        gap="1rem",
        align_items="start",
        width="100%",
    )


def _gone(title: str, text: str) -> rx.Component:
    return empty_state("film", title, text, link_button("Back to Moments", routes.MOMENTS, variant="soft"))


def _content() -> rx.Component:
    return rx.cond(
        WatchState.deleted,
        _gone("This moment was deleted", "It's no longer in your Moments."),
        rx.cond(
            WatchState.gone,
            _gone("This moment is gone", "It may have been deleted, or the link is wrong."),
            rx.cond(
                WatchState.error != "",
                rx.vstack(
                    form_error(WatchState.error),
                    rx.button("Try again", on_click=WatchState.load, variant="soft"),
                    spacing="3",
                    align="start",
                ),
                _watching(),
            ),
        ),
    )


@page(routes.MOMENT_WATCH, "Moment", on_load=[WatchState.load], wide=True)
def watch() -> rx.Component:
    return rx.box(
        rx.cond(
            WatchState.loaded & (WatchState.loaded_for == SessionState.context_key),
            _content(),
            loading("Loading the moment…"),
        ),
        on_unmount=WatchState.leave,
        width="100%",
    )


__all__ = ["WatchState", "watch"]
