"""Search my music (``?q=``): songs, albums, artists and playlists of my library (mine and those
my partner shares with me) as the person types, best match first in each group, typos and
accents forgiven (the API's ``GET /music/search``, docs/music-stats.md).

The field is uncontrolled; its changes reach the backend debounced (250 ms, in the browser).
Every change is a new load of the page's data (``page_data``: numbered by ``_generation``), and
an answer is shown only if no newer search has begun since: a slow answer never overwrites a
newer one, and the last results stay on screen until the new ones arrive. The search is kept in the address
(``?q=``, replaced in place, not a new visit), so back and reload come back to it.
``assets/lumi-music-search.js`` gives the keyboard: Escape clears, ↓ from the field moves into
the results (↑/↓ between them), "/" focuses the search from any music page. Songs are the
library's rows (play from the result, "Play next", "Add to queue" and the rest of the menu).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from backend.contracts import (
    MUSIC_SEARCH_LIMIT_MAX,
    MUSIC_SEARCH_MAX,
    Album,
    Artist,
    MusicSearchResults,
    Playlist,
    SongChangedMessage,
)
from lumi_app import routes
from lumi_app.components.forms import empty_state, form_error
from lumi_app.components.moments import loading
from lumi_app.components.music import cover, music_tabs, song_dialogs, song_list
from lumi_app.components.shell import page
from lumi_app.state.music import SongRow, count_words, listen_to_songs, numbered, ready_ids, without_row
from lumi_app.state.page_data import begin_load, open_page, run_fetch
from lumi_app.state.realtime import tab_shows
from lumi_app.state.session import ApiOutsideLock

SEARCH_ID = "music-search"
RESULTS_ID = "music-search-results"
DEBOUNCE_MS = 250
HINT = "Find songs, albums, artists and playlists — typos are fine"


def clean_query(text: str) -> str:
    """What is searched: blanks folded, at most the API's length."""
    return " ".join(str(text or "").split())[:MUSIC_SEARCH_MAX].strip()


def search_view(query: str, error: str, shown_for: str, searching: bool, found: int) -> str:
    """What the page shows: hint (nothing typed) | error | loading (the first answer for this
    search is on its way, nothing else to show) | none (nothing matches) | results (the last
    answer's, kept while a newer search is on its way)."""
    if not query:
        return "hint"
    if error:
        return "error"
    if shown_for == query and not searching:
        return "results" if found else "none"
    return "results" if found else "loading"


@dataclasses.dataclass
class AlbumHit:
    album_id: str = ""
    name: str = ""
    details: str = ""  # "Artist · 2019 · 12 songs"
    cover_url: str = ""
    url: str = ""

    @classmethod
    def of(cls, album: Album) -> AlbumHit:
        parts = [album.artist or "", str(album.year or ""), count_words(album.song_count)]
        return cls(
            album_id=album.album_id,
            name=album.name or "Unknown album",
            details=" · ".join(part for part in parts if part),
            cover_url=album.cover_url or "",
            url=routes.album_url(album.album_id),
        )


@dataclasses.dataclass
class ArtistHit:
    artist_id: str = ""
    name: str = ""
    details: str = ""  # "3 songs"
    url: str = ""

    @classmethod
    def of(cls, artist: Artist) -> ArtistHit:
        return cls(
            artist_id=artist.artist_id,
            name=artist.name or "Unknown artist",
            details=count_words(artist.song_count),
            url=routes.artist_url(artist.artist_id),
        )


@dataclasses.dataclass
class PlaylistHit:
    playlist_id: str = ""
    name: str = ""
    details: str = ""  # "12 songs · Shared" / "From your partner"
    url: str = ""

    @classmethod
    def of(cls, playlist: Playlist) -> PlaylistHit:
        whose = ("Shared" if playlist.shared else "") if playlist.mine else "From your partner"
        parts = [count_words(playlist.entry_count), whose]
        return cls(
            playlist_id=playlist.playlist_id,
            name=playlist.name,
            details=" · ".join(part for part in parts if part),
            url=routes.playlist_url(playlist.playlist_id),
        )


def _keep_in_address(query: str) -> rx.event.EventSpec:
    """Put the search in the address in place (back and reload keep it), without a new visit:
    ``lumiVisit.page`` is told first, so ``lumi-visit.js`` sees no move to another page."""
    script = (
        "(function (q) {"
        " var here = window.location.pathname.replace(/\\/+$/, '');"
        f" if (here !== {json.dumps(routes.MUSIC_SEARCH)}) return;"
        " var url = new URL(window.location.href);"
        " if (q) url.searchParams.set('q', q); else url.searchParams.delete('q');"
        " if (url.search === window.location.search) return;"
        " if (window.lumiVisit) window.lumiVisit.page = here + url.search;"
        " window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);"
        f"}})({json.dumps(query)})"
    )
    return rx.call_script(script)


