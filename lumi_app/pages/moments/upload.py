"""New moment: choose (or, on a phone, record) a video, give it a title, a description and tags.

The video goes from the browser straight to S3 (``assets/lumi-upload.js`` posts it with the
presigned fields of ``POST /moments/uploads``), with a progress bar and a Cancel button;
the Reflex server never sees the bytes. Then ``POST /moments`` has the API check the video
("Checking the video…") and make the moment, and the person lands on its watch page. A
video the check refuses is explained in words, and what they typed stays.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from pydantic import ValidationError

from backend.contracts import (
    MOMENT_DESCRIPTION_MAX,
    MOMENT_TAGS_MAX,
    MOMENT_TITLE_MAX,
    VIDEO_CONTENT_TYPES,
    MomentCreate,
    MomentUploadRequest,
)
from backend.settings import get_settings
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import form_error, form_notice, section, stacked_form, submit_button
from lumi_app.components.moments import loading, not_paired_state
from lumi_app.components.shell import PHONE_ONLY, page
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
PROGRESS_ID = "moment-progress"
TITLE_ID = "moment-title"
DESCRIPTION_ID = "moment-description"
TAGS_ID = "moment-tags"
MB = 1024 * 1024

_CANCEL_SCRIPT = f"window.lumiUpload.cancel({json.dumps(FILE_INPUT_ID)})"
_DESCRIBE_SCRIPT = f"window.lumiUpload.describe({json.dumps(FILE_INPUT_ID)})"
_FIELD_ERRORS = {"title": "title_error", "description": "description_error", "tags": "tags_error"}


def file_problem(chosen: dict[str, Any] | None) -> str:
    """What is wrong with the chosen file, checked before anything is uploaded ("" if nothing)."""
    if not chosen:
        return "Choose a video first."
    settings = get_settings()
    content_type = str(chosen.get("type") or "")
    size = int(chosen.get("size") or 0)
    if content_type not in VIDEO_CONTENT_TYPES:
        return "That isn't a video Lumi can share. Choose an MP4, MOV or WebM video."
    if size <= 0:
        return "That file is empty. Choose another video."
    if size < settings.moment_min_bytes:
        return "That file is too small to be a video. Choose another one."
    if size > settings.moment_max_bytes:
        return f"That video is larger than {settings.moment_max_bytes // MB} MB. Choose a shorter one."
    return ""


class UploadState(rx.State):
    loaded: bool = False
    not_paired: bool = False

    title: str = ""
    description: str = ""
    tags_text: str = ""

    stage: str = ""  # "" | uploading | checking
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

    @rx.event
    def file_changed(self, _value: str = ""):
        """A file was chosen: say at once if it won't do (the browser tells what it is)."""
        self.notice = ""
        return rx.call_script(_DESCRIBE_SCRIPT, callback=UploadState.check_file)

    @rx.event
    def check_file(self, chosen: dict[str, Any] | None):
        self.file_error = file_problem(chosen) if chosen else ""

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
            return rx.call_script(_CANCEL_SCRIPT)
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
                self.file_error = "Choose a video first."
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
            yield rx.toast.success(f"“{moment.title}” is shared.", duration=4000, close_button=True)
            return
        yield rx.call_script(f"window.lumiUpload.clear({json.dumps(FILE_INPUT_ID)})")
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
        if failure.code == "invalid_video" or (failure.status == 422 and others):
            # "That file isn't a video Lumi can play." plus the check's own words, once each.
            self.file_error = " ".join([failure.message, *[o for o in others if o != failure.message]])
        elif not (self.title_error or self.description_error or self.tags_error):
            self.error = failure.message


# ---------------------------------------------------------------- view


def _label(label: str, html_for: str) -> rx.Component:
    return rx.el.label(label, html_for=html_for, font_weight="500", font_size="var(--font-size-2)")


def _label_with_count(label: str, html_for: str, count: rx.Var[str]) -> rx.Component:
    return rx.hstack(
        _label(label, html_for),
        rx.spacer(),
        rx.text(count, id=f"{html_for}-count", size="1", color_scheme="gray", aria_live="polite"),
        width="100%",
        align="center",
    )


def _hint(text: str, input_id: str) -> rx.Component:
    return rx.text(text, id=f"{input_id}-hint", size="1", color_scheme="gray")


def _field(
    input_id: str, label: rx.Component, control: rx.Component, *extras: rx.Component, error: rx.Var[str]
) -> rx.Component:
    """A label, its control, what goes under it, and its error (``forms.field`` has no count, preview or file)."""
    return rx.vstack(
        label,
        control,
        *extras,
        rx.cond(error != "", rx.text(error, id=f"{input_id}-error", size="2", color_scheme="red")),
        spacing="1",
        width="100%",
        align="stretch",
    )


def _invalid(error: rx.Var[str]) -> rx.Var[str]:
    return rx.cond(error != "", "true", "false")


