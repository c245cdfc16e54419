"""Topic authorization on the real embedded broker, with real paho clients and real Cognito tokens.

The session's full stack runs the broker with ``backend.local.broker_auth`` installed, so
these are the same checks IoT Core makes in AWS through the custom authorizer.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from backend.local.broker import WEBSOCKET_PATH, MqttBroker
from backend.local.broker_auth import PLUGIN
from backend.local.stack import LocalStack
from backend.realtime.topics import Channel, couple_topic, service_subscriptions, user_topic
from tests.integration.conftest import MakeCouple, Person, Register
from tests.integration.test_api_auth import claims_of, sign_like_cognito

REFUSED = 0x80


@pytest.fixture
def stack(local_stack: LocalStack) -> LocalStack:
    """People are registered on the session's full stack: it is the one with the broker."""
    return local_stack


class MqttClient:
    """A paho client that records its CONNACK, SUBACKs and messages, for asserting on."""

    def __init__(
        self,
        port: int,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        websocket: bool = False,
        will: Will | None = None,
        clean_session: bool = True,
    ) -> None:
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id if client_id is not None else f"test-{uuid.uuid4().hex[:8]}",
            transport="websockets" if websocket else "tcp",
            reconnect_on_failure=False,  # a refused client stays refused
            clean_session=clean_session,
        )
        if websocket:
            self.client.ws_set_options(path=WEBSOCKET_PATH)
        if username is not None:
            self.client.username_pw_set(username, password)
        if will is not None:
            self.client.will_set(will.topic, will.payload, qos=1, retain=will.retain)
        self.port = port
        self.connect_result: mqtt.ReasonCode | None = None
        self.disconnected = False
        self.granted: dict[int, list[int]] = {}
        self.messages: list[tuple[str, bytes]] = []
        self.retained: list[tuple[str, bytes]] = []  # those of the messages that came with the retain flag
        self.arrivals: list[float] = []  # time.monotonic() of each message
        self._changed = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_connect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: mqtt.ReasonCode, _p: Any) -> None:
        with self._changed:
            self.connect_result = reason
            self._changed.notify_all()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, _reason: mqtt.ReasonCode, _p: Any) -> None:
        with self._changed:
            self.disconnected = True
            self._changed.notify_all()

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, mid: int, reasons: list[mqtt.ReasonCode], _p: Any) -> None:
        with self._changed:
            self.granted[mid] = [r.value for r in reasons]
            self._changed.notify_all()

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append((message.topic, message.payload))
            if message.retain:
                self.retained.append((message.topic, message.payload))
            self.arrivals.append(time.monotonic())
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def connect(self) -> MqttClient:
        self.client.connect("127.0.0.1", self.port, keepalive=10)
        self.client.loop_start()
        assert self.wait_for(lambda: self.connect_result is not None), "no CONNACK"
        return self

    @property
    def accepted(self) -> bool:
        return self.connect_result is not None and not self.connect_result.is_failure

    def subscribe(self, topic_filter: str) -> int:
        """The broker's answer: the granted QoS, or 0x80 when refused."""
        _, mid = self.client.subscribe(topic_filter, qos=1)
        assert self.wait_for(lambda: mid in self.granted), f"no SUBACK for {topic_filter}"
        return self.granted[mid][0]

    def publish(self, topic: str, payload: bytes | str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def received(self, topic: str) -> list[bytes]:
        with self._changed:
            return [p for t, p in self.messages if t == topic]

    def wait_for_message(self, topic: str, timeout: float = 5.0) -> bytes:
        assert self.wait_for(lambda: bool(self.received(topic)), timeout), f"nothing arrived on {topic}"
        return self.received(topic)[0]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def drop(self) -> None:
        """Lose the connection without a DISCONNECT, as a closed laptop does: the broker sends the will."""
        sock = self.client.socket()
        assert sock is not None, "not connected"
        with socket.fromfd(sock.fileno(), socket.AF_INET, socket.SOCK_STREAM) as raw:  # tcp or websocket
            raw.shutdown(socket.SHUT_RDWR)
        assert self.wait_for(lambda: self.disconnected), "the connection did not drop"


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    retain: bool = False


Connect = Callable[..., MqttClient]


@pytest.fixture
def mqtt_port(stack: LocalStack) -> int:
    return int(stack.env()["LUMI_MQTT_URL"].rsplit(":", 1)[1])


@pytest.fixture
def mqtt_ws_port(stack: LocalStack) -> int:
    return int(stack.env()["LUMI_MQTT_WS_URL"].rsplit(":", 1)[1].split("/")[0])


@pytest.fixture
def connect(mqtt_port: int) -> Iterator[Connect]:
    """``connect(person | None, password=…, client_id=…, port=…)`` → a connected (or refused) client."""
    made: list[MqttClient] = []

    def make(
        person: Person | None = None,
        password: str | None = None,
        client_id: str | None = None,
        port: int | None = None,
        websocket: bool = False,
        username: str | None = None,
        will: Will | None = None,
        clean_session: bool = True,
    ) -> MqttClient:
        if person is not None:
            username = username or person.username
            password = password if password is not None else person.access_token
            client_id = client_id or f"{person.user_id}-{uuid.uuid4().hex[:6]}"
        client = MqttClient(port or mqtt_port, username, password, client_id, websocket, will, clean_session).connect()
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def service(connect: Connect, stack: LocalStack) -> MqttClient:
    """The Reflex backend's connection: the service principal, subscribed to everything of the stage."""
    env = stack.env()
    client = connect(username="lumi-service", password=env["LUMI_REALTIME_SERVICE_SECRET"], client_id="lumi-svc-test")
    assert client.accepted
    for topic_filter in service_subscriptions(env["LUMI_STAGE"]):
        assert client.subscribe(topic_filter) == 1
    return client


def stage(stack: LocalStack) -> str:
    return stack.env()["LUMI_STAGE"]


def test_a_person_uses_their_own_and_their_couples_topics(
    stack: LocalStack, couple: MakeCouple, connect: Connect
) -> None:
    # given a couple, each connected with their own token
    ana, ben, rel = couple()
    s = stage(stack)
    ana_client, ben_client = connect(ana), connect(ben)
    assert ana_client.accepted and ben_client.accepted

    # when they subscribe to their own user topics and their couple's topics
    assert ana_client.subscribe(f"lumi/{s}/u/{ana.user_id}/#") == 1
    assert ana_client.subscribe(f"lumi/{s}/r/{rel}/#") == 1
    assert ben_client.subscribe(couple_topic(s, rel, Channel.PRESENCE)) == 1

    # then what one publishes on the couple topic reaches the other, and own topics reach oneself
    ben_client.publish(couple_topic(s, rel, Channel.EVENTS), b'{"from": "ben"}')
    ana_client.publish(couple_topic(s, rel, Channel.PRESENCE), b'{"from": "ana"}')
    ana_client.publish(user_topic(s, ana.user_id, Channel.NOTIFICATIONS), b'{"note": "to self"}')
    assert ana_client.wait_for_message(couple_topic(s, rel, Channel.EVENTS)) == b'{"from": "ben"}'
    assert ben_client.wait_for_message(couple_topic(s, rel, Channel.PRESENCE)) == b'{"from": "ana"}'
    assert ana_client.wait_for_message(user_topic(s, ana.user_id, Channel.NOTIFICATIONS)) == b'{"note": "to self"}'


def test_browsers_authenticate_over_the_websocket_listener_too(
    register: Register, connect: Connect, mqtt_ws_port: int, stack: LocalStack
) -> None:
    ana = register("ana")
    client = connect(ana, port=mqtt_ws_port, websocket=True)
    assert client.accepted
    assert client.subscribe(user_topic(stage(stack), ana.user_id, Channel.NOTIFICATIONS)) == 1
    assert client.subscribe(user_topic(stage(stack), "someone-else", Channel.NOTIFICATIONS)) == REFUSED


def test_other_people_other_couples_and_wildcard_ids_are_refused(
    stack: LocalStack, couple: MakeCouple, connect: Connect
) -> None:
    # given two couples
    ana, ben, rel = couple()
    cleo, _, other_rel = couple()
    s = stage(stack)
    client = connect(ana)

    # when / then: every filter outside ana's own prefixes gets a refusal, one by one
    for topic_filter in [
        user_topic(s, ben.user_id, Channel.NOTIFICATIONS),  # her own partner's personal topic
        user_topic(s, cleo.user_id, Channel.NOTIFICATIONS),  # another person
        couple_topic(s, other_rel, Channel.PRESENCE),  # another couple
        f"lumi/{s}/r/{other_rel}/#",
        f"lumi/{s}/u/+/notifications",  # wildcards in the id position
        f"lumi/{s}/r/+/presence",
        f"lumi/{s}/u/#",
        f"lumi/{s}/#",
        "#",
        f"lumi/other-stage/u/{ana.user_id}/#",
    ]:
        assert client.subscribe(topic_filter) == REFUSED, topic_filter
    # and her own still work on the same connection
    assert client.subscribe(f"lumi/{s}/r/{rel}/#") == 1


def test_publishing_to_someone_elses_topic_is_dropped(
    stack: LocalStack, couple: MakeCouple, connect: Connect, service: MqttClient
) -> None:
    # given two couples and the service listening to everything
    ana, ben, rel = couple()
    _, _, other_rel = couple()
    s = stage(stack)
    client = connect(ana)

    # when ana publishes where she may not, then where she may (that one arrives last)
    forbidden = [user_topic(s, ben.user_id, "chat"), couple_topic(s, other_rel, "chat")]
    for topic in forbidden:
        client.publish(topic, b'{"forged": true}')
    allowed_topic = couple_topic(s, rel, "chat")
    client.publish(allowed_topic, b'{"ok": true}')

    # then only the allowed one reached the service
    assert service.wait_for_message(allowed_topic) == b'{"ok": true}'
    assert all(service.received(topic) == [] for topic in forbidden)


def expired_token(person: Person, seconds_from_now: int) -> str:
    claims = claims_of(person.access_token)
    return sign_like_cognito({**claims, "exp": int(time.time()) + seconds_from_now})


def test_connections_without_a_valid_token_are_refused(register: Register, connect: Connect) -> None:
    ana, ben = register("ana"), register("ben")
    refused = {
        "no credentials": connect(client_id=f"{ana.user_id}-anon"),
        "no password": connect(username=ana.username, password=None, client_id=f"{ana.user_id}-nopw"),
        "garbage token": connect(ana, password="not.a.token"),
        "expired token": connect(ana, password=expired_token(ana, -600)),
        "tampered token": connect(ana, password=ana.access_token[:-4] + "AAAA"),
        "wrong service secret": connect(username="lumi-service", password="guess", client_id="lumi-svc-guess"),
        "someone else's client id": connect(ana, client_id=f"{ben.user_id}-tab"),
        "a client id not starting with the own id": connect(ana, client_id="tab-1"),
    }
    for what, client in refused.items():
        assert client.connect_result is not None and client.connect_result.is_failure, what
        assert client.connect_result.getName() in ("Not authorized", "Bad user name or password"), what


def test_a_connection_can_do_nothing_more_once_its_token_expired(
    stack: LocalStack, register: Register, connect: Connect, service: MqttClient
) -> None:
    # given a token with a few seconds left, good at connect time
    ana = register("ana")
    s = stage(stack)
    token = expired_token(ana, 2)
    expires_at = claims_of(token)["exp"]
    client = connect(ana, password=token)
    assert client.accepted
    own = user_topic(s, ana.user_id, Channel.NOTIFICATIONS)
    assert client.subscribe(own) == 1

    # when the token's expiry passes (the clock is the condition here)
    while time.time() < expires_at + 0.05:
        time.sleep(0.05)

    # then nothing more is subscribed, published or delivered
    assert client.subscribe(user_topic(s, ana.user_id, Channel.EVENTS)) == REFUSED
    client.publish(user_topic(s, ana.user_id, Channel.EVENTS), b'{"late": true}')
    service.publish(own, b'{"after": "expiry"}')
    marker = user_topic(s, ana.user_id, "marker")
    service.publish(marker, b"{}")
    assert service.wait_for_message(marker) == b"{}"  # the service's own deliveries went through
    assert service.received(user_topic(s, ana.user_id, Channel.EVENTS)) == []
    assert client.received(own) == []


def test_the_relationship_is_looked_up_when_connecting(
    stack: LocalStack, register: Register, api: Any, connect: Connect
) -> None:
    # given ana, unpaired when she connects
    ana, ben = register("ana"), register("ben")
    early = connect(ana)
    status, request = api.post("/relationships/requests", {"to": ben.username}, token=ana.access_token)
    assert status == 201
    status, relationship = api.post(f"/relationships/requests/{request['request_id']}/accept", token=ben.access_token)
    assert status == 200
    rel_topic = f"lumi/{stage(stack)}/r/{relationship['relationship_id']}/#"

    # then the connection made before pairing has no couple topic; a new one has
    assert early.subscribe(rel_topic) == REFUSED
    assert connect(ana).subscribe(rel_topic) == 1


def test_the_service_principal_subscribes_to_the_whole_stage(stack: LocalStack, service: MqttClient) -> None:
    s = stage(stack)
    assert service.subscribe(f"lumi/{s}/#") == 1
    assert service.subscribe("lumi/another-stage/#") == REFUSED
    topic = user_topic(s, "anyone", Channel.NOTIFICATIONS)
    service.publish(topic, json.dumps({"hello": 1}))
    assert json.loads(service.wait_for_message(topic)) == {"hello": 1}


def test_no_message_is_lost_while_other_clients_come_and_go(
    stack: LocalStack, register: Register, connect: Connect, service: MqttClient, mqtt_port: int
) -> None:
    # given a steady subscriber, and people connecting, subscribing and leaving all the while
    ana = register("ana")
    s = stage(stack)
    topic = user_topic(s, ana.user_id, "steady")
    steady = connect(ana)
    assert steady.subscribe(topic) == 1
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            visitor = MqttClient(mqtt_port, ana.username, ana.access_token, f"{ana.user_id}-{uuid.uuid4().hex[:6]}")
            visitor.connect()
            visitor.subscribe(user_topic(s, ana.user_id, f"visit-{uuid.uuid4().hex[:6]}"))
            visitor.close()

    churners = [threading.Thread(target=churn) for _ in range(2)]
    for thread in churners:
        thread.start()
    try:
        # when the service publishes a stream of messages
        for i in range(60):
            service.publish(topic, str(i))
    finally:
        stop.set()
        for thread in churners:
            thread.join(10)

    # then every one of them arrived, in order
    assert steady.wait_for(lambda: len(steady.received(topic)) >= 60, timeout=10), len(steady.received(topic))
    assert steady.received(topic) == [str(i).encode() for i in range(60)]


# ---------------------------------------------------------------- retained messages and wills
#
# Lumi's policy grants iot:RetainPublish to nobody, so no client may leave a message behind
# for later subscribers (see ``backend.local.broker_patches``). These tests run a broker of
# their own with the same plugin, so each starts with an empty retained store and can look in.


@pytest.fixture
def own_broker(stack: LocalStack) -> Iterator[MqttBroker]:
    broker = MqttBroker(plugins={PLUGIN: {}}).start()
    yield broker
    broker.stop()


TRANSPORTS = pytest.mark.parametrize("websocket", [False, True], ids=["tcp", "websocket"])


def port_of(broker: MqttBroker, websocket: bool) -> int:
    return broker.ws_port if websocket else broker.tcp_port


def settle(client: MqttClient, own_topic: str) -> None:
    """Wait until everything retained for this connection so far has arrived.

    The broker handles a client's packets in order, and sends the retained messages of a
    connection (right after CONNACK) and of a subscription (right after its SUBACK) before
    it handles the next packet. So once one more SUBACK is back, nothing retained is on its way.
    """
    assert client.subscribe(own_topic) == 1


@TRANSPORTS
def test_a_retained_publish_closes_the_connection_and_is_neither_stored_nor_delivered(
    stack: LocalStack, couple: MakeCouple, connect: Connect, own_broker: MqttBroker, websocket: bool
) -> None:
    # given two couples, and ana's partner listening to their couple's topics
    ana, ben, rel = couple()
    cleo, _, other_rel = couple()
    s, port = stage(stack), port_of(own_broker, websocket)
    topic = couple_topic(s, rel, Channel.EVENTS)
    ben_client = connect(ben, port=port, websocket=websocket)
    assert ben_client.subscribe(f"lumi/{s}/r/{rel}/#") == 1
    ana_client = connect(ana, port=port, websocket=websocket)

    # when ana publishes a retained message on her couple's topic
    ana_client.client.publish(topic, b'{"sticky": true}', qos=1, retain=True)

    # then the broker closes her connection, as IoT Core does, and keeps nothing
    assert ana_client.wait_for(lambda: ana_client.disconnected), "the connection stayed open"
    assert own_broker.retained() == {}
    # and ben did not get it live either: what ana publishes next (not retained) is all he gets
    ana_again = connect(ana, port=port, websocket=websocket)
    ana_again.publish(topic, b'{"live": true}')
    assert ben_client.wait_for_message(topic) == b'{"live": true}'
    assert ben_client.messages == [(topic, b'{"live": true}')]

    # and nobody connecting later gets it: neither ben anew nor cleo of the other couple
    later_ben = connect(ben, port=port, websocket=websocket)
    assert later_ben.subscribe(f"lumi/{s}/r/{rel}/#") == 1
    cleo_client = connect(cleo, port=port, websocket=websocket)
    assert cleo_client.subscribe(f"lumi/{s}/r/{other_rel}/#") == 1
    settle(later_ben, user_topic(s, ben.user_id, "settle"))
    settle(cleo_client, user_topic(s, cleo.user_id, "settle"))
    assert later_ben.messages == [] and cleo_client.messages == []


def test_the_service_may_not_retain_either(stack: LocalStack, connect: Connect, own_broker: MqttBroker) -> None:
    # given the service principal (server code never retains; its IAM role has no iot:RetainPublish)
    env = stack.env()
    client = connect(username="lumi-service", password=env["LUMI_REALTIME_SERVICE_SECRET"], port=own_broker.tcp_port)
    assert client.accepted

    # when it publishes a retained message, then it is refused like anyone's
    client.client.publish(user_topic(stage(stack), "anyone", Channel.EVENTS), b"{}", qos=1, retain=True)
    assert client.wait_for(lambda: client.disconnected), "the connection stayed open"
    assert own_broker.retained() == {}


@TRANSPORTS
def test_a_will_that_would_be_retained_is_refused_at_connect(
    stack: LocalStack, couple: MakeCouple, connect: Connect, own_broker: MqttBroker, websocket: bool
) -> None:
    # given a couple, and the partner listening to their couple's topics
    ana, ben, rel = couple()
    s, port = stage(stack), port_of(own_broker, websocket)
    topic = couple_topic(s, rel, Channel.PRESENCE)
    ben_client = connect(ben, port=port, websocket=websocket)
    assert ben_client.subscribe(f"lumi/{s}/r/{rel}/#") == 1

    # when ana connects with a will to be retained on her own couple's topic, she is refused
    refused = connect(ana, port=port, websocket=websocket, will=Will(topic, b'{"gone": "sticky"}', retain=True))
    assert refused.connect_result is not None and refused.connect_result.getName() == "Not authorized"

    # then the same will without retain is accepted, reaches ben live when she drops, and stays nowhere
    ana_client = connect(ana, port=port, websocket=websocket, will=Will(topic, b'{"gone": true}'))
    assert ana_client.accepted
    ana_client.drop()
    assert ben_client.wait_for_message(topic) == b'{"gone": true}'
    assert ben_client.messages == [(topic, b'{"gone": true}')]
    assert own_broker.retained() == {}


def test_a_will_on_a_topic_one_may_not_publish_to_is_refused_at_connect(
    stack: LocalStack, couple: MakeCouple, connect: Connect, own_broker: MqttBroker
) -> None:
    # given two couples
    ana, ben, _ = couple()
    _, _, other_rel = couple()
    s = stage(stack)

    # when ana leaves a will for someone else's topic, then she cannot connect
    for topic in [couple_topic(s, other_rel, Channel.EVENTS), user_topic(s, ben.user_id, Channel.NOTIFICATIONS)]:
        client = connect(ana, port=own_broker.tcp_port, will=Will(topic, b'{"forged": true}'))
        assert client.connect_result is not None and client.connect_result.getName() == "Not authorized", topic


@TRANSPORTS
def test_a_retained_message_reaches_only_new_subscribers_it_is_for(
    stack: LocalStack, couple: MakeCouple, connect: Connect, own_broker: MqttBroker, websocket: bool
) -> None:
    # given two couples, each with one person subscribed to their couple's topics, and a message
    # retained on each couple's topic (put there by the broker: no client may)
    ana, ben, rel = couple()
    cleo, dan, other_rel = couple()
    s, port = stage(stack), port_of(own_broker, websocket)
    ours, theirs = couple_topic(s, rel, Channel.EVENTS), couple_topic(s, other_rel, Channel.EVENTS)
    for person, relationship in ((ana, rel), (dan, other_rel)):
        assert connect(person, port=port, websocket=websocket).subscribe(f"lumi/{s}/r/{relationship}/#") == 1
    own_broker.retain(ours, b'{"for": "ana and ben"}')
    own_broker.retain(theirs, b'{"for": "cleo and dan"}')

    # when ben and cleo connect anew, before subscribing to anything
    ben_client = connect(ben, port=port, websocket=websocket)
    cleo_client = connect(cleo, port=port, websocket=websocket)
    settle(ben_client, user_topic(s, ben.user_id, "settle"))
    settle(cleo_client, user_topic(s, cleo.user_id, "settle"))

    # then neither got anything: other people's subscriptions are not theirs
    assert ben_client.messages == [] and cleo_client.messages == []

    # when each subscribes to their own couple's topics, and ben tries the other couple's too
    assert ben_client.subscribe(f"lumi/{s}/r/{rel}/#") == 1
    assert ben_client.subscribe(f"lumi/{s}/r/{other_rel}/#") == REFUSED
    assert cleo_client.subscribe(f"lumi/{s}/r/{other_rel}/#") == 1
    settle(ben_client, user_topic(s, ben.user_id, "settle-again"))
    settle(cleo_client, user_topic(s, cleo.user_id, "settle-again"))

    # then each got their own couple's message once, as a retained one, and nothing else
    assert ben_client.messages == ben_client.retained == [(ours, b'{"for": "ana and ben"}')]
    assert cleo_client.messages == cleo_client.retained == [(theirs, b'{"for": "cleo and dan"}')]


def test_a_persistent_session_gets_retained_messages_only_through_its_own_subscriptions(
    stack: LocalStack, couple: MakeCouple, connect: Connect, own_broker: MqttBroker
) -> None:
    # given cleo's persistent session, subscribed to her couple's topics, and ana subscribed to hers
    ana, _, rel = couple()
    cleo, _, other_rel = couple()
    s, port = stage(stack), own_broker.tcp_port
    client_id = f"{cleo.user_id}-persistent"
    first = connect(cleo, port=port, client_id=client_id, clean_session=False)
    assert first.subscribe(f"lumi/{s}/r/{other_rel}/#") == 1
    first.close()
    assert connect(ana, port=port).subscribe(f"lumi/{s}/r/{rel}/#") == 1
    ours, theirs = couple_topic(s, rel, Channel.EVENTS), couple_topic(s, other_rel, Channel.EVENTS)
    own_broker.retain(ours, b'{"for": "ana and ben"}')
    own_broker.retain(theirs, b'{"for": "cleo and dan"}')

    # when cleo comes back to her session
    again = connect(cleo, port=port, client_id=client_id, clean_session=False)
    settle(again, user_topic(s, cleo.user_id, "settle"))

    # then amqtt sends what is retained for her session's subscriptions, and nothing of the other couple
    assert again.messages == again.retained == [(theirs, b'{"for": "cleo and dan"}')]