class MusicSearchState(rx.State):
    query: str = ""  # what is searched now (the field, blanks folded)
    shown_for: str = ""  # the search whose results show
    songs: list[SongRow] = []
    albums: list[AlbumHit] = []
    artists: list[ArtistHit] = []
    playlists: list[PlaylistHit] = []
    searching: bool = False
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""

    _visit: str = ""
    _generation: int = 0  # the number of the latest search: only its answer is shown

    @rx.var(cache=True)
    def playable_ids(self) -> list[str]:
        return ready_ids(self.songs)

    @rx.var(cache=True)
    def found(self) -> int:
        return len(self.songs) + len(self.albums) + len(self.artists) + len(self.playlists)

    @rx.var(cache=True)
    def summary(self) -> str:
        """What was found, said once the answer is in (the results' status line)."""
        if not self.query or self.error or self.shown_for != self.query:
            return ""
        if not self.found:
            return f"Nothing matches “{self.query}”"
        kinds = [
            count_words(len(self.songs)) if self.songs else "",
            count_words(len(self.albums), "album", "albums") if self.albums else "",
            count_words(len(self.artists), "artist", "artists") if self.artists else "",
            count_words(len(self.playlists), "playlist", "playlists") if self.playlists else "",
        ]
        return ", ".join(kind for kind in kinds if kind) + ", best match first"

    @rx.var(cache=True)
    def view(self) -> str:
        return search_view(self.query, self.error, self.shown_for, self.searching, self.found)

    def _clear(self) -> None:
        self.shown_for = ""
        self.songs, self.albums, self.artists, self.playlists = [], [], [], []
        self.searching = False
        self.error = ""

    def _reset(self) -> None:
        """A new visit searches what the address says (``?q=``)."""
        self._clear()
        self.query = clean_query(self.router.url.query_parameters.get("q") or "")
        self.searching = bool(self.query)

    def _begin(self) -> EventSpec:
        """Search for ``query`` now: numbered, so an older answer arriving later is dropped."""
        self.searching = True
        self.error = ""
        return begin_load(self, MusicSearchState.fetch)

    async def _get(self, api: ApiOutsideLock) -> tuple[str, MusicSearchResults | None]:
        query = self.query
        if not query:
            return query, None
        return query, await api.call(lambda api, token: api.search_music(token, query, limit=MUSIC_SEARCH_LIMIT_MAX))

    async def _show(self, answer: tuple[str, MusicSearchResults | None]) -> None:
        query, results = answer
        self._clear()
        if results is None:
            return
        self.shown_for = query
        self.songs = numbered([SongRow.of(song) for song in results.songs])
        self.albums = [AlbumHit.of(album) for album in results.albums]
        self.artists = [ArtistHit.of(artist) for artist in results.artists]
        self.playlists = [PlaylistHit.of(playlist) for playlist in results.playlists]

    @rx.event
    async def load(self):
        """A new visit searches ``?q=``; the same visit coming back after a reconnect keeps the
        person's search and runs it again quietly."""
        return await open_page(self, MusicSearchState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def type_query(self, text: str):
        """The field changed (debounced in the browser)."""
        query = clean_query(text)
        if query == self.query and (self.searching or self.shown_for == query):
            return None
        self.query = query
        if not query:
            self._generation += 1  # an answer still on its way is for a search no longer there
            self._clear()
            return _keep_in_address("")
        return [self._begin(), _keep_in_address(query)]

    @rx.event
    def retry(self):
        return self._begin() if self.query else None

    @rx.event
    def refresh(self):
        """A song changed (edited, shared, new): search again, keeping what shows meanwhile."""
        return self._begin() if self.query else None


async def _apply(state: Any, message: SongChangedMessage) -> Any:
    if not state.query or not await tab_shows(state, routes.MUSIC_SEARCH):
        return None
    if message.change == "deleted":
        state.songs = without_row(state.songs, message.song_id)
        return None
    return MusicSearchState.refresh


listen_to_songs(MusicSearchState, _apply)


# ---------------------------------------------------------------- view

_SCREEN_READER_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "whiteSpace": "nowrap",
    "border": "0",
}


def _field() -> rx.Component:
    return rx.el.div(
        rx.el.label("Search your music", html_for=SEARCH_ID, font_weight="500", font_size="var(--font-size-2)"),
        rx.input(
            rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
            rx.input.slot(
                rx.cond(
                    MusicSearchState.searching & (MusicSearchState.error == ""),
                    rx.spinner(size="1", aria_hidden="true"),
                )
            ),
            id=SEARCH_ID,
            type="search",
            default_value=MusicSearchState.query,
            on_change=MusicSearchState.type_query.debounce(DEBOUNCE_MS),
            placeholder="Songs, albums, artists, playlists",
            max_length=MUSIC_SEARCH_MAX,
            auto_complete="off",
            spell_check=False,
            enter_key_hint="search",
            aria_controls=RESULTS_ID,
            aria_describedby=f"{SEARCH_ID}-keys",
            size="3",
            width="100%",
            # Focused at once on a desktop (a phone's keyboard would cover the page), or after "/".
            on_mount=rx.call_script(
                "(function () { var field = document.getElementById('" + SEARCH_ID + "');"
                " if (!field) return;"
                " var wanted = window.__lumiFocusSearch ||"
                " window.matchMedia('(min-width: 768px) and (pointer: fine)').matches;"
                " window.__lumiFocusSearch = false; if (wanted) field.focus(); })()"
            ),
        ),
        rx.text(
            "Esc clears · ↓ goes to the results · / searches from any music page",
            id=f"{SEARCH_ID}-keys",
            size="1",
            color_scheme="gray",
            display=rx.breakpoints(initial="none", md="block"),
        ),
        role="search",
        display="flex",
        flex_direction="column",
        gap="0.35rem",
        width="100%",
    )


