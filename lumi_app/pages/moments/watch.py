"""Watching a moment: the video (a signed URL that serves HTTP Range, so seeking works), what it is
about, and the couple's chat beside it (below it on a phone).

Live, through the tab's task (``lumi_app/state/realtime.py``): the moment's edits, its thumbnail
and its deletion; chat messages created, edited, deleted and reacted to; the partner typing;
how far the partner has got (delivered / read). ``assets/lumi-chat.js`` sends with Enter
(Shift+Enter: a new line), keeps the chat scrolled to the newest message, and says when the
tab is looked at again so the partner's messages count as read.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import uuid
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventChain, EventSpec, LiteralEventChainVar
from reflex_base.vars import Var, VarData

from backend.contracts import (
    MESSAGE_TEXT_MAX,
    MOMENT_DESCRIPTION_MAX,
    MOMENT_TAGS_MAX,
    MOMENT_TITLE_MAX,
    TAG_RULE,
    ChatMessage,
    ChatMessageEvent,
    ChatReceiptMessage,
    ChatReceipts,
    ChatTypingMessage,
    Moment,
    MomentChangedMessage,
    MomentUpdate,
)
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import (
    busy_button,
    empty_state,
    field,
    form_error,
    link_button,
    stacked_form,
    submit_button,
)
from lumi_app.components.moments import loading
from lumi_app.components.shell import page
from lumi_app.state.couple import unless_gone
from lumi_app.state.form_errors import show_error, show_invalid_fields
from lumi_app.state.moment_form import parse_tags
from lumi_app.state.page_data import begin_refresh, open_page, run_fetch
from lumi_app.state.realtime import RealtimeState, listen_to_live, refresh_on_couple_change, shows_notifications
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect
from lumi_app.state.views import long_date, time_ago

CHAT_PAGE_SIZE = 30
REACTIONS: tuple[str, ...] = ("❤️", "😂", "😮", "😢", "👍", "🔥")
# The partner's typing signal comes every ~2 s while they type (lumi-chat.js); a longer gap: they stopped.
TYPING_SHOWN_SECONDS = 4.0
COMPOSER_ID = "chat-message"
VIDEO_ID = "moment-video"
# Pressed by assets/lumi-chat.js when the video cannot load (its signed URL may have expired).
RENEW_VIDEO_ID = "moment-video-renew"
RENEW_VIDEO_EVERY_SECONDS = 30.0

_MOMENT_FIELDS = {"title": "title_error", "description": "description_error", "tags": "tags_error"}
_LOCAL_MESSAGES = {
    "title": f"Give the moment a title (up to {MOMENT_TITLE_MAX} characters).",
    "description": f"Keep the description under {MOMENT_DESCRIPTION_MAX} characters.",
    "tags": f"Up to {MOMENT_TAGS_MAX} tags; tags are {TAG_RULE}.",
}
# The id of the moment on screen when the tab is visible, else "" (the tab is in the background).
_VISIBLE_MOMENT_JS = (
    "document.visibilityState === 'visible' && window.location.pathname.replace(/\\/$/, '') === "
    f"{json.dumps(routes.MOMENT_WATCH)} ? (new URLSearchParams(window.location.search).get('id') || '') : ''"
)


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
    video_url: str = ""
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
            video_url=moment.video_url,
            poster=moment.thumbnail_url or "",
            aspect_ratio=f"{moment.width} / {moment.height}" if moment.width and moment.height else "16 / 9",
        )


@dataclasses.dataclass
class ReactionView:
    emoji: str = ""
    mine: bool = False


@dataclasses.dataclass
class ChatMessageView:
    key: str = ""  # the message id; "pending-<client id>" until the API has it
    message_id: str = ""  # "" while sending
    client_id: str = ""  # set on messages sent from this tab
    mine: bool = False
    text: str = ""
    created_at: str = ""
    when: str = ""
    edited: bool = False
    deleted: bool = False
    sending: bool = False
    failed: bool = False
    my_reaction: str = ""
    reactions: list[ReactionView] = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, message: ChatMessage, me: str, client_id: str = "") -> ChatMessageView:
        reactions = sorted(message.reactions.items(), key=lambda item: item[0] == me)
        return cls(
            key=message.message_id,
            message_id=message.message_id,
            client_id=client_id,
            mine=message.author_id == me,
            text="" if message.deleted else message.text,
            created_at=message.created_at.isoformat(),
            when=time_ago(message.created_at),
            edited=message.edited_at is not None and not message.deleted,
            deleted=message.deleted,
            my_reaction=message.reactions.get(me, ""),
            reactions=[ReactionView(emoji=emoji, mine=user == me) for user, emoji in reactions if emoji],
        )

    @classmethod
    def pending(cls, client_id: str, text: str) -> ChatMessageView:
        return cls(key=f"pending-{client_id}", client_id=client_id, mine=True, text=text, when="now", sending=True)


# ---------------------------------------------------------------- state


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

    # the chat, oldest first
    messages: list[ChatMessageView] = []
    has_earlier: bool = False
    loading_earlier: bool = False
    chat_error: str = ""
    editing_key: str = ""
    partner_typing: bool = False
    partner_delivered_up_to: str = ""
    partner_read_up_to: str = ""

    _me: str = ""
    _next: str = ""
    _watching: bool = False
    _typing_stamp: int = 0
    _read_sent_up_to: str = ""
    _renewed_at: float = 0.0
    _visit: str = ""
    _generation: int = 0

    # ------------------------------------------------------------ derived

    def _own_latest(self) -> ChatMessageView | None:
        return next((m for m in reversed(self.messages) if m.mine and not m.deleted), None)

    @rx.var(cache=True)
    def own_latest_key(self) -> str:
        """The person's newest message, under which "Sent" / "Delivered" / "Read" shows."""
        item = self._own_latest()
        return item.key if item is not None else ""

    @rx.var(cache=True)
    def own_status(self) -> str:
        item = self._own_latest()
        if item is None:
            return ""
        if item.failed:
            return "Not sent"
        if item.sending or not item.message_id:
            return "Sending…"
        if self.partner_read_up_to >= item.message_id:
            return "Read"
        if self.partner_delivered_up_to >= item.message_id:
            return "Delivered"
        return "Sent"

    @rx.var(cache=True)
    def can_chat(self) -> bool:
        return self.loaded and not self.gone and not self.deleted and self.error == ""

    # ------------------------------------------------------------ loading

    @rx.event
    async def load(self):
        moment_id = (self.router.url.query_parameters.get("id") or "").strip()
        return await open_page(self, WatchState.fetch, reset=lambda: self._reset(moment_id))

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def refresh(self):
        """The live connection came back, or the couple changed: fetch the moment and its chat
        again, quietly (what was sent meanwhile shows; messages on their way from here stay)."""
        return begin_refresh(self, WatchState.fetch)

    def _reset(self, moment_id: str) -> None:
        self.moment_id = moment_id
        self.moment = MomentView()
        self.gone = self.deleted = False
        self.edit_open = self.delete_open = self.saving = self.deleting = False
        self.edit_error = self.title_error = self.description_error = self.tags_error = self.delete_error = ""
        self.messages = []
        self.has_earlier = self.loading_earlier = self.partner_typing = False
        self.chat_error = self.editing_key = ""
        self.partner_delivered_up_to = self.partner_read_up_to = ""
        self._next = self._read_sent_up_to = ""
        self._watching = True

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
        if data is None:
            self.gone = True
            return None
        moment, chat = data
        view = MomentView.of(moment, self._me)
        if self.moment.moment_id == view.moment_id and self.moment.video_url:
            # A quiet refresh: a new signed URL for the same video would restart it; the old one works.
            view.video_url = self.moment.video_url
        self.moment = view
        # A quiet refresh (after a reconnect) keeps what the person has here: earlier messages they
        # loaded, and messages on their way from this tab. Ids are time-ordered.
        fresh = [ChatMessageView.of(m, self._me) for m in reversed(chat.items)]
        pending = [m for m in self.messages if not m.message_id]
        earlier = [m for m in self.messages if m.message_id and fresh and m.message_id < fresh[0].message_id]
        self.messages = earlier + fresh + pending
        if not earlier:  # else the older page to load is still the one before those
            self._next = chat.next or ""
            self.has_earlier = bool(chat.next)
        self._show_receipts(chat.receipts)
        own_read = chat.receipts.read_up_to.get(self._me, "")
        self._read_sent_up_to = max(self._read_sent_up_to, own_read)
        self.loaded = True  # can_chat reads it; mark_loaded follows
        if self.can_chat:
            return rx.call_script(_VISIBLE_MOMENT_JS, callback=WatchState.mark_read)
        return None

    async def _refetch_moment(self) -> None:
        moment_id = self.moment_id
        try:
            moment = await api_call(self, lambda api, token: api.moment(token, moment_id))
        except ApiError as failure:
            if failure.status == 404 and not isinstance(failure, SessionEnded):
                self.deleted = True
                return
            raise
        view = MomentView.of(moment, self._me)
        if self.moment.video_url:
            # A new signed URL for the same video would restart a playing video; the one it has still works.
            view.video_url = self.moment.video_url
        self.moment = view

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
                self.deleted = True
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
        """The page went away (navigation): live messages no longer concern it."""
        self._watching = False
        self.partner_typing = False

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
            view = MomentView.of(moment, self._me)
            view.video_url = self.moment.video_url or view.video_url
            self.moment = view
            self.edit_open = False
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            if failure.status == 404:
                self.edit_open = False
                self.deleted = True
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
        self.deleted = True
        self._watching = False
        yield rx.redirect(routes.MOMENTS)

    # ------------------------------------------------------------ the chat

    @rx.event
    async def load_earlier(self):
        if self.loading_earlier or not self.has_earlier:
            return
        self.loading_earlier = True
        self.chat_error = ""
        yield
        moment_id, next_token = self.moment_id, self._next
        try:
            page_ = await api_call(
                self, lambda api, token: api.chat_messages(token, moment_id, next=next_token, limit=CHAT_PAGE_SIZE)
            )
            known = {m.message_id for m in self.messages if m.message_id}
            older = [ChatMessageView.of(m, self._me) for m in reversed(page_.items) if m.message_id not in known]
            self.messages = older + self.messages
            self._next = page_.next or ""
            self.has_earlier = bool(page_.next)
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.chat_error = failure.message
        finally:
            self.loading_earlier = False

    @rx.event
    async def send(self, form: dict[str, Any]):
        """Show the message at once, then send it; its client id makes a retry create nothing new."""
        text = str(form.get("message", "")).strip()
        if not text or not self.can_chat:
            return
        if len(text) > MESSAGE_TEXT_MAX:
            self.chat_error = f"Messages can be up to {MESSAGE_TEXT_MAX:,} characters."
            return
        self.chat_error = ""
        client_id = uuid.uuid4().hex
        self.messages = [*self.messages, ChatMessageView.pending(client_id, text)]
        yield
        async for update in self._deliver(client_id, text):
            yield update

    @rx.event
    async def retry(self, client_id: str):
        item = next((m for m in self.messages if m.client_id == client_id and m.failed), None)
        if item is None:
            return
        self._replace(item.key, dataclasses.replace(item, failed=False, sending=True))
        yield
        async for update in self._deliver(client_id, item.text):
            yield update

    async def _deliver(self, client_id: str, text: str):
        moment_id = self.moment_id
        try:
            message = await api_call(self, lambda api, token: api.send_chat_message(token, moment_id, text, client_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 404:
                self.deleted = True
                return
            item = next((m for m in self.messages if m.client_id == client_id and not m.message_id), None)
            if item is not None:
                self._replace(item.key, dataclasses.replace(item, sending=False, failed=True))
            self.chat_error = failure.message
            return
        self._upsert(message, client_id=client_id)
        # Answering is reading: everything above it counts as read.
        async for update in self._mark_read():
            yield update

    @rx.event
    async def typing(self):
        """The person types in the composer (``lumi-chat.js`` calls this at most every ~2 s)."""
        if not self.can_chat:
            return
        moment_id = self.moment_id
        # A missed typing signal only means no "… is typing" for a moment.
        with contextlib.suppress(ApiError):
            await api_call(self, lambda api, token: api.chat_typing(token, moment_id))

    @rx.event
    def start_edit(self, key: str):
        self.editing_key = key
        self.chat_error = ""

    @rx.event
    def cancel_edit(self):
        self.editing_key = ""

    @rx.event
    async def save_message(self, form: dict[str, Any]):
        item = next((m for m in self.messages if m.key == self.editing_key and m.mine and m.message_id), None)
        text = str(form.get("text", "")).strip()
        if item is None:
            self.editing_key = ""
            return
        if not text:
            self.chat_error = "A message can't be empty; delete it instead."
            return
        if text == item.text:
            self.editing_key = ""
            return
        if len(text) > MESSAGE_TEXT_MAX:
            self.chat_error = f"Messages can be up to {MESSAGE_TEXT_MAX:,} characters."
            return
        moment_id, message_id = self.moment_id, item.message_id
        try:
            message = await api_call(self, lambda api, token: api.edit_chat_message(token, moment_id, message_id, text))
            self._upsert(message)
            self.editing_key = ""
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.chat_error = failure.message

    @rx.event
    async def delete_message(self, message_id: str):
        item = next((m for m in self.messages if m.message_id == message_id and m.mine), None)
        if item is None or not message_id:
            return
        moment_id = self.moment_id
        try:
            message = await api_call(self, lambda api, token: api.delete_chat_message(token, moment_id, message_id))
            self._upsert(message)
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.chat_error = failure.message

    @rx.event
    async def react(self, message_id: str, emoji: str):
        """One reaction per person: another emoji replaces it, the same one again takes it away."""
        item = next((m for m in self.messages if m.message_id == message_id and not m.deleted), None)
        if item is None or not message_id or emoji not in REACTIONS:
            return
        choice = None if item.my_reaction == emoji else emoji
        moment_id = self.moment_id
        try:
            message = await api_call(
                self, lambda api, token: api.react_to_chat_message(token, moment_id, message_id, choice)
            )
            self._upsert(message)
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.chat_error = failure.message

    # ------------------------------------------------------------ read receipts

    @rx.event
    async def mark_read(self, visible_moment_id: str):
        """Called with the id of the moment the visible tab shows ("" when the tab is hidden)."""
        if visible_moment_id and visible_moment_id == self.moment_id and self._watching:
            async for update in self._mark_read():
                yield update

    async def _mark_read(self):
        newest = next((m.message_id for m in reversed(self.messages) if not m.mine and m.message_id), "")
        if not newest or newest <= self._read_sent_up_to or not self.can_chat:
            return
        moment_id = self.moment_id
        try:
            await api_call(self, lambda api, token: api.chat_receipts(token, moment_id, newest, read=True))
            self._read_sent_up_to = newest
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError:
            pass  # the next message or visit says it again

    # ------------------------------------------------------------ typing indicator

    @rx.event(background=True)
    async def typing_pause(self, stamp: int):
        """Hide "… is typing" when no other typing signal came for a few seconds."""
        await asyncio.sleep(TYPING_SHOWN_SECONDS)
        async with self:
            if self._typing_stamp == stamp:
                self.partner_typing = False

    # ------------------------------------------------------------ changing the list (no API calls)

    def _replace(self, key: str, view: ChatMessageView) -> None:
        self.messages = [view if m.key == key else m for m in self.messages]

    def _upsert(self, message: ChatMessage, client_id: str = "") -> bool:
        """Put ``message`` in its place: replace the same message, or the optimistic copy sent from this
        tab (same client id, or the same text while still sending); True when it is new here."""
        view = ChatMessageView.of(message, self._me)
        items = list(self.messages)
        for index, item in enumerate(items):
            if item.message_id == message.message_id:
                view.client_id = item.client_id
                if self.editing_key == item.key:
                    self.editing_key = view.key
                items[index] = view
                self.messages = items
                return False
        if view.mine:
            pending = next(
                (
                    i
                    for i, item in enumerate(items)
                    if not item.message_id and (item.client_id == client_id if client_id else item.text == view.text)
                ),
                None,
            )
            if pending is not None:
                view.client_id = items[pending].client_id
                del items[pending]
        confirmed = [m for m in items if m.message_id]
        waiting = [m for m in items if not m.message_id]
        position = len(confirmed)
        while position > 0 and confirmed[position - 1].message_id > view.message_id:
            position -= 1
        confirmed.insert(position, view)
        self.messages = confirmed + waiting
        return True

    def _show_receipts(self, receipts: ChatReceipts) -> None:
        """Receipts only move forward (message ids sort by time)."""
        for user, up_to in receipts.delivered_up_to.items():
            if user != self._me:
                self.partner_delivered_up_to = max(self.partner_delivered_up_to, up_to)
        for user, up_to in receipts.read_up_to.items():
            if user != self._me:
                self.partner_read_up_to = max(self.partner_read_up_to, up_to)
                self.partner_delivered_up_to = max(self.partner_delivered_up_to, up_to)


async def _apply_live(state: Any, message: Any) -> EventSpec | None:
    """What the MQTT subscription brought for the moment on screen (under the tab's state lock)."""
    if not state.loaded or not state._watching or state.gone:
        return None
    if isinstance(message, MomentChangedMessage):
        if message.moment_id != state.moment_id or state.deleted:
            return None
        if message.change == "deleted":
            state.deleted = True
            state.edit_open = state.delete_open = state.partner_typing = False
            return None
        return WatchState.refetch_moment(message.moment_id)
    if state.deleted:
        return None
    if isinstance(message, ChatMessageEvent):
        if message.message.moment_id != state.moment_id:
            return None
        is_new = state._upsert(message.message)
        if message.message.author_id != state._me and message.change == "created":
            state.partner_typing = False
            if is_new:
                return rx.call_script(_VISIBLE_MOMENT_JS, callback=WatchState.mark_read)
        return None
    if isinstance(message, ChatTypingMessage):
        if message.moment_id != state.moment_id or message.user_id == state._me:
            return None
        state.partner_typing = True
        state._typing_stamp += 1
        return WatchState.typing_pause(state._typing_stamp)
    if isinstance(message, ChatReceiptMessage) and message.moment_id == state.moment_id:
        state._show_receipts(message.receipts)
    return None


listen_to_live((MomentChangedMessage,), WatchState, _apply_live)
listen_to_live((ChatMessageEvent, ChatTypingMessage, ChatReceiptMessage), WatchState, _apply_live)
refresh_on_couple_change(routes.MOMENT_WATCH, WatchState.refresh)
# The moment on screen, and a message in its chat, need no alert.
shows_notifications(routes.MOMENT_WATCH, kinds=("new_moment", "moment_message"), when_linked_here=True)


# ---------------------------------------------------------------- view

PARTNER_NAME = rx.cond(RealtimeState.partner_name != "", RealtimeState.partner_name, "Your partner")


class ChatBridge(rx.Fragment):
    """Hands ``lumi-chat.js`` two functions, bound while the page is mounted (Reflex's own event
    dispatch, the one every ``on_click`` uses): ``__lumiChatSeen(moment id on screen)`` when the tab
    is looked at again, and ``__lumiChatTyping()`` while the person types (at most every ~2 s)."""

    def add_hooks(self) -> list[str | Var]:
        seen = LiteralEventChainVar.create(
            EventChain.create(WatchState.mark_read, args_spec=lambda moment_id: [moment_id], key="seen")
        )
        typing = LiteralEventChainVar.create(EventChain.create(WatchState.typing, args_spec=lambda: [], key="typing"))
        code = (
            "useEffect(() => {"
            f" const seen = {seen};"
            f" const typing = {typing};"
            " window.__lumiChatSeen = seen;"
            " window.__lumiChatTyping = typing;"
            " return () => {"
            " if (window.__lumiChatSeen === seen) { window.__lumiChatSeen = null; }"
            " if (window.__lumiChatTyping === typing) { window.__lumiChatTyping = null; }"
            " };"
            " }, []);"
        )
        imports = VarData(imports={"react": ["useEffect"]})
        return [Var(code, _var_data=VarData.merge(seen._get_all_var_data(), typing._get_all_var_data(), imports))]


def _video() -> rx.Component:
    moment = WatchState.moment
    return rx.box(
        rx.el.video(
            "Your browser can't play this video.",
            id=VIDEO_ID,
            src=moment.video_url,
            poster=moment.poster,
            controls=True,
            plays_inline=True,
            preload="metadata",
            aria_label=moment.title,
            key=moment.moment_id + "-" + WatchState.video_version.to_string(),
            width="100%",
            height="100%",
            style={"objectFit": "contain", "display": "block"},
        ),
        rx.el.button(
            "Load the video again",
            id=RENEW_VIDEO_ID,
            type="button",
            on_click=WatchState.renew_video,
            hidden=True,
            tab_index=-1,
        ),
        width="100%",
        aspect_ratio=moment.aspect_ratio,
        max_height="70vh",
        background="black",
        border_radius="var(--radius-4)",
        overflow="hidden",
    )


def _tag(tag: TagView) -> rx.Component:
    return rx.el.li(
        rx.link(rx.badge("#", tag.name, size="2", variant="soft", radius="full"), href=tag.href, underline="none"),
        key=tag.slug,
        list_style="none",
    )


def _about() -> rx.Component:
    moment = WatchState.moment
    return rx.vstack(
        rx.flex(
            rx.heading(moment.title, size="5", as_="h2", flex="1", min_width="0", overflow_wrap="anywhere"),
            rx.cond(moment.mine, _owner_actions()),
            gap="0.75rem",
            align="start",
            wrap="wrap",
            width="100%",
        ),
        rx.text(
            moment.owner_name,
            " · ",
            rx.el.time(moment.created_on, date_time=moment.created_at),
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            moment.description != "",
            rx.text(moment.description, size="3", white_space="pre-wrap", overflow_wrap="anywhere"),
        ),
        rx.cond(
            moment.tags.length() > 0,
            rx.el.ul(
                rx.foreach(moment.tags, _tag),
                aria_label="Tags",
                display="flex",
                flex_wrap="wrap",
                gap="0.4rem",
                padding="0",
                margin="0",
            ),
        ),
        spacing="2",
        width="100%",
        align="stretch",
    )


def _owner_actions() -> rx.Component:
    return rx.hstack(_edit_dialog(), _delete_dialog(), spacing="2")


def _edit_dialog() -> rx.Component:
    moment = WatchState.moment
    description_error = WatchState.description_error
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("pencil", size=16), "Edit", variant="soft", size="2")),
        rx.dialog.content(
            rx.dialog.title("Edit moment"),
            rx.dialog.description("Change its title, description and tags.", size="2", color_scheme="gray"),
            stacked_form(
                form_error(WatchState.edit_error),
                field(
                    "Title",
                    id="moment-edit-title",
                    name="title",
                    error=WatchState.title_error,
                    default_value=moment.title,
                    max_length=MOMENT_TITLE_MAX,
                ),
                rx.vstack(
                    rx.el.label(
                        "Description",
                        html_for="moment-edit-description",
                        font_weight="500",
                        font_size="var(--font-size-2)",
                    ),
                    rx.text_area(
                        id="moment-edit-description",
                        name="description",
                        default_value=moment.description,
                        max_length=MOMENT_DESCRIPTION_MAX,
                        rows="4",
                        size="3",
                        width="100%",
                        aria_invalid=rx.cond(description_error != "", "true", "false"),
                        aria_describedby="moment-edit-description-error",
                    ),
                    rx.cond(
                        description_error != "",
                        rx.text(description_error, id="moment-edit-description-error", size="2", color_scheme="red"),
                    ),
                    spacing="1",
                    width="100%",
                    align="stretch",
                ),
                field(
                    "Tags",
                    id="moment-edit-tags",
                    name="tags",
                    error=WatchState.tags_error,
                    default_value=moment.tags_text,
                    hint=f"Separate tags with commas (up to {MOMENT_TAGS_MAX}).",
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                    submit_button("Save changes", WatchState.saving),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                on_submit=WatchState.save_moment,
                aria_label="Edit moment",
                margin_top="1rem",
            ),
            max_width="480px",
        ),
        open=WatchState.edit_open,
        on_open_change=WatchState.set_edit_open,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), "Delete", variant="soft", color_scheme="red", size="2")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this moment?"),
            rx.alert_dialog.description(
                "The video, its chat and its tags go for both of you. This can't be undone.", size="2"
            ),
            rx.vstack(
                form_error(WatchState.delete_error),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                    busy_button(
                        "Delete moment", WatchState.deleting, on_click=WatchState.delete_moment, color_scheme="red"
                    ),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                width="100%",
                margin_top="1rem",
            ),
            max_width="440px",
        ),
        open=WatchState.delete_open,
        on_open_change=WatchState.set_delete_open,
    )


