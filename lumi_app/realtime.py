"""The Reflex backend's one MQTT connection, and the tabs it serves in this process.

What runs where:

- One :class:`RealtimeHub` per Reflex backend process (per worker), started lazily by the
  first tab that goes live. Its MQTT connection (``lumi_app.broker``: paho to the local
  broker, the AWS IoT SDK to IoT Core) runs in the client's own network thread, connects
  as the service principal (``Settings.realtime_service_user`` / ``realtime_service_secret``)
  and subscribes to ``topics.service_subscriptions(stage)``.
- Each open tab served by this process has a :class:`Mailbox`: an ``asyncio.Queue`` read by
  that tab's background task (``RealtimeState.live``), keyed by the topics it cares about:
  ``("u", its user id)`` and ``("r", its relationship id)``.
- A message arriving on ``lumi/{stage}/u/{id}/…`` or ``lumi/{stage}/r/{id}/…`` is parsed
  once (the ``RealtimeMessage`` union) in the network thread and handed to the event loop
  of every mailbox with that key through ``call_soon_threadsafe``; nothing else crosses
  threads.
- When the connection to the broker drops, every mailbox gets :class:`LivePaused` (the tab
  says so: changes will show when it is back). After the broker comes back (the client
  reconnects on its own), every mailbox gets :class:`Resync`: whatever was published while the
  connection was down is lost, so the tabs fetch presence, unread count, pairing state and
  what the page shows (a moment's chat, the feed) from the API again.

:func:`tab_connection` tells a tab's task whether the browser tab's Reflex websocket is still
connected to this process, to another process (the tab moved), or gone (the tab closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from backend.contracts import RealtimeMessage
from backend.realtime.topics import parse_topic
from backend.settings import Settings, get_settings
from lumi_app.broker import BrokerConnection, connection_for, safe_url

log = logging.getLogger("lumi.app.realtime")

MailboxKey = tuple[str, str]  # ("u", user id) or ("r", relationship id)

_MESSAGE = TypeAdapter(RealtimeMessage)


# ---------------------------------------------------------------- what a tab's task receives


@dataclass(frozen=True)
class Resync:
    """The connection to the broker was lost and is back: fetch what may have been missed."""

    reason: str = "reconnected"


@dataclass(frozen=True)
class LivePaused:
    """The connection to the broker was lost: live changes stop until it is back (then Resync)."""


@dataclass(frozen=True)
class ActivityChanged:
    """The browser tab reports input or visibility: beat now with this activity."""

    activity: Literal["active", "idle"]


@dataclass(frozen=True)
class SessionChanged:
    """Who is signed in on the tab, or their relationship, may have changed: re-read and re-key."""


@dataclass(frozen=True)
class Stop:
    """The person is logging out in this tab (which says goodbye to presence itself): end quietly."""


Delivery = Any  # a RealtimeMessage model, or one of the markers above


def keys_for(user_id: str, relationship_id: str) -> frozenset[MailboxKey]:
    keys: set[MailboxKey] = set()
    if user_id:
        keys.add(("u", user_id))
    if relationship_id:
        keys.add(("r", relationship_id))
    return frozenset(keys)


@dataclass(eq=False)
class Mailbox:
    """One tab's inbox in this process, read by the tab's background task on ``loop``."""

    token: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Delivery] = field(default_factory=asyncio.Queue)
    keys: frozenset[MailboxKey] = frozenset()

    def deliver(self, item: Delivery) -> None:
        """Thread-safe: callable from paho's thread or from any event loop."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: the process is shutting down
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)


# ---------------------------------------------------------------- the hub


