"""The live side of every signed-in page: the partner's presence, the unread count, toasts.

Each browser tab runs one background task, :meth:`RealtimeState.live`, in the Reflex
backend process its websocket is connected to. The task

- sends ``POST /presence/heartbeat`` every ``Settings.presence_heartbeat_seconds`` with the
  tab's activity (``active`` / ``idle``, reported by ``assets/lumi-presence.js``), and at once
  when the activity changes;
- reads the tab's mailbox (``lumi_app.realtime``: what the process's MQTT subscription
  receives for this person and their couple) and applies it: the partner's presence, the
  unread count, a toast for a new notification, a refresh of pairing data;
- re-syncs from the API when the MQTT connection comes back after a broker restart;
- ends when the tab's websocket is gone (``POST /presence/disconnect``), or quietly when
  the tab moved to another backend process (whose own task carries on).

Starting it exactly once per tab and process: the shell's presence bridge reports the
tab's activity as soon as it mounts, and every protected page's ``on_load`` (which also
runs after each websocket reconnect) calls :meth:`RealtimeState.resume`. Either starts the
task when this process has no mailbox for the tab, and only pokes the running one
otherwise. The task is started from events the browser sends (not from the page-load
chain), because Reflex cancels an unfinished page-load chain, children included, on the
next navigation or disconnect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import reflex as rx
from reflex_base.event import EventHandler, EventSpec

from backend.contracts import (
    ChatMessageEvent,
    ChatReceiptMessage,
    ChatTypingMessage,
    CoupleChangedMessage,
    DateChangedMessage,
    MomentChangedMessage,
    Notification,
    NotificationMessage,
    NotificationsReadMessage,
    PlaylistChangedMessage,
    PresenceMessage,
    PresenceStatus,
    SongChangedMessage,
)
from backend.settings import get_settings
from lumi_app import routes
from lumi_app.api_client import ApiError, LumiApi
from lumi_app.realtime import (
    ActivityChanged,
    LivePaused,
    Mailbox,
    Resync,
    SessionChanged,
    Stop,
    get_hub,
    keys_for,
    tab_connection,
)
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, refresh_profile
from lumi_app.state.views import time_ago

log = logging.getLogger("lumi.app.live")

T = TypeVar("T")

# How often a tab's task looks whether its websocket is still there (a dict lookup).
CONNECTION_CHECK_SECONDS = 0.25
# A reload reconnects within this; a closed tab does not. Avoids offline/online flicker.
GONE_GRACE_SECONDS = 1.5
# Alerts: gone after 4 s; notifications of one kind this close together make one alert; how
# long an alert waits while the person types where it would show.
ALERT_MS = 4000
BURST_SECONDS = 5.0
ALERT_WAIT_MS = 8000
# The same couple change arrives on up to three topics within a few milliseconds.
COALESCE_SECONDS = 0.05

# Pages that show pairing data register how to refresh it when the couple changes.
_COUPLE_REFRESH: dict[str, EventHandler] = {}
# Pages that show notifications register how to apply a live one: (their state, apply).
_NOTIFICATION_LISTENERS: list[tuple[type[rx.State], Callable[[Any, Any], Awaitable[Any]]]] = []


# Pages that show moments, a moment's chat or the couple's dates register what to do with those live messages.
LiveApply = Callable[[Any, Any], Awaitable[EventSpec | EventHandler | None]]
_LIVE_LISTENERS: list[tuple[tuple[type, ...], type[rx.State], LiveApply]] = []
LIVE_MESSAGE_TYPES = (
    MomentChangedMessage,
    DateChangedMessage,
    ChatMessageEvent,
    ChatTypingMessage,
    ChatReceiptMessage,
    SongChangedMessage,  # the person's music channel: their songs and those shared with them
    PlaylistChangedMessage,  # the playlists channel: mine (u) and the couple's shared ones (r)
)


def listen_to_live(message_types: tuple[type, ...], state_cls: type[rx.State], apply: LiveApply) -> None:
    """``await apply(state, message)`` under the tab's state lock for each message of these types.

    ``apply`` changes only what it has (no API calls under the lock); when it needs to fetch
    something it returns an event (e.g. ``MyState.refetch(id)``), which the tab runs next.
    """
    _LIVE_LISTENERS.append((message_types, state_cls, apply))


async def tab_shows(state: rx.State, route: str) -> bool:
    """Whether the tab is on ``route`` now (what its last page load said), so a page left
    behind does not fetch for live messages; it loads afresh when opened again."""
    return (await state.get_state(RealtimeState))._page == routes.normalize(route)


def refresh_on_couple_change(route: str, handler: EventHandler) -> None:
    """Run ``handler`` in a tab showing ``route`` when the couple changes (pairing, leaving…)."""
    _COUPLE_REFRESH[routes.normalize(route)] = handler


# Pages that show notifications of some kinds themselves (no alert then): route → (kinds or None
# for all, whether only a notification linking to the very page shown counts).
_SHOWN_ON_PAGE: dict[str, tuple[frozenset[str] | None, bool]] = {}


def shows_notifications(route: str, kinds: Iterable[str] | None = None, *, when_linked_here: bool = False) -> None:
    """While ``route`` is on screen, notifications of ``kinds`` (every kind: None) need no alert:
    the page shows them. ``when_linked_here``: only one whose link is this very page (a moment
    and its chat on its watch page), not any of that kind."""
    _SHOWN_ON_PAGE[routes.normalize(route)] = (frozenset(kinds) if kinds is not None else None, when_linked_here)


def shown_on_page(page: str, page_with_query: str, kind: str, link: str) -> bool:
    """Whether the page the tab shows already shows this notification."""
    kinds, when_linked_here = _SHOWN_ON_PAGE.get(page, (frozenset(), False))
    if kinds is not None and kind not in kinds:
        return False
    return routes.same_page(link, page_with_query) if when_linked_here else True


def listen_to_notifications(state_cls: type[rx.State], apply: Callable[[Any, Any], Awaitable[Any]]) -> None:
    """``await apply(state, message)`` for each NotificationMessage / NotificationsReadMessage of the tab,
    under its state lock; ``apply`` may return an event to run next (a fetch)."""
    _NOTIFICATION_LISTENERS.append((state_cls, apply))


class RealtimeState(rx.State):
    """What the shell shows live; shared by every signed-in page of the tab."""

    partner_name: str = ""
    # "" while unknown or unpaired, else online | idle | offline.
    partner_state: str = ""
    partner_last_seen: str = ""  # "5 min ago", or "" when never seen
    unread_count: int = 0
    # How long without input before the tab reports idle; read by assets/lumi-presence.js.
    idle_after_ms: int = 300_000
    # The app lost its live connection (the broker is away): the shell says changes show later.
    live_paused: bool = False

    _page: str = ""
    _page_with_query: str = ""  # "/moments/watch?id=…": what the tab shows, for alerts about it
    _partner_id: str = ""
    # The alert waiting for the browser to say the place where alerts show is free.
    _pending_alert: dict[str, Any] = {}

    @rx.var(cache=True)
    def has_partner_presence(self) -> bool:
        return self.partner_state != ""

    @rx.var(cache=True)
    def presence_label(self) -> str:
        """What assistive tech says: "Sam is online", "Sam is offline, last seen 5 min ago"."""
        name = self.partner_name or "Your partner"
        if self.partner_state in ("online", "idle"):
            return f"{name} is {self.partner_state}"
        if self.partner_last_seen:
            return f"{name} is offline, last seen {self.partner_last_seen}"
        return f"{name} is offline"

    @rx.var(cache=True)
    def unread_badge(self) -> str:
        return "99+" if self.unread_count > 99 else str(self.unread_count)

    @rx.var(cache=True)
    def bell_label(self) -> str:
        if self.unread_count <= 0:
            return "Notifications"
        return f"Notifications, {self.unread_count} unread"

    # ------------------------------------------------------------ starting the tab's task

    @rx.event
    async def resume(self):
        """on_load of every signed-in page, also after each websocket reconnect."""
        session = await self.get_state(SessionState)
        if not session.signed_in:
            return None
        self._page = routes.normalize(self.router.url.path)
        query = self.router.url.query
        self._page_with_query = self._page + (f"?{query}" if query else "")
        self.idle_after_ms = int(get_settings().presence_idle_seconds * 1000)
        if get_hub().poke(self.router.session.client_token, SessionChanged()):
            return None
        # Started by the browser (the script's callback), outside this page-load chain.
        return rx.call_script(
            "window.lumiPresence ? window.lumiPresence.activity() : 'active'", callback=RealtimeState.live
        )

    @rx.event
    def show_alert(self, clear: bool):
        """The browser's answer: the place where alerts show is free (or the person kept typing
        there: the alert is dropped, the bell has counted it)."""
        alert, self._pending_alert = self._pending_alert, {}
        if not alert or not clear:
            return None
        return rx.toast.info(
            alert["title"], description=alert["body"], id=alert["id"], duration=ALERT_MS, close_button=True
        )

    @rx.event
    async def report_activity(self, activity: str):
        """The tab's activity changed (input, idle timeout, hidden/visible); sent by lumi-presence.js."""
        activity = "idle" if activity == "idle" else "active"
        if not (await self.get_state(SessionState)).signed_in:
            return None
        if get_hub().poke(self.router.session.client_token, ActivityChanged(activity)):
            return None
        return RealtimeState.live(activity)

    @rx.event(background=True)
    async def live(self, activity: str = "active"):
        """The tab's long-running task (see the module docstring); one per tab per process."""
        async with self:
            tab = self.router.session.client_token
        hub = get_hub()
        mailbox = hub.open(tab)
        if mailbox is None:
            hub.poke(tab, ActivityChanged("idle" if activity == "idle" else "active"))
            return
        try:
            async for event in LiveTab(self, mailbox, "idle" if activity == "idle" else "active").run():
                yield event
        finally:
            hub.close(mailbox)