# ------------------------------------------------------------ chat pieces


def _reaction_chip(reaction: ReactionView) -> rx.Component:
    who = rx.cond(reaction.mine, "You", PARTNER_NAME)
    return rx.el.li(
        rx.text(reaction.emoji, aria_hidden="true", size="2"),
        rx.el.span(who, " reacted ", reaction.emoji, style=_SR_ONLY),
        title=who,
        list_style="none",
        padding="0 0.4rem",
        border_radius="var(--radius-5)",
        background=rx.cond(reaction.mine, rx.color("accent", 4), rx.color("gray", 4)),
    )


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


def _reaction_picker(item: ChatMessageView) -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(_message_action("smile-plus", "React")),
        rx.popover.content(
            rx.hstack(
                *[
                    rx.popover.close(
                        rx.button(
                            emoji,
                            on_click=WatchState.react(item.message_id, emoji),
                            aria_label=f"React with {emoji}",
                            aria_pressed=rx.cond(item.my_reaction == emoji, "true", "false"),
                            variant=rx.cond(item.my_reaction == emoji, "solid", "ghost"),
                            size="2",
                            font_size="1.2rem",
                        )
                    )
                    for emoji in REACTIONS
                ],
                spacing="1",
                role="group",
                aria_label="Reactions",
            ),
            padding="0.35rem",
            side="top",
        ),
    )


