"""Albums: the person's albums (their songs and those shared with them) as a grid of covers, two
columns on a phone and more on a desktop, each leading to the album's page. Paged with the
endless-list helper; refreshed quietly when a song changes (an album appears, goes, or gets a
cover).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from backend.contracts import Album, SongChangedMessage
from lumi_app import routes
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import load_more, loading
from lumi_app.components.music import cover, music_tabs
from lumi_app.components.shell import page
from lumi_app.state.music import count_words, listen_to_songs
from lumi_app.state.page_data import ApiUnderLock, begin_load, begin_refresh, load_next_page, open_page, run_fetch
from lumi_app.state.realtime import tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionState

PAGE_SIZE = 60


@dataclasses.dataclass
class AlbumCard:
    album_id: str = ""
    name: str = ""
    details: str = ""  # "Artist · 2019 · 12 songs"
    cover_url: str = ""
    url: str = ""

    @classmethod
    def of(cls, album: Album) -> AlbumCard:
        parts = [album.artist or "", str(album.year or ""), count_words(album.song_count)]
        return cls(
            album_id=album.album_id,
            name=album.name or "Unknown album",
            details=" · ".join(part for part in parts if part),
            cover_url=album.cover_url or "",
            url=routes.album_url(album.album_id),
        )


class AlbumsState(rx.State):
    cards: list[AlbumCard] = []
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
        return await api.call(lambda api, token: api.albums(token, next=next_token, limit=PAGE_SIZE))

    async def _show(self, result: Any, *, more: bool = False) -> None:
        cards = [AlbumCard.of(album) for album in result.items]
        if more:
            known = {card.album_id for card in self.cards}
            cards = [*self.cards, *(card for card in cards if card.album_id not in known)]
        self.cards = cards
        self._next = result.next or ""
        self.has_more = bool(result.next)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    @rx.event
    async def load(self):
        return await open_page(self, AlbumsState.fetch)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, AlbumsState.fetch)

    @rx.event
    def refresh(self):
        return begin_refresh(self, AlbumsState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update


async def _apply(state: Any, message: SongChangedMessage) -> Any:
    if message.change == "created" or not state.loaded or not await tab_shows(state, routes.MUSIC_ALBUMS):
        return None
    return AlbumsState.refresh


listen_to_songs(AlbumsState, _apply)


def _card(card: rx.Var[AlbumCard]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.vstack(
                rx.box(
                    cover(card.cover_url, size="100%", icon_size=40),
                    width="100%",
                    aspect_ratio="1",
                    overflow="hidden",
                    border_radius="var(--radius-3)",
                ),
                rx.text(card.name, weight="medium", size="2", truncate=True, width="100%"),
                rx.text(card.details, size="1", color_scheme="gray", truncate=True, width="100%"),
                spacing="1",
                width="100%",
            ),
            href=card.url,
            underline="none",
            color="inherit",
            display="block",
        ),
        list_style="none",
        min_width="0",
    )


def _grid() -> rx.Component:
    return rx.el.ul(
        rx.foreach(AlbumsState.cards, _card),
        aria_label="Albums",
        display="grid",
        grid_template_columns=rx.breakpoints(
            initial="repeat(2, minmax(0, 1fr))", sm="repeat(auto-fill, minmax(160px, 1fr))"
        ),
        gap="1rem",
        padding="0",
        margin="0",
        width="100%",
    )


@page(routes.MUSIC_ALBUMS, "Albums", on_load=[AlbumsState.load], wide=True)
def albums() -> rx.Component:
    ready = AlbumsState.loaded & (AlbumsState.loaded_for == SessionState.context_key)
    return rx.vstack(
        music_tabs(),
        form_error(AlbumsState.error),
        rx.cond(
            ready,
            rx.cond(
                AlbumsState.cards.length() > 0,
                rx.vstack(
                    _grid(),
                    load_more(AlbumsState.has_more, AlbumsState.loading_more, AlbumsState.load_more, ""),
                    spacing="4",
                    width="100%",
                ),
                empty_state(
                    "disc-3",
                    "No albums yet",
                    "Albums come from your songs' details: upload songs, or edit their album.",
                    link_button("Upload songs", routes.MUSIC_UPLOAD),
                ),
            ),
            rx.cond(
                AlbumsState.error != "",
                rx.button("Try again", on_click=AlbumsState.reload, variant="soft"),
                loading("Loading albums…"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
