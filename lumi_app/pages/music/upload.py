"""Upload songs: choose several files or drop them (a folder's too), each goes straight to S3.

Each file is checked in the browser first (an audio type, at most 200 MB: a clear word per
file, nothing sent), then, two at a time: a ticket from the API (``music_upload_ticket``: 409
when it would not fit in the person's storage), the presigned POST from the browser
(``assets/lumi-music-upload.js``: progress and Cancel per file), and the confirm
(``confirm_song``: 422 when it is not audio at all). A file that fails does not stop the others.
A confirmed song is "Processing…" until the music job makes it ready or refuses it: the
person's ``music`` channel says which, live, and the row shows "Ready" (with Play) or why it was
refused (a duplicate, a file that is not a song…).

The rows belong to the tab, not the visit: the uploads go on while the person looks at other
pages, and the rows are still there when they come back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import Any

import reflex as rx

from backend.contracts import MusicUploadRequest, SongChangedMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import form_error
from lumi_app.components.music import music_tabs
from lumi_app.components.shell import page
from lumi_app.state.music import (
    audio_type,
    file_problem,
    listen_to_songs,
    size_words,
    usage_percent,
    usage_words,
)
from lumi_app.state.page_data import open_page, run_fetch
from lumi_app.state.player import PlayerState
from lumi_app.state.session import ApiOutsideLock, SessionEnded, login_redirect

FILES_INPUT_ID = "music-files"
DROP_ZONE_ID = "music-drop-zone"
AT_ONCE = 2  # files sent at the same time
ACCEPT = "audio/*,.mp3,.m4a,.aac,.flac,.ogg,.oga,.opus,.wav"
_SENDING = ("starting", "uploading", "confirming")
_SR_ONLY = {
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


@dataclasses.dataclass
class UploadRow:
    """One chosen file, from the browser's check to ready or refused."""

    id: str = ""  # the browser's id of the file
    name: str = ""
    size: str = ""  # "4 MB"
    content_type: str = ""
    bytes: int = 0
    # waiting | starting | uploading | confirming | processing | ready | refused | failed | cancelled
    status: str = "waiting"
    message: str = ""  # why it failed or was refused
    song_id: str = ""


def upload_status_words(status: str, message: str = "") -> str:
    """What a file's row says of where it is."""
    return {
        "waiting": "Waiting…",
        "starting": "Starting…",
        "uploading": "Uploading",
        "confirming": "Checking…",
        "processing": "Processing…",
        "ready": "Ready",
        "refused": f"Refused: {message}" if message else "Refused",
        "failed": message or "Could not be uploaded",
        "cancelled": "Cancelled",
    }.get(status, status)


def _failure_words(failure: ApiError) -> str:
    if failure.code == "quota_exceeded":
        return failure.message
    return (
        failure.fields.get("size")
        or failure.fields.get("content_type")
        or failure.fields.get("file")
        or failure.message
    )