def _message_action(icon: str, label: str, on_click: EventSpec | None = None) -> rx.Component:
    """A small grey icon button on a chat message (the reaction picker's trigger opens its popover instead)."""
    events = {} if on_click is None else {"on_click": on_click}
    return rx.icon_button(
        rx.icon(icon, size=14), aria_label=label, variant="ghost", color_scheme="gray", size="1", **events
    )


def _own_message_actions(item: ChatMessageView) -> rx.Component:
    return rx.hstack(
        _message_action("pencil", "Edit message", WatchState.start_edit(item.key)),
        _message_action("trash-2", "Delete message", WatchState.delete_message(item.message_id)),
        spacing="1",
    )


def _message_edit_form(item: ChatMessageView) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Edit message", html_for="chat-edit-text", style=_SR_ONLY),
            rx.text_area(
                id="chat-edit-text",
                name="text",
                default_value=item.text,
                max_length=MESSAGE_TEXT_MAX,
                rows="2",
                width="100%",
                auto_focus=True,
                custom_attrs={"data-lumi-composer": "true"},
            ),
            rx.hstack(
                rx.button(
                    "Cancel",
                    type="button",
                    on_click=WatchState.cancel_edit,
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                ),
                rx.button("Save", type="submit", size="1"),
                justify="end",
                spacing="2",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=WatchState.save_message,
        aria_label="Edit message",
        width="100%",
    )


