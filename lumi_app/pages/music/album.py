"""One album (``?id=``): its cover, name, artist and year, and its songs by disc and track, with
"Play all". An album that is not in the person's library (a bad link, its songs deleted or no
longer shared) says so.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.contracts import SongChangedMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import load_more, loading
from lumi_app.components.music import cover, music_tabs, play_all_buttons, song_dialogs, song_list
from lumi_app.components.shell import page
from lumi_app.state.music import SongRow, count_words, listen_to_songs, ready_ids, with_page
from lumi_app.state.page_data import ApiUnderLock, begin_load, begin_refresh, load_next_page, open_page, run_fetch
from lumi_app.state.playlists import AddToPlaylistState
from lumi_app.state.realtime import tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionState

PAGE_SIZE = 100


class AlbumState(rx.State):
    album_id: str = ""
    name: str = ""
    artist: str = ""
    year: str = ""
    cover_url: str = ""
    rows: list[SongRow] = []
    unknown: bool = False
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

    @rx.var(cache=True)
    def details(self) -> str:
        parts = [self.artist, self.year, count_words(len(self.rows))]
        return " · ".join(part for part in parts if part)

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> Any:
        album_id, next_token = self.album_id, (self._next if more else None)
        if not album_id:
            return None

        async def songs(api: Any, token: str) -> Any:
            try:
                return await api.album_songs(token, album_id, next=next_token, limit=PAGE_SIZE)
            except ApiError as failure:
                if failure.status in (404, 422):
                    return None
                raise

        return await api.call(songs)

    async def _show(self, result: Any, *, more: bool = False) -> None:
        if result is None or (not more and not result.items):
            self.unknown = True
            self.rows, self._next, self.has_more = [], "", False
            return
        self.unknown = False
        self.rows = with_page(self.rows, [SongRow.of(song) for song in result.items], more=more)
        self._next = result.next or ""
        self.has_more = bool(result.next)
        if not more:
            first = result.items[0]
            self.name = first.album or "Unknown album"
            self.artist = first.album_artist or first.artist or ""
            self.year = str(next((song.year for song in result.items if song.year), "") or "")
            self.cover_url = next((song.cover_url for song in result.items if song.cover_url), "") or ""

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    def _reset(self) -> None:
        self.album_id = str(self.router.url.query_parameters.get("id") or "").strip()
        self.name = self.artist = self.year = self.cover_url = ""
        self.rows, self._next, self.has_more, self.unknown = [], "", False, False

    @rx.event
    async def load(self):
        return await open_page(self, AlbumState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, AlbumState.fetch)

    @rx.event
    def refresh(self):
        return begin_refresh(self, AlbumState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update


async def _apply(state: Any, message: SongChangedMessage) -> Any:
    if message.change == "created" or not state.loaded or not await tab_shows(state, routes.MUSIC_ALBUM):
        return None
    return AlbumState.refresh


listen_to_songs(AlbumState, _apply)


def _header() -> rx.Component:
    return rx.flex(
        cover(AlbumState.cover_url, size=rx.breakpoints(initial="120px", sm="180px"), icon_size=40),
        rx.vstack(
            rx.heading(AlbumState.name, as_="h2", size="6", overflow_wrap="anywhere"),
            rx.text(AlbumState.details, color_scheme="gray", size="2"),
            rx.flex(
                play_all_buttons(AlbumState.playable_ids),
                rx.button(
                    rx.icon("list-video", size=16, aria_hidden="true"),
                    "Add all to playlist",
                    on_click=AddToPlaylistState.open_for_songs(AlbumState.playable_ids, AlbumState.name),
                    disabled=AlbumState.playable_ids.length() == 0,
                    variant="soft",
                    size="3",
                ),
                gap="0.5rem",
                wrap="wrap",
            ),
            spacing="2",
            min_width="0",
        ),
        gap="1rem",
        align="end",
        wrap="wrap",
        width="100%",
    )


def _content() -> rx.Component:
    return rx.cond(
        AlbumState.unknown,
        empty_state(
            "disc-3",
            "This album isn't in your library",
            "Its songs may have been deleted, or are no longer shared with you.",
            link_button("See your albums", routes.MUSIC_ALBUMS),
        ),
        rx.vstack(
            _header(),
            song_list(AlbumState.rows, AlbumState.playable_ids, "Songs of the album"),
            load_more(AlbumState.has_more, AlbumState.loading_more, AlbumState.load_more, ""),
            spacing="4",
            width="100%",
        ),
    )


@page(routes.MUSIC_ALBUM, "Album", on_load=[AlbumState.load], wide=True)
def album() -> rx.Component:
    ready = AlbumState.loaded & (AlbumState.loaded_for == SessionState.context_key)
    return rx.vstack(
        music_tabs(),
        form_error(AlbumState.error),
        rx.cond(
            ready,
            _content(),
            rx.cond(
                AlbumState.error != "",
                rx.button("Try again", on_click=AlbumState.reload, variant="soft"),
                loading("Loading the album…"),
            ),
        ),
        song_dialogs(),
        spacing="4",
        width="100%",
        align="stretch",
    )