class MusicUploadState(rx.State):
    rows: list[UploadRow] = []
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    used: int = 0
    quota: int = 0
    song_count: int = 0

    _visit: str = ""
    _generation: int = 0

    @rx.var(cache=True)
    def usage_text(self) -> str:
        return usage_words(self.used, self.quota) if self.quota else ""

    @rx.var(cache=True)
    def usage_value(self) -> int:
        return usage_percent(self.used, self.quota)

    @rx.var(cache=True)
    def has_finished(self) -> bool:
        return any(row.status in ("ready", "refused", "failed", "cancelled") for row in self.rows)

    async def _get(self, api: ApiOutsideLock) -> Any:
        return await api.call(lambda api, token: api.music_usage(token))

    async def _show(self, usage: Any) -> list[Any] | None:
        """The storage figure; on a visit or a reconnect, also check the songs still processing
        here (a live message may have been missed meanwhile)."""
        self.used, self.quota, self.song_count = usage.bytes_used, usage.quota_bytes, usage.song_count
        waiting = [row.song_id for row in self.rows if row.status == "processing" and row.song_id]
        return [MusicUploadState.song_settled(song_id) for song_id in waiting] or None

    @rx.event
    async def load(self):
        return await open_page(self, MusicUploadState.fetch)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    def _row(self, file_id: str) -> UploadRow | None:
        return next((row for row in self.rows if row.id == file_id), None)

    def _set(self, file_id: str, **changes: Any) -> None:
        self.rows = [dataclasses.replace(row, **changes) if row.id == file_id else row for row in self.rows]

    def _pump(self) -> list[Any]:
        """Start the next waiting files, up to ``AT_ONCE`` under way."""
        sending = sum(row.status in _SENDING for row in self.rows)
        events: list[Any] = []
        for row in self.rows:
            if sending >= AT_ONCE:
                break
            if row.status == "waiting":
                self._set(row.id, status="starting")
                events.append(MusicUploadState.start_file(row.id))
                sending += 1
        return events

    # ------------------------------------------------------------ choosing files

    @rx.event
    def files_changed(self, _value: Any = None):
        return rx.call_script(
            f"window.lumiMusicUpload.take({json.dumps(FILES_INPUT_ID)})", callback=MusicUploadState.files_chosen
        )

    @rx.event
    def files_chosen(self, chosen: list[dict[str, Any]] | None):
        forget: list[str] = []
        for item in chosen or []:
            file_id, name = str(item.get("id") or ""), str(item.get("name") or "")[:255]
            size = int(item.get("size") or 0)
            content_type = audio_type(name, str(item.get("type") or ""))
            if not file_id:
                continue
            problem = file_problem(name, content_type, size)
            self.rows = [
                *self.rows,
                UploadRow(
                    id=file_id,
                    name=name or "Untitled",
                    size=size_words(size),
                    content_type=content_type,
                    bytes=size,
                    status="failed" if problem else "waiting",
                    message=problem,
                ),
            ]
            if problem:
                forget.append(file_id)
        events: list[Any] = [rx.call_script(f"window.lumiMusicUpload.forget({json.dumps(i)})") for i in forget]
        return [*events, *self._pump()]

    @rx.event
    def clear_finished(self):
        self.rows = [row for row in self.rows if row.status not in ("ready", "refused", "failed", "cancelled")]

    # ------------------------------------------------------------ sending one file

    @rx.event(background=True)
    async def start_file(self, file_id: str):
        """A ticket for the file (outside the tab's lock: Cancel stays quick), then the browser posts it."""
        async with self:
            row = self._row(file_id)
            if row is None or row.status != "starting":
                return
            name, content_type, size = row.name, row.content_type, row.bytes
        events: list[Any] = []
        try:
            request = MusicUploadRequest(content_type=content_type, size=size, file_name=name)  # type: ignore[arg-type]
            ticket = await ApiOutsideLock(self).call(lambda api, token: api.music_upload_ticket(token, request))
        except SessionEnded:
            async with self:
                redirect = await login_redirect(self)
            yield redirect
            return
        except (ApiError, ValueError) as failure:  # ValueError: the request's own checks
            words = _failure_words(failure) if isinstance(failure, ApiError) else file_problem(name, "", size)
            async with self:
                self._set(file_id, status="failed", message=words)
                events = self._pump()
            yield rx.call_script(f"window.lumiMusicUpload.forget({json.dumps(file_id)})")
            for event in events:
                yield event
            return
        async with self:
            row = self._row(file_id)
            if row is None or row.status != "starting":  # cancelled meanwhile
                return
            self._set(file_id, status="uploading", song_id=ticket.song_id)
        yield rx.call_script(
            f"window.lumiMusicUpload.post({json.dumps(file_id)}, "
            f"{json.dumps({'url': ticket.url, 'fields': ticket.fields})})",
            callback=MusicUploadState.upload_sent,
        )

    @rx.event
    def cancel(self, file_id: str):
        row = self._row(file_id)
        if row is None:
            return None
        if row.status == "uploading":
            return rx.call_script(f"window.lumiMusicUpload.cancel({json.dumps(file_id)})")
        if row.status in ("waiting", "starting"):
            self._set(file_id, status="cancelled")
            return [rx.call_script(f"window.lumiMusicUpload.forget({json.dumps(file_id)})"), *self._pump()]
        return None

    @rx.event(background=True)
    async def upload_sent(self, result: dict[str, Any] | None):
        """The browser finished (or stopped) posting a file: confirm it (outside the tab's lock)."""
        result = result or {}
        file_id = str(result.get("id") or "")
        async with self:
            row = self._row(file_id)
            if row is None or row.status != "uploading":
                return
            song_id, events = row.song_id, []
            if not result.get("ok"):
                reason = result.get("reason")
                if reason == "cancelled":
                    self._set(file_id, status="cancelled")
                elif reason == "network":
                    self._set(
                        file_id, status="failed", message="Lumi's storage can't be reached. Check your connection."
                    )
                else:
                    self._set(
                        file_id, status="failed", message="Storage refused the file (too large, or not what it said)."
                    )
                events = self._pump()
            else:
                self._set(file_id, status="confirming")
        if not result.get("ok"):
            for event in events:
                yield event
            return
        api = ApiOutsideLock(self)
        try:
            song = await api.call(lambda api, token: api.confirm_song(token, song_id))
        except SessionEnded:
            async with self:
                redirect = await login_redirect(self)
            yield redirect
            return
        except ApiError as failure:
            changes = {"status": "refused" if failure.code == "invalid_audio" else "failed"}
            changes["message"] = _failure_words(failure)
        else:
            changes = {"status": song.status, "message": song.refused_reason or ""}
        usage = None
        with contextlib.suppress(ApiError):  # the figure shown stays until the next load
            usage = await api.call(lambda api, token: api.music_usage(token))
        async with self:
            row = self._row(file_id)
            if row is not None and row.status == "confirming":  # not settled live meanwhile
                self._set(file_id, **changes)
            if usage is not None:
                await self._show(usage)
            events = self._pump()
        for event in events:
            yield event

    # ------------------------------------------------------------ live

    @rx.event(background=True)
    async def song_settled(self, song_id: str):
        """The music job is done with one of these songs: ready, or refused (and why)."""
        api = ApiOutsideLock(self)
        try:
            song = await api.call(lambda api, token: api.song(token, song_id))
        except SessionEnded:
            async with self:
                redirect = await login_redirect(self)
            yield redirect
            return
        except ApiError as failure:
            if failure.status != 404:
                return  # the row stays "Processing…" until the next message or visit
            song = None
        usage = None
        with contextlib.suppress(ApiError):
            usage = await api.call(lambda api, token: api.music_usage(token))
        async with self:
            for row in self.rows:
                if row.song_id == song_id and row.status in ("processing", "confirming"):
                    if song is None:
                        self._set(row.id, status="refused", message="It was deleted.")
                    else:
                        self._set(row.id, status=song.status, message=song.refused_reason or "")
            if usage is not None:
                await self._show(usage)


