"""The playlist page's state: the playlist and its entries, playing, reordering (the drag's
bridge to ``assets/lumi-playlist-drag.js`` too) and removing, the creator's actions, and what a
live message changes (see the package's docstring)."""

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
from lumi_app.state.session import ApiOutsideLock, SessionEnded, api_call, login_redirect

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
