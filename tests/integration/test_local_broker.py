"""The embedded MQTT broker: real paho clients over TCP and websocket."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import paho.mqtt.client as mqtt
import pytest
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from backend.local.broker import WEBSOCKET_PATH, MqttBroker


class MqttClient:
    """A paho client that records what it receives, for asserting on."""

    def __init__(self, port: int, websocket: bool = False, username: str | None = None) -> None:
        transport = "websockets" if websocket else "tcp"
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:8]}", transport=transport
        )
        if websocket:
            self.client.ws_set_options(path=WEBSOCKET_PATH)
        if username:
            self.client.username_pw_set(username, "secret")
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=0.1)  # a refused client stops quickly
        self.messages: list[tuple[str, bytes]] = []
        self.granted: list[int] = []
        self.connect_result: mqtt.ReasonCode | None = None
        self._changed = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.port = port

    def _on_connect(self, _c: mqtt.Client, _u: object, _f: object, reason: mqtt.ReasonCode, _p: object) -> None:
        with self._changed:
            self.connect_result = reason
            self._changed.notify_all()

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append((message.topic, message.payload))
            self._changed.notify_all()

    def _on_subscribe(self, _c: mqtt.Client, _u: object, _mid: int, reasons: list[mqtt.ReasonCode], _p: object) -> None:
        with self._changed:
            self.granted.extend(r.value for r in reasons)
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def connect(self) -> MqttClient:
        self.client.connect("127.0.0.1", self.port, keepalive=10)
        self.client.loop_start()
        assert self.wait_for(lambda: self.connect_result is not None), "no CONNACK"
        return self

    def subscribe(self, topic: str) -> None:
        before = len(self.granted)
        self.client.subscribe(topic, qos=1)
        assert self.wait_for(lambda: len(self.granted) > before), "no SUBACK"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture(scope="module")
def broker() -> Iterator[MqttBroker]:
    broker = MqttBroker().start()
    yield broker
    broker.stop()


@pytest.fixture
def clients() -> Iterator[list[MqttClient]]:
    made: list[MqttClient] = []
    yield made
    for client in made:
        client.close()


def test_urls_name_loopback_ports(broker: MqttBroker) -> None:
    assert broker.tcp_url == f"mqtt://127.0.0.1:{broker.tcp_port}"
    assert broker.ws_url == f"ws://127.0.0.1:{broker.ws_port}/mqtt"
    assert broker.tcp_port != broker.ws_port and 0 not in (broker.tcp_port, broker.ws_port)


@pytest.mark.parametrize(
    ("subscriber_ws", "publisher_ws"),
    [(False, False), (True, True), (True, False), (False, True)],
    ids=["tcp-to-tcp", "ws-to-ws", "tcp-to-ws", "ws-to-tcp"],
)
def test_publish_reaches_subscriber(
    broker: MqttBroker, clients: list[MqttClient], subscriber_ws: bool, publisher_ws: bool
) -> None:
    # given
    port = {False: broker.tcp_port, True: broker.ws_port}
    topic = f"lumi/test/u/{uuid.uuid4().hex}/notifications"
    subscriber = MqttClient(port[subscriber_ws], websocket=subscriber_ws).connect()
    publisher = MqttClient(port[publisher_ws], websocket=publisher_ws).connect()
    clients += [subscriber, publisher]
    subscriber.subscribe(topic)

    # when: a message for another topic goes first, so a wrongly routed one would arrive first
    publisher.client.publish(f"{topic}-other", b"not for you", qos=1).wait_for_publish(5)
    publisher.client.publish(topic, b'{"hello": "partner"}', qos=1).wait_for_publish(5)

    # then
    assert subscriber.wait_for(lambda: any(t == topic for t, _ in subscriber.messages))
    assert subscriber.messages == [(topic, b'{"hello": "partner"}')]


def test_listens_on_loopback_only(broker: MqttBroker, outside_address: str | None) -> None:
    if outside_address is None:
        pytest.skip("this machine has no non-loopback address to try")
    for port in (broker.tcp_port, broker.ws_port):
        with pytest.raises(OSError):
            socket.create_connection((outside_address, port), timeout=1).close()


class RefuseIntruders(BaseAuthPlugin, BaseTopicPlugin):
    """Stands where issue 3's authorizer plugin will: refuses one user and one topic subtree."""

    @dataclass
    class Config:
        refused_user: str = "intruder"
        refused_prefix: str = "lumi/test/secret/"

    async def authenticate(self, *, session: Session) -> bool | None:
        return session.username != self.config.refused_user

    async def topic_filtering(
        self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None
    ) -> bool | None:
        return not (topic or "").startswith(self.config.refused_prefix)


def test_auth_and_topic_plugins_plug_in(clients: list[MqttClient]) -> None:
    # given a broker whose only plugin is ours (anonymous access is then off)
    plugin = f"{RefuseIntruders.__module__}.{RefuseIntruders.__name__}"
    guarded = MqttBroker(plugins={plugin: {"refused_user": "intruder"}}).start()
    try:
        # when / then: the refused user gets a not-authorized CONNACK
        intruder = MqttClient(guarded.tcp_port, username="intruder").connect()
        clients.append(intruder)
        assert intruder.connect_result is not None and intruder.connect_result.is_failure

        # and an accepted user cannot subscribe to the refused subtree, but can elsewhere
        member = MqttClient(guarded.ws_port, websocket=True, username="alex").connect()
        clients.append(member)
        assert member.connect_result is not None and not member.connect_result.is_failure
        member.subscribe("lumi/test/secret/#")
        member.subscribe("lumi/test/open/#")
        assert member.granted == [0x80, 1]
    finally:
        guarded.stop()


def test_stop_closes_both_ports() -> None:
    broker = MqttBroker().start()
    ports = (broker.tcp_port, broker.ws_port)
    broker.stop()
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
