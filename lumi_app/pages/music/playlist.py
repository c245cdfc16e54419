"""One playlist (``?id=``): its cover (an uploaded one, else a 2×2 mosaic of its songs' covers),
name, description, how many songs and how long; Play all and Shuffle; its entries in order.

Both partners of a shared playlist add, remove and reorder; only its creator renames, describes,
shares or makes it personal, and deletes it (the partner does not see those). An entry whose song
I cannot play (deleted, no longer shared) stays, greyed, "Unavailable".

Reordering: drag an entry by its grip (``assets/lumi-playlist-drag.js``, pointer events: mouse
and touch), or Move up / Move down from the keyboard (focus stays on the moved entry's button,
as on the queue page). Either is one API write: the entry is put right after the one above its
new place. The move shows at once; if the API refuses it (removed meanwhile: 404; changed at the
same moment: 409/422) the order goes back and the page says why, then refetches.

Live: a ``playlist_changed`` for this playlist (or a ``song_changed`` for one of its songs: made
private, deleted) refetches it quietly; a move or a removal the message names shows at once,
before that refetch. Not while the person drags (the refetch waits for the drop); ``deleted``
(or ``unshared`` for the partner) replaces the entries with what happened.
"""

from __future__ import annotations

import json
import random
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventChain, LiteralEventChainVar
from reflex_base.vars import Var, VarData

from backend.contracts import (
    PLAYLIST_DESCRIPTION_MAX,
    PLAYLIST_NAME_MAX,
    PlaylistChangedMessage,
    PlaylistUpdate,
    SongChangedMessage,
)
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import loading
from lumi_app.components.music import cover, music_tabs
from lumi_app.components.playlist_cover import playlist_cover_button
from lumi_app.components.playlists import PARTNER, playlist_badge, playlist_cover
from lumi_app.components.shell import page
from lumi_app.state.music import count_words, listen_to_songs
from lumi_app.state.page_data import ApiUnderLock, begin_load, begin_refresh, open_page, run_fetch
from lumi_app.state.player import PlayerState
from lumi_app.state.playlists import (
    EntryRow,
    anchor_for_step,
    heard_change,
    listen_to_playlists,
    mosaic,
    move_problem,
    moved,
    numbered_entries,
    total_time,
)
from lumi_app.state.realtime import refresh_on_couple_change, tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect

ENTRIES_PAGE = 500  # the API's largest page: a playlist (≤ 1000 entries) comes in one or two
EDIT_NAME_ID = "playlist-edit-name"
EDIT_DESCRIPTION_ID = "playlist-edit-description"


