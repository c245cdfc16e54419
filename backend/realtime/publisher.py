"""The one way server code sends a realtime message: ``get_publisher().publish(topic, message)``.

In AWS that is IoT Core's HTTPS publish (boto3 ``iot-data``, QoS 1, IAM-signed); locally an
MQTT client of the embedded broker that signs in as the service principal. Either way the
message is the JSON of a pydantic model from ``backend.contracts`` (``RealtimeMessage``).

``publish`` returns once the broker acknowledged the message (PUBACK, or IoT's 200) and
raises :class:`PublishError` otherwise, within a couple of seconds. Most callers want
:func:`try_publish`: a live update is a courtesy on top of stored state, which every client
re-syncs from the API, so it must never fail the request that caused it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from typing import Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel

from backend.settings import Settings, get_settings

log = logging.getLogger("lumi.realtime")

PUBLISH_TIMEOUT_SECONDS = 2.0
KEEPALIVE_SECONDS = 30


class PublishError(Exception):
    """The broker did not take the message (unreachable, refused us, or no acknowledgement in time)."""


class Publisher(Protocol):
    def publish(self, topic: str, message: BaseModel) -> None: ...

    def close(self) -> None: ...


def payload(message: BaseModel) -> bytes:
    return message.model_dump_json().encode()


class MqttPublisher:
    """One MQTT connection for the whole process, shared by every thread.

    paho's network thread connects in the background and reconnects (0.1 s doubling to 2 s)
    whenever the broker goes away, e.g. a restarted local stack; ``publish`` waits for the
    connection and then for the PUBACK, both within ``timeout``.
    """

    def __init__(self, url: str, username: str, password: str, timeout: float = PUBLISH_TIMEOUT_SECONDS) -> None:
        import paho.mqtt.client as mqtt

        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "ws", "wss") or not parts.hostname:
            raise ValueError(f"not an MQTT URL: {url!r}")
        secure = parts.scheme in ("mqtts", "wss")
        websocket = parts.scheme in ("ws", "wss")
        default_port = {"mqtt": 1883, "mqtts": 8883, "ws": 80, "wss": 443}[parts.scheme]
        self.host, self.port = parts.hostname, parts.port or default_port
        self.timeout = timeout
        self._connected = threading.Event()
        self._start_lock = threading.Lock()
        self._started = False
        self._refusal_logged = False
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"{username}-{os.getpid()}-{uuid.uuid4().hex[:8]}",
            transport="websockets" if websocket else "tcp",
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        if websocket:
            self._client.ws_set_options(path=parts.path or "/mqtt")
        if secure:
            self._client.tls_set()
        self._client.username_pw_set(username, password)
        self._client.reconnect_delay_set(min_delay=1, max_delay=2)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect

    def _on_connect(self, _client: object, _userdata: object, _flags: object, reason: object, _props: object) -> None:
        if getattr(reason, "is_failure", False):
            if not self._refusal_logged:
                log.warning("the MQTT broker at %s:%s refused the service principal: %s", self.host, self.port, reason)
                self._refusal_logged = True
            return
        self._refusal_logged = False
        self._connected.set()

    def _on_disconnect(self, _client: object, _userdata: object, _flags: object, _reason: object, _p: object) -> None:
        self._connected.clear()

    def _start(self) -> None:
        with self._start_lock:
            if not self._started:
                self._client.connect_async(self.host, self.port, keepalive=KEEPALIVE_SECONDS)
                self._client.loop_start()
                self._started = True

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        self._start()
        return self._connected.wait(timeout)

    def publish(self, topic: str, message: BaseModel) -> None:
        import paho.mqtt.client as mqtt

        deadline = time.monotonic() + self.timeout
        if not self.wait_connected(self.timeout):
            raise PublishError(f"not connected to the MQTT broker at {self.host}:{self.port}")
        info = self._client.publish(topic, payload(message), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise PublishError(f"the MQTT client did not send the message: {mqtt.error_string(info.rc)}")
        try:
            info.wait_for_publish(max(0.0, deadline - time.monotonic()))
        except (RuntimeError, ValueError) as error:
            raise PublishError(str(error)) from error
        if not info.is_published():
            raise PublishError(f"no PUBACK from the MQTT broker within {self.timeout:.1f}s")

    def close(self) -> None:
        with self._start_lock:
            if self._started:
                self._client.disconnect()
                self._client.loop_stop()
                self._started = False
        self._connected.clear()


class IotDataPublisher:
    """IoT Core's data plane over HTTPS: ``iot-data`` Publish with QoS 1, signed with the function's role."""

    def publish(self, topic: str, message: BaseModel) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        from backend.aws import client

        try:
            client("iot-data").publish(topic=topic, qos=1, payload=payload(message))
        except (BotoCoreError, ClientError) as error:
            raise PublishError(f"IoT Core did not take the message: {error}") from error

    def close(self) -> None:
        return None


class NoBrokerPublisher:
    """A stack started without a broker (``LUMI_MQTT_URL`` empty): there is nobody to tell."""

    def publish(self, topic: str, message: BaseModel) -> None:
        log.debug("no MQTT broker configured; not publishing to %s", topic)

    def close(self) -> None:
        return None


_lock = threading.Lock()
_current: tuple[tuple[object, ...], Publisher] | None = None


def _config(settings: Settings) -> tuple[object, ...]:
    # A forked worker gets its own connection; a changed setting (tests switch stacks) a new one.
    return (
        os.getpid(),
        settings.publisher,
        settings.aws_endpoint_url,
        settings.region,
        settings.mqtt_url,
        settings.realtime_service_user,
        settings.realtime_service_secret,
    )


def _build(settings: Settings) -> Publisher:
    if settings.publisher == "iot":
        return IotDataPublisher()
    if not settings.mqtt_url:
        return NoBrokerPublisher()
    return MqttPublisher(
        settings.mqtt_url, settings.realtime_service_user, settings.realtime_service_secret, PUBLISH_TIMEOUT_SECONDS
    )


def get_publisher() -> Publisher:
    """The process's publisher for the current settings (made on first use)."""
    global _current
    settings = get_settings()
    config = _config(settings)
    with _lock:
        if _current is None or _current[0] != config:
            previous = _current[1] if _current else None
            _current = (config, _build(settings))
            if previous is not None:
                previous.close()
        return _current[1]


def reset_publisher() -> None:
    """Close and forget the publisher (tests, and a process about to fork)."""
    global _current
    with _lock:
        previous, _current = _current, None
    if previous is not None:
        previous[1].close()


def try_publish(topic: str, message: BaseModel) -> bool:
    """Publish, logging instead of raising: for live updates whose truth is stored elsewhere."""
    try:
        get_publisher().publish(topic, message)
    except PublishError as error:
        log.warning("could not publish to %s: %s", topic, error)
        return False
    except Exception:  # a bug in realtime must not fail the request that caused it
        log.exception("publishing to %s failed", topic)
        return False
    return True


__all__ = [
    "PUBLISH_TIMEOUT_SECONDS",
    "IotDataPublisher",
    "MqttPublisher",
    "NoBrokerPublisher",
    "PublishError",
    "Publisher",
    "get_publisher",
    "payload",
    "reset_publisher",
    "try_publish",
]
