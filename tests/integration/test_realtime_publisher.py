"""The server-side publisher: MQTT to the embedded broker locally, iot-data (moto) as in AWS,
and the live "refetch" signals that pairing changes send."""

# ruff: noqa: F811 - the fixtures imported from test_realtime_broker are requested by parameter name

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter

from backend.contracts import CoupleChangedMessage, RealtimeMessage
from backend.local.broker import MqttBroker
from backend.local.broker_auth import PLUGIN
from backend.local.services import free_port
from backend.local.stack import LocalStack
from backend.realtime import publisher as publisher_module
from backend.realtime.publisher import (
    IotDataPublisher,
    MqttPublisher,
    NoBrokerPublisher,
    PublishError,
    get_publisher,
    reset_publisher,
    try_publish,
)
from backend.realtime.topics import Channel, couple_topic, user_topic
from backend.settings import reset_settings
from tests.integration.conftest import Api, Register
from tests.integration.test_realtime_broker import (  # noqa: F401 - fixtures, requested by name
    Connect,
    MqttClient,
    connect,
    mqtt_port,
    service,
    stack,
)

messages = TypeAdapter(RealtimeMessage)


def stage(stack: LocalStack) -> str:
    return stack.env()["LUMI_STAGE"]


def test_get_publisher_publishes_over_mqtt_and_waits_for_the_puback(stack: LocalStack, service: MqttClient) -> None:
    # given the session stack's settings (publisher "mqtt", its broker, its service secret)
    publisher = get_publisher()
    assert isinstance(publisher, MqttPublisher) and get_publisher() is publisher
    topic = user_topic(stage(stack), "someone", Channel.NOTIFICATIONS)

    # when
    publisher.publish(topic, CoupleChangedMessage(reason="hello"))

    # then it arrives as the message's JSON
    assert messages.validate_json(service.wait_for_message(topic)) == CoupleChangedMessage(reason="hello")


def test_one_connection_serves_many_threads(stack: LocalStack, service: MqttClient) -> None:
    publisher = get_publisher()
    topic = couple_topic(stage(stack), "threads", Channel.EVENTS)
    errors: list[BaseException] = []

    def send(thread: int) -> None:
        try:
            for i in range(25):
                publisher.publish(topic, CoupleChangedMessage(reason=f"{thread}-{i}"))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert service.wait_for(lambda: len(service.received(topic)) == 200, timeout=10)
    reasons = {messages.validate_json(p).reason for p in service.received(topic)}  # type: ignore[union-attr]
    assert reasons == {f"{t}-{i}" for t in range(8) for i in range(25)}
    assert get_publisher() is publisher  # still the one connection


@pytest.fixture
def own_broker(stack: LocalStack) -> Iterator[Any]:
    """A broker of our own (with the authorizer plugin) that tests may stop and start on one port."""
    port = free_port()
    state: dict[str, MqttBroker | None] = {"broker": MqttBroker(tcp_port=port, plugins={PLUGIN: {}}).start()}

    class Handle:
        url = f"mqtt://127.0.0.1:{port}"

        def stop(self) -> None:
            broker = state["broker"]
            if broker is not None:
                broker.stop()
            state["broker"] = None

        def start(self) -> None:
            state["broker"] = MqttBroker(tcp_port=port, plugins={PLUGIN: {}}).start()

    handle = Handle()
    yield handle
    handle.stop()


def test_the_publisher_reconnects_after_the_broker_restarts(stack: LocalStack, own_broker: Any) -> None:
    # given a publisher connected to a broker
    secret = stack.env()["LUMI_REALTIME_SERVICE_SECRET"]
    publisher = MqttPublisher(own_broker.url, "lumi-service", secret, timeout=1.0)
    message = CoupleChangedMessage(reason="restart")
    try:
        publisher.publish("lumi/local/u/x/events", message)

        # when the broker goes away, publishing fails within the timeout instead of hanging
        own_broker.stop()
        started = time.monotonic()
        with pytest.raises(PublishError):
            publisher.publish("lumi/local/u/x/events", message)
        assert time.monotonic() - started < 3.0
        assert try_publish_with(publisher, message) is False

        # then once it is back, the same publisher gets through again
        own_broker.start()
        assert publisher.wait_connected(10.0), "did not reconnect"
        publisher.publish("lumi/local/u/x/events", message)
    finally:
        publisher.close()


def try_publish_with(publisher: MqttPublisher, message: CoupleChangedMessage) -> bool:
    try:
        publisher.publish("lumi/local/u/x/events", message)
    except PublishError:
        return False
    return True


def test_a_wrong_service_secret_is_refused_and_reported(stack: LocalStack) -> None:
    publisher = MqttPublisher(stack.env()["LUMI_MQTT_URL"], "lumi-service", "not-the-secret", timeout=0.5)
    try:
        with pytest.raises(PublishError, match="not connected"):
            publisher.publish("lumi/local/u/x/events", CoupleChangedMessage(reason="x"))
    finally:
        publisher.close()


