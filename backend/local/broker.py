"""The embedded MQTT broker that stands in for IoT Core locally.

amqtt runs in a thread of its own with its own asyncio loop, so the rest of the stack
(threads and blocking boto3 calls) never has to be async. It listens on 127.0.0.1 for
plain MQTT over TCP (server code, tests) and MQTT over websocket on ``/mqtt`` (browsers,
as IoT Core's ``wss://…/mqtt``).

Who may connect and which topics they may use is decided by amqtt plugins. By default
everybody is let in anonymously (``ANONYMOUS``); the local stack passes the realtime
authorizer's plugin (``backend.local.broker_auth.PLUGIN``), which calls the same rule as
IoT Core's custom authorizer in AWS. Where amqtt itself differs from IoT Core, it is patched
(``backend.local.broker_patches``): among others, no client may retain a message, as no
Lumi policy grants ``iot:RetainPublish``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from backend.local.services import HOST

if TYPE_CHECKING:
    from amqtt.broker import Broker

log = logging.getLogger("lumi.local.mqtt")

# amqtt's plugin config: dotted class path -> that plugin's ``Config`` fields.
PluginConfig = Mapping[str, Mapping[str, Any]]

ANONYMOUS: PluginConfig = {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}}

WEBSOCKET_PATH = "/mqtt"

T = TypeVar("T")


class MqttBroker:
    """amqtt with a TCP and a websocket listener on 127.0.0.1; ports of 0 pick free ones."""

    def __init__(self, tcp_port: int = 0, ws_port: int = 0, plugins: PluginConfig | None = None) -> None:
        self._requested = {"tcp": tcp_port, "ws": ws_port}
        self._plugins = dict(plugins if plugins is not None else ANONYMOUS)
        self.tcp_port = 0
        self.ws_port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None
        self._stopped: asyncio.Event | None = None

    @property
    def tcp_url(self) -> str:
        return f"mqtt://{HOST}:{self.tcp_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.ws_port}{WEBSOCKET_PATH}"

    def config(self) -> dict[str, Any]:
        """amqtt 0.12 broker config. ``$SYS`` topics and packet logging stay off: noise locally."""
        return {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{HOST}:{self._requested['tcp']}"},
                "ws": {"type": "ws", "bind": f"{HOST}:{self._requested['ws']}"},
            },
            "timeout_disconnect_delay": 2,
            "plugins": {path: dict(options) for path, options in self._plugins.items()},
        }

    def start(self, timeout: float = 15.0) -> MqttBroker:
        """Start the broker thread; return once both listeners accept connections."""
        started: Future[tuple[int, int]] = Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="lumi-mqtt-broker", daemon=True)
        self._thread.start()
        # Both servers listen once amqtt's start() returns. (Probing the websocket port with a
        # bare TCP connect would make the websockets library log a failed handshake.)
        self.tcp_port, self.ws_port = started.result(timeout=timeout)
        log.debug("MQTT broker on %s and %s", self.tcp_url, self.ws_url)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is None or self._thread is None:
            return
        if self._stopped is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("the MQTT broker did not stop within %.0fs", timeout)
        self._thread = None
        self._loop = None

    def _run(self, started: Future[tuple[int, int]]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(started))
        except BaseException as error:  # reported to start() instead of dying silently
            if not started.done():
                started.set_exception(error)
            else:
                log.exception("the MQTT broker stopped with an error")
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self, started: Future[tuple[int, int]]) -> None:
        self._stopped = asyncio.Event()
        self._broker = self._new_broker()
        await self._broker.start()
        try:
            started.set_result((self._bound_port("default"), self._bound_port("ws")))
            await self._stopped.wait()
        finally:
            await self._broker.shutdown()

    def _new_broker(self) -> Broker:
        """amqtt with Lumi's patches (``backend.local.broker_patches``), made on the broker's loop."""
        from backend.local.broker_patches import PatchedBroker

        # A namespace per instance: amqtt keeps plugin managers in a process-wide dict by namespace.
        return PatchedBroker(self.config(), plugin_namespace=f"amqtt.lumi.{id(self)}")

    def retain(self, topic: str, payload: bytes, qos: int = 1) -> None:
        """Store a retained message as the broker itself may (clients may not: see ``broker_patches``)."""
        self._call(self._broker.retain_message(None, topic, payload, qos))

    def retained(self) -> dict[str, bytes]:
        """The retained store, topic -> payload (read on the broker's loop, which owns it)."""

        async def read() -> dict[str, bytes]:
            return {topic: bytes(message.data) for topic, message in self._broker.retained_messages.items()}

        return self._call(read())

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 5.0) -> T:
        if self._loop is None:
            raise RuntimeError("the MQTT broker is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _bound_port(self, listener: str) -> int:
        # With port 0 the OS picks the port; amqtt does not expose it, its server object does.
        server = self._broker._servers[listener].instance
        return int(server.sockets[0].getsockname()[1])


__all__ = ["ANONYMOUS", "WEBSOCKET_PATH", "MqttBroker", "PluginConfig"]