def _message_body(item: ChatMessageView) -> rx.Component:
    return rx.cond(
        item.deleted,
        rx.text("Message deleted", size="2", color_scheme="gray", font_style="italic"),
        rx.text(item.text, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
    )


def _message(item: ChatMessageView) -> rx.Component:
    author = rx.cond(item.mine, "You", PARTNER_NAME)
    actions = rx.cond(
        item.message_id != "",
        rx.cond(
            ~item.deleted,
            rx.hstack(_reaction_picker(item), rx.cond(item.mine, _own_message_actions(item)), spacing="1"),
        ),
    )
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text(author, size="1", weight="bold"),
                rx.el.time(
                    item.when, date_time=item.created_at, font_size="var(--font-size-1)", color=rx.color("gray", 10)
                ),
                rx.cond(item.edited, rx.text("(edited)", size="1", color_scheme="gray")),
                rx.spacer(),
                actions,
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.cond(WatchState.editing_key == item.key, _message_edit_form(item), _message_body(item)),
            rx.cond(
                item.reactions.length() > 0,
                rx.el.ul(
                    rx.foreach(item.reactions, _reaction_chip),
                    aria_label="Reactions",
                    display="flex",
                    gap="0.25rem",
                    padding="0",
                    margin="0",
                ),
            ),
            rx.cond(
                item.failed,
                rx.hstack(
                    rx.text("Not sent.", size="1", color_scheme="red"),
                    rx.button("Retry", on_click=WatchState.retry(item.client_id), size="1", variant="soft"),
                    align="center",
                    spacing="2",
                ),
            ),
            rx.cond(
                WatchState.own_latest_key == item.key,
                rx.text(WatchState.own_status, size="1", color_scheme="gray", align="right", width="100%"),
            ),
            spacing="1",
            width="100%",
            align="stretch",
        ),
        key=item.key,
        list_style="none",
        padding="0.5rem 0.75rem",
        border_radius="var(--radius-4)",
        background=rx.cond(item.mine, rx.color("accent", 3), rx.color("gray", 3)),
        margin_left=rx.cond(item.mine, "1.5rem", "0"),
        margin_right=rx.cond(item.mine, "0", "1.5rem"),
        opacity=rx.cond(item.sending, "0.7", "1"),
        aria_busy=rx.cond(item.sending, "true", "false"),
    )


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Message", html_for=COMPOSER_ID, style=_SR_ONLY),
            rx.hstack(
                rx.box(
                    rx.text_area(
                        id=COMPOSER_ID,
                        name="message",
                        placeholder="Write a message…",
                        max_length=MESSAGE_TEXT_MAX,
                        rows="2",
                        resize="vertical",
                        custom_attrs={"data-lumi-composer": "true", "data-lumi-typing": "true", "enterKeyHint": "send"},
                        aria_describedby="chat-composer-hint",
                        width="100%",
                    ),
                    flex="1",
                    min_width="0",
                ),
                rx.button(rx.icon("send", size=16), "Send", type="submit", size="2"),
                align="end",
                spacing="2",
                width="100%",
            ),
            rx.text(
                "Enter sends, Shift+Enter starts a new line.", id="chat-composer-hint", size="1", color_scheme="gray"
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=WatchState.send,
        reset_on_submit=True,
        aria_label="Send a message",
        width="100%",
    )