class PlaylistState(rx.State):
    playlist_id: str = ""
    name: str = ""
    description: str = ""
    mine: bool = False
    shared: bool = False
    entry_count: int = 0
    cover_url: str = ""
    cells: list[str] = []  # the mosaic's four covers ("" for an empty cell)
    rows: list[EntryRow] = []
    unknown: bool = False  # not mine, not shared with me, or gone
    gone: str = ""  # what a live message said happened to it: deleted | unshared
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    action_error: str = ""
    playing: bool = False

    edit_open: bool = False
    edit_errors: dict[str, str] = {}
    edit_error: str = ""
    saving: bool = False
    delete_open: bool = False
    deleting: bool = False
    delete_error: str = ""

    _visit: str = ""
    _generation: int = 0
    _dragging: bool = False
    _stale: bool = False  # a change was heard during a drag: refetch once it ends

    @rx.var(cache=True)
    def playable_ids(self) -> list[str]:
        return [row.song_id for row in self.rows if row.available]

    @rx.var(cache=True)
    def details(self) -> str:
        seconds = sum(row.seconds for row in self.rows if row.available)
        parts = [count_words(self.entry_count), total_time(seconds)]
        return " · ".join(part for part in parts if part)

    # ------------------------------------------------------------ loading

    async def _get(self, api: ApiOutsideLock | ApiUnderLock) -> Any:
        playlist_id = self.playlist_id
        if not playlist_id:
            return None

        async def head(api: Any, token: str) -> Any:
            return await api.playlist(token, playlist_id)

        async def entries(api: Any, token: str) -> Any:
            items: list[Any] = []
            next_token: str | None = None
            while True:
                result = await api.playlist_entries(token, playlist_id, next=next_token, limit=ENTRIES_PAGE)
                items.extend(result.items)
                next_token = result.next
                if not next_token:
                    return items

        try:
            return await api.gather(head, entries)
        except ApiError as failure:
            if failure.status in (403, 404, 422) and not isinstance(failure, SessionEnded):
                return None
            raise

    async def _show(self, result: Any) -> None:
        if result is None:
            self.unknown = True
            self.rows = []
            return
        if self._dragging:
            self._stale = True  # what is on screen stays until the drop
            return
        playlist, entries = result
        self.unknown = False
        self.name = playlist.name
        self.description = playlist.description or ""
        self.mine = playlist.mine
        self.shared = playlist.shared
        self.entry_count = playlist.entry_count
        self.cover_url = playlist.cover_url or ""
        self.cells = mosaic(playlist.cover_urls)
        self.rows = numbered_entries([EntryRow.of(entry) for entry in entries])

    def _reset(self) -> None:
        self.playlist_id = str(self.router.url.query_parameters.get("id") or "").strip()
        self.name = self.description = self.cover_url = self.gone = self.action_error = ""
        self.rows, self.cells, self.unknown, self.entry_count = [], [], False, 0
        self.mine = self.shared = False
        self.edit_open = self.delete_open = False
        self._dragging = self._stale = False

    @rx.event
    async def load(self):
        return await open_page(self, PlaylistState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, PlaylistState.fetch)

    @rx.event
    def refresh(self):
        if self._dragging:
            self._stale = True
            return None
        self._stale = False
        return begin_refresh(self, PlaylistState.fetch)

    # ------------------------------------------------------------ playing

    @rx.event
    async def play_all(self, shuffled: bool = False):
        if self.playing:
            return
        playlist_id = self.playlist_id
        self.playing = True
        yield
        try:
            play = await api_call(self, lambda api, token: api.play_playlist(token, playlist_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.action_error = f"The playlist couldn't be played: {failure.message}"
            return
        finally:
            self.playing = False
        song_ids = list(play.song_ids)
        if not song_ids:
            self.action_error = "None of these songs can be played now."
            return
        if shuffled:
            random.shuffle(song_ids)
        yield PlayerState.play_songs(song_ids, 0)

    # ------------------------------------------------------------ reordering and removing

    @rx.event
    async def move(self, entry_id: str, by: int):
        """Move up (``by=-1``) or down (``by=1``) one place; the focus stays on the moved entry."""
        can, after = anchor_for_step([row.entry_id for row in self.rows], entry_id, by)
        if not can:
            return
        async for update in self._move(entry_id, after):
            yield update
        button = "up" if by < 0 else "down"
        other = "down" if by < 0 else "up"
        ids = json.dumps([f"playlist-{button}-{entry_id}", f"playlist-{other}-{entry_id}", f"playlist-play-{entry_id}"])
        yield rx.call_script(
            "requestAnimationFrame(() => { for (const id of "
            + ids
            + ") { const b = document.getElementById(id); if (b && !b.disabled) { b.focus(); break; } } })"
        )

    @rx.event
    async def from_drag(self, kind: str, data: dict[str, Any]):
        """What ``lumi-playlist-drag.js`` reports: a drag began, was cancelled, or dropped an entry."""
        if kind == "start":
            self._dragging = True
            return
        self._dragging = False
        stale, self._stale = self._stale, False
        if kind == "drop" and isinstance(data, dict):
            entry_id = str(data.get("entry_id") or "")
            after = data.get("after_entry_id")
            after = str(after) if after else None
            ids = [row.entry_id for row in self.rows]
            if entry_id in ids and (after is None or after in ids) and after != entry_id:
                async for update in self._move(entry_id, after):
                    yield update
        if stale:
            yield PlaylistState.refresh

    async def _move(self, entry_id: str, after: str | None):
        """Show the move at once, make it (one write), and undo it if the API refuses."""
        before = self.rows
        by_id = {row.entry_id: row for row in before}
        self.rows = numbered_entries([by_id[i] for i in moved([row.entry_id for row in before], entry_id, after)])
        self.action_error = ""
        yield
        playlist_id = self.playlist_id
        try:
            await api_call(self, lambda api, token: api.move_playlist_entry(token, playlist_id, entry_id, after))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.rows = before
            self.action_error = move_problem(failure)
            yield PlaylistState.refresh

    @rx.event
    async def remove(self, entry_id: str):
        before = self.rows
        if entry_id not in {row.entry_id for row in before}:
            return
        self.rows = numbered_entries([row for row in before if row.entry_id != entry_id])
        self.entry_count = max(0, self.entry_count - 1)
        self.action_error = ""
        yield
        playlist_id = self.playlist_id
        try:
            await api_call(self, lambda api, token: api.remove_from_playlist(token, playlist_id, entry_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 404:
                return  # gone already
            self.rows = before
            self.entry_count += 1
            self.action_error = f"The song wasn't removed: {failure.message}"

    # ------------------------------------------------------------ the creator's actions

    @rx.event
    def open_edit(self):
        if self.mine:
            self.edit_errors, self.edit_error = {}, ""
            self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool):
        if not self.saving:
            self.edit_open = value

    @rx.event
    async def save_edit(self, form: dict[str, Any]):
        if self.saving or not self.mine:
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
        self.edit_errors, self.edit_error = problems, ""
        if problems:
            return
        changes: dict[str, Any] = {}
        if name != self.name:
            changes["name"] = name
        if description != self.description:
            changes["description"] = description or None
        if not changes:
            self.edit_open = False
            return
        try:
            request = PlaylistUpdate(**changes)
        except ValidationError:
            self.edit_error = "Check the name and description, then save again."
            return
        self.saving = True
        yield
        try:
            if await self._update(request, into="edit_error"):
                self.edit_open = False
        except SessionEnded:
            yield await login_redirect(self)
        finally:
            self.saving = False

    @rx.event
    async def set_shared(self, shared: bool):
        if not self.mine:
            return
        try:
            changed = await self._update(PlaylistUpdate(shared=bool(shared)), into="action_error")
        except SessionEnded:
            yield await login_redirect(self)
            return
        if changed:
            words = "Shared: you both can add, remove and reorder." if shared else "Only you see it now."
            yield rx.toast.success(words, duration=3000)

    async def _update(self, request: PlaylistUpdate, *, into: str) -> bool:
        playlist_id = self.playlist_id
        try:
            playlist = await api_call(self, lambda api, token: api.update_playlist(token, playlist_id, request))
        except SessionEnded:
            raise
        except ApiError as failure:
            if failure.code == "not_paired":
                setattr(self, into, "You're not paired, so it can't be shared.")
            else:
                setattr(self, into, failure.message)
            return False
        self.name = playlist.name
        self.description = playlist.description or ""
        self.shared = playlist.shared
        return True

    @rx.event
    def ask_delete(self):
        if self.mine:
            self.delete_error = ""
            self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool):
        if not self.deleting:
            self.delete_open = value

    @rx.event
    async def confirm_delete(self):
        if self.deleting or not self.mine:
            return
        playlist_id = self.playlist_id
        self.deleting = True
        yield
        try:
            await api_call(self, lambda api, token: api.delete_playlist(token, playlist_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status != 404:
                self.delete_error = failure.message
                return
        finally:
            self.deleting = False
        self.delete_open = False
        yield rx.toast.success(f"“{self.name}” deleted.", duration=3000)
        yield rx.redirect(routes.MUSIC_PLAYLISTS)


async def _apply(state: Any, message: PlaylistChangedMessage) -> Any:
    if message.playlist_id != state.playlist_id or not state.loaded:
        return None
    if not await tab_shows(state, routes.MUSIC_PLAYLIST):
        return None
    if message.change == "deleted" and not state.deleting:
        state.gone = "deleted"
        return None
    if message.change == "unshared" and not state.mine:
        state.gone = "unshared"
        return None
    if message.change == "entries" and not state._dragging:
        shown = heard_change(state.rows, message)  # a move or removal shows now, the refetch settles it
        if shown is not None:
            state.entry_count -= len(state.rows) - len(shown)
            state.rows = shown
    return PlaylistState.refresh


async def _apply_song(state: Any, message: SongChangedMessage) -> Any:
    """One of its songs changed (made private, deleted, edited): its entry may be unavailable now."""
    if not state.loaded or not any(row.song_id == message.song_id for row in state.rows):
        return None
    if not await tab_shows(state, routes.MUSIC_PLAYLIST):
        return None
    return PlaylistState.refresh


listen_to_playlists(PlaylistState, _apply)
listen_to_songs(PlaylistState, _apply_song)
refresh_on_couple_change(routes.MUSIC_PLAYLIST, PlaylistState.refresh)  # a split ends the sharing


class PlaylistDragBridge(rx.Fragment):
    """Hands ``lumi-playlist-drag.js`` a function that sends ``PlaylistState.from_drag(kind, data)``."""

    def add_hooks(self) -> list[str | Var]:
        send = LiteralEventChainVar.create(
            EventChain.create(PlaylistState.from_drag, args_spec=lambda kind, data: [kind, data], key="playlist_drag")
        )
        code = (
            "useEffect(() => {"
            f" const send = {send};"
            " window.__lumiPlaylistSend = send;"
            " return () => { if (window.__lumiPlaylistSend === send) { window.__lumiPlaylistSend = null; } };"
            " }, []);"
        )
        imports = VarData(imports={"react": ["useEffect"]})
        return [Var(code, _var_data=VarData.merge(send._get_all_var_data(), imports))]


# ---------------------------------------------------------------- view


def _creator_menu() -> rx.Component:
    state = PlaylistState
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis-vertical", size=18),
                variant="soft",
                color_scheme="gray",
                size="3",
                aria_label="More for this playlist",
            )
        ),
        rx.menu.content(
            rx.menu.item(rx.icon("pencil", size=16), "Rename or describe", on_select=state.open_edit),
            rx.cond(
                state.shared,
                rx.menu.item(rx.icon("lock", size=16), "Make personal", on_select=state.set_shared(False)),
                rx.cond(
                    SessionState.is_paired,
                    rx.menu.item(rx.icon("share-2", size=16), "Share with ", PARTNER, on_select=state.set_shared(True)),
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(rx.icon("trash-2", size=16), "Delete playlist", color="red", on_select=state.ask_delete),
        ),
    )


def _header() -> rx.Component:
    state = PlaylistState
    return rx.flex(
        playlist_cover(state.cover_url, state.cells, size=rx.breakpoints(initial="120px", sm="180px"), icon_size=40),
        rx.vstack(
            rx.hstack(
                rx.heading(state.name, as_="h2", size="6", overflow_wrap="anywhere"),
                playlist_badge(state.mine, state.shared),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                state.description != "",
                rx.text(state.description, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
            ),
            rx.text(state.details, color_scheme="gray", size="2", id="playlist-details"),
            rx.flex(
                rx.button(
                    rx.spinner(loading=state.playing, size="1"),
                    rx.icon("play", size=16, aria_hidden="true"),
                    "Play all",
                    on_click=state.play_all(False),
                    disabled=(state.playable_ids.length() == 0) | state.playing,
                    size="3",
                ),
                rx.button(
                    rx.icon("shuffle", size=16, aria_hidden="true"),
                    "Shuffle",
                    on_click=state.play_all(True),
                    disabled=(state.playable_ids.length() == 0) | state.playing,
                    variant="soft",
                    size="3",
                ),
                rx.cond(state.mine, rx.fragment(playlist_cover_button(state.playlist_id), _creator_menu())),
                gap="0.5rem",
                wrap="wrap",
                align="center",
            ),
            spacing="2",
            min_width="0",
            flex="1",
        ),
        gap="1rem",
        align=rx.breakpoints(initial="start", sm="end"),
        wrap="wrap",
        width="100%",
    )


def _entry(row: rx.Var[EntryRow], index: rx.Var[int]) -> rx.Component:
    state = PlaylistState
    last = index == state.rows.length() - 1
    body = [
        cover(row.cover_url, size="40px", icon_size=18),
        rx.vstack(
            rx.text(row.title, weight="medium", size="2", truncate=True, width="100%"),
            rx.hstack(
                rx.cond(~row.available, rx.badge("Unavailable", color_scheme="gray", variant="surface", size="1")),
                rx.text(row.artist, size="1", color_scheme="gray", truncate=True),
                spacing="2",
                align="center",
                min_width="0",
                width="100%",
            ),
            spacing="0",
            align="start",
            min_width="0",
            flex="1",
        ),
        rx.text(
            row.duration,
            size="1",
            color_scheme="gray",
            display=rx.breakpoints(initial="none", sm="block"),
            font_variant_numeric="tabular-nums",
        ),
    ]
    row_style: dict[str, Any] = {
        "display": "flex",
        "align_items": "center",
        "gap": "0.6rem",
        "flex": "1",
        "min_width": "0",
        "padding": "0.35rem 0.25rem",
        "min_height": "52px",
        "border_radius": "var(--radius-3)",
        "text_align": "left",
    }
    return rx.el.li(
        rx.box(
            rx.icon("grip-vertical", size=18, aria_hidden="true"),
            custom_attrs={"data-playlist-handle": "true"},
            title="Drag to reorder",
            color=rx.color("gray", 10),
            cursor="grab",
            touch_action="none",
            padding="0.5rem 0.1rem",
            display="flex",
            align_items="center",
            flex_shrink="0",
        ),
        rx.cond(
            row.available,
            rx.el.button(
                *body,
                type="button",
                on_click=PlayerState.play_songs(state.playable_ids, row.play_index),
                id="playlist-play-" + row.entry_id,
                aria_label="Play " + row.title,
                background="transparent",
                border="none",
                color="inherit",
                cursor="pointer",
                font="inherit",
                _hover={"background": rx.color("gray", 3)},
                _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "-2px"},
                **row_style,
            ),
            rx.el.div(*body, opacity="0.55", aria_disabled="true", **row_style),
        ),
        rx.icon_button(
            rx.icon("arrow-up", size=16, aria_hidden="true"),
            on_click=state.move(row.entry_id, -1),
            disabled=index == 0,
            id="playlist-up-" + row.entry_id,
            aria_label="Move " + row.title + " up",
            variant="ghost",
            color_scheme="gray",
        ),
        rx.icon_button(
            rx.icon("arrow-down", size=16, aria_hidden="true"),
            on_click=state.move(row.entry_id, 1),
            disabled=last,
            id="playlist-down-" + row.entry_id,
            aria_label="Move " + row.title + " down",
            variant="ghost",
            color_scheme="gray",
        ),
        rx.icon_button(
            rx.icon("x", size=16, aria_hidden="true"),
            on_click=state.remove(row.entry_id),
            aria_label="Remove " + row.title + " from the playlist",
            variant="ghost",
            color_scheme="gray",
        ),
        custom_attrs={"data-playlist-entry": row.entry_id, "data-available": rx.cond(row.available, "true", "false")},
        display="flex",
        align_items="center",
        gap="0.25rem",
        list_style="none",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _entries() -> rx.Component:
    state = PlaylistState
    return rx.cond(
        state.rows.length() > 0,
        rx.el.ol(
            rx.foreach(state.rows, _entry),
            aria_label="Songs of the playlist",
            padding="0",
            margin="0",
            width="100%",
        ),
        empty_state(
            "list-music",
            "No songs in this playlist yet",
            "Add songs from any song's menu: “Add to playlist…”.",
            link_button("Go to your songs", routes.MUSIC, variant="soft"),
        ),
    )


def _edit_dialog() -> rx.Component:
    state = PlaylistState

    def error(name: str) -> rx.Component:
        message = state.edit_errors.get(name, "")
        return rx.cond(message != "", rx.text(message, size="2", color_scheme="red"))

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename or describe"),
            rx.dialog.description("What you both see of this playlist.", size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    form_error(state.edit_error),
                    rx.el.label("Name", html_for=EDIT_NAME_ID, font_weight="500"),
                    rx.input(
                        id=EDIT_NAME_ID,
                        name="name",
                        default_value=state.name,
                        max_length=PLAYLIST_NAME_MAX,
                        auto_complete="off",
                        size="3",
                        width="100%",
                    ),
                    error("name"),
                    rx.el.label("Description", html_for=EDIT_DESCRIPTION_ID, font_weight="500"),
                    rx.text_area(
                        id=EDIT_DESCRIPTION_ID,
                        name="description",
                        default_value=state.description,
                        max_length=PLAYLIST_DESCRIPTION_MAX,
                        rows="3",
                        width="100%",
                    ),
                    error("description"),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Cancel", type="button", variant="soft", color_scheme="gray", disabled=state.saving
                            )
                        ),
                        rx.button(rx.spinner(loading=state.saving, size="1"), "Save", type="submit"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=state.save_edit,
                reset_on_submit=False,
            ),
            max_width="480px",
        ),
        open=state.edit_open,
        on_open_change=state.set_edit_open,
    )


def _delete_dialog() -> rx.Component:
    state = PlaylistState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete “", state.name, "”?"),
            rx.alert_dialog.description(
                "The playlist is deleted for good (for your partner too, if shared). Its songs stay in your music.",
                size="2",
            ),
            form_error(state.delete_error),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.spinner(loading=state.deleting, size="1"),
                    "Delete",
                    color_scheme="red",
                    on_click=state.confirm_delete,
                    disabled=state.deleting,
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="440px",
        ),
        open=state.delete_open,
        on_open_change=state.set_delete_open,
    )


