"""Songs: the person's library (their songs and those their partner shares with them), sorted by
date added, title, artist or album, all / mine / shared with me.

The list pages with the API's opaque ``next`` token: "Load more" at the bottom fetches the next
page and ``assets/lumi-autoload.js`` presses it when it scrolls into view, so a library of
10,000 songs loads 50 at a time. Live ``SongChangedMessage``s (the person's ``music`` channel)
keep it current quietly: a new upload appears on top (date order), a song becoming ready or
refused, edited or shared changes in place, a deleted one goes.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.contracts import SongChangedMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import load_more, loading
from lumi_app.components.music import music_tabs, song_dialogs, song_list
from lumi_app.components.shell import page
from lumi_app.state.music import (
    SongRow,
    listen_to_songs,
    ready_ids,
    refetch_song,
    replace_row,
    with_page,
    without_row,
)
from lumi_app.state.page_data import ApiUnderLock, begin_load, load_next_page, open_page, run_fetch
from lumi_app.state.realtime import tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, login_redirect

PAGE_SIZE = 50
SORTS = {"added": "Date added", "title": "Title", "artist": "Artist", "album": "Album"}
FILTERS = {"all": "All", "mine": "Mine", "shared": "Shared with me"}


class SongsState(rx.State):
    sort: str = "added"
    filter: str = "all"
    rows: list[SongRow] = []
    loaded: bool = False
    loaded_for: str = ""
    has_more: bool = False
    loading_more: bool = False
    error: str = ""

    _next: str = ""
    _visit: str = ""
    _generation: int = 0

    @rx.var(cache=True)
    def playable_ids(self) -> list[str]:
        return ready_ids(self.rows)

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> Any:
        sort, filter, next_token = self.sort, self.filter, (self._next if more else None)
        return await api.call(
            lambda api, token: api.songs(token, sort=sort, filter=filter, next=next_token, limit=PAGE_SIZE)
        )

    async def _show(self, song_page: Any, *, more: bool = False) -> None:
        self.rows = with_page(self.rows, [SongRow.of(song) for song in song_page.items], more=more)
        self._next = song_page.next or ""
        self.has_more = bool(song_page.next)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    @rx.event
    async def load(self):
        return await open_page(self, SongsState.fetch)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, SongsState.fetch)

    @rx.event
    def set_sort(self, value: str):
        value = value if value in SORTS else "added"
        if value == self.sort and self.loaded:
            return None
        self.sort = value
        self.error = ""
        return begin_load(self, SongsState.fetch)

    @rx.event
    def set_filter(self, value: str):
        value = value if value in FILTERS else "all"
        if value == self.filter and self.loaded:
            return None
        self.filter = value
        self.error = ""
        return begin_load(self, SongsState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    @rx.event
    async def refetch(self, song_id: str, created: bool = False):
        """A song changed: fetch it and put it in place (or on top, when new in date order)."""
        if not self.loaded:
            return
        try:
            song = await refetch_song(self, song_id)
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError:
            return  # what is shown stays until the next load
        if song is None:
            self.rows = without_row(self.rows, song_id)
            return
        row = SongRow.of(song)
        if (self.filter == "mine" and not row.mine) or (self.filter == "shared" and row.mine):
            self.rows = without_row(self.rows, song_id)
            return
        self.rows, found = replace_row(self.rows, row)
        if not found and created and self.sort == "added":
            self.rows = with_page([], [row, *self.rows], more=False)


async def _apply(state: Any, message: SongChangedMessage) -> Any:
    if not state.loaded or not await tab_shows(state, routes.MUSIC):
        return None
    if message.change == "deleted":
        state.rows = without_row(state.rows, message.song_id)
        return None
    known = any(row.song_id == message.song_id for row in state.rows)
    return SongsState.refetch(message.song_id, not known)


listen_to_songs(SongsState, _apply)


# ---------------------------------------------------------------- view


def _controls() -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.el.label("Sort by", html_for="song-sort", font_size="var(--font-size-2)", font_weight="500"),
            rx.el.select(
                *[rx.el.option(label, value=value) for value, label in SORTS.items()],
                id="song-sort",
                value=SongsState.sort,
                on_change=SongsState.set_sort,
                font_size="var(--font-size-2)",
                padding="0.4rem 0.5rem",
                min_height="36px",
                border_radius="var(--radius-2)",
                border=f"1px solid {rx.color('gray', 7)}",
                background=rx.color("gray", 1),
                color="inherit",
            ),
            align="center",
            spacing="2",
        ),
        rx.hstack(
            *[
                rx.button(
                    label,
                    on_click=SongsState.set_filter(value),
                    variant=rx.cond(SongsState.filter == value, "solid", "soft"),
                    color_scheme=rx.cond(SongsState.filter == value, "pink", "gray"),
                    aria_pressed=rx.cond(SongsState.filter == value, "true", "false"),
                    size="2",
                )
                for value, label in FILTERS.items()
            ],
            role="group",
            aria_label="Show",
            spacing="2",
            wrap="wrap",
        ),
        gap="0.75rem",
        wrap="wrap",
        align="center",
        justify="between",
        width="100%",
    )


def _empty() -> rx.Component:
    return rx.match(
        SongsState.filter,
        ("mine", empty_state("music", "You haven't uploaded a song yet", "Upload your songs to hear them anywhere.")),
        (
            "shared",
            empty_state("music", "Nothing shared with you yet", "When your partner shares a song, it shows up here."),
        ),
        empty_state(
            "music",
            "No songs yet — upload your first",
            "MP3, AAC/M4A, FLAC, Ogg or WAV, up to 200 MB each.",
            link_button("Upload songs", routes.MUSIC_UPLOAD),
        ),
    )


def _list() -> rx.Component:
    ready = SongsState.loaded & (SongsState.loaded_for == SessionState.context_key)
    return rx.cond(
        ready,
        rx.cond(
            SongsState.rows.length() > 0,
            rx.vstack(
                song_list(SongsState.rows, SongsState.playable_ids, "Songs"),
                load_more(SongsState.has_more, SongsState.loading_more, SongsState.load_more, "That's every song."),
                spacing="4",
                width="100%",
            ),
            _empty(),
        ),
        rx.cond(
            SongsState.error != "",
            rx.button("Try again", on_click=SongsState.reload, variant="soft"),
            loading("Loading songs…"),
        ),
    )


@page(routes.MUSIC, "Music", on_load=[SongsState.load], wide=True)
def songs() -> rx.Component:
    return rx.vstack(
        music_tabs(),
        form_error(SongsState.error),
        _controls(),
        _list(),
        song_dialogs(),
        spacing="4",
        width="100%",
        align="stretch",
    )
