"""The "Change cover" dialog of a playlist (its creator's): choose a picture, see it upload, or
remove the cover. The flow is the song cover's (``state.music.SongActionsState``) over
``state.image_upload`` and ``assets/lumi-upload.js``: describe the chosen file → check it → a
ticket from the API → the browser posts the file to storage → the API confirms it.

This state only shows the dialog's own preview: the playlist page refreshes through the
``playlist_changed`` ``updated`` message the backend publishes after each change.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from backend.contracts import PlaylistCoverUploadRequest
from backend.settings import get_settings
from lumi_app.api_client import ApiError
from lumi_app.state.image_upload import clear_script, describe_script, image_problem, post_script, storage_problem
from lumi_app.state.session import SessionEnded, api_call, login_redirect

# One dialog per page (the playlist page's): fixed element ids.
INPUT_ID = "playlist-cover-file"
PROGRESS_ID = "playlist-cover-progress"
CHANGE_ID = "playlist-cover-change"


def cover_failure(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> str:
    """Clear words for a failed cover change (an ``ApiError``'s parts)."""
    fields = fields or {}
    if status == 403:
        return "Only the person who made this playlist can change its cover."
    if status == 404:
        return "This playlist is not there any more."
    if code == "conflict":
        return "The playlist changed meanwhile. Please try again."
    if code == "invalid_image":
        return fields.get("key") or "That file is not a picture we can use. Try another one."
    if code == "validation_error" and fields:
        return next(iter(fields.values()))
    return message or "The cover could not be changed. Please try again."


class PlaylistCoverState(rx.State):
    """The dialog of the playlist whose "Change cover" was pressed."""

    open: bool = False
    playlist_id: str = ""
    cover_url: str = ""  # the uploaded cover's signed URL ("" for none)
    loading: bool = False
    busy: bool = False
    stage: str = ""
    error: str = ""
    notice: str = ""
    _key: str = ""

    @rx.event
    async def open_for(self, playlist_id: str):
        """Open the dialog and read the playlist's cover as it is now."""
        self.playlist_id = playlist_id
        self.error = self.notice = ""
        self.cover_url = ""
        self.open = True
        self.loading = True
        yield
        try:
            playlist = await api_call(self, lambda api, token: api.playlist(token, playlist_id))
            self.cover_url = playlist.cover_url or ""
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.error = cover_failure(failure.status, failure.code, failure.message, failure.fields)
        finally:
            self.loading = False

    @rx.event
    def set_open(self, value: bool):
        if not self.busy:
            self.open = value

    @rx.event
    def choose(self):
        """Ask the browser what picture is chosen; the answer arrives in ``start``."""
        if self.busy:
            return None
        self.error = self.notice = ""
        return rx.call_script(describe_script(INPUT_ID), callback=PlaylistCoverState.start)

    @rx.event
    async def start(self, chosen: dict[str, Any] | None):
        if self.busy:
            return
        problem = image_problem(chosen, get_settings().avatar_max_bytes, noun="picture")
        if problem or not chosen:
            self.error = problem
            return
        playlist_id = self.playlist_id
        self.busy = True
        self.stage = "Uploading…"
        yield
        try:
            request = PlaylistCoverUploadRequest(content_type=chosen["type"], size=int(chosen["size"]))
            ticket = await api_call(self, lambda api, token: api.playlist_cover_ticket(token, playlist_id, request))
        except SessionEnded:
            self.busy = False
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.busy = False
            self.error = cover_failure(failure.status, failure.code, failure.message, failure.fields)
            return
        self._key = ticket.key
        yield rx.call_script(post_script(INPUT_ID, ticket, PROGRESS_ID), callback=PlaylistCoverState.sent)

    @rx.event
    async def sent(self, result: dict[str, Any] | None):
        """The browser posted the picture to storage; have the API check it and make it the cover."""
        if not self.busy:
            return
        problem = storage_problem(result, noun="picture")
        if problem:
            self.busy = False
            self.error = problem
            return
        self.stage = "Saving…"
        yield
        playlist_id, key = self.playlist_id, self._key
        try:
            playlist = await api_call(self, lambda api, token: api.confirm_playlist_cover(token, playlist_id, key))
            if self.playlist_id == playlist_id:
                self.cover_url = playlist.cover_url or ""
            self.notice = "Cover changed."
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.error = cover_failure(failure.status, failure.code, failure.message, failure.fields)
        finally:
            self.busy = False
            self._key = ""
        yield rx.call_script(clear_script(INPUT_ID))

    @rx.event
    async def remove(self):
        if self.busy:
            return
        playlist_id = self.playlist_id
        self.error = self.notice = ""
        self.busy = True
        self.stage = "Saving…"
        yield
        try:
            await api_call(self, lambda api, token: api.remove_playlist_cover(token, playlist_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.error = cover_failure(failure.status, failure.code, failure.message, failure.fields)
            return
        finally:
            self.busy = False
        self.cover_url = ""
        self.notice = "Cover removed."
        # "Remove cover" is gone with the cover: the keyboard goes on from "Change cover"
        yield rx.call_script(f"document.getElementById({json.dumps(CHANGE_ID)})?.focus()")


__all__ = ["CHANGE_ID", "INPUT_ID", "PROGRESS_ID", "PlaylistCoverState", "cover_failure"]
