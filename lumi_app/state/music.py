"""What the music pages share: the rows they list, and the actions of a song's menu (edit its
details, share it with my partner or make it private, delete it).

Every music page listing songs keeps a list of :class:`SongRow` and registers how a song's
change applies to it with :func:`listen_to_songs`: the same function handles the ``music``
channel's live ``SongChangedMessage`` and, at once, a change made from this tab's song menu (so
the list changes even before the live message comes back).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import Song, SongChangedMessage, SongCoverUploadRequest, SongUpdate
from backend.settings import get_settings
from lumi_app.api_client import ApiError
from lumi_app.state.image_upload import clear_script, describe_script, image_problem, post_script, storage_problem
from lumi_app.state.realtime import listen_to_live
from lumi_app.state.session import SessionEnded, api_call, login_redirect

MB = 1024 * 1024
GB = 1024 * MB
UPLOAD_MAX_BYTES = 200 * MB
# What the browser may call a song file, and what its name's ending says when it says nothing.
AUDIO_TYPES_BY_EXTENSION = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/opus",
    "wav": "audio/wav",
}
AUDIO_CONTENT_TYPES = frozenset(
    {
        "audio/mpeg",
        "audio/mp3",
        "audio/mp4",
        "audio/x-m4a",
        "audio/m4a",
        "audio/aac",
        "audio/x-aac",
        "audio/flac",
        "audio/x-flac",
        "audio/ogg",
        "audio/opus",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/vnd.wave",
    }
)


# ---------------------------------------------------------------- pure view helpers


def song_duration(seconds: float | None) -> str:
    """3:07, 12:00, 1:02:03; "" when unknown (a song still processing)."""
    if seconds is None or seconds < 0:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size_words(size: int) -> str:
    """ "1.2 GB", "5 GB", "340 MB", "12 KB": a size as people say it."""
    if size >= GB:
        return f"{size / GB:.1f} GB".replace(".0 GB", " GB")
    if size >= MB:
        return f"{size / MB:.0f} MB"
    return f"{max(1, round(size / 1024))} KB" if size > 0 else "0 KB"


def usage_words(used: int, quota: int) -> str:
    """ "1.2 GB of 5 GB used"."""
    return f"{size_words(used)} of {size_words(quota)} used"


def usage_percent(used: int, quota: int) -> int:
    """How full the storage is, 0–100 (a bar's value)."""
    if quota <= 0:
        return 100 if used > 0 else 0
    return max(0, min(100, round(used * 100 / quota)))


def song_subtitle(artist: str | None, album: str | None) -> str:
    """ "Artist · Album", or the one known, or "Unknown artist"."""
    parts = [part for part in ((artist or "").strip(), (album or "").strip()) if part]
    return " · ".join(parts) if parts else "Unknown artist"


def count_words(count: int, one: str = "song", many: str = "songs") -> str:
    return f"{count} {one if count == 1 else many}"


def audio_type(name: str, browser_type: str) -> str:
    """The file's type as the API wants it: the browser's, or one inferred from its name's ending."""
    if browser_type in AUDIO_CONTENT_TYPES:
        return browser_type
    ending = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return AUDIO_TYPES_BY_EXTENSION.get(ending, browser_type)


def file_problem(name: str, content_type: str, size: int) -> str:
    """Why this file cannot be uploaded as a song ("" when it can), before anything is sent."""
    if content_type not in AUDIO_CONTENT_TYPES:
        return "Not a song file: choose MP3, AAC/M4A, FLAC, Ogg (Vorbis or Opus) or WAV."
    if size > UPLOAD_MAX_BYTES:
        return f"Too large ({size_words(size)}): songs can be up to {size_words(UPLOAD_MAX_BYTES)}."
    if size < 1024:
        return "This file is too small to be a song."
    return ""


# ---------------------------------------------------------------- a listed song


@dataclasses.dataclass
class SongRow:
    """What a list shows of a song (and what its edit dialog starts from)."""

    song_id: str = ""
    title: str = ""
    subtitle: str = ""  # "Artist · Album"
    duration: str = ""  # "3:07"
    cover_url: str = ""
    status: str = "ready"  # ready | processing | refused
    refused_reason: str = ""
    mine: bool = True
    shared: bool = False  # mine, shared with my partner
    play_index: int = -1  # its place among the list's ready songs (-1: not playable)
    artist: str = ""
    album: str = ""
    album_artist: str = ""
    track_number: str = ""
    disc_number: str = ""
    year: str = ""
    genre: str = ""

    @classmethod
    def of(cls, song: Song) -> SongRow:
        return cls(
            song_id=song.song_id,
            title=song.title,
            subtitle=song_subtitle(song.artist, song.album),
            duration=song_duration(song.duration_seconds),
            cover_url=song.cover_url or "",
            status=song.status,
            refused_reason=song.refused_reason or "",
            mine=song.mine,
            shared=song.mine and song.visibility == "partner",
            artist=song.artist or "",
            album=song.album or "",
            album_artist=song.album_artist or "",
            track_number=str(song.track_number or ""),
            disc_number=str(song.disc_number or ""),
            year=str(song.year or ""),
            genre=song.genre or "",
        )


def numbered(rows: list[SongRow]) -> list[SongRow]:
    """The rows with each ready song's place among the ready ones (what ``play_songs`` takes)."""
    index = 0
    out: list[SongRow] = []
    for row in rows:
        playable = row.status == "ready"
        out.append(dataclasses.replace(row, play_index=index if playable else -1))
        index += playable
    return out


def ready_ids(rows: list[SongRow]) -> list[str]:
    return [row.song_id for row in rows if row.status == "ready"]


def replace_row(rows: list[SongRow], row: SongRow) -> tuple[list[SongRow], bool]:
    found = False
    out: list[SongRow] = []
    for current in rows:
        if current.song_id == row.song_id:
            out.append(row)
            found = True
        else:
            out.append(current)
    return (numbered(out) if found else rows), found


def without_row(rows: list[SongRow], song_id: str) -> list[SongRow]:
    return numbered([row for row in rows if row.song_id != song_id])


def with_page(rows: list[SongRow], page: list[SongRow], *, more: bool) -> list[SongRow]:
    """The next page after what is listed (a song already listed, moved by a change, once)."""
    if not more:
        return numbered(page)
    known = {row.song_id for row in rows}
    return numbered([*rows, *(row for row in page if row.song_id not in known)])


# ---------------------------------------------------------------- who hears of a change

SongApply = Callable[[Any, SongChangedMessage], Awaitable[Any]]
_LOCAL: list[tuple[type[rx.State], SongApply]] = []


def listen_to_songs(state_cls: type[rx.State], apply: SongApply) -> None:
    """``await apply(state, message)`` (under the tab's lock; it may return an event to run
    next) for every live ``SongChangedMessage`` and every change made from this tab's menus."""
    listen_to_live((SongChangedMessage,), state_cls, apply)
    _LOCAL.append((state_cls, apply))


async def tell_pages(state: rx.State, song_id: str, change: str) -> list[Any]:
    """A change made here: apply it to every music state at once; returns their follow-up events."""
    message = SongChangedMessage(song_id=song_id, change=change)  # type: ignore[arg-type]
    events: list[Any] = []
    for state_cls, apply in _LOCAL:
        target = await state.get_state(state_cls)
        event = await apply(target, message)
        if event is not None:
            events.append(event)
    return events


# ---------------------------------------------------------------- the song menu's actions

_EDIT_FIELDS = ("title", "artist", "album", "album_artist", "track_number", "disc_number", "year", "genre")
_NUMBER_FIELDS = {"track_number": (1, 9999), "disc_number": (1, 999), "year": (1000, 2999)}
_NUMBER_WORDS = {"track_number": "Track", "disc_number": "Disc", "year": "Year"}
COVER_INPUT_ID = "song-cover-file"
COVER_PROGRESS_ID = "song-cover-progress"
COVER_CHANGE_ID = "song-cover-change"
_NOT_READY = "This song is still being processed: edit it once it is ready."


def changed_fields(before: dict[str, str], form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """What the edit form changes (only those fields: a number cleared is None, a text cleared
    is ""), and the problems found at the fields before asking the API."""
    changes: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in _EDIT_FIELDS:
        if name not in form:
            continue
        value = " ".join(str(form.get(name) or "").split())
        if value == " ".join(str(before.get(name) or "").split()):
            continue
        if name == "title" and not value:
            problems[name] = "A song needs a title."
        elif name in _NUMBER_FIELDS:
            if not value:
                changes[name] = None
            elif not re.fullmatch(r"\d{1,4}", value):
                problems[name] = f"{_NUMBER_WORDS[name]} is a number."
            else:
                low, high = _NUMBER_FIELDS[name]
                number = int(value)
                if not low <= number <= high:
                    problems[name] = f"{_NUMBER_WORDS[name]} is from {low} to {high}."
                else:
                    changes[name] = number
        else:
            changes[name] = value
    return changes, problems


class SongActionsState(rx.State):
    """The song menu's dialogs: edit details, delete (with a confirmation); sharing."""

    edit_open: bool = False
    edit_song: dict[str, str] = {}
    edit_errors: dict[str, str] = {}
    edit_error: str = ""
    saving: bool = False

    edit_cover: str = ""  # the cover's signed URL ("" for none)
    cover_busy: bool = False
    cover_stage: str = ""
    cover_error: str = ""
    cover_notice: str = ""
    _cover_song: str = ""
    _cover_key: str = ""

    delete_open: bool = False
    delete_id: str = ""
    delete_title: str = ""
    deleting: bool = False
    delete_error: str = ""

    notice: str = ""

    @rx.event
    def open_edit(self, row: dict[str, Any]):
        self.edit_song = {name: str(row.get(name) or "") for name in ("song_id", *_EDIT_FIELDS)}
        self.edit_errors = {}
        self.edit_error = ""
        self.edit_cover = str(row.get("cover_url") or "")
        self.cover_error = self.cover_notice = ""
        self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool):
        if not self.saving and not self.cover_busy:
            self.edit_open = value

    @rx.event
    def choose_cover(self):
        """Ask the browser what picture is chosen; the answer arrives in ``start_cover``."""
        if self.cover_busy:
            return None
        self.cover_error = self.cover_notice = ""
        return rx.call_script(describe_script(COVER_INPUT_ID), callback=SongActionsState.start_cover)

    @rx.event
    async def start_cover(self, chosen: dict[str, Any] | None):
        if self.cover_busy:
            return
        problem = image_problem(chosen, get_settings().avatar_max_bytes, noun="picture")
        if problem or not chosen:
            self.cover_error = problem
            return
        song_id = self.edit_song.get("song_id", "")
        self.cover_busy = True
        self.cover_stage = "Uploading…"
        yield
        try:
            request = SongCoverUploadRequest(content_type=chosen["type"], size=int(chosen["size"]))
            ticket = await api_call(self, lambda api, token: api.song_cover_ticket(token, song_id, request))
        except SessionEnded:
            self.cover_busy = False
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.cover_busy = False
            self.cover_error = _NOT_READY if failure.code == "song_not_ready" else failure.message
            return
        self._cover_song, self._cover_key = song_id, ticket.key
        yield rx.call_script(
            post_script(COVER_INPUT_ID, ticket, COVER_PROGRESS_ID), callback=SongActionsState.cover_sent
        )

    @rx.event
    async def cover_sent(self, result: dict[str, Any] | None):
        """The browser posted the picture to storage; have the API check it and make it the cover."""
        if not self.cover_busy:
            return
        problem = storage_problem(result, noun="picture")
        if problem:
            self.cover_busy = False
            self.cover_error = problem
            return
        self.cover_stage = "Saving…"
        yield
        song_id, key = self._cover_song, self._cover_key
        changed = False
        try:
            song = await api_call(self, lambda api, token: api.confirm_song_cover(token, song_id, key))
            changed = True
            if self.edit_song.get("song_id") == song_id:
                self.edit_cover = song.cover_url or ""
            self.cover_notice = "Cover changed."
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.cover_error = _NOT_READY if failure.code == "song_not_ready" else failure.message
        finally:
            self.cover_busy = False
            self._cover_song = self._cover_key = ""
        yield rx.call_script(clear_script(COVER_INPUT_ID))
        if changed:
            for event in await tell_pages(self, song_id, "updated"):
                yield event

    @rx.event
    async def remove_cover(self):
        if self.cover_busy:
            return
        song_id = self.edit_song.get("song_id", "")
        self.cover_error = self.cover_notice = ""
        self.cover_busy = True
        self.cover_stage = "Saving…"
        yield
        try:
            await api_call(self, lambda api, token: api.remove_song_cover(token, song_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.cover_error = _NOT_READY if failure.code == "song_not_ready" else failure.message
            return
        finally:
            self.cover_busy = False
        self.edit_cover = ""
        self.cover_notice = "Cover removed."
        # "Remove cover" is gone with the cover: the keyboard goes on from "Change cover"
        yield rx.call_script(f"document.getElementById({json.dumps(COVER_CHANGE_ID)})?.focus()")
        for event in await tell_pages(self, song_id, "updated"):
            yield event

    @rx.event
    async def save_edit(self, form: dict[str, Any]):
        if self.saving:
            return
        changes, problems = changed_fields(self.edit_song, form)
        self.edit_errors = problems
        self.edit_error = ""
        if problems:
            return
        if not changes:
            self.edit_open = False
            return
        try:
            request = SongUpdate(**changes)
        except ValidationError:
            self.edit_error = "Check the details, then save again."
            return
        song_id = self.edit_song.get("song_id", "")
        self.saving = True
        yield
        try:
            await api_call(self, lambda api, token: api.update_song(token, song_id, request))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.edit_errors = {name: message for name, message in failure.fields.items() if name in _EDIT_FIELDS}
            if failure.code == "song_not_ready":
                self.edit_error = _NOT_READY
            elif not self.edit_errors:
                self.edit_error = failure.message
            return
        finally:
            self.saving = False
        self.edit_open = False
        for event in await tell_pages(self, song_id, "updated"):
            yield event

    @rx.event
    async def set_visibility(self, song_id: str, visibility: str):
        if visibility not in ("private", "partner"):
            return
        try:
            await api_call(self, lambda api, token: api.update_song(token, song_id, SongUpdate(visibility=visibility)))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            yield rx.toast.error(failure.message, duration=5000, close_button=True)
            return
        words = "Shared with your partner." if visibility == "partner" else "Only you can hear it now."
        yield rx.toast.success(words, duration=3000)
        for event in await tell_pages(self, song_id, "updated"):
            yield event

    @rx.event
    def ask_delete(self, song_id: str, title: str):
        self.delete_id = song_id
        self.delete_title = title
        self.delete_error = ""
        self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool):
        if not self.deleting:
            self.delete_open = value

    @rx.event
    async def confirm_delete(self):
        if self.deleting or not self.delete_id:
            return
        song_id = self.delete_id
        self.deleting = True
        self.delete_error = ""
        yield
        try:
            await api_call(self, lambda api, token: api.delete_song(token, song_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status != 404:  # gone already: as good as deleted
                self.delete_error = failure.message
                return
        finally:
            self.deleting = False
        self.delete_open = False
        for event in await tell_pages(self, song_id, "deleted"):
            yield event


async def refetch_song(state: Any, song_id: str) -> Song | None:
    """One song again (a change was heard); None when it is gone (404). Other errors raise."""
    try:
        return await api_call(state, lambda api, token: api.song(token, song_id))
    except ApiError as failure:
        if failure.status == 404 and not isinstance(failure, SessionEnded):
            return None
        raise


__all__ = [
    "COVER_CHANGE_ID",
    "COVER_INPUT_ID",
    "COVER_PROGRESS_ID",
    "SongActionsState",
    "SongRow",
    "audio_type",
    "changed_fields",
    "count_words",
    "file_problem",
    "listen_to_songs",
    "numbered",
    "ready_ids",
    "refetch_song",
    "replace_row",
    "size_words",
    "song_duration",
    "song_subtitle",
    "tell_pages",
    "usage_percent",
    "usage_words",
    "with_page",
    "without_row",
]
