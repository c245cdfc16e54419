"""The new-moment form's state and rules: what a chosen file may be, the upload to storage, and
making the moment (see the package's docstring)."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import (
    MOMENT_DESCRIPTION_MAX,
    MOMENT_TITLE_MAX,
    PHOTO_CONTENT_TYPES,
    VIDEO_CONTENT_TYPES,
    MomentCreate,
    MomentUploadRequest,
)
from backend.settings import get_settings
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.moments import duration_label
from lumi_app.state.couple import is_not_paired
from lumi_app.state.moment_form import parse_tags
from lumi_app.state.session import (
    ApiOutsideLock,
    SessionEnded,
    SessionState,
    api_call,
    is_signed_in,
    login_redirect,
    show_profile,
)
from lumi_app.state.visit import opens_new_visit

FILE_INPUT_ID = "moment-file"
RECORD_INPUT_ID = "moment-record"
PHOTO_INPUT_ID = "moment-take-photo"
DROP_ZONE_ID = "moment-drop-zone"
CHOSEN_ID = "moment-chosen"
PROGRESS_ID = "moment-progress"
TITLE_ID = "moment-title"
DESCRIPTION_ID = "moment-description"
TAGS_ID = "moment-tags"
MB = 1024 * 1024

CANCEL_SCRIPT = f"window.lumiUpload.cancel({json.dumps(FILE_INPUT_ID)})"
_DESCRIBE_SCRIPT = f"window.lumiUpload.describe({json.dumps(FILE_INPUT_ID)})"
_INSPECT_SCRIPT = f"window.lumiUpload.inspect({json.dumps(FILE_INPUT_ID)})"
_FIELD_ERRORS = {"title": "title_error", "description": "description_error", "tags": "tags_error"}


def file_problem(chosen: dict[str, Any] | None) -> str:
    """What is wrong with the chosen file, checked before anything is uploaded ("" if nothing)."""
    if not chosen:
        return "Choose a video or photo first."
    settings = get_settings()
    content_type = str(chosen.get("type") or "")
    size = int(chosen.get("size") or 0)
    if content_type not in VIDEO_CONTENT_TYPES + PHOTO_CONTENT_TYPES:
        return (
            "That isn't a video or photo Lumi can share. "
            "Choose an MP4, MOV or WebM video, or a JPEG, PNG, WebP or HEIC photo."
        )
    if size <= 0:
        return "That file is empty. Choose another one."
    if content_type in PHOTO_CONTENT_TYPES:
        if size < settings.photo_min_bytes:
            return "That file is too small to be a photo. Choose another one."
        if size > settings.photo_max_bytes:
            return f"That photo is larger than {settings.photo_max_bytes // MB} MB. Choose a smaller one."
        return ""
    if size < settings.moment_min_bytes:
        return "That file is too small to be a video. Choose another one."
    if size > settings.moment_max_bytes:
        return f"That video is larger than {settings.moment_max_bytes // MB} MB. Choose a shorter one."
    return ""


def shared_words(title: str, kind: str) -> str:
    """What the person hears when their moment is made while they are on another page: a video is
    checked by the media job after this, so it is not ready to watch yet."""
    if kind == "video":
        return f"“{title}” is shared. Processing your video…"
    return f"“{title}” is shared."


def size_label(size: int) -> str:
    """ "12 MB", "340 KB": a chosen file's size as people say it."""
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(size / 1024))} KB"


def chosen_summary(chosen: dict[str, Any]) -> str:
    """What the drop zone announces: "beach.mp4 · video · 0:07 · 12 MB"."""
    kind = "photo" if str(chosen.get("type") or "") in PHOTO_CONTENT_TYPES else "video"
    parts = [str(chosen.get("name") or "Untitled"), kind]
    duration = chosen.get("duration")
    if kind == "video" and isinstance(duration, int | float) and duration > 0:
        parts.append(duration_label(float(duration)))
    parts.append(size_label(int(chosen.get("size") or 0)))
    return " · ".join(parts)


