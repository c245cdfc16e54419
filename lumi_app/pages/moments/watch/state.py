"""The watch page's state: the moment on screen (a video once the media job found it playable,
or a photo once it is prepared; until then "processing", or why it failed), the owner's edit
and delete, a fresh signed URL for a video whose URL stopped working, and live
changes of the moment. Its chat has its own state (``lumi_app/components/chat``): the page's
load fetches both in one round trip and opens the chat with its newest page.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from backend.contracts import (
    MOMENT_DESCRIPTION_MAX,
    MOMENT_TAGS_MAX,
    MOMENT_TITLE_MAX,
    TAG_RULE,
    Moment,
    MomentChangedMessage,
    MomentUpdate,
)
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.chat import CHAT_PAGE_SIZE, ChatState
from lumi_app.state.couple import unless_gone
from lumi_app.state.form_errors import show_error, show_invalid_fields
from lumi_app.state.moment_form import parse_tags
from lumi_app.state.page_data import begin_refresh, open_page, run_fetch
from lumi_app.state.realtime import listen_to_live, refresh_on_couple_change, shows_notifications
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect
from lumi_app.state.views import long_date

# Pressed by assets/lumi-chat.js when the video cannot load (its signed URL may have expired).
RENEW_VIDEO_ID = "moment-video-renew"
RENEW_VIDEO_EVERY_SECONDS = 30.0

_MOMENT_FIELDS = {"title": "title_error", "description": "description_error", "tags": "tags_error"}
_LOCAL_MESSAGES = {
    "title": f"Give the moment a title (up to {MOMENT_TITLE_MAX} characters).",
    "description": f"Keep the description under {MOMENT_DESCRIPTION_MAX} characters.",
    "tags": f"Up to {MOMENT_TAGS_MAX} tags; tags are {TAG_RULE}.",
}


# ---------------------------------------------------------------- view models


@dataclasses.dataclass
class TagView:
    slug: str = ""
    name: str = ""
    href: str = ""


@dataclasses.dataclass
class MomentView:
    moment_id: str = ""
    title: str = ""
    description: str = ""
    owner_name: str = ""
    mine: bool = False
    created_at: str = ""  # ISO, for <time datetime>
    created_on: str = ""  # "12 March 2024"
    tags: list[TagView] = dataclasses.field(default_factory=list)
    tags_text: str = ""  # "beach, summer": the edit form's starting value
    kind: str = "video"  # video | photo
    status: str = "ready"  # ready | processing (a video being checked, a photo being prepared) | failed
    failure_reason: str = ""  # why a failed video can't be played, in the check's words
    video_url: str = ""
    photo_url: str = ""  # the viewer's rendition, once made
    poster: str = ""
    aspect_ratio: str = "16 / 9"

    @classmethod
    def of(cls, moment: Moment, me: str) -> MomentView:
        return cls(
            moment_id=moment.moment_id,
            title=moment.title,
            description=moment.description,
            owner_name=moment.owner.display_name or moment.owner.username,
            mine=moment.owner.user_id == me,
            created_at=moment.created_at.isoformat(),
            created_on=long_date(moment.created_at),
            tags=[TagView(slug=t.slug, name=t.name, href=routes.tag_url(t.slug)) for t in moment.tags],
            tags_text=", ".join(t.name for t in moment.tags),
            kind=moment.kind,
            status=moment.status,
            failure_reason=moment.failure_reason or "",
            video_url=moment.video_url or "",
            photo_url=moment.photo_url or "",
            poster=moment.thumbnail_url or "",
            aspect_ratio=f"{moment.width} / {moment.height}" if moment.width and moment.height else "16 / 9",
        )


class WatchState(rx.State):
    moment_id: str = ""
    moment: MomentView = MomentView()
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    gone: bool = False  # not there when the page opened (or not this couple's)
    deleted: bool = False  # deleted while on screen
    # Bumped when the video gets a fresh signed URL: a new player element takes it.
    video_version: int = 0

    # editing the moment (owner)
    edit_open: bool = False
    saving: bool = False
    edit_error: str = ""
    title_error: str = ""
    description_error: str = ""
    tags_error: str = ""
    # deleting it (owner)
    delete_open: bool = False
    deleting: bool = False
    delete_error: str = ""

    _me: str = ""
    _watching: bool = False
    _renewed_at: float = 0.0
    _visit: str = ""
    _generation: int = 0
    # A live change of this moment came while its first fetch was on its way (which may have read
    # it before the change: a video shared a moment ago, made ready by the media job meanwhile).
    _changed_while_loading: bool = False

    # ------------------------------------------------------------ loading

    @rx.event
    async def load(self):
        moment_id = (self.router.url.query_parameters.get("id") or "").strip()
        chat = await self.get_state(ChatState)  # open_page's reset is not awaited: fetched here
        return await open_page(self, WatchState.fetch, reset=lambda: self._reset(moment_id, chat))

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update
        async with self:
            again = self._changed_while_loading and self.loaded and self._generation == generation
            self._changed_while_loading = False
            moment_id = self.moment_id
        if again:  # what was shown may predate that change: read the moment once more
            yield WatchState.refetch_moment(moment_id)

    @rx.event
    def refresh(self):
        """The live connection came back, or the couple changed: fetch the moment and its chat
        again, quietly (what was sent meanwhile shows; messages on their way from here stay)."""
        return begin_refresh(self, WatchState.fetch)

    def _reset(self, moment_id: str, chat: ChatState) -> None:
        self.moment_id = moment_id
        self.moment = MomentView()
        self.gone = self.deleted = False
        self.edit_open = self.delete_open = self.saving = self.deleting = False
        self.edit_error = self.title_error = self.description_error = self.tags_error = self.delete_error = ""
        self._watching = True
        self._changed_while_loading = False
        chat._reset_chat(moment_id)

    async def _get(self, api: ApiOutsideLock) -> list[Any] | None:
        """The moment and the newest page of its chat, together; None when it is not there (404)."""
        moment_id = self.moment_id
        if not moment_id:
            return None
        moment, chat = await api.gather(
            lambda api, token: unless_gone(api.moment(token, moment_id)),
            lambda api, token: unless_gone(api.chat_messages(token, moment_id, limit=CHAT_PAGE_SIZE)),
        )
        return None if moment is None or chat is None else [moment, chat]

    async def _show(self, data: list[Any] | None) -> EventSpec | None:
        self._me = (await self.get_state(SessionState)).user_id
        chat_state = await self.get_state(ChatState)
        if data is None:
            self.gone = True
            chat_state._close_chat()
            return None
        moment, chat = data
        self.moment = self._kept_video(MomentView.of(moment, self._me))
        return chat_state._open_chat(self.moment_id, self._me, chat)

    def _kept_video(self, view: MomentView) -> MomentView:
        """A quiet refresh of the same video keeps its signed URL: a new one would restart it."""
        if view.kind == "video" and self.moment.moment_id == view.moment_id and self.moment.video_url:
            view.video_url = self.moment.video_url
        return view

    async def _refetch_moment(self) -> None:
        moment_id = self.moment_id
        try:
            moment = await api_call(self, lambda api, token: api.moment(token, moment_id))
        except ApiError as failure:
            if failure.status == 404 and not isinstance(failure, SessionEnded):
                await self._was_deleted()
                return
            raise
        self.moment = self._kept_video(MomentView.of(moment, self._me))

    @rx.event
    async def renew_video(self):
        """The video failed to load: ask for a fresh signed URL and put a new player in place.

        A page left open longer than its URL lives can no longer seek; the script remembered
        where the video was and resumes there. At most every RENEW_VIDEO_EVERY_SECONDS, so a
        video that is really unplayable does not loop.
        """
        now = time.monotonic()
        if not self.moment_id or self.gone or self.deleted or now - self._renewed_at < RENEW_VIDEO_EVERY_SECONDS:
            return
        self._renewed_at = now
        moment_id = self.moment_id
        try:
            moment = await api_call(self, lambda api, token: api.moment(token, moment_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 404:
                await self._was_deleted()
            return
        self.moment = MomentView.of(moment, self._me)
        self.video_version += 1
        yield rx.call_script("window.lumiChat && window.lumiChat.resumeVideo()")

    @rx.event
    async def refetch_moment(self, moment_id: str):
        """A live change of the moment on screen: fetch it again without a loading state."""
        if moment_id != self.moment_id or self.gone or self.deleted or not self.loaded:
            return
        try:
            await self._refetch_moment()
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.error = failure.message

    @rx.event
    def leave(self):
        """The page went away (navigation): live changes no longer concern it."""
        self._watching = False

    # ------------------------------------------------------------ editing and deleting the moment (owner)

    @rx.event
    def set_edit_open(self, open: bool):
        if self.saving:
            return
        self.edit_open = open
        self.edit_error = self.title_error = self.description_error = self.tags_error = ""

    @rx.event
    async def save_moment(self, form: dict[str, Any]):
        if self.saving or not self.moment.mine:
            return
        self.edit_error = self.title_error = self.description_error = self.tags_error = ""
        tags, tags_problem = parse_tags(str(form.get("tags", "")))
        if tags_problem:
            self.tags_error = tags_problem
            return
        try:
            request = MomentUpdate(
                title=str(form.get("title", "")),
                description=str(form.get("description", "")),
                tags=tags,
            )
        except ValidationError as invalid:
            show_invalid_fields(self, invalid, _LOCAL_MESSAGES, fields=_MOMENT_FIELDS)
            return
        self.saving = True
        yield
        moment_id = self.moment_id
        try:
            moment = await api_call(self, lambda api, token: api.update_moment(token, moment_id, request))
            self.moment = self._kept_video(MomentView.of(moment, self._me))
            self.edit_open = False
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            if failure.status == 404:
                self.edit_open = False
                await self._was_deleted()
            else:
                show_error(self, failure, fields=_MOMENT_FIELDS, form="edit_error")
        finally:
            self.saving = False

    @rx.event
    def set_delete_open(self, open: bool):
        if self.deleting:
            return
        self.delete_open = open
        self.delete_error = ""

    @rx.event
    async def delete_moment(self):
        if self.deleting or not self.moment.mine:
            return
        self.deleting = True
        self.delete_error = ""
        yield
        moment_id = self.moment_id
        try:
            await api_call(self, lambda api, token: api.delete_moment(token, moment_id))
        except SessionEnded:
            self.deleting = False
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status != 404:  # already gone: as good as deleted
                self.deleting = False
                self.delete_error = failure.message
                return
        self.deleting = False
        self.delete_open = False
        await self._was_deleted()
        self._watching = False
        yield rx.redirect(routes.MOMENTS)

    async def _was_deleted(self) -> None:
        """The moment went while on screen: the page says so and its chat closes."""
        self.deleted = True
        self.edit_open = self.delete_open = False
        (await self.get_state(ChatState))._close_chat()


async def _apply_live(state: Any, message: MomentChangedMessage) -> EventSpec | None:
    """A live change of the moment on screen (under the tab's state lock): its deletion closes the
    page and its chat; anything else (an edit, a photo ready) is fetched again."""
    if state.gone or state.deleted or message.moment_id != state.moment_id:
        return None
    if not state._watching:
        return None  # the page was left
    if not state.loaded:
        state._changed_while_loading = True  # the fetch on its way reads the moment again when done
        return None
    if message.change == "deleted":
        await state._was_deleted()
        return None
    return WatchState.refetch_moment(message.moment_id)


listen_to_live((MomentChangedMessage,), WatchState, _apply_live)
refresh_on_couple_change(routes.MOMENT_WATCH, WatchState.refresh)
# The moment on screen, and a message in its chat, need no alert.
shows_notifications(routes.MOMENT_WATCH, kinds=("new_moment", "moment_message"), when_linked_here=True)