class RealtimeHub:
    """The MQTT subscription of this process and the registry of the tabs it serves."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings or get_settings()
        self._lock = threading.Lock()
        self._mailboxes: dict[str, Mailbox] = {}
        self._by_key: dict[MailboxKey, set[Mailbox]] = {}
        self._connection: BrokerConnection | None = None
        self._connected = threading.Event()
        self._ever_connected = False
        # Counters for diagnostics and the benchmark.
        self.received = 0
        self.delivered = 0
        self.reconnects = 0

    # ------------------------------------------------------------ tabs

    def open(self, token: str) -> Mailbox | None:
        """Register a tab's mailbox on the running loop; None when this tab already has one here."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if token in self._mailboxes:
                return None
            mailbox = self._mailboxes[token] = Mailbox(token=token, loop=loop)
        self.start()
        return mailbox

    def rekey(self, mailbox: Mailbox, keys: frozenset[MailboxKey]) -> None:
        with self._lock:
            if self._mailboxes.get(mailbox.token) is not mailbox:
                return
            self._unindex(mailbox)
            mailbox.keys = keys
            for key in keys:
                self._by_key.setdefault(key, set()).add(mailbox)

    def close(self, mailbox: Mailbox) -> None:
        with self._lock:
            if self._mailboxes.get(mailbox.token) is mailbox:
                del self._mailboxes[mailbox.token]
            self._unindex(mailbox)

    def is_open(self, token: str) -> bool:
        with self._lock:
            return token in self._mailboxes

    def poke(self, token: str, item: Delivery) -> bool:
        """Hand ``item`` to the tab's task if it runs in this process."""
        with self._lock:
            mailbox = self._mailboxes.get(token)
        if mailbox is None:
            return False
        mailbox.deliver(item)
        return True

    @property
    def tab_count(self) -> int:
        with self._lock:
            return len(self._mailboxes)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def _unindex(self, mailbox: Mailbox) -> None:
        for key in mailbox.keys:
            holders = self._by_key.get(key)
            if holders is not None:
                holders.discard(mailbox)
                if not holders:
                    del self._by_key[key]

    # ------------------------------------------------------------ routing

    def dispatch(self, topic: str, payload: bytes) -> int:
        """Route one MQTT message to the mailboxes it concerns; returns how many got it."""
        self.received += 1
        parsed = parse_topic(topic)
        if parsed is None or parsed.stage != self._settings.stage:
            return 0
        with self._lock:
            targets = list(self._by_key.get((parsed.scope, parsed.owner_id), ()))
        if not targets:
            return 0
        try:
            message = _MESSAGE.validate_json(payload)
        except ValidationError:
            log.warning("dropping a malformed realtime message on %s", topic)
            return 0
        for mailbox in targets:
            mailbox.deliver(message)
        self.delivered += len(targets)
        return len(targets)

    def _broadcast(self, item: Delivery) -> None:
        with self._lock:
            targets = list(self._mailboxes.values())
        for mailbox in targets:
            mailbox.deliver(item)

    # ------------------------------------------------------------ the MQTT connection

    def start(self) -> None:
        """Connect in the background (once); the client retries until the broker answers."""
        with self._lock:
            if self._connection is not None:
                return
            try:
                self._connection = connection_for(
                    self._settings, self._on_connected, self._on_disconnected, self._on_message
                )
            except ValueError:
                log.exception("cannot make the app's MQTT connection")
                return
            connection = self._connection
        connection.start()

    def stop(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        self._connected.clear()
        if connection is not None:
            connection.stop()
        self._connected.clear()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _on_connected(self) -> None:
        self._connected.set()
        if self._ever_connected:
            self.reconnects += 1
            log.info("MQTT connection back; asking %d tab(s) to re-sync", self.tab_count)
            self._broadcast(Resync())
        else:
            log.info("MQTT connected (%s)", _where(self._settings))
        self._ever_connected = True

    def _on_disconnected(self, reason: str) -> None:
        if self._connected.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason)
            self._broadcast(LivePaused())
        self._connected.clear()

    def _on_message(self, topic: str, payload: bytes) -> None:
        try:
            self.dispatch(topic, payload)
        except Exception:  # never let one message kill the client's network thread
            log.exception("could not route a realtime message on %s", topic)


def _where(settings: Settings) -> str:
    if settings.realtime_broker == "iot":
        return f"IoT Core at {settings.iot_endpoint}"
    return safe_url(settings.mqtt_url)


_hub: RealtimeHub | None = None
_hub_lock = threading.Lock()


def get_hub() -> RealtimeHub:
    """This process's hub (created on first use; connects when the first tab goes live)."""
    global _hub
    with _hub_lock:
        if _hub is None or _hub._settings is not get_settings():
            if _hub is not None:
                _hub.stop()
            _hub = RealtimeHub()
        return _hub


# ---------------------------------------------------------------- the tab's Reflex websocket

TabConnection = Literal["here", "elsewhere", "gone"]


def _token_manager() -> Any:
    """Reflex's token manager of this process: which tab (token) has which websocket (sid), where."""
    import sys

    from reflex_base.config import get_config

    module = sys.modules.get(get_config().module)
    app = getattr(module, "app", None)
    namespace = getattr(app, "event_namespace", None)
    return getattr(namespace, "_token_manager", None)


async def tab_connection(token: str) -> TabConnection:
    """Whether the tab's websocket is connected to this process, to another one, or to none.

    Reflex 0.10 keeps ``token → SocketRecord(instance_id, sid)`` in its token manager (in
    Redis too when several processes share state); a record with this process's
    ``instance_id`` is authoritative, anything else is checked against Redis.
    """
    manager = _token_manager()
    if manager is None:
        return "here"  # not inside a running Reflex backend (unit use): assume alive
    record = manager.token_to_socket.get(token)
    if record is not None and record.instance_id == manager.instance_id:
        return "here"
    try:
        return "elsewhere" if await manager.is_token_connected(token) else "gone"
    except Exception:  # Redis trouble: do not declare the tab closed on a hiccup
        log.warning("could not check where tab %s is connected", token[:8])
        return "here"
