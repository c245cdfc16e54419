"""What the playlist pages share: how a playlist and an entry are shown, the order helpers the
reorder uses, the live ``playlist_changed`` hook, and "Add to playlist" (one dialog any page
listing songs mounts, see ``lumi_app/components/playlists.py``).

A playlist belongs to its creator; when shared, the partner adds, removes and reorders too
(docs/playlists.md). The pages refetch on a live ``PlaylistChangedMessage`` (it is a
courtesy: what the API returns is the truth).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import (
    PLAYLIST_NAME_MAX,
    Playlist,
    PlaylistChangedMessage,
    PlaylistCreate,
    PlaylistEntry,
)
from lumi_app.api_client import ApiError
from lumi_app.state.music import count_words, song_duration
from lumi_app.state.realtime import LiveApply, RealtimeState, listen_to_live
from lumi_app.state.session import SessionEnded, api_call, login_redirect

CHOICES_LIMIT = 100  # playlists listed in the "Add to playlist" dialog (the newest first)


# ---------------------------------------------------------------- pure view helpers


def total_time(seconds: float) -> str:
    """ "1 h 5 min", "23 min", "45 s": how long a playlist plays."""
    whole = round(max(0.0, seconds))
    if whole < 60:
        return f"{whole} s" if whole else ""
    hours, minutes = divmod(round(whole / 60), 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def mosaic(cover_urls: list[str]) -> list[str]:
    """The four cells of a 2×2 cover mosaic ("" for an empty cell); none when no song has a cover."""
    if not cover_urls:
        return []
    cells = list(cover_urls[:4])
    return cells + [""] * (4 - len(cells))


@dataclasses.dataclass
class PlaylistCard:
    """What a list shows of a playlist."""

    playlist_id: str = ""
    name: str = ""
    description: str = ""
    count: str = ""  # "12 songs"
    mine: bool = True
    shared: bool = False
    cover_url: str = ""  # an uploaded cover (lists have no mosaic)

    @classmethod
    def of(cls, playlist: Playlist) -> PlaylistCard:
        return cls(
            playlist_id=playlist.playlist_id,
            name=playlist.name,
            description=playlist.description or "",
            count=count_words(playlist.entry_count),
            mine=playlist.mine,
            shared=playlist.shared,
            cover_url=playlist.cover_url or "",
        )


@dataclasses.dataclass
class EntryRow:
    """One entry of an open playlist. An unavailable one (deleted, not shared any more) keeps its
    title and shows greyed; it is never dropped and never played."""

    entry_id: str = ""
    song_id: str = ""
    title: str = ""
    artist: str = ""
    duration: str = ""
    seconds: float = 0.0
    cover_url: str = ""
    available: bool = True
    play_index: int = -1  # its place among the playable entries (-1: not playable)

    @classmethod
    def of(cls, entry: PlaylistEntry) -> EntryRow:
        song = entry.song if entry.available else None
        return cls(
            entry_id=entry.entry_id,
            song_id=entry.song_id,
            title=(song.title if song else entry.title),
            artist=((song.artist if song else entry.artist) or "Unknown artist"),
            duration=song_duration(entry.duration_seconds),
            seconds=float(entry.duration_seconds or 0),
            cover_url=(song.cover_url or "") if song else "",
            available=entry.available,
        )


def numbered_entries(rows: list[EntryRow]) -> list[EntryRow]:
    """The rows with each playable entry's place among the playable ones (what ``play_songs`` takes)."""
    index = 0
    out: list[EntryRow] = []
    for row in rows:
        out.append(dataclasses.replace(row, play_index=index if row.available else -1))
        index += row.available
    return out


def moved(ids: list[str], entry_id: str, after_entry_id: str | None) -> list[str]:
    """``ids`` with ``entry_id`` put right after ``after_entry_id`` (None: first)."""
    rest = [other for other in ids if other != entry_id]
    at = rest.index(after_entry_id) + 1 if after_entry_id is not None else 0
    return [*rest[:at], entry_id, *rest[at:]]


def heard_change(rows: list[EntryRow], message: PlaylistChangedMessage) -> list[EntryRow] | None:
    """The rows with the move or removal a live message names applied at once (the quiet refetch
    that follows settles the rest), or None when it names neither, or an entry this page does not
    hold (a removal already shown here, an entry added meanwhile): then only the refetch shows it."""
    ids = [row.entry_id for row in rows]
    if message.removed_entry_id is not None:
        if message.removed_entry_id not in ids:
            return None
        return numbered_entries([row for row in rows if row.entry_id != message.removed_entry_id])
    move = message.moved
    if move is None or move.entry_id not in ids or move.entry_id == move.after_entry_id:
        return None
    if move.after_entry_id is not None and move.after_entry_id not in ids:
        return None
    by_id = {row.entry_id: row for row in rows}
    return numbered_entries([by_id[i] for i in moved(ids, move.entry_id, move.after_entry_id)])


