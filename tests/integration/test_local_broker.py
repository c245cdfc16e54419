"""The embedded MQTT broker: real paho clients over TCP and websocket."""

from __future__ import annotations

import importlib.metadata
import inspect
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import amqtt.broker
import paho.mqtt.client as mqtt
import pytest
from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from backend.local.broker import WEBSOCKET_PATH, MqttBroker
from backend.local.broker_patches import AMQTT_VERSION


class MqttClient:
    """A paho client that records what it receives, for asserting on."""

    def __init__(
        self,
        port: int,
        websocket: bool = False,
        username: str | None = None,
        client_id: str | None = None,
        clean_session: bool = True,
    ) -> None:
        transport = "websockets" if websocket else "tcp"
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"test-{uuid.uuid4().hex[:8]}",
            transport=transport,
            clean_session=clean_session,
        )
        if websocket:
            self.client.ws_set_options(path=WEBSOCKET_PATH)
        if username:
            self.client.username_pw_set(username, "secret")
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=0.1)  # a refused client stops quickly
        self.messages: list[tuple[str, bytes]] = []
        self.granted: list[int] = []
        self.connect_result: mqtt.ReasonCode | None = None
        self.disconnected = False
        self._changed = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.port = port

    def _on_connect(self, _c: mqtt.Client, _u: object, _f: object, reason: mqtt.ReasonCode, _p: object) -> None:
        with self._changed:
            self.connect_result = reason
            self._changed.notify_all()

    def _on_disconnect(self, _c: mqtt.Client, _u: object, _f: object, _r: mqtt.ReasonCode, _p: object) -> None:
        with self._changed:
            self.disconnected = True
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


# ---------------------------------------------------------------- retained messages (backend.local.broker_patches)


def settle(client: MqttClient) -> None:
    """One more SUBACK: the broker sends what is retained for a connection and each subscription
    before it handles the client's next packet, so nothing retained is on its way after this."""
    client.subscribe(f"lumi/test/settle/{uuid.uuid4().hex}")


def test_a_retained_publish_closes_the_connection_and_is_not_stored(
    broker: MqttBroker, clients: list[MqttClient]
) -> None:
    # given a subscriber
    topic = f"lumi/test/u/{uuid.uuid4().hex}/events"
    subscriber = MqttClient(broker.tcp_port).connect()
    publisher = MqttClient(broker.ws_port, websocket=True).connect()
    clients += [subscriber, publisher]
    subscriber.subscribe(topic)

    # when a client publishes a retained message
    publisher.client.publish(topic, b"sticky", qos=1, retain=True)

    # then its connection is closed, nothing is stored, and what comes next is all that arrives
    assert publisher.wait_for(lambda: publisher.disconnected), "the connection stayed open"
    assert broker.retained() == {}
    MqttClient(broker.tcp_port).connect().client.publish(topic, b"live", qos=1).wait_for_publish(5)
    assert subscriber.wait_for(lambda: bool(subscriber.messages))
    assert subscriber.messages == [(topic, b"live")]


class HidesOneSubtree(BaseAuthPlugin, BaseTopicPlugin):
    """Grants every subscription but delivers nothing under one prefix: only ``receive`` says no."""

    @dataclass
    class Config:
        hidden_prefix: str = "lumi/test/hidden/"

    async def authenticate(self, *, session: Session) -> bool | None:
        return True

    async def topic_filtering(
        self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None
    ) -> bool | None:
        return not (action == Action.RECEIVE and (topic or "").startswith(self.config.hidden_prefix))


def test_retained_messages_pass_the_receive_check_at_subscribe_and_at_reconnect(clients: list[MqttClient]) -> None:
    # given a broker whose topic plugin hides one subtree from delivery, and a message retained on each side
    plugin = f"{HidesOneSubtree.__module__}.{HidesOneSubtree.__name__}"
    guarded = MqttBroker(plugins={plugin: {}}).start()
    try:
        guarded.retain("lumi/test/hidden/x", b"hidden")
        guarded.retain("lumi/test/open/x", b"open")

        # when a client with a persistent session subscribes to both
        client_id = f"test-{uuid.uuid4().hex[:8]}"
        first = MqttClient(guarded.tcp_port, client_id=client_id, clean_session=False).connect()
        clients.append(first)
        first.subscribe("lumi/test/#")
        settle(first)

        # then only the one it may receive arrives
        assert first.messages == [("lumi/test/open/x", b"open")]

        # and so again when it comes back to its session (amqtt resends for the session's subscriptions)
        first.close()
        again = MqttClient(guarded.tcp_port, client_id=client_id, clean_session=False).connect()
        clients.append(again)
        settle(again)
        assert again.messages == [("lumi/test/open/x", b"open")]
    finally:
        guarded.stop()