class UploadState(rx.State):
    loaded: bool = False
    not_paired: bool = False

    title: str = ""
    description: str = ""
    tags_text: str = ""

    stage: str = ""  # "" | uploading | checking
    # The chosen file, as the browser describes it (the bytes stay there): its preview (an object
    # URL of this document), kind, length and what the drop zone says about it.
    preview_url: str = ""
    chosen_kind: str = ""  # "" | video | photo
    chosen_duration: str = ""  # "0:07"; "" for a photo or while unknown
    chosen_text: str = ""
    error: str = ""
    notice: str = ""
    file_error: str = ""
    title_error: str = ""
    description_error: str = ""
    tags_error: str = ""

    _moment_id: str = ""
    _visit: str = ""

    @rx.var(cache=True)
    def busy(self) -> bool:
        return self.stage != ""

    @rx.var(cache=True)
    def parsed_tags(self) -> list[str]:
        return parse_tags(self.tags_text)[0]

    @rx.var(cache=True)
    def title_count(self) -> str:
        return f"{len(self.title)}/{MOMENT_TITLE_MAX}"

    @rx.var(cache=True)
    def description_count(self) -> str:
        return f"{len(self.description)}/{MOMENT_DESCRIPTION_MAX}"

    def _clear_messages(self) -> None:
        self.error = self.notice = self.file_error = ""
        self.title_error = self.description_error = self.tags_error = ""

    @rx.event
    async def load(self):
        """A fresh form each visit (a reconnect keeps what was typed, chosen and sent).

        The form is there at once for a person the session knows to be paired; one it thinks
        has no partner is checked again with the API (they may have paired in another tab).
        """
        if not await is_signed_in(self):
            return None
        if await opens_new_visit(self):
            self._clear_messages()
            self.title = self.description = self.tags_text = ""
            self.stage = ""
            self._moment_id = ""
            self._forget_chosen()
        self.not_paired = not (await self.get_state(SessionState)).relationship_id
        self.loaded = not self.not_paired
        return None if self.loaded else UploadState.check_pairing

    @rx.event(background=True)
    async def check_pairing(self):
        try:
            profile = await ApiOutsideLock(self).call(lambda api, token: api.me(token))
        except SessionEnded:
            async with self:
                redirect = await login_redirect(self)
            yield redirect
            return
        except ApiError as failure:
            async with self:
                self.error = failure.message
                self.not_paired = False  # let them try; sharing says again if they have no partner
                self.loaded = True
            return
        async with self:
            await show_profile(self, profile)
            self.not_paired = not profile.relationship_id
            self.loaded = True

    @rx.event
    def set_title(self, value: str):
        self.title = value[:MOMENT_TITLE_MAX]
        if self.title.strip():
            self.title_error = ""

    @rx.event
    def set_description(self, value: str):
        self.description = value[:MOMENT_DESCRIPTION_MAX]
        self.description_error = ""

    @rx.event
    def set_tags_text(self, value: str):
        self.tags_text = value[:400]
        self.tags_error = parse_tags(self.tags_text)[1]

    def _forget_chosen(self) -> None:
        self.preview_url = self.chosen_kind = self.chosen_duration = self.chosen_text = ""

    @rx.event
    def file_changed(self, _value: str = ""):
        """A file was chosen (or dropped): the browser describes it, with a preview and its length."""
        self.notice = ""
        return rx.call_script(_INSPECT_SCRIPT, callback=UploadState.check_file)

    @rx.event
    def check_file(self, chosen: dict[str, Any] | None):
        """Show the chosen file, and say at once if it won't do."""
        if not chosen:
            self._forget_chosen()
            self.file_error = ""
            return
        self.file_error = file_problem(chosen)
        preview = str(chosen.get("preview") or "")
        self.preview_url = preview if preview.startswith("blob:") else ""
        self.chosen_kind = "photo" if str(chosen.get("type") or "") in PHOTO_CONTENT_TYPES else "video"
        duration = chosen.get("duration")
        has_length = self.chosen_kind == "video" and isinstance(duration, int | float) and duration > 0
        self.chosen_duration = duration_label(float(duration)) if has_length else ""  # type: ignore[arg-type]
        self.chosen_text = chosen_summary(chosen)

    @rx.event
    def share(self, _form: dict[str, Any] | None = None):
        """Check what was typed, then ask the browser about the file (the answer goes to ``start_upload``)."""
        if self.busy:
            return None
        self._clear_messages()
        if not self.title.strip():
            self.title_error = "Give your moment a title."
        self.tags_error = parse_tags(self.tags_text)[1]
        if self.title_error or self.tags_error:
            return None
        return rx.call_script(_DESCRIBE_SCRIPT, callback=UploadState.start_upload)

    @rx.event
    async def start_upload(self, chosen: dict[str, Any] | None):
        if self.busy:
            return
        if problem := file_problem(chosen):
            self.file_error = problem
            return
        assert chosen is not None
        self.stage = "uploading"
        yield
        try:
            request = MomentUploadRequest(
                content_type=str(chosen["type"]),  # type: ignore[arg-type]
                size=int(chosen["size"]),
                file_name=str(chosen.get("name") or "")[:255] or None,
            )
            ticket = await api_call(self, lambda api, token: api.moment_upload_ticket(token, request))
        except SessionEnded:
            self.stage = ""
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.stage = ""
            if is_not_paired(failure):
                self.not_paired = True
            elif failure.status == 422:
                self.file_error = failure.fields.get("size") or failure.fields.get("content_type") or failure.message
            else:
                self.error = failure.message
            return
        self._moment_id = ticket.moment_id
        yield rx.call_script(
            "window.lumiUpload.post("
            f"{json.dumps(FILE_INPUT_ID)}, {json.dumps({'url': ticket.url, 'fields': ticket.fields})}, "
            f"{json.dumps(PROGRESS_ID)})",
            callback=UploadState.upload_sent,
        )

    @rx.event
    def cancel(self):
        """Handled after ``start_upload`` has handed the post to the browser, so this reaches it."""
        if self.stage == "uploading":
            return rx.call_script(CANCEL_SCRIPT)
        return None

    @rx.event
    async def upload_sent(self, result: dict[str, Any] | None):
        """The browser finished (or stopped) posting the video; have the API check it and make the moment."""
        if self.stage != "uploading":
            return
        result = result or {}
        if not result.get("ok"):
            self.stage = ""
            reason = result.get("reason")
            if reason == "cancelled":
                self.notice = "Upload cancelled. Nothing was shared."
            elif reason == "network":
                self.error = "Lumi's storage can't be reached. Check your connection and try again."
            elif reason == "no_file":
                self.file_error = "Choose a video or photo first."
            else:
                self.file_error = "Storage refused the file (too large, or not what it said it was). Try another."
            return
        self.stage = "checking"
        yield
        try:
            request = MomentCreate(
                moment_id=self._moment_id,
                title=self.title,
                description=self.description,
                tags=parse_tags(self.tags_text)[0],
            )
        except ValidationError:
            self.stage = ""
            self.error = "Check the title, description and tags, then share again."
            return
        try:
            moment = await api_call(self, lambda api, token: api.create_moment(token, request))
        except SessionEnded:
            self.stage = ""
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self.stage = ""
            self._show_refusal(failure)
            return
        if routes.normalize(self.router.url.path) != routes.MOMENT_NEW:
            # They went elsewhere while it uploaded: say so there instead of pulling them away.
            self.stage = ""
            yield rx.toast.success(shared_words(moment.title, moment.kind), duration=4000, close_button=True)
            return
        yield rx.call_script(f"window.lumiUpload.clear({json.dumps(FILE_INPUT_ID)})")
        self._forget_chosen()
        yield rx.redirect(routes.moment_url(moment.moment_id))

    def _show_refusal(self, failure: ApiError) -> None:
        """Put the API's reasons beside the fields they concern; the rest, the video's, beside the file."""
        if is_not_paired(failure):
            self.not_paired = True
            return
        others: list[str] = []
        for name, message in failure.fields.items():
            attr = _FIELD_ERRORS.get(name)
            if attr is not None:
                setattr(self, attr, message)
            else:
                others.append(message)
        if failure.code in ("invalid_video", "invalid_photo") or (failure.status == 422 and others):
            # "That file is not a video we can use." plus the check's own words, once each.
            self.file_error = " ".join([failure.message, *[o for o in others if o != failure.message]])
        elif not (self.title_error or self.description_error or self.tags_error):
            self.error = failure.message