def anchor_for_step(ids: list[str], entry_id: str, by: int) -> tuple[bool, str | None]:
    """Moving ``entry_id`` one place up (``by=-1``) or down (``by=1``): whether it can move, and
    the entry it then comes right after (None: to the start), the one write the API needs."""
    if entry_id not in ids:
        return False, None
    target = ids.index(entry_id) + by
    if target < 0 or target >= len(ids):
        return False, None
    rest = [other for other in ids if other != entry_id]
    return True, (rest[target - 1] if target > 0 else None)


def move_problem(failure: ApiError) -> str:
    """Why a move did not happen, in words."""
    if failure.status == 404:
        return "That song was removed from the playlist meanwhile, so it wasn't moved."
    if failure.status in (409, 422):
        return "The playlist changed at the same moment, so the song wasn't moved. Here is its order now: try again."
    return f"The song wasn't moved: {failure.message}"


def add_problem(failure: ApiError) -> str:
    if failure.code == "playlist_full":
        return "This playlist is full (1,000 songs)."
    if failure.code == "song_not_ready":
        return "This song is still being processed: add it once it is ready."
    if failure.status == 404:
        return "This playlist or song is no longer there for you."
    return failure.message


def listen_to_playlists(state_cls: type[rx.State], apply: LiveApply) -> None:
    """``await apply(state, message)`` under the tab's lock for every live ``PlaylistChangedMessage``."""
    listen_to_live((PlaylistChangedMessage,), state_cls, apply)


# ---------------------------------------------------------------- "Add to playlist"


@dataclasses.dataclass
class PlaylistChoice:
    playlist_id: str = ""
    name: str = ""
    detail: str = ""  # "12 songs · From Sam"


class AddToPlaylistState(rx.State):
    """The "Add to playlist" dialog: my playlists and those shared with me, and "New playlist…"."""

    open: bool = False
    what: str = ""  # the song's title, or "3 songs"
    choices: list[PlaylistChoice] = []
    loading: bool = False
    error: str = ""
    adding: str = ""  # the playlist being added to
    creating: bool = False  # the "New playlist…" form shows
    new_name_error: str = ""

    _song_ids: list[str] = []

    @rx.event
    async def open_for_song(self, song_id: str, title: str):
        async for update in self._open([song_id], title):
            yield update

    @rx.event
    async def open_for_songs(self, song_ids: list[str], label: str):
        async for update in self._open([song_id for song_id in song_ids if song_id], label):
            yield update

    async def _open(self, song_ids: list[str], what: str):
        if not song_ids:
            return
        self._song_ids = song_ids[:100]
        self.what = what
        self.error = self.new_name_error = self.adding = ""
        self.creating = False
        self.open = True
        self.loading = True
        yield
        try:
            page = await api_call(self, lambda api, token: api.playlists(token, limit=CHOICES_LIMIT))
        except SessionEnded:
            self.open = False
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.error = f"Your playlists couldn't be loaded: {failure.message}"
            self.choices = []
            return
        finally:
            self.loading = False
        partner = (await self.get_state(RealtimeState)).partner_name or "your partner"
        self.choices = [
            PlaylistChoice(
                playlist.playlist_id,
                playlist.name,
                count_words(playlist.entry_count) + ("" if playlist.mine else f" · From {partner}"),
            )
            for playlist in page.items
        ]

    @rx.event
    def set_open(self, value: bool):
        if not self.adding:
            self.open = value

    @rx.event
    def start_new(self):
        self.creating = True
        self.new_name_error = ""

    @rx.event
    async def add(self, playlist_id: str, name: str):
        if self.adding:
            return
        async for update in self._add(playlist_id, name):
            yield update

    async def _add(self, playlist_id: str, name: str):
        if not self._song_ids:
            return
        self.adding = playlist_id
        self.error = ""
        yield
        song_ids = list(self._song_ids)
        try:
            await api_call(self, lambda api, token: api.add_to_playlist(token, playlist_id, song_ids))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.error = add_problem(failure)
            return
        finally:
            self.adding = ""
        self.open = False
        yield rx.toast.success(f"Added to {name}.", duration=3000)

    @rx.event
    async def create_and_add(self, form: dict[str, Any]):
        if self.adding:
            return
        name = " ".join(str(form.get("name") or "").split())
        if not name:
            self.new_name_error = "A playlist needs a name."
            return
        if len(name) > PLAYLIST_NAME_MAX:
            self.new_name_error = f"A name is up to {PLAYLIST_NAME_MAX} characters."
            return
        self.new_name_error = ""
        try:
            request = PlaylistCreate(name=name)
        except ValidationError:
            self.new_name_error = "Check the name, then try again."
            return
        self.adding = "new"
        yield
        try:
            playlist = await api_call(self, lambda api, token: api.create_playlist(token, request))
        except SessionEnded:
            self.adding = ""
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.adding = ""
            self.error = failure.message
            return
        self.adding = ""
        async for update in self._add(playlist.playlist_id, playlist.name):
            yield update


__all__ = [
    "AddToPlaylistState",
    "EntryRow",
    "PlaylistCard",
    "PlaylistChoice",
    "add_problem",
    "anchor_for_step",
    "heard_change",
    "listen_to_playlists",
    "mosaic",
    "move_problem",
    "moved",
    "numbered_entries",
    "total_time",
]
