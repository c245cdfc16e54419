"""The app server's MQTT connection: paho to a plain broker (the local amqtt), the AWS IoT SDK to IoT Core.

``Settings.realtime_broker`` chooses. Both connect in the background as the service principal
(``Settings.realtime_service_user`` / ``realtime_service_secret``), reconnect by themselves
(1 s growing to 10 s), subscribe to ``topics.service_subscriptions(stage)`` on every
(re)connect (clean sessions), and report to the same three callbacks, called from the
client's own network thread:

- ``on_connected()``: connected and subscribed (again);
- ``on_lost(reason)``: the connection dropped (a reconnect follows);
- ``on_message(topic, payload)``: a message on one of the subscriptions.

IoT Core refuses plain username/password: a client names the custom authorizer that checks
them (``Settings.iot_authorizer_name``, in the username as ``?x-amz-customauthorizer-name=``)
and connects over TLS on 443, either MQTT with ALPN ``mqtt`` (``iot_transport`` "mqtt") or
MQTT over WSS ("wss"). The SDK (``awsiotsdk``, on the AWS Common Runtime) is imported only
for that case; this module never imports boto3 or botocore.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from backend.realtime.topics import service_client_id_prefix, service_subscriptions
from backend.settings import Settings

log = logging.getLogger("lumi.app.broker")

OnConnected = Callable[[], None]
OnLost = Callable[[str], None]
OnMessage = Callable[[str, bytes], None]

KEEPALIVE_SECONDS = 30
MIN_RECONNECT_SECONDS = 1
MAX_RECONNECT_SECONDS = 10
IOT_PORT = 443
MAX_CLIENT_ID = 128  # IoT Core's limit


class BrokerConnection(Protocol):
    def start(self) -> None:
        """Connect in the background; keeps reconnecting until :meth:`stop`."""

    def stop(self) -> None: ...


def client_id(settings: Settings) -> str:
    """This process's client id: the app server's prefix (the only one IoT Core admits for it), host, pid."""
    unique = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
    return f"{service_client_id_prefix(settings.stage)}{unique}"[:MAX_CLIENT_ID]


def safe_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}" if parts.hostname else url


def connection_for(
    settings: Settings, on_connected: OnConnected, on_lost: OnLost, on_message: OnMessage
) -> BrokerConnection:
    """The connection ``settings`` ask for (not started)."""
    if settings.realtime_broker == "iot":
        return IotCoreConnection(settings, on_connected, on_lost, on_message)
    return PahoConnection(settings, on_connected, on_lost, on_message)


# ---------------------------------------------------------------- a plain MQTT broker (local)


class PahoConnection:
    """paho to ``Settings.mqtt_url`` (``mqtt://``, ``mqtts://``, ``ws://``, ``wss://``) with username and password."""

    def __init__(self, settings: Settings, on_connected: OnConnected, on_lost: OnLost, on_message: OnMessage) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self._settings = settings
        self._on_connected, self._on_lost, self._on_message = on_connected, on_lost, on_message
        url = urlsplit(settings.mqtt_url)
        self._host = url.hostname or "127.0.0.1"
        secure = url.scheme in ("mqtts", "ssl", "wss")
        self._port = url.port or (8883 if secure else 1883)
        transport = "websockets" if url.scheme in ("ws", "wss") else "tcp"
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id(settings),
            clean_session=True,
            transport=transport,
        )
        if transport == "websockets":
            client.ws_set_options(path=url.path or "/mqtt")
        if secure:
            client.tls_set()
        client.username_pw_set(settings.realtime_service_user, settings.realtime_service_secret or None)
        client.reconnect_delay_set(min_delay=MIN_RECONNECT_SECONDS, max_delay=MAX_RECONNECT_SECONDS)
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_message = self._message
        self._client = client

    def start(self) -> None:
        try:
            self._client.connect_async(self._host, self._port, keepalive=KEEPALIVE_SECONDS)
            self._client.loop_start()
        except (OSError, ValueError):
            log.exception("cannot start the MQTT connection to %s", safe_url(self._settings.mqtt_url))

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _connected(self, client: Any, _userdata: Any, _flags: Any, reason_code: Any, _properties: Any) -> None:
        if getattr(reason_code, "is_failure", False):
            log.warning("the MQTT broker refused the app's connection: %s", reason_code)
            return
        client.subscribe([(topic, 1) for topic in service_subscriptions(self._settings.stage)])
        self._on_connected()

    def _disconnected(self, _client: Any, _userdata: Any, _flags: Any, reason_code: Any, _properties: Any) -> None:
        self._on_lost(str(reason_code))

    def _message(self, _client: Any, _userdata: Any, message: Any) -> None:
        self._on_message(message.topic, message.payload)