async def _apply(state: Any, message: SongChangedMessage) -> Any:
    if message.change not in ("ready", "refused", "deleted"):
        return None
    if not any(row.song_id == message.song_id and row.status in ("processing", "confirming") for row in state.rows):
        return None
    return MusicUploadState.song_settled(message.song_id)


listen_to_songs(MusicUploadState, _apply)


# ---------------------------------------------------------------- view


def _drop_zone() -> rx.Component:
    return rx.el.label(
        rx.icon("upload", size=28, aria_hidden="true", color=rx.color("accent", 10)),
        rx.el.span("Drop songs or a folder here, or ", rx.el.u("choose files"), font_weight="500"),
        rx.el.span(
            "MP3, AAC/M4A, FLAC, Ogg (Vorbis or Opus) or WAV, up to 200 MB each.", font_size="var(--font-size-1)"
        ),
        rx.el.input(
            type="file",
            id=FILES_INPUT_ID,
            multiple=True,
            accept=ACCEPT,
            on_change=MusicUploadState.files_changed,
            aria_label="Song files",
            style=_SR_ONLY,
        ),
        html_for=FILES_INPUT_ID,
        id=DROP_ZONE_ID,
        custom_attrs={"data-lumi-music-drop": FILES_INPUT_ID},
        display="flex",
        flex_direction="column",
        align_items="center",
        justify_content="center",
        gap="0.5rem",
        min_height=rx.breakpoints(initial="7rem", sm="10rem"),
        padding="1rem",
        text_align="center",
        color=rx.color("gray", 11),
        border=f"2px dashed {rx.color('accent', 7)}",
        border_radius="var(--radius-4)",
        background=rx.color("accent", 2),
        cursor="pointer",
        _hover={"background": rx.color("accent", 3)},
        _focus_within={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "2px"},
        style={"&[data-dragging]": {"background": rx.color("accent", 4), "borderStyle": "solid"}},
    )