def _content() -> rx.Component:
    state = PlaylistState
    return rx.cond(
        state.gone != "",
        empty_state(
            "list-x",
            rx.cond(state.gone == "deleted", "This playlist was deleted", "This playlist is no longer shared with you"),
            "Its songs are still in your music if they were yours or shared with you.",
            link_button("See your playlists", routes.MUSIC_PLAYLISTS),
        ),
        rx.cond(
            state.unknown,
            empty_state(
                "list-x",
                "This playlist isn't here for you",
                "It may have been deleted, or is no longer shared with you.",
                link_button("See your playlists", routes.MUSIC_PLAYLISTS),
            ),
            rx.vstack(
                _header(),
                form_error(state.action_error),
                _entries(),
                spacing="4",
                width="100%",
            ),
        ),
    )


@page(routes.MUSIC_PLAYLIST, "Playlist", on_load=[PlaylistState.load], wide=True)
def playlist() -> rx.Component:
    state = PlaylistState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.vstack(
        music_tabs(),
        form_error(state.error),
        rx.cond(
            ready,
            _content(),
            rx.cond(
                state.error != "",
                rx.button("Try again", on_click=state.reload, variant="soft"),
                loading("Loading the playlist…"),
            ),
        ),
        _edit_dialog(),
        _delete_dialog(),
        PlaylistDragBridge.create(),
        spacing="4",
        width="100%",
        align="stretch",
    )