# ---------------------------------------------------------------- IoT Core (AWS)


def iot_client_options(settings: Settings) -> dict[str, Any]:
    """What the SDK's custom-authorizer builder is given (besides the callbacks); clear errors for gaps."""
    missing = [
        name
        for name, value in (
            ("LUMI_IOT_ENDPOINT", settings.iot_endpoint),
            ("LUMI_IOT_AUTHORIZER_NAME", settings.iot_authorizer_name),
            ("LUMI_REALTIME_SERVICE_SECRET", settings.realtime_service_secret),
        )
        if not value
    ]
    if missing:
        raise ValueError(f"LUMI_REALTIME_BROKER=iot needs {', '.join(missing)}")
    return {
        "endpoint": settings.iot_endpoint,
        "port": IOT_PORT,
        "client_id": client_id(settings),
        "auth_username": settings.realtime_service_user,
        "auth_authorizer_name": settings.iot_authorizer_name,
        "auth_password": settings.realtime_service_secret,
        "keep_alive_interval_sec": KEEPALIVE_SECONDS,
        "min_reconnect_delay_ms": MIN_RECONNECT_SECONDS * 1000,
        "max_reconnect_delay_ms": MAX_RECONNECT_SECONDS * 1000,
        # The SDK would append its name and version to the username; the authorizer reads it.
        "enable_metrics_collection": False,
    }


def iot_builder(transport: str) -> Callable[..., Any]:
    """The SDK's builder for ``Settings.iot_transport``: MQTT over TLS with ALPN "mqtt", or over WSS; both on 443."""
    from awsiot import mqtt5_client_builder

    if transport == "wss":
        return mqtt5_client_builder.websockets_with_custom_authorizer
    return mqtt5_client_builder.direct_with_custom_authorizer


class IotCoreConnection:
    """An MQTT 5 client of the AWS IoT SDK, signed in through Lumi's custom authorizer."""

    def __init__(self, settings: Settings, on_connected: OnConnected, on_lost: OnLost, on_message: OnMessage) -> None:
        self._settings = settings
        self._on_connected, self._on_lost, self._on_message = on_connected, on_lost, on_message
        self.options = iot_client_options(settings)
        self._client = iot_builder(settings.iot_transport)(
            **self.options,
            on_publish_received=self._message,
            on_lifecycle_connection_success=self._connected,
            on_lifecycle_connection_failure=self._refused,
            on_lifecycle_disconnection=self._disconnected,
        )

    def start(self) -> None:
        self._client.start()

    def stop(self) -> None:
        self._client.stop()

    def _connected(self, _data: Any) -> None:
        from awscrt import mqtt5

        filters = service_subscriptions(self._settings.stage)
        packet = mqtt5.SubscribePacket(
            subscriptions=[mqtt5.Subscription(topic_filter=f, qos=mqtt5.QoS.AT_LEAST_ONCE) for f in filters]
        )
        self._client.subscribe(packet).add_done_callback(self._subscribed)
        self._on_connected()

    def _subscribed(self, future: Any) -> None:
        try:
            suback = future.result()
        except Exception as error:  # the connection dropped before the SUBACK: the next connect subscribes again
            log.warning("IoT Core did not confirm the app's subscriptions: %s", error)
            return
        refused = [code for code in suback.reason_codes if code.value >= 0x80]
        if refused:
            log.error("IoT Core refused the app's subscriptions: %s", refused)

    def _refused(self, data: Any) -> None:
        log.warning("IoT Core refused the app's connection: %s", getattr(data, "exception", data))

    def _disconnected(self, data: Any) -> None:
        self._on_lost(str(getattr(data, "exception", None) or "disconnected"))

    def _message(self, data: Any) -> None:
        packet = data.publish_packet
        self._on_message(packet.topic, bytes(packet.payload or b""))


__all__ = [
    "BrokerConnection",
    "IotCoreConnection",
    "PahoConnection",
    "client_id",
    "connection_for",
    "iot_builder",
    "iot_client_options",
]
