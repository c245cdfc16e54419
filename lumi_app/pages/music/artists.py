"""Artists: the person's artists A–Z with how many songs each has, each leading to the artist's
page. Paged with the endless-list helper; refreshed quietly when a song changes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from backend.contracts import Artist, SongChangedMessage
from lumi_app import routes
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import load_more, loading
from lumi_app.components.music import music_tabs
from lumi_app.components.shell import page
from lumi_app.state.music import count_words, listen_to_songs
from lumi_app.state.page_data import ApiUnderLock, begin_load, begin_refresh, load_next_page, open_page, run_fetch
from lumi_app.state.realtime import tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionState

PAGE_SIZE = 100


@dataclasses.dataclass
class ArtistLine:
    artist_id: str = ""
    name: str = ""
    count: str = ""  # "3 songs"
    url: str = ""

    @classmethod
    def of(cls, artist: Artist) -> ArtistLine:
        return cls(
            artist_id=artist.artist_id,
            name=artist.name or "Unknown artist",
            count=count_words(artist.song_count),
            url=routes.artist_url(artist.artist_id),
        )


class ArtistsState(rx.State):
    lines: list[ArtistLine] = []
    loaded: bool = False
    loaded_for: str = ""
    has_more: bool = False
    loading_more: bool = False
    error: str = ""

    _next: str = ""
    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> Any:
        next_token = self._next if more else None
        return await api.call(lambda api, token: api.artists(token, next=next_token, limit=PAGE_SIZE))

    async def _show(self, result: Any, *, more: bool = False) -> None:
        lines = [ArtistLine.of(artist) for artist in result.items]
        if more:
            known = {line.artist_id for line in self.lines}
            lines = [*self.lines, *(line for line in lines if line.artist_id not in known)]
        self.lines = lines
        self._next = result.next or ""
        self.has_more = bool(result.next)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    @rx.event
    async def load(self):
        return await open_page(self, ArtistsState.fetch)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, ArtistsState.fetch)

    @rx.event
    def refresh(self):
        return begin_refresh(self, ArtistsState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update


async def _apply(state: Any, message: SongChangedMessage) -> Any:
    if message.change == "created" or not state.loaded or not await tab_shows(state, routes.MUSIC_ARTISTS):
        return None
    return ArtistsState.refresh


listen_to_songs(ArtistsState, _apply)


def _line(line: rx.Var[ArtistLine]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.hstack(
                rx.icon("mic-vocal", size=18, color=rx.color("gray", 10), aria_hidden="true", flex_shrink="0"),
                rx.text(line.name, weight="medium", truncate=True, flex="1", min_width="0"),
                rx.text(line.count, size="2", color_scheme="gray", flex_shrink="0"),
                rx.icon("chevron-right", size=16, color=rx.color("gray", 9), aria_hidden="true", flex_shrink="0"),
                align="center",
                spacing="3",
                width="100%",
            ),
            href=line.url,
            underline="none",
            color="inherit",
            display="block",
            padding="0.75rem 0.5rem",
            _hover={"background": rx.color("gray", 3)},
        ),
        list_style="none",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


@page(routes.MUSIC_ARTISTS, "Artists", on_load=[ArtistsState.load], wide=True)
def artists() -> rx.Component:
    ready = ArtistsState.loaded & (ArtistsState.loaded_for == SessionState.context_key)
    return rx.vstack(
        music_tabs(),
        form_error(ArtistsState.error),
        rx.cond(
            ready,
            rx.cond(
                ArtistsState.lines.length() > 0,
                rx.vstack(
                    rx.el.ul(rx.foreach(ArtistsState.lines, _line), aria_label="Artists", padding="0", margin="0"),
                    load_more(ArtistsState.has_more, ArtistsState.loading_more, ArtistsState.load_more, ""),
                    spacing="4",
                    width="100%",
                ),
                empty_state(
                    "mic-vocal",
                    "No artists yet",
                    "Artists come from your songs' details: upload songs, or edit their artist.",
                    link_button("Upload songs", routes.MUSIC_UPLOAD),
                ),
            ),
            rx.cond(
                ArtistsState.error != "",
                rx.button("Try again", on_click=ArtistsState.reload, variant="soft"),
                loading("Loading artists…"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