def _usage() -> rx.Component:
    return rx.cond(
        MusicUploadState.usage_text != "",
        rx.vstack(
            rx.text(
                rx.el.span(MusicUploadState.usage_text, id="music-usage-text"),
                " of your music storage",
                size="2",
                color_scheme="gray",
            ),
            rx.progress(
                value=MusicUploadState.usage_value,
                max=100,
                aria_labelledby="music-usage-text",
                width="100%",
            ),
            spacing="1",
            width="100%",
        ),
    )


def _row_status(row: rx.Var[UploadRow]) -> rx.Component:
    return rx.match(
        row.status,
        (
            "uploading",
            rx.hstack(
                rx.el.progress(
                    id="music-upload-progress-" + row.id,
                    max=100,
                    aria_label="Upload of " + row.name,
                    style={"width": "100%", "minWidth": "0", "height": "0.5rem"},
                ),
                rx.el.span(
                    "0%",
                    id="music-upload-progress-" + row.id + "-text",
                    font_size="var(--font-size-2)",
                    font_variant_numeric="tabular-nums",
                    min_width="3ch",
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
        ),
        (
            "processing",
            rx.hstack(rx.spinner(size="1"), rx.text("Processing…", size="2", color_scheme="gray"), align="center"),
        ),
        (
            "ready",
            rx.hstack(
                rx.badge(rx.icon("check", size=14), "Ready", color_scheme="green", size="2"),
                rx.button(
                    rx.icon("play", size=14),
                    "Play",
                    size="1",
                    variant="soft",
                    on_click=PlayerState.play_songs([row.song_id], 0),
                    aria_label="Play " + row.name,
                ),
                align="center",
                spacing="2",
            ),
        ),
        ("refused", rx.text("Refused: ", row.message, size="2", color_scheme="red")),
        ("failed", rx.text(row.message, size="2", color_scheme="red")),
        ("cancelled", rx.text("Cancelled", size="2", color_scheme="gray")),
        ("waiting", rx.text("Waiting…", size="2", color_scheme="gray")),
        rx.hstack(rx.spinner(size="1"), rx.text("Starting…", size="2", color_scheme="gray"), align="center"),
    )


def _row(row: rx.Var[UploadRow]) -> rx.Component:
    can_cancel = (row.status == "uploading") | (row.status == "waiting") | (row.status == "starting")
    return rx.el.li(
        rx.hstack(
            rx.icon("file-audio", size=20, color=rx.color("gray", 10), aria_hidden="true", flex_shrink="0"),
            rx.vstack(
                rx.text(row.name, weight="medium", size="2", overflow_wrap="anywhere"),
                rx.text(row.size, size="1", color_scheme="gray"),
                _row_status(row),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                can_cancel,
                rx.button(
                    "Cancel",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=MusicUploadState.cancel(row.id),
                    aria_label="Cancel " + row.name,
                ),
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        list_style="none",
        padding="0.75rem 0",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-upload-status": row.status},
    )


def _rows() -> rx.Component:
    return rx.cond(
        MusicUploadState.rows.length() > 0,
        rx.vstack(
            rx.flex(
                rx.heading("Your uploads", as_="h2", size="4"),
                rx.cond(
                    MusicUploadState.has_finished,
                    rx.button("Clear finished", size="1", variant="ghost", on_click=MusicUploadState.clear_finished),
                ),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.el.ul(
                rx.foreach(MusicUploadState.rows, _row),
                aria_label="Uploads",
                aria_live="polite",
                padding="0",
                margin="0",
                width="100%",
            ),
            rx.link("See your songs", href=routes.MUSIC, size="2"),
            spacing="2",
            width="100%",
        ),
    )


@page(routes.MUSIC_UPLOAD, "Upload songs", on_load=[MusicUploadState.load], wide=True)
def upload() -> rx.Component:
    return rx.vstack(
        music_tabs(),
        form_error(MusicUploadState.error),
        _usage(),
        _drop_zone(),
        _rows(),
        spacing="4",
        width="100%",
        align="stretch",
        max_width="720px",
    )