def _chat() -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading("Chat", size="4", as_="h2", id="chat-heading"),
            form_error(WatchState.chat_error),
            rx.box(
                rx.cond(
                    WatchState.has_earlier,
                    rx.center(
                        busy_button(
                            "Load earlier messages",
                            WatchState.loading_earlier,
                            on_click=WatchState.load_earlier,
                            variant="soft",
                            size="1",
                        ),
                        padding_bottom="0.5rem",
                    ),
                ),
                rx.cond(
                    WatchState.messages.length() > 0,
                    rx.el.ol(
                        rx.foreach(WatchState.messages, _message),
                        aria_label="Messages",
                        display="flex",
                        flex_direction="column",
                        gap="0.5rem",
                        padding="0",
                        margin="0",
                    ),
                    rx.text("No messages yet. Say what you think!", size="2", color_scheme="gray", padding="1rem 0"),
                ),
                custom_attrs={"data-lumi-chat-log": "true"},
                overflow_y="auto",
                overflow_x="hidden",
                max_height=rx.breakpoints(initial="55vh", md="min(60vh, 520px)"),
                min_height="6rem",
                width="100%",
            ),
            rx.box(
                rx.cond(
                    WatchState.partner_typing,
                    rx.text(PARTNER_NAME, " is typing…", size="1", color_scheme="gray", font_style="italic"),
                ),
                role="status",
                aria_live="polite",
                min_height="1.25rem",
            ),
            _composer(),
            spacing="2",
            width="100%",
            align="stretch",
        ),
        aria_labelledby="chat-heading",
        padding="0.75rem",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-4)",
        min_width="0",
    )


