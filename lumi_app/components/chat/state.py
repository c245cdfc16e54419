"""The chat about one moment: its messages, sending, editing, reactions, typing and receipts.

A page that shows a moment opens its chat with :meth:`ChatState._open_chat` (the newest page of
messages it fetched together with the moment, in one round trip), closes it when the moment
goes (:meth:`ChatState._close_chat`) and leaves it on unmount. Live messages (created, edited,
deleted, reactions, the partner typing, receipts) arrive through the tab's task
(``lumi_app/state/realtime.py``). The chat knows nothing of the page around it: the browser
finds the chat on screen by its ``data-lumi-chat-for`` attribute (``assets/lumi-chat.js``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from backend.contracts import (
    MESSAGE_TEXT_MAX,
    ChatMessage,
    ChatMessageEvent,
    ChatMessagePage,
    ChatReceiptMessage,
    ChatReceipts,
    ChatTypingMessage,
)
from lumi_app.api_client import ApiError
from lumi_app.state.realtime import listen_to_live
from lumi_app.state.session import SessionEnded, api_call, login_redirect
from lumi_app.state.views import time_ago

CHAT_PAGE_SIZE = 30
REACTIONS: tuple[str, ...] = ("❤️", "😂", "😮", "😢", "👍", "🔥")
# The partner's typing signal comes every ~2 s while they type (lumi-chat.js); a longer gap: they stopped.
TYPING_SHOWN_SECONDS = 4.0
CHAT_FOR_ATTRIBUTE = "data-lumi-chat-for"
# The id of the moment whose chat is on screen while the tab is visible, else "" (in the background).
VISIBLE_CHAT_JS = (
    "document.visibilityState === 'visible' ? "
    f"((document.querySelector('[{CHAT_FOR_ATTRIBUTE}]') || {{getAttribute: () => ''}})"
    f".getAttribute('{CHAT_FOR_ATTRIBUTE}') || '') : ''"
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


class ChatState(rx.State):
    moment_id: str = ""
    # The moment is on screen and there to talk about (the page opened the chat and it is not gone).
    active: bool = False
    # The API said the moment is gone while the chat was in use (the page shows it was deleted).
    moment_gone: bool = False

    # oldest first
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
        return self.active and not self.moment_gone

    # ------------------------------------------------------------ opened by the page (no API calls)

    def _reset_chat(self, moment_id: str) -> None:
        """A new visit of a moment: nothing of the last one's chat."""
        self.moment_id = moment_id
        self.active = self.moment_gone = False
        self.messages = []
        self.has_earlier = self.loading_earlier = self.partner_typing = False
        self.chat_error = self.editing_key = ""
        self.partner_delivered_up_to = self.partner_read_up_to = ""
        self._next = self._read_sent_up_to = ""
        self._watching = True

    def _open_chat(self, moment_id: str, me: str, chat: ChatMessagePage) -> EventSpec | None:
        """Show the newest page of the moment's chat. A quiet refresh (after a reconnect) keeps what
        the person has here: earlier messages they loaded, and messages on their way from this tab."""
        self._me = me
        self.moment_id = moment_id
        fresh = [ChatMessageView.of(m, me) for m in reversed(chat.items)]
        pending = [m for m in self.messages if not m.message_id]
        earlier = [m for m in self.messages if m.message_id and fresh and m.message_id < fresh[0].message_id]
        self.messages = earlier + fresh + pending
        if not earlier:  # else the older page to load is still the one before those
            self._next = chat.next or ""
            self.has_earlier = bool(chat.next)
        self._show_receipts(chat.receipts)
        self._read_sent_up_to = max(self._read_sent_up_to, chat.receipts.read_up_to.get(me, ""))
        self.active = True
        return rx.call_script(VISIBLE_CHAT_JS, callback=ChatState.mark_read)

    def _close_chat(self) -> None:
        """The moment went: nothing more to say about it."""
        self.active = False
        self.partner_typing = False

    @rx.event
    def leave(self):
        """The page went away (navigation): live messages no longer concern it."""
        self._watching = False
        self.partner_typing = False

    # ------------------------------------------------------------ loading earlier messages

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

    # ------------------------------------------------------------ sending

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
                self.moment_gone = True
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

    # ------------------------------------------------------------ changing own messages, reacting

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
        """Called with the id of the moment whose chat the visible tab shows ("" when the tab is hidden)."""
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
    """What the MQTT subscription brought for the chat on screen (under the tab's state lock)."""
    if not state.active or not state._watching or state.moment_gone:
        return None
    if isinstance(message, ChatMessageEvent):
        if message.message.moment_id != state.moment_id:
            return None
        is_new = state._upsert(message.message)
        if message.message.author_id != state._me and message.change == "created":
            state.partner_typing = False
            if is_new:
                return rx.call_script(VISIBLE_CHAT_JS, callback=ChatState.mark_read)
        return None
    if isinstance(message, ChatTypingMessage):
        if message.moment_id != state.moment_id or message.user_id == state._me:
            return None
        state.partner_typing = True
        state._typing_stamp += 1
        return ChatState.typing_pause(state._typing_stamp)
    if isinstance(message, ChatReceiptMessage) and message.moment_id == state.moment_id:
        state._show_receipts(message.receipts)
    return None


listen_to_live((ChatMessageEvent, ChatTypingMessage, ChatReceiptMessage), ChatState, _apply_live)