def test_try_publish_never_raises(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUMI_MQTT_URL", f"mqtt://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setattr(publisher_module, "PUBLISH_TIMEOUT_SECONDS", 0.3)
    reset_settings()
    try:
        assert try_publish("lumi/local/u/x/events", CoupleChangedMessage(reason="x")) is False
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_publisher()


def test_in_aws_the_publisher_is_iot_data(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    # given the settings of a Lambda in AWS (against the emulator's iot-data)
    monkeypatch.setenv("LUMI_PUBLISHER", "iot")
    reset_settings()
    try:
        publisher = get_publisher()
        assert isinstance(publisher, IotDataPublisher)
        topic = couple_topic(stage(stack), "aws", Channel.PRESENCE)

        # when
        publisher.publish(topic, CoupleChangedMessage(reason="via iot-data"))

        # then the emulated IoT Core got the message's JSON
        published = iotdata_backends[DEFAULT_ACCOUNT_ID][stack.region].published_payloads
        assert (topic, b'{"type":"couple_changed","reason":"via iot-data"}') in published
    finally:
        monkeypatch.undo()
        reset_settings()


def test_a_stack_without_a_broker_publishes_to_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUMI_PUBLISHER", "mqtt")
    monkeypatch.setenv("LUMI_MQTT_URL", "")
    reset_settings()
    try:
        assert isinstance(get_publisher(), NoBrokerPublisher)
        get_publisher().publish("lumi/x/u/y/events", CoupleChangedMessage(reason="x"))
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_publisher()


# ---------------------------------------------------------------- pairing changes, live


def reasons_on(client: MqttClient, topic: str) -> list[str]:
    return [messages.validate_json(p).reason for p in client.received(topic)]  # type: ignore[union-attr]


def test_pairing_changes_reach_both_people_live(
    stack: LocalStack, api: Api, register: Register, service: MqttClient
) -> None:
    # given two people, and the service listening to everything of the stage (as the Reflex backend does)
    ana, ben = register("ana"), register("ben")
    s = stage(stack)
    ana_events, ben_events = user_topic(s, ana.user_id, Channel.EVENTS), user_topic(s, ben.user_id, Channel.EVENTS)

    def both_heard(*reasons: str) -> None:
        for topic in (ana_events, ben_events):
            assert service.wait_for(lambda t=topic: reasons_on(service, t) == list(reasons)), reasons_on(service, topic)

    # a request sent, then cancelled
    status, request = api.post("/relationships/requests", {"to": ben.username}, token=ana.access_token)
    assert status == 201
    both_heard("request_sent")
    assert api.delete(f"/relationships/requests/{request['request_id']}", token=ana.access_token)[0] == 204
    both_heard("request_sent", "request_cancelled")

    # a request declined
    status, request = api.post("/relationships/requests", {"to": ben.username}, token=ana.access_token)
    assert api.post(f"/relationships/requests/{request['request_id']}/decline", token=ben.access_token)[0] == 204
    both_heard("request_sent", "request_cancelled", "request_sent", "request_declined")

    # a request accepted: the couple exists, and its topic hears what happens to it from then on
    status, request = api.post("/relationships/requests", {"to": ben.username}, token=ana.access_token)
    status, relationship = api.post(f"/relationships/requests/{request['request_id']}/accept", token=ben.access_token)
    assert status == 200
    rel_events = couple_topic(s, relationship["relationship_id"], Channel.EVENTS)
    assert (
        api.put(
            f"/relationships/{relationship['relationship_id']}/anniversary",
            {"anniversary": "2020-02-02"},
            token=ana.access_token,
        )[0]
        == 200
    )
    assert api.delete(f"/relationships/{relationship['relationship_id']}", token=ben.access_token)[0] == 204

    assert service.wait_for(lambda: len(reasons_on(service, rel_events)) == 3)
    assert reasons_on(service, rel_events) == ["request_accepted", "anniversary_changed", "partner_left"]
    both_heard(
        "request_sent",
        "request_cancelled",
        "request_sent",
        "request_declined",
        "request_sent",
        "request_accepted",
        "anniversary_changed",
        "partner_left",
    )


def test_a_failed_request_sends_nothing(stack: LocalStack, api: Api, register: Register, service: MqttClient) -> None:
    ana = register("ana")
    assert api.post("/relationships/requests", {"to": ana.username}, token=ana.access_token)[0] == 400
    marker = user_topic(stage(stack), ana.user_id, "marker")
    get_publisher().publish(marker, CoupleChangedMessage(reason="marker"))
    service.wait_for_message(marker)
    assert service.received(user_topic(stage(stack), ana.user_id, Channel.EVENTS)) == []