def _watching() -> rx.Component:
    return rx.grid(
        rx.vstack(_video(), _about(), spacing="3", width="100%", min_width="0"),
        _chat(),
        grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(17rem, 2fr)"),
        gap="1rem",
        align_items="start",
        width="100%",
    )


def _gone(title: str, text: str) -> rx.Component:
    return empty_state("film", title, text, link_button("Back to Moments", routes.MOMENTS, variant="soft"))


def _content() -> rx.Component:
    return rx.cond(
        WatchState.deleted,
        _gone("This moment was deleted", "It's no longer in your Moments."),
        rx.cond(
            WatchState.gone,
            _gone("This moment is gone", "It may have been deleted, or the link is wrong."),
            rx.cond(
                WatchState.error != "",
                rx.vstack(
                    form_error(WatchState.error),
                    rx.button("Try again", on_click=WatchState.load, variant="soft"),
                    spacing="3",
                    align="start",
                ),
                _watching(),
            ),
        ),
    )


@page(routes.MOMENT_WATCH, "Moment", on_load=[WatchState.load], wide=True)
def watch() -> rx.Component:
    return rx.box(
        rx.cond(
            WatchState.loaded & (WatchState.loaded_for == SessionState.context_key),
            _content(),
            loading("Loading the moment…"),
        ),
        ChatBridge.create(),
        on_unmount=WatchState.leave,
        width="100%",
    )