class LiveTab:
    """The work of one tab's task, on the background task's state proxy."""

    def __init__(self, state: RealtimeState, mailbox: Mailbox, activity: str) -> None:
        self.state = state
        self.mailbox = mailbox
        self.tab = mailbox.token
        self.activity = activity
        self.settings = get_settings()
        self.user_id = ""
        self.relationship_id = ""
        self.partner_state = ""
        self.partner_seen_at: datetime | None = None
        self.partner_label = ""
        self._api = ApiOutsideLock(state)
        self.bursts: dict[str, tuple[int, float]] = {}  # kind → (count, last at), for alerts

    async def api(self, action: Callable[[LumiApi, str], Awaitable[T]]) -> T:
        """Call the API outside the state lock (with a token kept for the task's life)."""
        return await self._api.call(action)

    # ------------------------------------------------------------ the loop

    async def run(self) -> AsyncIterator[EventSpec | EventHandler | None]:
        try:
            async for event in self._run():
                yield event
        except SessionEnded:
            log.debug("the session of tab %s ended; its live task stops", self.tab[:8])

    async def _run(self) -> AsyncIterator[EventSpec | EventHandler | None]:
        if not await self.read_identity():
            return
        await self.beat()
        await self.sync()
        loop = asyncio.get_running_loop()
        interval = self.settings.presence_heartbeat_seconds
        next_beat = loop.time() + interval
        gone_since: float | None = None
        while True:
            now = loop.time()
            if now >= next_beat:
                await self.beat()
                await self.refresh_last_seen()
                next_beat = loop.time() + interval
            timeout = max(0.0, min(CONNECTION_CHECK_SECONDS, next_beat - loop.time()))
            for item in await self.next_items(timeout):
                if isinstance(item, Stop):
                    return
                async for event in self.handle(item):
                    yield event
                if isinstance(item, ActivityChanged):
                    next_beat = loop.time() + interval
                if not self.user_id:
                    return  # signed out in this tab
            where = await tab_connection(self.tab)
            if where == "here":
                gone_since = None
            elif where == "elsewhere":
                log.debug("tab %s moved to another backend process", self.tab[:8])
                return
            elif gone_since is None:
                gone_since = loop.time()
            elif loop.time() - gone_since >= GONE_GRACE_SECONDS:
                await self.say_goodbye()
                # Came back while saying goodbye? Its resume found this mailbox open and only
                # poked it, so carry on. (No await between this check and closing the mailbox.)
                if await tab_connection(self.tab) != "here":
                    return
                gone_since = None
                await self.beat()

    async def next_items(self, timeout: float) -> list[Any]:
        """What arrived within ``timeout``, as one batch: a burst of "refetch" signals (the same
        change published on the couple's and on each person's topic) is handled once."""
        queue = self.mailbox.queue
        try:
            first = await asyncio.wait_for(queue.get(), timeout)
        except TimeoutError:
            return []
        if isinstance(first, CoupleChangedMessage | Resync):
            await asyncio.sleep(COALESCE_SECONDS)
        items = [first]
        while not queue.empty():
            items.append(queue.get_nowait())
        refetch = next((i for i in items if isinstance(i, Resync)), None) or next(
            (i for i in items if isinstance(i, CoupleChangedMessage)), None
        )
        return [i for i in items if not isinstance(i, CoupleChangedMessage | Resync) or i is refetch]

    async def handle(self, item: Any) -> AsyncIterator[EventSpec | EventHandler | None]:
        if isinstance(item, ActivityChanged):
            self.activity = item.activity
            await self.beat()
        elif isinstance(item, SessionChanged):
            before = (self.user_id, self.relationship_id)
            if not await self.read_identity():
                return
            if (self.user_id, self.relationship_id) != before:
                await self.sync()
        elif isinstance(item, LivePaused):
            async with self.state:
                self.state.live_paused = True
        elif isinstance(item, Resync):
            await self.read_identity(refetch=True)
            await self.sync()
            async with self.state:
                self.state.live_paused = False
            async for event in self.refresh_page():
                yield event
        elif isinstance(item, PresenceMessage):
            if item.presence.user_id != self.user_id:
                await self.show_partner(item.presence)
        elif isinstance(item, NotificationMessage):
            for event in await self.show_unread(item.unread_count, item):
                yield event
            alert = await self.alert_for(item.notification)
            if alert is not None:
                yield alert
        elif isinstance(item, NotificationsReadMessage):
            for event in await self.show_unread(item.unread_count, item):
                yield event
        elif isinstance(item, CoupleChangedMessage):
            await self.read_identity(refetch=True)
            await self.sync()
            async for event in self.refresh_page():
                yield event
        elif isinstance(item, LIVE_MESSAGE_TYPES):
            if isinstance(item, ChatMessageEvent) and item.change == "created":
                await self.acknowledge_delivery(item)
            async for event in self.apply_live(item):
                yield event

    # ------------------------------------------------------------ steps

    async def read_identity(self, *, refetch: bool = False) -> bool:
        """Who is signed in on the tab and in which couple; re-key the mailbox. False: signed out."""
        try:
            async with self.state:
                session = await self.state.get_state(SessionState)
                if refetch and session.signed_in:
                    await refresh_profile(self.state)
                self.user_id = session.user_id if session.signed_in else ""
                self.relationship_id = session.relationship_id if session.signed_in else ""
                idle_after_ms = int(self.settings.presence_idle_seconds * 1000)
                if self.state.idle_after_ms != idle_after_ms:
                    self.state.idle_after_ms = idle_after_ms
                if not self.relationship_id:
                    self._forget_partner()
        except SessionEnded:
            self.user_id = self.relationship_id = ""
        except ApiError as error:
            log.info("could not refresh the profile of tab %s: %s", self.tab[:8], error.code)
        get_hub().rekey(self.mailbox, keys_for(self.user_id, self.relationship_id))
        return bool(self.user_id)

    async def beat(self) -> None:
        try:
            await self.api(lambda api, token: api.presence_heartbeat(token, self.tab, self.activity))
        except SessionEnded:
            raise
        except ApiError as error:
            log.info("presence heartbeat of tab %s failed: %s", self.tab[:8], error.code)

    async def say_goodbye(self) -> None:
        try:
            await self.api(lambda api, token: api.presence_disconnect(token, self.tab))
        except ApiError as error:  # the offline timeout covers it
            log.info("presence disconnect of tab %s failed: %s", self.tab[:8], error.code)

    async def sync(self) -> None:
        """Fetch what the shell shows: the partner's presence and name, the unread count."""
        try:
            partner = None
            if self.relationship_id:
                current = await self.api(lambda api, token: api.current_relationship(token))
                partner = current.relationship.partner if current.relationship else None
            presence = (await self.api(lambda api, token: api.partner_presence(token))).presence if partner else None
            unread = await self.api(lambda api, token: api.unread_count(token))
        except ApiError as error:
            log.info("re-sync of tab %s failed: %s", self.tab[:8], error.code)
            return
        async with self.state:
            self.state.unread_count = unread.unread_count
            if partner is None:
                self._forget_partner()
            else:
                self.state.partner_name = partner.display_name
                self.state._partner_id = partner.user_id
                self._apply_presence(presence or PresenceStatus(user_id=partner.user_id, state="offline"))

    async def show_partner(self, presence: PresenceStatus) -> None:
        async with self.state:
            if self.state._partner_id and presence.user_id != self.state._partner_id:
                return
            self._apply_presence(presence)

    def _forget_partner(self) -> None:
        """Under the state lock: unpaired, so no badge."""
        self.partner_state = self.partner_label = ""
        self.partner_seen_at = None
        self.state.partner_name = self.state.partner_state = self.state.partner_last_seen = ""
        self.state._partner_id = ""

    def _apply_presence(self, presence: PresenceStatus) -> None:
        """Under the state lock."""
        self.partner_state = presence.state
        self.partner_seen_at = presence.last_seen
        self.partner_label = time_ago(presence.last_seen) if presence.state == "offline" else ""
        self.state.partner_state = presence.state
        self.state.partner_last_seen = self.partner_label

    async def refresh_last_seen(self) -> None:
        """ "last seen 5 min ago" grows older while the partner stays away (the lock only when it does)."""
        if self.partner_state != "offline":
            return
        label = time_ago(self.partner_seen_at)
        if label == self.partner_label:
            return
        self.partner_label = label
        async with self.state:
            self.state.partner_last_seen = label

    async def show_unread(self, unread_count: int, message: Any) -> list[EventSpec | EventHandler]:
        """The bell's count, and what the pages listening to notifications do with it (under the
        lock); returns the events they ask for next (a page fetching what the notification is about)."""
        follow_ups: list[EventSpec | EventHandler] = []
        async with self.state:
            self.state.unread_count = max(0, unread_count)
            for state_cls, apply in _NOTIFICATION_LISTENERS:
                event = await apply(await self.state.get_state(state_cls), message)
                if event is not None:
                    follow_ups.append(event)
        return follow_ups

    async def acknowledge_delivery(self, event: ChatMessageEvent) -> None:
        """A partner's chat message reached this person's device: tell the sender (delivered)."""
        message = event.message
        if message.author_id == self.user_id:
            return
        try:
            await self.api(
                lambda api, token: api.chat_receipts(token, message.moment_id, message.message_id, read=False)
            )
        except ApiError as error:
            log.info("delivery receipt of tab %s failed: %s", self.tab[:8], error.code)

    async def apply_live(self, message: Any) -> AsyncIterator[EventSpec | EventHandler]:
        follow_ups: list[EventSpec | EventHandler] = []
        async with self.state:
            for message_types, state_cls, apply in _LIVE_LISTENERS:
                if isinstance(message, message_types):
                    event = await apply(await self.state.get_state(state_cls), message)
                    if event is not None:
                        follow_ups.append(event)
        for event in follow_ups:
            yield event

    async def alert_for(self, notification: Notification) -> EventSpec | None:
        """An alert for a notification, unless what it is about is on screen; a burst of one kind
        within a few seconds is one alert that counts up ("Sam sent 5 messages")."""
        async with self.state:
            page, here = self.state._page, self.state._page_with_query
            partner = self.state.partner_name
            if shown_on_page(page, here, notification.kind, notification.link):
                return None
            now = time.monotonic()
            count, last = self.bursts.get(notification.kind, (0, 0.0))
            count = count + 1 if now - last <= BURST_SECONDS else 1
            self.bursts[notification.kind] = (count, now)
            title, body = burst_text(notification, count, partner)
            self.state._pending_alert = {"id": f"alert-{notification.kind}", "title": title, "body": body}
        return rx.call_script(
            f"window.lumiToasts ? window.lumiToasts.whenClear({ALERT_WAIT_MS}) : true",
            callback=RealtimeState.show_alert,
        )

    async def refresh_page(self) -> AsyncIterator[EventHandler]:
        async with self.state:
            page = self.state._page
        handler = _COUPLE_REFRESH.get(page)
        if handler is not None:
            yield handler


def burst_text(notification: Notification, count: int, partner: str) -> tuple[str, str]:
    """What one alert says for ``count`` notifications of this kind in a row (title, body)."""
    if count == 1:
        return notification.title, notification.body
    who = partner or "Your partner"
    titles = {
        "moment_message": f"{who} sent {count} messages",
        "new_moment": f"{who} shared {count} moments",
        "thinking_of_you": f"{who} is thinking of you ({count} times)",
    }
    return titles.get(notification.kind, f"{count} new notifications"), "Open the bell to see them all."


async def go_offline(state: rx.State) -> None:
    """Before logging out: end the tab's task and tell presence this tab is gone."""
    tab = state.router.session.client_token
    get_hub().poke(tab, Stop())
    try:
        await api_call(state, lambda api, token: api.presence_disconnect(token, tab))
    except ApiError as error:
        log.info("presence disconnect at logout failed: %s", error.code)


async def set_unread_count(state: rx.State, unread_count: int) -> None:
    """A page that changed read state shows the new count at once (the live message follows)."""
    (await state.get_state(RealtimeState)).unread_count = max(0, unread_count)