# ---------------------------------------------------------------- canaries: amqtt as the patches know it

UPSTREAM_SHAPES = {
    # 1: the broadcast awaits the topic plugins while walking the subscription table
    "_run_broadcast": [
        "for k_filter, subscriptions in self._subscriptions.items():",
        'sendable = await self._topic_filtering(target_session, topic=broadcast["topic"], action=Action.RECEIVE)',
    ],
    # 2: the one place a client's PUBLISH is passed on and retained, told by the packet's flag
    "_handle_message_delivery": [
        "app_message = wait_deliver.result()",
        "if app_message.publish_packet and app_message.publish_packet.retain_flag:",
        "await self.retain_message(client_session, app_message.topic, app_message.data, app_message.qos)",
    ],
    # 3: a will is retained from the session's flag when its client drops
    "_handle_disconnect": ["if client_session.will_retain:", "await self.retain_message("],
    # 2, 3, 4: CONNECTs are judged by _authenticate; retained messages at connect walk everyone's filters
    "_handle_client_session": [
        "authenticated = await self._authenticate(client_session, self.listeners_config[listener_name])",
        "for topic in self._subscriptions:",
        "await self._publish_retained_messages_for_subscription((topic, QOS_0), client_session)",
    ],
    # 4: and at subscribe, for each granted filter
    "_handle_subscription": ["await self._publish_retained_messages_for_subscription(subscription, client_session)"],
}


def test_amqtt_is_the_version_the_broker_patches_were_written_for() -> None:
    """An upgrade must look again at ``backend.local.broker_patches`` (and then change this)."""
    assert importlib.metadata.version("amqtt") == AMQTT_VERSION


@pytest.mark.parametrize("method", sorted(UPSTREAM_SHAPES))
def test_amqtt_still_has_the_code_the_broker_patches_lean_on(method: str) -> None:
    source = inspect.getsource(getattr(Broker, method))
    for line in UPSTREAM_SHAPES[method]:
        assert line in source, f"amqtt's Broker.{method} changed: look again at backend.local.broker_patches"


def test_amqtt_retains_and_sends_retained_messages_nowhere_else() -> None:
    source = inspect.getsource(amqtt.broker)
    # called at connect and at subscribe
    assert source.count("._publish_retained_messages_for_subscription(") == 2
    # called by the plugins' BrokerContext, for a retained PUBLISH and for a retained will
    assert source.count(".retain_message(") == 3
    # RetainedApplicationMessage, a session's queue at reconnect, a subscription's retained messages
    assert source.count("retain=True") == 3


class UnpatchedMqttBroker(MqttBroker):
    def _new_broker(self) -> Broker:
        return Broker(self.config(), plugin_namespace=f"amqtt.lumi.raw.{id(self)}")


def test_unpatched_amqtt_still_sends_a_new_client_what_others_subscribed_to(clients: list[MqttClient]) -> None:
    """When this fails, amqtt sends retained messages only through the client's own
    subscriptions, and point 4 of ``backend.local.broker_patches`` may go."""
    raw = UnpatchedMqttBroker().start()
    try:
        watcher = MqttClient(raw.tcp_port).connect()
        clients.append(watcher)
        watcher.subscribe("lumi/test/watched/#")
        raw.retain("lumi/test/watched/x", b"not yours")

        newcomer = MqttClient(raw.tcp_port).connect()  # subscribes to nothing
        clients.append(newcomer)
        settle(newcomer)
        assert newcomer.messages == [("lumi/test/watched/x", b"not yours")]
    finally:
        raw.stop()
