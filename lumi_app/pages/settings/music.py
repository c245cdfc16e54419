"""Music settings: how much of the person's music storage their songs use (a bar), and how many
songs they have. Deleting songs (from their menu in the library) makes room.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from lumi_app import routes
from lumi_app.components.forms import form_error, link_button, section
from lumi_app.components.moments import loading
from lumi_app.components.shell import page
from lumi_app.pages.settings.nav import settings_tabs
from lumi_app.state.music import count_words, size_words, usage_percent, usage_words
from lumi_app.state.page_data import begin_load, open_page, run_fetch
from lumi_app.state.session import ApiOutsideLock, SessionState


class MusicSettingsState(rx.State):
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    used: int = 0
    quota: int = 0
    song_count: int = 0

    _visit: str = ""
    _generation: int = 0

    @rx.var(cache=True)
    def usage_text(self) -> str:
        return usage_words(self.used, self.quota)

    @rx.var(cache=True)
    def usage_value(self) -> int:
        return usage_percent(self.used, self.quota)

    @rx.var(cache=True)
    def details(self) -> str:
        left = size_words(max(0, self.quota - self.used))
        return f"{count_words(self.song_count)} · {left} left"

    async def _get(self, api: ApiOutsideLock) -> Any:
        return await api.call(lambda api, token: api.music_usage(token))

    async def _show(self, usage: Any) -> None:
        self.used, self.quota, self.song_count = usage.bytes_used, usage.quota_bytes, usage.song_count

    @rx.event
    async def load(self):
        return await open_page(self, MusicSettingsState.fetch)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, MusicSettingsState.fetch)


def _storage() -> rx.Component:
    state = MusicSettingsState
    return section(
        "Storage",
        rx.text(rx.el.span(state.usage_text, id="music-storage-text"), size="3", weight="medium"),
        rx.progress(value=state.usage_value, max=100, aria_labelledby="music-storage-text", width="100%"),
        rx.text(state.details, size="2", color_scheme="gray"),
        rx.text(
            "Your original files count (up to 200 MB each). Delete songs from their menu in your library to make room.",
            size="2",
            color_scheme="gray",
        ),
        rx.flex(
            link_button("Your songs", routes.MUSIC, variant="soft"),
            link_button("Upload songs", routes.MUSIC_UPLOAD, variant="soft"),
            gap="0.75rem",
            wrap="wrap",
        ),
        aria_label="Music storage",
    )


@page(routes.SETTINGS_MUSIC, "Music settings", on_load=[MusicSettingsState.load])
def music_settings() -> rx.Component:
    state = MusicSettingsState
    return rx.vstack(
        settings_tabs(),
        form_error(state.error),
        rx.cond(
            state.loaded & (state.loaded_for == SessionState.context_key),
            _storage(),
            rx.cond(
                state.error != "",
                rx.button("Try again", on_click=state.reload, variant="soft"),
                loading("Loading your music storage…"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
