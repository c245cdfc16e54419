"""The music player's state: the person's queue and what plays (saved through ``/music/player``).

Any page starts music through these events: ``play_songs`` (replace the queue with these songs
and play the one at ``start_index``), ``play_next`` and ``add_to_queue``. The player bar in the
shell shows this state; the audio elements belong to ``assets/lumi-player-core.js`` (fetched
by ``lumi-player.js`` once there is a queue), outside React, so music keeps playing while the
person moves between pages.

The queue lives in the API; this state keeps what the bar and the queue page show (ids, titles,
covers), and hands the JS the songs with their signed URLs through ``rx.call_script``. The JS
talks back through :meth:`PlayerState.from_player` (the shell's player bridge): "hello" once per
page load (the saved queue and position are handed over without playing: resume where I left
off, on any device), "song" when another song plays, "save" (every ~15 s while playing, on
pause, on pagehide), "move" (a song dragged on the queue page), "expired" when the signed URLs
went stale, and "play": a listen heard long enough to count (``record_play``; the JS counts the
seconds heard, the backend judges; a counted play refreshes the stats page if it is open).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import reflex as rx
from pydantic import ValidationError

from backend.contracts import PlayerStateUpdate, PlayerView, PlayReport, QueueAdd, QueueEntry
from lumi_app.api_client import ApiError, LumiApi
from lumi_app.state.music_stats import MusicStatsState
from lumi_app.state.session import SessionEnded, api_call, login_redirect

log = logging.getLogger("lumi.app.player")

T = TypeVar("T")
QUEUE_ADD_MAX = 100  # songs per QueueAdd
REPEATS = ("off", "all", "one")


def clock(seconds: float | None) -> str:
    """3:05"""
    whole = max(0, int(seconds or 0))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclasses.dataclass
class QueuedSong:
    entry_id: str = ""
    song_id: str = ""
    title: str = ""
    artist: str = ""
    album: str = ""
    cover_url: str = ""
    duration: str = ""

    @classmethod
    def of(cls, entry: QueueEntry) -> QueuedSong:
        song = entry.song
        return cls(
            entry_id=entry.entry_id,
            song_id=song.song_id,
            title=song.title,
            artist=song.artist or "",
            album=song.album or "",
            cover_url=song.cover_url or "",
            duration=clock(song.duration_seconds),
        )


def song_for_player(entry: QueueEntry) -> dict[str, Any]:
    """One queue entry as ``lumi-player.js`` takes it."""
    song = entry.song
    return {
        "entry_id": entry.entry_id,
        "song_id": song.song_id,
        "stream_url": song.stream_url,
        "title": song.title,
        "artist": song.artist or "",
        "album": song.album or "",
        "cover_url": song.cover_url or "",
        "duration": song.duration_seconds or 0,
        "loudness_lufs": song.loudness_lufs,
    }


def _js(value: Any) -> str:
    return json.dumps(value).replace("</", "<\\/")


def load_script(view: PlayerView, index: int, position: float, autoplay: bool) -> str:
    songs = [song_for_player(entry) for entry in view.queue]
    options = {"shuffle": view.state.shuffle, "repeat": view.state.repeat, "volume": view.state.volume}
    args = f"{_js(songs)}, {index}, {position}, {'true' if autoplay else 'false'}, {_js(options)}"
    return f"window.lumiPlayer && window.lumiPlayer.load({args})"


def queue_script(view: PlayerView, method: str = "setQueue") -> str:
    songs = [song_for_player(entry) for entry in view.queue]
    return f"window.lumiPlayer && window.lumiPlayer.{method}({_js(songs)})"


def _update_from(data: dict[str, Any], current_entry_id: str | None) -> PlayerStateUpdate:
    """What the JS reports, made safe for the API (the browser's numbers are not trusted)."""

    def number(key: str, low: float, high: float, default: float) -> float:
        try:
            value = float(data.get(key, default))
        except (TypeError, ValueError):
            return default
        return min(high, max(low, value)) if value == value else default

    repeat = data.get("repeat")
    return PlayerStateUpdate(
        current_entry_id=current_entry_id or None,
        position_seconds=round(number("position", 0, 24 * 3600, 0), 2),
        shuffle=bool(data.get("shuffle", False)),
        repeat=repeat if repeat in REPEATS else "off",
        volume=round(number("volume", 0, 1, 1), 3),
    )


def play_report_from(data: dict[str, Any]) -> PlayReport | None:
    """The listen the JS reports, as the API takes it; None when it is not one (the browser's
    data is not trusted: the API checks the song, the time and the rule again)."""
    try:
        return PlayReport(
            play_id=str(data.get("play_id") or ""),
            song_id=str(data.get("song_id") or ""),
            started_at=data.get("started_at"),  # type: ignore[arg-type]
            listened_seconds=data.get("listened_seconds"),  # type: ignore[arg-type]
        )
    except (ValidationError, TypeError, ValueError):
        return None


class PlayerState(rx.State):
    """The queue and what plays now, per tab (it survives the app's page changes)."""

    queue: list[QueuedSong] = []
    current_entry_id: str = ""
    loaded: bool = False  # the queue has been read once in this tab
    error: str = ""

    @rx.var(cache=True)
    def has_queue(self) -> bool:
        return len(self.queue) > 0

    @rx.var(cache=True)
    def current_index(self) -> int:
        for index, song in enumerate(self.queue):
            if song.entry_id == self.current_entry_id:
                return index
        return 0 if self.queue else -1

    @rx.var(cache=True)
    def now_playing(self) -> QueuedSong:
        index = self.current_index
        return self.queue[index] if index >= 0 else QueuedSong()

    # ------------------------------------------------------------ helpers

    async def _call(self, action: Callable[[LumiApi, str], Awaitable[T]]) -> T:
        return await api_call(self, action)

    def _show(self, view: PlayerView) -> None:
        self.queue = [QueuedSong.of(entry) for entry in view.queue]
        ids = {song.entry_id for song in self.queue}
        saved = view.state.current_entry_id
        if self.current_entry_id not in ids:
            self.current_entry_id = saved if saved in ids else (self.queue[0].entry_id if self.queue else "")
        self.loaded = True
        self.error = ""

    def _index_of(self, view: PlayerView, entry_id: str | None) -> int:
        for index, entry in enumerate(view.queue):
            if entry.entry_id == entry_id:
                return index
        return 0

    async def _failed(self, failure: ApiError, doing: str):
        if isinstance(failure, SessionEnded):
            return await login_redirect(self)
        log.info("player: %s failed: %s", doing, failure.message)
        self.error = failure.message
        return rx.toast.error(f"Couldn't {doing}: {failure.message}")

    # ------------------------------------------------------------ what pages call

    @rx.event
    async def play_songs(self, song_ids: list[str], start_index: int = 0):
        """Replace the queue with ``song_ids`` and play ``song_ids[start_index]``."""
        if not song_ids:
            return None
        try:
            await self._call(lambda api, token: api.clear_queue(token))
            view: PlayerView | None = None
            for start in range(0, len(song_ids), QUEUE_ADD_MAX):
                chunk = song_ids[start : start + QUEUE_ADD_MAX]
                view = await self._call(lambda api, token, c=chunk: api.queue_songs(token, QueueAdd(song_ids=c)))
            assert view is not None
            index = min(max(0, start_index), len(view.queue) - 1)
            if index < 0:
                return None
            entry_id = view.queue[index].entry_id
            saved = view.state
            update = PlayerStateUpdate(
                current_entry_id=entry_id, shuffle=saved.shuffle, repeat=saved.repeat, volume=saved.volume
            )
            view = await self._call(lambda api, token: api.save_player_state(token, update))
        except ApiError as failure:
            return await self._failed(failure, "play these songs")
        self.current_entry_id = entry_id
        self._show(view)
        return rx.call_script(load_script(view, self._index_of(view, entry_id), 0, True))

    @rx.event
    async def play_next(self, song_id: str):
        """Queue ``song_id`` right after what plays now."""
        return await self._add(song_id, "next")

    @rx.event
    async def add_to_queue(self, song_id: str):
        """Queue ``song_id`` at the end."""
        return await self._add(song_id, "end")

    async def _add(self, song_id: str, where: str):
        was_empty = not self.queue
        try:
            view = await self._call(
                lambda api, token: api.queue_songs(token, QueueAdd(song_ids=[song_id], where=where))  # type: ignore[arg-type]
            )
        except ApiError as failure:
            return await self._failed(failure, "add the song to the queue")
        self._show(view)
        said = rx.toast.success("Plays next" if where == "next" else "Added to the queue")
        if was_empty:
            return [rx.call_script(load_script(view, 0, 0, True)), said]
        return [rx.call_script(queue_script(view)), said]

    # ------------------------------------------------------------ the queue page

    @rx.event
    async def load_queue(self):
        """The queue page's load: the queue as the API has it now."""
        try:
            view = await self._call(lambda api, token: api.player(token))
        except ApiError as failure:
            if isinstance(failure, SessionEnded):
                return await login_redirect(self)
            self.error = "Your queue couldn't be loaded. Check your connection and try again."
            self.loaded = True
            return None
        self._show(view)
        return None

    @rx.event
    def play_entry(self, entry_id: str):
        """Play this entry of the queue from its start."""
        return rx.call_script(f"window.lumiPlayer && window.lumiPlayer.playEntry({_js(entry_id)})")

    @rx.event
    async def move(self, entry_id: str, by: int):
        """Move an entry one place up (``by=-1``) or down (``by=1``): one ``move_queued``."""
        ids = [song.entry_id for song in self.queue]
        if entry_id not in ids:
            return None
        target = ids.index(entry_id) + by
        if target < 0 or target >= len(ids):
            return None
        rest = [other for other in ids if other != entry_id]
        after = rest[target - 1] if target > 0 else None
        try:
            view = await self._call(lambda api, token: api.move_queued(token, entry_id, after))
        except ApiError as failure:
            return await self._failed(failure, "move the song")
        self._show(view)
        button = "up" if by < 0 else "down"
        focus = (
            f"requestAnimationFrame(() => (document.getElementById('queue-{button}-{entry_id}')"
            f" || document.getElementById('queue-play-{entry_id}'))?.focus())"
        )
        return [rx.call_script(queue_script(view)), rx.call_script(focus)]

    @rx.event
    async def remove(self, entry_id: str):
        try:
            await self._call(lambda api, token: api.unqueue(token, entry_id))
            view = await self._call(lambda api, token: api.player(token))
        except ApiError as failure:
            return await self._failed(failure, "remove the song")
        self._show(view)
        return rx.call_script(queue_script(view))

    @rx.event
    async def clear(self):
        try:
            await self._call(lambda api, token: api.clear_queue(token))
        except ApiError as failure:
            return await self._failed(failure, "clear the queue")
        self.queue = []
        self.current_entry_id = ""
        return rx.call_script("window.lumiPlayer && window.lumiPlayer.load([], 0, 0, false)")

    # ------------------------------------------------------------ from lumi-player.js

    @rx.event
    async def from_player(self, kind: str, data: dict[str, Any]):
        """What the player's JS reports (see the module's docstring)."""
        if not isinstance(data, dict):
            data = {}
        try:
            if kind == "hello":
                view = await self._call(lambda api, token: api.player(token))
                self._show(view)
                if not view.queue:
                    return None
                index = self._index_of(view, view.state.current_entry_id)
                return rx.call_script(load_script(view, index, view.state.position_seconds, False))
            if kind == "song":
                return await self._song_changed(data)
            if kind == "save":
                entry_id = str(data.get("entry_id") or "")
                if entry_id and entry_id in {song.entry_id for song in self.queue}:
                    update = _update_from(data, entry_id)
                    await self._call(lambda api, token: api.save_player_state(token, update))
                return None
            if kind == "move":
                return await self._moved(data)
            if kind == "play":
                return await self._played(data)
            if kind == "expired":
                view = await self._call(lambda api, token: api.player(token))
                self._show(view)
                return rx.call_script(queue_script(view, "refresh"))
        except SessionEnded:
            return None
        except ApiError as failure:
            log.info("player: %s failed: %s", kind, failure.message)
        return None

    async def _played(self, data: dict[str, Any]):
        """A listen heard long enough: recorded (a retry with its play_id records nothing new)."""
        report = play_report_from(data)
        if report is None:
            log.info("player: a listen report that is not one: %r", data)
            return None
        recorded = await self._call(lambda api, token: api.record_play(token, report))
        return MusicStatsState.play_recorded if recorded.counted else None

    async def _moved(self, data: dict[str, Any]):
        """A song dragged to another place on the queue page: one ``move_queued``."""
        ids = {song.entry_id for song in self.queue}
        entry_id = str(data.get("entry_id") or "")
        after = data.get("after_entry_id")
        after = str(after) if after else None
        if entry_id not in ids or (after is not None and after not in ids) or after == entry_id:
            return None
        try:
            view = await self._call(lambda api, token: api.move_queued(token, entry_id, after))
        except SessionEnded:
            raise
        except ApiError as failure:
            return await self._failed(failure, "move the song")
        self._show(view)
        return rx.call_script(queue_script(view))

    async def _song_changed(self, data: dict[str, Any]):
        entry_id = str(data.get("entry_id") or "")
        song_id = str(data.get("song_id") or "")
        if not entry_id or entry_id not in {song.entry_id for song in self.queue}:
            return None
        self.current_entry_id = entry_id
        update = _update_from(data, entry_id)
        await self._call(lambda api, token: api.save_player_state(token, update))
        detail = await self._call(lambda api, token: api.song(token, song_id))
        return rx.call_script(f"window.lumiPlayer && window.lumiPlayer.setPeaks({_js(song_id)}, {_js(detail.peaks)})")
