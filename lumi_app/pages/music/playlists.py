"""Playlists: mine and those my partner shares with me, newest first, and "New playlist" (a name,
a description, and, when paired, "Share with <partner>" so both of us add, remove and reorder).

The list pages with the API's ``next`` token ("Load more", pressed by ``lumi-autoload.js`` when
it scrolls into view). A live ``playlist_changed`` (mine on my topic, a shared one on the
couple's) refetches it quietly.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import PLAYLIST_DESCRIPTION_MAX, PLAYLIST_NAME_MAX, PlaylistChangedMessage, PlaylistCreate
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import empty_state, form_error
from lumi_app.components.moments import load_more, loading
from lumi_app.components.music import music_tabs
from lumi_app.components.playlists import PARTNER, playlist_badge, playlist_cover
from lumi_app.components.shell import page
from lumi_app.state.page_data import ApiUnderLock, begin_load, begin_refresh, load_next_page, open_page, run_fetch
from lumi_app.state.playlists import PlaylistCard, listen_to_playlists
from lumi_app.state.realtime import refresh_on_couple_change, tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect

PAGE_SIZE = 50
NAME_ID = "new-playlist-name"
DESCRIPTION_ID = "new-playlist-description"


class PlaylistsState(rx.State):
    rows: list[PlaylistCard] = []
    loaded: bool = False
    loaded_for: str = ""
    has_more: bool = False
    loading_more: bool = False
    error: str = ""

    new_open: bool = False
    new_shared: bool = False
    new_errors: dict[str, str] = {}
    new_error: str = ""
    creating: bool = False

    _next: str = ""
    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> Any:
        next_token = self._next if more else None
        return await api.call(lambda api, token: api.playlists(token, next=next_token, limit=PAGE_SIZE))

    async def _show(self, result: Any, *, more: bool = False) -> None:
        cards = [PlaylistCard.of(playlist) for playlist in result.items]
        if more:
            known = {row.playlist_id for row in self.rows}
            cards = [*self.rows, *(card for card in cards if card.playlist_id not in known)]
        self.rows = cards
        self._next = result.next or ""
        self.has_more = bool(result.next)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    def _reset(self) -> None:
        self.rows, self._next, self.has_more = [], "", False
        self.new_open = self.creating = False

    @rx.event
    async def load(self):
        return await open_page(self, PlaylistsState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, PlaylistsState.fetch)

    @rx.event
    def refresh(self):
        return begin_refresh(self, PlaylistsState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    # ------------------------------------------------------------ "New playlist"

    @rx.event
    def open_new(self):
        self.new_errors, self.new_error, self.new_shared = {}, "", False
        self.new_open = True

    @rx.event
    def set_new_open(self, value: bool):
        if not self.creating:
            self.new_open = value

    @rx.event
    def set_new_shared(self, value: bool):
        self.new_shared = bool(value)

    @rx.event
    async def create(self, form: dict[str, Any]):
        if self.creating:
            return
        name = " ".join(str(form.get("name") or "").split())
        description = str(form.get("description") or "").strip()
        problems: dict[str, str] = {}
        if not name:
            problems["name"] = "A playlist needs a name."
        elif len(name) > PLAYLIST_NAME_MAX:
            problems["name"] = f"A name is up to {PLAYLIST_NAME_MAX} characters."
        if len(description) > PLAYLIST_DESCRIPTION_MAX:
            problems["description"] = f"A description is up to {PLAYLIST_DESCRIPTION_MAX} characters."
        self.new_errors, self.new_error = problems, ""
        if problems:
            return
        shared = self.new_shared and (await self.get_state(SessionState)).is_paired
        try:
            request = PlaylistCreate(name=name, description=description or None, shared=shared)
        except ValidationError:
            self.new_error = "Check the name and description, then try again."
            return
        self.creating = True
        yield
        try:
            playlist = await api_call(self, lambda api, token: api.create_playlist(token, request))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.code == "not_paired":
                self.new_error = "You're not paired any more, so it can't be shared. Turn sharing off to make it."
            else:
                self.new_errors = {
                    key: value for key, value in failure.fields.items() if key in ("name", "description")
                }
                self.new_error = "" if self.new_errors else failure.message
            return
        finally:
            self.creating = False
        self.new_open = False
        self.rows = [PlaylistCard.of(playlist), *(row for row in self.rows if row.playlist_id != playlist.playlist_id)]
        yield rx.redirect(routes.playlist_url(playlist.playlist_id))


async def _apply(state: Any, message: PlaylistChangedMessage) -> Any:
    if not state.loaded or not await tab_shows(state, routes.MUSIC_PLAYLISTS):
        return None
    return PlaylistsState.refresh


listen_to_playlists(PlaylistsState, _apply)
refresh_on_couple_change(routes.MUSIC_PLAYLISTS, PlaylistsState.refresh)  # a split ends the sharing


# ---------------------------------------------------------------- view


def _field(label: str, field_id: str, name: str, control: rx.Component) -> rx.Component:
    error = PlaylistsState.new_errors.get(name, "")
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="500", font_size="var(--font-size-2)"),
        control,
        rx.cond(error != "", rx.text(error, id=f"{field_id}-error", size="2", color_scheme="red")),
        spacing="1",
        width="100%",
        align="stretch",
    )


def _new_dialog() -> rx.Component:
    state = PlaylistsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New playlist"),
            rx.dialog.description("Give it a name; add songs from any song's menu.", size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    form_error(state.new_error),
                    _field(
                        "Name",
                        NAME_ID,
                        "name",
                        rx.input(
                            id=NAME_ID,
                            name="name",
                            max_length=PLAYLIST_NAME_MAX,
                            auto_complete="off",
                            auto_focus=True,
                            aria_describedby=f"{NAME_ID}-error",
                            aria_invalid=rx.cond(state.new_errors.contains("name"), "true", "false"),
                            size="3",
                            width="100%",
                        ),
                    ),
                    _field(
                        "Description (optional)",
                        DESCRIPTION_ID,
                        "description",
                        rx.text_area(
                            id=DESCRIPTION_ID,
                            name="description",
                            max_length=PLAYLIST_DESCRIPTION_MAX,
                            aria_describedby=f"{DESCRIPTION_ID}-error",
                            rows="3",
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        SessionState.is_paired,
                        rx.el.label(
                            rx.switch(checked=state.new_shared, on_change=state.set_new_shared),
                            rx.text("Share with ", PARTNER, size="2"),
                            display="flex",
                            align_items="center",
                            gap="0.5rem",
                            cursor="pointer",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Cancel", type="button", variant="soft", color_scheme="gray", disabled=state.creating
                            )
                        ),
                        rx.button(
                            rx.spinner(loading=state.creating, size="1"),
                            "Create",
                            type="submit",
                            disabled=state.creating,
                        ),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=state.create,
                reset_on_submit=False,
            ),
            max_width="480px",
        ),
        open=state.new_open,
        on_open_change=state.set_new_open,
    )


def _row(card: rx.Var[PlaylistCard]) -> rx.Component:
    return rx.el.li(
        rx.link(
            playlist_cover(card.cover_url, rx.Var.create([]), size="48px", icon_size=20),
            rx.vstack(
                rx.hstack(
                    rx.text(card.name, weight="medium", size="3", truncate=True),
                    playlist_badge(card.mine, card.shared),
                    align="center",
                    spacing="2",
                    min_width="0",
                    width="100%",
                ),
                rx.text(card.count, size="2", color_scheme="gray"),
                spacing="1",
                align="start",
                min_width="0",
                flex="1",
            ),
            href=routes.MUSIC_PLAYLIST + "?id=" + card.playlist_id,
            underline="none",
            color="inherit",
            display="flex",
            align_items="center",
            gap="0.75rem",
            padding="0.5rem",
            min_height="60px",
            border_radius="var(--radius-3)",
            _hover={"background": rx.color("gray", 3)},
        ),
        list_style="none",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _list() -> rx.Component:
    state = PlaylistsState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.cond(
        ready,
        rx.cond(
            state.rows.length() > 0,
            rx.vstack(
                rx.el.ul(rx.foreach(state.rows, _row), aria_label="Playlists", padding="0", margin="0", width="100%"),
                load_more(state.has_more, state.loading_more, state.load_more, ""),
                spacing="4",
                width="100%",
            ),
            empty_state(
                "list-music",
                "No playlists yet",
                "Make one with “New playlist”, then add songs from any song's menu (“Add to playlist…”). "
                "Playlists your partner shares with you show up here too.",
                rx.button(rx.icon("plus", size=16), "New playlist", on_click=state.open_new),
            ),
        ),
        rx.cond(
            state.error != "",
            rx.button("Try again", on_click=state.reload, variant="soft"),
            loading("Loading playlists…"),
        ),
    )


@page(routes.MUSIC_PLAYLISTS, "Playlists", on_load=[PlaylistsState.load], wide=True)
def playlists() -> rx.Component:
    return rx.vstack(
        music_tabs(),
        rx.flex(
            rx.button(rx.icon("plus", size=16), "New playlist", on_click=PlaylistsState.open_new),
            justify="end",
            align="center",
            gap="0.75rem",
            wrap="wrap",
            width="100%",
        ),
        form_error(PlaylistsState.error),
        _list(),
        _new_dialog(),
        spacing="4",
        width="100%",
        align="stretch",
    )