def _video_field() -> rx.Component:
    state = UploadState
    return _field(
        FILE_INPUT_ID,
        _label("Video", FILE_INPUT_ID),
        rx.el.input(
            type="file",
            id=FILE_INPUT_ID,
            accept="video/*",
            on_change=UploadState.file_changed,
            disabled=state.busy,
            max_width="100%",
            aria_invalid=_invalid(state.file_error),
            aria_describedby=f"{FILE_INPUT_ID}-hint {FILE_INPUT_ID}-error",
        ),
        _hint(f"MP4, MOV or WebM, up to {get_settings().moment_max_bytes // MB} MB.", FILE_INPUT_ID),
        # A phone opens its camera for this one (capture); what it records goes into the input above.
        rx.vstack(
            rx.el.label("Or record one now", html_for=RECORD_INPUT_ID, font_size="var(--font-size-2)"),
            rx.el.input(
                type="file",
                id=RECORD_INPUT_ID,
                accept="video/*",
                capture="environment",
                disabled=state.busy,
                custom_attrs={"data-lumi-upload-into": FILE_INPUT_ID},
                max_width="100%",
            ),
            display=PHONE_ONLY,
            spacing="1",
            width="100%",
        ),
        error=state.file_error,
    )


def _title_field() -> rx.Component:
    state = UploadState
    return _field(
        TITLE_ID,
        _label_with_count("Title", TITLE_ID, state.title_count),
        rx.input(
            id=TITLE_ID,
            name="title",
            value=state.title,
            on_change=state.set_title,
            max_length=MOMENT_TITLE_MAX,
            size="3",
            width="100%",
            auto_complete="off",
            aria_invalid=_invalid(state.title_error),
            aria_describedby=f"{TITLE_ID}-count {TITLE_ID}-error",
        ),
        error=state.title_error,
    )


def _description_field() -> rx.Component:
    state = UploadState
    return _field(
        DESCRIPTION_ID,
        _label_with_count("Description", DESCRIPTION_ID, state.description_count),
        rx.text_area(
            id=DESCRIPTION_ID,
            name="description",
            value=state.description,
            on_change=state.set_description,
            max_length=MOMENT_DESCRIPTION_MAX,
            rows="4",
            size="3",
            width="100%",
            resize="vertical",
            aria_invalid=_invalid(state.description_error),
            aria_describedby=f"{DESCRIPTION_ID}-count {DESCRIPTION_ID}-error",
        ),
        error=state.description_error,
    )


def _tags_field() -> rx.Component:
    state = UploadState
    return _field(
        TAGS_ID,
        _label("Tags", TAGS_ID),
        rx.input(
            id=TAGS_ID,
            name="tags",
            value=state.tags_text,
            on_change=state.set_tags_text,
            placeholder="beach, sunset, us",
            size="3",
            width="100%",
            auto_complete="off",
            auto_capitalize="none",
            aria_invalid=_invalid(state.tags_error),
            aria_describedby=f"{TAGS_ID}-hint {TAGS_ID}-error",
        ),
        _hint(f"Separate tags with commas, up to {MOMENT_TAGS_MAX}.", TAGS_ID),
        rx.cond(
            state.parsed_tags.length() > 0,
            rx.el.ul(
                rx.foreach(
                    state.parsed_tags,
                    lambda tag: rx.el.li(rx.badge("#", tag, size="2", variant="soft"), list_style="none"),
                ),
                aria_label="Tags to add",
                display="flex",
                flex_wrap="wrap",
                gap="0.4rem",
                padding="0",
                margin="0",
            ),
        ),
        error=state.tags_error,
    )


def _progress() -> rx.Component:
    state = UploadState
    return rx.cond(
        state.stage == "uploading",
        rx.vstack(
            rx.hstack(
                rx.text("Uploading…", size="2"),
                rx.text("0%", id=f"{PROGRESS_ID}-text", size="2", color_scheme="gray"),
                spacing="2",
            ),
            rx.el.progress(
                id=PROGRESS_ID,
                max=100,
                aria_label="Upload progress",
                width="100%",
                height="0.75rem",
                accent_color=rx.color("accent", 9),
            ),
            rx.button(
                "Cancel upload",
                type="button",
                # In the browser at once (no round trip), and once more from the server in case the
                # post had not started yet (the ticket was on its way): its promise says "cancelled".
                on_click=[rx.call_script(_CANCEL_SCRIPT), UploadState.cancel],
                variant="soft",
                color_scheme="gray",
            ),
            role="status",
            spacing="2",
            width="100%",
            align="start",
        ),
        rx.cond(state.stage == "checking", loading("Checking the video…")),
    )


def _form() -> rx.Component:
    state = UploadState
    return section(
        "Share a moment",
        form_error(state.error),
        form_notice(state.notice),
        # Outside the <form>: a file input in it would have Reflex send the file's bytes with the
        # submit event (Socket.IO attachments); the video goes to storage only, from lumi-upload.js.
        _video_field(),
        stacked_form(
            _title_field(),
            _description_field(),
            _tags_field(),
            _progress(),
            rx.flex(
                submit_button("Share moment", state.busy),
                rx.link("Back to moments", href=routes.MOMENTS, size="2"),
                gap="1rem",
                align="center",
                wrap="wrap",
            ),
            on_submit=state.share,
            aria_label="New moment",
            spacing="4",
            align="stretch",
        ),
    )


@page(routes.MOMENT_NEW, "New moment", on_load=[UploadState.load])
def upload() -> rx.Component:
    state = UploadState
    return rx.cond(
        state.loaded,
        rx.cond(
            state.not_paired,
            not_paired_state("Pair with your partner, then share your first moment with them."),
            _form(),
        ),
        loading(),
    )