def _group(title: str, count: rx.Var[int], body: rx.Component) -> rx.Component:
    heading_id = f"search-{title.lower()}"
    return rx.cond(
        count > 0,
        rx.el.section(
            rx.heading(
                title,
                rx.text.span(" ", count, size="2", color_scheme="gray", weight="regular"),
                as_="h2",
                size="4",
                id=heading_id,
                margin_bottom="0.25rem",
            ),
            body,
            aria_labelledby=heading_id,
            width="100%",
        ),
    )


def _link_row(name: rx.Var[str], details: rx.Var[str], url: rx.Var[str], leading: rx.Component) -> rx.Component:
    return rx.el.li(
        rx.link(
            leading,
            rx.vstack(
                rx.text(name, weight="medium", size="3", truncate=True, width="100%"),
                rx.text(details, size="2", color_scheme="gray", truncate=True, width="100%"),
                spacing="1",
                min_width="0",
                flex="1",
                align="start",
            ),
            rx.icon("chevron-right", size=16, color=rx.color("gray", 9), aria_hidden="true", flex_shrink="0"),
            href=url,
            underline="none",
            color="inherit",
            display="flex",
            align_items="center",
            gap="0.75rem",
            flex="1",
            min_width="0",
            min_height="56px",
            padding="0.5rem",
            border_radius="var(--radius-3)",
            _hover={"background": rx.color("gray", 3)},
        ),
        display="flex",
        list_style="none",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _icon_tile(icon: str) -> rx.Component:
    return rx.center(
        rx.icon(icon, size=20, color=rx.color("gray", 10), aria_hidden="true"),
        width="44px",
        height="44px",
        flex_shrink="0",
        border_radius="var(--radius-2)",
        background=rx.color("gray", 4),
    )


def _list(items: rx.Var[list[Any]], label: str, row: Any) -> rx.Component:
    return rx.el.ul(rx.foreach(items, row), aria_label=label, padding="0", margin="0", width="100%")


def _results() -> rx.Component:
    state = MusicSearchState
    return rx.vstack(
        _group("Songs", state.songs.length(), song_list(state.songs, state.playable_ids, "Songs found")),
        _group(
            "Albums",
            state.albums.length(),
            _list(
                state.albums,
                "Albums found",
                lambda album: _link_row(album.name, album.details, album.url, cover(album.cover_url)),
            ),
        ),
        _group(
            "Artists",
            state.artists.length(),
            _list(
                state.artists,
                "Artists found",
                lambda artist: _link_row(artist.name, artist.details, artist.url, _icon_tile("mic-vocal")),
            ),
        ),
        _group(
            "Playlists",
            state.playlists.length(),
            _list(
                state.playlists,
                "Playlists found",
                lambda playlist: _link_row(playlist.name, playlist.details, playlist.url, _icon_tile("list-music")),
            ),
        ),
        spacing="5",
        width="100%",
        align="stretch",
    )


def _body() -> rx.Component:
    state = MusicSearchState
    return rx.match(
        state.view,
        ("hint", empty_state("search", HINT, "Start typing: results show as you type.")),
        (
            "error",
            rx.vstack(
                form_error(state.error),
                rx.button("Try again", on_click=state.retry, variant="soft"),
                spacing="3",
                align="start",
                width="100%",
            ),
        ),
        ("loading", loading("Searching…")),
        (
            "none",
            empty_state("search-x", "Nothing matches “" + state.query + "”", "Try fewer or other words."),
        ),
        _results(),
    )


@page(routes.MUSIC_SEARCH, "Search music", on_load=[MusicSearchState.load], wide=True)
def search() -> rx.Component:
    return rx.vstack(
        music_tabs(),
        _field(),
        # What was found, for screen readers (the groups' headings show their counts).
        rx.el.p(MusicSearchState.summary, role="status", style=_SCREEN_READER_ONLY),
        rx.box(
            _body(),
            id=RESULTS_ID,
            aria_busy=rx.cond(MusicSearchState.view == "loading", "true", "false"),
            width="100%",
            min_width="0",
        ),
        song_dialogs(),
        spacing="4",
        width="100%",
        align="stretch",
    )
